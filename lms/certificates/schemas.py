"""API schemas of certificates, by audience. ``CertificateStatus`` is the public audience: nothing
personal beyond the holder's name. ``CertificateRecord`` is the staff audience (HR officers of the
holder's organisation subtree, admins), dumped from a Certificate for a ``viewer``: the IIN whole or
masked as that viewer may see it (:func:`lms.accounts.services.shown_iin`)."""
from marshmallow import Schema, fields

from .. import clock
from ..api.audience import AudienceSchema


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


class CertificateRecord(AudienceSchema):
    """The HR audience: a certificate of someone in the caller's organisation subtree. Dumped from a
    Certificate with ``viewer`` (who reads it) and ``today`` (Kazakhstan's date, for the status)."""

    number = fields.String()
    status = fields.Method("get_status", metadata={"enum": ["valid", "expired", "revoked"]})
    holder = fields.String(attribute="holder_name")
    user_id = fields.Integer()
    iin = fields.Method("get_iin", metadata={"description": "Full or masked, as the caller may see it"})
    organisation = fields.Method("get_organisation", allow_none=True,
                                 metadata={"type": "object", "description": "id, code, name_kk, name_ru"})
    course = fields.Method("get_course", metadata={"type": "object", "description": "slug, title_kk, title_ru"})
    hours = fields.Integer()
    score = fields.Float(allow_none=True)
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    revoked_on = fields.Method("get_revoked_on", allow_none=True, metadata={"type": "string", "format": "date"})
    previous = fields.Method("get_previous", allow_none=True,
                             metadata={"type": "string", "description": "Number of the certificate this renews"})

    VIEWS = {"staff": None}

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def get_status(self, certificate):
        return certificate.status(self.today or clock.today())

    def get_iin(self, certificate):
        from ..accounts.services import shown_iin

        return shown_iin(self.viewer, certificate.user) if certificate.user is not None else ""

    def get_organisation(self, certificate):
        unit = certificate.organisation
        return ({"id": unit.id, "code": unit.code, "name_kk": unit.name_kk, "name_ru": unit.name_ru}
                if unit is not None else None)

    def get_course(self, certificate):
        course = certificate.course
        return {"slug": course.slug, "title_kk": course.title_kk, "title_ru": course.title_ru}

    def get_revoked_on(self, certificate):
        revoked = clock.local_date(certificate.revoked_at)
        return revoked.isoformat() if revoked else None

    def get_previous(self, certificate):
        return certificate.previous.number if certificate.previous_id else None


class CertificatePage(Schema):
    items = fields.List(fields.Nested(CertificateRecord))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as `cursor` for the next page; "
                                                                          "null on the last page"})


SCHEMAS = {"CertificateStatus": CertificateStatus, "CertificateRecord": CertificateRecord,
           "CertificatePage": CertificatePage}
