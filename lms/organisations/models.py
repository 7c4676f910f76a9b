from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..utils import utcnow


class Organisation(db.Model):
    """A unit of the civil service: ministry → committee → department, as a tree.

    ``path`` materialises the ancestry as ``/1/5/12/`` so a whole subtree is one indexed
    prefix query on SQLite and PostgreSQL alike.
    """

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("parent_id", "code", name="uq_organisations_parent_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_kk: Mapped[str] = mapped_column(String(255))
    name_ru: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["Organisation | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Organisation"]] = relationship(back_populates="parent", order_by="Organisation.code")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.code}>"
