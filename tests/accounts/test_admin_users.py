"""Administrators manage people: create, edit, deactivate, reactivate, and change roles."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import Role, User
from lms.extensions import db
from lms.security import PermissionDenied

from .. import factories
from ..conftest import audit_events, page_text, post_form, signed_in_client, translated


def flash_messages(response) -> list[str]:
    return [m.strip() for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', page_text(response), re.S)]


def person_form(world, **changes) -> dict:
    data = {"surname": "Нұрланова", "given_name": "Әсел", "patronymic": "", "iin": factories.valid_iin("admin-form"),
            "email": "asel@example.kz", "organisation_id": str(world.a1.id), "position": "Сарапшы",
            "preferred_language": "ru"}
    data.update(changes)
    return data


@pytest.fixture
def admin(app, world):
    return signed_in_client(app, world.admin)


def test_admin_creates_a_person(app, world, admin):
    response = post_form(admin, "/admin/users/new", person_form(world), page="/admin/users/new")
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "asel@example.kz"))
    assert response.headers["Location"] == f"/admin/users/{person.id}"
    assert person.organisation_id == world.a1.id and person.position == "Сарапшы"
    assert person.preferred_language == "ru" and person.role_names == {"learner"} and person.active
    assert translated(app, "The account has been created.") in flash_messages(admin.get(response.headers["Location"]))
    [event] = audit_events("user_created")
    assert event.actor_id == world.admin.id and event.object_id == str(person.id)
    assert not app.extensions.get("oqu_sent_mail")  # no invitation asked for


def test_admin_cannot_create_a_second_person_with_the_same_email_or_iin(app, world, admin):
    count = db.session.scalar(select(func.count()).select_from(User))
    same_email = post_form(admin, "/admin/users/new", person_form(world, email=world.outsider.email.upper()),
                           page="/admin/users/new")
    assert same_email.status_code == 200
    assert translated(app, "This e-mail address already belongs to another person.") in page_text(same_email)
    same_iin = post_form(admin, "/admin/users/new", person_form(world, iin=world.outsider.iin),
                         page="/admin/users/new")
    assert translated(app, "This IIN already belongs to another person.") in page_text(same_iin)
    assert db.session.scalar(select(func.count()).select_from(User)) == count


def test_admin_edits_a_person(app, world, admin):
    person = world.colleague
    form = person_form(world, email=person.email, iin=person.iin, surname="Жаңатегі",
                       organisation_id=str(world.a.id), position="Бөлім басшысы")
    response = post_form(admin, f"/admin/users/{person.id}", form, page="/admin/users/new")
    assert response.status_code == 302
    assert person.surname == "Жаңатегі" and person.organisation_id == world.a.id
    assert person.position == "Бөлім басшысы"
    [event] = audit_events("user_updated")
    assert event.actor_id == world.admin.id
    assert event.details["changes"]["surname"] == ["Әріптесова", "Жаңатегі"]


def test_edit_with_an_invalid_iin_changes_nothing(app, world, admin):
    person = world.colleague
    response = post_form(admin, f"/admin/users/{person.id}",
                         person_form(world, email=person.email, iin="123", surname="Басқа"), page="/admin/users/new")
    assert response.status_code == 200
    assert translated(app, "An IIN has exactly 12 digits.") in page_text(response)
    assert person.surname == "Әріптесова"


def test_admin_deactivates_and_reactivates_a_person(app, world, admin):
    person = world.colleague
    confirm = admin.get(f"/admin/users/{person.id}/deactivate")
    assert confirm.status_code == 200 and person.active  # the GET only asks for confirmation

    response = post_form(admin, f"/admin/users/{person.id}/deactivate", page="/account")
    assert response.status_code == 302
    assert not person.active
    shown = flash_messages(admin.get(response.headers["Location"]))
    assert translated(app, "The account has been deactivated.") in shown
    assert not post_form(app.test_client(), "/login", {"email": person.email,
                                                       "password": factories.PASSWORD}).status_code == 302

    post_form(admin, f"/admin/users/{person.id}/reactivate", page="/account")
    assert person.active
    assert post_form(app.test_client(), "/login", {"email": person.email,
                                                   "password": factories.PASSWORD}).status_code == 302
    assert [e.action for e in audit_events() if e.action.startswith("user_")] == ["user_deactivated",
                                                                                  "user_reactivated"]


def test_admin_changes_roles_and_the_new_role_takes_effect(app, world, admin):
    person = world.colleague
    staff = signed_in_client(app, person)
    assert staff.get("/staff").status_code == 403

    response = post_form(admin, f"/admin/users/{person.id}/roles",
                         {"roles-roles": ["learner", "hr"], "roles-hr_organisation_id": str(world.a1.id)},
                         page="/account")
    assert response.status_code == 302
    [hr] = [a for a in person.roles if a.role == Role.hr]
    assert hr.organisation_id == world.a1.id
    assert staff.get("/staff").status_code == 200  # the same session, now with the new role
    [event] = audit_events("roles_changed")
    assert event.details["added"] == [f"hr@{world.a1.id}"] and event.details["removed"] == []

    post_form(admin, f"/admin/users/{person.id}/roles", {"roles-roles": ["instructor"],
                                                         "roles-hr_organisation_id": "0"}, page="/account")
    assert person.role_names == {"instructor"}
    assert staff.get("/staff").status_code == 403


def test_admin_cannot_remove_their_own_admin_role(app, world, admin):
    response = post_form(admin, f"/admin/users/{world.admin.id}/roles",
                         {"roles-roles": ["learner"], "roles-hr_organisation_id": "0"}, page="/account")
    assert response.status_code == 302
    assert translated(app, "You cannot remove your own administrator role.") in flash_messages(
        admin.get(response.headers["Location"]))
    assert world.admin.role_names == {"admin"}
    assert not audit_events("roles_changed")
    assert admin.get("/admin/users").status_code == 200


def test_admin_may_add_roles_to_themself_keeping_admin(app, world, admin):
    post_form(admin, f"/admin/users/{world.admin.id}/roles",
              {"roles-roles": ["admin", "instructor"], "roles-hr_organisation_id": "0"}, page="/account")
    assert world.admin.role_names == {"admin", "instructor"}


def test_admin_cannot_deactivate_themself(app, world, admin):
    response = post_form(admin, f"/admin/users/{world.admin.id}/deactivate", page="/account")
    assert response.status_code == 302
    assert translated(app, "You cannot deactivate your own account.") in flash_messages(
        admin.get(response.headers["Location"]))
    assert world.admin.active
    assert admin.get("/admin/users").status_code == 200


def test_admin_sends_an_invitation_again(app, world, admin):
    response = post_form(admin, f"/admin/users/{world.colleague.id}/invite", page="/account")
    assert response.status_code == 302
    assert [m["To"] for m in app.extensions["oqu_sent_mail"]] == [world.colleague.email]


def test_people_list_searches_by_name_email_and_iin(app, world, admin):
    for query in (world.outsider.surname, world.outsider.email, world.outsider.iin):
        text = page_text(admin.get("/admin/users", query_string={"q": query}))
        assert f'href="/admin/users/{world.outsider.id}"' in text, query
        assert f'href="/admin/users/{world.colleague.id}"' not in text, query


@pytest.mark.parametrize("role", ["learner", "instructor", "hr"])
def test_services_refuse_account_management_to_non_admins(app, world, role):
    actor = getattr(world, role)
    target = world.colleague
    data = services.PersonData(email="x@example.kz", surname="X", given_name="Y")
    for action in (
        lambda: services.create_user(actor, data),
        lambda: services.update_user(actor, target, data),
        lambda: services.set_user_active(actor, target, False),
        lambda: services.set_roles(actor, target, [("admin", None)]),
        lambda: services.invite_user(actor, target),
        lambda: services.create_api_token(actor, target, "theirs"),
    ):
        with pytest.raises(PermissionDenied):
            action()
    db.session.rollback()
    assert target.active and target.role_names == {"learner"}
