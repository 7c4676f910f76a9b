"""Flask-Login wiring: sessions load the user; pages that need sign-in redirect to it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from .models import User


def init_app(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        # Every signed-in request runs this: the person, their unit and their roles in one query
        # (the roles would otherwise follow in a second, select-in one). A cookie from an older session
        # generation (User.get_id), or one without it, finds nobody.
        user_id, _sep, generation = session_id.partition(":")
        if not (user_id.isdigit() and generation.isdigit()):
            return None
        user = db.session.scalars(select(User).where(User.id == int(user_id),
                                                     User.session_generation == int(generation))
                                  .options(joinedload(User.roles))).unique().first()
        return user if user is not None and user.active else None
