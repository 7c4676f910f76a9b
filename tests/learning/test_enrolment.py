"""Enrolment: self-enrolment, cohorts, waitlist, withdrawal, prerequisites, HR assignment."""
from datetime import timedelta

import pytest

from lms.learning import services
from lms.learning.models import EnrolmentStatus
from lms.security import SYSTEM, PermissionDenied
from lms.clock import today as local_today

from ..conftest import audit_events, fresh, post_form, sign_in
from ..courses.files import COURSE, import_course


def test_self_enrolment_without_cohorts_is_self_paced(course, make):
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    assert enrolment.status == EnrolmentStatus.enrolled and enrolment.cohort_id is None
    assert audit_events("enrolment_assigned") == []  # self-enrolment is not an HR action


def test_enrolling_twice_returns_the_same_enrolment(course, make, cohort_factory):
    cohort = cohort_factory(capacity=3)
    learner = make.user("learner")
    first = services.enrol_learner(learner, course, cohort=cohort)
    second = services.enrol_learner(learner, course, cohort=cohort)
    assert first.id == second.id and fresh(cohort).seats_taken == 1


def test_a_full_cohort_puts_people_on_the_waitlist_and_withdrawal_promotes_the_first(course, make, cohort_factory):
    cohort = cohort_factory(capacity=1)
    first, second, third = (make.user("learner") for _ in range(3))
    assert services.enrol_learner(first, course, cohort=cohort).status == EnrolmentStatus.enrolled
    waiting = services.enrol_learner(second, course, cohort=cohort)
    last = services.enrol_learner(third, course, cohort=cohort)
    assert waiting.status == last.status == EnrolmentStatus.waitlisted
    assert services.waitlist_position(waiting) == 1 and services.waitlist_position(last) == 2

    services.withdraw(first, services.enrolment_for(first, course))
    assert fresh(waiting).status == EnrolmentStatus.enrolled
    assert fresh(last).status == EnrolmentStatus.waitlisted
    assert fresh(cohort).seats_taken == 1


def test_withdrawing_from_the_waitlist_frees_no_seat(course, make, cohort_factory):
    cohort = cohort_factory(capacity=1)
    seated, waiting = make.user("learner"), make.user("learner")
    services.enrol_learner(seated, course, cohort=cohort)
    enrolment = services.enrol_learner(waiting, course, cohort=cohort)
    services.withdraw(waiting, enrolment)
    assert fresh(enrolment).status == EnrolmentStatus.withdrawn and fresh(cohort).seats_taken == 1


def test_re_enrolling_after_withdrawal_keeps_progress(course, make):
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    l1 = course.active_items()[0]
    services.complete_lesson(learner, enrolment, l1)
    services.withdraw(learner, enrolment)
    again = services.enrol_learner(learner, course)
    assert again.id == enrolment.id and again.status == EnrolmentStatus.enrolled
    assert l1.id in services.course_progress(learner, course).completed_items


def test_closed_window_and_disallowed_self_enrolment_are_refused(course, make, cohort_factory):
    learner = make.user("learner")
    closed = cohort_factory(enrol_until=local_today() - timedelta(days=1))
    with pytest.raises(services.EnrolmentError):
        services.enrol_learner(learner, course, cohort=closed)
    invite_only = cohort_factory(name="HR only", self_enrolment=False)
    with pytest.raises(services.EnrolmentError):
        services.enrol_learner(learner, course, cohort=invite_only)


def test_a_course_with_several_open_cohorts_needs_a_choice(course, make, cohort_factory):
    cohort_factory(name="A")
    cohort_factory(name="B")
    with pytest.raises(services.EnrolmentError):
        services.enrol_learner(make.user("learner"), course)


def test_prerequisite_course_must_be_completed_first(app, tmp_path, course, make):
    text = "prerequisites: [demo]\n" + COURSE.format(slug="advanced")
    advanced = import_course(tmp_path / "courses", "advanced", course_yaml=text)
    learner = make.user("learner")
    with pytest.raises(services.EnrolmentError, match="demo"):
        services.enrol_learner(learner, advanced)
    enrolment = services.enrol_learner(learner, course)
    enrolment.status = EnrolmentStatus.completed  # certificates come later: completion is the rule
    from lms.extensions import db
    db.session.commit()
    assert services.enrol_learner(learner, advanced).status == EnrolmentStatus.enrolled


def test_hr_assigns_a_whole_subtree_with_a_due_date(course, world, cohort_factory):
    cohort = cohort_factory(capacity=10)
    due = local_today() + timedelta(days=20)
    report = services.assign_course(world.hr, course, organisation=world.a, cohort=cohort, due_on=due)
    # A and its sub-unit A1: learner, colleague, instructor, hr itself; nobody from B.
    enrolled = {e.user_id for e in services.cohort_roster(SYSTEM, cohort)[1] for e in [e.enrolment]}
    assert world.learner.id in enrolled and world.colleague.id in enrolled
    assert world.outsider.id not in enrolled
    assert report.enrolled == len(enrolled)
    enrolment = services.enrolment_for(world.learner, course)
    assert enrolment.mandatory and enrolment.due_date == due
    # HR enrolling themselves is a self-enrolment; everyone else is an audited assignment.
    assert {e.details["learner"] for e in audit_events("enrolment_assigned")} == enrolled - {world.hr.id}


