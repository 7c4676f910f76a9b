"""``/api/v1/openapi.json`` is a valid OpenAPI 3 description of every API route."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises OpenAPIValidationError with the reason when invalid


def test_openapi_lists_health_and_me_with_their_security(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    health = spec["paths"]["/api/v1/health"]["get"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert health["security"] == []  # no token needed
    assert "security" not in me and spec["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert me["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Me"}
    error = me["responses"]["default"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"error", "message"}


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.openapi":
            continue
        path = openapi_path(rule.rule)
        for method in sorted(rule.methods & METHODS):
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, f"API routes missing from openapi.json: {missing}"
