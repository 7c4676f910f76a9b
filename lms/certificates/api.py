"""Certificates in the JSON API: public status, and the PDF for the holder, their HR and admins."""
from __future__ import annotations

from flask import Response, g, jsonify
from flask_babel import gettext as _

from .. import clock
from ..api import ApiError, bp, needs
from ..api.schemas import register_schemas
from ..i18n import written_date
from ..throttling import verification_limit
from ..utils import external_url
from . import services
from .schemas import SCHEMAS, CertificateRecord, CertificateStatus

register_schemas(SCHEMAS)  # listed in /api/v1/openapi.json

PAGE_DEFAULT, PAGE_MAX = 100, 500


def _not_found():
    return ApiError(404, "not_found", _("No certificate with this number was found. Check the number and try again."))


def _find(number: str):
    certificate = services.find_certificate(number)
    if certificate is None:
        raise _not_found()
    return certificate


def _cursor_id(raw: str | None) -> int | None:
    import base64

    if not raw:
        return None
    try:
        value = int(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_cursor", _("The cursor is not valid; start again without it.")) from None
    if value < 1:
        raise ApiError(400, "bad_cursor", _("The cursor is not valid; start again without it."))
    return value


@bp.get("/certificates")
@needs("view_certificates")
def certificate_list():
    """Certificates of the caller's organisation subtree (HR officers; admins see all).
    ---
    get:
      tags: [certificates]
      summary: List certificates
      description: Newest first, a page at a time; follow `next_cursor`. Filters as on the HR page.
      parameters:
        - {name: organisation, in: query, schema: {type: integer}, description: this unit and its sub-units}
        - {name: course, in: query, schema: {type: string}, description: course slug}
        - {name: issued_from, in: query, schema: {type: string, format: date}}
        - {name: issued_to, in: query, schema: {type: string, format: date}}
        - {name: status, in: query, schema: {type: string, enum: [valid, expired, revoked]}}
        - {name: expiring_within, in: query, schema: {type: integer}, description: days}
        - {name: holder, in: query, schema: {type: string, maxLength: 100}, description: "words of the holder's name in any spelling (Kazakh, Russian, Kazakh Latin), or the IIN or its last digits"}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200:
          content:
            application/json:
              schema: CertificatePage
        403:
          content:
            application/json:
              schema: Error
        422:
          content:
            application/json:
              schema: Error
    """
    from flask import request

    from ..extensions import db
    from .models import Certificate

    actor = g.api_user
    try:
        filters = services.parse_filters(actor, request.args)
    except services.CertificateError as error:
        raise ApiError(422, "invalid", str(error)) from None
    limit = request.args.get("limit", PAGE_DEFAULT, type=int)
    if not 1 <= limit <= PAGE_MAX:
        raise ApiError(422, "invalid", _("limit must be between 1 and %(max)s.", max=PAGE_MAX))
    after = _cursor_id(request.args.get("cursor"))
    today = clock.today()
    query = services.certificate_query(actor, filters, today).order_by(None).order_by(Certificate.id.desc())
    if after is not None:
        query = query.where(Certificate.id < after)
    from sqlalchemy.orm import joinedload

    # holders, units and courses in the same query: no statement per row (tests/test_query_counts.py)
    rows = db.session.scalars(query.options(joinedload(Certificate.user), joinedload(Certificate.organisation),
                                            joinedload(Certificate.course)).limit(limit + 1)).unique().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        import base64
        next_cursor = base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode().rstrip("=")
    # (the page's shape is CertificatePage; each record is dumped for this caller by its audience schema)
    return jsonify({"items": CertificateRecord(view="staff", viewer=actor, today=today, many=True).dump(rows),
                    "next_cursor": next_cursor})


@bp.get("/certificates/<number>")
@needs("anyone")
@verification_limit
def certificate_status(number: str):
    """Verify a certificate by its number (no sign-in needed).
    ---
    get:
      tags: [certificates]
      summary: Certificate status
      description: Whether the certificate is valid, expired or revoked, with the holder's name, the
        course, hours and dates; nothing else personal. A malformed or unknown number is 404.
      security: []
      parameters:
        - {name: number, in: path, required: true, schema: {type: string}, example: OQU-2026-7KQ3-X9}
      responses:
        200:
          content:
            application/json:
              schema: CertificateStatus
        404:
          content:
            application/json:
              schema: Error
    """
    certificate = _find(number)
    body = CertificateStatus().dump(services.public_status(certificate))
    body["verification_url"] = external_url("certificates.verify", number=certificate.number)
    return jsonify(body)


@bp.get("/certificates/<number>/pdf")
@needs("token")
def certificate_pdf(number: str):
    """The certificate as a PDF (A4, Kazakh and Russian, QR code to the verification page).
    ---
    get:
      tags: [certificates]
      summary: Certificate PDF
      description: For the holder, HR officers whose organisation subtree holds the certificate, and admins.
      parameters:
        - {name: number, in: path, required: true, schema: {type: string}}
      responses:
        200:
          content:
            application/pdf:
              schema: {type: string, format: binary}
        403:
          content:
            application/json:
              schema: Error
        404:
          content:
            application/json:
              schema: Error
    """
    certificate = _find(number)
    if not services.may_download(g.api_user, certificate):
        raise ApiError(403, "forbidden", _("You do not have permission for this."))
    from .pdf import render_pdf

    return Response(render_pdf(certificate), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{certificate.number}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.get("/certificates/<number>/credential")
@needs("token")
def certificate_credential(number: str):
    """The certificate as a signed Open Badges 3.0 credential (W3C VC 2.0, Data Integrity proof
    `eddsa-rdfc-2022` or, by setting, `eddsa-jcs-2022`; revocation by Bitstring Status List).
    ---
    get:
      tags: [certificates]
      summary: Signed credential
      description: For the holder, HR officers whose organisation subtree holds the certificate, and admins.
        The holder is identified by a salted hash of their IIN (or e-mail); their name is in the
        credential only when the holder downloads it with `name=true`. A revoked certificate has no
        new credential (410); copies saved before show as revoked through `credentialStatus`.
      parameters:
        - {name: number, in: path, required: true, schema: {type: string}}
        - {name: name, in: query, schema: {type: boolean, default: false},
           description: the holder's own choice to show their name (ignored for anyone else)}
      responses:
        200:
          content:
            application/json:
              schema: {type: object}
        403:
          content:
            application/json:
              schema: Error
        410:
          content:
            application/json:
              schema: Error
    """
    from flask import request

    certificate = _find(number)
    if not services.may_download(g.api_user, certificate):
        raise ApiError(403, "forbidden", _("You do not have permission for this."))
    if certificate.revoked_at is not None:
        raise ApiError(410, "revoked", _("This certificate was revoked on %(date)s.",
                                         date=written_date(clock.local_date(certificate.revoked_at), "locative")))
    share_name = request.args.get("name", "").lower() in {"1", "true", "yes"}
    response = jsonify(services.credential_for(g.api_user, certificate, share_name=share_name))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/credentials/status/<int:number>")
@needs("anyone")
def credential_status_list(number: int):
    """The issuer's revocation list: a signed W3C Bitstring Status List credential (no sign-in).
    ---
    get:
      tags: [certificates]
      summary: Credential status list
      description: Each credential's `credentialStatus` names its place in this list; a set bit is a
        revoked certificate. Follows revocations at once.
      security: []
      parameters:
        - {name: number, in: path, required: true, schema: {type: integer}, example: 1}
      responses:
        200:
          content:
            application/json:
              schema: {type: object}
        404:
          content:
            application/json:
              schema: Error
    """
    from flask import request

    from . import statuslist
    from .credential import status_list_credential

    if number != statuslist.LIST_NUMBER:
        raise ApiError(404, "not_found", _("There is no such status list."))
    response = jsonify(status_list_credential())
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)
