"""The PDF: A4 landscape, Kazakh and Russian text that extracts back, a QR code to the verification page."""
import io
from datetime import date

import pytest
from pypdf import PdfReader

from lms.certificates.pdf import qr_code, render_pdf, verification_url


@pytest.fixture
def certificate(world, course, make):
    world.learner.surname, world.learner.given_name = "Жиһанова", "Әсел"
    return make.certificate(world.learner, course, issued_on=date(2026, 3, 5), valid_until=date(2028, 3, 5))


def test_pdf_is_a4_landscape_with_both_languages_and_the_facts(world, certificate):
    data = render_pdf(certificate)
    reader = PdfReader(io.BytesIO(data))
    [page] = reader.pages
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points
    text = page.extract_text()
    for letter in "әғқңөұүһі":
        assert letter in text, letter
    assert certificate.holder_name in text and certificate.number in text
    assert world.learner.iin[:2] + "******" + world.learner.iin[-4:] in text and world.learner.iin not in text
    assert certificate.course.title_kk in text and certificate.course.title_ru in text
    assert world.a1.name_kk in text and world.a1.name_ru in text
    assert "05.03.2026" in text and "05.03.2028" in text and f"{certificate.hours} академиялық сағат" in text
    assert "сертификат подтверждает" in text and verification_url(certificate) in text


def test_qr_code_decodes_to_the_verification_url(app, certificate):
    import zxingcpp
    from PIL import Image

    url = verification_url(certificate)
    assert url.startswith(app.config["OQU_SETTINGS"].base_url.rstrip("/")) and url.endswith(certificate.number)
    buffer = io.BytesIO()
    qr_code(certificate).save(buffer, kind="png", scale=8, border=4)
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert result.text == url


def test_qr_code_read_from_the_rendered_pdf_page_leads_to_the_verification_page(app, client, certificate):
    """What a phone does: render the PDF page (PDFium, as browsers do), find the QR code in the picture,
    open the address. The page text read back by PDFium holds every Kazakh letter too."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(render_pdf(certificate))
    try:
        page = document[0]
        image = page.render(scale=2).to_pil()  # 144 dpi
        text = page.get_textpage().get_text_range()
    finally:
        document.close()
    results = zxingcpp.read_barcodes(image)
    assert [r.format for r in results] == [zxingcpp.BarcodeFormat.QRCode]
    url = results[0].text
    base = app.config["OQU_SETTINGS"].base_url.rstrip("/")
    assert url == f"{base}/verify/{certificate.number}"
    assert client.get(url[len(base):]).status_code == 200
    for letter in "әғқңөұүһі":
        assert letter in text, letter
    assert certificate.holder_name in text


def _text_boxes(data: bytes) -> list[tuple[str, float, float, float, float]]:
    """Each piece of text the page draws, with its box (x0, y0, x1, y1) in points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from lms.certificates.pdf import FONT, FONT_BOLD

    boxes = []

    def visit(text, cm, tm, font, size):
        if not text.strip() or font is None:
            return
        name = FONT_BOLD if "Bold" in str(font.get("/BaseFont")) else FONT
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        boxes.append((text, x, y - 0.2 * size, x + stringWidth(text, name, size), y + 0.8 * size))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return boxes


@pytest.mark.settings(credential_issuer_name="Қазақстан Республикасы Жасанды интеллект және цифрлық даму министрлігі",
                      certificate_signatory_name="А. Бекова",
                      certificate_signatory_title="Бағдарлама директоры / Директор программы")
def test_the_certificate_names_its_issuer_signatory_and_the_holders_whole_unit_and_no_text_overlaps(
        world, certificate):
    world.a1.name_kk = "Деректерді басқару және жасанды интеллектті енгізу департаментінің талдау басқармасы"
    world.a1.name_ru = "Аналитическое управление департамента управления данными и внедрения искусственного интеллекта"
    data = render_pdf(certificate)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Жасанды интеллект және цифрлық даму министрлігі" in text
    assert "А. Бекова" in text and "Директор программы" in text
    assert f"{world.a.name_kk} → {world.a1.name_kk}"[:60] in text.replace("\n", " ")
    boxes = _text_boxes(data)
    assert len(boxes) > 12
    for index, (one, *a) in enumerate(boxes):
        assert a[2] <= 842 - 15 * 2.835 and a[0] >= 15 * 2.835, one  # inside the frame
        for other, *b in boxes[index + 1:]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, f"{one!r} overlaps {other!r}"
