"""Detection, per brand: read series from the warehouse, run the pure detectors, build the alerts.

Look-back: the spike detector decides a bucket from the `DetectorConfig.history` before it
(baseline days plus its scale window), so each run loads exactly that much history before its
window end; a run over any range therefore raises the same alerts as one long run over the
whole past (causal, start-independent). Alerts are kept for buckets inside the run's extraction
window (its interval plus the look-back), so posts that arrive late can still raise one; the
alert id makes a spike found twice the same alert. Only the buckets that can decide those alerts
are scored (`transforms.spikes.decided_from`): the window and the cooldown before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from alerts.coverage import uncovered
from alerts.explain import (
    SAMPLES,
    hourly_trend,
    local_day,
    posts_details,
    severe_complaint_details,
    trend_start,
    window_local,
)
from alerts.model import Alert, AlertDetails, Trend
from brandmon.config import Brand, Config
from brandmon.windows import RunWindow, floor_time
from transforms.terms import burst_terms
from warehouse.posts import (
    PostSelection,
    complaint_labels,
    listing_query,
    post_facts,
    severe_complaints,
    top_posts,
    topic_docs,
)
from warehouse.runs import run_spans
from warehouse.schema import Metric
from warehouse.series import BucketSeries, bucket_series, failed_sources, failure_streak, interval_posts
from warehouse.spread import selection_spread
from warehouse.term_counts import keyword_baseline, unit_baseline
from warehouse.topics import recent_topics, store_topics

if TYPE_CHECKING:
    import duckdb

    from transforms.spikes import DetectorConfig
    from transforms.topics import Topic

# alert kind → the bucket_stats count it watches (warehouse.schema.BUCKET_METRICS)
METRICS: dict[str, Metric] = {"volume_spike": "mentions", "negative_spike": "neg", "complaint_spike": "complaints"}
TERM_BASELINE = timedelta(days=7)
TOPIC_WINDOW = timedelta(hours=1)
TOPIC_BASELINE = timedelta(days=7)
STORY_MEMORY = timedelta(days=1)  # a topic continues a story stored this long before (transforms.stories)
SPREAD_POSTS = 2  # posts of an alert whose spread it tells, accelerating first
TRANSIENT_STREAK = 4  # scheduled intervals in a row with transient errors before ops hear about it
ERROR_SEVERITY = {"auth": "critical", "permanent": "warning", "transient": "warning"}


@dataclass(frozen=True)
class SevereComplaintRule:
    """When a severe complaint alerts on its own, without a spike: its author has `followers` or
    more, or it reached `engagement` reposts + comments + likes."""

    followers: int = 10_000
    engagement: int = 200


# `detection:` keys of the severe-complaint rule (the others are the spike detector's)
SEVERE_COMPLAINT_KEYS = {"severe_complaint_followers": "followers", "severe_complaint_engagement": "engagement"}


def detector_config(config: Config) -> DetectorConfig:
    """The shipped detector defaults with the config's `detection:` overrides applied."""
    from transforms.spikes import config_from_overrides

    try:
        return config_from_overrides({k: v for k, v in config.detection.items() if k not in SEVERE_COMPLAINT_KEYS})
    except ValueError as error:
        raise ValueError(f"{config.path}: detection: {error}") from None


