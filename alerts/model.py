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
from warehouse.spread import PostSpread  # how a post spreads, as the warehouse reads it

Audience = Literal["pr", "ops"]
Severity = Literal["info", "warning", "critical"]
KINDS = ("volume_spike", "negative_spike", "complaint_spike", "new_topic", "severe_complaint", "source_silent",
         "source_error")


@dataclass(frozen=True)
class ReasonCount:
    """How many posts gave one complaint reason: its stable code, its Chinese and English labels, its
    category (or severity kind) with the category's names, and the phrases the posts used."""

    code: str
    zh: str
    en: str
    category: str
    category_zh: str
    category_en: str
    count: int
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryCount:
    """How many complaints fell in one category: its code and its Chinese and English names."""

    code: str
    zh: str
    en: str
    count: int


@dataclass(frozen=True)
class Trend:
    """Hourly counts for an alert's chart, in local time: the week before a spike's end, or the week
    through a digest's day. `hours` holds the hours with posts, as (local hour start
    'YYYY-MM-DDTHH:MM', mentions, negative, complaints); `gaps` are local spans no run loaded."""

    timezone: str
    start: str  # local 'YYYY-MM-DDTHH:MM', the chart's left edge
    end: str
    hours: list[tuple[str, int, int, int]] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SourceOutage:
    """A source that failed during a digest's day: how many of its runs over the day failed, and why."""

    source: str
    error_kind: str | None
    failed: int
    runs: int
    message: str | None = None


@dataclass(frozen=True)
class Coverage:
    """Which data a digest's day has: whether its last interval loaded, up to when runs reached
    (local 'HH:MM', '24:00' for the whole day; None: nothing loaded), the day's spans no run loaded
    (local 'HH:MM' pairs), failing sources, and how many of the days before were complete (the mean's days)."""

    complete: bool
    loaded_until: str | None
    gaps: list[tuple[str, str]] = field(default_factory=list)
    sources_down: list[SourceOutage] = field(default_factory=list)
    prior_days: int = 0


@dataclass(frozen=True)
class AlertDetails:
    """The explanation: window, how far above normal, terms, mix, reasons, sources, samples, query."""

    brand_name: str
    window_local: str  # e.g. "2026-11-26 14:00–14:15 (Asia/Shanghai)"
    ratio: float
    top_terms: list[str] = field(default_factory=list)
    sentiment_mix: dict[str, int] = field(default_factory=dict)  # pos / neu / neg counts
    complaint_reasons: list[ReasonCount] = field(default_factory=list)  # most given first
    top_sources: list[tuple[str, int]] = field(default_factory=list)
    samples: list[SamplePost] = field(default_factory=list)
    query: str = ""  # SQL (for `brandmon sql`) that lists every post behind the alert
    topic_label: str | None = None
    source: str | None = None  # ops alerts: the source concerned
    error_kind: str | None = None
    message: str | None = None  # ops alerts: what failed and what to renew or fix
    hourly: list[tuple[str, int, int, int]] = field(default_factory=list)  # digests: (hour, mentions, neg, complaints)
    day_alerts: list[dict[str, Any]] = field(default_factory=list)  # digests: the alerts listed, incl. held ones
    complaint_categories: list[CategoryCount] = field(default_factory=list)  # most complained of first
    severity_reasons: list[ReasonCount] = field(default_factory=list)  # severe_complaint: what made it severe
    trend: Trend | None = None  # spikes and digests: the 7-day chart's data
    coverage: Coverage | None = None  # digests: missing data
    revision: int = 1  # digests: 2, 3, ... when an operator re-sent the day's digest
    requested_at: str | None = None  # digests sent on an operator's request: when (ISO); delivery expiry counts from it
    spread: list[PostSpread] = field(default_factory=list)  # the alert's posts that have a cascade, accelerating first

    @property
    def spread_accelerating(self) -> bool:
        """Whether a post of the alert spreads faster than its own earlier rate (transforms.spread's
        rule): the plain value an incident rule can escalate on (docs/alerts.md, "How a post spreads")."""
        return any(s.accelerating for s in self.spread)


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
        for key in ("complaint_reasons", "severity_reasons"):
            raw[key] = [_reason_count(x) for x in raw.get(key, [])]
        raw["complaint_categories"] = [CategoryCount(**x) for x in raw.get("complaint_categories", [])]
        raw["spread"] = [PostSpread.from_json(x) for x in raw.get("spread", [])]
        raw["top_sources"] = [tuple(x) for x in raw.get("top_sources", [])]
        raw["hourly"] = [tuple(x) for x in raw.get("hourly", [])]
        if raw.get("trend"):
            trend = raw["trend"]
            raw["trend"] = Trend(**{**trend, "hours": [tuple(h) for h in trend["hours"]],
                                    "gaps": [tuple(g) for g in trend["gaps"]]})
        if raw.get("coverage"):
            coverage = raw["coverage"]
            raw["coverage"] = Coverage(**{**coverage, "gaps": [tuple(g) for g in coverage["gaps"]],
                                          "sources_down": [SourceOutage(**o) for o in coverage["sources_down"]]})
        return AlertDetails(**raw)


def _reason_count(stored: dict | list) -> ReasonCount:
    """A stored reason count; alerts stored before reasons were structured kept (label, count) pairs."""
    if isinstance(stored, dict):
        return ReasonCount(**{**stored, "phrases": tuple(stored.get("phrases", ()))})
    label, count = stored
    return ReasonCount(code="", zh=label, en=label, category="", category_zh="", category_en="", count=count)
