"""Test data factories: the shortest way to a valid organisation, person or token."""
from __future__ import annotations

import itertools
import random

from lms.accounts.iin import check_digit
from lms.accounts.models import Role, RoleAssignment, User
from lms.accounts.passwords import hash_password
from lms.extensions import db
from lms.organisations.models import Organisation
from lms.clock import today as local_today

PASSWORD = "correct-horse-7"
_sequence = itertools.count(1)
_password_hash = None


def valid_iin(seed: int | None = None) -> str:
    rng = random.Random(seed)
    while True:
        first = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(3, 6)}{rng.randint(0, 9999):04d}"
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)


def organisation(code: str | None = None, parent: Organisation | None = None, name_kk: str = "Ұйым",
                 name_ru: str = "Организация") -> Organisation:
    unit = Organisation(code=code or f"ORG{next(_sequence)}", name_kk=name_kk, name_ru=name_ru, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.commit()
    return unit


def user(*roles: str | Role, organisation: Organisation | None = None, hr_scope: Organisation | None = None,
         email: str | None = None, password: str | None = PASSWORD, active: bool = True, iin: str | None = "auto",
         surname: str = "Сейітов", given_name: str = "Әлихан", preferred_language: str | None = None) -> User:
    global _password_hash
    n = next(_sequence)
    if password == PASSWORD:
        _password_hash = _password_hash or hash_password(PASSWORD)
        password_hash = _password_hash
    else:
        password_hash = hash_password(password) if password else None
    person = User(email=email or f"person{n}@example.kz", surname=surname, given_name=given_name, patronymic="",
                  iin=valid_iin(n) if iin == "auto" else iin, organisation=organisation, position="",
                  active=active, password_hash=password_hash, preferred_language=preferred_language)
    person.roles = [RoleAssignment(role=Role(r), organisation_id=hr_scope.id if hr_scope and Role(r) == Role.hr else None)
                    for r in (roles or ("learner",))]
    db.session.add(person)
    db.session.commit()
    return person


def certificate(holder: User, course, *, issued_on=None, valid_until=None, revoked: bool = False,
                renewal: int = 0, organisation: Organisation | None = None, hours: int | None = None):
    """A certificate written directly (tests of listing, verification and export need no learning)."""
    from datetime import datetime

    from lms.certificates import numbers
    from lms.certificates.models import Certificate

    issued_on = issued_on or local_today()
    row = Certificate(number=numbers.new_number(issued_on.year), user_id=holder.id, course_id=course.id,
                      organisation_id=(organisation or holder.organisation).id
                      if (organisation or holder.organisation) else None,
                      renewal=renewal, holder_name=holder.full_name, hours=course.hours if hours is None else hours,
                      issued_at=datetime.combine(issued_on, datetime.min.time()), issued_on=issued_on,
                      valid_until=valid_until,
                      revoked_at=datetime.combine(issued_on, datetime.min.time()) if revoked else None,
                      revoked_reason="test" if revoked else None)
    db.session.add(row)
    db.session.commit()
    return row
