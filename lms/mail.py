"""Sending e-mail: over SMTP when ``LMS_SMTP_HOST`` is set, otherwise into ``instance/outbox/``
(one ``.eml`` file a message) so development and demos need no mail server."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from .private_files import private_folder, write_private_file
from .utils import utcnow


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    settings = current_app.config["OQU_SETTINGS"]
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    else:
        outbox = private_folder(Path(settings.instance_path) / "outbox")  # reset links are live credentials
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        write_private_file(outbox / f"{stamp}-{to.replace('@', '_at_')}.eml", bytes(message))
    if current_app.testing:
        current_app.extensions.setdefault("oqu_sent_mail", []).append(message)
    return message
