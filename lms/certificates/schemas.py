"""API schemas of certificates. ``CertificateStatus`` is the public audience: nothing personal
beyond the holder's name."""
from marshmallow import Schema, fields


class CertificateStatus(Schema):
    number = fields.String()
    status = fields.String(metadata={"enum": ["valid", "expired", "revoked"]})
    holder = fields.String()
    course = fields.Function(lambda s: {"kk": s.course_kk, "ru": s.course_ru},
                             metadata={"type": "object", "description": "Course title in Kazakh and Russian"})
    hours = fields.Integer()
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True, metadata={"description": "Empty: no expiry"})
    revoked_on = fields.Date(allow_none=True)
    verification_url = fields.String()


class CertificateRecord(Schema):
    """The HR audience: a certificate of someone in the caller's organisation subtree."""

    number = fields.String()
    status = fields.String(metadata={"enum": ["valid", "expired", "revoked"]})
    holder = fields.String()
    user_id = fields.Integer()
    iin = fields.String(metadata={"description": "Full or masked, as the caller may see it"})
    organisation = fields.Dict(allow_none=True, metadata={"description": "id, code, name_kk, name_ru"})
    course = fields.Dict(metadata={"description": "slug, title_kk, title_ru"})
    hours = fields.Integer()
    score = fields.Float(allow_none=True)
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    revoked_on = fields.Date(allow_none=True)
    previous = fields.String(allow_none=True, metadata={"description": "Number of the certificate this renews"})


class CertificatePage(Schema):
    items = fields.List(fields.Nested(CertificateRecord))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as `cursor` for the next page; "
                                                                          "null on the last page"})


SCHEMAS = {"CertificateStatus": CertificateStatus, "CertificateRecord": CertificateRecord,
           "CertificatePage": CertificatePage}
