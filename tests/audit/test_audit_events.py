"""Sensitive actions leave an audit event naming who did it, from which address, to what."""
from __future__ import annotations

import pytest

from lms.accounts import services
from lms.accounts.iin import mask_iin

from .. import factories
from ..conftest import audit_events, page_text, post_form, sign_in, translated

ADDRESS = "10.9.8.7"
PASSWORD = "correct-horse-7"


def browser(app, address: str = ADDRESS):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def admin_browser(app, world):
    client = browser(app)
    sign_in(client, world.admin)
    return client


def _sign_in(app, world):
    client = browser(app)
    sign_in(client, world.learner)
    return world.learner, world.learner


def _sign_in_failed(app, world):
    post_form(browser(app), "/login", {"email": world.learner.email, "password": "wrong-password-1"})
    return None, world.learner  # nobody is signed in: the event has no actor, the object is the account


def _roles_changed(app, world):
    post_form(admin_browser(app, world), f"/admin/users/{world.colleague.id}/roles",
              {"roles-roles": ["learner", "instructor"], "roles-hr_organisation_id": "0"}, page="/account")
    return world.admin, world.colleague


def _user_deactivated(app, world):
    post_form(admin_browser(app, world), f"/admin/users/{world.colleague.id}/deactivate", page="/account")
    return world.admin, world.colleague


def _employees_imported(app, world):
    client = admin_browser(app, world)
    data = ("iin,surname,given_name,email,organisation\r\n"
            f"{world.colleague.iin},Жаңа,Есім,{world.colleague.email},MA\r\n")
    from ..accounts.test_employee_import import upload_and_confirm

    upload_and_confirm(client, data.encode(), "staff.csv")  # the preview, then "Import"
    return world.admin, None


