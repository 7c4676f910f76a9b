from datetime import timedelta

import pytest

from lms.learning import services
from lms.security import SYSTEM
from lms.clock import today as local_today

from ..courses.files import import_course


@pytest.fixture
def course(app, tmp_path):
    return import_course(tmp_path / "courses")


@pytest.fixture
def cohort_factory(course):
    def make_cohort(capacity=None, **kwargs):
        today = local_today()
        values = dict(name="Cohort", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=30),
                      capacity=capacity)
        values.update(kwargs)
        return services.create_cohort(SYSTEM, kwargs.pop("course", course), **values)
    return make_cohort
