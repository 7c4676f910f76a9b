from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..i18n import date_time
from ..security import requires
from ..spreadsheets import to_csv
from ..utils import page_number
from . import services

bp = Blueprint("audit", __name__)

# Actions are stored untranslated; these are their names on the page (unknown ones show the code).
ACTION_LABELS = {
    "sign_in": _l("Signed in"),
    "backup_created": _l("Backup created"),
    "backup_restored": _l("Backup restored"),
    "sign_out": _l("Signed out"),
    "sign_in_failed": _l("Failed sign-in"),
    "account_locked": _l("Account locked"),
    "user_created": _l("Account created"),
    "user_updated": _l("Account changed"),
    "user_deactivated": _l("Account deactivated"),
    "user_reactivated": _l("Account reactivated"),
    "roles_changed": _l("Roles changed"),
    "invitation_issued": _l("Invitation sent"),
    "password_set": _l("Password set"),
    "password_reset_requested": _l("Password reset requested"),
    "sessions_ended": _l("Signed out everywhere"),
    "employees_imported": _l("Employees imported"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "organisation_created": _l("Organisation created"),
    "organisation_updated": _l("Organisation changed"),
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "certificates_exported": _l("Certificates exported"),
    "hr_report_exported": _l("HR report exported"),
    "manual_grade_recorded": _l("Manual grade recorded"),
    "score_overridden": _l("Score overridden"),
    "submission_flag_cleared": _l("Submission flag cleared"),
    "assignment_published": _l("Assignment published"),
    "assignment_imported": _l("Assignment imported from the authoring notebook"),
    "authoring_notebook_opened": _l("Authoring notebook opened"),
    "gradebook_exported": _l("Gradebook exported"),
    "roster_exported": _l("Roster exported"),
    "quiz_statistics_exported": _l("Quiz statistics exported"),
    "instructor_added": _l("Instructor added to a course"),
    "gpu_quota_set": _l("GPU quota set"),
    "gpu_usage_exported": _l("GPU usage exported"),
    "gpu_usage_reconciled": _l("GPU time corrected from the scheduler's record"),
    "enrolment_due_date_changed": _l("Due date changed"),
    "enrolment_made_mandatory": _l("Course made mandatory"),
    "audit_log_exported": _l("Audit log exported"),
    "course_package_checked": _l("Course package checked"),
    "course_package_refused": _l("Course package refused"),
}
OBJECT_LABELS = {"User": _l("Person"), "Course": _l("Course"), "Certificate": _l("Certificate"),
                 "Enrolment": _l("Enrolment"), "Organisation": _l("Organisation"), "Cohort": _l("Cohort"),
                 "Submission": _l("Submission"), "AssignmentVersion": _l("Assignment version"),
                 "GpuQuota": _l("GPU quota")}


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


@bp.app_template_filter("audit_object_type")
def audit_object_type(kind: str) -> str:
    label = OBJECT_LABELS.get(kind)
    return str(label) if label else kind


@bp.get("/admin/audit")
@requires("view_audit_log")
def index():
    filters = services.parse_filters(request.args)
    pagination = services.list_events(current_user, filters, page=page_number())
    return render_template("audit/index.html", pagination=pagination, filters=filters,
                           described=services.describe(list(pagination.items)), actions=services.known_actions(),
                           object_types=services.known_object_types())


@bp.get("/admin/audit/export.csv")
@requires("view_audit_log")
def export_csv():
    filters = services.parse_filters(request.args)
    events = services.export_events(current_user, filters)
    described = {}
    for start in range(0, len(events), 1000):  # a page's worth of names at a time
        described.update(services.describe(events[start:start + 1000]))
    rows = [[date_time(e.created_at), e.actor.full_name if e.actor else _("system"),
             e.actor.email if e.actor else "", audit_action(e.action),
             audit_object_type(e.object_type) if e.object_type else "",
             described[e.id].object.text if described[e.id].object else (e.object_id or ""), e.ip_address or "",
             "; ".join(f"{label}: {text}" for label, text in described[e.id].details)] for e in events]
    header = [_("When"), _("Who"), _("E-mail"), _("Action"), _("Object"), _("Name"), _("Address"), _("Details")]
    return Response(to_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=oqu-audit.csv"})
