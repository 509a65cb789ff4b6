"""A long synthetic history grown by bulk SQL from one run the real pipeline loaded (the scale bench).

The template is what the warehouse holds after one real run: its posts (scored by the real
transform), their mentions, the run's source runs, topics and `pipeline_runs` row. `grow`
replaces it by `posts` copies of the template posts spread evenly back in time from `end`,
`per_week` of them a week, newest first, each with an id and time of its own, the texts and
scores of template post `i mod template size`; every interval of that span gets the template
run's source runs, topics and run row, shifted; `bucket_stats`, the term counts and the per-day
tables (with each mention's local day) are recomputed for the whole span, as loads keep them.
Columns are copied by name (`* REPLACE`), so a column a migration adds travels with the template;
a column derived from a post's time or id must be re-derived here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.days import recompute_days
from warehouse.db import transaction
from warehouse.load import recount_buckets
from warehouse.term_counts import COUNTED, recount_terms, whole_buckets

if TYPE_CHECKING:
    import duckdb

WEEK_SECONDS = 7 * 24 * 3600
FIRST_ID = 4_900_000_000_000_000  # Weibo-like 16-digit mids: history post i gets FIRST_ID - i
BATCH = 1_000_000  # posts per INSERT: bounds DuckDB's memory at 10M posts


@dataclass(frozen=True)
class HistoryShape:
    """How the grown history looks: its size, where it ends, its density, the schedule's steps."""

    posts: int
    end: datetime
    per_week: int
    interval: timedelta
    bucket: timedelta

    @property
    def start(self) -> datetime:
        """The time of the oldest post (the span is `posts / per_week` weeks)."""
        return self.end - timedelta(seconds=self.posts * WEEK_SECONDS / self.per_week)


# History post $i: its id, its time and its template row (parameters: $end, $per_week, $template).
_ID = f"CAST({FIRST_ID} - g.i AS VARCHAR)"
_TIME = "$end - to_microseconds(CAST((g.i + 1) * 604800000000.0 / $per_week AS BIGINT))"


def grow_file(path: Path, shape: HistoryShape, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """`grow` on the warehouse file at `path` (closed by everyone else), then a checkpoint; no
    published copy is made (the caller copies the file where it needs it)."""
    import duckdb

    conn = duckdb.connect(str(path))
    try:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET enable_progress_bar = false")
        counts = grow(conn, shape, progress)
        conn.execute("CHECKPOINT")
        return counts
    finally:
        conn.close()


def grow(conn: duckdb.DuckDBPyConnection, shape: HistoryShape,
         progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Replace the template run by the history `shape` describes; returns the rows of each table.
    `progress` is told the posts stored so far after each batch."""
    conn.execute("CREATE OR REPLACE TEMP TABLE template_posts AS "
                 "SELECT row_number() OVER (ORDER BY platform, native_id) - 1 AS r, * FROM posts")
    for table in ("mentions", "source_runs", "topics", "pipeline_runs"):
        conn.execute(f"CREATE OR REPLACE TEMP TABLE template_{table} AS SELECT * FROM {table}")
    template = conn.execute("SELECT count(*) FROM template_posts").fetchone()[0]
    if template == 0:
        raise ValueError("the warehouse holds no posts to grow a history from: load a run first")
    with transaction(conn):
        for table in ("mentions", "posts", "bucket_stats", "source_runs", "topics", "pipeline_runs", *COUNTED):
            conn.execute(f"DELETE FROM {table}")
    params = {"end": shape.end, "per_week": shape.per_week, "template": template}
    for low in range(0, shape.posts, BATCH):
        high = min(shape.posts, low + BATCH)
        with transaction(conn):
            _copy_posts(conn, low, high, params)
        if progress:
            progress(high)
    with transaction(conn):
        span = [(shape.start, shape.end + shape.bucket)]
        recount_buckets(conn, whole_buckets(span, shape.bucket), shape.bucket)
        recount_terms(conn, span)
        recompute_days(conn)
        _copy_per_interval(conn, shape)
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("posts", "mentions", "bucket_stats", "source_runs", "topics", "pipeline_runs")}


def _copy_posts(conn: duckdb.DuckDBPyConnection, low: int, high: int, params: dict) -> None:
    rows = f"range({low}, {high}) AS g(i) JOIN template_posts t ON t.r = g.i % $template"
    conn.execute(f"""
        INSERT INTO posts BY NAME
        SELECT t.* EXCLUDE (r) REPLACE (
            {_ID} AS native_id, {_TIME} AS published_at, 'https://m.weibo.cn/detail/' || {_ID} AS url,
            {_TIME} + (t.counted_at - t.published_at) AS counted_at)
        FROM {rows}""", params)
    conn.execute(f"""
        INSERT INTO mentions BY NAME
        SELECT m.* REPLACE ({_ID} AS native_id, {_TIME} AS published_at)
        FROM {rows} JOIN template_mentions m ON m.platform = t.platform AND m.native_id = t.native_id""", params)


def _copy_per_interval(conn: duckdb.DuckDBPyConnection, shape: HistoryShape) -> None:
    """The template run's source runs, topics and run row for every interval of the span (the
    template run's own interval is the last), the source runs counting the history's posts."""
    step = int(shape.interval.total_seconds())
    intervals = -int(-(shape.end - shape.start).total_seconds() // step)
    shift = "to_seconds(k.k * $step)"
    params = {"step": step, "intervals": intervals}
    conn.execute(f"""
        INSERT INTO source_runs BY NAME
        SELECT s.* REPLACE (s.window_start - {shift} AS window_start, s.window_end - {shift} AS window_end,
                            'scheduled__' || strftime(s.window_start - {shift}, '%Y-%m-%dT%H:%M:%S+00:00') AS run_id,
                            coalesce(c.n, 0) AS posts, coalesce(c.n, 0) AS interval_posts,
                            coalesce(c.n, 0) // 20 + 2 AS requests, coalesce(c.n, 0) // 20 + 1 AS pages)
        FROM range($intervals) AS k(k) CROSS JOIN template_source_runs s
        LEFT JOIN (SELECT brand, to_timestamp(floor(epoch(published_at) / $step) * $step) AS window_start,
                          count(*) AS n
                   FROM mentions GROUP BY ALL) c
          ON c.brand = s.brand AND c.window_start = s.window_start - {shift}""", params)
    conn.execute(f"""
        INSERT INTO topics BY NAME
        SELECT t.* REPLACE (t.window_start - {shift} AS window_start, t.window_end - {shift} AS window_end)
        FROM range($intervals) AS k(k) CROSS JOIN template_topics t""", params)
    conn.execute(f"""
        INSERT INTO pipeline_runs BY NAME
        SELECT r.* REPLACE ('scheduled__' || strftime(r.interval_start - {shift}, '%Y-%m-%dT%H:%M:%S+00:00') AS run_id,
                            'scheduled' AS run_type, r.interval_start - {shift} AS interval_start,
                            r.interval_end - {shift} AS interval_end, r.finished_at - {shift} AS finished_at,
                            0 AS alerts_new)
        FROM range($intervals) AS k(k) CROSS JOIN template_pipeline_runs r""", params)
