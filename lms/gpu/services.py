"""GPU time: recording the hub's start/stop reports, the monthly quota, and the usage report.

The LMS's own records are the truth: the hub reports every start and stop (spooled to disk on the
hub's side first, so a hub or LMS restart loses nothing), each event carries an id so that a replay
changes nothing, and a stop without a start is ignored. GPU-hours are ``gpus × hours`` of the
sessions, cut at month boundaries in the LMS's time zone; a session still open counts until now.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock, signals
from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..i18n import localized, written_date
from ..profiles import PROFILES, gpu_count
from ..organisations.models import Organisation
from ..security import ensure
from ..utils import utcnow
from .models import GpuQuota, GpuUsageSession

log = logging.getLogger(__name__)

__all__ = ["record_usage_event", "month_window", "quota_refusal", "learner_usage", "usage_report",
           "set_quota", "UsageEventError", "QuotaState"]


class UsageEventError(ValueError):
    """The hub sent an event the LMS cannot read."""


# --------------------------------------------------------------------------- the hub's reports


def _parse_time(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise UsageEventError(f"bad time {value!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def record_usage_event(event: dict, user_id_of) -> str:
    """Apply one start or stop report from the hub; returns what was done (``started``, ``stopped``,
    ``duplicate``, ``ignored``). Idempotent: the same event twice changes nothing. ``user_id_of(name)``
    is the person a hub user name belongs to (the hub domain knows; it receives the reports), and the
    course is the one the event names (the launch puts it in the server's options; the hub reports it)."""
    if not isinstance(event, dict):
        raise UsageEventError("the event must be a JSON object")
    kind, event_id = event.get("event"), str(event.get("id") or "")
    username, server = str(event.get("user") or ""), str(event.get("server") or "")
    if kind not in ("start", "stop") or not event_id or len(event_id) > 64 or not username:
        raise UsageEventError("an event needs event (start|stop), id and user")
    at = _parse_time(event.get("at"))
    user_id = user_id_of(username)
    if user_id is None:
        log.info("usage event for unknown hub user %s ignored", username)
        return "ignored"
    if kind == "start":
        return _record_start(user_id, username, server, event_id, at, str(event.get("profile") or "cpu"),
                             str(event.get("course") or ""))
    return _record_stop(username, server, event_id, at)


def _open_sessions(username: str, server: str):
    return select(GpuUsageSession).where(GpuUsageSession.hub_username == username,
                                         GpuUsageSession.server_name == server,
                                         GpuUsageSession.stopped_at.is_(None))


def _record_start(user_id: int, username: str, server: str, event_id: str, at: datetime, profile: str,
                  course_slug: str) -> str:
    if db.session.scalar(select(GpuUsageSession.id).where(GpuUsageSession.start_event == event_id)):
        return "duplicate"
    # A session still open means its stop was lost (the server died with the hub): it ended by now.
    for stale in db.session.scalars(_open_sessions(username, server)).all():
        db.session.execute(update(GpuUsageSession).where(GpuUsageSession.id == stale.id,
                                                         GpuUsageSession.stopped_at.is_(None))
                           .values(stopped_at=max(at, stale.started_at), closed_by="next-start"))
    user = db.session.get(User, user_id)
    course_id = db.session.scalar(select(Course.id).where(Course.slug == course_slug[:120])) if course_slug else None
    db.session.add(GpuUsageSession(
        user_id=user_id, organisation_id=user.organisation_id if user else None,
        course_id=course_id, hub_username=username, server_name=server,
        profile=profile[:40], gpus=gpu_count(profile) if profile in PROFILES else 0, started_at=at,
        start_event=event_id))
    try:
        db.session.commit()
    except IntegrityError:  # the same event, delivered twice at once
        db.session.rollback()
        return "duplicate"
    return "started"


def _record_stop(username: str, server: str, event_id: str, at: datetime) -> str:
    session = db.session.scalar(_open_sessions(username, server).order_by(GpuUsageSession.id.desc()))
    if session is None or session.started_at > at:
        return "ignored"  # a failed spawn, a replayed stop, or a stop whose start the LMS never saw
    done = db.session.execute(update(GpuUsageSession).where(GpuUsageSession.id == session.id,
                                                            GpuUsageSession.stopped_at.is_(None))
                              .values(stopped_at=at, stop_event=event_id, closed_by="hub"))
    db.session.commit()
    return "stopped" if done.rowcount else "ignored"


# --------------------------------------------------------------------------- months and hours


def month_window(moment: datetime | None = None, month: str | None = None) -> tuple[datetime, datetime]:
    """The calendar month (in the LMS's time zone) holding ``moment`` — or the ``YYYY-MM`` given —
    as naive UTC ``[start, end)``."""
    zone = clock.zone()
    if month:
        year, number = (int(part) for part in month.split("-"))
        local = datetime(year, number, 1, tzinfo=zone)
    else:
        local = (moment or utcnow()).replace(tzinfo=timezone.utc).astimezone(zone)
        local = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (local.replace(day=28) + timedelta(days=4)).replace(day=1)

    def as_utc(value: datetime) -> datetime:
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    return as_utc(local), as_utc(following)


def _gpu_hours(sessions, start: datetime, end: datetime, now: datetime) -> float:
    total = 0.0
    for session in sessions:
        begin = max(session.started_at, start)
        finish = min(session.stopped_at or now, end)
        if finish > begin:
            total += session.gpus * (finish - begin).total_seconds() / 3600
    return total


def _sessions_in(start: datetime, end: datetime, *conditions):
    return db.session.scalars(select(GpuUsageSession).where(
        GpuUsageSession.gpus > 0, GpuUsageSession.started_at < end,
        or_(GpuUsageSession.stopped_at.is_(None), GpuUsageSession.stopped_at > start), *conditions)).all()


def learner_usage(user, start: datetime, end: datetime) -> float:
    return _gpu_hours(_sessions_in(start, end, GpuUsageSession.user_id == user.id), start, end, utcnow())


def _subtree_ids(organisation: Organisation) -> list[int]:
    return list(db.session.scalars(select(Organisation.id).where(Organisation.path.startswith(organisation.path))))


# --------------------------------------------------------------------------- quotas


@dataclass
class QuotaState:
    used: float
    limit: float  # 0: no limit
    resets: datetime  # naive UTC

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.used)


