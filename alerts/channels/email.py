"""The email channel: SMTP with the standard library, a text part and an HTML part.

Config (`alerts.channels.NAME`): `kind: email`, `connection: CONN_ID`, `to: [addresses]`,
optional `cc: [addresses]`.
Connection fields: `host`, `port` (default 587 with STARTTLS, 465 with SSL, else 25), `login` and
`password` (SMTP AUTH, skipped when login is empty), `extra.from` (sender address; defaults to
login when it is an address), `extra.starttls` (default true unless ssl or port 25),
`extra.ssl` (implicit TLS, default true on port 465).
Every message has a deterministic Message-ID `<alert_id.channel@domain>` and an
`X-Brandmon-Idempotency-Key` header, so a resend after a crash can be recognised as the same mail.
An incident's update (alerts.incidents) replies to the incident's earlier messages on the channel:
`In-Reply-To` the latest, `References` all of them from the first, its subject prefixed
【更新】/[Update], so mail clients show the incident as one thread (`X-Brandmon-Incident-Id` too).
A spike's or digest's 7-day chart (alerts.chart) is attached inline per language (multipart/related,
`Content-ID: <chart-LANG.ALERT_ID@brandmon>`) and shown by the HTML part; the text part is the
fallback for mail clients without HTML or images.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from alerts.channels import DeliveryError, Envelope, require_secret
from alerts.formats import to_html, to_text
from alerts.settings import Channel


def send(envelope: Envelope, channel: Channel, secret: Mapping[str, Any] | None, timeout: float) -> str | None:
    """Send one multipart email to the channel's recipients; returns a note if some were refused."""
    secret = require_secret(secret, channel)
    extra = secret.get("extra") or {}
    host = secret.get("host")
    if not host:
        raise DeliveryError(f"channel {channel.name!r}: the Connection has no host (the SMTP server)", retryable=False)
    use_ssl = _flag(extra.get("ssl"), default=secret.get("port") == 465)
    port = int(secret.get("port") or (465 if use_ssl else 587))
    starttls = _flag(extra.get("starttls"), default=not use_ssl and port != 25)
    sender = extra.get("from") or (secret.get("login") if "@" in str(secret.get("login") or "") else None)
    if not sender:
        raise DeliveryError(f"channel {channel.name!r}: set extra.from (the sender address) in its Connection",
                            retryable=False)
    message = build_message(envelope, sender, list(channel.options["to"]), list(channel.options.get("cc", [])))
    try:
        smtp_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
        with smtp_class(host, port, timeout=timeout) as smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if secret.get("login") and secret.get("password"):
                smtp.login(str(secret["login"]), str(secret["password"]))
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"every recipient was refused: {_codes(error.recipients)}", retryable=False) from None
    except smtplib.SMTPAuthenticationError as error:
        # Retried: ops can fix the Connection and the next attempt picks it up.
        raise DeliveryError(f"SMTP login refused ({error.smtp_code}); check the Connection's login/password") from None
    except smtplib.SMTPResponseException as error:
        retryable = error.smtp_code < 500
        raise DeliveryError(f"SMTP server answered {error.smtp_code} {_decode(error.smtp_error)}", retryable) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP {host}:{port} failed: {type(error).__name__}: {error}") from None
    # Some recipients may have been refused while others got it; resending would duplicate theirs.
    return f"refused: {_codes(refused)}" if refused else None


def build_message(envelope: Envelope, sender: str, to: list[str], cc: list[str]) -> EmailMessage:
    """The email of an alert: subject in the first language, text and HTML bodies in every language."""
    docs = envelope.documents()
    message = EmailMessage()
    message["Subject"] = docs[0].title
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(envelope.now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "brandmon.local"
    message["Message-ID"] = message_id(envelope.alert_id, envelope.channel, domain)
    if envelope.incident:
        message["X-Brandmon-Incident-Id"] = envelope.incident.incident_id
        if envelope.incident.thread:
            earlier = [message_id(alert_id, envelope.channel, domain) for alert_id in envelope.incident.thread]
            message["In-Reply-To"] = earlier[-1]
            message["References"] = " ".join(earlier)
    message["X-Brandmon-Alert-Id"] = envelope.alert_id
    message["X-Brandmon-Idempotency-Key"] = envelope.idempotency_key
    cids = {doc.lang: chart_cid(doc.lang, envelope.alert_id) for doc in docs if doc.picture}
    message.set_content(to_text(docs), charset="utf-8")
    message.add_alternative(to_html(docs, images={lang: f"cid:{cid}" for lang, cid in cids.items()}),
                            subtype="html", charset="utf-8")
    html_part = message.get_payload()[1]
    for doc in docs:
        if doc.picture:
            html_part.add_related(envelope.chart_png(doc.picture), "image", "png", cid=f"<{cids[doc.lang]}>",
                                  filename=f"chart-{doc.lang}.png")
    return message


def message_id(alert_id: str, channel: str, domain: str) -> str:
    """The Message-ID of an alert's mail on a channel: the same on a resend, and what updates reply to."""
    return f"<{alert_id}.{channel}@{domain}>"


def chart_cid(lang: str, alert_id: str) -> str:
    """The Content-ID of a message's chart in one language (unique per alert, as RFC 2392 asks)."""
    return f"chart-{lang}.{alert_id}@brandmon"


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _decode(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _codes(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr} ({code} {_decode(text)})" for addr, (code, text) in recipients.items())
