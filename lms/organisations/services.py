"""Organisations: the tree of civil-service units, and the one place that decides which
people an actor may see (:func:`visible_to`)."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import false, or_, select, true

from .. import signals
from ..extensions import db
from ..security import ensure
from .models import Organisation

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
PATH_SEPARATOR = "/"


class OrganisationError(ValueError):
    """An organisation could not be created or changed; ``message`` is translated."""


def create_organisation(actor, *, code: str, name_kk: str, name_ru: str,
                        parent: Organisation | None = None) -> Organisation:
    ensure(actor, "manage_organisations")
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise OrganisationError(_("A code is 1–40 Latin letters, digits, dots, dashes or underscores."))
    duplicate = _child(parent.id if parent else None, code)
    if duplicate:
        raise OrganisationError(_("This unit already has a sub-unit with the code %(code)s.", code=code))
    organisation = Organisation(code=code, name_kk=name_kk.strip(), name_ru=name_ru.strip(), parent=parent)
    db.session.add(organisation)
    db.session.flush()
    organisation.path = f"{parent.path if parent else PATH_SEPARATOR}{organisation.id}{PATH_SEPARATOR}"
    signals.organisation_created.send(actor, organisation=organisation)
    db.session.commit()
    return organisation


def update_organisation(actor, organisation: Organisation, *, name_kk: str, name_ru: str) -> Organisation:
    ensure(actor, "manage_organisations")
    changes = {}
    for field, value in (("name_kk", name_kk.strip()), ("name_ru", name_ru.strip())):
        if getattr(organisation, field) != value:
            changes[field] = [getattr(organisation, field), value]
            setattr(organisation, field, value)
    if changes:
        signals.organisation_updated.send(actor, organisation=organisation, changes=changes)
    db.session.commit()
    return organisation


def find_by_code_path(code_path: str) -> Organisation | None:
    """``MDDIAI/AIC/DATA`` → the unit with code DATA under AIC under the top-level MDDIAI."""
    codes = [part.strip() for part in code_path.strip().strip(PATH_SEPARATOR).split(PATH_SEPARATOR)]
    if not codes or not all(codes):
        return None
    parent_id = None
    organisation = None
    for code in codes:
        organisation = _child(parent_id, code)
        if organisation is None:
            return None
        parent_id = organisation.id
    return organisation


def _child(parent_id: int | None, code: str) -> Organisation | None:
    condition = Organisation.parent_id.is_(None) if parent_id is None else Organisation.parent_id == parent_id
    return db.session.scalar(select(Organisation).where(condition, Organisation.code == code))


def code_path(organisation: Organisation, by_id: dict[int, Organisation] | None = None) -> str:
    """The reverse of :func:`find_by_code_path`."""
    ids = [int(part) for part in organisation.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR) if part]
    if by_id is None:
        by_id = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return PATH_SEPARATOR.join(by_id[i].code for i in ids)


def all_organisations() -> list[Organisation]:
    """Every unit, parents before children (depth-first by path)."""
    organisations = list(db.session.scalars(select(Organisation)))
    by_id = {o.id: o for o in organisations}
    return sorted(organisations, key=lambda o: code_path(o, by_id).lower())


def hr_scopes(actor) -> list[Organisation]:
    """The organisation subtrees an HR officer covers (their own unit when a role names none)."""
    scopes = []
    for assignment in getattr(actor, "roles", []):
        if assignment.role.value == "hr":
            unit = assignment.organisation or actor.organisation
            if unit is not None:
                scopes.append(unit)
    return scopes


def visible_to(actor, organisation_id_column):
    """The SQL condition restricting people (by their organisation column) to those ``actor``
    may see: admins everyone, HR their subtrees, anyone else nobody. Every query that lists
    people goes through here."""
    if actor is None or not actor.is_authenticated:
        return false()
    if actor.has_role("admin"):
        return true()
    scopes = hr_scopes(actor)
    if not scopes:
        return false()
    subtree = select(Organisation.id).where(or_(*[Organisation.path.startswith(s.path) for s in scopes]))
    return organisation_id_column.in_(subtree)


def covers(actor, organisation: Organisation | None) -> bool:
    """Whether ``organisation`` lies in one of the HR subtrees of ``actor`` (or actor is admin)."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.has_role("admin"):
        return True
    if organisation is None:
        return False
    return any(organisation.path.startswith(scope.path) for scope in hr_scopes(actor))
