"""Instructors' pages for course content (on the courses blueprint): upload a course package with a dry
run, confirm it; edit a lesson's Kazakh and Russian Markdown with a preview. The rules are in
:mod:`lms.courses.uploads`."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import staging
from ..security import requires
from ..upload_limits import MB, package_upload
from . import packages, services, uploads
from .forms import ConfirmPackageForm, LessonForm, PackageUploadForm
from .views import bp

_STAGED_KEY = "course_uploads"  # the tokens of this session's kept uploads


def _folder_files(storages) -> list[tuple[str, bytes]]:
    return [(storage.filename or "", storage.read()) for storage in storages if storage and storage.filename]


@bp.route("/teaching/course-packages", methods=["GET", "POST"])
@package_upload
@requires("manage_courses")
def upload_package():
    """Upload a zip or a folder: the dry run's report and, when it can be stored, "Store"; nothing stored yet."""
    form = PackageUploadForm()
    confirm = ConfirmPackageForm()
    check = error = None
    if form.validate_on_submit():
        upload = form.file.data
        folder = _folder_files(form.folder.data or [])
        try:
            if upload and upload.filename:
                check = uploads.check_upload(current_user, data=upload.read(), filename=upload.filename)
            elif folder:
                check = uploads.check_upload(current_user, folder=folder, filename=folder[0][0].split("/")[0])
            else:
                error = _("Choose a zip file or a course folder.")
        except uploads.PackageRefused as refused:
            error = str(refused)
        if check is not None and check.can_store:
            token = uploads.stage_upload(current_user, check)
            staging.remember(_STAGED_KEY, token)
            confirm.token.data = token
    return render_template("courses/upload.html", form=form, check=check, confirm=confirm, error=error,
                           package_mb=current_app.config["OQU_SETTINGS"].max_package_mb,
                           file_mb=packages.MAX_FILE_BYTES // MB)


@bp.post("/teaching/course-packages/confirm")
@requires("manage_courses")
def confirm_package():
    """Store the checked package once (a second click finds it taken and shows the same result)."""
    form = ConfirmPackageForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    staging.ensure_remembered(_STAGED_KEY, token)
    try:
        uploads.confirm_upload(current_user, token)
    except uploads.StagedUploadGone:
        pass  # already stored (a double click) or expired: the result page says which
    return redirect(url_for("courses.package_result", token=token), code=303)


@bp.get("/teaching/course-packages/<token>")
@requires("manage_courses")
def package_result(token: str):
    staging.ensure_remembered(_STAGED_KEY, token)
    found = uploads.upload_outcome(current_user, token)
    return render_template("courses/upload_result.html", found=found), 200 if found else 404


@bp.route("/teaching/courses/<slug>/lessons/<key>/edit", methods=["GET", "POST"])
@requires("manage_courses")
def edit_lesson(slug: str, key: str):
    """A lesson's Kazakh and Russian Markdown side by side; Preview renders both as learners see them; Save
    stores a new version of the course. On a problem nothing is stored and nothing typed is lost."""
    course = services.get_course(slug)
    item = services.get_item(course, key)
    try:
        stored = uploads.lesson_texts(current_user, item)
    except LookupError:
        abort(404)
    form = LessonForm(data={"body_kk": stored["kk"], "body_ru": stored["ru"]} if request.method == "GET" else None)
    rendered = problems = None
    if form.validate_on_submit():
        texts = {"kk": form.body_kk.data or "", "ru": form.body_ru.data or ""}
        if form.save.data:
            try:
                uploads.save_lesson(current_user, item, texts)
            except uploads.LessonProblems as error:
                problems = error.problems
            else:
                flash(_("The lesson has been saved as a new version of the course."), "success")
                return redirect(url_for("courses.edit_lesson", slug=slug, key=key), code=303)
        rendered = uploads.preview_lesson(current_user, item, texts)
    return render_template("courses/lesson_edit.html", course=course, item=item, form=form, rendered=rendered,
                           problems=problems)
