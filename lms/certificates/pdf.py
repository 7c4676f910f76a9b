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
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ..accounts.iin import mask_iin
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
    return value.strftime("%d.%m.%Y") if value else ""


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
    y = height - 38 * mm
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

    y -= 16 * mm
    left = 30 * mm
    facts = [
        ("ЖСН / ИИН", mask_iin(holder.iin) if holder is not None and holder.iin else "—"),
        ("Ұйым / Организация",
         f"{organisation.name_kk} / {organisation.name_ru}" if organisation is not None else "—"),
        ("Берілген күні / Дата выдачи", _date(certificate.issued_on)),
        ("Жарамдылық мерзімі / Действителен до",
         _date(certificate.valid_until) if certificate.valid_until else "мерзімсіз / бессрочно"),
    ]
    for label, value in facts:
        pdf.setFont(FONT, 10)
        pdf.drawString(left, y, label)
        size = _fit(pdf, value, FONT_BOLD, 11, width - 170 * mm)
        pdf.setFont(FONT_BOLD, size)
        pdf.drawString(left + 75 * mm, y, value)
        y -= 7 * mm

    url = verification_url(certificate)
    qr_size = 38 * mm
    qr_x, qr_y = width - 30 * mm - qr_size, 26 * mm
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
