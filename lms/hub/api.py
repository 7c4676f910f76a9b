"""``/api/v1/courses/<slug>/notebook``: launch (idempotent), follow and stop the caller's notebook;
``/api/v1/hub/spawn-checks``: the hub asks whether a server may start."""
from flask import g, jsonify, request
from flask_babel import gettext as _

from ..api import ApiError, authenticate_hub_users_with, bp, default_messages, needs
from ..api.health import health_check
from ..api.schemas import register_schemas
from ..courses.services import get_course
from ..gpu import services as gpu
from . import ended, labauth, services
from .schemas import SCHEMAS, NotebookStatus
from .services import HubUnavailable, NotebookNeedsRestart, NotebookNotAllowed

register_schemas(SCHEMAS)  # listed in /api/v1/openapi.json
authenticate_hub_users_with(labauth.user_for_hub_token)  # ``@needs("hub_user")``: the learner's JupyterLab


@health_check("hub")
def _hub_health() -> str:
    return "ok" if services.hub_available(force=True) else "down"


def _call(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except NotebookNotAllowed as error:
        raise ApiError(403, "notebooks_not_allowed", error.description) from None
    except NotebookNeedsRestart as error:
        raise ApiError(409, "notebook_restart_needed", error.description) from None
    except HubUnavailable:
        raise ApiError(503, "hub_unavailable", _("Notebooks are temporarily unavailable. Everything else in Oqu "
                                                 "works; please try again in a few minutes.")) from None


def _answer(state, created: bool = False):
    response = jsonify(NotebookStatus().dump(state))
    response.status_code = 202 if created and state.is_pending else 200
    return response


@bp.post("/courses/<slug>/notebook")
@needs("token")
def launch_notebook(slug: str):
    """Launch the caller's notebook server with the course's profile.
    ---
    post:
      tags: [notebooks]
      summary: Start (or find) the caller's notebook server for a course
      description: Idempotent. A running server is reused; a pending one is reported; a failed or stopped one
        is started afresh. 202 while pending, 200 when ready or failed. 503 `hub_unavailable` when the hub is down.
        409 `notebook_restart_needed` when the running server has no GPU and the course needs one; POST again
        with `restart=true` to stop it (its kernels end, files stay) and start it with the course's profile.
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: restart, in: query, schema: {type: boolean},
           description: "Stop a running server that lacks the course's GPU, then start it with the course's profile"}
      responses:
        200:
          description: Ready (with `url`), or failed (POST again to retry)
          content:
            application/json:
              schema: NotebookStatus
        202:
          description: Starting
          content:
            application/json:
              schema: NotebookStatus
    """
    restart = request.args.get("restart", "").lower() in ("1", "true")
    return _answer(_call(services.launch_notebook, g.api_user, get_course(slug), restart=restart), created=True)


@bp.get("/courses/<slug>/notebook")
@needs("token")
def notebook_status(slug: str):
    """Where the caller's notebook for the course stands.
    ---
    get:
      tags: [notebooks]
      summary: Status of the caller's notebook server
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: wait, in: query, schema: {type: number, minimum: 0, maximum: 25},
           description: "While pending, follow the hub's progress for up to this many seconds before answering"}
      responses:
        200:
          description: The status
          content:
            application/json:
              schema: NotebookStatus
    """
    wait = request.args.get("wait", default=0.0, type=float) or 0.0
    return _answer(_call(services.notebook_status, g.api_user, get_course(slug), wait=wait))


@bp.delete("/courses/<slug>/notebook")
@needs("token")
def stop_notebook(slug: str):
    """Stop the caller's notebook server (their files are kept).
    ---
    delete:
      tags: [notebooks]
      summary: Stop the caller's notebook server
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      responses:
        200:
          description: Stopped
          content:
            application/json:
              schema: NotebookStatus
    """
    return _answer(_call(services.stop_notebook, g.api_user, get_course(slug)))


@bp.post("/hub/spawn-checks")
@needs("hub")
def spawn_check():
    """The hub asks, before it starts any server, whether this person may start this profile now.
    ---
    post:
      tags: [notebooks]
      summary: May this hub user start this profile now? (the hub's own credential only)
      description: The same rules as a launch from the LMS (active account, a course with notebooks, for a
        profile other than the default one a course of theirs that runs it with GPU time left). 403
        `spawn_refused` with the reason in the person's language; the hub then refuses the spawn.
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [user, profile]
              properties:
                user: {type: string, description: the hub user name}
                server: {type: string, description: "the server's name: empty for the default one; `authoring`
                  (instructors and admins only) for the authoring notebook; any other name is refused"}
                profile: {type: string}
      responses:
        200:
          description: "`allowed`: true"
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("user"), str) or not isinstance(body.get("profile"), str):
        raise ApiError(400, "bad_request", default_messages()[400])
    server = body.get("server") if isinstance(body.get("server"), str) else ""
    refusal = services.spawn_refusal(body["user"], body["profile"], server)
    if refusal:
        raise ApiError(403, "spawn_refused", refusal)
    return jsonify(allowed=True)


@bp.post("/hub/access-checks")
@needs("hub")
def access_check():
    """The hub asks, when a person's hub session is older than its refresh age, whether they may still use it.
    ---
    post:
      tags: [notebooks]
      summary: May this hub user still use the hub? (the hub's own credential only)
      description: 403 `access_ended` with the reason in the person's language when the account is unknown or
        deactivated; the hub then signs them out (its cookie and their tokens open nothing more).
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [user]
              properties:
                user: {type: string, description: the hub user name}
      responses:
        200:
          description: "`allowed`: true"
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("user"), str):
        raise ApiError(400, "bad_request", default_messages()[400])
    refusal = services.account_refusal(body["user"])
    if refusal:
        raise ApiError(403, "access_ended", refusal)
    return jsonify(allowed=True)


@bp.post("/hub/usage-events")
@needs("hub")
def hub_usage_event():
    """Record a notebook server's start or stop, as reported by the hub (its spool delivers it; 200 with
    what was done, ``ignored`` for a stop without a start, ``duplicate`` for a replay). The GPU domain
    records it; the hub domain says whose hub user name it is.
    ---
    post:
      tags: [notebooks]
      summary: The hub reports a server's start or stop (the hub's own credential only)
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [id, event, user, at]
              properties:
                id: {type: string, maxLength: 64}
                event: {type: string, enum: [start, stop]}
                user: {type: string, description: the hub user name}
                server: {type: string}
                profile: {type: string}
                at: {type: string, format: date-time}
                reason: {type: string, enum: [time_limit], description: "a stop: why the server ended by itself"}
      responses:
        200:
          description: "`result`: started, stopped, duplicate or ignored"
    """
    body = request.get_json(silent=True)
    try:
        result = gpu.record_usage_event(body, services.user_id_for_hub_name)
    except gpu.UsageEventError as error:
        raise ApiError(400, "bad_event", str(error)) from None
    if isinstance(body, dict) and body.get("event") == "stop" and body.get("reason"):  # the server ended by itself (Slurm's time limit)
        ended.server_ended(str(body["user"]), str(body["reason"]))
    return jsonify(result=result)
