"""Test data factories: the shortest way to a valid organisation, person, course (with modules and
items), cohort, enrolment, submission, hub account or certificate. Each writes its rows and commits;
keyword arguments override the defaults."""
from __future__ import annotations

import itertools
import random

from lms.accounts.iin import check_digit
from lms.accounts.models import Role, RoleAssignment, User
from lms.accounts.passwords import hash_password
from lms.extensions import db
from lms.organisations.models import Organisation
from lms.clock import start_of_local_day, today as local_today, utcnow

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
    """A certificate written directly (tests of listing, verification and export need no learning),
    issued at noon of ``issued_on`` in Kazakhstan, or now if that noon is still to come (a credential
    valid from the future is one every verifier rejects)."""
    from datetime import timedelta

    from lms.certificates import numbers
    from lms.certificates.models import Certificate

    issued_on = issued_on or local_today()
    issued_at = min(start_of_local_day(issued_on) + timedelta(hours=12), utcnow())
    row = Certificate(number=numbers.new_number(issued_on.year), user_id=holder.id, course_id=course.id,
                      organisation_id=(organisation or holder.organisation).id
                      if (organisation or holder.organisation) else None,
                      renewal=renewal, holder_name=holder.full_name, hours=course.hours if hours is None else hours,
                      issued_at=issued_at, issued_on=issued_on,
                      valid_until=valid_until,
                      revoked_at=issued_at if revoked else None,
                      revoked_reason="test" if revoked else None)
    db.session.add(row)
    db.session.commit()
    return row


def course(slug: str | None = None, *, items: tuple[str, ...] = ("lesson", "quiz"), modules: int = 1,
           notebooks: bool | None = None, profile: str = "cpu", hours: int = 8, **values):
    """A published course of ``modules`` modules, each with one item of every kind in ``items``
    (keys ``m<module>-<kind><n>``; ``"notebook"`` makes it a notebook course). Made in code, as a
    test needs it: no course file, no content hash (see tests/courses/files.py for imported courses)."""
    from lms.courses.models import Course, Item, ItemKind, Level, Module

    n = next(_sequence)
    slug = slug or f"course-{n}"
    has_notebooks = "notebook" in items if notebooks is None else notebooks
    fields = dict(title_kk=f"Курс {n}", title_ru=f"Курс {n}", level=Level.beginner, tags=",ai,",
                  languages=",kk,ru,", search_text=f"курс {n}")
    fields.update(values)
    row = Course(slug=slug, hours=hours, has_notebooks=has_notebooks, notebook_profile=profile, **fields)
    db.session.add(row)
    for m in range(modules):
        module = Module(course=row, key=f"m{m + 1}", position=m, title_kk=f"Бөлім {m + 1}", title_ru=f"Раздел {m + 1}")
        db.session.add(module)
        for i, kind in enumerate(items):
            db.session.add(Item(course=row, module=module, key=f"m{m + 1}-{kind}{i + 1}", kind=ItemKind(kind),
                                position=i, title_kk="Сабақ", title_ru="Урок", content={}))
    db.session.commit()
    return row


def cohort(course, *, name: str = "2026", starts_in: int = -1, lasts: int = 60, due_in: int | None = 30,
           capacity: int | None = None, **values):
    """A cohort of ``course`` that started ``-starts_in`` days ago (Kazakhstan's today) and lasts ``lasts``
    days, due ``due_in`` days from today."""
    from datetime import timedelta

    from lms.learning.models import Cohort

    today = local_today()
    row = Cohort(course_id=course.id, name=name, starts_on=today + timedelta(days=starts_in),
                 ends_on=today + timedelta(days=starts_in + lasts),
                 due_on=today + timedelta(days=due_in) if due_in is not None else None, capacity=capacity, **values)
    db.session.add(row)
    db.session.commit()
    return row


def enrolment(person: User, course, *, cohort=None, status: str = "enrolled", mandatory: bool = False,
              due_on=None):
    """``person`` enrolled in ``course`` directly (no seat taken, no signal: for tests of what reads
    enrolments; tests of enrolling call ``lms.learning.services.enrol_learner``)."""
    from lms.clock import utcnow
    from lms.learning.models import Enrolment, EnrolmentStatus

    row = Enrolment(user_id=person.id, course_id=course.id, cohort_id=cohort.id if cohort else None,
                    status=EnrolmentStatus(status), mandatory=mandatory, due_on=due_on, enrolled_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def submission(person: User, course, assignment: str = "lab1", *, attempt: int | None = None,
               status: str = "graded", total: float | None = 8.0, max_total: float | None = 10.0, **values):
    """A submission of ``person``'s for ``assignment``, as grading leaves it (graded by default; the next
    attempt number unless given). No signal is sent."""
    from sqlalchemy import func, select

    from lms.grading.models import Submission, SubmissionStatus

    if attempt is None:
        attempt = (db.session.scalar(select(func.max(Submission.attempt)).where(
            Submission.user_id == person.id, Submission.course_id == course.id,
            Submission.assignment == assignment)) or 0) + 1
    finished = status in ("graded", "flagged")
    row = Submission(user_id=person.id, course_id=course.id, assignment=assignment, attempt=attempt,
                     content={f"{assignment}.ipynb": "{}"}, content_hash=f"{person.id}-{assignment}-{attempt}",
                     size_bytes=2, status=SubmissionStatus(status), total=total if finished else None,
                     max_total=max_total if finished else None, flags=values.pop("flags", []), **values)
    db.session.add(row)
    db.session.commit()
    return row


def hub_account(person: User, username: str | None = None):
    """``person``'s JupyterHub account (the name the hub knows them by)."""
    from lms.hub.models import HubAccount

    row = HubAccount(user_id=person.id, username=username or f"u{person.id:06x}")
    db.session.add(row)
    db.session.commit()
    return row