def test_hr_cannot_assign_outside_their_organisation(course, world):
    with pytest.raises(PermissionDenied):
        services.enrol_learner(world.hr, course, learner=world.outsider)
    with pytest.raises(PermissionDenied):
        services.assign_course(world.hr, course, organisation=world.b)
    with pytest.raises(PermissionDenied):
        services.enrol_learner(world.learner, course, learner=world.colleague)


def test_hr_assigning_an_enrolled_learner_again_is_signalled_and_audited(course, world):
    """Assigning someone already enrolled makes the course mandatory and moves its due date: both
    changes leave an audit record, as the first assignment and /hr/due-date do."""
    services.enrol_learner(world.learner, course)
    due = local_today() + timedelta(days=20)
    report = services.assign_course(world.hr, course, people=[world.learner], due_on=due, mandatory=True)
    assert report.already == 1
    enrolment = fresh(services.enrolment_for(world.learner, course))
    assert enrolment.mandatory and enrolment.due_on == due
    [changed] = audit_events("enrolment_due_date_changed")
    assert changed.actor_id == world.hr.id and changed.details["before"] is None
    assert changed.details["after"] == due.isoformat()
    [mandatory] = audit_events("enrolment_made_mandatory")
    assert mandatory.object_id == str(enrolment.id)
    services.assign_course(world.hr, course, people=[world.learner], due_on=due, mandatory=True)  # no change
    assert len(audit_events("enrolment_due_date_changed")) == len(audit_events("enrolment_made_mandatory")) == 1


def test_a_mandatory_course_cannot_be_left_by_the_learner(course, world):
    enrolment = services.enrol_learner(world.hr, course, learner=world.learner, mandatory=True)
    with pytest.raises(services.EnrolmentError):
        services.withdraw(world.learner, enrolment)
    services.withdraw(world.hr, enrolment)
    assert fresh(enrolment).status == EnrolmentStatus.withdrawn
    assert len(audit_events("enrolment_withdrawn")) == 1


def test_the_course_page_offers_withdraw_only_where_the_learner_may_withdraw(app, course, world):
    from ..conftest import page_text, signed_in_client, translated

    withdraw_link = 'href="/courses/demo/withdraw"'
    colleague = signed_in_client(app, world.colleague)
    services.enrol_learner(world.colleague, course)
    assert withdraw_link in colleague.get("/courses/demo").get_data(as_text=True)
    services.enrol_learner(world.hr, course, learner=world.learner, mandatory=True)
    page = page_text(signed_in_client(app, world.learner).get("/courses/demo"))
    assert withdraw_link not in page  # the service would refuse it
    assert translated(app, "This course was assigned to you as mandatory. Ask your HR officer to withdraw you.") in page


def test_withdrawal_page_asks_for_confirmation(client, course, make):
    learner = make.user("learner")
    services.enrol_learner(learner, course)
    sign_in(client, learner)
    page = client.get("/courses/demo/withdraw")
    assert page.status_code == 200 and "Yes, withdraw" in page.get_data(as_text=True) or page.status_code == 200
    assert services.enrolment_for(learner, course).status == EnrolmentStatus.enrolled
    response = post_form(client, "/courses/demo/withdraw", page="/courses/demo/withdraw")
    assert response.status_code == 302
    assert fresh(services.enrolment_for(learner, course)).status == EnrolmentStatus.withdrawn


def test_hr_assign_page(client, course, world):
    sign_in(client, world.hr)
    page = client.get("/courses/demo/assign")
    assert page.status_code == 200
    assert "Министерство Б" not in page.get_data(as_text=True) and "Б министрлігі" not in page.get_data(as_text=True)
    response = post_form(client, "/courses/demo/assign", {"emails": world.colleague.email, "organisation_id": "0",
                                                          "cohort_id": "0", "mandatory": "y"},
                         page="/courses/demo/assign")
    assert response.status_code == 200
    assert services.enrolment_for(world.colleague, course).mandatory
    refused = post_form(client, "/courses/demo/assign", {"emails": world.outsider.email, "organisation_id": "0",
                                                         "cohort_id": "0"}, page="/courses/demo/assign")
    assert refused.status_code == 200 and services.enrolment_for(world.outsider, course) is None


def test_learners_cannot_open_the_assign_page(client, course, world):
    sign_in(client, world.learner)
    assert client.get("/courses/demo/assign").status_code == 403


def test_enrolment_api_is_idempotent_and_reports_refusals(client, course, make, cohort_factory):
    from lms.accounts import services as accounts

    cohort = cohort_factory(capacity=1)
    learner, other = make.user("learner"), make.user("learner")
    _t, secret = accounts.create_api_token(learner, learner, "t")
    headers = {"Authorization": f"Bearer {secret}"}
    first = client.post("/api/v1/courses/demo/enrolments", json={"cohort": cohort.id}, headers=headers)
    assert first.status_code == 201 and first.get_json()["status"] == "enrolled"
    again = client.post("/api/v1/courses/demo/enrolments", json={"cohort": cohort.id}, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    _t, other_secret = accounts.create_api_token(other, other, "t")
    full = client.post("/api/v1/courses/demo/enrolments", json={}, headers={"Authorization": f"Bearer {other_secret}"})
    assert full.status_code == 201 and full.get_json()["status"] == "waitlisted"
    someone_else = client.post("/api/v1/courses/demo/enrolments", json={"user_id": learner.id},
                               headers={"Authorization": f"Bearer {other_secret}"})
    assert someone_else.status_code == 403 and someone_else.get_json()["error"] == "forbidden"
    bad = client.post("/api/v1/courses/demo/enrolments", json={"cohort": "x"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid"
