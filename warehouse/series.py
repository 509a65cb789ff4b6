"""Time series detection reads: bucket counts per brand, and the health of each source per window.

Reads only what lies before the end they are given, so detection stays causal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from warehouse.schema import BUCKET_METRICS

if TYPE_CHECKING:
    import duckdb


class BucketSeries(NamedTuple):
    """Bucket starts and, per BUCKET_METRICS name, the count of each bucket."""

    timestamps: list[datetime]
    counts: dict[str, list[float]]


class SourceFailure(NamedTuple):
    brand: str
    source: str
    error_kind: str
    message: str | None


def bucket_series(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                  bucket: timedelta) -> BucketSeries:
    """Dense counts for one brand from its first stored bucket in [start, end) to end: missing buckets are 0."""
    stored = stored_buckets(conn, brand, start, end)
    if not stored.timestamps:
        return stored
    index = {at: i for i, at in enumerate(stored.timestamps)}
    timestamps, current = [], stored.timestamps[0]
    while current < end:
        timestamps.append(current)
        current += bucket
    return BucketSeries(timestamps, {name: [values[index[t]] if t in index else 0.0 for t in timestamps]
                                     for name, values in stored.counts.items()})


def stored_buckets(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime) -> BucketSeries:
    """The brand's stored buckets in [start, end) as they are (sparse: a bucket without posts has no row)."""
    names = list(BUCKET_METRICS)
    rows = conn.execute(
        f"SELECT bucket_start, {', '.join(names)} FROM bucket_stats "
        "WHERE brand = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start",
        [brand, start, end]).fetchall()
    return BucketSeries([row[0] for row in rows], {name: [float(row[i + 1]) for row in rows]
                                                   for i, name in enumerate(names)})


def failed_sources(conn: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[SourceFailure]:
    """Sources whose run over exactly [start, end) failed or partly failed with a known kind of error."""
    rows = conn.execute(
        "SELECT brand, source, error_kind, message FROM source_runs "
        "WHERE window_start = ? AND window_end = ? AND status IN ('error', 'partial') AND error_kind IS NOT NULL",
        [start, end]).fetchall()
    return [SourceFailure(*row) for row in rows]


def failure_streak(conn: duckdb.DuckDBPyConnection, brand: str, source: str, until: datetime,
                   interval: timedelta, cap: int) -> int:
    """Runs of one `interval` in a row, ending by `until`, in which the source did not succeed (at most `cap`).

    Runs over other windows (a wide manual run) do not count: the streak measures how long a
    source has been down, in scheduled intervals.
    """
    statuses = conn.execute(
        "SELECT status FROM source_runs WHERE brand = ? AND source = ? AND window_end <= ? "
        "AND window_end - window_start = ? ORDER BY window_end DESC LIMIT ?",
        [brand, source, until, interval, cap]).fetchall()
    streak = 0
    for (status,) in statuses:
        if status == "ok":
            break
        streak += 1
    return streak


def interval_posts(conn: duckdb.DuckDBPyConnection, brand: str, source: str, start: datetime, end: datetime,
                   interval: timedelta) -> tuple[list[datetime], list[float]]:
    """Window starts in [start, end) and the posts the source found in each run of one `interval`."""
    rows = conn.execute(
        "SELECT window_start, interval_posts FROM source_runs WHERE brand = ? AND source = ? "
        "AND window_end - window_start = ? AND interval_posts IS NOT NULL "
        "AND window_start >= ? AND window_start < ? ORDER BY window_start",
        [brand, source, interval, start, end]).fetchall()
    return [r[0] for r in rows], [float(r[1]) for r in rows]
