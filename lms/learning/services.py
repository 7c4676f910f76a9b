"""Learning: cohorts, enrolment and withdrawal, the waitlist, lesson progress and quizzes, a learner's
courses and what instructors see of their cohorts.

Every operation takes the acting user first, checks what the actor may do, changes data, sends a signal
from :mod:`lms.signals` and commits. The rules live in one module per part (:mod:`.cohorts`,
:mod:`.enrolment`, :mod:`.progress`, :mod:`.quizzes`, :mod:`.dashboard`, :mod:`.teaching`); this module
gathers them, so that views, the API, the CLI and other domains call ``learning.services.<name>``.
"""
from __future__ import annotations

from ._rules import (enrolment_for, EnrolmentError, LATE_GRACE, LateSubmission, QuizError, TEXT_ANSWER_MAX,
                     _is)  # noqa: F401
from .cohorts import (course_cohorts, create_cohort, get_cohort, open_cohorts, taught_cohorts)  # noqa: F401
from .enrolment import (assign_course, AssignmentReport, change_due_dates, enrol_learner, enrolment_statuses,
                        enrolments_to_reschedule, prerequisites_met, waitlist_position, withdraw,
                        withdrawal_refusal, _enrol, _promote_from_waitlist, _take_seat, _waitlist_position)  # noqa: F401
from .progress import (active_enrolment, can_preview, complete_lesson, course_progress, CourseProgress,
                       ModuleProgress, record_visit, resume_item, _check_completion, _complete_if_done,
                       _progress_row, _progress_rows)  # noqa: F401
from .quizzes import (answers_visible, attempt_review, AttemptReview, attempts_for, get_own_attempt,
                      public_questions, quiz_settings, review_due_date, start_attempt, submit_attempt,
                      unanswered_questions, _clean_answers, _expire_if_overdue, _normalise_text, _NUMBER,
                      _score_question)  # noqa: F401
from .dashboard import (DashboardCourse, DashboardEnrolment, DashboardEntry, DashboardItem, DashboardModule,
                        DashboardProgress, DashboardQuizResult, learner_courses, _active_items,
                        _DASHBOARD_ENROLMENTS, _DASHBOARD_PROGRESS, _LAST_ITEM, _STRUCTURE_CACHE)  # noqa: F401
from .teaching import (cohort_roster, export_quiz_statistics_csv, export_roster_csv, notebook_courses_for,
                       QuestionStats, quiz_preview, quiz_statistics, RosterRow)  # noqa: F401
