"""``flask --app wsgi lms seed-demo``: demo organisations, one account per role, and a few hundred
generated employees, so every page has something to show. Running it again changes nothing."""
from __future__ import annotations

import random

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .accounts import services as accounts
from .accounts.iin import check_digit
from .accounts.models import Role, RoleAssignment, User
from .extensions import db
from .organisations import services as organisations
from .security import SYSTEM

DEMO_PASSWORD = "Oqu-demo-2026"
DEMO_DOMAIN = "oqu.demo"

# (code path, Kazakh name, Russian name)
ORGANISATIONS = [
    ("MDAI", "Цифрлық даму және жасанды интеллект министрлігі", "Министерство цифрового развития и искусственного интеллекта"),
    ("MDAI/AIC", "Жасанды интеллект комитеті", "Комитет искусственного интеллекта"),
    ("MDAI/AIC/DATA", "Деректерді басқару департаменті", "Департамент управления данными"),
    ("MDAI/AIC/ETHICS", "ЖИ этикасы және реттеу департаменті", "Департамент этики и регулирования ИИ"),
    ("MDAI/GOV", "Мемлекеттік қызметтер комитеті", "Комитет государственных услуг"),
    ("MDAI/GOV/EGOV", "Электрондық үкімет департаменті", "Департамент электронного правительства"),
    ("MOF", "Қаржы министрлігі", "Министерство финансов"),
    ("MOF/TAX", "Мемлекеттік кірістер комитеті", "Комитет государственных доходов"),
    ("MOF/TAX/ANALYTICS", "Талдау департаменті", "Департамент аналитики"),
    ("AKM-ASTANA", "Астана қаласының әкімдігі", "Акимат города Астаны"),
    ("AKM-ASTANA/DIGITAL", "Цифрландыру басқармасы", "Управление цифровизации"),
]

DEMO_ACCOUNTS = [
    # e-mail local part, surname, given name, patronymic, organisation, roles
    ("learner", "Сәрсенова", "Әйгерім", "Қанатқызы", "MDAI/AIC/DATA", [Role.learner]),
    ("instructor", "Омаров", "Нұрлан", "Серікұлы", "MDAI/AIC", [Role.instructor]),
    ("hr", "Жақсыбекова", "Гүлнар", "Төлегенқызы", "MDAI", [Role.hr]),
    ("admin", "Әбенов", "Ерлан", "Бақытұлы", "MDAI", [Role.admin]),
    ("hr.finance", "Исаева", "Мадина", "Ринатовна", "MOF", [Role.hr]),
]

SURNAMES = ["Ахметов", "Бекенов", "Жұмабаев", "Қасымов", "Нұрланов", "Оспанов", "Сейітов", "Төлеуов",
            "Ермеков", "Әлиев", "Мұқанов", "Серікбаев", "Құдайбергенов", "Иванов", "Ким", "Петров"]
GIVEN_MALE = ["Айбек", "Бауыржан", "Дәурен", "Ерлан", "Жандос", "Қайрат", "Нұрсұлтан", "Самат", "Тимур", "Әлихан"]
GIVEN_FEMALE = ["Айгүл", "Әсел", "Динара", "Жанар", "Гүлмира", "Лаура", "Мөлдір", "Сәуле", "Аружан", "Ирина"]
POSITIONS = ["Бас сарапшы", "Жетекші сарапшы", "Сарапшы", "Басқарма басшысы", "Департамент директоры"]
EMPLOYEES = 300


def make_iin(rng: random.Random) -> str:
    while True:
        year, month, day = rng.randint(60, 99), rng.randint(1, 12), rng.randint(1, 28)
        first = f"{year:02d}{month:02d}{day:02d}{rng.choice('3456')}{rng.randint(0, 9999):04d}"
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)


