"""``/api/v1/openapi.json``: built from the API's routes (their docstrings after ``---``) and
the marshmallow schemas in :mod:`lms.api.schemas`."""
from http import HTTPStatus

from flask import current_app, jsonify

from . import bp, needs
from .schemas import SCHEMAS


def build_spec() -> dict:
    # apispec is imported here, for the rare request that asks for the description, not by every process
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin
    from apispec_webframeworks.flask import FlaskPlugin

    spec = APISpec(
        title="Oqu API", version="1.0.0", openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={"description": "Courses, progress, notebooks, submissions and certificates of Oqu. "
                             "Errors are `{\"error\": code, \"message\": text}`."},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    import re

    access = {}  # (OpenAPI path, method) → who may call it, as the operation declares (lms.api.needs)
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(f"{bp.name}.") or rule.endpoint == f"{bp.name}.openapi":
            continue
        view = current_app.view_functions[rule.endpoint]
        spec.path(view=view, app=current_app)
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            access[(path, method.lower())] = getattr(view, "api_access", None)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if access.get((path, method)):
                operation["x-oqu-access"] = access[(path, method)]
    for path in document["paths"].values():
        for operation in path.values():
            operation.setdefault("responses", {}).setdefault("default", {
                "description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            for status, response in operation["responses"].items():
                # OpenAPI 3 requires a description on every response; docstrings often leave it out.
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("description", _status_phrase(status))
    return document


def _status_phrase(status) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return "Response"


@bp.get("/openapi.json")
@needs("anyone")
def openapi():
    return jsonify(build_spec())
