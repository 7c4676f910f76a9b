"""GPU time from the scheduler's record: parsing Slurm's job-completion lines and sacct output (recorded on
this machine's Slurm 22.05, plus the edge cases real files hold), and reconciling the LMS's sessions with
them — a session whose stop report was lost is charged the job's elapsed time, once, and audited."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.gpu.services import learner_quota
from lms.gpu.slurmacct import JobRecord, parse_jobcomp, parse_sacct, reconcile

from .. import factories
from .conftest import NOW, used

# Recorded from the local cluster (lms/hub/localslurm.py): a job that ran 2 s, one cancelled while pending
# (started and ended at once, on no node), a name with a space in it.
JOBCOMP = """\
JobId=3 UserId=root(0) GroupId=root(0) Name=wrap JobState=CANCELLED Partition=gpu TimeLimit=UNLIMITED StartTime=2026-12-02T12:55:05 EndTime=2026-12-02T12:55:05 NodeList=(null) NodeCnt=0 ProcCnt=0 WorkDir=/work/wt/slurmacct ReservationName= Tres=cpu=1,mem=64G,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-02T12:55:01 EligibleTime=2026-12-02T12:55:01 DerivedExitCode=0:0 ExitCode=0:0 
JobId=1 UserId=root(0) GroupId=root(0) Name=oqu:alice b: JobState=COMPLETED Partition=gpu TimeLimit=UNLIMITED StartTime=2026-12-02T12:55:04 EndTime=2026-12-02T12:55:06 NodeList=localhost NodeCnt=1 ProcCnt=1 WorkDir=/tmp ReservationName= Tres=cpu=1,mem=64G,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-02T12:55:01 EligibleTime=2026-12-02T12:55:01 DerivedExitCode=0:0 ExitCode=0:0 

