"""The machine-readable form of an alert: its fields, explanation and rendered text per language.

The webhook channel POSTs it and the file channel appends it as one JSON line, so a consumer can
either show `text` as it is or build its own message from the fields. `incident_id` and `event`
(`opened`: the receiver's first message of the incident; `escalated`: an update to it) let a
receiver edit or thread its earlier message; both are null for digests.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from alerts.channels import Envelope
from alerts.formats import to_text
from alerts.incidents import IncidentContext

SCHEMA_VERSION = 1


def build_payload(envelope: Envelope) -> dict[str, Any]:
    """A JSON-ready dict for `envelope`, keyed for deduplication."""
    alert = envelope.alert
    docs = envelope.documents()
    incident = envelope.incident
    return {
        "schema_version": SCHEMA_VERSION,
        "idempotency_key": envelope.idempotency_key,
        "alert_id": envelope.alert_id,
        "channel": envelope.channel,
        "brand": alert.brand,
        "brand_name": alert.details.brand_name,
        "kind": alert.kind,
        "audience": alert.audience,
        "severity": alert.severity,
        "subject": alert.subject,
        "bucket_start": alert.bucket_start.isoformat(),
        "bucket_end": alert.bucket_end.isoformat(),
        "window_local": alert.details.window_local,
        "observed": alert.observed,
        "expected": alert.expected,
        "ratio": alert.details.ratio,
        "score": alert.score,
        "details": asdict(alert.details),
        "title": {doc.lang: doc.title for doc in docs},
        "text": {doc.lang: to_text([doc]) for doc in docs},
        "languages": list(envelope.languages),
        "sent_at": envelope.now.isoformat(),
        "incident_id": incident.incident_id if incident else None,
        "event": incident.event if incident else None,
        "incident": _incident(incident) if incident else None,
    }


def _incident(incident: IncidentContext) -> dict[str, Any]:
    """The incident as of this message: severity, brands, role of this alert, the messages it updates
    on this channel (their alert ids, first first) and its alerts so far."""
    return {"incident_id": incident.incident_id, "audience": incident.audience, "severity": incident.severity,
            "opened_local": incident.opened_local, "role": incident.role,
            "brands": [brand for brand, _ in incident.brands], "updates": list(incident.thread),
            "timeline": [asdict(entry) for entry in incident.timeline]}
