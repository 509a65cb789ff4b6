"""The daily digest per brand: the day's mentions, mix, complaints, terms, alerts and an hourly chart.

A digest is an Alert of kind `digest` (id from brand and day), so it goes through the same
outbox and is sent once per channel however often the digest task runs. It lists the brand's PR
alerts of the day and every alert still `held` by quiet hours up to the send time; those held
rows are then released into it (their reason becomes `digest:<digest alert_id>`; they are never
delivered on their own). Digests go to `alerts.digest.channels`, or by default to every channel
of the brand's PR routes (the local file channel when there are none); quiet hours do not apply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from alerts.model import Alert, AlertDetails, SamplePost
from alerts.outbox import BACKFILL, DeliveryReport, EnqueueReport, Target, deliver_pending, store
from alerts.settings import AlertSettings, NamedBrand

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

DIGEST_KIND = "digest"
PRIOR_DAYS = 7


@dataclass
class DigestReport:
    day: str
    digests: int = 0
    released: int = 0  # held alerts released into this digest
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


def build_digest(conn: DuckDBPyConnection, settings: AlertSettings, day: date,
                 until: datetime | None = None) -> list[Alert]:
    """One digest Alert per configured brand for `day`; held alerts count up to `until` (default: day end).

    Reads only (a reader on the published copy is fine): v_mentions and the outbox tables.
    """
    start, end = day_bounds(day, settings)
    until = until or end
    return [_brand_digest(conn, settings, brand, day, start, end, until) for brand in settings.brands.values()]


def digest_channels(settings: AlertSettings, brand: str) -> tuple[str, ...]:
    """`alerts.digest.channels`, else every channel of the brand's PR routes, else the local file."""
    if settings.digest.channels:
        return tuple(settings.digest.channels)
    return tuple(name for name, _ in settings.routed_channels(brand, None, "pr"))


def send_digest(conn: DuckDBPyConnection, settings: AlertSettings, day: date, channel_secrets: Mapping[str, Mapping[str, Any] | None],
                now: datetime, run_id: str = "digest", run_type: str = "scheduled") -> DigestReport:
    """Build, enqueue (once) and deliver the digests of `day`; held alerts up to `now` are released.

    `conn` is the warehouse writer in auto-commit mode (no open transaction); `now` is the edge's
    clock. A `backfill` run stores the digests as suppressed and delivers nothing at all.
    """
    report = DigestReport(day=day.isoformat())
    digests = build_digest(conn, settings, day, until=now)
    expire_after = settings.delivery.expire_after
    conn.execute("BEGIN")
    try:
        for digest in digests:
            if run_type == BACKFILL:
                status, reason = "suppressed", "backfill"
            elif digest.bucket_end + expire_after <= now:
                status, reason = "expired", "stale"
            else:
                status, reason = "pending", None
            targets = [Target(name, status, reason) for name in digest_channels(settings, digest.brand)]
            if store(conn, digest, run_id, run_type, targets, report.enqueue) and status == "pending":
                report.released += _release_held(conn, digest)
            report.digests += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if run_type != BACKFILL:
        report.delivery = deliver_pending(conn, settings, channel_secrets, now)
    return report


def _release_held(conn: DuckDBPyConnection, digest: Alert) -> int:
    held = [a["alert_id"] for a in digest.details.day_alerts if a.get("held")]
    if not held:
        return 0
    placeholders = ", ".join("?" for _ in held)
    return conn.execute(
        f"UPDATE deliveries SET reason = ? WHERE status = 'held' AND reason = 'quiet_hours' "
        f"AND alert_id IN ({placeholders})", [f"digest:{digest.alert_id}", *held]).fetchone()[0]


