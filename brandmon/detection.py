"""Detection's I/O edge: read per-brand series, run the pure detectors, explain each alert.

Look-back: the spike detector decides a bucket from the `DetectorConfig.history` before it
(baseline days plus its scale window), so each run loads exactly that much history before its
window end; a run over any range therefore raises the same alerts as one long run over the
whole past (causal, start-independent). Alerts are kept for buckets inside the run's extraction
window (its interval plus the look-back), so posts that arrive late can still raise one; the
alert id makes a spike found twice the same alert.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from alerts.model import Alert, AlertDetails, SamplePost
from brandmon.config import Brand, Config
from brandmon.windows import RunWindow, floor_time
from transforms.terms import burst_terms

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

    from transforms.spikes import DetectorConfig
    from transforms.topics import Topic

# kind → (bucket_stats column, the posts behind it)
METRICS: dict[str, tuple[str, str]] = {
    "volume_spike": ("mentions", "TRUE"),
    "negative_spike": ("neg", "label = 'neg'"),
    "complaint_spike": ("complaints", "complaint"),
}
TERM_BASELINE = timedelta(days=7)
TRANSIENT_STREAK = 4  # scheduled intervals in a row with transient errors before ops hear about it
ERROR_SEVERITY = {"auth": "critical", "permanent": "warning", "transient": "warning"}


@dataclass(frozen=True)
class Series:
    timestamps: list[datetime]
    columns: dict[str, list[float]]


def brand_series(conn: DuckDBPyConnection, brand: str, start: datetime, end: datetime, bucket: timedelta) -> Series:
    """Dense bucket counts for one brand over [start, end): missing buckets are zero."""
    rows = conn.execute(
        "SELECT bucket_start, mentions, neg, complaints FROM bucket_stats "
        "WHERE brand = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start",
        [brand, start, end]).fetchall()
    names = [column for column, _ in METRICS.values()]
    if not rows:
        return Series([], {name: [] for name in names})
    by_time = {row[0]: row[1:] for row in rows}
    timestamps, current = [], rows[0][0]
    while current < end:
        timestamps.append(current)
        current += bucket
    zero = (0,) * len(names)
    return Series(timestamps, {name: [float(by_time.get(t, zero)[i]) for t in timestamps]
                               for i, name in enumerate(names)})


def detector_config(config: Config) -> DetectorConfig:
    """The shipped detector defaults with the config's `detection:` overrides applied."""
    from transforms.spikes import config_from_overrides

    try:
        return config_from_overrides(config.detection)
    except ValueError as error:
        raise ValueError(f"{config.path}: detection: {error}") from None


