"""Detection's I/O edge: read per-brand bucket series, run the pure detectors, explain alerts.

The look-back reaches as far as the detector needs history (`DetectorConfig.history`); buckets
with no row are zero mentions. Alerts are kept for buckets inside the run's extraction window
(its interval plus the look-back, so late posts can still raise an alert), and each one carries
the explanation PR teams read: terms, sentiment mix, complaint reasons, sources, samples, query.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.model import Alert, AlertDetails, SamplePost
from brandmon.config import Brand, Config
from brandmon.windows import RunWindow, floor_time
from transforms.terms import burst_terms

# kind → (bucket_stats column, filter on the posts behind it)
METRICS: dict[str, tuple[str, str]] = {
    "volume_spike": ("mentions", "TRUE"),
    "negative_spike": ("neg", "label = 'neg'"),
    "complaint_spike": ("complaints", "complaint"),
}
TERM_BASELINE = timedelta(days=7)


@dataclass(frozen=True)
class Series:
    timestamps: list[datetime]
    columns: dict[str, list[float]]


def brand_series(conn: Any, brand: str, start: datetime, end: datetime, bucket: timedelta) -> Series:
    """Dense bucket counts for one brand over [start, end): missing buckets are zero."""
    rows = conn.execute(
        "SELECT bucket_start, mentions, neg, complaints FROM bucket_stats "
        "WHERE brand = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start",
        [brand, start, end]).fetchall()
    if not rows:
        return Series([], {name: [] for name, _ in METRICS.values()})
    by_time = {row[0]: row[1:] for row in rows}
    first, timestamps = rows[0][0], []
    current = first
    while current < end:
        timestamps.append(current)
        current += bucket
    columns = {name: [float(by_time.get(t, (0, 0, 0))[i]) for t in timestamps]
               for i, name in enumerate(("mentions", "neg", "complaints"))}
    return Series(timestamps, columns)


def find_spike_alerts(conn: Any, config: Config, window: RunWindow) -> list[Alert]:
    """Spike alerts for every brand and metric whose bucket lies in the run's extraction window."""
    from transforms.spikes import detect_spikes

    detector = detector_config(config)
    bucket = config.schedule.bucket
    end = window.interval.end
    alerts = []
    for brand in config.brands.values():
        series = brand_series(conn, brand.id, floor_time(end - detector.history, bucket), end, bucket)
        for kind, (column, condition) in METRICS.items():
            for spike in detect_spikes(series.timestamps, series.columns[column], detector):
                if window.extraction.contains(spike.timestamp):
                    alerts.append(_spike_alert(conn, config, brand, kind, column, condition, spike))
    return alerts


def detector_config(config: Config) -> Any:
    """The shipped detector defaults with the config's `detection:` overrides applied."""
    from dataclasses import fields, replace

    from transforms.spikes import DEFAULT

    known = {f.name for f in fields(DEFAULT)}
    unknown = set(config.detection) - known
    if unknown:
        raise ValueError(f"{config.path}: detection: unknown keys {sorted(unknown)}. Fix: use some of {sorted(known)}")
    return replace(DEFAULT, **dict(config.detection))


def _spike_alert(conn: Any, config: Config, brand: Brand, kind: str, column: str, condition: str, spike: Any) -> Alert:
    start = spike.timestamp
    end = start + config.schedule.bucket
    details = explain(conn, config, brand, start, end, condition, ratio=spike.value / max(spike.expected, 1e-9))
    return Alert(brand=brand.id, kind=kind, audience="pr", severity=spike.severity, subject=column,
                 bucket_start=start, bucket_end=end, observed=float(spike.value), expected=float(spike.expected),
                 score=float(spike.score), details=details)


def explain(conn: Any, config: Config, brand: Brand, start: datetime, end: datetime, condition: str,
            ratio: float) -> AlertDetails:
    """What a PR reader needs: terms, mix, reasons, sources, three most engaged posts, a query."""
    where = f"brand = ? AND published_at >= ? AND published_at < ? AND {condition}"
    rows = conn.execute(
        f"SELECT label, complaint, complaint_reasons, keywords, platform, source FROM v_mentions WHERE {where}",
        [brand.id, start, end]).fetchall()
    base = conn.execute(
        "SELECT keywords FROM v_mentions WHERE brand = ? AND published_at >= ? AND published_at < ?",
        [brand.id, start - TERM_BASELINE, start]).fetchall()
    samples = conn.execute(
        f"""SELECT text, url, author, platform, strftime(published_local, '%Y-%m-%d %H:%M'), engagement, label, complaint
            FROM v_mentions WHERE {where} ORDER BY engagement DESC, published_at, native_id LIMIT 3""",
        [brand.id, start, end]).fetchall()
    mix = Counter(r[0] for r in rows)
    reasons = Counter(reason for r in rows for reason in r[2])
    sources = Counter(r[4] for r in rows)
    current_terms = Counter(term for r in rows for term in set(r[3]))
    baseline_terms = Counter(term for r in base for term in set(r[0]))
    local = config.timezone
    window_local = (f"{start.astimezone(local):%Y-%m-%d %H:%M}–{end.astimezone(local):%H:%M} ({local.key})")
    query = (f"SELECT published_local, platform, label, complaint, engagement, url, text FROM v_mentions "
             f"WHERE {where.replace('?', '{}').format(repr(brand.id), _ts(start), _ts(end))} "
             f"ORDER BY engagement DESC")
    return AlertDetails(
        brand_name=brand.name, window_local=window_local, ratio=round(ratio, 2),
        top_terms=burst_terms(current_terms, baseline_terms),
        sentiment_mix={label: mix.get(label, 0) for label in ("pos", "neu", "neg")},
        complaint_reasons=reasons.most_common(5), top_sources=sources.most_common(3),
        samples=[SamplePost(text=s[0][:280], url=s[1], author=s[2], platform=s[3], published_local=s[4],
                            engagement=int(s[5]), label=s[6], complaint=bool(s[7])) for s in samples],
        query=query)


def _ts(moment: datetime) -> str:
    return f"TIMESTAMPTZ '{moment.isoformat()}'"


def details_json(details: AlertDetails) -> str:
    from dataclasses import asdict

    return json.dumps(asdict(details), ensure_ascii=False, default=str)
