"""The spread step: how the posts that matter spread, fetched where the platform shows it.

Three parts on either side of the single-writer rule:
- `choose_targets` (inside load's writer session, right after its write): picks the posts
  (`warehouse.spread.spread_candidates`: one read) as JSON-safe rows that load returns (XCom), so the
  spread task needs no database (the run publishes its copy only once, at its end).
- `fetch` (the DAG's `spread` task, after load; I/O, never the DuckDB writer): fetches those posts'
  reposts and hot comments through each platform's spread kind (`config.spread.platforms`,
  `extractors.cascade`) within the run's request budget, and writes a staged file
  (`state/staging/<run>/spread/cascades.jsonl`) like extract does.
- `store` (inside detect's writer session, before detection, so alerts see it): stores the staged
  cascades, recomputes the metrics of the posts fetched (`transforms.spread`) and stores them.

Backfill runs fetch only from kinds that replay a past moment (files): a live platform shows today's
spread, not the spread at the backfilled time.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brandmon.config import Config
from brandmon.staging import read_jsonl, run_dir, write_jsonl
from brandmon.windows import RunWindow
from extractors.base import ExtractContext, SourceHealth
from extractors.cascade import Cascade, SpreadResult, SpreadTarget, spread_module
from extractors.record import Quarantined

if TYPE_CHECKING:
    import duckdb

    from brandmon.pipeline import RunInfo

log = logging.getLogger(__name__)
QUARANTINE_BRAND = "*"  # spread items concern a post, not one brand's source


def choose_targets(conn: duckdb.DuckDBPyConnection, config: Config, window: RunWindow) -> list[dict[str, Any]]:
    """The posts whose spread to fetch, riskiest first, as JSON-safe rows (`SpreadTarget.to_json`)
    for `fetch`; read on load's writer `conn`. Never raises: the spread is extra, so a failed read is
    logged and nothing is fetched, rather than failing the load."""
    from warehouse.spread import Selection, spread_candidates

    spread = config.spread
    if not spread.platforms or not spread.max_posts:
        return []
    end = window.interval.end
    selection = Selection(platforms=tuple(spread.platforms), since=end - spread.max_age, until=end,
                          min_followers=spread.min_followers, verified=spread.verified, severities=spread.severities,
                          min_reposts=spread.min_reposts, fetched_before=end - spread.refetch_after)
    try:
        found = spread_candidates(conn, selection, spread.max_posts)
    except Exception:
        log.exception("the posts whose spread to fetch could not be read")
        return []
    return [SpreadTarget(c.platform, c.native_id, c.published_at, c.author).to_json() for c in found]


def fetch(config: Config, targets: Sequence[Mapping[str, Any]], window: RunWindow, run: RunInfo,
          fetched_at: datetime, secrets: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """Fetch the spread of `targets` (what `choose_targets` chose in the load) and stage it. Never raises:
    a platform's failure is in the staged run rows, and anything else (a full disk) is logged and
    reported without a staged file, so detect still runs and alerts go out. `secrets`: each
    platform's Connection fields. The return value is small (it travels by XCom)."""
    try:
        return _fetch(config, targets, window, run, fetched_at, secrets or {})
    except Exception as error:  # the spread is extra: it must never hold back the run's alerts
        log.exception("the spread fetch failed")
        return {"path": None, "error": repr(error)[:500], "wanted": 0, "cascades": 0, "requests": 0, "platforms": {}}


