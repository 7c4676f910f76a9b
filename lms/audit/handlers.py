"""The audit log listens to every sensitive signal (see :mod:`lms.signals`).

Each handler adds an event to the session the service is about to commit, so the change and its
audit record are written together or not at all.
"""
from __future__ import annotations

from .. import signals
from .services import record_event


def _user_event(action):
    def handler(actor, user, **extra):
        details = {"email": user.email}
        if "changes" in extra:
            details["changes"] = extra["changes"]
        if "added" in extra:
            details.update(added=extra["added"], removed=extra["removed"])
        if "via" in extra:
            details["via"] = extra["via"]
        record_event(actor, action, user, **details)
    return handler


def _on_sign_in_failed(actor, email, user, reason):
    record_event(None, "sign_in_failed", user, email=email, reason=reason)


def _on_employees_imported(actor, report, filename):
    record_event(actor, "employees_imported", None, filename=filename, created=report.created,
                 updated=report.updated, rejected=len(report.rejected))


def _token_event(action):
    def handler(actor, token):
        record_event(actor, action, token, name=token.name, prefix=token.prefix, owner=token.user_id)
    return handler


def _organisation_event(action):
    def handler(actor, organisation, changes=None):
        details = {"code": organisation.code}
        if changes:
            details["changes"] = changes
        record_event(actor, action, organisation, **details)
    return handler


def _on_course_imported(actor, course, created, changed):
    record_event(actor, "course_imported", course, slug=course.slug, created=created,
                 content_hash=course.content_hash)


def _on_cohort_created(actor, cohort):
    record_event(actor, "cohort_created", cohort, course=cohort.course_id, name=cohort.name,
                 capacity=cohort.capacity)


def _on_enrolment_created(actor, enrolment, via):
    if via == "assignment":  # self-enrolment is the learner's own business; HR's is audited
        record_event(actor, "enrolment_assigned", enrolment, learner=enrolment.user_id, course=enrolment.course_id,
                     status=enrolment.status.value, mandatory=enrolment.mandatory,
                     due_on=enrolment.due_on.isoformat() if enrolment.due_on else None)


def _on_due_date_changed(actor, enrolment, before):
    record_event(actor, "enrolment_due_date_changed", enrolment, learner=enrolment.user_id,
                 course=enrolment.course_id, before=before.isoformat() if before else None,
                 after=enrolment.due_on.isoformat())


def _on_made_mandatory(actor, enrolment):
    record_event(actor, "enrolment_made_mandatory", enrolment, learner=enrolment.user_id, course=enrolment.course_id)


def _on_audit_log_exported(actor, filters, rows):
    record_event(actor, "audit_log_exported", None, filters=filters, rows=rows)


def _on_enrolment_withdrawn(actor, enrolment):
    if getattr(actor, "id", None) != enrolment.user_id:
        record_event(actor, "enrolment_withdrawn", enrolment, learner=enrolment.user_id, course=enrolment.course_id)


_USER_ACTIONS = {
    signals.user_signed_in: "sign_in",
    signals.user_signed_out: "sign_out",
    signals.user_created: "user_created",
    signals.user_updated: "user_updated",
    signals.user_deactivated: "user_deactivated",
    signals.user_reactivated: "user_reactivated",
    signals.roles_changed: "roles_changed",
    signals.invitation_issued: "invitation_issued",
    signals.password_set: "password_set",
    signals.password_reset_requested: "password_reset_requested",
    signals.sessions_ended: "sessions_ended",
}

_handlers = []  # blinker keeps weak references: hold the closures here


def connect() -> None:
    """Connect every handler once per process (apps created later share them)."""
    if _handlers:
        return
    for signal, action in _USER_ACTIONS.items():
        handler = _user_event(action)
        _handlers.append(handler)
        signal.connect(handler)
    for signal, handler in (
        (signals.sign_in_failed, _on_sign_in_failed),
        (signals.employees_imported, _on_employees_imported),
        (signals.api_token_created, _token_event("api_token_created")),
        (signals.api_token_revoked, _token_event("api_token_revoked")),
        (signals.organisation_created, _organisation_event("organisation_created")),
        (signals.organisation_updated, _organisation_event("organisation_updated")),
        (signals.course_imported, _on_course_imported),
        (signals.cohort_created, _on_cohort_created),
        (signals.enrolment_created, _on_enrolment_created),
        (signals.enrolment_withdrawn, _on_enrolment_withdrawn),
        (signals.enrolment_due_date_changed, _on_due_date_changed),
        (signals.enrolment_made_mandatory, _on_made_mandatory),
        (signals.audit_log_exported, _on_audit_log_exported),
    ):
        _handlers.append(handler)
        signal.connect(handler)
    _connect_hub()
    _connect_certificates()
    _connect_grading()
    _connect_instructor_grading()
    _connect_course_packages()
    _connect_maintenance()
    _connect_gpu()


