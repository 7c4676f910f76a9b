"""Admin pages for the organisation tree. The staff directory (``organisations.staff``, ``.person``) lists
people, so it is the accounts domain's, on this blueprint: :mod:`lms.accounts.staff`."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..security import requires
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
