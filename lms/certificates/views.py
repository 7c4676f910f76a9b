"""Pages: public verification (by number or by credential file), the learner's certificates, PDF and
credential downloads, revocation (admins), and the issuer's DID document (did:web)."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, flash, has_request_context, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..hooks import fills, provides
from ..security import requires
from ..throttling import verification_limit
from . import services
from .forms import CredentialCheckForm, RevokeForm

bp = Blueprint("certificates", __name__)


@provides("course-page", "certification")
def _course_page_certification(course, user, **page):
    """The course page's certification card: the rule and the signed-in person's checklist."""
    return services.certification_checklist(user, course)


@fills("course-page-certificate")
def _course_page_certification_panel(course, panels, **page) -> str:
    return render_template("certificates/course_panel.html", course=course, certification=panels["certification"])


def tell_the_holder(actor, certificate) -> None:
    """A certificate issued while its holder is the one at the browser (the step that earned it):
    say so, with a link. Connected to ``certificate_issued`` by :mod:`.handlers`."""
    if not has_request_context() or getattr(current_user, "id", None) != certificate.user_id:
        return
    link = url_for("certificates.mine", _anchor=f"certificate-{certificate.number}")
    flash(Markup('{} <a href="{}">{}</a>').format(_("Congratulations: you have earned a certificate!"), link,
                                                 _("Your certificate %(number)s", number=certificate.number)),
          "success")


def _user():
    return current_user._get_current_object()


@bp.get("/verify")
def verify_lookup():
    """The form behind "check a certificate": sends the typed number to its page."""
    number = (request.args.get("number") or "").strip()
    if number:
        return redirect(url_for("certificates.verify", number=number[:40]))
    return render_template("certificates/verify.html", status=None, number="")


@bp.route("/verify/credential", methods=["GET", "POST"])
def verify_credential():
    """Check a credential file: its proof, and the status of the certificate it names."""
    form = CredentialCheckForm()
    result = None
    if form.validate_on_submit():
        raw = form.file.data.read() if form.file.data else (form.text.data or "").encode()
        try:
            result = services.check_credential(raw)
        except services.CertificateError as error:
            flash(str(error), "error")
    status = services.public_status(result.certificate) if result and result.certificate else None
    return render_template("certificates/verify_credential.html", form=form, result=result, status=status)


@bp.get("/verify/<path:number>")
@verification_limit
def verify(number: str):
    certificate = services.find_certificate(number)
    if certificate is None:
        return render_template("certificates/verify.html", status=None, number=number[:40], not_found=True), 404
    return render_template("certificates/verify.html", status=services.public_status(certificate),
                           number=certificate.number)


@bp.get("/certificates")
@login_required
def mine():
    return render_template("certificates/mine.html", certificates=services.certificates_of(_user()))


def _certificate_or_404(number: str):
    certificate = services.find_certificate(number)
    if certificate is None:
        abort(404)
    return certificate


def _download(number: str, render, mimetype: str, extension: str) -> Response:
    """A certificate as a file for someone who may download it (403 for anyone else)."""
    certificate = _certificate_or_404(number)
    if not services.may_download(_user(), certificate):
        abort(403)
    return Response(render(certificate), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{certificate.number}.{extension}"',
        "Cache-Control": "private, no-store"})


@bp.get("/certificates/<number>/pdf")
@login_required
def pdf(number: str):
    from .pdf import render_pdf

    return _download(number, render_pdf, "application/pdf", "pdf")


@bp.get("/certificates/<number>/credential")
@login_required
def credential(number: str):
    """The signed credential as a file; the holder chooses whether it shows their name."""
    import json

    def render(certificate):
        if certificate.revoked_at is not None:
            abort(410)
        document = services.credential_for(_user(), certificate, share_name=request.args.get("name") == "1")
        return json.dumps(document, ensure_ascii=False, indent=2)

    return _download(number, render, "application/json", "json")


@bp.get("/.well-known/did.json")
def did_document():
    """The issuer's DID document, when credentials are issued as did:web (``LMS_CREDENTIAL_DID=web``)."""
    from flask import current_app

    from .credential import did_document as document

    if current_app.config["OQU_SETTINGS"].credential_did != "web":
        abort(404)
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/admin/certificates/<number>/revoke", methods=["GET", "POST"])
@requires("revoke_certificates")
def revoke(number: str):
    certificate = _certificate_or_404(number)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(_user(), certificate, form.reason.data)
        except services.CertificateError as error:
            flash(str(error), "error")
        else:
            flash(_("Certificate %(number)s is revoked.", number=certificate.number), "success")
            return redirect(url_for("certificates.verify", number=certificate.number))
    return render_template("certificates/revoke.html", certificate=certificate, form=form,
                           status=services.public_status(certificate))