def _ancestry(organisation: Organisation | None) -> list[Organisation]:
    """The organisation and its ancestors, nearest first."""
    if organisation is None:
        return []
    ids = [int(part) for part in organisation.path.strip("/").split("/") if part]
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return [found[i] for i in reversed(ids) if i in found]


def _quota_rows(organisations: list[Organisation], course: Course | None) -> tuple[GpuQuota | None, dict]:
    course_row = (db.session.scalar(select(GpuQuota).where(GpuQuota.course_id == course.id))
                  if course is not None else None)
    rows = {row.organisation_id: row for row in db.session.scalars(
        select(GpuQuota).where(GpuQuota.organisation_id.in_([o.id for o in organisations])))} if organisations else {}
    return course_row, rows


def learner_quota(user, course: Course | None, now: datetime | None = None) -> tuple[QuotaState, QuotaState | None]:
    """The person's own monthly GPU quota, and that of the organisation whose budget they draw on."""
    settings = current_app.config["OQU_SETTINGS"]
    now = now or utcnow()
    start, end = month_window(now)
    organisations = _ancestry(user.organisation)
    course_row, rows = _quota_rows(organisations, course)
    limit = float(settings.gpu_learner_hours)
    candidates = [course_row] + [rows.get(o.id) for o in organisations]
    for row in candidates:
        if row is not None and row.learner_hours is not None:
            limit = row.learner_hours
            break
    own = QuotaState(learner_usage(user, start, end), limit, end)
    budget_holder, budget = None, float(settings.gpu_organisation_hours)
    for organisation in organisations:
        row = rows.get(organisation.id)
        if row is not None and row.organisation_hours is not None:
            budget_holder, budget = organisation, row.organisation_hours
            break
    if budget_holder is None and organisations:
        budget_holder = organisations[-1]  # the top-level organisation
    if budget_holder is None:
        return own, None
    used = _gpu_hours(_sessions_in(start, end, GpuUsageSession.organisation_id.in_(_subtree_ids(budget_holder))),
                      start, end, now)
    return own, QuotaState(used, budget, end)


def _hours(value: float) -> str:
    return format_decimal(round(value, 1), format="#,##0.0")


def _reset_date(resets: datetime) -> str:
    return written_date(clock.local_date(resets), "locative")  # kk «…жаңартылады» needs «қаңтарда»


def gpu_time_note(user, course: Course) -> str | None:
    """What the course page tells the learner about GPU time (translated); None for a CPU course."""
    if gpu_count(course.notebook_profile) == 0:
        return None
    own, _organisation = learner_quota(user, course)
    if not own.limit:
        return _("This course's notebook runs with a GPU. Your GPU time is not limited.")
    return _("This course's notebook runs with a GPU. You have used %(used)s of your %(limit)s GPU-hours this "
             "month; they reset on %(date)s.", used=_hours(own.used), limit=_hours(own.limit),
             date=_reset_date(own.resets))


def quota_refusal(user, course: Course) -> str | None:
    """Why a GPU launch for the course must not start now (translated), or None. CPU courses pass."""
    if gpu_count(course.notebook_profile) == 0:
        return None
    minimum = current_app.config["OQU_SETTINGS"].gpu_min_launch_minutes / 60
    own, organisation = learner_quota(user, course)
    if own.limit and own.left < max(minimum, 1e-9):
        return _("You have used %(used)s of your %(limit)s GPU-hours this month, so a GPU notebook cannot start "
                 "now. Your GPU time resets on %(date)s.", used=_hours(own.used), limit=_hours(own.limit),
                 date=_reset_date(own.resets))
    if organisation is not None and organisation.limit and organisation.left < max(minimum, 1e-9):
        return _("Your organisation has used %(used)s of its %(limit)s GPU-hours this month, so a GPU notebook "
                 "cannot start now. GPU time resets on %(date)s.", used=_hours(organisation.used),
                 limit=_hours(organisation.limit), date=_reset_date(organisation.resets))
    return None


