"""Instructors' pages for assignments written in their own JupyterLab: open the authoring notebook, import
an assignment from it (the validation report and the student version), publish the import on
confirmation. The services are :mod:`lms.grading.authoring.from_server`'s."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...hub.authoring import AuthoringRefused
from ...hub.client import HubUnavailable
from ...security import PermissionDenied, requires
from .. import authoring
from ..authoring import from_server
from ..forms import ConfirmForm
from .views import _course, _user, assignments_page, bp


def _hub_down():
    flash(_("Notebooks are temporarily unavailable. Everything else in Oqu works; please try again in a few "
            "minutes."), "error")


@bp.post("/<slug>/assignments/<assignment>/authoring-notebook")
@requires("grade_submissions")
def open_authoring_notebook(slug: str, assignment: str):
    course = _course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        server = from_server.open_authoring_notebook(_user(), course, assignment)
    except LookupError:
        abort(404)
    except PermissionDenied:
        abort(403)
    except HubUnavailable:
        _hub_down()
        return redirect(url_for(".assignments", slug=slug))
    except AuthoringRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".assignments", slug=slug))
    if server.status == "ready":
        return redirect(server.url)
    flash(server.message, "info" if server.status == "pending" else "error")
    return redirect(url_for(".assignments", slug=slug))


@bp.post("/<slug>/assignments/<assignment>/import")
@requires("grade_submissions")
def import_from_server(slug: str, assignment: str):
    course = _course(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = from_server.import_from_server(_user(), course, assignment)
    except LookupError:
        abort(404)
    except PermissionDenied:
        abort(403)
    except HubUnavailable:
        _hub_down()
        return redirect(url_for(".assignments", slug=slug))
    except (AuthoringRefused, from_server.ImportRefused) as refusal:
        flash(str(refusal), "error")
        return assignments_page(course, form), 422
    return render_template("grading/instructor/import.html", course=course, result=result, form=form,
                           report=result.report, checked=assignment), 200 if result.report.ok else 422


@bp.post("/<slug>/assignments/<assignment>/import/publish")
@requires("grade_submissions")
def publish_import(slug: str, assignment: str):
    course = _course(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version, new = from_server.publish_import(_user(), course, assignment,
                                                  request.form.get("number", type=int))
    except LookupError:
        abort(404)
    except from_server.ImportRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".assignments", slug=slug))
    except authoring.PublishRefused as refusal:
        flash(_("Not published: the validation failed. Correct the assignment and try again."), "error")
        return assignments_page(course, form, refusal.report, assignment), 422
    if new:
        flash(_("Version %(version)s of the assignment is published.", version=version.version), "success")
    else:
        flash(_("The assignment has not changed since version %(version)s: nothing to publish.",
                version=version.version), "info")
    return redirect(url_for(".assignments", slug=slug))
