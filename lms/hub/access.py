"""Who may use notebooks, and the person on the hub: the rules every launch, every hub sign-in and the
hub's own spawn check (lms.hub.spawn_gate) apply, and the hub account (a random, stable name free of
personal data) that stands for a person there."""
from __future__ import annotations

import logging
import secrets

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..courses.models import Course
from ..extensions import db
from ..gpu.services import quota_refusal
from ..profiles import DEFAULT_PROFILE
from ..security import PermissionDenied, has_permission
from .models import HubAccount

log = logging.getLogger(__name__)


class NotebookNotAllowed(PermissionDenied):
    """The person may not use notebooks (for this course); ``description`` explains why, translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.description = message


# --------------------------------------------------------------------------- who may use notebooks


def course_group(course: Course) -> str:
    """The hub group of a course's learners and instructors."""
    return f"course-{course.slug}"


def notebook_courses(user) -> list[Course]:
    """Courses with notebooks the person may use: those they are actively enrolled in, or every one
    for an instructor."""
    from ..learning.services import notebook_courses_for

    if user is None or not getattr(user, "is_active", False) or getattr(user, "id", None) is None:
        return []
    return notebook_courses_for(user, every=has_permission(user, "use_any_notebook"))


def may_use_notebooks(user) -> bool:
    """Whether the person may sign in to the hub at all: for a course's notebook, or for their
    authoring notebook (an administrator without a notebook course gets that one only: the hub's
    spawn check refuses them any other server)."""
    return bool(notebook_courses(user)) or (getattr(user, "is_active", False) and may_author(user))


def may_use_course_notebook(user, course: Course) -> bool:
    return course.has_notebooks and any(c.id == course.id for c in notebook_courses(user))


def _not_allowed_message() -> str:
    return _("Notebooks are open to people enrolled in a course that has notebooks, and to instructors. "
             "Enrol in such a course to use them.")


def _ensure_may_use(actor, course: Course) -> None:
    if not course.has_notebooks:
        raise NotebookNotAllowed(_("This course has no notebooks."))
    if not may_use_course_notebook(actor, course):
        raise NotebookNotAllowed(_not_allowed_message())


AUTHORING_SERVER = "authoring"  # an instructor's named server for writing assignments (lms/hub/lab.py)


def may_author(user) -> bool:
    """Whether the person may have an authoring server: instructors and admins (those who may grade)."""
    return has_permission(user, "grade_submissions")


def spawn_refusal(username: str, profile: str, server: str = "") -> str | None:
    """The hub asks before it starts any server (lms.hub.spawn_gate): why the person with hub name
    ``username`` must not start ``profile`` now — in their language — or None. Exactly what a launch
    from the LMS allows: an active account that may use notebooks; a profile other than the default
    one only through a course of theirs that runs it, with GPU time left for that course. Of named
    servers only :data:`AUTHORING_SERVER`, with the default profile, for instructors and admins."""
    user, refusal = _hub_person(username)
    if refusal:
        return refusal
    with force_locale("ru" if user.preferred_language == "ru" else "kk"):
        if server:
            if server != AUTHORING_SERVER or not may_author(user):
                return _("Only instructors and administrators have an authoring notebook; your notebook is "
                         "opened from your course page.")
            return None if profile in ("", DEFAULT_PROFILE) else _(
                "The authoring notebook runs with the %(profile)s profile only.", profile=DEFAULT_PROFILE)
        courses = notebook_courses(user)
        if not courses:
            return _not_allowed_message()
        if profile == DEFAULT_PROFILE:
            return None
        refusals = [quota_refusal(user, course) for course in courses if course.notebook_profile == profile]
        if not refusals:  # an unknown profile too
            return _("None of your courses runs its notebooks with the %(profile)s profile, so this notebook "
                     "cannot start.", profile=profile[:40])
        return None if None in refusals else refusals[0]


def account_refusal(username: str) -> str | None:
    """The hub asks, when a signed-in person's hub session is older than its refresh age (lms.hub.spawn_gate):
    why the person with hub name ``username`` may no longer use the hub — unknown, or deactivated — in
    their language, or None. A refusal signs them out of the hub (its cookie opens nothing more)."""
    return _hub_person(username)[1]


def _hub_person(username: str):
    """``(user, None)`` for the active person with this hub name, else ``(user or None, why not)``."""
    account = db.session.scalar(select(HubAccount).where(HubAccount.username == username))
    user = account.user if account is not None else None
    if user is None:
        return None, _not_allowed_message()
    if not user.active:
        with force_locale("ru" if user.preferred_language == "ru" else "kk"):
            return user, _("This account has been deactivated. Contact your administrator.")
    return user, None


# --------------------------------------------------------------------------- the person on the hub


def hub_account(user, create: bool = True) -> HubAccount | None:
    """The person's hub name, created on first use: random, stable, and free of personal data."""
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == user.id))
    if account is not None or not create:
        return account
    account = HubAccount(user_id=user.id, username="u" + secrets.token_hex(6))
    db.session.add(account)
    try:
        db.session.commit()
    except IntegrityError:  # a simultaneous first launch created it
        db.session.rollback()
        account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == user.id))
    return account


def user_id_for_hub_name(username: str) -> int | None:
    """Whose hub user name this is (the person's id), None for a name the LMS never gave."""
    return db.session.scalar(select(HubAccount.user_id).where(HubAccount.username == username))


def hub_userinfo(user) -> dict:
    """The claims the hub reads at sign-in: a stable name without personal data, the display name,
    and one group per course the person may use."""
    account = hub_account(user)
    return {
        "sub": account.username,
        "preferred_username": account.username,
        "name": user.full_name,
        "groups": sorted(course_group(course) for course in notebook_courses(user)),
    }
