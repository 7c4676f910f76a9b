"""Every signal Oqu's domains send, in one place.

Domains never import each other's internals: a service sends one of these after it has changed
data, and other domains (audit first of all) listen. Each signal's sender is the acting user
(``None`` for the system); keyword arguments are listed with each signal.
"""
from blinker import Namespace

_signals = Namespace()

# accounts
user_signed_in = _signals.signal("user-signed-in", doc="user: the person who signed in.")
user_signed_out = _signals.signal("user-signed-out", doc="user: the person who signed out.")
sign_in_failed = _signals.signal("sign-in-failed", doc="email: address tried; user: the account or None; "
                                 "reason: `password`, `inactive` or `unknown`.")
user_created = _signals.signal("user-created", doc="user: the new account.")
user_updated = _signals.signal("user-updated", doc="user: the account; changes: {field: [old, new]}.")
user_deactivated = _signals.signal("user-deactivated", doc="user: the account deactivated.")
user_reactivated = _signals.signal("user-reactivated", doc="user: the account reactivated.")
roles_changed = _signals.signal("roles-changed", doc="user: the account; added/removed: lists of role labels.")
invitation_issued = _signals.signal("invitation-issued", doc="user: the invited account.")
password_set = _signals.signal("password-set", doc="user: the account; via: `invitation`, `reset` or `change`.")
sessions_ended = _signals.signal("sessions-ended", doc="user: the person an administrator signed out everywhere.")
password_reset_requested = _signals.signal("password-reset-requested", doc="user: the account.")
employees_imported = _signals.signal("employees-imported", doc="report: the ImportReport; filename: source name.")
api_token_created = _signals.signal("api-token-created", doc="token: the new ApiToken.")
api_token_revoked = _signals.signal("api-token-revoked", doc="token: the revoked ApiToken.")

# organisations
organisation_created = _signals.signal("organisation-created", doc="organisation: the new unit.")
organisation_updated = _signals.signal("organisation-updated", doc="organisation: the unit; changes: dict.")

# courses
course_imported = _signals.signal("course-imported", doc="course: the Course; created: bool; "
                                   "changed: whether its files differed from the last import.")
course_version_stored = _signals.signal("course-version-stored", doc="version: the new CourseVersion (its course, "
                                       "number, origin and diff).")
course_rolled_back = _signals.signal("course-rolled-back", doc="version: the new CourseVersion whose content is "
                                     "version `restored` (a number) of the same course.")
assignment_source_stored = _signals.signal("assignment-source-stored", doc="source: the new SourceVersion of an "
                                           "assignment's source; course: its Course.")
course_versions_listed = _signals.signal("course-versions-listed", doc="course: the Course whose versions were "
                                         "read through the API.")
assignment_source_api = _signals.signal("assignment-source-api", doc="course: the Course; assignment: its key; "
                                        "action: `upload` or `publish`; details: dict (number, ok, refused).")

# learning
cohort_created = _signals.signal("cohort-created", doc="cohort: the new Cohort.")
enrolment_created = _signals.signal("enrolment-created", doc="enrolment: the Enrolment (status `enrolled` or "
                                    "`waitlisted`); via: `self` or `assignment`.")
enrolment_withdrawn = _signals.signal("enrolment-withdrawn", doc="enrolment: the withdrawn Enrolment.")
enrolment_due_date_changed = _signals.signal("enrolment-due-date-changed", doc="enrolment: the Enrolment with its "
                                             "new `due_on`; before: the due date it had (its own or its cohort's).")
enrolment_made_mandatory = _signals.signal("enrolment-made-mandatory", doc="enrolment: an existing Enrolment that "
                                           "HR assigned again as mandatory.")
waitlist_promoted = _signals.signal("waitlist-promoted", doc="enrolment: the Enrolment that got a freed seat.")
lesson_completed = _signals.signal("lesson-completed", doc="enrolment: the Enrolment; item: the lesson Item.")
quiz_submitted = _signals.signal("quiz-submitted", doc="attempt: the scored QuizAttempt (counted once).")
course_completed = _signals.signal("course-completed", doc="enrolment: the Enrolment whose every required "
                                   "item is complete. Certification listens here.")

# certificates
certificate_issued = _signals.signal("certificate-issued", doc="certificate: the new Certificate (sender None "
                                     "when issued by the rule as progress changed).")
certificate_revoked = _signals.signal("certificate-revoked", doc="certificate: the revoked Certificate; "
                                      "reason: the administrator's reason.")
certificates_exported = _signals.signal("certificates-exported", doc="format: `csv` or `xlsx`; filters: dict; "
                                        "rows: number of rows written.")
hr_report_exported = _signals.signal("hr-report-exported", doc="report: which HR dashboard list (e.g. "
                                     "`no_training`); unit: the organisation id looked at or None; rows: number written.")

