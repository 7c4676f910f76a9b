from flask import g, jsonify

from ..api import authenticate_tokens_with, bp, needs
from ..api.schemas import Me
from .tokens import user_for_api_token

authenticate_tokens_with(user_for_api_token)


@bp.get("/me")
@needs("token")
def me():
    """The caller's own profile.
    ---
    get:
      tags: [accounts]
      summary: Who the token belongs to
      responses:
        200:
          content:
            application/json:
              schema: Me
    """
    return jsonify(Me().dump(g.api_user))
