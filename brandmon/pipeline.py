"""The work of each brand_monitor task, callable without Airflow (the DAG is thin wiring).

plan → extract (one per brand × source; writes a staged file, never DuckDB) → transform
(clean, dedupe, match brands, score; writes staged files) → load (the only DuckDB writer;
idempotent per window) → detect (causal spikes, written to the outbox) → deliver.
Every step takes the run's window and identity as arguments; none reads the clock.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brandmon.config import Config
from brandmon.post_rows import Brands, chunk_rows
from brandmon.staging import prune, read_jsonl, run_dir, staged_file, write_jsonl
from brandmon.windows import RunWindow, buckets
from extractors.base import ExtractContext, ExtractResult, SourceHealth
from extractors.record import Post, Quarantined
from extractors.registry import source_module
from transforms.dedupe import dedupe_posts
from transforms.matching import BrandTerms

if TYPE_CHECKING:
    from alerts.chart import TrendPicture

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunInfo:
    """Who is running: the Airflow run id and type, and the time the run stands for.

    `reference_time` is the data interval's end for scheduled and backfill runs and `run_after`
    for manual ones; alerts for buckets much older than it are stale and not delivered.
    """

    run_id: str
    run_type: str
    reference_time: datetime


def plan(config: Config, only_brand: str | None = None) -> list[dict[str, str]]:
    """One extract task per configured brand × source (of one brand, when `only_brand` is given)."""
    if only_brand is not None and only_brand not in config.brands:
        raise ValueError(f"unknown brand {only_brand!r}; configured: {', '.join(config.brands)}")
    return [{"brand": b.id, "source": s} for b in config.brands.values() for s in b.sources
            if only_brand in (None, b.id)]


def extract(config: Config, brand: str, source: str, window: RunWindow, run_id: str,
            fetched_at: datetime, secrets: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one source for one brand over the extraction window and stage what it returned.

    A failing source is recorded in the staged health record, never raised, so the other
    sources of the run carry on. The return value is small (it travels by XCom).
    """
    spec = config.sources[source]
    context = ExtractContext(fetched_at=fetched_at, secrets=secrets or {})
    try:
        result = source_module(spec.kind).extract(spec.settings, config.brands[brand].query(),
                                                   window.extraction, context)
    except Exception as error:  # an extractor bug must not fail the run; keep the traceback
        log.exception("source %s crashed for brand %s", source, brand)
        result = ExtractResult(health=SourceHealth(
            status="error", error_kind="permanent",
            message=f"extractor crashed: {error!r}; {traceback.format_exc(limit=3)}"))
    path = run_dir(config.staging_dir, run_id) / "extract" / f"{brand}__{source}.jsonl"
    rows = [{"type": "health", **result.health.to_json()}]
    rows += [{"type": "post", **p.to_json()} for p in result.posts]
    rows += [{"type": "quarantined", **q.to_json()} for q in result.quarantined]
    write_jsonl(path, rows)
    return {"brand": brand, "source": source, "path": str(path), "status": result.health.status,
            "error_kind": result.health.error_kind, "message": result.health.message[:500],
            "posts": len(result.posts), "quarantined": len(result.quarantined)}


def read_staged(path: Path, source: str) -> tuple[SourceHealth, list[Post], list[Quarantined]]:
    """The health record, posts and quarantined items of one staged extract file.

    A damaged file loses nothing it still holds: its unreadable lines are quarantined with their
    raw text, and a file without its health record (or no file at all) reads as a transient
    failure of the source, whose window the next run's look-back fetches again.
    """
    try:
        rows, bad_lines = read_jsonl(path)
    except OSError as error:
        return SourceHealth(status="error", error_kind="transient",
                            message=f"staged file {path} unreadable ({error}); the next run fetches again"), [], []
    health, posts, quarantined = None, [], []
    for row in rows:
        kind = row.pop("type", None)
        try:
            if kind == "health":
                health = SourceHealth.from_json(row)
            elif kind == "post":
                posts.append(Post.from_json(row))
            elif kind == "quarantined":
                quarantined.append(Quarantined.from_json(row))
            else:
                raise ValueError(f"unknown row type {kind!r}")
        except (TypeError, ValueError, KeyError) as error:
            quarantined.append(Quarantined(source, f"unreadable staged row: {error}",
                                           json.dumps({"type": kind, **row}, ensure_ascii=False, default=str),
                                           str(path)))
    quarantined += [Quarantined(source, f"unreadable staged line: {bad.error}", bad.raw, f"{path}:{bad.number}")
                    for bad in bad_lines]
    if health is None:
        health = SourceHealth(status="error", error_kind="transient",
                              message=f"staged file {path} is damaged (no health record); "
                                      f"{len(posts)} posts kept, the next run fetches again")
    elif bad_lines:
        health.notes.append(f"staged file {path.name}: {len(bad_lines)} damaged line(s) quarantined")
    return health, posts, quarantined


