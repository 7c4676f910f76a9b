"""Pages and endpoints of the hub link: the OAuth provider endpoints the hub calls, and the learner's
"Open notebook" → progress → JupyterLab journey. Each route parses input and calls one service."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..courses.models import ItemKind
from ..courses.services import get_course
from ..extensions import csrf, login_manager
from ..hooks import fills, provides
from ..utils import safe_next_url
from . import services
from .panels import notebook_panel
from ..profiles import gpu_count
from .services import HubUnavailable, NotebookNeedsRestart, NotebookNotAllowed

bp = Blueprint("hub", __name__)


def _actor():
    return current_user._get_current_object()


# --------------------------------------------------------------------------- OAuth provider
# ``.oauth`` (Authlib) is imported in these views only, so that processes which never serve the hub's
# sign-in (an export, the worker, most web requests) do not load it.


@bp.get("/oauth/authorize")
def authorize():
    """The hub sends people here. Consent is implicit for the registered hub client; a person who may
    not use notebooks is told why and gets no code."""
    from . import oauth

    server = oauth.authorization_server()
    end_user = _actor() if current_user.is_authenticated else None
    try:
        grant = server.get_consent_grant(end_user=end_user)
    except oauth.OAuth2Error as error:
        # Never redirect with an error to an address we could not verify: explain it here.
        current_app.logger.info("refused OAuth authorization request: %s %s", error.error, error.description)
        return render_template("hub/oauth_error.html"), 400
    if end_user is None:
        return login_manager.unauthorized()
    if not services.may_use_notebooks(end_user):
        return render_template("hub/not_allowed.html"), 403
    return server.create_authorization_response(grant_user=end_user, grant=grant)


@bp.get("/.well-known/openid-configuration")
def openid_configuration():
    from . import oauth

    return jsonify(oauth.discovery_document())


@bp.post("/oauth/token")
@csrf.exempt  # server to server: the hub authenticates with its client secret
def token():
    from . import oauth

    return oauth.authorization_server().create_token_response()


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo():
    from . import oauth

    try:
        token = oauth.resource_protector().acquire_token(oauth.SCOPE)
    except oauth.OAuth2Error as error:
        response = jsonify(error="invalid_token", error_description=error.description or error.error)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    user = token.get_user()
    if not user.active or not services.may_use_notebooks(user):
        return jsonify(error="access_denied", error_description="this person may not use notebooks"), 403
    return jsonify(services.hub_userinfo(user))


# --------------------------------------------------------------------------- notebooks


@bp.post("/courses/<slug>/notebook")
@login_required
def launch(slug: str):
    """"Open notebook": start (or find) the server, then go to it or to the progress page. ``restart=1``
    comes from the page that asks before a running server is restarted with a GPU."""
    restart = request.form.get("restart") == "1"
    return _notebook_response(slug, lambda actor, course: services.launch_notebook(actor, course, restart=restart),
                              lambda course, state: redirect(url_for("hub.launch_page", slug=slug)))


@bp.get("/courses/<slug>/notebook")
@login_required
def launch_page(slug: str):
    """The progress page (it refreshes itself without JavaScript; hub.js follows it live)."""
    return _notebook_response(slug, services.notebook_status, lambda course, state: render_template(
        "hub/launch.html", course=course, state=state, unavailable=False))


def _notebook_response(slug: str, service, pending):
    """Run ``service`` for the course; go to a ready server, explain a refusal or an unavailable hub,
    and otherwise answer with ``pending(course, state)``."""
    course = get_course(slug)
    try:
        state = service(_actor(), course)
    except NotebookNotAllowed as error:
        return render_template("hub/not_allowed.html", message=error.description, course=course), 403
    except NotebookNeedsRestart as error:
        return render_template("hub/restart.html", message=error.description, course=course), 409
    except HubUnavailable:
        return render_template("hub/launch.html", course=course, state=None, unavailable=True), 503
    if state.is_ready:
        return redirect(state.url)
    return pending(course, state)


@bp.get("/courses/<slug>/notebook/status")
@login_required
def launch_status(slug: str):
    """JSON for hub.js: the same answer as the API, for the signed-in person."""
    course = get_course(slug)
    wait = request.args.get("wait", default=0.0, type=float) or 0.0
    try:
        state = services.notebook_status(_actor(), course, wait=min(max(wait, 0.0), 10.0))
    except NotebookNotAllowed as error:
        return jsonify(status="failed", progress=0, url=None, message=error.description), 403
    except HubUnavailable:
        return jsonify(status="unavailable", progress=0, url=None,
                       message=_("Notebooks are temporarily unavailable. Everything else in Oqu works; "
                                 "please try again in a few minutes.")), 503
    return jsonify(status=state.status, progress=state.progress, url=state.url, message=state.message)


@bp.post("/notebook/stop")
@login_required
def stop():
    """"Stop my notebook"."""
    course = None
    if request.form.get("course"):
        course = get_course(request.form["course"])
    try:
        services.stop_notebook(_actor(), course)
    except NotebookNotAllowed:
        abort(403)
    except HubUnavailable:
        flash(_("Notebooks are temporarily unavailable. Everything else in Oqu works; please try again in a few "
                "minutes."), "error")
    else:
        flash(_("Your notebook has been stopped. Your files are kept."), "info")
    return redirect(safe_next_url(request.form.get("next")) or url_for("dashboard.index"))


@provides("course-page", "notebook")
def _course_page_notebook(course, user, **page):
    return notebook_panel(user, course)


@fills("course-page-work", order=10)
def _course_page_notebook_panel(course, panels, **page) -> str:
    return render_template("hub/notebook_button.html", course=course, panel=panels["notebook"])


@provides("item-page", "notebook")
def _item_page_notebook(course, user, item, **page):
    """A notebook item's page offers the course's notebook (other items' pages do not ask the hub)."""
    return notebook_panel(user, course) if item.kind == ItemKind.notebook else None


@fills("item-page-assignment", order=20)
def _item_page_notebook_panel(course, panels, **page) -> str:
    if not panels.get("notebook"):
        return ""
    return render_template("hub/notebook_button.html", course=course, panel=panels["notebook"])


@bp.app_context_processor
def notebook_helpers():
    def profile_label(slug):
        """A course's notebook profile in words: "GPU" or "CPU", never the profile's slug."""
        return _("GPU") if gpu_count(slug) else _("CPU")

    return {"profile_label": profile_label}