# hub (notebooks)
hub_signed_in = _signals.signal("hub-signed-in", doc="user: the person the hub signed in through the LMS; "
                                "client_id: the OAuth client (the hub).")
notebook_launched = _signals.signal("notebook-launched", doc="launch: the new NotebookLaunch; course: its Course.")
notebook_ready = _signals.signal("notebook-ready", doc="launch: the NotebookLaunch whose server is ready (its "
                                 "course folder made); course: its Course; username: the person's hub account. Sent the "
                                 "first time, and again on each explicit launch: assignments are released on it (worker).")
notebook_launch_failed = _signals.signal("notebook-launch-failed", doc="launch: the NotebookLaunch; course: its "
                                         "Course; reason: the hub's message or `timeout`.")
notebook_stopped = _signals.signal("notebook-stopped", doc="launch: the NotebookLaunch whose server was stopped; "
                                  "reason: why the system stopped it (`gpu_time_up`, `account_deactivated`), None when the "
                                  "person did.")

# grading
submission_created = _signals.signal("submission-created", doc="submission: the new, queued Submission.")
submission_graded = _signals.signal("submission-graded", doc="submission: the Submission whose grading finished "
                                    "(status `graded`, `flagged` or `failed`). Progress and certification listen.")
# grading by instructors (lms/grading/instructor/manual.py, teaching.py, versions.py, gradebook.py)
manual_grade_recorded = _signals.signal("manual-grade-recorded", doc="score: the SubmissionScore an instructor "
                                        "graded by hand; old: its score before.")
score_overridden = _signals.signal("score-overridden", doc="score: the SubmissionScore whose automatic score an "
                                   "instructor replaced; old: the score before; reason: why.")
submission_flag_cleared = _signals.signal("submission-flag-cleared", doc="submission: the flagged Submission an "
                                          "instructor reviewed and let count; reason: why.")
assignment_published = _signals.signal("assignment-published", doc="version: the new AssignmentVersion; learners: how many active learners receive it.")
assignment_imported = _signals.signal("assignment-imported", doc="course, assignment: imported from the instructor's "
                                     "authoring notebook; folder: where on it; digest: content hash (None when refused); "
                                     "outcome: valid, invalid (the validation failed), not_marked or refused (nothing "
                                     "stored).")
authoring_notebook_opened = _signals.signal("authoring-notebook-opened", doc="course, assignment: the instructor "
                                            "opened their authoring notebook for it; status: ready, pending or failed.")
audit_log_exported = _signals.signal("audit-log-exported", doc="filters: dict of the filters set; rows: events "
                                     "written.")
roster_exported = _signals.signal("roster-exported", doc="cohort: the Cohort whose roster was downloaded; rows: "
                                  "learners written.")
quiz_statistics_exported = _signals.signal("quiz-statistics-exported", doc="item: the quiz Item; rows: questions "
                                           "written.")
gradebook_exported = _signals.signal("gradebook-exported", doc="course: the Course; rows: learners written.")
instructor_added = _signals.signal("instructor-added", doc="course: the Course; instructor: the User who now "
                                   "teaches it.")

# GPU time (lms/gpu/services.py)
gpu_time_exhausted = _signals.signal("gpu-time-exhausted", doc="user: the person whose GPU time (their own or "
                                     "their organisation's) ran out while a GPU server runs; the hub stops it (a listener "
                                     "raises when the hub does not answer, so that the next run tries again).")
gpu_quota_set = _signals.signal("gpu-quota-set", doc="quota: the GpuQuota of an organisation or a course, as set; "
                                "previous: its learner and organisation hours before (None: no limit).")
gpu_usage_reconciled = _signals.signal("gpu-usage-reconciled", doc="session: a GpuUsageSession whose times are now "
                                       "those of the scheduler's record (lms/gpu/slurmacct.py); job: `cluster:job id`; "
                                       "state: the job's end state; before: the hub-reported started_at, stopped_at, "
                                       "closed_by.")
gpu_usage_exported = _signals.signal("gpu-usage-exported", doc="month: `YYYY-MM`; by: `organisation`, `course` or "
                                     "`person`; rows: number of rows written.")

# maintenance
backup_created = _signals.signal("backup-created", doc="path: the archive written; database: `sqlite` or "
                                 "`postgresql`; counts: rows of the main tables.")
backup_restored = _signals.signal("backup-restored", doc="path: the archive restored; manifest: its manifest.")

# course packages uploaded in the browser or through the API (lms/courses/uploads.py)
course_package_checked = _signals.signal("course-package-checked", doc="filename: the upload's name; courses: "
                                         "their slugs; problems: how many the dry run found; via: `web` or `api`.")
course_package_refused = _signals.signal("course-package-refused", doc="filename: the upload's name; reason: a "
                                         "stable code (`path_outside`, `symlink`, `zip_bomb`, `not_teaching`…); "
                                         "path: the file or course concerned; via: `web` or `api`.")
