"""Guessing is slowed down, never used to lock anyone out: failed sign-ins are limited per address
and per account (429 past a limit), the owner's own browsers are spared the account's limit, and
nothing in the answers tells which e-mails have accounts."""
from __future__ import annotations

import re
from itertools import count

import pytest

from lms.accounts import passwords, throttling

from ..conftest import audit_events, page_text, post_form, translated
from .test_links import link_in, sent_mail, set_password

RIGHT, WRONG = "correct-horse-7", "wrong-password-1"
_addresses = count(1)


def new_address() -> str:
    return f"198.51.100.{next(_addresses) % 250 + 1}"


def browser(app, address: str | None = None):
    """A browser of its own at an address of its own."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address or new_address()
    return client


def attempt(client, email: str, password: str, address: str | None = None):
    if address:
        client.environ_base["REMOTE_ADDR"] = address
    return post_form(client, "/login", {"email": email, "password": password})


def stranger_fails(app, email: str, times: int) -> None:
    """Wrong passwords for ``email``, each from a browser and an address of its own."""
    for _ in range(times):
        assert attempt(browser(app), email, WRONG).status_code == 401


def shown_message(response) -> str:
    """What the page tells the person: its heading and first paragraph, or its error message."""
    text = page_text(response)
    flash = re.search(r'<p class="flash flash-error"[^>]*>(.*?)</p>', text, re.S)
    if flash:
        return flash.group(1).strip()
    return " ".join(re.search(r"<h1>(.*?)</h1>\s*<p>(.*?)</p>", text, re.S).groups())


def account_limit() -> int:
    return int(throttling.SIGN_IN_PER_ACCOUNT.split(" ")[0])


def test_many_wrong_sign_ins_from_one_address_get_429(app, world):
    address = new_address()
    per_address = int(throttling.SIGN_IN_PER_ADDRESS.split(" ")[0])
    for n in range(per_address):  # different e-mails: only the address's limit applies
        assert attempt(browser(app), f"guess{n}@example.kz", WRONG, address).status_code == 401
    refused = attempt(browser(app), "guess-more@example.kz", WRONG, address)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert translated(app, "Too many attempts") in page_text(refused)
    assert re.search(r"\d", shown_message(refused))  # how long to wait
    assert 'href="/password/forgot"' in page_text(refused)
    # other addresses are not slowed down, and the page itself still opens
    assert attempt(browser(app), world.learner.email, RIGHT).status_code == 302
    assert browser(app, address).get("/login").status_code == 200


def test_429_page_is_translated(app, world):
    address = new_address()
    for n in range(int(throttling.SIGN_IN_PER_ADDRESS.split(" ")[0])):
        attempt(browser(app), f"guess{n}@example.kz", WRONG, address)
    for language in ("kk", "ru"):
        client = browser(app)
        client.set_cookie("oqu_lang", language)
        refused = attempt(client, "x@example.kz", WRONG, address)
        assert refused.status_code == 429
        assert translated(app, "Too many attempts", language) in page_text(refused)


def test_strangers_slow_an_account_down_but_never_lock_its_owner_out(app, world):
    owner = browser(app)
    assert attempt(owner, world.learner.email, RIGHT).status_code == 302  # the owner's own browser
    post_form(owner, "/logout", page="/account")

    stranger_fails(app, world.learner.email, account_limit())
    assert attempt(browser(app), world.learner.email, RIGHT).status_code == 429  # a new browser waits
    # the owner's browser is spared the account's limit: a typo is a plain wrong password, then in
    assert attempt(owner, world.learner.email, WRONG).status_code == 401
    assert attempt(owner, world.learner.email, RIGHT).status_code == 302
    assert owner.get("/account").status_code == 200


def test_the_owner_on_a_new_browser_gets_in_through_a_reset_link(app, world):
    stranger_fails(app, world.learner.email, account_limit())
    own = browser(app)
    assert attempt(own, world.learner.email, RIGHT).status_code == 429
    post_form(own, "/password/forgot", {"email": world.learner.email}, page="/password/forgot")
    set_password(own, link_in(sent_mail(app)[-1]), "new-secret-42")
    assert attempt(own, world.learner.email, "new-secret-42").status_code == 302


def test_a_throttled_account_and_an_unknown_e_mail_look_the_same(app, world, monkeypatch):
    checks = []
    real_verify = passwords._hasher.verify

    class CountingHasher:
        def __getattr__(self, name):
            return getattr(real_verify.__self__, name)

        def verify(self, *args):
            checks.append(1)
            return real_verify(*args)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())

    def answer(email, password):
        checks.clear()
        response = attempt(browser(app), email, password)
        return response.status_code, shown_message(response), len(checks)

    # wrong password and unknown e-mail: the same answer after the same work
    assert answer(world.learner.email, WRONG) == answer("nobody@example.kz", WRONG) == (
        401, translated(app, "The e-mail or password is incorrect."), 1)
    stranger_fails(app, world.learner.email, account_limit() - 1)
    stranger_fails(app, "nobody@example.kz", account_limit() - 1)
    # past the account's limit: the same again, for the real account even with the right password
    known, unknown = answer(world.learner.email, RIGHT), answer("nobody@example.kz", RIGHT)
    assert known == unknown and known[0] == 429 and known[2] == 0
    assert [e.details["reason"] for e in audit_events("sign_in_failed")].count("locked") == 0


@pytest.mark.parametrize("kind", ["address", "account"])
def test_password_reset_requests_are_limited(app, world, kind):
    limit = int((throttling.RESET_PER_ADDRESS if kind == "address" else throttling.RESET_PER_ACCOUNT).split(" ")[0])
    address = new_address()

    def request_reset(n):
        email = f"person{n}@example.kz" if kind == "address" else world.learner.email
        return post_form(browser(app, address if kind == "address" else None), "/password/forgot", {"email": email},
                         page="/password/forgot")

    for n in range(limit):
        assert request_reset(n).status_code == 302
    refused = request_reset(limit)
    assert refused.status_code == 429 and translated(app, "Too many attempts") in page_text(refused)
    if kind == "account":
        assert len(sent_mail(app)) == limit


def test_with_redis_every_lms_process_shares_the_counts(app, tmp_path):
    """Two LMS processes (or machines) on one Redis: failures counted by one are refused by the other."""
    from uuid import uuid4

    from lms import create_app

    redis_url = "redis://127.0.0.1:6379/7"
    email, address = f"{uuid4().hex}@example.kz", f"10.{uuid4().int % 250}.{uuid4().int % 250}.1"
    first = create_app({"env": "testing", "instance_path": str(tmp_path / "first"), "secret_key": "t" * 40,
                        "database_url": app.config["SQLALCHEMY_DATABASE_URI"], "queue_url": "memory://",
                        "ratelimit_storage_url": redis_url})
    for _ in range(account_limit()):
        assert attempt(browser(first, address), email, WRONG).status_code == 401
    second = create_app({"env": "testing", "instance_path": str(tmp_path / "second"), "secret_key": "t" * 40,
                         "database_url": app.config["SQLALCHEMY_DATABASE_URI"], "queue_url": redis_url})
    assert second.config["RATELIMIT_STORAGE_URI"] == redis_url  # LMS_QUEUE_URL's Redis when it is one
    assert attempt(browser(second, address), email, WRONG).status_code == 429
