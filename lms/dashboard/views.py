"""The home page after sign-in: what each role needs first."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..learning import services as learning

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    user = current_user._get_current_object()
    return render_template("dashboard/index.html", user=user, my_courses=learning.learner_courses(user))
