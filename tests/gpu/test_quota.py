"""Monthly GPU quotas: per learner and per organisation, with course and organisation overrides."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_babel import format_decimal, gettext

from lms import clock
from lms.gpu import services
from lms.gpu.services import quota_refusal, set_quota
from lms.i18n import written_date
from lms.security import SYSTEM, PermissionDenied

from .. import factories
from ..conftest import audit_events, page_text, signed_in_client, translated
from .conftest import NOW, enrol, used

LEARNER_MESSAGE = ("You have used %(used)s of your %(limit)s GPU-hours this month, so a GPU notebook cannot start "
                   "now. Your GPU time resets on %(date)s.")
ORGANISATION_MESSAGE = ("Your organisation has used %(used)s of its %(limit)s GPU-hours this month, so a GPU notebook "
                        "cannot start now. GPU time resets on %(date)s.")


def in_language(app, language: str):
    return app.test_request_context("/", headers={"Cookie": f"oqu_lang={language}"})


def next_month_start_local(app) -> datetime:
    _start, end = services.month_window()
    return clock.local_date(end)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_learner_with_a_tenth_of_an_hour_left_is_refused_a_gpu_launch_but_not_a_cpu_one(
        app, department, gpu_course, cpu_course, language):
    learner = factories.user("learner", organisation=department)
    used(learner, 9.9, course=gpu_course, started=NOW - timedelta(hours=10))  # default quota: 10 h
    with in_language(app, language):
        message = quota_refusal(learner, gpu_course)
        expected = gettext(LEARNER_MESSAGE, used=format_decimal(9.9, format="#,##0.0"),
                           limit=format_decimal(10.0, format="#,##0.0"),
                           date=written_date(next_month_start_local(app), "locative"))
        assert message == expected
        assert quota_refusal(learner, cpu_course) is None


def test_with_enough_left_a_gpu_launch_is_allowed(app, gpu_course):
    learner = factories.user("learner")
    used(learner, 9.5)
    with in_language(app, "kk"):
        assert quota_refusal(learner, gpu_course) is None  # 30 minutes left ≥ the 15-minute minimum


def test_a_running_server_counts_until_now(app, gpu_course):
    learner = factories.user("learner")
    used(learner, 9.95, running=True)
    with in_language(app, "kk"):
        assert quota_refusal(learner, gpu_course) is not None


def test_cpu_sessions_and_last_month_do_not_count(app, gpu_course):
    learner = factories.user("learner")
    start, _end = services.month_window()
    used(learner, 20, gpus=0)
    used(learner, 30, started=start - timedelta(hours=40))  # ended ten hours before this month
    spanning = used(learner, 4, started=start - timedelta(hours=1))  # 1 h last month, 3 h this month
    own, _organisation = services.learner_quota(learner, gpu_course)
    assert own.used == pytest.approx(3.0, abs=0.01)
    assert spanning.gpus == 1


def test_the_organisation_budget_covers_its_whole_subtree(app, ministry, department, gpu_course):
    set_quota(SYSTEM, organisation=ministry, organisation_hours=5)
    colleague = factories.user("learner", organisation=department)
    used(colleague, 4.9)
    learner = factories.user("learner", organisation=department)
    with in_language(app, "ru"):
        message = quota_refusal(learner, gpu_course)
        assert message == gettext(ORGANISATION_MESSAGE, used=format_decimal(4.9, format="#,##0.0"),
                                  limit=format_decimal(5.0, format="#,##0.0"),
                                  date=written_date(next_month_start_local(app), "locative"))


def test_the_default_organisation_budget_is_the_top_level_ones(app, ministry, department, gpu_course):
    app.config["OQU_SETTINGS"].gpu_organisation_hours = 3
    other_ministry = factories.organisation("OTHER")
    used(factories.user("learner", organisation=other_ministry), 8)  # another ministry's time
    learner = factories.user("learner", organisation=department)
    with in_language(app, "kk"):
        assert quota_refusal(learner, gpu_course) is None
        used(factories.user("learner", organisation=ministry), 2.9)
        assert quota_refusal(learner, gpu_course) is not None


def test_a_course_or_organisation_may_grant_learners_more(app, department, gpu_course):
    learner = factories.user("learner", organisation=department)
    used(learner, 12)
    with in_language(app, "kk"):
        assert quota_refusal(learner, gpu_course) is not None
        set_quota(SYSTEM, organisation=department, learner_hours=20)
        assert quota_refusal(learner, gpu_course) is None
        set_quota(SYSTEM, course=gpu_course, learner_hours=12.1)  # the course's own rule comes first
        assert quota_refusal(learner, gpu_course) is not None


def test_zero_means_no_limit(app, gpu_course):
    app.config["OQU_SETTINGS"].gpu_learner_hours = 0
    learner = factories.user("learner")
    used(learner, 500)
    with in_language(app, "kk"):
        assert quota_refusal(learner, gpu_course) is None


def test_only_administrators_set_quotas(app, department):
    for role in ("learner", "instructor", "hr"):
        with pytest.raises(PermissionDenied):
            set_quota(factories.user(role), organisation=department, learner_hours=1)
    with pytest.raises(ValueError):
        set_quota(SYSTEM, organisation=department, learner_hours=-1)


def test_gpu_quota_command(app, department, gpu_course):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "gpu-quota", "--organisation", "MIN/DEP", "--learner-hours", "2",
                                 "--organisation-hours", "40"])
    assert result.exit_code == 0, result.output
    learner = factories.user("learner", organisation=department)
    own, organisation = services.learner_quota(learner, gpu_course)
    assert own.limit == 2 and organisation.limit == 40
    assert runner.invoke(args=["lms", "gpu-quota", "--organisation", "MIN/DEP", "--learner-hours", "3"]).exit_code == 0
    first, second = audit_events("gpu_quota_set")
    assert first.details == {"organisation": "DEP", "course": None, "learner_hours": 2.0, "organisation_hours": 40.0,
                             "previous": {"learner_hours": None, "organisation_hours": None}}
    assert (second.details["learner_hours"], second.details["organisation_hours"]) == (3.0, None)  # 40 cleared
    assert second.details["previous"] == {"learner_hours": 2.0, "organisation_hours": 40.0}
    assert runner.invoke(args=["lms", "gpu-quota", "--course", "nope", "--learner-hours", "1"]).exit_code != 0


def test_the_course_page_tells_a_learner_their_gpu_time(app, department, gpu_course, cpu_course):
    learner = factories.user("learner", organisation=department, preferred_language="ru")
    enrol(learner, gpu_course)
    enrol(learner, cpu_course)
    used(learner, 2.5, course=gpu_course)
    browser = signed_in_client(app, learner)
    page = page_text(browser.get(f"/courses/{gpu_course.slug}"))
    with in_language(app, "ru"):
        resets = written_date(next_month_start_local(app), "locative")
        hours = format_decimal(2.5, format="#,##0.0"), format_decimal(10.0, format="#,##0.0")
    assert translated(app, "This course's notebook runs with a GPU. You have used %(used)s of your %(limit)s "
                           "GPU-hours this month; they reset on %(date)s.", "ru",
                      used=hours[0], limit=hours[1], date=resets) in page
    assert 'data-testid="gpu-time"' not in page_text(browser.get(f"/courses/{cpu_course.slug}"))

    app.config["OQU_SETTINGS"].gpu_learner_hours = 0  # no limit
    assert translated(app, "This course's notebook runs with a GPU. Your GPU time is not limited.", "ru") in \
        page_text(browser.get(f"/courses/{gpu_course.slug}"))
