"""Admin pages for the organisation tree, and the staff directory for HR and admins."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import services as accounts
from ..extensions import db
from ..security import requires
from ..utils import page_number
from . import services
from .forms import OrganisationForm, OrganisationNamesForm
from .models import Organisation

bp = Blueprint("organisations", __name__)


@bp.get("/admin/organisations")
@requires("manage_organisations")
def index():
    return render_template("organisations/index.html", organisations=services.all_organisations())


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@requires("manage_organisations")
def new():
    form = OrganisationForm()
    form.parent_id.choices = [(0, _("— top level —"))] + [
        (o.id, "— " * o.depth + o.code + " · " + o.name_kk) for o in services.all_organisations()]
    if request.method == "GET":
        form.parent_id.data = request.args.get("parent", 0, type=int)
    if form.validate_on_submit():
        parent = db.session.get(Organisation, form.parent_id.data) if form.parent_id.data else None
        try:
            services.create_organisation(current_user, code=form.code.data, name_kk=form.name_kk.data,
                                         name_ru=form.name_ru.data, parent=parent)
        except services.OrganisationError as error:
            form.code.errors.append(str(error))
        else:
            flash(_("The organisation has been created."), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@requires("manage_organisations")
def edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationNamesForm(obj=organisation)
    if form.validate_on_submit():
        services.update_organisation(current_user, organisation, name_kk=form.name_kk.data, name_ru=form.name_ru.data)
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=organisation,
                           code_path=services.code_path(organisation))


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
