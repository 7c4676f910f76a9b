"""Issued certificates. A row is never deleted: revocation and expiry are states of it, and a
renewal is a new row pointing at the one it renews (``previous``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..organisations.models import Organisation
from ..utils import utcnow
from .statuslist import place_of


class Certificate(db.Model):
    """One certificate of one person for one course. ``renewal`` counts 0, 1, 2… per person and
    course; its unique key makes two simultaneous issues of the same certificate impossible."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "renewal", name="uq_certificates_user_course_renewal"),
                      UniqueConstraint("status_index", name="uq_certificates_status_index"),
                      # HR lists: an organisation's certificates, newest first, without sorting them all
                      Index("ix_certificates_organisation_issued", "organisation_id", "issued_on", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # where the holder worked when it was issued: HR scoping follows this
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    renewal: Mapped[int] = mapped_column(default=0)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    course_version: Mapped[str] = mapped_column(String(64), default="")  # the course's content hash
    holder_name: Mapped[str] = mapped_column(String(255))  # as printed
    hours: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(Float)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_on: Mapped[date] = mapped_column(index=True)
    valid_until: Mapped[date | None] = mapped_column(index=True)  # None: does not expire
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # its place in the revocation status list (statuslist.py), given when the row is written;
    # migration 0010_creds gave one to every certificate issued before it
    status_index: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    previous: Mapped["Certificate | None"] = relationship(remote_side=[id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def status(self, today: date) -> str:
        """``revoked``, ``expired`` or ``valid`` on ``today``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.valid_until is not None and today > self.valid_until:
            return "expired"
        return "valid"

    def __repr__(self) -> str:
        return f"<Certificate {self.number}>"


@event.listens_for(Certificate, "after_insert")
def _give_status_place(_mapper, connection, certificate: Certificate) -> None:
    """Every certificate written through the ORM gets its place in the status list, from its id."""
    if certificate.status_index is None:
        place = place_of(certificate.id)
        connection.execute(Certificate.__table__.update().where(Certificate.__table__.c.id == certificate.id)
                           .values(status_index=place))
        set_committed_value(certificate, "status_index", place)
