"""The instructor's pages of a course's content versions (lms.courses.content): the list (number, who,
when, origin, what changed) and a rollback behind a confirmation page (what changes, learners
affected). Only instructors who teach the course and admins (``manage_courses`` and teaching)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..security import requires
from . import content
from .forms import ConfirmForm
from .models import Course
from .views import bp


def _user():
    return current_user._get_current_object()


def _course(slug: str) -> Course:
    return db.first_or_404(select(Course).where(Course.slug == slug))


def origin_label(origin: str) -> str:
    labels = {"import": _("Imported from files"), "upload": _("Uploaded"), "editor": _("Edited in the browser"),
              "rollback": _("Rollback"), "notebook server": _("From a notebook server"),
              "folder": _("Adopted from a folder")}
    return labels.get(origin, origin)


@bp.get("/teaching/courses/<slug>/versions")
@requires("manage_courses")
def versions(slug: str):
    course = _course(slug)
    found = content.course_versions(_user(), course)
    return render_template("courses/versions.html", course=course, versions=found, origin_label=origin_label)


@bp.get("/teaching/courses/<slug>/versions/<int:number>/rollback")
@requires("manage_courses")
def confirm_rollback(slug: str, number: int):
    course = _course(slug)
    try:
        change = content.rollback_preview(_user(), course, number)
    except LookupError:
        abort(404)
    except content.RollbackRefused as refused:
        return render_template("courses/rollback.html", course=course, number=number, change=None,
                               problems=refused.problems, form=ConfirmForm())
    latest = content.latest_version(course)
    return render_template("courses/rollback.html", course=course, number=number, change=change, problems=[],
                           latest=latest, form=ConfirmForm())


@bp.post("/teaching/courses/<slug>/versions/<int:number>/rollback")
@requires("manage_courses")
def rollback(slug: str, number: int):
    course = _course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = content.rollback(_user(), course, number)
    except LookupError:
        abort(404)
    except content.RollbackRefused:
        flash(_("Version %(number)s can no longer be restored: it does not pass the checks.", number=number), "error")
        return redirect(url_for("courses.confirm_rollback", slug=slug, number=number))
    if version.rolled_back_from == number:
        flash(_("Version %(number)s is restored as version %(new)s.", number=number, new=version.number), "success")
    else:
        flash(_("Version %(number)s has the same content as the current one: nothing changed.", number=number),
              "success")
    return redirect(url_for("courses.versions", slug=slug))