# Intervals with fewer posts run in this process: a pool's start-up would cost more than it saves.
POOL_MIN_POSTS = 1000
POSTS_PER_CHUNK = 1000
CHART_WORKERS = 2  # a run's ~40 charts take ~14 s in one process; more workers would mostly add start-up
CHARTS_PER_CHUNK = 5


def transform(config: Config, staged: list[dict[str, Any]], window: RunWindow, run_id: str,
              workers: int | None = None) -> dict[str, Any]:
    """Dedupe the staged posts, match them to every configured brand, score them, stage rows.

    A post found for one brand is checked against all brands (share of voice); posts that
    mention no configured brand (a site feed's other articles) are dropped and counted. Posts
    filed on a complaints platform (黑猫投诉) are complaints by definition, with their category
    hint (`transforms.filed_complaints`); the company they are against counts for matching.
    Big intervals are matched and scored in chunks on every core (`workers`: default all; 1 =
    this process only), the rows written in post order as the chunks come back: the same files.
    """
    from transforms.fastsnow.parallel import map_chunks
    from transforms.scoring import load_models

    out = run_dir(config.staging_dir, run_id) / "transform"
    all_posts: list[Post] = []
    source_rows, quarantine_rows = [], []
    for item in staged:
        health, posts, quarantined = read_staged(Path(item["path"]), item["source"])
        all_posts.extend(posts)
        in_interval = sum(1 for p in posts if window.interval.contains(p.published_at))
        source_rows.append(_source_run_row(item, health, len(posts), in_interval, len(quarantined), window, run_id))
        quarantine_rows += [_quarantine_row(q, item["brand"], window) for q in quarantined]

    unique = dedupe_posts(all_posts)
    del all_posts
    brands = Brands(tuple(BrandTerms(b.id, b.terms, b.exclusions) for b in config.brands.values()),
                    config.topic_phrases, config.schedule.bucket)
    paths = {name: str(out / f"{name}.jsonl") for name in ("posts", "mentions", "source_runs", "quarantine")}
    matched = mentions = 0
    touched: set[str] = set()
    with staged_file(Path(paths["posts"])) as posts_file, staged_file(Path(paths["mentions"])) as mentions_file:
        for rows in map_chunks(chunk_rows, unique, (brands,), workers=workers, min_items=POOL_MIN_POSTS,
                               chunk_size=POSTS_PER_CHUNK, warm=load_models):
            posts_file.write(rows.posts)
            mentions_file.write(rows.mentions)
            matched += rows.matched
            mentions += rows.mention_count
            touched |= rows.touched_buckets
    write_jsonl(Path(paths["source_runs"]), source_rows)
    write_jsonl(Path(paths["quarantine"]), quarantine_rows)
    return {"paths": paths, "posts_in": sum(r["posts"] for r in source_rows), "unique": len(unique),
            "matched": matched, "unmatched": len(unique) - matched, "mentions": mentions,
            "quarantined": len(quarantine_rows), "touched_buckets": sorted(touched)}


def _source_run_row(item: dict, health: SourceHealth, posts: int, interval_posts: int, quarantined: int,
                    window: RunWindow, run_id: str) -> dict[str, Any]:
    return {"brand": item["brand"], "source": item["source"],
            "window_start": window.interval.start.isoformat(), "window_end": window.interval.end.isoformat(),
            "status": health.status, "error_kind": health.error_kind, "message": health.message,
            "posts": posts, "quarantined": quarantined, "requests": health.requests, "pages": health.pages,
            "page_cap_hits": health.page_cap_hits, "notes": health.notes, "run_id": run_id,
            "interval_posts": interval_posts}


def _quarantine_row(item: Quarantined, brand: str, window: RunWindow) -> dict[str, Any]:
    return {"key": item.key, "source": item.source, "brand": brand, "reason": item.reason, "raw": item.raw,
            "location": item.location, "window_start": window.interval.start.isoformat(),
            "window_end": window.interval.end.isoformat()}


STAGING_RETENTION = timedelta(days=7)