def find_spike_alerts(conn: DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """Spike alerts for every brand and metric whose bucket lies in the run's extraction window."""
    from transforms.spikes import detect_spikes

    detector = detector_config(config)
    bucket = config.schedule.bucket
    end = window.interval.end
    alerts = []
    for brand in config.brands.values():
        series = brand_series(conn, brand.id, floor_time(end - detector.history, bucket), end, bucket)
        for kind, (column, condition) in METRICS.items():
            for spike in detect_spikes(series.timestamps, series.columns[column], detector, bucket=bucket):
                if window.extraction.contains(spike.timestamp):
                    details = explain(conn, config, brand, spike.window_start, spike.window_end, condition, spike.ratio)
                    alerts.append(Alert(
                        brand=brand.id, kind=kind, audience="pr", severity=spike.severity, subject=column,
                        bucket_start=spike.window_start, bucket_end=spike.window_end, observed=float(spike.value),
                        expected=float(spike.expected), score=float(spike.score), details=details))
    return alerts


def explain(conn: DuckDBPyConnection, config: Config, brand: Brand, start: datetime, end: datetime, condition: str,
            ratio: float) -> AlertDetails:
    """What a PR reader needs: terms, mix, reasons, sources, three most engaged posts, a query.

    `condition` is SQL on v_mentions selecting the posts behind the alert (literals only).
    """
    where = f"brand = ? AND published_at >= ? AND published_at < ? AND {condition}"
    rows = conn.execute(
        f"SELECT label, complaint_reasons, keywords, platform, complaint FROM v_mentions WHERE {where}",
        [brand.id, start, end]).fetchall()
    base = conn.execute(
        "SELECT keywords FROM v_mentions WHERE brand = ? AND published_at >= ? AND published_at < ?",
        [brand.id, start - TERM_BASELINE, start]).fetchall()
    samples = conn.execute(
        f"""SELECT text, url, author, platform, strftime(published_local, '%Y-%m-%d %H:%M'), engagement, label, complaint
            FROM v_mentions WHERE {where} ORDER BY engagement DESC, published_at, native_id LIMIT 3""",
        [brand.id, start, end]).fetchall()
    mix = Counter(r[0] for r in rows)
    current_terms = Counter(term for r in rows for term in set(r[2]))
    baseline_terms = Counter(term for r in base for term in set(r[0]))
    literal_where = where.replace("?", "{}").format(repr(brand.id), _ts(start), _ts(end))
    return AlertDetails(
        brand_name=brand.name, window_local=window_local(config, start, end), ratio=round(ratio, 2),
        top_terms=burst_terms(current_terms, baseline_terms),
        sentiment_mix={label: mix.get(label, 0) for label in ("pos", "neu", "neg")},
        complaint_reasons=Counter(reason for r in rows if r[4] for reason in r[1]).most_common(5),
        top_sources=Counter(r[3] for r in rows).most_common(3),
        samples=[SamplePost(text=s[0][:280], url=s[1], author=s[2], platform=s[3], published_local=s[4],
                            engagement=int(s[5]), label=s[6], complaint=bool(s[7])) for s in samples],
        query=(f"SELECT published_local, platform, label, complaint, engagement, url, text FROM v_mentions "
               f"WHERE {literal_where} ORDER BY engagement DESC"))


TOPIC_WINDOW = timedelta(hours=1)
TOPIC_BASELINE = timedelta(days=7)


def find_topics(conn: DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """Hot topics of the hour before the run's end, per brand, against the week before it.

    Every topic is stored in `topics` (v_hot_topics); a new topic with enough posts alerts, once
    per topic key and local day (the next day its seed is in the baseline, so it is not new).
    """
    from transforms.topics import detect_topics

    end = window.interval.end
    start = end - TOPIC_WINDOW
    alerts = []
    for brand in config.brands.values():
        current = _topic_docs(conn, brand.id, start, end)
        baseline = _topic_docs(conn, brand.id, start - TOPIC_BASELINE, start)
        for topic in detect_topics(current, baseline):
            conn.execute("INSERT OR REPLACE INTO topics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [brand.id, start, end, topic.key, topic.label, list(topic.terms), topic.volume,
                          topic.baseline_volume, topic.score, topic.lift, topic.is_new, topic.alert,
                          list(topic.post_keys)])
            if topic.alert:
                alerts.append(_topic_alert(conn, config, brand, topic, start, end))
    return alerts


def _topic_docs(conn: DuckDBPyConnection, brand: str, start: datetime, end: datetime) -> list[tuple[str, list[str]]]:
    rows = conn.execute(
        "SELECT platform || ':' || native_id, terms FROM posts JOIN mentions USING (platform, native_id) "
        "WHERE brand = ? AND posts.published_at >= ? AND posts.published_at < ? AND terms IS NOT NULL "
        "ORDER BY posts.published_at, platform, native_id", [brand, start, end]).fetchall()
    return [(key, terms) for key, terms in rows]


def _topic_alert(conn: DuckDBPyConnection, config: Config, brand: Brand, topic: Topic, start: datetime, end: datetime) -> Alert:
    keys = ", ".join("'" + key.replace("'", "''") + "'" for key in topic.post_keys)
    details = explain(conn, config, brand, start, end, f"platform || ':' || native_id IN ({keys})",
                      ratio=topic.lift)
    details = replace(details, topic_label=topic.label, top_terms=list(topic.terms[:8]))
    day = _local_day(config, end)
    return Alert(brand=brand.id, kind="new_topic", audience="pr", severity="warning", subject=topic.key,
                 bucket_start=day, bucket_end=day + timedelta(days=1), observed=float(topic.volume),
                 expected=float(topic.baseline_volume), score=float(topic.score), details=details)


def _local_day(config: Config, moment: datetime) -> datetime:
    """Midnight of the local day holding the instant just before `moment`."""
    last = (moment - timedelta(microseconds=1)).astimezone(config.timezone)
    return last.replace(hour=0, minute=0, second=0, microsecond=0)


def find_source_alerts(conn: DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """Ops alerts: sources failing in this window, and busy sources gone silent.

    Auth and permanent errors alert at once, transient ones after TRANSIENT_STREAK windows in a
    row. One alert per source, problem and local day, so an expired cookie pages once a day,
    not every interval.
    """
    alerts = []
    rows = conn.execute(
        "SELECT brand, source, error_kind, message FROM source_runs "
        "WHERE window_start = ? AND window_end = ? AND status IN ('error', 'partial') AND error_kind IS NOT NULL",
        [window.interval.start, window.interval.end]).fetchall()
    for brand_id, source, error_kind, message in rows:
        if error_kind == "transient" and _error_streak(conn, config, brand_id, source, window) < TRANSIENT_STREAK:
            continue
        alerts.append(_ops_alert(config, brand_id, source, "source_error", error_kind, ERROR_SEVERITY[error_kind],
                                 window, message))
    return alerts + _silence_alerts(conn, config, window)


def _silence_alerts(conn: DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    from transforms.silence import DEFAULT_SILENCE, detect_silence

    interval = config.schedule.interval
    history = DEFAULT_SILENCE.history
    alerts = []
    for brand in config.brands.values():
        for source in brand.sources:
            rows = conn.execute(
                "SELECT window_start, interval_posts FROM source_runs WHERE brand = ? AND source = ? "
                "AND window_end - window_start = ? AND interval_posts IS NOT NULL "
                "AND window_start >= ? AND window_start < ? ORDER BY window_start",
                [brand.id, source, interval, window.interval.end - history, window.interval.end]).fetchall()
            if len(rows) < 2:
                continue
            silences = detect_silence([r[0] for r in rows], [float(r[1]) for r in rows], DEFAULT_SILENCE,
                                      end=window.interval.end, bucket=interval)
            for silence in silences:
                if window.extraction.contains(silence.timestamp):
                    message = (f"no posts since {silence.since.astimezone(config.timezone):%Y-%m-%d %H:%M}; "
                               f"usually about {silence.expected:.0f} per {DEFAULT_SILENCE.window}")
                    alerts.append(_ops_alert(config, brand.id, source, "source_silent", "silent", "warning",
                                             window, message, observed=0.0, expected=silence.expected))
    return alerts


def _ops_alert(config: Config, brand_id: str, source: str, kind: str, problem: str, severity: str,
               window: RunWindow, message: str, observed: float = 0.0, expected: float = 0.0) -> Alert:
    local_day = _local_day(config, window.interval.end)
    details = AlertDetails(brand_name=config.brands[brand_id].name,
                           window_local=window_local(config, window.interval.start, window.interval.end),
                           ratio=0.0, source=source, error_kind=problem, message=message)
    return Alert(brand=brand_id, kind=kind, audience="ops", severity=severity, subject=f"{source}:{problem}",
                 bucket_start=local_day, bucket_end=local_day + timedelta(days=1), observed=observed,
                 expected=expected, score=0.0, details=details)


def _error_streak(conn: DuckDBPyConnection, config: Config, brand: str, source: str, window: RunWindow) -> int:
    """Failing scheduled intervals in a row up to this window (wide manual windows do not count:
    the streak measures how long a source has been down, in intervals)."""
    statuses = conn.execute(
        "SELECT status FROM source_runs WHERE brand = ? AND source = ? AND window_end <= ? "
        "AND window_end - window_start = ? ORDER BY window_end DESC LIMIT ?",
        [brand, source, window.interval.end, config.schedule.interval, TRANSIENT_STREAK]).fetchall()
    streak = 0
    for (status,) in statuses:
        if status == "ok":
            break
        streak += 1
    return streak


def window_local(config: Config, start: datetime, end: datetime) -> str:
    """A window as PR teams read it: '2026-11-26 14:00–15:00 (Asia/Shanghai)'."""
    local = config.timezone
    return f"{start.astimezone(local):%Y-%m-%d %H:%M}–{end.astimezone(local):%H:%M} ({local.key})"


def _ts(moment: datetime) -> str:
    return f"TIMESTAMPTZ '{moment.isoformat()}'"
