"""Public verification (page and API), revocation by admins, and who may download the PDF."""
from datetime import date, datetime, timedelta

import pytest

from lms.certificates import services
from lms.security import PermissionDenied
from lms.clock import today as local_today
from lms.i18n import written_date

from ..conftest import audit_events, page_text, post_form, signed_in_client, translated

NOT_FOUND = "No certificate with this number was found. Check the number and try again."


@pytest.fixture
def certificate(world, course, make):
    return make.certificate(world.learner, course, valid_until=local_today() + timedelta(days=100))


def test_verification_page_shows_status_name_course_and_nothing_else_personal(app, client, world, certificate):
    response = client.get(f"/verify/{certificate.number}")
    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, "This certificate is valid.") in text
    assert world.learner.full_name in text and certificate.course.title_kk in text
    assert world.learner.iin not in text and world.learner.email not in text
    assert world.learner.iin[-4:] + "<" not in text


def test_verification_accepts_a_carelessly_typed_number(client, certificate):
    typed = certificate.number.lower().replace("-", "- ", 1)
    lookup = client.get("/verify", query_string={"number": typed})
    assert lookup.status_code == 302
    response = client.get(lookup.headers["Location"])
    assert response.status_code == 200 and certificate.number in page_text(response)


@pytest.mark.parametrize("number", ["OQU-2026-AAAA-AA", "nothing", "<script>alert(1)</script>", "OQU-2026-%00",
                                    "'; DROP TABLE certificates; --", "ӘҒҚ-ҢӨҰ", "a/b/c", "x" * 300])
def test_unknown_or_malformed_number_is_a_translated_not_found(app, client, number, certificate):
    response = client.get(f"/verify/{number}")
    assert response.status_code == 404
    text = page_text(response)
    assert translated(app, NOT_FOUND) in text and "<script>alert" not in response.get_data(as_text=True)
    api = client.get(f"/api/v1/certificates/{number}", headers={"Accept-Language": "ru"})
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_api_status_is_public_and_minimal(app, client, world, certificate):
    body = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["status"] == "valid" and body["holder"] == world.learner.full_name
    assert body["course"] == {"kk": certificate.course.title_kk, "ru": certificate.course.title_ru}
    assert body["issued_on"] == certificate.issued_on.isoformat() and body["revoked_on"] is None
    assert body["verification_url"].endswith(f"/verify/{certificate.number}")
    assert set(body) == {"number", "status", "holder", "course", "hours", "issued_on", "valid_until", "revoked_on",
                         "verification_url"}
    assert client.get("/api/v1/certificates/OQU-2026-AAAA-AA").get_json()["message"] == translated(app, NOT_FOUND)


def test_expired_certificate_is_shown_as_expired(app, client, world, course, make):
    old = make.certificate(world.learner, course, issued_on=date(2020, 1, 1), valid_until=date(2021, 1, 1))
    assert client.get(f"/api/v1/certificates/{old.number}").get_json()["status"] == "expired"
    assert translated(app, "This certificate has expired.") in page_text(client.get(f"/verify/{old.number}"))


def test_admin_revokes_with_reason_after_confirmation_and_it_is_audited(app, world, certificate):
    admin = signed_in_client(app, world.admin)
    page = f"/admin/certificates/{certificate.number}/revoke"
    assert translated(app, "Yes, revoke") in page_text(admin.get(page))
    refused = post_form(admin, page, {"reason": "   "}, page=page)
    assert refused.status_code == 200 and certificate.revoked_at is None
    done = post_form(admin, page, {"reason": "Тест тапсыруда алдау"}, page=page)
    assert done.status_code == 302 and done.headers["Location"] == f"/verify/{certificate.number}"
    body = admin.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["status"] == "revoked" and body["revoked_on"] == local_today().isoformat()
    assert "Тест тапсыруда алдау" not in page_text(admin.get(f"/verify/{certificate.number}"))
    [event] = audit_events("certificate_revoked")
    assert event.actor_id == world.admin.id and event.details["reason"] == "Тест тапсыруда алдау"


def test_revoking_twice_is_a_clear_error(app, world, certificate):
    services.revoke_certificate(world.admin, certificate, "ошибка")
    with pytest.raises(services.CertificateError) as error:
        services.revoke_certificate(world.admin, certificate, "снова")
    assert written_date(local_today(), "locative") in str(error.value)  # «… 2026 ж. 2 желтоқсанда …»
    assert len(audit_events("certificate_revoked")) == 1


def test_only_admins_may_revoke(world, certificate):
    for actor in (world.hr, world.learner, world.instructor):
        with pytest.raises(PermissionDenied):
            services.revoke_certificate(actor, certificate, "no")


