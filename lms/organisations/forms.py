from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class OrganisationForm(FlaskForm):
    parent_id = SelectField(_l("Parent unit"), coerce=int, choices=[])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=255)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=255)])


class OrganisationNamesForm(FlaskForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=255)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=255)])
