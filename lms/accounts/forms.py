from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..i18n import LANGUAGES
from .models import Role

ROLE_LABELS = {Role.learner: _l("Learner"), Role.instructor: _l("Instructor"), Role.hr: _l("HR officer"),
               Role.admin: _l("Administrator")}


def language_choices(with_empty: bool = False):
    choices = [(code, name) for code, name in LANGUAGES.items()]
    return ([("", _l("Not set"))] if with_empty else []) + choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me on this computer"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class PersonForm(FlaskForm):
    surname = StringField(_l("Surname"), validators=[DataRequired(), Length(max=100)])
    given_name = StringField(_l("Given name"), validators=[DataRequired(), Length(max=100)])
    patronymic = StringField(_l("Patronymic"), validators=[Optional(), Length(max=100)])
    iin = StringField(_l("IIN"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=255)])
    preferred_language = SelectField(_l("Language"), choices=language_choices(with_empty=True))


class NewPersonForm(PersonForm):
    invite = BooleanField(_l("Send an invitation to set a password"), default=True)


class RolesForm(FlaskForm):
    roles = SelectMultipleField(_l("Roles"), choices=[])
    hr_organisation_id = SelectField(_l("HR scope (organisation subtree)"), coerce=int, choices=[])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or Excel (.xlsx) file"), validators=[FileRequired()])
    invite = BooleanField(_l("Send invitations to new people"))


class ConfirmImportForm(FlaskForm):
    """"Import" under the preview: the token of the staged upload, and the CSRF token."""
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token is the confirmation."""