def _female_form(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ин")):
        return surname + "а"
    return surname


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill an empty database with demo data (idempotent); refused in production."""
    if current_app.config["OQU_SETTINGS"].env == "production":
        raise click.ClickException("seed-demo is refused in production: it creates an administrator and other "
                                   f"accounts whose password ({DEMO_PASSWORD}) is published in the README")
    units = {}
    for path, name_kk, name_ru in ORGANISATIONS:
        unit = organisations.find_by_code_path(path)
        if unit is None:
            *parents, code = path.split("/")
            unit = organisations.create_organisation(SYSTEM, code=code, name_kk=name_kk, name_ru=name_ru,
                                                     parent=units["/".join(parents)] if parents else None)
        units[path] = unit

    for local, surname, given, patronymic, unit, roles in DEMO_ACCOUNTS:
        email = f"{local}@{DEMO_DOMAIN}"
        if db.session.scalar(select(User).where(User.email == email)):
            continue
        person = accounts.PersonData(email=email, surname=surname, given_name=given, patronymic=patronymic,
                                     organisation=units[unit], position="Бас сарапшы", preferred_language=None)
        user = accounts.create_user(SYSTEM, person, roles=roles)
        accounts.set_password(SYSTEM, user, DEMO_PASSWORD)
    # The demo learner's IIN, to show masking.
    learner = db.session.scalar(select(User).where(User.email == f"learner@{DEMO_DOMAIN}"))
    if learner.iin is None:
        learner.iin = make_iin(random.Random(1))
        db.session.commit()

    existing = db.session.scalar(select(func.count()).select_from(User).where(User.email.like("employee%")))
    if existing < EMPLOYEES:
        _generate_employees(units, existing)
    _seed_learning(learner)
    _seed_teaching()
    _seed_certificates()
    _seed_hr_records()
    click.echo(f"demo data ready: {len(units)} organisations, "
               f"{db.session.scalar(select(func.count()).select_from(User))} people; "
               f"sign in as learner@{DEMO_DOMAIN} / instructor@… / hr@… / admin@… with {DEMO_PASSWORD}")


def _seed_teaching() -> None:
    """The demo instructor teaches every demo course (grading queue, gradebook, publishing) and has
    published its starter assignments."""
    from .courses.models import Course
    from .courses.teaching import add_instructor

    from .grading.authoring import publish_starter

    instructor = db.session.scalar(select(User).where(User.email == f"instructor@{DEMO_DOMAIN}"))
    for course in db.session.scalars(select(Course)):
        add_instructor(SYSTEM, course, instructor)
        # learners get published assignments only: the demo instructor has published the starter ones
        for item in course.active_items():
            if item.kind.value == "notebook":
                publish_starter(instructor, course, item.key)


def _generate_employees(units, start: int) -> None:
    """Bulk-insert generated employees; deterministic, so re-runs continue where they stopped."""
    rng = random.Random(2026)
    used_iins = set(db.session.scalars(select(User.iin).where(User.iin.is_not(None))))
    leaves = [unit for path, unit in units.items() if path.count("/") >= 1]
    for number in range(EMPLOYEES):
        female = rng.random() < 0.5
        surname = rng.choice(SURNAMES)
        iin = make_iin(rng)
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        unit = rng.choice(leaves)
        position = rng.choice(POSITIONS)
        if number < start or iin in used_iins:
            continue
        used_iins.add(iin)
        user = User(email=f"employee{number:04d}@{DEMO_DOMAIN}", iin=iin,
                    surname=_female_form(surname) if female else surname, given_name=given, patronymic="",
                    organisation=unit, position=position)
        user.roles = [RoleAssignment(role=Role.learner)]
        db.session.add(user)
    db.session.commit()


def _seed_learning(learner: User) -> None:
    """Import the demo courses, open a cohort, enrol the demo learner and a few dozen employees
    with some progress and quiz results, so the dashboards have something to show."""
    from datetime import timedelta
    from pathlib import Path

    from flask import current_app

    from .courses import services as courses
    from .clock import today
    from .learning import services as learning

    report = courses.import_courses(SYSTEM, Path(current_app.config["OQU_SETTINGS"].courses_dir))
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    slugs = {slug for slug, _status in report.imported}
    if "ai-basics" not in slugs:
        return
    basics = courses.get_course("ai-basics")
    cohorts = learning.course_cohorts(basics)
    start = today()
    cohort = cohorts[0] if cohorts else learning.create_cohort(
        SYSTEM, basics, name="2026 · 1", starts_on=start - timedelta(days=14), ends_on=start + timedelta(days=60),
        capacity=60, enrol_until=start + timedelta(days=30), due_on=start + timedelta(days=45))
    enrolment = learning.enrol_learner(SYSTEM, basics, learner=learner, cohort=cohort)
    first = basics.active_items()[0]
    if first.id not in learning.course_progress(learner, basics).completed_items:
        learning.complete_lesson(learner, enrolment, first)
    for slug in ("responsible-ai", "python-ml"):  # the rest of the starter curriculum (issue #8)
        if slug in slugs:
            learning.enrol_learner(SYSTEM, courses.get_course(slug), learner=learner)
    if cohort.seats_taken > 1:
        return
    rng = random.Random(7)
    employees = list(db.session.scalars(select(User).where(User.email.like("employee%")).order_by(User.id).limit(30)))
    items = basics.active_items()
    for person in employees:
        enrolment = learning.enrol_learner(SYSTEM, basics, learner=person, cohort=cohort)
        for item in items[:rng.randint(0, len(items))]:
            if item.is_lesson:
                learning.complete_lesson(person, enrolment, item)
            elif item.is_quiz:
                attempt = learning.start_attempt(person, enrolment, item)
                answers = {}
                for question in attempt.questions:
                    if question["type"] in ("single", "multiple"):
                        answers[question["id"]] = rng.choice(question["options"])["id"]
                    elif question["type"] == "numeric":
                        answers[question["id"]] = rng.choice(["100", "90"])
                    else:
                        answers[question["id"]] = rng.choice(["адам", "компьютер"])
                learning.submit_attempt(person, attempt, answers)


def _seed_certificates() -> None:
    """Certificates for some generated employees, issued over the past two years: most valid, some
    expiring within weeks, some expired, one revoked; then the rule's backfill for real progress.
    Skipped when certificates exist already."""
    from datetime import datetime, timedelta

    from .certificates import numbers
    from .certificates import services as certificates
    from .certificates.models import Certificate
    from .courses.models import Course
    from .clock import today

    if certificates.count_issued():
        return
    course_list = list(db.session.scalars(select(Course).where(Course.certification != None)  # noqa: E711
                                          .order_by(Course.slug)))
    course_list = [course for course in course_list if course.certification]
    if not course_list:
        return
    rng = random.Random(6)
    start = today()
    employees = list(db.session.scalars(select(User).where(User.email.like("employee%")).order_by(User.id)
                                        .offset(30).limit(120)))
    issued = []
    for index, person in enumerate(employees):
        course = course_list[index % len(course_list)]
        if index % 10 == 0:  # expiring within the next weeks
            valid_until = start + timedelta(days=rng.randint(3, 50))
        elif index % 10 == 1:  # expired
            valid_until = start - timedelta(days=rng.randint(1, 200))
        else:
            valid_until = start + timedelta(days=rng.randint(90, 700))
        issued_on = valid_until - timedelta(days=730)
        number = numbers.new_number(issued_on.year)
        certificate = Certificate(number=number, user_id=person.id, course_id=course.id,
                                  organisation_id=person.organisation_id, holder_name=person.full_name,
                                  hours=course.certification.get("hours") or course.hours,
                                  score=float(rng.randint(70, 100)), course_version=course.content_hash,
                                  issued_at=datetime.combine(issued_on, datetime.min.time()) + timedelta(hours=10),
                                  issued_on=issued_on, valid_until=valid_until)
        db.session.add(certificate)
        issued.append(certificate)
    db.session.commit()
    if issued:
        certificates.revoke_certificate(SYSTEM, issued[2], "Демо: тестте бөгде көмек пайдаланылды / "
                                                           "Демо: при тестировании использовалась посторонняя помощь")
    certificates.issue_certificates(SYSTEM)


def _seed_hr_records() -> None:
    """Mandatory courses assigned by HR to 150 more employees across the organisations, with due
    dates: some completed this year, some in progress, some overdue; completion differs from unit to
    unit, so the HR dashboard's charts and lists show something. Skipped once mandatory enrolments exist."""
    from datetime import datetime, timedelta

    from .courses.models import Course
    from .clock import today, utcnow
    from .learning.models import Enrolment, EnrolmentStatus, ItemProgress

    if db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.mandatory.is_(True))):
        return
    courses = list(db.session.scalars(select(Course).where(Course.published.is_(True)).order_by(Course.slug)))
    hr = db.session.scalar(select(User).where(User.email == f"hr@{DEMO_DOMAIN}"))
    if not courses or hr is None:
        return
    rng = random.Random(11)
    start = today()
    now = utcnow()
    year_start = datetime(start.year, 1, 1)
    employees = list(db.session.scalars(select(User).where(User.email.like("employee%")).order_by(User.id)
                                        .offset(150).limit(150)))
    taken = set(db.session.execute(select(Enrolment.user_id, Enrolment.course_id)).all())
    items = {course.id: [item for item in course.active_items() if item.counts_for_progress] for course in courses}
    for person in employees:
        course = courses[person.id % len(courses)]
        if (person.id, course.id) in taken:
            continue
        # completion varies by unit: 25 % … 85 %
        completed = rng.random() < 0.25 + 0.15 * ((person.organisation_id or 0) % 5)
        overdue = not completed and rng.random() < 0.5
        due_on = start - timedelta(days=rng.randint(1, 60)) if overdue else start + timedelta(days=rng.randint(5, 90))
        enrolled_at = max(year_start, now - timedelta(days=rng.randint(30, 120)))
        done_at = enrolled_at + (now - enrolled_at) * rng.random() if completed else None
        db.session.add(Enrolment(user_id=person.id, course_id=course.id, status=EnrolmentStatus.completed if completed
                                 else EnrolmentStatus.enrolled, mandatory=True, due_on=due_on,
                                 assigned_by_id=hr.id, requested_at=enrolled_at, enrolled_at=enrolled_at,
                                 completed_at=done_at))
        course_items = items[course.id]
        # overdue people mostly never started; others did part or all of the course
        done = len(course_items) if completed else (0 if overdue and rng.random() < 0.7
                                                    else rng.randint(0, len(course_items)))
        for item in course_items[:done]:
            opened = enrolled_at + timedelta(hours=rng.randint(1, 48))
            db.session.add(ItemProgress(user_id=person.id, item_id=item.id, course_id=course.id,
                                        first_opened_at=opened, completed_at=opened + timedelta(minutes=20),
                                        best_percent=float(rng.randint(70, 100)) if item.is_quiz else None,
                                        passed=item.is_quiz))
    db.session.commit()
