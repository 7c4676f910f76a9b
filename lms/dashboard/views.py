"""The home page after sign-in: what each role needs first."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html", user=current_user)
