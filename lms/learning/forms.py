from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class EnrolForm(FlaskForm):
    cohort_id = SelectField(_l("Cohort"), coerce=int, choices=[], validate_choice=False)


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    enrol_from = DateField(_l("Enrolment opens on"), validators=[Optional()])
    enrol_until = DateField(_l("Enrolment closes on"), validators=[Optional()])
    due_on = DateField(_l("Due date for completion"), validators=[Optional()])
    capacity = IntegerField(_l("Seats (empty: no limit)"), validators=[Optional(), NumberRange(min=1, max=100000)])
    self_enrolment = BooleanField(_l("Learners may enrol themselves"), default=True)


class AssignForm(FlaskForm):
    emails = TextAreaField(_l("People (one e-mail address per line)"), validators=[Optional(), Length(max=20000)])
    organisation_id = SelectField(_l("Or everyone in an organisation and its sub-units"), coerce=int, choices=[])
    cohort_id = SelectField(_l("Cohort"), coerce=int, choices=[])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    mandatory = BooleanField(_l("Mandatory"), default=True)


class DueDateForm(FlaskForm):
    """A new due date for the enrolments named in the query string (``enrolment`` once for each)."""

    due_on = DateField(_l("New due date"), validators=[DataRequired()])
