"""HR finds a person the way they type the name: any word of it, in any order, in Kazakh, Russian or
Kazakh Latin spelling, or by IIN (whole or its last digits), through an index on both databases."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from lms import create_app
from lms.accounts import services
from lms.accounts.search import fold
from lms.extensions import db

from .. import factories
from ..certificates.conftest import course  # noqa: F401 — the standard certified course
from ..conftest import page_text, signed_in_client
from ..test_migrations import _flask_db, keep_logging, sqlite_url  # noqa: F401 — fixtures


@pytest.fixture
def people(world):
    return {
        "nursultan": factories.user("learner", organisation=world.a1, surname="Қасымов", given_name="Нұрсұлтан"),
        "aigerim": factories.user("learner", organisation=world.a1, surname="Сәрсенова", given_name="Әйгерім"),
        "other": factories.user("learner", organisation=world.a1, surname="Касенова", given_name="Айгуль"),
    }


def _found(app, hr, query: str) -> str:
    return page_text(signed_in_client(app, hr).get("/staff", query_string={"q": query}))


@pytest.mark.parametrize("query", ["Нурсултан Касымов", "касымов нурс", "Qasymov Nūrsūltan", "NURSULTAN",
                                   "Kasymov", "Нұрсұлтан", "қасым"])
def test_a_name_is_found_in_any_spelling_and_word_order(app, world, people, query):
    page = _found(app, world.hr, query)
    assert f'href="/staff/{people["nursultan"].id}"' in page, query
    assert f'href="/staff/{people["aigerim"].id}"' not in page and f'href="/staff/{people["other"].id}"' not in page


@pytest.mark.parametrize("query", ["Айгерим Сарсенова", "Sarsenova Äigerım", "сәрсенова", "Aigerim S"])
def test_kazakh_letters_match_their_russian_and_latin_spellings(app, world, people, query):
    page = _found(app, world.hr, query)
    assert f'href="/staff/{people["aigerim"].id}"' in page, query
    assert f'href="/staff/{people["nursultan"].id}"' not in page


def test_an_iin_is_found_whole_or_by_its_last_digits(app, world, people):
    iin = people["aigerim"].iin
    for query in (iin, iin[-4:], iin[-6:]):
        assert f'href="/staff/{people["aigerim"].id}"' in _found(app, world.hr, query), query
    assert f'href="/staff/{people["aigerim"].id}"' not in _found(app, world.hr, iin[:6])  # the start is no suffix


def test_a_renamed_person_is_found_by_the_new_name_only(app, world, people):
    person = people["aigerim"]
    services.update_user(world.admin, person, services.PersonData(email=person.email, surname="Нұрланқызы",
                                                                   given_name="Әйгерім", iin=person.iin,
                                                                   organisation=world.a1))
    assert f'href="/staff/{person.id}"' in _found(app, world.hr, "Нурланкызы Айгерим")
    assert f'href="/staff/{person.id}"' not in _found(app, world.hr, "Сарсенова")


def test_search_never_reaches_outside_the_officers_organisation(app, world, people):
    outsider = factories.user("learner", organisation=world.b, surname="Қасымов", given_name="Нұрсұлтан")
    page = _found(app, world.hr, "Касымов")
    assert f'href="/staff/{people["nursultan"].id}"' in page and f'href="/staff/{outsider.id}"' not in page


def test_the_search_reads_an_index_not_every_person(app, world, people):
    from lms.accounts.models import User
    from lms.accounts.search import matching
    from sqlalchemy import select

    query = select(User.id).where(matching("Касымов Нурсултан", User.id))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: ask for the plan 100,000 get
    plan = " ".join(str(row[-1]) for row in db.session.execute(text(explain + str(compiled))))
    # SQLite: "SEARCH … USING …"; PostgreSQL: an index scan, index-only scan or bitmap index scan of the term index
    assert re.search(r"SEARCH person_search_terms USING|Index (Only )?Scan (using|on) pk_person_search_terms", plan), plan
    assert "SCAN person_search_terms" not in plan and "Seq Scan on person_search_terms" not in plan, plan


@pytest.mark.database_independent
@pytest.mark.parametrize(("one", "other"), [("Нұрсұлтан", "Нурсултан"), ("Нұрсұлтан", "Nūrsūltan"),
                                            ("Әйгерім", "Айгерим"), ("Қасымов", "Qasymov"), ("Шоқан", "Shokan"),
                                            ("Жанна", "Zhanna"), ("Ёлкин", "Елкин"), ("Хасенов", "Khasenov"),
                                            ("Ілияс", "Ильяс"), ("Юлия", "Yulia")])
def test_spellings_of_one_name_fold_to_one_term(one, other):
    assert fold(one) == fold(other)


def test_upgrading_a_database_gives_existing_people_their_search_terms(sqlite_url, tmp_path, keep_logging):  # noqa: F811
    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"), "secret_key": "m" * 40,
                      "database_url": sqlite_url})
    try:
        _flask_db(app, "upgrade", "0009")
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO users (email, iin, surname, given_name, patronymic, position, "
                                        "active, failed_logins, created_at) VALUES ('q@example.kz', '850101300017', "
                                        "'Қасымов', 'Нұрсұлтан', '', '', 1, 0, '2026-01-01 00:00:00')"))
        _flask_db(app, "upgrade", "0010")
        with app.app_context():
            with db.engine.connect() as connection:
                terms = set(connection.execute(text("SELECT term FROM person_search_terms")).scalars())
        assert terms == {"kasimov", "nursultan", "710003101058"}
    finally:
        with app.app_context():
            db.engine.dispose()


def test_certificates_are_found_by_their_holders_name_in_any_spelling_on_the_page_api_and_export(app, world, people,
                                                                                                 course):
    from lms.accounts.services import create_api_token

    wanted = factories.certificate(people["nursultan"], course)
    other = factories.certificate(people["aigerim"], course)
    hr = signed_in_client(app, world.hr)
    page = page_text(hr.get("/hr/certificates", query_string={"holder": "Nursultan Kasymov"}))
    assert wanted.number in page and other.number not in page
    export = hr.get("/hr/certificates/export.csv", query_string={"holder": "касымов"}, buffered=True)
    assert wanted.number in export.get_data(as_text=True) and other.number not in export.get_data(as_text=True)
    _token, secret = create_api_token(world.hr, world.hr, "t")
    listed = app.test_client().get("/api/v1/certificates", query_string={"holder": people["nursultan"].iin[-4:]},
                                   headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert [item["number"] for item in listed["items"]] == [wanted.number]
