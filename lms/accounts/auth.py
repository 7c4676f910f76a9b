"""Flask-Login wiring: sessions load the user; pages that need sign-in redirect to it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager
from .models import User


def init_app(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None