# hub (notebooks)

def _on_hub_signed_in(actor, user, client_id):
    record_event(actor, "hub_sign_in", user, client_id=client_id)


def _launch_event(action):
    def handler(actor, launch, course=None, reason=None):
        details = {"course_id": launch.course_id, "profile": launch.profile}
        if course is not None:
            details["course"] = course.slug
        if reason is not None:
            details["reason"] = reason
        record_event(actor, action, launch, **details)
    return handler


def _connect_hub() -> None:
    for signal, handler in (
        (signals.hub_signed_in, _on_hub_signed_in),
        (signals.notebook_launched, _launch_event("notebook_launched")),
        (signals.notebook_launch_failed, _launch_event("notebook_launch_failed")),
        (signals.notebook_stopped, _launch_event("notebook_stopped")),
    ):
        _handlers.append(handler)
        signal.connect(handler)


# certificates

def _on_certificate_issued(actor, certificate):
    record_event(actor, "certificate_issued", certificate, number=certificate.number, holder=certificate.user_id,
                 course=certificate.course_id, renewal=certificate.renewal,
                 valid_until=certificate.valid_until.isoformat() if certificate.valid_until else None)


def _on_certificate_revoked(actor, certificate, reason):
    record_event(actor, "certificate_revoked", certificate, number=certificate.number,
                 holder=certificate.user_id, reason=reason)


def _on_certificates_exported(actor, format, filters, rows):
    record_event(actor, "certificates_exported", None, format=format, filters=filters, rows=rows)


def _on_hr_report_exported(actor, report, unit, rows):
    record_event(actor, "hr_report_exported", None, report=report, unit=unit, rows=rows)


def _connect_certificates() -> None:
    for signal, handler in (
        (signals.certificate_issued, _on_certificate_issued),
        (signals.certificate_revoked, _on_certificate_revoked),
        (signals.certificates_exported, _on_certificates_exported),
        (signals.hr_report_exported, _on_hr_report_exported),
    ):
        _handlers.append(handler)
        signal.connect(handler)


# grading

def _submission_event(action):
    def handler(actor, submission):
        record_event(actor, action, submission, course_id=submission.course_id, assignment=submission.assignment,
                     attempt=submission.attempt, status=submission.status.value, total=submission.total,
                     content_hash=submission.content_hash)
    return handler


def _connect_grading() -> None:
    for signal, handler in (
        (signals.submission_created, _submission_event("submission_created")),
        (signals.submission_graded, _submission_event("submission_graded")),
    ):
        _handlers.append(handler)
        signal.connect(handler)


# maintenance

def _on_backup_created(actor, path, database, counts):
    record_event(actor, "backup_created", None, path=str(path), database=database, counts=counts)


def _on_backup_restored(actor, path, manifest):
    record_event(actor, "backup_restored", None, path=str(path), created_at=manifest.get("created_at"),
                 revision=manifest.get("revision"), counts=manifest.get("counts"))


def _connect_maintenance() -> None:
    for signal, handler in ((signals.backup_created, _on_backup_created),
                            (signals.backup_restored, _on_backup_restored)):
        _handlers.append(handler)
        signal.connect(handler)


# grading by instructors

def _on_manual_grade_recorded(actor, score, old):
    record_event(actor, "manual_grade_recorded", score.submission, cell=f"{score.notebook}/{score.cell}",
                 old=old, new=score.score, max_score=score.max_score, learner=score.submission.user_id)


def _on_score_overridden(actor, score, old, reason):
    record_event(actor, "score_overridden", score.submission, cell=f"{score.notebook}/{score.cell}", old=old,
                 new=score.score, max_score=score.max_score, reason=reason, learner=score.submission.user_id,
                 total=score.submission.total)


def _on_submission_flag_cleared(actor, submission, reason):
    record_event(actor, "submission_flag_cleared", submission, reason=reason, flags=submission.flags,
                 learner=submission.user_id, total=submission.total)


def _on_assignment_published(actor, version, learners=None):
    record_event(actor, "assignment_published", version, course_id=version.course_id,
                 assignment=version.assignment, version=version.version, content_hash=version.content_hash,
                 learners=learners)


def _on_assignment_imported(actor, course, assignment, folder, digest, outcome):
    record_event(actor, "assignment_imported", course, assignment=assignment, folder=folder, content_hash=digest,
                 outcome=outcome)


