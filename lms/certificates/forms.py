from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .services import REASON_MAX


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=REASON_MAX)])


class CredentialCheckForm(FlaskForm):
    """A credential file (the .json downloaded from "My certificates") or its pasted text."""

    file = FileField(_l("Credential file (.json)"), render_kw={"accept": ".json,application/json"})
    text = TextAreaField(_l("…or paste its text"), render_kw={"rows": 6})
