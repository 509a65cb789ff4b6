"""The pipeline's own health: which runs finished, and which sources have been failing since when.

Plain values in and out; `brandmon status` judges them (brandmon.status).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from warehouse.merge import parameter_row, upsert_sql

if TYPE_CHECKING:
    import duckdb


class RunRecord(NamedTuple):
    run_id: str
    run_type: str
    interval_start: datetime
    interval_end: datetime
    finished_at: datetime
    alerts_new: int


class SourceState(NamedTuple):
    """A source's latest window for one brand, and since when it has been failing (None if it works)."""

    brand: str
    source: str
    last_window_end: datetime
    status: str
    failing_since: datetime | None
    error_kind: str | None
    message: str | None


class SourceWindow(NamedTuple):
    """One source run of a brand: its window, how it ended, and why it failed if it did."""

    source: str
    window_start: datetime
    window_end: datetime
    status: str
    error_kind: str | None
    message: str | None


def record_run(conn: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    """Store (or refresh, for a re-run) one finished run."""
    conn.execute(upsert_sql("pipeline_runs", parameter_row(RunRecord._fields), RunRecord._fields), list(run))


def last_live_run(conn: duckdb.DuckDBPyConnection) -> RunRecord | None:
    """The live (scheduled or manual) run whose interval ends latest; backfills replay the past."""
    row = conn.execute(
        "SELECT run_id, run_type, interval_start, interval_end, finished_at, alerts_new FROM pipeline_runs "
        "WHERE run_type <> 'backfill' ORDER BY interval_end DESC, finished_at DESC LIMIT 1").fetchone()
    return RunRecord(*row) if row else None


def source_states(conn: duckdb.DuckDBPyConnection) -> list[SourceState]:
    """Every brand × source's latest window; `failing_since` is the start of the first failed window
    after its last working one ('ok' or 'partial'), when the latest window failed."""
    rows = conn.execute("""
        WITH latest AS (
            SELECT brand, source, window_end, status, error_kind, message,
                   row_number() OVER (PARTITION BY brand, source ORDER BY window_end DESC, window_start DESC) AS n
            FROM source_runs
        ), worked AS (
            SELECT brand, source, max(window_end) AS until FROM source_runs
            WHERE status IN ('ok', 'partial') GROUP BY brand, source
        ), failing AS (
            SELECT r.brand, r.source, min(r.window_start) AS since
            FROM source_runs r LEFT JOIN worked w USING (brand, source)
            WHERE r.status = 'error' AND (w.until IS NULL OR r.window_end > w.until)
            GROUP BY r.brand, r.source
        )
        SELECT l.brand, l.source, l.window_end, l.status,
               CASE WHEN l.status = 'error' THEN f.since END, l.error_kind, l.message
        FROM latest l LEFT JOIN failing f USING (brand, source)
        WHERE l.n = 1 ORDER BY l.brand, l.source""").fetchall()
    return [SourceState(*row) for row in rows]


def run_spans(conn: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The intervals of finished runs (any type) overlapping [start, end): which time has been loaded."""
    return [tuple(row) for row in conn.execute(
        "SELECT interval_start, interval_end FROM pipeline_runs WHERE interval_start < ? AND interval_end > ? "
        "ORDER BY interval_start", [end, start]).fetchall()]


def source_windows(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime) -> list[SourceWindow]:
    """The brand's source runs whose window overlaps [start, end), by source and window."""
    rows = conn.execute(
        "SELECT source, window_start, window_end, status, error_kind, message FROM source_runs "
        "WHERE brand = ? AND window_start < ? AND window_end > ? ORDER BY source, window_end, window_start",
        [brand, end, start]).fetchall()
    return [SourceWindow(*row) for row in rows]
