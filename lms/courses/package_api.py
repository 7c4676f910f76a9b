"""``POST /api/v1/course-packages``: upload a course package (multipart ``file``: a zip); with
``dry_run=true`` the report only. The same services as the upload page (:mod:`lms.courses.uploads`)."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from ..api import ApiError, bp, needs
from ..upload_limits import package_upload
from . import uploads


def _report(check) -> dict:
    return {
        "problems": [{"file": p.file, "line": p.line, "message": p.message, "text": str(p)}
                     for p in check.preview.problems],
        "courses": [{"slug": c.slug, "created": c.created, "items_added": c.items_added,
                     "items_changed": c.items_changed, "items_retired": c.items_retired,
                     "files_added": c.files_added, "files_changed": c.files_changed,
                     "files_removed": c.files_removed, "learners_affected": c.learners}
                    for c in check.preview.courses],
    }


@bp.post("/course-packages")
@package_upload
@needs("manage_courses")
def upload_course_package():
    """Upload a course package.
    ---
    post:
      tags: [courses]
      summary: Validate a course package (a zip) and store it as a new version of each of its courses
      description: Only instructors who teach the course (a new course may be created by any instructor) and
        admins. `dry_run=true` stores nothing and answers the report. Problems carry `file` and `line`.
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
                dry_run: {type: boolean}
      responses:
        200: {description: "The report (`problems`, `courses`), `stored` and `versions` {slug: number}"}
        403: {description: "A course the caller does not teach"}
        413: {description: "Larger than the upload limit"}
        422: {description: "An unsafe package (error: path_outside, symlink, zip_bomb, not_nbgrader…) or problems"}
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "bad_request", _("Send the course package as the multipart field “file” (a zip)."))
    dry_run = request.form.get("dry_run", request.args.get("dry_run", "")).lower() in ("1", "true", "yes")
    try:
        check = uploads.check_upload(g.api_user, data=upload.read(), filename=upload.filename, via="api")
    except uploads.PackageRefused as refused:
        if refused.reason == "not_teaching":
            raise ApiError(403, "not_teaching", str(refused)) from None
        raise ApiError(422, refused.reason, str(refused)) from None
    body = {"dry_run": dry_run, "stored": False, "versions": {}, **_report(check)}
    if check.preview.problems:
        if dry_run:
            return jsonify(body)
        raise ApiError(422, "invalid_package", _("The package has problems; nothing was stored."), **body)
    if not dry_run:
        outcome = uploads.store(g.api_user, check.package, origin="upload")
        if outcome["problems"]:
            raise ApiError(422, "invalid_package", _("The package has problems; nothing was stored."),
                           **{**body, "problems": [{"text": p} for p in outcome["problems"]]})
        body.update(stored=True, versions=outcome["versions"])
    return jsonify(body)