def _brand_digest(conn: DuckDBPyConnection, settings: AlertSettings, brand: NamedBrand, day: date, start: datetime, end: datetime,
                  until: datetime) -> Alert:
    top_n = settings.digest.top_n
    tz = settings.timezone
    rows = conn.execute(
        """SELECT published_at, label, complaint, complaint_reasons, keywords, platform
           FROM v_mentions WHERE brand = ? AND published_at >= ? AND published_at < ?""",
        [brand.id, start, end]).fetchall()
    prior = conn.execute("SELECT count(*) FROM v_mentions WHERE brand = ? AND published_at >= ? AND published_at < ?",
                         [brand.id, start - timedelta(days=PRIOR_DAYS), start]).fetchone()[0]
    samples = conn.execute(
        """SELECT text, url, author, platform, strftime(published_local, '%Y-%m-%d %H:%M'), engagement, label, complaint
           FROM v_mentions WHERE brand = ? AND published_at >= ? AND published_at < ?
           ORDER BY engagement DESC, published_at, native_id LIMIT 3""", [brand.id, start, end]).fetchall()
    hourly = {h: [0, 0, 0] for h in range(24)}
    for published_at, label, complaint, *_ in rows:
        counts = hourly[published_at.astimezone(tz).hour]
        counts[0] += 1
        counts[1] += label == "neg"
        counts[2] += bool(complaint)
    mix = Counter(r[1] for r in rows)
    expected = prior / PRIOR_DAYS
    details = AlertDetails(
        brand_name=brand.name, window_local=f"{day.isoformat()} ({tz.key})",
        ratio=round(len(rows) / expected, 2) if expected else 0.0,
        top_terms=[t for t, _ in Counter(t for r in rows for t in set(r[4])).most_common(top_n)],
        sentiment_mix={k: mix.get(k, 0) for k in ("pos", "neu", "neg")},
        complaint_reasons=Counter(x for r in rows for x in r[3]).most_common(top_n),
        top_sources=Counter(r[5] for r in rows).most_common(top_n),
        samples=[SamplePost(text=s[0][:280], url=s[1], author=s[2], platform=s[3], published_local=s[4],
                            engagement=int(s[5]), label=s[6], complaint=bool(s[7])) for s in samples],
        query=(f"SELECT published_local, platform, label, complaint, engagement, url, text FROM v_mentions "
               f"WHERE brand = '{brand.id}' AND published_at >= TIMESTAMPTZ '{start.isoformat()}' "
               f"AND published_at < TIMESTAMPTZ '{end.isoformat()}' ORDER BY engagement DESC"),
        hourly=[(f"{h:02d}", *counts) for h, counts in hourly.items()],
        day_alerts=_listed_alerts(conn, brand.id, start, end, until))
    return Alert(brand=brand.id, kind=DIGEST_KIND, audience="pr", severity="info", subject="daily",
                 bucket_start=start, bucket_end=end, observed=float(len(rows)), expected=round(expected, 2),
                 score=0.0, details=details)


def _listed_alerts(conn: DuckDBPyConnection, brand: str, start: datetime, end: datetime, until: datetime) -> list[dict[str, Any]]:
    rows = conn.execute(
        """SELECT a.alert_id, a.kind, a.severity, a.subject, a.bucket_start, a.bucket_end, a.details,
                  bool_or(d.status = 'held' AND d.reason = 'quiet_hours') AS held
           FROM alerts a LEFT JOIN deliveries d USING (alert_id)
           WHERE a.brand = ? AND a.kind <> ? AND
                 ((a.audience = 'pr' AND a.bucket_start >= ? AND a.bucket_start < ?)
                  OR (d.status = 'held' AND d.reason = 'quiet_hours' AND a.bucket_end <= ?))
           GROUP BY ALL ORDER BY a.bucket_start, a.kind, a.alert_id""",
        [brand, DIGEST_KIND, start, end, until]).fetchall()
    listed = []
    for alert_id, kind, severity, subject, _start, _end, details, held in rows:
        explained = Alert.details_from_json(details)
        listed.append({"alert_id": alert_id, "kind": kind, "severity": severity, "subject": subject,
                       "window_local": explained.window_local, "ratio": explained.ratio,
                       "topic_label": explained.topic_label, "held": bool(held)})
    return listed