def severe_complaint_rule(config: Config) -> SevereComplaintRule:
    """The severe-complaint thresholds: the defaults with `detection.severe_complaint_followers` and
    `detection.severe_complaint_engagement` applied; ValueError naming the key for a bad value."""
    changes = {}
    for key, name in SEVERE_COMPLAINT_KEYS.items():
        if key in config.detection:
            value = config.detection[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{config.path}: detection: {key}: expected a whole number of 0 or more, got {value!r}")
            changes[name] = value
    return replace(SevereComplaintRule(), **changes)


def find_spike_alerts(conn: duckdb.DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """Spike alerts for every brand and metric whose bucket lies in the run's extraction window."""
    from transforms.spikes import detect_spikes

    detector = detector_config(config)
    bucket = config.schedule.bucket
    end = window.interval.end
    alerts = []
    for brand in config.brands.values():
        series = bucket_series(conn, brand.id, floor_time(end - detector.history, bucket), end, bucket)
        for kind, metric in METRICS.items():
            for spike in detect_spikes(series.timestamps, series.counts[metric], detector, bucket=bucket,
                                       since=window.extraction.start):
                if window.extraction.contains(spike.timestamp):
                    posts = PostSelection(brand.id, spike.window_start, spike.window_end, metric=metric)
                    alerts.append(Alert(
                        brand=brand.id, kind=kind, audience="pr", severity=spike.severity, subject=metric,
                        bucket_start=spike.window_start, bucket_end=spike.window_end, observed=float(spike.value),
                        expected=float(spike.expected), score=float(spike.score),
                        details=replace(explain(conn, config, brand, posts, spike.ratio),
                                        trend=spike_trend(conn, config, series, spike.window_end, window))))
    return alerts


def spike_trend(conn: duckdb.DuckDBPyConnection, config: Config, series: BucketSeries, end: datetime,
                window: RunWindow) -> Trend:
    """The chart of a spike: hourly counts from local midnight a week before its day up to its end,
    with the spans no run has loaded (this run's own window counts as loaded: it is being detected)."""
    start = trend_start(config.timezone, end)
    loaded = run_spans(conn, start, end) + [(window.extraction.start, window.extraction.end)]
    return hourly_trend(series.timestamps, series.counts, start, end, config.timezone, uncovered(loaded, start, end))


def explain(conn: duckdb.DuckDBPyConnection, config: Config, brand: Brand, posts: PostSelection,
            ratio: float) -> AlertDetails:
    """What a PR reader needs about the selected posts: terms new against the week before, mix,
    reasons, sources, the riskiest posts (copies grouped), how those with a cascade spread, and the
    query that lists them all."""
    facts = post_facts(conn, posts)
    current = _term_counts(f.keywords for f in facts)
    top_terms = burst_terms(current, keyword_baseline(conn, brand.id, posts.start - TERM_BASELINE, posts.start, current))
    details = posts_details(brand.name, window_local(config.timezone, posts.start, posts.end), ratio, top_terms, facts,
                            top_posts(conn, posts, SAMPLES), listing_query(posts), complaint_labels(conn))
    return replace(details, spread=selection_spread(conn, posts, SPREAD_POSTS))


def _term_counts(per_post: Iterable[list[str]]) -> Counter[str]:
    """In how many posts each term occurs."""
    return Counter(term for keywords in per_post for term in set(keywords))


def find_topics(conn: duckdb.DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """Hot topics of the hour before the run's end, per brand, against the week before it.

    A topic that continues a story stored in the day before takes that story's key
    (`transforms.stories`). Every topic is stored in `topics` (v_hot_topics); a new topic with
    enough posts alerts, once per story key and local day (the next day its seed is in the
    baseline, so it is not new).
    """
    from transforms.stories import carry_keys
    from transforms.topics import detect_topics_against

    end = window.interval.end
    start = end - TOPIC_WINDOW
    alerts = []
    for brand in config.brands.values():
        current = topic_docs(conn, brand.id, start, end)
        baseline = partial(unit_baseline, conn, brand.id, start - TOPIC_BASELINE, start)
        topics = carry_keys(detect_topics_against(current, baseline), recent_topics(conn, brand.id, end - STORY_MEMORY, end))
        store_topics(conn, brand.id, start, end, topics)
        alerts += [_topic_alert(conn, config, brand, topic, start, end) for topic in topics if topic.alert]
    return alerts


def _topic_alert(conn: duckdb.DuckDBPyConnection, config: Config, brand: Brand, topic: Topic, start: datetime,
                 end: datetime) -> Alert:
    posts = PostSelection(brand.id, start, end, post_keys=tuple(topic.post_keys))
    details = replace(explain(conn, config, brand, posts, ratio=topic.lift),
                      topic_label=topic.label, top_terms=list(topic.terms[:8]))
    day = local_day(config.timezone, end)
    return Alert(brand=brand.id, kind="new_topic", audience="pr", severity="warning", subject=topic.key,
                 bucket_start=day, bucket_end=day + timedelta(days=1), observed=float(topic.volume),
                 expected=float(topic.baseline_volume), score=float(topic.score), details=details)


def find_severe_complaints(conn: duckdb.DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """One critical PR alert per severe complaint with reach (`SevereComplaintRule`) published in the
    run's extraction window, spike or not. Its id comes from the post, so a post re-read by later
    runs (the look-back) alerts once, and one that gains reach later alerts when it does."""
    rule = severe_complaint_rule(config)
    bucket = config.schedule.bucket
    alerts = []
    for brand in config.brands.values():
        found = severe_complaints(conn, brand.id, window.extraction.start, window.extraction.end,
                                  rule.followers, rule.engagement)
        names = complaint_labels(conn) if found else {}
        for complaint in found:
            start = floor_time(complaint.published_at, bucket)
            posts = PostSelection(brand.id, start, start + bucket, post_keys=(complaint.post_key,))
            when = f"{complaint.published_at.astimezone(config.timezone):%Y-%m-%d %H:%M} ({config.timezone.key})"
            details = replace(severe_complaint_details(brand.name, when, complaint, listing_query(posts), names),
                              spread=selection_spread(conn, posts, SPREAD_POSTS))
            alerts.append(Alert(brand=brand.id, kind="severe_complaint", audience="pr", severity="critical",
                                subject=complaint.post_key, bucket_start=start, bucket_end=start + bucket,
                                observed=1.0, expected=0.0, score=0.0, details=details))  # one post
    return alerts


def find_source_alerts(conn: duckdb.DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    """Ops alerts: sources failing in this window, and busy sources gone silent.

    Auth and permanent errors alert at once, transient ones after TRANSIENT_STREAK scheduled
    intervals in a row. One alert per source, problem and local day, so an expired cookie pages
    once a day, not every interval.
    """
    alerts = []
    for failure in failed_sources(conn, window.interval.start, window.interval.end):
        if failure.error_kind == "transient" and failure_streak(
                conn, failure.brand, failure.source, window.interval.end, config.schedule.interval,
                TRANSIENT_STREAK) < TRANSIENT_STREAK:
            continue
        alerts.append(_ops_alert(config, failure.brand, failure.source, "source_error", failure.error_kind,
                                 ERROR_SEVERITY[failure.error_kind], window, failure.message))
    return alerts + _silence_alerts(conn, config, window)


def _silence_alerts(conn: duckdb.DuckDBPyConnection, config: Config, window: RunWindow) -> list[Alert]:
    from transforms.silence import DEFAULT_SILENCE, detect_silence

    interval = config.schedule.interval
    end = window.interval.end
    alerts = []
    for brand in config.brands.values():
        for source in brand.sources:
            starts, counts = interval_posts(conn, brand.id, source, end - DEFAULT_SILENCE.history, end, interval)
            if len(starts) < 2:
                continue
            for silence in detect_silence(starts, counts, DEFAULT_SILENCE, end=end, bucket=interval):
                if window.extraction.contains(silence.timestamp):
                    message = (f"no posts since {silence.since.astimezone(config.timezone):%Y-%m-%d %H:%M}; "
                               f"usually about {silence.expected:.0f} per {DEFAULT_SILENCE.window}")
                    alerts.append(_ops_alert(config, brand.id, source, "source_silent", "silent", "warning",
                                             window, message, observed=0.0, expected=silence.expected))
    return alerts


def _ops_alert(config: Config, brand_id: str, source: str, kind: str, problem: str, severity: str,
               window: RunWindow, message: str | None, observed: float = 0.0, expected: float = 0.0) -> Alert:
    day = local_day(config.timezone, window.interval.end)
    details = AlertDetails(brand_name=config.brands[brand_id].name,
                           window_local=window_local(config.timezone, window.interval.start, window.interval.end),
                           ratio=0.0, source=source, error_kind=problem, message=message)
    return Alert(brand=brand_id, kind=kind, audience="ops", severity=severity, subject=f"{source}:{problem}",
                 bucket_start=day, bucket_end=day + timedelta(days=1), observed=observed,
                 expected=expected, score=0.0, details=details)
