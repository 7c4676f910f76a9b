"""Courses as imported from their files (docs/course-format.md): a course, its modules in order,
each module's items (lessons, quizzes, notebook assignments), and the files its lessons show.

Content is bilingual: every text comes as a Kazakh and a Russian column and is shown with
:func:`lms.i18n.localized`. Nothing here is edited through the web: the files are the source and
``lms import-courses`` brings them in. Modules and items removed from the files are *retired*
(``retired_at`` set), never deleted, so progress, attempts and grades that point at them stay.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..utils import utcnow


class Level(str, enum.Enum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class ItemKind(str, enum.Enum):
    lesson = "lesson"
    quiz = "quiz"
    notebook = "notebook"


# The kinds of item whose completion counts toward a course's progress and its completion: lessons
# and quizzes. A notebook assignment is graded (the gradebook, certificate rules) but does not count:
# its score, not its being opened, is what matters.
PROGRESS_KINDS = (ItemKind.lesson, ItemKind.quiz)


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_kk: Mapped[str] = mapped_column(String(255))
    title_ru: Mapped[str] = mapped_column(String(255))
    description_kk: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[int] = mapped_column(default=0)
    level: Mapped[Level] = mapped_column(Enum(Level, name="course_level", native_enum=False, length=20))
    # ",ai,ethics," and ",kk,ru,": delimited so one LIKE filters on SQLite and PostgreSQL alike.
    tags: Mapped[str] = mapped_column(String(500), default=",")
    languages: Mapped[str] = mapped_column(String(20), default=",kk,ru,")
    self_enrolment: Mapped[bool] = mapped_column(Boolean, default=True)
    prerequisites: Mapped[list] = mapped_column(JSON, default=list)  # slugs of courses to complete first
    certification: Mapped[dict] = mapped_column(JSON, default=dict)  # stored as written; applied later
    notebook_profile: Mapped[str] = mapped_column(String(40), default="cpu")
    has_notebooks: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")  # case-folded titles, descriptions, tags
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list["Module"]] = relationship(back_populates="course", order_by="Module.position",
                                                   cascade="all, delete-orphan")

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @property
    def language_list(self) -> list[str]:
        return [t for t in self.languages.split(",") if t]

    @property
    def active_modules(self) -> list["Module"]:
        return [m for m in self.modules if m.retired_at is None]

    def active_items(self) -> list["Item"]:
        """Items in syllabus order, retired ones left out."""
        return [item for module in self.active_modules for item in module.active_items]

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Module(db.Model):
    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_course_modules_course_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    title_kk: Mapped[str] = mapped_column(String(255))
    title_ru: Mapped[str] = mapped_column(String(255))
    retired_at: Mapped[datetime | None] = mapped_column()

    course: Mapped[Course] = relationship(back_populates="modules")
    items: Mapped[list["Item"]] = relationship(back_populates="module", order_by="Item.position")

    @property
    def active_items(self) -> list["Item"]:
        return [item for item in self.items if item.retired_at is None]


class Item(db.Model):
    """A lesson, quiz or notebook assignment. ``key`` is unique in its course, so an item keeps its
    progress when it moves to another module. A quiz's ``content`` (questions *with* answers) never
    leaves the server before an attempt is submitted."""

    __tablename__ = "course_items"
    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_course_items_course_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[ItemKind] = mapped_column(Enum(ItemKind, name="item_kind", native_enum=False, length=20))
    position: Mapped[int] = mapped_column(default=0)
    title_kk: Mapped[str] = mapped_column(String(255))
    title_ru: Mapped[str] = mapped_column(String(255))
    body_kk: Mapped[str] = mapped_column(Text, default="")  # lesson Markdown as written
    body_ru: Mapped[str] = mapped_column(Text, default="")
    html_kk: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised at import
    html_ru: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict] = mapped_column(JSON, default=dict)  # quiz settings and questions
    retired_at: Mapped[datetime | None] = mapped_column()

    course: Mapped[Course] = relationship()
    module: Mapped[Module] = relationship(back_populates="items")

    @property
    def is_lesson(self) -> bool:
        return self.kind == ItemKind.lesson

    @property
    def is_quiz(self) -> bool:
        return self.kind == ItemKind.quiz

    @property
    def counts_for_progress(self) -> bool:
        """Whether finishing this item moves the course's progress (see :data:`PROGRESS_KINDS`)."""
        return self.kind in PROGRESS_KINDS and self.retired_at is None

    def __repr__(self) -> str:
        return f"<Item {self.course_id}/{self.key}>"


class CourseAsset(db.Model):
    """A file from the course folder that lessons show (images). Kept in the database so that
    every LMS node serves it without a shared disk."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "path", name="uq_course_assets_course_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CourseInstructor(db.Model):
    """Who teaches a course: the instructors who grade its submissions and see its gradebook.
    Administrators see every course; an instructor only the courses listed here."""

    __tablename__ = "course_instructors"
    __table_args__ = (UniqueConstraint("course_id", "user_id", name="uq_course_instructors_course_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821 — lms.accounts.models.User


# --------------------------------------------------------------------------- stored content (lms.courses.content)

class ContentBlob(db.Model):
    """The bytes of one file of a course package or an assignment source, stored once by their SHA-256
    whatever the number of versions that hold them (content-addressed): every LMS machine reads content
    from here, none from its own disk."""

    __tablename__ = "content_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CourseVersion(db.Model):
    """One numbered version of a course package (course.yaml, lessons, quizzes, data files): who made it,
    when, how (``origin``: import, upload, editor, rollback, notebook server, adopted), what changed
    against the previous one (``diff``: items added/changed/retired, files added/changed/removed) and
    the numbers of the assignment sources it came with (``sources``: {assignment: source number})."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(20))
    display: Mapped[str] = mapped_column(String(500), default="")  # where it came from, as shown to people
    diff: Mapped[dict] = mapped_column(JSON, default=dict)
    sources: Mapped[dict] = mapped_column(JSON, default=dict)
    rolled_back_from: Mapped[int | None] = mapped_column(Integer)  # the number a rollback restored
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    created_by: Mapped["User | None"] = relationship()  # noqa: F821 — lms.accounts.models.User
    files: Mapped[list["CourseVersionFile"]] = relationship(cascade="all, delete-orphan",
                                                            order_by="CourseVersionFile.path")


class CourseVersionFile(db.Model):
    """A file of a course version: its path in the course folder ('/'-separated) and its blob."""

    __tablename__ = "course_version_files"
    __table_args__ = (UniqueConstraint("version_id", "path", name="uq_course_version_files_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(ForeignKey("content_blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(Integer)
