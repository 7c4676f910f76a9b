from flask import Blueprint, render_template, request
from flask_login import current_user

from ..security import requires
from . import services

bp = Blueprint("audit", __name__)


@bp.get("/admin/audit")
@requires("view_audit_log")
def index():
    action = request.args.get("action") or None
    pagination = services.list_events(current_user, action=action, page=request.args.get("page", 1, type=int))
    return render_template("audit/index.html", pagination=pagination, action=action,
                           actions=services.known_actions())