def _on_authoring_notebook_opened(actor, course, assignment, status):
    record_event(actor, "authoring_notebook_opened", course, assignment=assignment, status=status)


def _on_gradebook_exported(actor, course, rows):
    record_event(actor, "gradebook_exported", course, slug=course.slug, rows=rows)


def _on_roster_exported(actor, cohort, rows):
    record_event(actor, "roster_exported", cohort, course=cohort.course.slug, rows=rows)


def _on_quiz_statistics_exported(actor, item, rows):
    record_event(actor, "quiz_statistics_exported", item.course, quiz=item.key, rows=rows)


def _on_instructor_added(actor, course, instructor):
    record_event(actor, "instructor_added", instructor, course=course.slug, email=instructor.email)


def _on_course_version_stored(actor, version):
    record_event(actor, "course_version_stored", version.course, slug=version.course.slug, number=version.number,
                 origin=version.origin, content_hash=version.content_hash)


def _on_course_rolled_back(actor, version, restored):
    record_event(actor, "course_rolled_back", version.course, slug=version.course.slug, number=version.number,
                 restored=restored)


def _on_assignment_source_stored(actor, source, course):
    record_event(actor, "assignment_source_stored", source, course=course.slug, assignment=source.assignment,
                 number=source.number, origin=source.origin, content_hash=source.content_hash)


def _on_course_versions_listed(actor, course):
    record_event(actor, "course_versions_listed", course, slug=course.slug)


def _on_assignment_source_api(actor, course, assignment, action, details=None):
    record_event(actor, "assignment_source_api", course, course=course.slug, assignment=assignment, operation=action,
                 **(details or {}))


def _connect_instructor_grading() -> None:
    for signal, handler in ((signals.manual_grade_recorded, _on_manual_grade_recorded),
                            (signals.score_overridden, _on_score_overridden),
                            (signals.submission_flag_cleared, _on_submission_flag_cleared),
                            (signals.assignment_published, _on_assignment_published),
                            (signals.assignment_imported, _on_assignment_imported),
                            (signals.authoring_notebook_opened, _on_authoring_notebook_opened),
                            (signals.gradebook_exported, _on_gradebook_exported),
                            (signals.roster_exported, _on_roster_exported),
                            (signals.quiz_statistics_exported, _on_quiz_statistics_exported),
                            (signals.instructor_added, _on_instructor_added),
                            (signals.course_version_stored, _on_course_version_stored),
                            (signals.course_rolled_back, _on_course_rolled_back),
                            (signals.assignment_source_stored, _on_assignment_source_stored),
                            (signals.course_versions_listed, _on_course_versions_listed),
                            (signals.assignment_source_api, _on_assignment_source_api)):
        _handlers.append(handler)
        signal.connect(handler)


# GPU time

def _on_gpu_quota_set(actor, quota, previous):
    record_event(actor, "gpu_quota_set", quota,
                 organisation=quota.organisation.code if quota.organisation else None,
                 course=quota.course.slug if quota.course else None, learner_hours=quota.learner_hours,
                 organisation_hours=quota.organisation_hours, previous=previous)


def _on_gpu_usage_exported(actor, month, by, rows):
    record_event(actor, "gpu_usage_exported", None, month=month, by=by, rows=rows)


def _on_gpu_usage_reconciled(actor, session, job, state, before):
    record_event(actor, "gpu_usage_reconciled", session, job=job, state=state, hub_username=session.hub_username,
                 before=before, started_at=session.started_at.isoformat(),
                 stopped_at=session.stopped_at.isoformat() if session.stopped_at else None)


def _connect_gpu() -> None:
    for signal, handler in ((signals.gpu_quota_set, _on_gpu_quota_set),
                            (signals.gpu_usage_reconciled, _on_gpu_usage_reconciled),
                            (signals.gpu_usage_exported, _on_gpu_usage_exported)):
        _handlers.append(handler)
        signal.connect(handler)


def _on_course_package_checked(actor, filename, courses, problems, via):
    record_event(actor, "course_package_checked", None, filename=filename, courses=courses, problems=problems, via=via)


def _on_course_package_refused(actor, filename, reason, path, via):
    record_event(actor, "course_package_refused", None, filename=filename, reason=reason, path=path, via=via)


def _connect_course_packages() -> None:
    for signal, handler in ((signals.course_package_checked, _on_course_package_checked),
                            (signals.course_package_refused, _on_course_package_refused)):
        _handlers.append(handler)
        signal.connect(handler)
