"""The daily digest per brand: the day's mentions, mix, complaints, terms, alerts, missing data and charts.

A digest is an Alert of kind `digest` (id from brand and day), so it goes through the same
outbox and is sent once per channel however often the digest task runs. It lists the brand's PR
alerts of the day and every alert still `held` by quiet hours up to the send time; those held
rows are then released into it (their reason becomes `digest:<digest alert_id>`; they are never
delivered on their own). Digests go to `alerts.digest.channels`, or by default to every channel
of the brand's PR routes (the local file channel when there are none); quiet hours do not apply.

Data: the day counts as loaded once a finished run's interval reaches its end (`day_loaded`; the
DAG waits for it). The comparison is with the mean of the complete days among the 7 before (days
that finished runs covered whole), never with days before monitoring began counted as zero. What
is missing (the day not loaded to its end, spans no run covered, sources that failed) is stored in
the digest's `coverage` and said in it. A day no run touched and without posts gets no digest.
An operator's re-send (`resend=True`, `brandmon digest --send`) stores a new revision of a day's
digest already stored (subject `daily:r2`, ...), built from the data as it is now, and sends it
even if the day is older than `alerts.delivery.expire_after_hours`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from alerts.coverage import covers, day_coverage, last_interval_loaded, uncovered
from alerts.explain import SAMPLES, category_counts, hourly_trend, quoted, reason_counts, sentiment_mix, trend_start
from alerts.model import Alert, AlertDetails
from alerts.outbox import (
    BACKFILL,
    DeliveryReport,
    EnqueueReport,
    Target,
    deliver_pending,
    delivery_deadline,
    release_held,
    store,
)
from alerts.settings import AlertSettings, NamedBrand
from warehouse.db import transaction
from warehouse.posts import PostSelection, complaint_labels, listing_query, post_count, post_facts, top_posts
from warehouse.reports import alerts_for_digest, stored_digests
from warehouse.runs import run_spans, source_windows
from warehouse.series import stored_buckets

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

DIGEST_KIND = "digest"
DIGEST_SUBJECT = "daily"
PRIOR_DAYS = 7
Span = tuple[datetime, datetime]


@dataclass
class DigestReport:
    day: str
    digests: int = 0
    released: int = 0  # held alerts released into this digest
    no_data: list[str] = field(default_factory=list)  # brands without a digest: no run touched the day, no posts
    revisions: dict[str, int] = field(default_factory=dict)  # brand -> revision stored by a re-send
    enqueue: EnqueueReport = field(default_factory=EnqueueReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def day_bounds(day: date, settings: AlertSettings) -> tuple[datetime, datetime]:
    """The UTC start and end of a calendar day in the configured time zone."""
    start = datetime.combine(day, time(0), tzinfo=settings.timezone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.timezone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def previous_day(moment: datetime, settings: AlertSettings) -> date:
    """Yesterday relative to `moment` in the configured time zone: the day a morning digest covers."""
    return moment.astimezone(settings.timezone).date() - timedelta(days=1)


def day_loaded(conn: DuckDBPyConnection, settings: AlertSettings, day: date) -> bool:
    """Whether the day's last interval has loaded: a finished run's interval reaches the day's end."""
    start, end = day_bounds(day, settings)
    return last_interval_loaded(run_spans(conn, start, end), end)


def build_digest(conn: DuckDBPyConnection, settings: AlertSettings, day: date,
                 until: datetime | None = None) -> list[Alert]:
    """One digest Alert per configured brand for `day`; held alerts count up to `until` (default: day end).

    Reads only (a reader on the published copy is fine): v_mentions, bucket_stats, the run records
    and the outbox tables.
    """
    start, end = day_bounds(day, settings)
    until = until or end
    chart_start = trend_start(settings.timezone, end)
    spans = run_spans(conn, chart_start, end)
    return [_brand_digest(conn, settings, brand, day, start, end, until, spans) for brand in settings.brands.values()]


def digest_channels(settings: AlertSettings, brand: str) -> tuple[str, ...]:
    """`alerts.digest.channels`, else every channel of the brand's PR routes, else the local file."""
    if settings.digest.channels:
        return tuple(settings.digest.channels)
    return tuple(name for name, _ in settings.routed_channels(brand, None, "pr"))


