"""``POST /api/v1/hub/usage-events``: the hub reports a server's start or stop (its spool delivers it).

Authenticated with the hub's own credential (``LMS_HUB_REPORT_TOKEN``, ``Authorization: token …``) and
only with it (:func:`lms.api.hub_required`). Answers 200 with what was done, including ``ignored`` for a
stop without a start and ``duplicate`` for a replay, so that the hub removes the event from its spool.
"""
from flask import jsonify, request

from ..api import ApiError, bp, needs
from . import services


@bp.post("/hub/usage-events")
@needs("hub")
def hub_usage_event():
    """Record a notebook server's start or stop, as reported by the hub.
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
      responses:
        200:
          description: "`result`: started, stopped, duplicate or ignored"
    """
    try:
        result = services.record_usage_event(request.get_json(silent=True))
    except services.UsageEventError as error:
        raise ApiError(400, "bad_event", str(error)) from None
    return jsonify(result=result)
