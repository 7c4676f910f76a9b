"""Marshmallow schemas of the JSON API; the OpenAPI description is generated from them."""
from marshmallow import Schema, fields


class Error(Schema):
    error = fields.String(required=True, metadata={"description": "Stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "Human message in the caller's language"})


class Health(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded"]})
    database = fields.String(required=True, metadata={"enum": ["ok", "down"]})
    hub = fields.String(required=True, metadata={"enum": ["ok", "down"], "description": "JupyterHub"})
    queue = fields.String(required=True, metadata={"enum": ["ok", "down"],
                                                   "description": "Task queue and a live worker"})
    grading = fields.String(required=True, metadata={"enum": ["ok", "unsafe", "off", "unknown"],
                                                     "description": "The workers' grading sandbox"})


class Organisation(Schema):
    id = fields.Integer()
    code = fields.String()
    name_kk = fields.String()
    name_ru = fields.String()


class Me(Schema):
    """The caller's own profile (the ``self`` audience: the full IIN is theirs to see)."""

    id = fields.Integer()
    email = fields.String()
    surname = fields.String()
    given_name = fields.String()
    patronymic = fields.String()
    iin = fields.String(allow_none=True)
    position = fields.String()
    preferred_language = fields.String(allow_none=True)
    roles = fields.Method("get_roles")
    organisation = fields.Nested(Organisation, allow_none=True)

    def get_roles(self, user):
        return sorted(user.role_names)


SCHEMAS = {"Error": Error, "Health": Health, "Organisation": Organisation, "Me": Me}



def register_schemas(schemas: dict) -> None:
    """A domain's ``api.py`` adds its schemas here, so /api/v1/openapi.json lists them (the API depends on
    no domain: the domains register with it)."""
    SCHEMAS.update(schemas)