def test_pdf_for_holder_their_hr_and_admin_only(app, world, certificate):
    from lms.accounts import services as accounts

    allowed = {world.learner, world.hr, world.admin}
    for person in (world.learner, world.hr, world.admin, world.hr_b, world.colleague, world.instructor):
        browser = signed_in_client(app, person)
        response = browser.get(f"/certificates/{certificate.number}/pdf")
        assert response.status_code == (200 if person in allowed else 403), person
        _token, secret = accounts.create_api_token(person, person, "t")
        api = app.test_client().get(f"/api/v1/certificates/{certificate.number}/pdf",
                                    headers={"Authorization": f"Bearer {secret}"})
        assert api.status_code == (200 if person in allowed else 403), person
        if person in allowed:
            assert api.mimetype == "application/pdf" and api.data.startswith(b"%PDF")
    assert app.test_client().get(f"/api/v1/certificates/{certificate.number}/pdf").status_code == 401


def test_my_certificates_lists_only_my_own(app, world, course, make, certificate):
    other = make.certificate(world.colleague, course)
    text = page_text(signed_in_client(app, world.learner).get("/certificates"))
    assert certificate.number in text and other.number not in text


def test_revoking_an_already_revoked_certificate_on_the_page_says_so_and_changes_nothing(app, world, certificate):
    services.revoke_certificate(world.admin, certificate, "ошибка")
    admin = signed_in_client(app, world.admin)
    page = f"/admin/certificates/{certificate.number}/revoke"
    again = post_form(admin, page, {"reason": "снова"}, page=page)
    assert again.status_code == 200
    with app.test_request_context("/", headers={"Cookie": "oqu_lang=kk"}):
        shown = written_date(local_today(), "locative")
    assert translated(app, "This certificate was already revoked on %(date)s.", date=shown) in page_text(again)
    assert [e.details["reason"] for e in audit_events("certificate_revoked")] == ["ошибка"]


def test_a_revocation_at_two_in_the_morning_in_almaty_bears_almatys_date(app, client, world, certificate, clock):
    clock.set(datetime(2026, 12, 1, 21, 0))  # 02:00 on 2 December in Almaty, still 1 December in UTC
    services.revoke_certificate(world.admin, certificate, "ошибка")

    assert client.get(f"/api/v1/certificates/{certificate.number}").get_json()["revoked_on"] == "2026-12-02"
    with app.test_request_context("/", headers={"Cookie": "oqu_lang=kk"}):
        shown = written_date(date(2026, 12, 2), "locative")  # «2026 ж. 2 желтоқсанда»
    assert translated(app, "This certificate was revoked on %(date)s.", date=shown) in \
        page_text(client.get(f"/verify/{certificate.number}"))
    export = signed_in_client(app, world.hr).get("/hr/certificates/export.csv", buffered=True)
    [row] = [line for line in export.get_data(as_text=True).splitlines() if certificate.number in line]
    assert row.rstrip().endswith("2026-12-02"), row


@pytest.mark.settings(credential_issuer_name="Мемлекеттік басқару академиясы")
def test_the_verification_page_shows_the_status_first_with_the_issuer_and_the_holders_organisation(
        app, client, world, certificate):
    page = page_text(client.get(f"/verify/{certificate.number}"))
    status = page.index('data-testid="certificate-status"')
    assert status < page.index("Мемлекеттік басқару академиясы") and status < page.index(world.a1.name_kk)
    assert translated(app, "Issued by") in page
    body = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert "organisation" not in str(body)  # the API's public answer keeps its fields


def test_guessing_certificate_numbers_from_one_address_gets_429_on_the_page_and_the_api(app, certificate):
    from lms.throttling import verification_limit

    limit = int(verification_limit.limit_provider.split(" ")[0])
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    for n in range(limit // 2):
        assert guesser.get(f"/verify/OQU-2026-GUESS-{n}").status_code == 404
        assert guesser.get(f"/api/v1/certificates/OQU-2026-GUESS-{n}x").status_code == 404
    page = guesser.get("/verify/OQU-2026-GUESS-X")
    assert page.status_code == 429 and translated(app, "Too many attempts") in page_text(page)
    api = guesser.get(f"/api/v1/certificates/{certificate.number}")
    assert api.status_code == 429 and api.headers["Retry-After"]
    body = api.get_json()
    assert body["error"] == "too_many_requests" and body["message"] == translated(
        app, "There have been too many attempts. Wait %(num)d minute and try again.", num=1)
    # found certificates use up nothing, and other addresses are not slowed down
    checker = app.test_client()
    checker.environ_base["REMOTE_ADDR"] = "198.51.100.78"
    for _ in range(limit + 5):
        assert checker.get(f"/verify/{certificate.number}").status_code == 200
