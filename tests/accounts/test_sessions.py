"""Sessions end when they should: a session or remember-me cookie copied from a browser stops working
after sign-out, a new password, deactivation and an administrator's "sign out everywhere"."""
from __future__ import annotations

import re

from lms.accounts import services
from lms.security import SYSTEM

from ..conftest import audit_events, fresh, page_text, post_form, translated
from .test_links import link_in, sent_mail

SESSION, REMEMBER = "oqu_session", "remember_token"


def remembered_browser(app, user, password="correct-horse-7"):
    """A browser signed in with "Remember me", and copies of its two cookies as a thief would take them."""
    browser = app.test_client()
    response = post_form(browser, "/login", {"email": user.email, "password": password, "remember": "y"})
    assert response.status_code == 302
    return browser, {name: browser.get_cookie(name).value for name in (SESSION, REMEMBER)}


def replay(app, cookies: dict, only: str):
    """A new browser holding only one of the copied cookies."""
    browser = app.test_client()
    browser.set_cookie(only, cookies[only])
    return browser


def signed_in(browser) -> bool:
    return browser.get("/account").status_code == 200


def assert_copies_refused(app, cookies):
    for name in (SESSION, REMEMBER):
        page = replay(app, cookies, name).get("/account")
        assert page.status_code == 302 and page.headers["Location"].startswith("/login"), name


def test_copied_cookies_work_while_the_session_lasts(app, world):
    _browser, cookies = remembered_browser(app, world.learner)
    assert signed_in(replay(app, cookies, SESSION))
    assert signed_in(replay(app, cookies, REMEMBER))


def test_sign_out_refuses_a_replayed_session_and_remember_cookie(app, world):
    browser, cookies = remembered_browser(app, world.learner)
    other_device, _ = remembered_browser(app, world.learner)
    post_form(browser, "/logout", page="/account")
    assert not signed_in(browser)
    assert_copies_refused(app, cookies)
    assert not signed_in(other_device)  # signing out ends the person's sessions everywhere


def test_password_change_refuses_old_cookies_but_keeps_the_browser_that_changed_it(app, world):
    browser, cookies = remembered_browser(app, world.learner)
    other_device, _ = remembered_browser(app, world.learner)
    response = post_form(browser, "/account", {"pw-current": "correct-horse-7", "pw-password": "new-secret-42",
                                               "pw-confirm": "new-secret-42"}, page="/account")
    assert response.status_code == 302
    assert translated(app, "Your password has been changed. You have been signed out on your other devices.") \
        in page_text(browser.get("/account"))
    assert signed_in(browser)
    assert not signed_in(other_device)
    assert_copies_refused(app, cookies)
    # the browser that changed it is still remembered: a new browser with its new remember cookie is signed in
    assert signed_in(replay(app, {REMEMBER: browser.get_cookie(REMEMBER).value}, REMEMBER))


def test_password_reset_by_link_refuses_old_cookies(app, world):
    _browser, cookies = remembered_browser(app, world.learner)
    visitor = app.test_client()
    post_form(visitor, "/password/forgot", {"email": world.learner.email}, page="/password/forgot")
    path = link_in(sent_mail(app)[0])
    response = post_form(visitor, path, {"password": "new-secret-42", "confirm": "new-secret-42"}, page=path)
    assert response.status_code == 302
    assert_copies_refused(app, cookies)


def test_password_set_by_an_administrator_refuses_old_cookies(app, world):
    _browser, cookies = remembered_browser(app, world.learner)
    services.set_password(SYSTEM, fresh(world.learner), "set-by-admin-9")
    assert_copies_refused(app, cookies)


def test_deactivation_refuses_old_cookies_even_after_reactivation(app, world):
    _browser, cookies = remembered_browser(app, world.learner)
    services.set_user_active(world.admin, fresh(world.learner), False)
    assert_copies_refused(app, cookies)
    services.set_user_active(world.admin, fresh(world.learner), True)
    assert_copies_refused(app, cookies)


def test_admin_signs_a_person_out_everywhere_after_confirming(app, world):
    laptop, cookies = remembered_browser(app, world.learner)
    phone, _ = remembered_browser(app, world.learner)
    colleague, _ = remembered_browser(app, world.colleague)
    admin, _ = remembered_browser(app, world.admin)

    person_page = page_text(admin.get(f"/admin/users/{world.learner.id}"))
    assert f'href="/admin/users/{world.learner.id}/sign-out"' in person_page
    confirm = admin.get(f"/admin/users/{world.learner.id}/sign-out")
    assert confirm.status_code == 200 and signed_in(laptop)  # opening the confirmation changes nothing
    assert translated(app, "Sign %(name)s out everywhere?", name=world.learner.full_name) in page_text(confirm)

    response = post_form(admin, f"/admin/users/{world.learner.id}/sign-out", page=f"/admin/users/{world.learner.id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{world.learner.id}"
    assert not signed_in(laptop) and not signed_in(phone)
    assert_copies_refused(app, cookies)
    assert signed_in(colleague) and signed_in(admin)
    [event] = audit_events("sessions_ended")
    assert (event.actor_id, event.object_id) == (world.admin.id, str(world.learner.id))
    # the person can sign in again with their password
    assert signed_in(remembered_browser(app, world.learner)[0])


def test_sign_out_everywhere_needs_the_form_token(app, world):
    learner, _ = remembered_browser(app, world.learner)
    admin, _ = remembered_browser(app, world.admin)
    admin.post(f"/admin/users/{world.learner.id}/sign-out", data={})
    assert signed_in(learner)
    assert audit_events("sessions_ended") == []


def test_remember_cookie_is_same_site_and_http_only(app, world):
    browser = app.test_client()
    response = post_form(browser, "/login", {"email": world.learner.email, "password": "correct-horse-7",
                                             "remember": "y"})
    [remember] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER + "=")]
    assert re.search(r"SameSite=Lax", remember) and "HttpOnly" in remember
