"""The certificate as a PDF: A4 landscape, Kazakh and Russian on one page, a QR code linking to
the public verification page. reportlab with DejaVu Sans (DESIGN §4: ≈ 11 ms a certificate).

The font comes with a pip-installable package (matplotlib ships DejaVu Sans in ``mpl-data``), so a
fresh machine needs no system fonts; a system copy is used only if that one is missing.
"""
from __future__ import annotations

import importlib.util
import io
from functools import lru_cache
from pathlib import Path

import segno
from flask import current_app
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select

from ..accounts.iin import mask_iin
from ..extensions import db
from ..i18n import table_date
from ..organisations.models import Organisation
from ..utils import external_url
from .models import Certificate

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK, ACCENT = HexColor("#1b2a41"), HexColor("#00a3c4")


def _font_file(name: str) -> Path:
    spec = importlib.util.find_spec("matplotlib")
    candidates = []
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / name)
    candidates.append(Path("/usr/share/fonts/truetype/dejavu") / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"font {name} not found (install matplotlib, which ships DejaVu Sans)")


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(_font_file("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_font_file("DejaVuSans-Bold.ttf"))))


def verification_url(certificate: Certificate) -> str:
    """What the QR code holds: the public verification page on ``LMS_BASE_URL``."""
    return external_url("certificates.verify", number=certificate.number)


def _date(value) -> str:
    return table_date(value)  # the compact date style, the same in Kazakh and Russian


def _fit(pdf, text: str, font: str, size: float, width: float) -> float:
    while size > 7 and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _centred(pdf, text: str, y: float, font: str, size: float, width: float, page_width: float) -> None:
    size = _fit(pdf, text, font, size, width)
    pdf.setFont(font, size)
    pdf.drawCentredString(page_width / 2, y, text)


def qr_code(certificate: Certificate) -> segno.QRCode:
    """The QR code printed on the certificate: its verification URL, error correction M."""
    return segno.make(verification_url(certificate), error="m")


def _qr(pdf, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """The code as vector squares, each row's neighbouring dark modules merged into one rectangle and
    all of them filled as one path (a few hundred rectangles fewer to write per certificate)."""
    matrix = list(qr.matrix)
    border = 2
    count = len(matrix) + 2 * border
    cell = size / count
    pdf.setFillColor(HexColor("#ffffff"))
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColor(INK)
    path = pdf.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + border + 1) * cell
        start = None
        for column_index, dark in enumerate(list(row) + [0]):
            if dark and start is None:
                start = column_index
            elif not dark and start is not None:
                path.rect(x + (start + border) * cell, top, (column_index - start) * cell, cell)
                start = None
    pdf.drawPath(path, stroke=0, fill=1)


def organisation_path(organisation) -> tuple[str, str]:
    """The holder's unit with every unit above it, in Kazakh and in Russian (ministry first)."""
    if organisation is None:
        return "—", "—"
    ids = [int(part) for part in organisation.path.strip("/").split("/") if part] or [organisation.id]
    by_id = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    units = [by_id[i] for i in ids if i in by_id] or [organisation]
    return " → ".join(u.name_kk for u in units), " → ".join(u.name_ru for u in units)


def _facts(pdf, facts: list[tuple[str, str]], left: float, right: float, y: float) -> float:
    """Label and value rows: the value column starts after the widest label, so none overlaps."""
    label_size, gap = 10, 6 * mm
    column = left + max(pdf.stringWidth(label, FONT, label_size) for label, _value in facts) + gap
    for label, value in facts:
        pdf.setFont(FONT, label_size)
        pdf.drawString(left, y, label)
        size = 11 if pdf.stringWidth(value, FONT_BOLD, 11) <= right - column else 9.5
        lines = simpleSplit(value, FONT_BOLD, size, right - column)[:3]  # a long unit path wraps, never overlaps
        pdf.setFont(FONT_BOLD, size)
        for line in lines:
            pdf.drawString(column, y, line)
            y -= 4.5 * mm
        y -= 2.5 * mm
    return y


def render_pdf(certificate: Certificate) -> bytes:
    _register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{certificate.number} — {certificate.holder_name}")
    pdf.setAuthor("Oqu")
    pdf.setSubject("Сертификат / Сертификат")

    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    pdf.setFillColor(INK)
    text_width = width - 60 * mm
    course, holder = certificate.course, certificate.user
    organisation = certificate.organisation
    settings = current_app.config["OQU_SETTINGS"]
    y = height - 28 * mm
    _centred(pdf, settings.credential_issuer_name, y, FONT, 12, text_width, width)  # the issuing body
    y -= 12 * mm
    _centred(pdf, "СЕРТИФИКАТ", y, FONT_BOLD, 30, text_width, width)
    y -= 9 * mm
    pdf.setFont(FONT, 11)
    pdf.drawCentredString(width / 2, y, f"№ {certificate.number}")
    y -= 14 * mm
    _centred(pdf, certificate.holder_name, y, FONT_BOLD, 24, text_width, width)
    y -= 12 * mm
    kk = (f"Осы сертификат «{course.title_kk}» курсынан ({certificate.hours} академиялық сағат) "
          f"сәтті өткенін растайды.")
    ru = (f"Настоящий сертификат подтверждает успешное прохождение курса «{course.title_ru}» "
          f"({certificate.hours} академических часов).")
    _centred(pdf, kk, y, FONT, 13, text_width, width)
    y -= 8 * mm
    _centred(pdf, ru, y, FONT, 13, text_width, width)

    y -= 14 * mm
    left = 30 * mm
    qr_size = 38 * mm
    qr_x, qr_y = width - 30 * mm - qr_size, 26 * mm
    unit_kk, unit_ru = organisation_path(organisation)
    _facts(pdf, [
        ("ЖСН / ИИН", mask_iin(holder.iin) if holder is not None and holder.iin else "—"),
        ("Ұйым", unit_kk),
        ("Организация", unit_ru),
        ("Сағат саны / Объём, часов", str(certificate.hours)),
        ("Берілген күні / Дата выдачи", _date(certificate.issued_on)),
        ("Жарамдылық мерзімі / Действителен до",
         _date(certificate.valid_until) if certificate.valid_until else "мерзімсіз / бессрочно"),
    ], left, qr_x - 8 * mm, y)

    if settings.certificate_signatory_name:  # the signature block, left of the QR code and above the footer
        line_y = 48 * mm
        pdf.setLineWidth(0.6)
        pdf.setStrokeColor(INK)
        pdf.line(left, line_y, left + 70 * mm, line_y)
        pdf.setFont(FONT_BOLD, 10)
        pdf.drawString(left, line_y - 5 * mm, settings.certificate_signatory_name)
        if settings.certificate_signatory_title:
            pdf.setFont(FONT, _fit(pdf, settings.certificate_signatory_title, FONT, 9, qr_x - left - 8 * mm))
            pdf.drawString(left, line_y - 10 * mm, settings.certificate_signatory_title)

    url = verification_url(certificate)
    _qr(pdf, qr_code(certificate), qr_x, qr_y, qr_size)
    pdf.setFillColor(INK)
    pdf.setFont(FONT, 8)
    pdf.drawRightString(qr_x + qr_size, qr_y - 4 * mm, "Түпнұсқалығын тексеру үшін сканерлеңіз / Отсканируйте для проверки")
    pdf.setFont(FONT, 7)
    pdf.drawString(30 * mm, 26 * mm, url)
    pdf.setFont(FONT, 8)
    pdf.drawString(30 * mm, 31 * mm, "Oqu — мемлекеттік қызметшілерге арналған ЖИ бағдарламасы / "
                                     "программа ИИ для государственных служащих")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