def time_is_up(user, course: Course | None) -> bool:
    """Whether the person, or the organisation whose budget they draw on, has no GPU time left."""
    own, organisation = learner_quota(user, course)
    return bool(own.limit and own.left <= 0) or bool(organisation is not None and organisation.limit
                                                     and organisation.left <= 0)


def enforce_gpu_time() -> list[int]:
    """Stop the GPU servers of people whose GPU time (their own or their organisation's) has run out.
    A launch needs some time left; this ends the sessions that run past it. The worker runs it every
    minute. Returns the ids of the people whose servers were stopped; a hub that does not answer is
    tried again at the next run. The hub domain stops the server (it listens for ``gpu_time_exhausted``
    and raises when the hub does not answer)."""
    stopped = []
    running = db.session.scalars(select(GpuUsageSession).where(GpuUsageSession.stopped_at.is_(None),
                                                               GpuUsageSession.gpus > 0)).all()
    for session in running:
        if session.user_id in stopped or not time_is_up(session.user, session.course):
            continue
        try:
            signals.gpu_time_exhausted.send(None, user=session.user)
        except Exception:  # noqa: BLE001 — the hub did not answer: tried again at the next run
            log.warning("GPU time of %s is up, but the hub did not stop the server", session.hub_username)
            continue
        stopped.append(session.user_id)
    return stopped


def set_quota(actor, *, organisation: Organisation | None = None, course: Course | None = None,
              learner_hours: float | None = None, organisation_hours: float | None = None) -> GpuQuota:
    """Set (or clear, with None) the monthly GPU-hours of an organisation or a course."""
    ensure(actor, "manage_gpu_quotas")
    if (organisation is None) == (course is None):
        raise ValueError("a quota is for one organisation or one course")
    if course is not None and organisation_hours is not None:
        raise ValueError("a course quota has learner hours only")
    for value in (learner_hours, organisation_hours):
        if value is not None and value < 0:
            raise ValueError("hours must not be negative")
    condition = (GpuQuota.course_id == course.id) if course is not None else (GpuQuota.organisation_id == organisation.id)
    row = db.session.scalar(select(GpuQuota).where(condition))
    if row is None:
        row = GpuQuota(course_id=course.id if course else None,
                       organisation_id=organisation.id if organisation else None)
        db.session.add(row)
    previous = {"learner_hours": row.learner_hours, "organisation_hours": row.organisation_hours}
    row.learner_hours = learner_hours
    row.organisation_hours = organisation_hours
    db.session.flush()
    signals.gpu_quota_set.send(actor, quota=row, previous=previous)
    db.session.commit()
    return row


# --------------------------------------------------------------------------- the report

GROUPINGS = ("organisation", "course", "person")


@dataclass
class UsageRow:
    key: str
    label: str
    organisation: str
    sessions: int
    gpu_hours: float
    running: int


def usage_report(actor, month: str | None = None, by: str = "organisation") -> tuple[list[UsageRow], tuple]:
    """GPU-hours of the month by organisation, course or person, largest first."""
    ensure(actor, "view_gpu_usage")
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}")
    start, end = month_window(month=month)
    now = utcnow()
    groups: dict = {}
    for session in _sessions_in(start, end):
        if by == "organisation":
            key = session.organisation_id
            label = _organisation_name(session.organisation)
            organisation = session.organisation.code if session.organisation else ""
        elif by == "course":
            key = session.course_id
            label = localized(session.course.title_kk, session.course.title_ru) if session.course else "—"
            organisation = ""
        else:
            key = session.user_id
            label = f"{session.user.full_name} <{session.user.email}>"
            organisation = _organisation_name(session.organisation)
        row = groups.setdefault(key, UsageRow(str(key or ""), label, organisation, 0, 0.0, 0))
        row.sessions += 1
        row.gpu_hours += _gpu_hours([session], start, end, now)
        row.running += session.stopped_at is None
    rows = sorted(groups.values(), key=lambda r: (-r.gpu_hours, r.label))
    return rows, (start, end)


def export_usage(actor, month: str | None = None, by: str = "organisation") -> tuple[list[UsageRow], tuple]:
    """The report for a file (the CSV download, ``lms gpu-usage``): as :func:`usage_report`, and audited,
    since by person it names people."""
    rows, window = usage_report(actor, month, by)
    signals.gpu_usage_exported.send(actor, month=clock.local_date(window[0]).strftime("%Y-%m"), by=by, rows=len(rows))
    db.session.commit()
    return rows, window


def _organisation_name(organisation: Organisation | None) -> str:
    return localized(organisation.name_kk, organisation.name_ru) if organisation is not None else "—"
