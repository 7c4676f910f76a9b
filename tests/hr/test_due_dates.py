"""HR changes a due date in one step from the dashboard: for one overdue row or a selection, prefilled,
never to a day already past, confirmed in words, audited, and only for people in their subtree."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.security import PermissionDenied
from lms.clock import today as local_today
from tests.conftest import audit_events, page_text, post_form, signed_in_client, translated


def _enrolment(person, course) -> Enrolment:
    return db.session.scalar(db.select(Enrolment).filter_by(user_id=person.id, course_id=course.id))

def test_an_overdue_row_leads_to_a_prefilled_form_and_the_new_date_is_saved_and_audited(app, world, training):
    enrolment = _enrolment(world.colleague, training)
    hr = signed_in_client(app, world.hr)
    dashboard = hr.get("/hr/dashboard").get_data(as_text=True)
    link = f"/hr/due-date?enrolment={enrolment.id}"
    assert f'href="{link}"' in dashboard

    form = hr.get(link)
    assert form.status_code == 200 and world.colleague.full_name in page_text(form)
    assert f'value="{enrolment.due_date.isoformat()}"' in form.get_data(as_text=True)  # prefilled

    new = local_today() + timedelta(days=14)
    before = enrolment.due_date
    done = post_form(hr, link, {"due_on": new.isoformat()}, page=link)
    assert done.status_code == 302 and done.headers["Location"] == "/hr/dashboard"
    assert _enrolment(world.colleague, training).due_on == new
    [event] = audit_events("enrolment_due_date_changed")
    assert event.actor_id == world.hr.id
    assert event.details == {"learner": world.colleague.id, "course": training.id, "before": before.isoformat(),
                             "after": new.isoformat()}
    after = page_text(hr.get("/hr/dashboard"))
    assert translated(app, "No mandatory training is overdue.") in after or world.colleague.full_name not in after

def test_a_date_in_the_past_is_refused_with_a_reason_and_nothing_changes(app, world, training):
    enrolment = _enrolment(world.colleague, training)
    before = enrolment.due_on
    link = f"/hr/due-date?enrolment={enrolment.id}"
    hr = signed_in_client(app, world.hr)
    refused = post_form(hr, link, {"due_on": (local_today() - timedelta(days=1)).isoformat()}, page=link)
    assert refused.status_code == 200
    assert translated(app, "The new due date is in the past: choose today or a later day.") in page_text(refused)
    assert _enrolment(world.colleague, training).due_on == before
    assert audit_events("enrolment_due_date_changed") == []

def test_several_people_selected_on_the_dashboard_get_the_new_date_at_once(app, world, training, make):
    other = make.user("learner", organisation=world.a1, surname="Кешігуұлы")
    learning.assign_course(world.hr, training, people=[other], due_on=local_today() - timedelta(days=3))
    ids = [_enrolment(person, training).id for person in (world.colleague, other)]
    query = "&".join(f"enrolment={i}" for i in ids)
    hr = signed_in_client(app, world.hr)
    assert all(f'name="enrolment" value="{i}"' in hr.get("/hr/dashboard").get_data(as_text=True) for i in ids)
    new = local_today() + timedelta(days=30)
    done = post_form(hr, f"/hr/due-date?{query}", {"due_on": new.isoformat()}, page=f"/hr/due-date?{query}")
    assert done.status_code == 302
    assert [_enrolment(p, training).due_on for p in (world.colleague, other)] == [new, new]
    assert len(audit_events("enrolment_due_date_changed")) == 2
    with app.test_request_context("/", headers={"Cookie": "oqu_lang=kk"}):
        from flask_babel import ngettext

        from lms.i18n import written_date
        message = ngettext("The due date of %(num)s course is now %(date)s.",
                           "The due dates of %(num)s courses are now %(date)s.", 2, date=written_date(new))
    assert message in page_text(hr.get("/hr/dashboard"))

def test_only_hr_of_the_persons_subtree_may_change_their_due_date(app, world, training):
    enrolment = _enrolment(world.colleague, training)
    link = f"/hr/due-date?enrolment={enrolment.id}"
    assert signed_in_client(app, world.hr_b).get(link).status_code == 404
    assert signed_in_client(app, world.learner).get(link).status_code == 403
    assert signed_in_client(app, world.instructor).get(link).status_code == 403
    with pytest.raises(PermissionDenied):
        learning.change_due_dates(world.hr_b, [enrolment], local_today() + timedelta(days=5))
    assert _enrolment(world.colleague, training).due_on != local_today() + timedelta(days=5)
