from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..security import requires
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
    "gradebook_exported": _l("Gradebook exported"),
    "instructor_added": _l("Instructor added to a course"),
    "gpu_quota_set": _l("GPU quota set"),
    "gpu_usage_exported": _l("GPU usage exported"),
}


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


@bp.get("/admin/audit")
@requires("view_audit_log")
def index():
    action = request.args.get("action") or None
    pagination = services.list_events(current_user, action=action, page=page_number())
    return render_template("audit/index.html", pagination=pagination, action=action,
                           actions=services.known_actions())
