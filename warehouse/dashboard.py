"""What the dashboard pages read: brands at a glance, incidents, share of voice, source health.

Plain values in and out, like every read here; times are aware UTC datetimes, and the pages show
them in the zone `local_zone` names. Incidents are the stored ones (`v_incidents`, migration 0006)
of the PR audience; a PR alert stored before incidents were (no `incident_alerts` row, digests
aside) is shown as a closed incident of its own, with its alert id as the incident id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from warehouse.runs import RunRecord

if TYPE_CHECKING:
    import duckdb

_SEVERITY_RANK = "CASE severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END"


class Incident(NamedTuple):
    """One brand's incident as stored: its alerts, from the first bucket's start to the last one's end."""

    incident_id: str  # as messages name it (an alert stored before incidents: its alert id)
    brand: str
    start: datetime
    end: datetime
    severity: str  # as stored: the highest so far
    status: str  # 'open', 'escalated' (open, raised since it opened) or 'closed'
    alert_ids: tuple[str, ...]  # in the incident's order
    kinds: tuple[str, ...]  # in order of arrival


class BrandGlance(NamedTuple):
    """A brand over the days before `as_of`: volume, negative share, complaints and its open incidents."""

    brand: str
    name: str
    mentions_day: int  # the last 24 hours
    mentions: int  # the whole period
    neg: int
    complaints: int
    net_sentiment: float | None
    open_incidents: int
    open_alerts: int
    daily: tuple[tuple[str, int, int], ...]  # (local day 'YYYY-MM-DD', mentions, neg), every day of the period


class CountPoint(NamedTuple):
    """Counts of one step of a series (bucket_stats summed), starting at `start` (UTC)."""

    start: datetime
    mentions: int
    neg: int
    complaints: int


class NamedCount(NamedTuple):
    """A complaint category or reason with its Chinese and English names and how many posts gave it."""

    code: str
    zh: str
    en: str
    count: int


class TopicRow(NamedTuple):
    label: str
    volume: int
    is_new: bool
    alerted: bool
    score: float


class TimelineEntry(NamedTuple):
    """One alert of an incident with where it went (channel, status) per channel."""

    alert_id: str
    kind: str
    severity: str
    subject: str
    bucket_start: datetime
    bucket_end: datetime
    observed: float
    expected: float
    details: str  # the stored JSON (topic label, reasons, samples)
    deliveries: tuple[tuple[str, str], ...]


class VoiceDay(NamedTuple):
    day: str  # local 'YYYY-MM-DD'
    brand: str
    mentions: int


class VoiceTotal(NamedTuple):
    brand: str
    name: str
    mentions: int
    neg: int
    complaints: int
    share: float | None


class SourceActivity(NamedTuple):
    """One brand × source since a time: windows run, how many failed, posts found, the last error."""

    brand: str
    source: str
    windows: int
    failed: int
    posts: int
    quarantined: int
    last_error_kind: str | None
    last_message: str | None


def local_zone(conn: duckdb.DuckDBPyConnection) -> ZoneInfo:
    """The configured time zone the warehouse was last written with (views show local times in it)."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchone()
    return ZoneInfo(row[0] if row else "UTC")


def as_of(conn: duckdb.DuckDBPyConnection) -> datetime | None:
    """Where the data stands: the end of the latest live run's interval, else the latest post; None if empty."""
    row = conn.execute(
        "SELECT coalesce((SELECT max(interval_end) FROM pipeline_runs WHERE run_type <> 'backfill'), "
        "(SELECT max(published_at) FROM posts))").fetchone()
    return row[0] if row else None