def load(config: Config, transformed: dict[str, Any], window: RunWindow, publish: bool = True) -> dict[str, Any]:
    """Load the run's staged files in one transaction (warehouse.load), then prune old staging.

    The buckets recounted are those the run's posts fall in and every bucket of its extraction
    window; re-running leaves the same rows. The posts whose spread to fetch are chosen in the same
    session (`spread_targets`, for the spread task). `publish=False` (the DAG) leaves publishing
    the read-only copy to the run's last write.
    """
    from brandmon.spread import choose_targets
    from warehouse.db import writer
    from warehouse.load import BrandRow, StagedFiles, load_staged

    paths = transformed["paths"]
    bucket = config.schedule.bucket
    touched = {datetime.fromisoformat(b) for b in transformed["touched_buckets"]}
    touched |= set(buckets(window.extraction, bucket))
    brands = [BrandRow(b.id, b.name, b.terms, b.competitors) for b in config.brands.values()]
    files = StagedFiles(**{name: Path(path) for name, path in paths.items()})
    with writer(config.warehouse, config.timezone.key, publish=publish) as conn:
        total = load_staged(conn, files, brands, touched, bucket)
        targets = choose_targets(conn, config, window)
    this_run = Path(paths["posts"]).parent.parent.name
    pruned = prune(config.staging_dir, window.interval.end - STAGING_RETENTION, keep=this_run)
    return {"posts": transformed["matched"], "mentions": transformed["mentions"],
            "quarantined": transformed["quarantined"], "buckets": len(touched), "total_posts": total,
            "staging_pruned": len(pruned), "spread_targets": targets}


def detect(config: Config, window: RunWindow, run: RunInfo, finished_at: datetime | None = None,
           spread: dict[str, Any] | None = None, publish: bool = True) -> dict[str, Any]:
    """Store the run's staged spread (`spread`: what the spread task returned, brandmon.spread), then
    find spikes, topics, severe complaints with reach and source problems up to the window's end
    and write them to the outbox; the run is recorded as finished (`brandmon status` reads it) in
    the same transaction as the alerts.

    `finished_at` is the wall-clock time the edge passes in (default: the run's reference time);
    `publish=False` (the DAG) leaves publishing the read-only copy to the run's last write.
    """
    from alerts.outbox import enqueue
    from brandmon.detection import find_severe_complaints, find_source_alerts, find_spike_alerts, find_topics
    from warehouse.db import transaction, writer
    from warehouse.runs import RunRecord, record_run

    with writer(config.warehouse, config.timezone.key, publish=publish) as conn:
        spread_report = _store_spread(conn, config, spread, window, run.run_id)
        with transaction(conn):
            topic_alerts = find_topics(conn, config, window)
            alerts = (find_spike_alerts(conn, config, window) + topic_alerts + find_severe_complaints(conn, config, window)
                      + find_source_alerts(conn, config, window))
            report = enqueue(conn, alerts, config.alerting, run.run_id, run.run_type, run.reference_time)
            record_run(conn, RunRecord(run.run_id, run.run_type, window.interval.start, window.interval.end,
                                       finished_at or run.reference_time, report.alerts_new))
    return {"alerts": len(alerts), "run_type": run.run_type, "spread": spread_report, **report.to_json()}


def _store_spread(conn: Any, config: Config, spread: dict[str, Any] | None, window: RunWindow,
                  run_id: str) -> dict[str, Any]:
    """The run's staged spread stored and measured (brandmon.spread.store); a failure is logged and
    reported, never raised: the spread is extra, and must not cost the run its alerts."""
    from brandmon.spread import store

    try:
        return store(conn, config, spread, window, run_id)
    except Exception as error:
        log.exception("the run's spread could not be stored")
        return {"error": repr(error)}


def deliver(config: Config, channel_secrets: dict[str, dict], now: datetime) -> dict[str, Any]:
    """Send what the outbox holds for each channel, once; report what still needs a retry.

    The run's charts are rendered first, side by side (`render_charts`)."""
    from alerts.outbox import deliver_pending
    from warehouse.db import writer

    with writer(config.warehouse, config.timezone.key) as conn:
        report = deliver_pending(conn, config.alerting, channel_secrets, now, render=render_charts)
    return asdict(report)


def render_charts(pictures: Sequence[TrendPicture], workers: int = CHART_WORKERS) -> list[bytes]:
    """The PNGs of `pictures`, in order, the same bytes as `alerts.chart.trend_png`: from two on, in a
    forked pool of `workers` (matplotlib and the font loaded before it forks); one, in this process."""
    from alerts.chart import trend_pngs, warm
    from transforms.fastsnow.parallel import map_chunks

    return list(chain.from_iterable(map_chunks(trend_pngs, pictures, workers=workers, min_items=2,
                                               chunk_size=CHARTS_PER_CHUNK, warm=warm)))


def publish_only(config: Config) -> None:
    """Publish the read-only copy with every write so far: the end of a run that delivers nothing
    (a backfill), whose load and detect left publishing to it."""
    from warehouse.db import writer

    with writer(config.warehouse, config.timezone.key):
        pass
