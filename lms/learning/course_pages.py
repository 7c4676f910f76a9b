"""The catalogue and a course's page: what a course is (the courses domain) as one learner sees it (their
enrolment, progress and cohorts). The routes stay on the ``courses`` blueprint (``courses.catalogue``,
``courses.course``), added from here so that courses need not know about learning.
"""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from ..courses import services
from ..courses.models import Level
from ..courses.teaching import teaches
from ..courses.views import bp
from ..hooks import page_data
from ..i18n import current_language
from ..utils import page_number
from . import services as learning


@bp.get("/courses")
@login_required
def catalogue():
    search = request.args.get("q", "")[:100].strip()
    tag = request.args.get("tag", "")[:40]
    level = request.args.get("level", "")
    language = request.args.get("language", "")
    notebooks = {"yes": True, "no": False}.get(request.args.get("notebooks", ""))
    pagination = services.list_courses(search=search, tag=tag, level=level, language=language, notebooks=notebooks,
                                       order_language=current_language(),
                                       page=page_number(),
                                       per_page=current_app.config["OQU_SETTINGS"].page_size)
    statuses = learning.enrolment_statuses(current_user, pagination.items)
    filters = {"q": search, "tag": tag, "level": level, "language": language,
               "notebooks": request.args.get("notebooks", "")}
    return render_template("courses/catalogue.html", pagination=pagination, filters=filters,
                           tags=services.all_tags(), levels=list(Level), statuses=statuses)


@bp.get("/courses/<slug>")
@login_required
def course(slug: str):
    course = services.get_course(slug)
    enrolment = learning.enrolment_for(current_user, course)
    progress = learning.course_progress(current_user, course)
    met, missing = learning.prerequisites_met(current_user, course)
    prerequisites = services.courses_by_slug(course.prerequisites)
    return render_template(
        "courses/course.html", course=course, enrolment=enrolment, progress=progress,
        resume=learning.resume_item(enrolment, progress) if enrolment and enrolment.is_active else None,
        cohorts=learning.open_cohorts(course), prerequisites=prerequisites, prerequisites_met=met,
        missing=missing, waitlist_position=learning.waitlist_position(enrolment) if enrolment else None,
        can_preview=learning.can_preview(current_user),
        teaching=current_user.is_authenticated and teaches(current_user, course, "view_rosters"),
        withdrawal_refusal=learning.withdrawal_refusal(current_user, enrolment) if enrolment else None,
        # the other domains' panels (lms.hooks): built here, once, rendered by the page's slots
        panels=page_data("course-page", user=current_user._get_current_object(), course=course))
