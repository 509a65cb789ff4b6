"""Delivery channels: one module per channel kind, each with `send(envelope, channel, secret, timeout)`.

A channel either returns (delivered; optionally with a note such as refused recipients) or raises
`DeliveryError`, whose `retryable` flag tells the outbox whether to try again with backoff or give
up. `secret` is the channel's Airflow Connection as a plain dict {conn_type, host, port, login,
password, schema, extra}, resolved by the DAG edge; which fields each kind reads is documented in
its module and in docs/alerts.md.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from alerts.chart import TrendPicture, trend_png
from alerts.compose import Document, compose
from alerts.incident_text import with_incident
from alerts.incidents import IncidentContext
from alerts.model import Alert
from alerts.settings import Channel

MODULES = {"file": "alerts.channels.file", "email": "alerts.channels.email",
           "webhook": "alerts.channels.webhook", "apprise": "alerts.channels.apprise_bot"}
CHART_KINDS = frozenset({"email", "webhook", "apprise"})  # kinds whose messages carry the trend PNG
_SECRET_KEY = re.compile(r"pass|token|secret|key|auth|url|webhook|sign|cookie|header|config", re.I)


class DeliveryError(Exception):
    """A failed send; `retryable` False means the receiver refused for good (bad address, 4xx)."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Envelope:
    """What a channel sends: the alert, the delivery's identity, its incident (if any) and how to render it."""

    alert: Alert
    channel: str
    languages: tuple[str, ...]
    now: datetime
    source_connections: Mapping[str, str | None] = field(default_factory=dict)
    alert_id: str = ""  # the id stored in the outbox; defaults to alert.alert_id
    dashboard_url: str | None = None  # alerts.settings.AlertSettings.dashboard_url
    incident: IncidentContext | None = None  # the incident the alert opened, escalated or joined
    charts: Mapping[TrendPicture, bytes] = field(default_factory=dict)  # the run's charts, rendered ahead

    def __post_init__(self) -> None:
        if not self.alert_id:
            object.__setattr__(self, "alert_id", self.alert.alert_id)

    @property
    def idempotency_key(self) -> str:
        """`<alert_id>:<channel>`: the same on every retry, so receivers can drop duplicates."""
        return f"{self.alert_id}:{self.channel}"

    def chart_png(self, picture: TrendPicture) -> bytes:
        """The picture's PNG: from the run's `charts` (alerts.chart.rendered), else rendered now."""
        png = self.charts.get(picture)
        return trend_png(picture) if png is None else png

    def documents(self) -> list[Document]:
        """The message in each language; an incident's event adds its title prefix, fields and timeline."""
        docs = [compose(self.alert, lang, self.source_connections, self.dashboard_url) for lang in self.languages]
        if self.incident is None:
            return docs
        return [with_incident(doc, self.alert, self.incident) for doc in docs]


class ChannelModule(Protocol):
    def send(self, envelope: Envelope, channel: Channel, secret: Mapping[str, Any] | None,
             timeout: float) -> str | None: ...


def channel_module(kind: str) -> ChannelModule:
    """The module that sends for a channel kind (file, email, webhook, apprise)."""
    return importlib.import_module(MODULES[kind])  # type: ignore[return-value]


def require_secret(secret: Mapping[str, Any] | None, channel: Channel) -> Mapping[str, Any]:
    """The channel's Connection fields, or a retryable error naming the Connection to create."""
    if not secret:
        conn = channel.connection or channel.name
        raise DeliveryError(f"channel {channel.name!r}: Airflow Connection {conn!r} was not found; create it "
                            f"(e.g. AIRFLOW_CONN_{conn.upper()}) as docs/alerts.md describes")
    return secret


def secret_values(secret: Mapping[str, Any] | None) -> list[str]:
    """Every string in a Connection that must never reach a log or the database, longest first."""
    if not secret:
        return []
    found: list[str] = []
    if secret.get("password"):
        found.append(str(secret["password"]))
    _collect(secret.get("extra") or {}, found, sensitive=False)
    expanded = set()
    for value in found:
        expanded |= {value, quote(value, safe=""), unquote(value)}
        if "://" in value:
            expanded |= _url_parts(value)
    return sorted((v for v in expanded if len(v) >= 4), key=len, reverse=True)


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by `***`."""
    for value in secrets:
        text = text.replace(value, "***")
    return text


def _collect(value: Any, found: list[str], sensitive: bool, key: str = "") -> None:
    sensitive = sensitive or bool(_SECRET_KEY.search(key))
    if isinstance(value, Mapping):
        for k, v in value.items():
            _collect(v, found, sensitive, str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, found, sensitive, key)
    elif sensitive and isinstance(value, str) and value:
        found.append(value)


def _url_parts(url: str) -> set[str]:
    # Tokens sit in the user info, host (wecombot://KEY), path segments or query of an Apprise URL.
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    pieces = {parts.netloc.rpartition("@")[0], parts.netloc, parts.query}
    pieces |= set(re.split(r"[/:@]", parts.netloc)) | set(parts.path.split("/"))
    pieces |= {kv.partition("=")[2] for kv in parts.query.split("&")}
    return {p for p in pieces if len(p) >= 6}
