"""Forms of the courses domain's pages: the versions page, the course-package upload and the lesson editor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

MAX_LESSON_CHARS = 200_000


class ConfirmForm(FlaskForm):
    """A button that changes something (a rollback): only the CSRF token."""


class PackageUploadForm(FlaskForm):
    """A zip, or a folder (the browser sends each file with its path inside the folder)."""
    file = FileField(_l("Course package (.zip)"), render_kw={"accept": ".zip,application/zip"})
    folder = MultipleFileField(_l("…or a course folder"), render_kw={"webkitdirectory": True, "directory": True})


class ConfirmPackageForm(FlaskForm):
    """"Store" under the dry run: the token of the kept upload, and the CSRF token."""
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class LessonForm(FlaskForm):
    body_kk = TextAreaField(_l("Kazakh text (Markdown)"), validators=[Length(max=MAX_LESSON_CHARS)],
                            render_kw={"rows": 24, "lang": "kk", "spellcheck": "true"})
    body_ru = TextAreaField(_l("Russian text (Markdown)"), validators=[Length(max=MAX_LESSON_CHARS)],
                            render_kw={"rows": 24, "lang": "ru", "spellcheck": "true"})
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save as a new version"))