ACTIONS = {
    "sign_in": _sign_in,
    "sign_in_failed": _sign_in_failed,
    "roles_changed": _roles_changed,
    "user_deactivated": _user_deactivated,
    "employees_imported": _employees_imported,
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_event_records_actor_address_and_object(app, world, action):
    actor, obj = ACTIONS[action](app, world)
    [event] = audit_events(action)
    assert event.actor_id == (actor.id if actor else None)
    assert event.ip_address == ADDRESS
    assert event.object_id == (str(obj.id) if obj else None)
    assert event.created_at is not None


def test_failed_sign_in_records_the_address_tried_and_why(app, world):
    post_form(browser(app), "/login", {"email": "Nobody@Example.kz", "password": "x"})
    post_form(browser(app), "/login", {"email": world.learner.email, "password": "wrong-password-1"})
    unknown, wrong = audit_events("sign_in_failed")
    assert unknown.details == {"email": "nobody@example.kz", "reason": "unknown"} and unknown.object_id is None
    assert wrong.details["reason"] == "password"


def test_roles_changed_event_lists_what_was_added_and_removed(app, world):
    _roles_changed(app, world)
    [event] = audit_events("roles_changed")
    assert event.details["added"] == ["instructor"] and event.details["removed"] == []
    assert event.details["email"] == world.colleague.email


def test_import_event_counts_what_happened(app, world):
    _employees_imported(app, world)
    [event] = audit_events("employees_imported")
    assert event.details == {"filename": "staff.csv", "created": 0, "updated": 1, "rejected": 0}


def test_audit_log_never_holds_passwords_or_token_secrets(app, world):
    post_form(browser(app), "/login", {"email": world.learner.email, "password": "wrong-password-1"})
    _token, secret = services.create_api_token(world.learner, world.learner, "robot")
    everything = repr([(e.action, e.details) for e in audit_events()])
    assert "wrong-password-1" not in everything and PASSWORD not in everything
    assert secret not in everything and secret[len("oqu_"):] not in everything


def test_events_are_written_in_the_same_transaction_as_the_change(app, world):
    """A refused change leaves no event behind."""
    client = admin_browser(app, world)
    post_form(client, f"/admin/users/{world.admin.id}/deactivate", page="/account")  # refused: oneself
    assert not audit_events("user_deactivated")


def test_admin_reads_and_filters_the_audit_log(app, world):
    _roles_changed(app, world)
    client = admin_browser(app, world)
    everything = page_text(client.get("/admin/audit"))
    assert ADDRESS in everything and world.admin.email in everything
    only_roles = client.get("/admin/audit", query_string={"action": "roles_changed"})
    assert only_roles.status_code == 200
    rows = page_text(only_roles).split("<tbody>", 1)[1]
    assert rows.count("<tr>") == 1
    assert world.colleague.email in rows  # the details name the person whose roles changed


def test_changed_iin_is_recorded_masked(app, world):
    old, new = world.colleague.iin, factories.valid_iin("audit-new-iin")
    services.update_user(world.admin, world.colleague, services.PersonData(
        email=world.colleague.email, surname=world.colleague.surname, given_name=world.colleague.given_name,
        iin=new, organisation=world.a1))
    [event] = audit_events("user_updated")
    assert event.details["changes"]["iin"] == [mask_iin(old), mask_iin(new)]
    everything = repr([e.details for e in audit_events()])
    assert old not in everything and new not in everything
    page = page_text(admin_browser(app, world).get("/admin/audit"))
    assert new not in page and mask_iin(new) in page


def test_the_audit_log_names_objects_in_words_with_links_and_full_years(app, world, tmp_path):
    from datetime import timedelta

    from lms.clock import today as local_today
    from lms.learning import services as learning

    from ..courses.files import import_course

    course = import_course(tmp_path / "courses")
    learning.assign_course(world.hr, course, people=[world.colleague], due_on=local_today() + timedelta(days=3))
    enrolment = learning.enrolment_for(world.colleague, course)
    learning.change_due_dates(world.hr, [enrolment], local_today() + timedelta(days=9))
    page = page_text(admin_browser(app, world).get("/admin/audit", query_string={
        "action": "enrolment_due_date_changed"}))
    assert f"{world.colleague.full_name} — {course.title_kk}" in page  # the enrolment by name
    assert f'href="/admin/users/{world.colleague.id}"' in page and world.hr.full_name in page
    assert translated(app, "Due date changed") in page and translated(app, "Before") in page
    assert str(local_today().year) in page.split("<tbody>", 1)[1]  # four-digit years
    assert "enrolment_due_date_changed" not in page.split("<tbody>", 1)[1]  # no internal codes in the rows


def test_the_audit_log_filters_by_person_object_and_dates_and_its_export_is_audited(app, world, clock):
    from datetime import datetime

    clock.set(datetime(2026, 11, 30, 20, 0))  # 1 December in Almaty
    _roles_changed(app, world)
    clock.set(datetime(2026, 12, 2, 6, 0))
    services.create_api_token(world.learner, world.learner, "robot")
    client = admin_browser(app, world)

    def rows(**query) -> str:
        return page_text(client.get("/admin/audit", query_string=query)).split("<tbody>", 1)[-1]

    assert translated(app, "Roles changed") in rows(date_from="2026-12-01", date_to="2026-12-01")
    assert translated(app, "API token created") not in rows(date_from="2026-12-01", date_to="2026-12-01")
    assert translated(app, "API token created") in rows(person="Оқушыұлы")  # the learner, by surname
    assert translated(app, "Roles changed") not in rows(person="Оқушыұлы")
    assert translated(app, "Roles changed") in rows(object_type="User", object_id=str(world.colleague.id))

    export = client.get("/admin/audit/export.csv", query_string={"person": "Okushyuly"})
    body = export.get_data(as_text=True)
    assert export.status_code == 200 and body.startswith("\ufeff")
    assert translated(app, "API token created") in body and translated(app, "Roles changed") not in body
    [event] = audit_events("audit_log_exported")
    assert event.actor_id == world.admin.id and event.details == {"filters": {"person": "Okushyuly"}, "rows": 1}
