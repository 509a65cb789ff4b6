"""What the human reports read: the run summary `make run` prints and the daily digest's alert list.

Each function returns plain rows, ordered as the report shows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import duckdb


class SourceMentions(NamedTuple):
    brand: str
    platform: str
    source: str
    mentions: int


class BrandSentiment(NamedTuple):
    brand: str
    mentions: int
    pos: int
    neu: int
    neg: int
    complaints: int
    net: float


class SourceState(NamedTuple):
    brand: str
    source: str
    status: str
    error_kind: str | None
    message: str | None
    posts: int


class HotTopic(NamedTuple):
    brand: str
    label: str
    volume: int
    is_new: bool


class AlertDelivery(NamedTuple):
    brand: str
    kind: str
    severity: str
    bucket_local: str  # 'YYYY-MM-DD HH:MM'
    observed: float
    expected: float
    channel: str | None
    status: str | None
    reason: str | None
    subject: str


class DigestDelivery(NamedTuple):
    day: str  # 'YYYY-MM-DD'
    channel: str | None
    status: str | None


class ListedAlert(NamedTuple):
    """An alert a digest lists; `details` is the stored JSON; `held` if quiet hours hold a delivery of it."""

    alert_id: str
    kind: str
    severity: str
    subject: str
    details: str
    held: bool


def mention_totals(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(mentions, brands mentioned) over everything stored."""
    return conn.execute("SELECT count(*), count(DISTINCT brand) FROM v_mentions").fetchone()


def mentions_by_source(conn: duckdb.DuckDBPyConnection) -> list[SourceMentions]:
    """Mentions per brand, platform and source; per brand the busiest first."""
    rows = conn.execute(
        "SELECT brand, platform, source, count(*) FROM v_mentions GROUP BY ALL ORDER BY brand, 4 DESC").fetchall()
    return [SourceMentions(*row) for row in rows]


def sentiment_by_brand(conn: duckdb.DuckDBPyConnection) -> list[BrandSentiment]:
    """Per brand over all days: mentions, the sentiment mix, complaints and net sentiment."""
    rows = conn.execute(
        """SELECT brand, sum(mentions), sum(pos), sum(neu), sum(neg), sum(complaints),
                  round((sum(pos) - sum(neg)) / sum(mentions), 3)
           FROM v_daily GROUP BY brand ORDER BY brand""").fetchall()
    return [BrandSentiment(*row) for row in rows]


def latest_source_states(conn: duckdb.DuckDBPyConnection) -> list[SourceState]:
    """Each brand's sources as their latest window left them."""
    rows = conn.execute(
        """SELECT brand, source, status, error_kind, message, posts FROM v_source_health
           QUALIFY row_number() OVER (PARTITION BY brand, source ORDER BY window_end DESC) = 1
           ORDER BY brand, source""").fetchall()
    return [SourceState(*row) for row in rows]


def latest_hot_topics(conn: duckdb.DuckDBPyConnection) -> list[HotTopic]:
    """The topics of the latest topic window stored, per brand the highest score first."""
    rows = conn.execute(
        """SELECT brand, label, volume, is_new FROM v_hot_topics
           WHERE window_end = (SELECT max(window_end) FROM v_hot_topics) ORDER BY brand, score DESC""").fetchall()
    return [HotTopic(*row) for row in rows]


class SentDelivery(NamedTuple):
    kind: str
    run_type: str
    channel: str
    sent_at: datetime
    bucket_start: datetime
    bucket_end: datetime


def sent_pr_deliveries(conn: duckdb.DuckDBPyConnection, since: datetime) -> list[SentDelivery]:
    """PR alerts delivered for buckets from `since` on, first sent first: how late a live alert
    reached its channel (bench.backfill_while_serving)."""
    rows = conn.execute(
        """SELECT a.kind, a.run_type, d.channel, d.sent_at, a.bucket_start, a.bucket_end
           FROM alerts a JOIN deliveries d USING (alert_id)
           WHERE a.audience = 'pr' AND d.status = 'sent' AND a.bucket_start >= ? ORDER BY d.sent_at""",
        [since]).fetchall()
    return [SentDelivery(*row) for row in rows]


def alert_deliveries(conn: duckdb.DuckDBPyConnection) -> list[AlertDelivery]:
    """Every alert but digests, one row per channel, in bucket order."""
    rows = conn.execute(
        """SELECT brand, kind, severity, strftime(bucket_start_local, '%Y-%m-%d %H:%M'), observed, expected,
                  channel, status, reason, subject
           FROM v_alerts WHERE kind <> 'digest' ORDER BY bucket_start, brand, kind, channel""").fetchall()
    return [AlertDelivery(*row) for row in rows]


class IncidentLine(NamedTuple):
    incident_id: str
    audience: str
    subject: str  # the brand (pr) or the source (ops)
    severity: str
    status: str
    opened_local: str
    alerts: int
    escalations: int
    messages_sent: int


def incident_lines(conn: duckdb.DuckDBPyConnection, limit: int = 10) -> list[IncidentLine]:
    """The latest incidents, newest first: what the alerts of the run summary add up to."""
    rows = conn.execute(
        """SELECT incident_id, audience, coalesce(brand, source), severity, status,
                  strftime(opened_local, '%Y-%m-%d %H:%M'), alerts, escalations, messages_sent
           FROM v_incidents ORDER BY opened_at DESC, incident_id LIMIT ?""", [limit]).fetchall()
    return [IncidentLine(*row) for row in rows]


def digest_deliveries(conn: duckdb.DuckDBPyConnection) -> list[DigestDelivery]:
    """Which daily digests went to which channel, by local day."""
    rows = conn.execute(
        "SELECT DISTINCT strftime(bucket_start_local, '%Y-%m-%d'), channel, status FROM v_alerts "
        "WHERE kind = 'digest' ORDER BY 1").fetchall()
    return [DigestDelivery(*row) for row in rows]


def alerts_for_digest(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                      until: datetime, digest_kind: str) -> list[ListedAlert]:
    """The brand's PR alerts of buckets in [start, end), and its alerts held by quiet hours whose
    bucket ended by `until`; digests themselves excluded. In bucket order."""
    rows = conn.execute(
        """SELECT a.alert_id, a.kind, a.severity, a.subject, a.details,
                  bool_or(d.status = 'held' AND d.reason = 'quiet_hours') AS held
           FROM alerts a LEFT JOIN deliveries d USING (alert_id)
           WHERE a.brand = ? AND a.kind <> ? AND
                 ((a.audience = 'pr' AND a.bucket_start >= ? AND a.bucket_start < ?)
                  OR (d.status = 'held' AND d.reason = 'quiet_hours' AND a.bucket_end <= ?))
           GROUP BY a.alert_id, a.kind, a.severity, a.subject, a.details, a.bucket_start
           ORDER BY a.bucket_start, a.kind, a.alert_id""",
        [brand, digest_kind, start, end, until]).fetchall()
    return [ListedAlert(alert_id, kind, severity, subject, details, bool(held))
            for alert_id, kind, severity, subject, details, held in rows]


def stored_digests(conn: duckdb.DuckDBPyConnection, brand: str, day_start: datetime, digest_kind: str) -> int:
    """How many digests (first sending and re-sent revisions) are stored for the brand's day."""
    return conn.execute("SELECT count(*) FROM alerts WHERE brand = ? AND kind = ? AND bucket_start = ?",
                        [brand, digest_kind, day_start]).fetchone()[0]
