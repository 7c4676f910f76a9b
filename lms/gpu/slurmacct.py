"""GPU time from the scheduler: the GPU-hours of learners' Slurm jobs checked against Slurm's own record.

The hub's start and stop reports (lms/gpu/services.py) are what GPU time is counted from as a server
runs. A stop report can still be lost — the hub was killed, its spool folder lost, a job outlived a
cancel that failed — and the LMS would then count the session until the next start, or for ever.
Slurm knows better: every ended job has a record with its start and end. Reconciling charges each
GPU session of a Slurm job exactly the job's elapsed time, whatever the hub reported.

Where the records come from (``LMS_GPU_SLURM_ACCOUNTING``):

- ``jobcomp:PATH``: the controller's job-completion file (``JobCompType=jobcomp/filetxt``), one
  ``KEY=VALUE`` line per ended job, in the controller's local time (``LMS_GPU_SLURM_TIMEZONE``);
- ``sacct``: Slurm's accounting database through ``sacct`` (a cluster with ``slurmdbd``), run with
  ``TZ=UTC``.

Each learner's job is named ``oqu:<hub user>:<server name>`` (lms/hub/slurm.py), which ties a record
to the user's session that was started just before the job was submitted. A session reconciled
keeps the record's ``cluster:job id`` (unique), so running this again charges nothing twice; every
change is audited (``gpu_usage_reconciled``) with the times the hub had reported.
"""
from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..utils import utcnow
from .models import GpuUsageSession

log = logging.getLogger(__name__)

JOB_NAME = re.compile(r"^oqu:(?P<user>[^:]+):(?P<server>.*)$")
# The hub's start report is written just before sbatch; the job is submitted within this time after it.
SUBMIT_WINDOW = timedelta(hours=1)
CLOCK_SKEW = timedelta(seconds=30)  # the hub's clock and the controller's may differ a little
LOOKBACK = timedelta(days=40)  # older records are not reconciled again (a month's quota is closed by then)
ENDED_STATES = ("COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY",
                "DEADLINE", "BOOT_FAIL")


class SchedulerRecordError(RuntimeError):
    """The scheduler's record could not be read (missing sacct, unreadable file)."""


@dataclass(frozen=True)
class JobRecord:
    """One ended job, as the scheduler recorded it (times naive UTC)."""

    job_id: str
    cluster: str
    name: str
    state: str
    submit: datetime | None
    start: datetime | None  # None: the job never started (cancelled while pending)
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.cluster or 'unknown'}:{self.job_id}"

    @property
    def charged_start(self) -> datetime:
        """Where its GPU time begins: its start, or its end when it never ran (nothing to charge)."""
        return min(self.start, self.end) if self.start else self.end

    @property
    def elapsed_hours(self) -> float:
        return (self.end - self.charged_start).total_seconds() / 3600

    def owner(self) -> tuple[str, str] | None:
        """``(hub user, server name)`` when this is one of Oqu's learner jobs, else None."""
        match = JOB_NAME.match(self.name)
        return (match["user"], match["server"]) if match else None


def _time(value: str, zone) -> datetime | None:
    """A Slurm time (``2026-12-02T12:55:04`` in ``zone``), or None for ``Unknown``, ``None``, empty."""
    value = (value or "").strip()
    if not value or value in ("Unknown", "None", "N/A", "(null)") or not value[:1].isdigit():
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _state(value: str) -> str:
    return (value or "").split()[0].rstrip("+") if (value or "").strip() else ""  # "CANCELLED by 0" → CANCELLED


# --------------------------------------------------------------------------- jobcomp/filetxt

# The keys of a jobcomp/filetxt line (Slurm 20.11–23.x), in the order it writes them; a value may hold
# spaces (a job name, a folder), so a line is cut only where one of these keys begins.
JOBCOMP_KEYS = ("JobId", "UserId", "GroupId", "Name", "JobState", "Partition", "TimeLimit", "StartTime", "EndTime",
                "NodeList", "NodeCnt", "ProcCnt", "WorkDir", "ReservationName", "Tres", "Account", "QOS", "WcKey",
                "Cluster", "SubmitTime", "EligibleTime", "ArrayJobId", "ArrayTaskId", "HetJobId", "HetJobOffset",
                "DerivedExitCode", "ExitCode")
_JOBCOMP_FIELD = re.compile(r"(?:^|\s)(" + "|".join(JOBCOMP_KEYS) + r")=")


def _jobcomp_fields(line: str) -> dict[str, str]:
    marks = list(_JOBCOMP_FIELD.finditer(line))
    fields = {}
    for index, mark in enumerate(marks):
        stop = marks[index + 1].start() if index + 1 < len(marks) else len(line)
        fields[mark.group(1)] = line[mark.end():stop].strip()
    return fields


