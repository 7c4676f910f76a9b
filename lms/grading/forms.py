"""Forms of the instructors' grading pages. Ranges (0 to a cell's points) and reasons are checked by
the services (lms/grading/instructor/manual.py), which give the translated message."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import FloatField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional



class ScoreField(FloatField):
    """A number of points; a decimal comma (as Kazakh and Russian write it) is accepted."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = float(valuelist[0].strip().replace(",", "."))
            except ValueError:
                self.data = None
                raise ValueError(str(_l("Enter a number."))) from None


class ManualGradeForm(FlaskForm):
    score = ScoreField(_l("Score"), validators=[InputRequired(message=_l("Enter a score."))])
    comment = TextAreaField(_l("Comment for the learner"), validators=[Optional(), Length(max=5000)])


class OverrideForm(FlaskForm):
    score = ScoreField(_l("New score"), validators=[InputRequired(message=_l("Enter a score."))])
    reason = TextAreaField(_l("Reason (kept in the audit log)"),
                           validators=[InputRequired(message=_l("Give a reason.")), Length(max=2000)])
    comment = TextAreaField(_l("Comment for the learner"), validators=[Optional(), Length(max=5000)])


class ClearFlagForm(FlaskForm):
    reason = TextAreaField(_l("Reason (kept in the audit log)"),
                           validators=[InputRequired(message=_l("Give a reason.")), Length(max=2000)])


class ConfirmForm(FlaskForm):
    """A button that runs something (validate, publish): only the CSRF token."""


class TestGradeForm(FlaskForm):
    assignment = SelectField(_l("Assignment"), choices=[], validate_choice=False)
    notebooks = MultipleFileField(_l("Notebook files (.ipynb)"))
