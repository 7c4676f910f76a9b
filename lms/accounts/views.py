"""Pages for signing in, one's own account, and (for admins) managing people."""
from __future__ import annotations

from flask import Blueprint, current_app, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from ..extensions import db
from ..i18n import LANGUAGE_COOKIE, LANGUAGES
from ..organisations.models import Organisation
from ..organisations.services import all_organisations
from .. import staging
from ..security import requires
from ..utils import page_number, safe_next_url
from . import employees, services, throttling
from . import tokens as api_tokens
from .forms import (ROLE_LABELS, ChangePasswordForm, ConfirmForm, ConfirmImportForm, ForgotPasswordForm, ImportForm, LoginForm, NewPersonForm,
                    PersonForm, RolesForm, SetPasswordForm, TokenForm)
from .models import ApiToken, Role

bp = Blueprint("accounts", __name__)

from . import staff as _staff  # noqa: E402,F401 — the staff directory (organisations blueprint)


# --------------------------------------------------------------------------- signing in

@bp.route("/login", methods=["GET", "POST"])
@throttling.sign_in_per_address
@throttling.sign_in_per_account
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInError as error:
            flash(str(error), "error")
            return render_template("accounts/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        return throttling.remember_device(
            redirect(safe_next_url(request.args.get("next")) or url_for("dashboard.index")), user.email)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.record_sign_out(current_user._get_current_object())
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttling.reset_per_address
@throttling.reset_per_account
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account with this address exists, we have sent it a link to set a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/<any(invitation, reset):purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    try:
        user = services.user_for_link_token(token, purpose)
    except services.AccountError as error:
        return render_template("accounts/link_invalid.html", message=str(error)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_with_token(token, purpose, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Your password is set. You can sign in now."), "success")
            return throttling.remember_device(redirect(url_for("accounts.login")), user.email)
    return render_template("accounts/set_password.html", form=form, user=user, purpose=purpose)


@bp.post("/language")
def set_language():
    """The language switch on every page: remembered in a cookie, and in the profile when signed in."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        services.set_preferred_language(current_user._get_current_object(), language)
    response = redirect(safe_next_url(request.form.get("next")) or url_for("dashboard.index"))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


# --------------------------------------------------------------------------- own account

@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(user, password_form.current.data, password_form.password.data)
        except services.AccountError as error:
            password_form.current.errors.append(str(error))
        else:
            # The new password ended every session, this one too: sign this browser in again.
            login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in request.cookies)
            flash(_("Your password has been changed. You have been signed out on your other devices."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", user=user, password_form=password_form,
                           shown_iin=services.shown_iin(user, user))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    user = current_user._get_current_object()
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        _token, new_secret = api_tokens.create_api_token(user, user, form.name.data)
        flash(_("Copy the token now: it will not be shown again."), "warning")
        form = TokenForm(formdata=None)
    return render_template("accounts/tokens.html", form=form, tokens=api_tokens.user_tokens(user),
                           new_secret=new_secret, revoke_form=ConfirmForm())


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id or not ConfirmForm().validate_on_submit():
        abort(404)
    api_tokens.revoke_api_token(current_user._get_current_object(), token)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.tokens"))


# --------------------------------------------------------------------------- admin: people

def _organisation_choices(empty_label=None):
    choices = [(o.id, "— " * o.depth + o.code + " · " + o.name_kk) for o in all_organisations()]
    return ([(0, empty_label)] if empty_label else []) + choices


def _person_from(form) -> services.PersonData:
    return services.PersonData(
        email=form.email.data, surname=form.surname.data, given_name=form.given_name.data,
        patronymic=form.patronymic.data or "", iin=form.iin.data, position=form.position.data or "",
        organisation=db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None,
        preferred_language=form.preferred_language.data or None)


def _show_person_errors(form, error: services.AccountError, person: services.PersonData) -> None:
    for field, message in person.errors.items():
        target = getattr(form, field, None)
        (target.errors if target is not None else form.form_errors).append(message)
    if not person.errors:
        form.form_errors.append(str(error))


@bp.get("/admin/users")
@requires("manage_users")
def users():
    page = page_number()
    search = request.args.get("q", "")[:100]
    pagination = services.list_people(current_user, search=search, page=page, permission="manage_users",
                                      per_page=_page_size())
    return render_template("accounts/users.html", pagination=pagination, search=search)


def _page_size() -> int:
    return current_app.config["OQU_SETTINGS"].page_size


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("manage_users")
def new_user():
    form = NewPersonForm()
    form.organisation_id.choices = _organisation_choices(_("— none —"))
    if form.validate_on_submit():
        person = _person_from(form)
        try:
            user = services.create_user(current_user, person, invite=form.invite.data)
        except services.AccountError as error:
            _show_person_errors(form, error, person)
        else:
            flash(_("The account has been created."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires("manage_users")
def edit_user(user_id: int):
    user = services.get_person(current_user, user_id, permission="manage_users")
    form = PersonForm(obj=user) if request.method == "GET" else PersonForm()
    form.organisation_id.choices = _organisation_choices(_("— none —"))
    if request.method == "GET":
        form.organisation_id.data = user.organisation_id or 0
        form.preferred_language.data = user.preferred_language or ""
    if form.validate_on_submit():
        person = _person_from(form)
        try:
            services.update_user(current_user, user, person)
        except services.AccountError as error:
            _show_person_errors(form, error, person)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    roles_form = RolesForm(prefix="roles")
    roles_form.roles.choices = _role_choices()
    roles_form.hr_organisation_id.choices = _organisation_choices(_("Their own organisation"))
    roles_form.roles.data = sorted(user.role_names)
    hr = [a for a in user.roles if a.role == Role.hr]
    roles_form.hr_organisation_id.data = hr[0].organisation_id or 0 if hr else 0
    return render_template("accounts/user_form.html", form=form, user=user, roles_form=roles_form,
                           confirm_form=ConfirmForm(), shown_iin=services.shown_iin(current_user, user))


def _role_choices():
    return [(role.value, ROLE_LABELS[role]) for role in Role]


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    return str(ROLE_LABELS[Role(role)])


@bp.post("/admin/users/<int:user_id>/roles")
@requires("manage_users")
def edit_roles(user_id: int):
    user = services.get_person(current_user, user_id, permission="manage_users")
    form = RolesForm(prefix="roles")
    form.roles.choices = _role_choices()
    form.hr_organisation_id.choices = _organisation_choices(_("Their own organisation"))
    if not form.validate_on_submit():
        abort(400)
    wanted = [(role, (form.hr_organisation_id.data or None) if role == "hr" else None) for role in form.roles.data]
    try:
        services.set_roles(current_user, user, wanted)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(_("The roles have been saved."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/<any(deactivate, reactivate):change>", methods=["GET", "POST"])
@requires("manage_users")
def change_active(user_id: int, change: str):
    user = services.get_person(current_user, user_id, permission="manage_users")
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.set_user_active(current_user, user, change == "reactivate")
        except services.AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("The account has been deactivated.") if change == "deactivate"
                  else _("The account has been reactivated."), "success")
        return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/confirm_active.html", user=user, change=change, form=form)


@bp.route("/admin/users/<int:user_id>/sign-out", methods=["GET", "POST"])
@requires("manage_users")
def end_sessions(user_id: int):
    """"Sign out everywhere": ends every session and remember-me cookie of the person, after a confirmation."""
    user = services.get_person(current_user, user_id, permission="manage_users")
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(current_user, user)
        flash(_("%(name)s has been signed out on every device.", name=user.full_name), "success")
        return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/confirm_end_sessions.html", user=user, form=form)


@bp.post("/admin/users/<int:user_id>/invite")
@requires("manage_users")
def invite(user_id: int):
    user = services.get_person(current_user, user_id, permission="manage_users")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        link = services.invite_user(current_user, user)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(_("An invitation has been sent to %(email)s. The link: %(link)s", email=user.email, link=link), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


_STAGED_KEY = "employee_imports"  # the tokens of this session's staged uploads


@bp.route("/admin/users/import", methods=["GET", "POST"])
@requires("import_employees")
def import_users():
    """Upload a file: a preview of what it would do, with "Import" to confirm; nothing stored yet."""
    form = ImportForm()
    staged = error = None
    confirm = ConfirmImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            staged = employees.stage_import(current_user, upload.read(), filename=upload.filename or "upload",
                                            invite=form.invite.data)
        except employees.ImportFileError as exc:
            error = str(exc)
        else:
            staging.remember(_STAGED_KEY, staged.token)
            confirm.token.data = staged.token
    return render_template("accounts/import.html", form=form, staged=staged, confirm=confirm, error=error,
                           columns=employees.COLUMNS, required=employees.REQUIRED)


@bp.post("/admin/users/import/confirm")
@requires("import_employees")
def confirm_import():
    """Import the previewed file once (a second click finds it claimed and shows the same result)."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    staging.ensure_remembered(_STAGED_KEY, token)
    try:
        employees.confirm_import(current_user, token)
    except employees.StagedImportGone:
        pass  # already imported (a double click) or expired: the result page says which
    return redirect(url_for("accounts.import_result", token=token), code=303)


@bp.get("/admin/users/import/<token>")
@requires("import_employees")
def import_result(token: str):
    staging.ensure_remembered(_STAGED_KEY, token)
    result = employees.import_result(current_user, token)
    return render_template("accounts/import_result.html", result=result), 200 if result else 404