def parse_jobcomp(text: str, zone=timezone.utc) -> list[JobRecord]:
    """The ended jobs of a jobcomp/filetxt file; lines that are not a job's record are left out."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = _jobcomp_fields(line)
        end = _time(fields.get("EndTime", ""), zone)
        if not fields.get("JobId", "").strip().isdigit() or end is None:
            log.warning("job-completion line %d is not a job's record: %.120s", number, line)
            continue
        records.append(JobRecord(job_id=fields["JobId"], cluster=fields.get("Cluster", ""),
                                 name=fields.get("Name", ""), state=_state(fields.get("JobState", "")),
                                 submit=_time(fields.get("SubmitTime", ""), zone),
                                 start=_time(fields.get("StartTime", ""), zone), end=end))
    return records


# --------------------------------------------------------------------------- sacct

SACCT_FIELDS = ("JobIDRaw", "Cluster", "State", "Submit", "Start", "End", "JobName")  # the name last: it may hold "|"


def parse_sacct(text: str, zone=timezone.utc) -> list[JobRecord]:
    """``sacct -X -n -P -o JobIDRaw,Cluster,State,Submit,Start,End,JobName`` output: the ended jobs."""
    records = []
    for line in text.splitlines():
        parts = line.split("|", len(SACCT_FIELDS) - 1)
        if len(parts) != len(SACCT_FIELDS):
            continue
        job_id, cluster, state, submit, start, end, name = parts
        end_time, state = _time(end, zone), _state(state)
        if not job_id.isdigit() or end_time is None or state not in ENDED_STATES:
            continue  # a step (123.batch), an array's pattern, a job still running
        records.append(JobRecord(job_id=job_id, cluster=cluster, name=name, state=state,
                                 submit=_time(submit, zone), start=_time(start, zone), end=end_time))
    return records


def run_sacct(now: datetime) -> str:
    since = (now - LOOKBACK).strftime("%Y-%m-%dT%H:%M:%S")
    command = ["sacct", "-X", "-n", "-P", "-a", "-S", since, "-E", "now", "-s", ",".join(ENDED_STATES),
               "-o", ",".join(SACCT_FIELDS)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                                env={**os.environ, "TZ": "UTC"})
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SchedulerRecordError(f"sacct: {error}") from None
    if result.returncode != 0:
        raise SchedulerRecordError(f"sacct: {result.stderr.strip()[:500]}")
    return result.stdout


def scheduler_records(source: str | None = None, now: datetime | None = None) -> list[JobRecord]:
    """The ended jobs the configured source knows (``source`` overrides ``LMS_GPU_SLURM_ACCOUNTING``)."""
    settings = current_app.config["OQU_SETTINGS"]
    source = settings.gpu_slurm_accounting if source is None else source
    now = now or utcnow()
    if source == "sacct":
        return parse_sacct(run_sacct(now))
    if source.startswith("jobcomp:"):
        path = Path(source.removeprefix("jobcomp:"))
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            return []  # no job has ended yet
        except OSError as error:
            raise SchedulerRecordError(f"{path}: {error}") from None
        return parse_jobcomp(text, ZoneInfo(settings.gpu_slurm_timezone))
    raise SchedulerRecordError("no scheduler record configured (LMS_GPU_SLURM_ACCOUNTING)")


# --------------------------------------------------------------------------- reconciling


@dataclass
class Charged:
    session_id: int
    job: str
    hub_username: str
    hours_before: float
    hours_now: float


def _hours(gpus: int, start: datetime, stop: datetime | None, now: datetime) -> float:
    return gpus * max(0.0, ((stop or now) - start).total_seconds()) / 3600


def _session_for(record: JobRecord, username: str, server: str) -> GpuUsageSession | None:
    """The user's session whose start report came just before this job was submitted."""
    submitted = record.submit or record.start or record.end
    return db.session.scalar(
        select(GpuUsageSession).where(GpuUsageSession.hub_username == username,
                                      GpuUsageSession.server_name == server,
                                      GpuUsageSession.scheduler_job.is_(None),
                                      GpuUsageSession.started_at <= submitted + CLOCK_SKEW,
                                      GpuUsageSession.started_at >= submitted - SUBMIT_WINDOW)
        .order_by(GpuUsageSession.started_at.desc(), GpuUsageSession.id.desc()))


def reconcile(records: list[JobRecord], now: datetime | None = None) -> list[Charged]:
    """Charge each GPU session of an ended Slurm job the job's elapsed time; returns what changed.
    Idempotent: a record already applied (its ``cluster:job id`` on a session) is passed over."""
    now = now or utcnow()
    done = set(db.session.scalars(select(GpuUsageSession.scheduler_job)
                                  .where(GpuUsageSession.scheduler_job.is_not(None))))
    charged = []
    for record in sorted(records, key=lambda r: (r.end, r.job_id)):
        owner = record.owner()
        if owner is None or record.key in done or record.end < now - LOOKBACK:
            continue
        session = _session_for(record, *owner)
        if session is None:
            continue
        before = {"started_at": session.started_at.isoformat(), "closed_by": session.closed_by,
                  "stopped_at": session.stopped_at.isoformat() if session.stopped_at else None}
        hours_before = _hours(session.gpus, session.started_at, session.stopped_at, now)
        session.started_at, session.stopped_at = record.charged_start, record.end
        session.closed_by, session.scheduler_job = "slurm", record.key
        done.add(record.key)
        db.session.flush()
        if session.gpus:  # a CPU server's times are corrected too, but charge nothing: no audit entry
            signals.gpu_usage_reconciled.send(None, session=session, job=record.key, state=record.state,
                                              before=before)
        db.session.commit()
        change = Charged(session.id, record.key, session.hub_username, hours_before,
                         _hours(session.gpus, session.started_at, session.stopped_at, now))
        if session.gpus:
            log.info("GPU session %s of %s charged from Slurm job %s (%s): %.3f GPU-hours (was %.3f)",
                     change.session_id, change.hub_username, record.key, record.state, change.hours_now,
                     change.hours_before)
        charged.append(change)
    return charged


def reconcile_slurm(source: str | None = None) -> list[Charged]:
    """Read the configured scheduler record and reconcile with it (the CLI and the worker's task)."""
    return reconcile(scheduler_records(source))