a line cut short by a full disk: JobId=
JobId=7 UserId=root(0) GroupId=root(0) Name=oqu:u0a1b2c3d4e5f: JobState=TIMEOUT Partition=gpu TimeLimit=240 StartTime=2026-11-15T06:00:10 EndTime=2026-11-15T10:00:12 NodeList=gpu07 NodeCnt=1 ProcCnt=4 WorkDir=/home/oqu/u0a1b2c3d4e5f ReservationName= Tres=cpu=4,mem=16G,node=1,billing=4,gres/gpu=1 Account=oqu QOS=normal WcKey= Cluster=napai SubmitTime=2026-11-15T06:00:05 EligibleTime=2026-11-15T06:00:05 DerivedExitCode=0:0 ExitCode=0:1 
"""

# sacct -X -n -P -o JobIDRaw,Cluster,State,Submit,Start,End,JobName (TZ=UTC): a running job (End Unknown), a
# job cancelled by its owner, one cancelled before it started (Start None), a name holding "|".
SACCT = """\
41|napai|COMPLETED|2026-11-15T08:00:00|2026-11-15T08:00:03|2026-11-15T09:30:03|oqu:u000001:
42|napai|RUNNING|2026-11-15T11:00:00|2026-11-15T11:00:02|Unknown|oqu:u000002:
43|napai|CANCELLED by 0|2026-11-15T07:00:00|2026-11-15T07:00:01|2026-11-15T07:45:01|oqu:u000003:
44|napai|CANCELLED by 1000|2026-11-15T07:10:00|None|2026-11-15T07:20:00|oqu:u000004:
45|napai|COMPLETED|2026-11-15T07:10:00|2026-11-15T07:10:01|2026-11-15T07:20:01|a|b|c
46.batch|napai|COMPLETED|2026-11-15T07:10:00|2026-11-15T07:10:01|2026-11-15T07:20:01|batch
"""


def test_jobcomp_lines_parse_with_spaces_in_values_and_bad_lines_left_out():
    records = parse_jobcomp(JOBCOMP)
    assert [r.job_id for r in records] == ["3", "1", "7"]
    pending, spaced, timed_out = records
    assert pending.state == "CANCELLED" and pending.elapsed_hours == 0
    assert spaced.name == "oqu:alice b:" and spaced.owner() == ("alice b", "")
    assert spaced.start == datetime(2026, 12, 2, 12, 55, 4) and spaced.end == datetime(2026, 12, 2, 12, 55, 6)
    assert spaced.submit == datetime(2026, 12, 2, 12, 55, 1)
    assert timed_out.key == "napai:7" and timed_out.state == "TIMEOUT"
    assert timed_out.owner() == ("u0a1b2c3d4e5f", "")
    assert round(timed_out.elapsed_hours, 4) == round(4 + 2 / 3600, 4)
    assert pending.owner() is None  # not one of Oqu's jobs


def test_jobcomp_times_are_the_controllers_local_times():
    almaty = parse_jobcomp(JOBCOMP, ZoneInfo("Asia/Almaty"))  # UTC+5
    assert almaty[2].start == datetime(2026, 11, 15, 1, 0, 10)


def test_sacct_output_keeps_ended_jobs_only():
    records = {r.job_id: r for r in parse_sacct(SACCT)}
    assert sorted(records) == ["41", "43", "44", "45"]  # not the running job, not the step
    assert records["41"].elapsed_hours == 1.5 and records["41"].key == "napai:41"
    assert records["43"].state == "CANCELLED" and records["43"].elapsed_hours == 0.75
    assert records["44"].start is None and records["44"].elapsed_hours == 0  # never ran: nothing to charge
    assert records["45"].name == "a|b|c" and records["45"].owner() is None


def job(user, job_id: str, start: datetime, hours: float, *, submit: datetime | None = None,
        cluster: str = "napai", state: str = "COMPLETED") -> JobRecord:
    return JobRecord(job_id=job_id, cluster=cluster, name=f"oqu:u{user.id:06x}:", state=state,
                     submit=submit or start - timedelta(seconds=3), start=start, end=start + timedelta(hours=hours))


def audit_entries():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "gpu_usage_reconciled")).all()


def test_a_lost_stop_report_is_charged_the_jobs_elapsed_time_once(app, gpu_course):
    learner = factories.user("learner")
    # The hub reported the start, 6 hours ago; the stop never arrived, so the LMS counts it until now.
    session = used(learner, 6, course=gpu_course, running=True)
    assert round(learner_quota(learner, gpu_course, NOW)[0].used, 2) == 6.0
    record = job(learner, "7", session.started_at + timedelta(seconds=5), 1.25)

    charged = reconcile([record], now=NOW)
    assert [(c.job, round(c.hours_before, 2), round(c.hours_now, 2)) for c in charged] == [("napai:7", 6.0, 1.25)]
    db.session.expire_all()
    assert session.stopped_at == record.end and session.started_at == record.start and session.closed_by == "slurm"
    assert round(learner_quota(learner, gpu_course, NOW)[0].used, 2) == 1.25

    assert reconcile([record], now=NOW) == []  # twice: charged once
    [entry] = audit_entries()
    assert entry.object_id == str(session.id) and entry.details["job"] == "napai:7"
    assert entry.details["before"]["stopped_at"] is None and entry.details["state"] == "COMPLETED"


def test_a_job_that_outlived_the_hubs_stop_is_charged_to_its_end(app, gpu_course):
    learner = factories.user("learner")
    session = used(learner, 1, course=gpu_course, started=NOW - timedelta(hours=5))  # the hub said: 1 hour
    reconcile([job(learner, "9", session.started_at, 3)], now=NOW)  # the scheduler: it ran 3
    assert round(learner_quota(learner, gpu_course, NOW)[0].used, 2) == 3.0


def test_each_job_charges_its_own_session_and_others_are_left_alone(app, gpu_course):
    learner, other = factories.user("learner"), factories.user("learner")
    first = used(learner, 1, course=gpu_course, started=NOW - timedelta(hours=8))
    second = used(learner, 1, course=gpu_course, started=NOW - timedelta(hours=4))
    untouched = used(other, 2, course=gpu_course, started=NOW - timedelta(hours=4))
    records = [job(learner, "20", second.started_at + timedelta(seconds=2), 0.5),
               job(learner, "10", first.started_at + timedelta(seconds=2), 2),
               job(learner, "10", first.started_at, 9, cluster="other"),  # another cluster's job 10: no session
               job(learner, "30", NOW - timedelta(hours=20), 1)]  # submitted long before any start report
    assert sorted(c.job for c in reconcile(records, now=NOW)) == ["napai:10", "napai:20"]
    db.session.expire_all()
    assert (first.stopped_at - first.started_at) == timedelta(hours=2)
    assert (second.stopped_at - second.started_at) == timedelta(minutes=30)
    assert untouched.closed_by == "hub" and untouched.scheduler_job is None
    assert len(audit_entries()) == 2


def test_a_job_cancelled_before_it_started_charges_nothing(app, gpu_course):
    learner = factories.user("learner")
    session = used(learner, 2, course=gpu_course, running=True)
    never = JobRecord("44", "napai", f"oqu:u{learner.id:06x}:", "CANCELLED", session.started_at, None,
                      session.started_at + timedelta(minutes=10))
    reconcile([never], now=NOW)
    assert learner_quota(learner, gpu_course, NOW)[0].used == 0


def test_the_command_reads_the_configured_file_and_says_what_it_charged(app, gpu_course, tmp_path):
    learner = factories.user("learner")
    session = used(learner, 3, course=gpu_course, running=True)
    start = session.started_at + timedelta(seconds=4)
    line = (f"JobId=12 UserId=root(0) GroupId=root(0) Name=oqu:u{learner.id:06x}: JobState=COMPLETED Partition=gpu "
            f"TimeLimit=240 StartTime={start:%Y-%m-%dT%H:%M:%S} EndTime={start + timedelta(hours=2):%Y-%m-%dT%H:%M:%S} "
            f"NodeList=localhost NodeCnt=1 ProcCnt=4 WorkDir=/x ReservationName= Tres=cpu=4 Account= QOS= WcKey= "
            f"Cluster=oqu1 SubmitTime={session.started_at:%Y-%m-%dT%H:%M:%S} EligibleTime=x DerivedExitCode=0:0 "
            f"ExitCode=0:0\n")
    (tmp_path / "jobcomp.txt").write_text(line)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "gpu-reconcile-slurm", "--source", f"jobcomp:{tmp_path / 'jobcomp.txt'}"])
    assert result.exit_code == 0, result.output
    assert f"u{learner.id:06x}: job oqu1:12" in result.output and "-> 2.000 GPU-hours" in result.output
    again = runner.invoke(args=["lms", "gpu-reconcile-slurm", "--source", f"jobcomp:{tmp_path / 'jobcomp.txt'}"])
    assert again.exit_code == 0 and "0 session(s)" in again.output
    assert len(audit_entries()) == 1


def test_the_command_without_a_source_fails_on_stderr(app):
    result = app.test_cli_runner().invoke(args=["lms", "gpu-reconcile-slurm"])
    assert result.exit_code != 0 and "LMS_GPU_SLURM_ACCOUNTING" in result.output


def test_a_bad_setting_is_refused_at_start_up(tmp_path):
    from lms import create_app
    from lms.settings import SettingsError

    with pytest.raises(SettingsError, match="LMS_GPU_SLURM_ACCOUNTING"):
        create_app({"env": "testing", "instance_path": str(tmp_path), "secret_key": "t" * 40,
                    "gpu_slurm_accounting": "slurm-please"})
