"""The alert record: what detection decided, with everything a message needs to explain it.

Detection (brandmon.pipeline.detect) builds `Alert`s and hands them to the outbox; channels render
them from `details` alone, so a message can be re-rendered or re-sent without querying again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from warehouse.posts import SamplePost  # a post as alerts quote it, as the warehouse reads it

Audience = Literal["pr", "ops"]
Severity = Literal["info", "warning", "critical"]
KINDS = ("volume_spike", "negative_spike", "complaint_spike", "new_topic", "source_silent", "source_error")


@dataclass(frozen=True)
class AlertDetails:
    """The explanation: window, how far above normal, terms, mix, reasons, sources, samples, query."""

    brand_name: str
    window_local: str  # e.g. "2026-11-26 14:00–14:15 (Asia/Shanghai)"
    ratio: float
    top_terms: list[str] = field(default_factory=list)
    sentiment_mix: dict[str, int] = field(default_factory=dict)  # pos / neu / neg counts
    complaint_reasons: list[tuple[str, int]] = field(default_factory=list)
    top_sources: list[tuple[str, int]] = field(default_factory=list)
    samples: list[SamplePost] = field(default_factory=list)
    query: str = ""  # SQL (for `brandmon sql`) that lists every post behind the alert
    topic_label: str | None = None
    source: str | None = None  # ops alerts: the source concerned
    error_kind: str | None = None
    message: str | None = None  # ops alerts: what failed and what to renew or fix
    hourly: list[tuple[str, int, int, int]] = field(default_factory=list)  # digests: (hour, mentions, neg, complaints)
    day_alerts: list[dict[str, Any]] = field(default_factory=list)  # digests: the alerts listed, incl. held ones


@dataclass(frozen=True)
class Alert:
    brand: str
    kind: str
    audience: Audience
    severity: Severity
    subject: str  # the metric (mentions / negative / complaints), a topic label or a source name
    bucket_start: datetime
    bucket_end: datetime
    observed: float
    expected: float
    score: float
    details: AlertDetails

    @property
    def alert_id(self) -> str:
        """Stable id: the same spike found again (re-run, retry, backfill) is the same alert."""
        key = f"{self.brand}|{self.kind}|{self.subject}|{self.bucket_start.isoformat()}"
        return hashlib.sha256(key.encode()).hexdigest()[:20]

    def details_json(self) -> str:
        return json.dumps(asdict(self.details), ensure_ascii=False, default=str)

    @staticmethod
    def details_from_json(text: str) -> AlertDetails:
        raw: dict[str, Any] = json.loads(text)
        raw["samples"] = [SamplePost(**s) for s in raw.get("samples", [])]
        raw["complaint_reasons"] = [tuple(x) for x in raw.get("complaint_reasons", [])]
        raw["top_sources"] = [tuple(x) for x in raw.get("top_sources", [])]
        raw["hourly"] = [tuple(x) for x in raw.get("hourly", [])]
        return AlertDetails(**raw)