def brand_names(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Configured brands by id, with the name messages show, in id order."""
    return dict(conn.execute("SELECT brand, name FROM brands ORDER BY brand").fetchall())


def incidents(conn: duckdb.DuckDBPyConnection) -> list[Incident]:
    """Every PR incident, the latest alert's bucket first; PR alerts without an incident (stored
    before migration 0006; digests aside) each as a closed incident of their own."""
    rows = conn.execute(
        """SELECT i.incident_id, i.brand, min(a.bucket_start) AS start, max(a.bucket_end) AS "end", i.severity,
                  CASE WHEN i.status = 'closed' THEN 'closed' WHEN i.escalations > 0 THEN 'escalated' ELSE 'open' END,
                  list(l.alert_id ORDER BY l.seq), i.kinds
           FROM v_incidents i JOIN incident_alerts l USING (incident_id) JOIN alerts a USING (alert_id)
           WHERE i.audience = 'pr' GROUP BY ALL
           UNION ALL
           SELECT alert_id, brand, bucket_start, bucket_end, severity, 'closed', [alert_id], [kind]
           FROM alerts a WHERE audience = 'pr' AND kind <> 'digest'
             AND NOT EXISTS (SELECT 1 FROM incident_alerts l WHERE l.alert_id = a.alert_id)
           ORDER BY "end" DESC, brand, 1""").fetchall()
    return [Incident(incident_id, brand, start, end, severity, status, tuple(ids), tuple(kinds))
            for incident_id, brand, start, end, severity, status, ids, kinds in rows]


def incident_of_alert(found: list[Incident], alert_id: str) -> Incident | None:
    """The incident holding an alert (what an alert's link opens)."""
    return next((i for i in found if alert_id in i.alert_ids), None)


def brands_at_a_glance(conn: duckdb.DuckDBPyConnection, at: datetime, days: int,
                       found: list[Incident]) -> list[BrandGlance]:
    """Each configured brand over the `days` local days ending with `at`'s day, with its open incidents."""
    zone = local_zone(conn)
    last_day = at.astimezone(zone).date()
    first_day = last_day - timedelta(days=days - 1)
    daily: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    for brand, day, mentions, neg, complaints, pos in conn.execute(
            "SELECT brand, day, mentions, neg, complaints, pos FROM v_daily WHERE day BETWEEN ? AND ?",
            [first_day, last_day]).fetchall():
        daily.setdefault(brand, {})[day.isoformat()] = (mentions, neg, complaints, pos)
    last_24h = dict(conn.execute(
        "SELECT brand, sum(mentions) FROM bucket_stats WHERE bucket_start >= ? AND bucket_start < ? GROUP BY brand",
        [at - timedelta(hours=24), at]).fetchall())
    day_names = [(first_day + timedelta(days=n)).isoformat() for n in range(days)]
    glances = []
    for brand, name in brand_names(conn).items():
        per_day = daily.get(brand, {})
        mentions = sum(v[0] for v in per_day.values())
        neg = sum(v[1] for v in per_day.values())
        pos = sum(v[3] for v in per_day.values())
        open_ones = [i for i in found if i.brand == brand and i.status != "closed"]
        glances.append(BrandGlance(
            brand, name, int(last_24h.get(brand) or 0), mentions, neg, sum(v[2] for v in per_day.values()),
            round((pos - neg) / mentions, 3) if mentions else None, len(open_ones),
            sum(len(i.alert_ids) for i in open_ones),
            tuple((d, *per_day.get(d, (0, 0, 0, 0))[:2]) for d in day_names)))
    return glances


def counts(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
           step: timedelta) -> list[CountPoint]:
    """The brand's bucket counts summed per `step` from `start` to `end` (UTC steps), zeros where nothing was stored."""
    rows = conn.execute(
        "SELECT bucket_start, mentions, neg, complaints FROM bucket_stats "
        "WHERE brand = ? AND bucket_start >= ? AND bucket_start < ?", [brand, start, end]).fetchall()
    steps = max(int((end - start) / step), 0)
    sums = [[0, 0, 0] for _ in range(steps)]
    for bucket_start, *values in rows:
        index = int((bucket_start - start) / step)
        if index < steps:
            sums[index] = [a + b for a, b in zip(sums[index], values)]
    return [CountPoint(start + step * n, *sums[n]) for n in range(steps)]


def complaint_categories(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime,
                         end: datetime) -> list[NamedCount]:
    """How many of the brand's complaints of [start, end) fell in each category, most first."""
    rows = conn.execute(
        """SELECT c.category, l.zh, l.en, count(*) FROM (
               SELECT unnest(complaint_categories) AS category FROM v_mentions
               WHERE brand = ? AND complaint AND published_at >= ? AND published_at < ?) c
           JOIN complaint_labels l ON l.code = c.category
           GROUP BY ALL ORDER BY 4 DESC, 1""", [brand, start, end]).fetchall()
    return [NamedCount(*row) for row in rows]


def complaint_reasons(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                      limit: int) -> list[NamedCount]:
    """The reasons the brand's complaints of [start, end) gave, with how many posts gave each, most first."""
    rows = conn.execute(
        """SELECT r.code, r.zh, r.en, count(DISTINCT (platform, native_id)) FROM (
               SELECT platform, native_id, unnest(complaint_reason_details) AS r FROM v_mentions
               WHERE brand = ? AND complaint AND published_at >= ? AND published_at < ?)
           GROUP BY ALL ORDER BY 4 DESC, 1 LIMIT ?""", [brand, start, end, limit]).fetchall()
    return [NamedCount(*row) for row in rows]


def hot_topics(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
               limit: int) -> list[TopicRow]:
    """The brand's topics of the topic windows ending in (start, end], each label once at its highest score."""
    rows = conn.execute(
        """SELECT label, max(volume), bool_or(is_new), bool_or(alert), max(score) FROM topics
           WHERE brand = ? AND window_end > ? AND window_end <= ?
           GROUP BY label ORDER BY max(score) DESC, label LIMIT ?""", [brand, start, end, limit]).fetchall()
    return [TopicRow(*row) for row in rows]


def timeline(conn: duckdb.DuckDBPyConnection, alert_ids: tuple[str, ...]) -> list[TimelineEntry]:
    """The alerts named, in bucket order (critical first within a bucket), each with its deliveries."""
    if not alert_ids:
        return []
    rows = conn.execute(
        f"""SELECT alert_id, kind, severity, subject, bucket_start, bucket_end, observed, expected, details,
                   (SELECT list([d.channel, d.status] ORDER BY d.channel) FROM deliveries d
                    WHERE d.alert_id = a.alert_id)
            FROM alerts a WHERE alert_id IN ({', '.join('?' for _ in alert_ids)})
            ORDER BY bucket_start, {_SEVERITY_RANK} DESC, kind, alert_id""", list(alert_ids)).fetchall()
    return [TimelineEntry(*row[:-1], tuple((channel, status) for channel, status in row[-1] or ())) for row in rows]


def voice_groups(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """Each brand with configured competitors, and the group it is measured against (itself first)."""
    rows = conn.execute("SELECT brand, competitors FROM brands WHERE len(competitors) > 0 ORDER BY brand").fetchall()
    return {brand: (brand, *competitors) for brand, competitors in rows}


def voice_by_day(conn: duckdb.DuckDBPyConnection, members: tuple[str, ...], first_day: str,
                 last_day: str) -> list[VoiceDay]:
    """Mentions per local day of each member of a group, days in [first_day, last_day] that have any."""
    rows = conn.execute(
        f"""SELECT strftime(day, '%Y-%m-%d'), brand, mentions FROM v_daily
            WHERE brand IN ({', '.join('?' for _ in members)}) AND day BETWEEN ? AND ? ORDER BY day, brand""",
        [*members, first_day, last_day]).fetchall()
    return [VoiceDay(*row) for row in rows]


def voice_totals(conn: duckdb.DuckDBPyConnection, members: tuple[str, ...], first_day: str,
                 last_day: str) -> list[VoiceTotal]:
    """Each member's mentions, negatives and complaints over the days, and its share of the group's mentions."""
    rows = conn.execute(
        f"""WITH totals AS (
                SELECT b.brand, b.name, coalesce(sum(d.mentions), 0) AS mentions, coalesce(sum(d.neg), 0) AS neg,
                       coalesce(sum(d.complaints), 0) AS complaints
                FROM brands b LEFT JOIN v_daily d ON d.brand = b.brand AND d.day BETWEEN ? AND ?
                WHERE b.brand IN ({', '.join('?' for _ in members)}) GROUP BY ALL)
            SELECT brand, name, mentions, neg, complaints,
                   CASE WHEN sum(mentions) OVER () > 0 THEN round(mentions / sum(mentions) OVER (), 4) END
            FROM totals""", [first_day, last_day, *members]).fetchall()
    order = {m: n for n, m in enumerate(members)}
    return sorted((VoiceTotal(*row) for row in rows), key=lambda t: order[t.brand])


def source_activity(conn: duckdb.DuckDBPyConnection, since: datetime) -> list[SourceActivity]:
    """Each brand × source's windows ending after `since`: how many, how many failed, posts, the last error."""
    rows = conn.execute(
        """SELECT brand, source, count(*), count(*) FILTER (WHERE status = 'error'), sum(posts), sum(quarantined),
                  arg_max(error_kind, window_end) FILTER (WHERE error_kind IS NOT NULL),
                  arg_max(message, window_end) FILTER (WHERE error_kind IS NOT NULL)
           FROM source_runs WHERE window_end > ? GROUP BY brand, source ORDER BY brand, source""",
        [since]).fetchall()
    return [SourceActivity(*row) for row in rows]


def recent_runs(conn: duckdb.DuckDBPyConnection, limit: int) -> list[RunRecord]:
    """The latest finished runs (live and backfill), latest interval first."""
    rows = conn.execute(
        "SELECT run_id, run_type, interval_start, interval_end, finished_at, alerts_new FROM pipeline_runs "
        "ORDER BY interval_end DESC, finished_at DESC LIMIT ?", [limit]).fetchall()
    return [RunRecord(*row) for row in rows]


def ops_alerts(conn: duckdb.DuckDBPyConnection, since: datetime) -> list[TimelineEntry]:
    """Source-health alerts whose bucket ended after `since`, latest first."""
    ids = tuple(r[0] for r in conn.execute(
        "SELECT alert_id FROM alerts WHERE audience = 'ops' AND bucket_end > ?", [since]).fetchall())
    return list(reversed(timeline(conn, ids)))
