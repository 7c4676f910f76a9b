"""``POST /api/v1/hub/usage-events``: the hub reports a server's start or stop (its spool delivers it).

Authenticated with the LMS's service token on the hub (``LMS_HUB_API_TOKEN``), which the hub holds
too: ``Authorization: token …``. Answers 200 with what was done, including ``ignored`` for a stop
without a start and ``duplicate`` for a replay, so that the hub removes the event from its spool.
"""
import hmac

from flask import current_app, jsonify, request

from ..api import ApiError, bp, default_messages
from . import services


def _hub_authenticated() -> bool:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    expected = current_app.config["OQU_SETTINGS"].hub_api_token
    return (scheme.lower() in ("token", "bearer") and bool(expected)
            and hmac.compare_digest(secret.strip().encode(), expected.encode()))


@bp.post("/hub/usage-events")
def hub_usage_event():
    """Record a notebook server's start or stop, as reported by the hub.
    ---
    post:
      tags: [notebooks]
      summary: The hub reports a server's start or stop (hub service token only)
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
      responses:
        200:
          description: "`result`: started, stopped, duplicate or ignored"
    """
    if not _hub_authenticated():
        raise ApiError(401, "unauthorized", default_messages()[401])
    try:
        result = services.record_usage_event(request.get_json(silent=True))
    except services.UsageEventError as error:
        raise ApiError(400, "bad_event", str(error)) from None
    return jsonify(result=result)
