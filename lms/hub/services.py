"""Notebooks: launching, following and stopping a person's server (who may use the hub, and their hub
account, are :mod:`lms.hub.access`'s).

Every operation takes the acting person first and checks that they may use notebooks for the
course. The hub is the truth about servers; :class:`~lms.hub.models.NotebookLaunch` remembers what
the LMS asked for, so that a failure can be explained and retried. :class:`HubUnavailable` from
:mod:`lms.hub.client` reaches the caller unchanged: pages show "temporarily unavailable", the API
answers 503, and nothing else in the LMS depends on the hub.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import signals
from ..courses.models import Course
from ..extensions import db
from ..i18n import LANGUAGES, current_language
from ..i18n.latin import to_latin
from ..utils import external_url, utcnow
from .access import (NotebookNotAllowed, _ensure_may_use, account_refusal, course_group,  # noqa: F401 — also the hub API's and views'
                     hub_account, hub_userinfo, may_use_course_notebook, may_use_notebooks, notebook_courses,
                     spawn_refusal, user_id_for_hub_name)
from .client import HubClient, HubError, HubUnavailable, ServerState
from .models import HubAccount, LaunchStatus, NotebookLaunch
from ..profiles import DEFAULT_PROFILE, GROUP_PROPERTY, gpu_count
from ..gpu.notebook import NAME as GPU_CHECK_NAME, landing_notebook
from ..gpu.services import quota_refusal

log = logging.getLogger(__name__)

__all__ = ["HubUnavailable", "NotebookNotAllowed", "NotebookState", "hub_available", "hub_client",
           "launch_notebook", "notebook_status", "stop_notebook", "notebook_courses", "may_use_notebooks",
           "may_use_course_notebook", "hub_account", "hub_userinfo", "latest_launch", "course_group",
           "spawn_refusal", "account_refusal"]

STOP_WAIT_SECONDS = 10.0
PING_CACHE_SECONDS = 5.0
JUST_REQUESTED = timedelta(seconds=15)  # a launch this recent is still being handed to the hub
_ping_cache: dict[str, tuple[float, bool]] = {}
_ping_lock = threading.Lock()


class NotebookNeedsRestart(Exception):
    """The person's server is running without the GPU the course needs (opened for a CPU course).
    Restarting ends its kernels, so it is theirs to confirm; ``description`` says so, translated."""

    def __init__(self):
        super().__init__("the running server lacks the course's GPU")
        self.description = _("Your notebook is running without a GPU, and this course needs one. Restart it with "
                              "a GPU? Your saved files are kept; code that is running and changes not yet saved "
                              "are lost.")


@dataclass
class NotebookState:
    """What a learner (or an API client) is told about their notebook for a course."""

    status: str  # pending, ready, failed, stopped
    progress: int = 0
    url: str | None = None
    message: str = ""  # translated, for people
    profile: str | None = None
    course: str | None = None

    @property
    def is_pending(self) -> bool:
        return self.status == LaunchStatus.pending.value

    @property
    def is_ready(self) -> bool:
        return self.status == LaunchStatus.ready.value

    @property
    def is_failed(self) -> bool:
        return self.status == LaunchStatus.failed.value


# --------------------------------------------------------------------------- the hub


def hub_client() -> HubClient:
    return HubClient.from_settings(current_app.config["OQU_SETTINGS"])


def hub_available(force: bool = False) -> bool:
    """Whether the hub answers, remembered for a few seconds so that pages do not wait on it."""
    client = hub_client()
    now = time.monotonic()
    with _ping_lock:
        cached = _ping_cache.get(client.api_url)
    if cached and not force and now - cached[0] < PING_CACHE_SECONDS:
        return cached[1]
    up = client.ping(timeout=1.5)
    with _ping_lock:
        _ping_cache[client.api_url] = (time.monotonic(), up)
    return up


def remember_down(client: HubClient) -> None:
    """The hub did not answer: :func:`hub_available` says so without asking again for a few seconds."""
    with _ping_lock:
        _ping_cache[client.api_url] = (time.monotonic(), False)


def latest_launch(user, course: Course | None = None) -> NotebookLaunch | None:
    query = select(NotebookLaunch).where(NotebookLaunch.user_id == user.id)
    if course is not None:
        query = query.where(NotebookLaunch.course_id == course.id)
    return db.session.scalar(query.order_by(NotebookLaunch.id.desc()).limit(1))


def _course_url(state: ServerState, course: Course) -> str:
    settings = current_app.config["OQU_SETTINGS"]
    return f"{settings.hub_url}{state.url}lab/tree/{quote(course.slug)}"


def _answer(launch: NotebookLaunch | None, course: Course, url: str | None = None) -> NotebookState:
    if launch is None or launch.status == LaunchStatus.stopped:
        message = (_("Your notebook reached its time limit and the cluster stopped it. Your saved files are kept; "
                     "open it again to go on.") if launch is not None and launch.message == "time_limit"
                   else _("Your notebook is not running."))
        return NotebookState("stopped", 0, None, message, course.notebook_profile, course.slug)
    messages = {
        LaunchStatus.pending: _("Starting your notebook…"),
        LaunchStatus.ready: _("Your notebook is ready."),
        LaunchStatus.failed: _failure_message(launch),
    }
    return NotebookState(launch.status.value, launch.progress, url if launch.status == LaunchStatus.ready else None,
                         messages[launch.status], launch.profile, course.slug)


def _failure_message(launch: NotebookLaunch) -> str:
    if launch.message == "timeout":
        return _("Your notebook took too long to start. Please try again.")
    return _("Your notebook could not be started. Please try again; if it keeps failing, tell your instructor.")


# --------------------------------------------------------------------------- launching


def launch_notebook(actor, course: Course, restart: bool = False) -> NotebookState:
    """Start the person's server with the course's profile, or report the one already running or
    starting (idempotent). A failed or stopped launch is started afresh. A running server with fewer
    GPUs than the course needs is not reused: :class:`NotebookNeedsRestart`, unless ``restart`` says the
    person agreed to stop it first (a GPU server serves a CPU course as it is)."""
    _ensure_may_use(actor, course)
    client = hub_client()
    account = hub_account(actor)
    try:
        state = client.server_state(account.username)
        if state.pending == "stop":
            state = _wait_stopped(client, account.username)
        running_profile = (state.user_options or {}).get("profile") or DEFAULT_PROFILE
        if state.running and gpu_count(course.notebook_profile) > gpu_count(running_profile):
            refusal = quota_refusal(actor, course)  # no GPU time: keep the server that runs
            if refusal:
                raise NotebookNotAllowed(refusal)
            if not restart:
                raise NotebookNeedsRestart()
            stop_notebook(actor)
            state = client.server_state(account.username)
        launch = latest_launch(actor)
        if state.ready:
            launch = _record(actor, course, launch, LaunchStatus.ready)
            return _finish_ready(client, account, launch, state, course, actor, release=True)
        if state.pending == "spawn":
            launch = _record(actor, course, launch, LaunchStatus.pending)
            return _answer(launch, course)
        refusal = quota_refusal(actor, course)  # GPU time left this month (CPU courses always pass)
        if refusal:
            raise NotebookNotAllowed(refusal)
        if not state.exists:
            client.ensure_user(account.username)
        if course.notebook_profile != DEFAULT_PROFILE:  # the hub starts it only for members of a granting group
            client.grant_profile(course_group(course), account.username, GROUP_PROPERTY, course.notebook_profile)
        _one_launch_at_a_time(account)
        launch = latest_launch(actor)
        if _just_requested(launch, course):  # a second click: the first is asking the hub for this server
            db.session.commit()
            return _answer(launch, course)
        launch = NotebookLaunch(user_id=actor.id, course_id=course.id, profile=course.notebook_profile,
                                status=LaunchStatus.pending, progress=10, message="")
        db.session.add(launch)
        db.session.flush()
        signals.notebook_launched.send(actor, launch=launch, course=course)
        db.session.commit()  # before the hub is asked: its spawn hook reports the start to the LMS
        try:
            result, message = client.start_server(account.username, {"profile": course.notebook_profile,
                                                                   "course": course.slug,
                                                                   "lab": _lab_options(actor, course)})
        except HubUnavailable:
            _fail(actor, launch, course, "hub_unavailable")  # so that a retry starts afresh
            raise
        if result == "failed":  # the hub's answer hides the cause; its progress stream tells it
            failed = next((e for e in client.spawn_events(account.username, 0.5) if e.get("failed")), {})
            return _fail(actor, launch, course, str(failed.get("message") or message or "the spawn failed"))
    except HubUnavailable:
        remember_down(client)
        raise
    if result == "ready":
        return _finish_ready(client, account, launch, client.server_state(account.username), course, actor)
    return _answer(launch, course)


def _lab_options(actor, course: Course) -> dict:
    """How the learner's JupyterLab is set up (lms/hub/lab.py): in the learner's LMS language (their
    choice, else this request's), with a menu entry back to the course the learner came from."""
    language = actor.preferred_language if actor.preferred_language in LANGUAGES else current_language()
    with force_locale("ru" if language == "ru" else "kk"):
        label = _("Back to Oqu")
    return {"language": language, "back_url": external_url("courses.course", slug=course.slug),
            "back_label": to_latin(label) if language == "kk-Latn" else label}


def _one_launch_at_a_time(account: HubAccount) -> None:
    """Hold the person's hub-account row until this launch has recorded itself (its commit, before the
    hub is asked to start): a second click at the same moment waits here, then finds that launch
    (:func:`_just_requested`) and records none of its own. Only database work happens while it is held.
    An UPDATE rather than SELECT … FOR UPDATE, so that SQLite, which has no row locks, takes its write
    lock."""
    db.session.execute(update(HubAccount).where(HubAccount.id == account.id).values(username=HubAccount.username))


def _just_requested(launch: NotebookLaunch | None, course: Course) -> bool:
    """Whether ``launch`` is this course's, recorded a moment ago and still waiting for the hub to say
    it is starting (the hub is asked right after the launch is committed)."""
    return (launch is not None and launch.course_id == course.id and launch.status == LaunchStatus.pending
            and utcnow() - launch.requested_at < JUST_REQUESTED)


def _record(actor, course: Course, launch: NotebookLaunch | None, status: LaunchStatus) -> NotebookLaunch:
    """The launch row for a server the hub already runs or is starting: the latest one when it is about
    this course and still current, else a new one."""
    if launch is not None and launch.course_id == course.id and launch.status in (LaunchStatus.pending,
                                                                                  LaunchStatus.ready):
        return launch
    launch = NotebookLaunch(user_id=actor.id, course_id=course.id, profile=course.notebook_profile,
                            status=status, progress=100 if status == LaunchStatus.ready else 10)
    db.session.add(launch)
    db.session.flush()
    signals.notebook_launched.send(actor, launch=launch, course=course)
    db.session.commit()
    return launch


def _finish_ready(client: HubClient, account: HubAccount, launch: NotebookLaunch, state: ServerState,
                  course: Course, actor, release: bool = False) -> NotebookState:
    """Mark the launch ready; the first time make the course folder. The first time, and with ``release``
    on every explicit launch, say so (``notebook_ready``): the assignments domain then releases the
    course's assignments into the server, in the worker, never in this request."""
    if launch.status != LaunchStatus.ready or launch.ready_at is None:
        _prepare_course_folder(client, account.username, course)
        launch.status = LaunchStatus.ready
        launch.progress = 100
        launch.ready_at = launch.ready_at or utcnow()
        launch.message = ""
        db.session.commit()
        _say_ready(actor, launch, course, account.username)
    elif release:
        _say_ready(actor, launch, course, account.username)
    return _answer(launch, course, _course_url(state, course))


def _say_ready(actor, launch: NotebookLaunch, course: Course, username: str) -> None:
    try:
        signals.notebook_ready.send(actor, launch=launch, course=course, username=username)
    except Exception:  # noqa: BLE001 — a listener's failure (the queue down) is logged, never a failed launch
        db.session.rollback()
        log.exception("a listener of notebook_ready failed for %s", course.slug)


def _prepare_course_folder(client: HubClient, username: str, course: Course) -> None:
    """Make sure the course folder exists on the learner's server, through the Jupyter contents API
    (no shared filesystem needed, so it works the same on every spawner)."""
    try:
        with client.learner_server(username) as server:
            server.api("PUT", f"contents/{quote(course.slug)}", json={"type": "directory"})
            if gpu_count(course.notebook_profile):  # says whether the promised GPU is visible
                server.api("PUT", f"contents/{quote(course.slug)}/{GPU_CHECK_NAME}",
                           json={"type": "notebook", "format": "json", "content": landing_notebook()})
    except (HubError, HubUnavailable) as error:
        log.warning("could not create the course folder %s for %s: %s", course.slug, username, error)


def _wait_stopped(client: HubClient, username: str) -> ServerState:
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    state = client.server_state(username)
    while state.pending == "stop" and time.monotonic() < deadline:
        time.sleep(0.2)
        state = client.server_state(username)
    return state


# --------------------------------------------------------------------------- following a launch


def notebook_status(actor, course: Course, wait: float = 0.0) -> NotebookState:
    """Where the person's notebook for the course stands. With ``wait``, follow the hub's progress
    for up to that many seconds while it is starting, so that a caller learns of "ready" at once."""
    _ensure_may_use(actor, course)
    account = hub_account(actor, create=False)
    launch = latest_launch(actor)
    if account is None:
        return _answer(None, course)
    client = hub_client()
    try:
        return _follow(client, actor, account, launch, course, max(0.0, min(wait, 25.0)))
    except HubUnavailable:
        remember_down(client)
        raise


def _follow(client: HubClient, actor, account: HubAccount, launch: NotebookLaunch | None, course: Course,
            wait: float) -> NotebookState:
    settings = current_app.config["OQU_SETTINGS"]
    state = client.server_state(account.username)
    if state.ready:
        launch = _record(actor, course, launch, LaunchStatus.ready)
        return _finish_ready(client, account, launch, state, course, actor)
    if state.pending == "spawn":
        launch = _record(actor, course, launch, LaunchStatus.pending)
        deadline = launch.requested_at + timedelta(seconds=settings.hub_spawn_timeout)
        events = client.spawn_events(account.username, wait) if wait > 0 else client.spawn_events(account.username, 0.2)
        last = events[-1] if events else {}
        if last.get("ready"):
            return _finish_ready(client, account, launch, client.server_state(account.username), course, actor)
        if last.get("failed"):
            return _fail(actor, launch, course, str(last.get("message", "")))
        if utcnow() > deadline:
            client.stop_server(account.username)
            return _fail(actor, launch, course, "timeout")
        hub_progress = max((int(e.get("progress", 0)) for e in events if "progress" in e), default=0)
        progress = min(95, 10 + hub_progress * 85 // 100)
        if progress > launch.progress:
            launch.progress = progress
            db.session.commit()
        return _answer(launch, course)
    if launch is not None and launch.status == LaunchStatus.pending and launch.course_id == course.id:
        # The spawn ended without a server: the hub's progress stream says why.
        events = client.spawn_events(account.username, 0.5)
        failed = next((e for e in reversed(events) if e.get("failed")), None)
        return _fail(actor, launch, course, str(failed.get("message", "")) if failed else "the server stopped while starting")
    if launch is not None and launch.status == LaunchStatus.ready:
        launch.status = LaunchStatus.stopped
        launch.ended_at = utcnow()
        db.session.commit()
    if launch is not None and launch.course_id != course.id:
        launch = None
    return _answer(launch, course)


def _fail(actor, launch: NotebookLaunch, course: Course, reason: str) -> NotebookState:
    launch.status = LaunchStatus.failed
    launch.progress = 100
    launch.message = reason[:500]
    launch.ended_at = utcnow()
    signals.notebook_launch_failed.send(actor, launch=launch, course=course, reason=launch.message)
    db.session.commit()
    return _answer(launch, course)


# --------------------------------------------------------------------------- stopping


def stop_notebook(actor, course: Course | None = None) -> NotebookState:
    """Stop the person's server (whatever course it was opened for) and wait for the hub to finish."""
    if course is not None:
        _ensure_may_use(actor, course)
    launch = stop_server(actor, actor)
    target = course or (launch.course if launch is not None else None)
    if target is None:
        return NotebookState("stopped", 0, None, _("Your notebook is not running."))
    return _answer(None, target)


def stop_server(actor, user, reason: str = "") -> NotebookLaunch | None:
    """Stop ``user``'s server and wait for it; their latest launch, if live, ends with ``reason``
    (lms.hub.ended's reasons, or none when the learner asked)."""
    account = hub_account(user, create=False)
    launch = latest_launch(user)
    if account is not None:
        client = hub_client()
        try:
            stopped = client.stop_server(account.username)
            if not stopped:
                state = _wait_stopped(client, account.username)
                if state.running:
                    raise HubUnavailable("the hub did not stop the server in time")
        except HubUnavailable:
            remember_down(client)
            raise
    if launch is not None and launch.status in (LaunchStatus.pending, LaunchStatus.ready):
        launch.status = LaunchStatus.stopped
        launch.ended_at = utcnow()
        launch.message = reason
        signals.notebook_stopped.send(actor, launch=launch, reason=reason or None)
        db.session.commit()
    return launch