def send_digest(conn: DuckDBPyConnection, settings: AlertSettings, day: date, channel_secrets: Mapping[str, Mapping[str, Any] | None],
                now: datetime, run_id: str = "digest", run_type: str = "scheduled", resend: bool = False,
                brand: str | None = None) -> DigestReport:
    """Build, enqueue (once) and deliver the digests of `day`; held alerts up to `now` are released.

    `conn` is the warehouse writer in auto-commit mode (no open transaction); `now` is the edge's
    clock. A `backfill` run stores the digests as suppressed and delivers nothing at all.
    `resend` (an operator's request) stores a new revision when the day's digest is already stored;
    `brand` limits it to one brand.
    """
    report = DigestReport(day=day.isoformat())
    digests = [d for d in build_digest(conn, settings, day, until=now) if brand is None or d.brand == brand]
    expire_after = settings.delivery.expire_after
    with transaction(conn):
        for digest in digests:
            if not _has_data(digest):
                report.no_data.append(digest.brand)
                continue
            if resend:
                digest = revision(digest, stored_digests(conn, digest.brand, digest.bucket_start, DIGEST_KIND) + 1, now)
                report.revisions[digest.brand] = digest.details.revision
            if run_type == BACKFILL:
                status, reason = "suppressed", "backfill"
            elif delivery_deadline(digest, expire_after) <= now:
                status, reason = "expired", "stale"
            else:
                status, reason = "pending", None
            targets = [Target(name, status, reason) for name in digest_channels(settings, digest.brand)]
            if store(conn, digest, run_id, run_type, targets, report.enqueue) and status == "pending":
                held = [a["alert_id"] for a in digest.details.day_alerts if a.get("held")]
                report.released += release_held(conn, held, into=f"digest:{digest.alert_id}")
            report.digests += 1
    if run_type != BACKFILL:
        report.delivery = deliver_pending(conn, settings, channel_secrets, now)
    return report


def revision(digest: Alert, number: int, requested_at: datetime) -> Alert:
    """The digest as revision `number` of its day (number 1 keeps the first sending's identity), asked
    for at `requested_at`: its delivery may expire only `expire_after` from then."""
    subject = DIGEST_SUBJECT if number == 1 else f"{DIGEST_SUBJECT}:r{number}"
    return replace(digest, subject=subject, details=replace(digest.details, revision=number,
                                                            requested_at=requested_at.isoformat()))


def prior_complete_days(spans: list[Span], day: date, settings: AlertSettings) -> list[date]:
    """The days among the PRIOR_DAYS before `day` that finished runs covered whole (latest first)."""
    days = [day - timedelta(days=i) for i in range(1, PRIOR_DAYS + 1)]
    return [d for d in days if covers(spans, *day_bounds(d, settings))]


def _has_data(digest: Alert) -> bool:
    coverage = digest.details.coverage
    return digest.observed > 0 or coverage is None or coverage.loaded_until is not None


def _brand_digest(conn: DuckDBPyConnection, settings: AlertSettings, brand: NamedBrand, day: date, start: datetime,
                  end: datetime, until: datetime, spans: list[Span]) -> Alert:
    posts = PostSelection(brand.id, start, end)
    facts = post_facts(conn, posts)
    prior_days = prior_complete_days(spans, day, settings)
    prior = [post_count(conn, PostSelection(brand.id, *day_bounds(d, settings))) for d in prior_days]
    top = top_posts(conn, posts, SAMPLES)
    listed = _listed_alerts(conn, brand.id, start, end, until)
    names = complaint_labels(conn)

    top_n = settings.digest.top_n
    tz = settings.timezone
    hourly = {h: [0, 0, 0] for h in range(24)}
    for fact in facts:
        counts = hourly[fact.published_at.astimezone(tz).hour]
        counts[0] += 1
        counts[1] += fact.label == "neg"
        counts[2] += bool(fact.complaint)
    expected = sum(prior) / len(prior) if prior else 0.0
    chart_start = trend_start(tz, end)
    buckets = stored_buckets(conn, brand.id, chart_start, end)
    details = AlertDetails(
        brand_name=brand.name, window_local=f"{day.isoformat()} ({tz.key})",
        ratio=round(len(facts) / expected, 2) if expected else 0.0,
        top_terms=[t for t, _ in Counter(t for f in facts for t in set(f.keywords)).most_common(top_n)],
        sentiment_mix=sentiment_mix(facts),
        complaint_reasons=reason_counts((f.reasons for f in facts if f.complaint), names, top_n),
        complaint_categories=category_counts((f.categories for f in facts if f.complaint), names, top_n),
        top_sources=Counter(f.platform for f in facts).most_common(top_n),
        samples=quoted(top), query=listing_query(posts),
        hourly=[(f"{h:02d}", *counts) for h, counts in hourly.items()], day_alerts=listed,
        trend=hourly_trend(buckets.timestamps, buckets.counts, chart_start, end, tz,
                           uncovered(spans, chart_start, end)),
        coverage=day_coverage(spans, source_windows(conn, brand.id, start, end), start, end, tz, len(prior)))
    return Alert(brand=brand.id, kind=DIGEST_KIND, audience="pr", severity="info", subject=DIGEST_SUBJECT,
                 bucket_start=start, bucket_end=end, observed=float(len(facts)), expected=round(expected, 2),
                 score=0.0, details=details)


def _listed_alerts(conn: DuckDBPyConnection, brand: str, start: datetime, end: datetime, until: datetime) -> list[dict[str, Any]]:
    listed = []
    for alert in alerts_for_digest(conn, brand, start, end, until, DIGEST_KIND):
        explained = Alert.details_from_json(alert.details)
        listed.append({"alert_id": alert.alert_id, "kind": alert.kind, "severity": alert.severity,
                       "subject": alert.subject, "window_local": explained.window_local, "ratio": explained.ratio,
                       "topic_label": explained.topic_label, "held": alert.held,
                       "author": explained.samples[0].author if alert.kind == "severe_complaint" and explained.samples
                       else None})
    return listed
