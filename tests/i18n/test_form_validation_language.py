"""Form checks speak the page's language: forms that render fields with rules (required, lengths,
numbers) carry ``novalidate``, so the browser does not answer in its own language, and the server's
messages (WTForms' catalogs, through Flask-Babel's locale) come back in Kazakh or Russian."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
# a WTForms field rendered through the field macro, or called directly (its rules become attributes)
RULED_FIELD = re.compile(r"\{\{\s*field\(|\{\{\s*\w*form\.(?!hidden_tag|csrf_token|submit\b)\w+\(|\brequired\b")


def test_forms_with_checked_fields_leave_the_checks_to_the_server():
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for found in FORM.finditer(text):
            opening = found.group(0).split(">", 1)[0]
            if RULED_FIELD.search(found.group(0)) and "novalidate" not in opening:
                missing.append(f"{path.relative_to(TEMPLATES)}: {opening[:80]}")
    assert not missing, "forms without novalidate:\n" + "\n".join(missing)


def test_an_empty_required_field_is_answered_in_the_pages_language(app, world, make):
    from lms.extensions import db
    from tests.conftest import csrf_token, page_text, signed_in_client

    certificate = make.certificate(world.learner, make.course())
    admin = signed_in_client(app, world.admin)
    url = f"/admin/certificates/{certificate.number}/revoke"
    for language, message in (("kk", "Бұл өріс міндетті түрде керек."), ("ru", "Обязательное поле.")):
        admin.set_cookie("oqu_lang", language)
        page = admin.post(url, data={"csrf_token": csrf_token(admin, url), "reason": ""},
                          headers={"Accept-Language": "en"})  # the browser's own language does not matter
        assert page.status_code == 200
        assert '<form method="post" novalidate>' in page.get_data(as_text=True)
        assert message in page_text(page)
    db.session.refresh(certificate)
    assert certificate.revoked_at is None
