"""The staff directory for HR and admins: people in the viewer's organisation subtree. On the
``organisations`` blueprint (``organisations.staff``, ``organisations.person``), added from here so
that organisations need not know about accounts."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from ..extensions import db
from ..organisations import services
from ..organisations.models import Organisation
from ..organisations.views import bp
from ..security import requires
from ..utils import page_number
from . import services as accounts


@bp.get("/staff")
@requires("view_staff")
def staff():
    """People in the HR officer's organisation subtree (everyone, for admins)."""
    organisation = None
    organisation_id = request.args.get("organisation", 0, type=int)
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or not services.covers(current_user, organisation):
            abort(404)
    search = request.args.get("q", "")[:100]
    pagination = accounts.list_people(current_user, search=search, organisation=organisation,
                                      page=page_number(),
                                      per_page=current_app.config["OQU_SETTINGS"].page_size)
    units = [o for o in services.all_organisations() if services.covers(current_user, o)]
    return render_template("organisations/staff.html", pagination=pagination, search=search,
                           organisation=organisation, units=units, shown_iin=accounts.shown_iin)


@bp.get("/staff/<int:user_id>")
@requires("view_staff")
def person(user_id: int):
    user = accounts.get_person(current_user, user_id)
    return render_template("organisations/person.html", person=user,
                           shown_iin=accounts.shown_iin(current_user, user))
