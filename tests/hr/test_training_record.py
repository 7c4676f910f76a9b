"""A person's training record on their staff page: courses with progress, deadline (mandatory or not),
quiz and notebook results, and certificates; only for HR whose subtree holds the person, and admins."""
from __future__ import annotations

import pytest

from lms.hr import services
from lms.security import PermissionDenied
from tests.conftest import page_text, signed_in_client, translated
from tests.grading.instructor_setup import enrolled, submission, teach_course

from .. import factories


def test_hr_sees_a_persons_courses_progress_deadline_and_certificates(app, world, training):
    certificate = factories.certificate(world.learner, training)
    hr = signed_in_client(app, world.hr)

    overdue = page_text(hr.get(f"/staff/{world.colleague.id}"))
    assert translated(app, "Training record") in overdue and training.title_kk in overdue
    assert translated(app, "Mandatory") in overdue and translated(app, "overdue") in overdue
    assert translated(app, "No certificates yet.") in overdue

    done = page_text(hr.get(f"/staff/{world.learner.id}"))
    assert certificate.number in done and f'href="/verify/{certificate.number}"' in done
    [entry] = services.training_record(world.hr, world.learner).courses
    assert 0 < entry.progress.percent and f"{entry.progress.percent}%" in done

    nothing = page_text(hr.get(f"/staff/{world.hr.id}"))
    assert translated(app, "This person is not enrolled in any course.") in nothing


def test_notebook_assignments_show_the_score_that_counts(app, tmp_path, world, make):
    course = teach_course(app, tmp_path)
    learner = enrolled(course, make.user("learner", organisation=world.a1, surname="Дәптерұлы"))
    submission(learner, course, "mean-and-median", attempt=1, scores=[("t", 4.0, 5.0, False)])
    text = page_text(signed_in_client(app, world.hr).get(f"/staff/{learner.id}"))
    assert "4 / 5" in text
    assert translated(app, "not submitted") in text  # the course's other assignment


def test_the_record_is_scoped_like_every_list_of_people(app, world, training):
    assert signed_in_client(app, world.hr_b).get(f"/staff/{world.colleague.id}").status_code == 404
    assert signed_in_client(app, world.learner).get(f"/staff/{world.colleague.id}").status_code == 403
    assert signed_in_client(app, world.admin).get(f"/staff/{world.colleague.id}").status_code == 200
    for actor in (world.hr_b, world.learner, world.instructor):
        with pytest.raises(PermissionDenied):
            services.training_record(actor, world.colleague)


def test_dashboards_and_lists_link_each_person_to_their_record(app, world, training):
    factories.certificate(world.colleague, training)
    hr = signed_in_client(app, world.hr)
    for page in ("/hr/dashboard", "/hr/certificates"):
        assert f'href="/staff/{world.colleague.id}"' in hr.get(page).get_data(as_text=True), page