def _fetch(config: Config, wanted: Sequence[Mapping[str, Any]], window: RunWindow, run: RunInfo,
           fetched_at: datetime, secrets: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    path = run_dir(config.staging_dir, run.run_id) / "spread" / "cascades.jsonl"
    budget = config.spread.max_requests
    by_platform: dict[str, list[SpreadTarget]] = {}
    for target in map(SpreadTarget.from_json, wanted):
        by_platform.setdefault(target.platform, []).append(target)
    rows: list[dict[str, Any]] = []
    report: dict[str, Any] = {"path": str(path), "wanted": 0, "cascades": 0, "requests": 0, "platforms": {}}
    for platform, targets in by_platform.items():
        source = config.spread.platforms[platform]
        module = spread_module(source.kind)
        as_of = window.interval.end if module.REPLAYS else fetched_at
        status = None
        if run.run_type == "backfill" and not module.REPLAYS:
            result, status = SpreadResult(not_fetched=[t.key for t in targets]), "skipped"
            result.health.notes.append(f"backfill run: {platform} shows today's spread, not the spread at "
                                       f"{window.interval.end.isoformat()}; not fetched")
        else:
            result = _fetch_platform(module, source.settings, targets, ExtractContext(
                fetched_at=as_of, secrets=dict(secrets.get(platform) or {})), budget)
        budget = max(0, budget - result.health.requests)
        health = result.health
        rows.append({"type": "run", "run_id": run.run_id, "platform": platform, "kind": source.kind,
                     "fetched_at": as_of.isoformat(), "status": status or health.status,
                     "error_kind": health.error_kind, "message": health.message, "posts_wanted": len(targets),
                     "cascades": len(result.cascades), "not_fetched": result.not_fetched,
                     "requests": health.requests, "notes": health.notes})
        rows += [{"type": "cascade", "kind": source.kind, **c.to_json()} for c in result.cascades]
        rows += [{"type": "quarantined", **q.to_json()} for q in result.quarantined]
        report["wanted"] += len(targets)
        report["cascades"] += len(result.cascades)
        report["requests"] += health.requests
        report["platforms"][platform] = {"status": status or health.status, "error_kind": health.error_kind,
                                         "message": health.message[:300], "not_fetched": len(result.not_fetched)}
    write_jsonl(path, rows)
    return report


def _fetch_platform(module: Any, settings: Any, targets: list[SpreadTarget], context: ExtractContext,
                    budget: int) -> SpreadResult:
    """One platform's fetch; a crash of its kind is reported as its failure, never raised."""
    try:
        return module.fetch(settings, targets, context, budget)
    except Exception as error:  # a spread kind's bug must not fail the run; keep the traceback
        log.exception("spread kind %s crashed", module.KIND)
        return SpreadResult(health=SourceHealth(status="error", error_kind="permanent",
                                                message=f"spread fetch crashed: {error!r}; {traceback.format_exc(limit=3)}"),
                            not_fetched=[t.key for t in targets])


@dataclass
class _Staged:
    """A staged spread file read back: run rows, cascades with their kind, quarantined items."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    cascades: list[tuple[str, Cascade]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)


def read_staged(path: Path) -> _Staged:
    """The staged spread file; unreadable lines and rows are quarantined, never fatal (a missing
    file reads as empty: that run's spread is fetched again by the next run)."""
    staged = _Staged()
    try:
        rows, bad_lines = read_jsonl(path)
    except OSError as error:
        log.warning("staged spread file %s unreadable: %s", path, error)
        return staged
    staged.quarantined += [Quarantined("spread", f"unreadable staged line: {bad.error}", bad.raw,
                                       f"{path}:{bad.number}") for bad in bad_lines]
    for row in rows:
        kind = row.pop("type", None)
        try:
            if kind == "run":
                staged.runs.append(_run_row(row))
            elif kind == "cascade":
                staged.cascades.append((str(row.pop("kind")), Cascade.from_json(row)))
            elif kind == "quarantined":
                staged.quarantined.append(Quarantined.from_json(row))
            else:
                raise ValueError(f"unknown row type {kind!r}")
        except (TypeError, ValueError, KeyError) as error:
            staged.quarantined.append(Quarantined("spread", f"unreadable staged row: {error}",
                                                  json.dumps({"type": kind, **row}, ensure_ascii=False, default=str),
                                                  str(path)))
    return staged


def _run_row(row: dict[str, Any]) -> dict[str, Any]:
    """A staged run row with its time read; KeyError naming a missing column."""
    from warehouse.spread import RUN_COLUMNS

    missing = [column for column in RUN_COLUMNS if column not in row]
    if missing:
        raise KeyError(f"run row lacks {', '.join(missing)}")
    return {**row, "fetched_at": datetime.fromisoformat(row["fetched_at"])}


def store(conn: duckdb.DuckDBPyConnection, config: Config, staged: Mapping[str, Any] | None, window: RunWindow,
          run_id: str) -> dict[str, Any]:
    """Store a run's staged spread and recompute the metrics of the posts it fetched, in one
    transaction on the writer `conn`; storing the same file again leaves the same rows."""
    from transforms.spread import reason, spread_metrics
    from warehouse.db import transaction
    from warehouse.spread import seen_spread, store_fetched, store_metrics

    if not staged or not staged.get("path"):
        return {"cascades": 0, "measured": 0}
    read = read_staged(Path(staged["path"]))
    rule = config.spread.rule
    with transaction(conn):
        store_fetched(conn, _rows(read, window, run_id))
        measured = 0
        for seen in seen_spread(conn, ((c.platform, c.native_id) for _, c in read.cascades)):
            complete = seen.complete or (seen.reposts_total is not None and len(seen.nodes) >= seen.reposts_total)
            metrics = spread_metrics(seen.published_at, seen.as_of, seen.nodes, seen.reposts_total, complete, rule)
            store_metrics(conn, seen, metrics, int(rule.recent.total_seconds() // 60), reason(metrics, rule))
            measured += 1
    return {"cascades": len(read.cascades), "measured": measured, "quarantined": len(read.quarantined)}


def _rows(read: _Staged, window: RunWindow, run_id: str) -> Any:
    """The staged spread as the warehouse's rows."""
    from warehouse.spread import FetchedSpread

    fetches, reposts, comments = [], [], []
    for kind, cascade in read.cascades:
        fetches.append({"platform": cascade.platform, "native_id": cascade.native_id, "run_id": run_id,
                        "fetched_at": cascade.fetched_at, "source": kind, "status": cascade.status,
                        "message": cascade.message, "reposts_total": cascade.reposts_total,
                        "comments_total": cascade.comments_total, "reposts_fetched": len(cascade.reposts),
                        "comments_fetched": len(cascade.comments), "pages": cascade.pages,
                        "complete": cascade.complete})
        post = {"platform": cascade.platform, "native_id": cascade.native_id, "fetched_at": cascade.fetched_at}
        reposts += [{**post, "repost_id": r.repost_id, "reposted_at": r.reposted_at, "user_id": r.user_id,
                     "user_name": r.user_name, "followers": r.followers, "verified": r.verified, "chain": list(r.chain),
                     "text": r.text, "reposts": r.reposts, "comments": r.comments, "likes": r.likes}
                    for r in cascade.reposts]
        comments += [{**post, "comment_id": c.comment_id, "commented_at": c.commented_at, "user_id": c.user_id,
                      "user_name": c.user_name, "followers": c.followers, "verified": c.verified, "text": c.text,
                      "likes": c.likes, "replies": c.replies} for c in cascade.comments]
    quarantine = [{"key": q.key, "source": f"spread:{q.source}", "brand": QUARANTINE_BRAND, "reason": q.reason,
                   "raw": q.raw, "location": q.location, "window_start": window.interval.start,
                   "window_end": window.interval.end} for q in read.quarantined]
    return FetchedSpread(runs=read.runs, fetches=fetches, reposts=reposts, comments=comments, quarantine=quarantine)
