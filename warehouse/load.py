"""The load: one run's staged files into the warehouse in one transaction, idempotent per window.

Posts are upserted by (platform, native_id) with a MERGE on the key (warehouse.merge, so the load
also runs on tables without constraints); a post's mentions are replaced as a whole (a config
change can add or drop a brand); source runs are upserted by brand, source and window; quarantined
items are kept once. `bucket_stats` and the term counts (`warehouse.term_counts`) are recomputed
from stored posts for every bucket the run touched, so counts never depend on which run loaded a
post; the tables analysts' views read per local day are refilled likewise (warehouse.days). Every
statement reads the stored rows of the run's posts' keys or of the times the run touched only (a
mention's published_at is its post's), so a load costs what it loads, not what the warehouse holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.days import refresh_days
from warehouse.db import transaction
from warehouse.merge import insert_missing_sql, one_per_key, parameter_row, upsert_sql
from warehouse.schema import LOCAL_COLUMNS, STAGED_COLUMNS
from warehouse.term_counts import Span, recount_terms, whole_buckets

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class BrandRow:
    """A configured brand as analysts' views see it (the `brands` table)."""

    brand: str
    name: str
    keywords: tuple[str, ...]
    competitors: tuple[str, ...]


@dataclass(frozen=True)
class StagedFiles:
    """The JSON-lines files one transform wrote, one per staged table (columns: STAGED_COLUMNS)."""

    posts: Path
    mentions: Path
    source_runs: Path
    quarantine: Path


def load_staged(conn: duckdb.DuckDBPyConnection, files: StagedFiles, brands: Sequence[BrandRow],
                touched: Iterable[datetime], bucket: timedelta) -> int:
    """Write the staged rows and the touched buckets' counts atomically; returns the posts stored in all.

    The buckets recounted are `touched`, those the staged posts fall in and those the versions they
    replace fell in (a post read again with another time leaves its old bucket). `conn` is the
    writer in auto-commit mode; re-running with the same files leaves the same rows.
    """
    with transaction(conn):
        if brands:
            columns = ("brand", "name", "keywords", "competitors")
            conn.executemany(upsert_sql("brands", parameter_row(columns), columns),
                             [[b.brand, b.name, list(b.keywords), list(b.competitors)] for b in brands])
        times = _upsert_posts(conn, files.posts)
        if times:
            conn.execute("""DELETE FROM mentions USING staged_posts AS s
                            WHERE mentions.platform = s.platform AND mentions.native_id = s.native_id
                              AND mentions.published_at >= ? AND mentions.published_at <= ?""", [min(times), max(times)])
        conn.execute("DROP TABLE staged_posts")
        columns, rows = _staged_rows("mentions")
        conn.execute(f"INSERT INTO mentions ({', '.join(columns)}) {rows}", [str(files.mentions)])
        columns, rows = _staged_rows("source_runs")  # one row per brand × source of the run: no key twice
        conn.execute(upsert_sql("source_runs", rows, columns), [str(files.source_runs)])
        # Two brands' files of one source can quarantine the same item (its key leaves the brand out).
        columns, rows = _staged_rows("quarantine")
        conn.execute(insert_missing_sql("quarantine", one_per_key("quarantine", rows, columns), columns),
                     [str(files.quarantine)])
        moments = sorted({*touched, *times})  # times: where reloaded posts were stored before, too
        spans = whole_buckets([(at, at + bucket) for at in moments], bucket)
        recount_buckets(conn, spans, bucket)
        recount_terms(conn, spans)
        refresh_days(conn, files.mentions, moments, bucket)
    return conn.execute("SELECT count(*) FROM posts").fetchone()[0]


def _upsert_posts(conn: duckdb.DuckDBPyConnection, path: Path) -> list[datetime]:
    """Store the staged posts (kept in the temp table `staged_posts`), replacing the stored versions;
    returns the staged posts' times and those the versions they replace were stored under.

    The stored versions' times are read before the MERGE replaces them. Both statements join posts on
    the key, and DuckDB prunes the scan of posts to the staged keys' ranges. The transform stages one
    row per post (transforms.dedupe), so the MERGE's source holds no key twice.
    """
    columns = list(STAGED_COLUMNS["posts"])
    conn.execute(f"CREATE OR REPLACE TEMP TABLE staged_posts AS SELECT {', '.join(columns)} FROM {_staged('posts')}",
                 [str(path)])
    before = conn.execute("SELECT published_at FROM posts SEMI JOIN staged_posts s USING (platform, native_id)").fetchall()
    after = conn.execute("SELECT DISTINCT published_at FROM staged_posts").fetchall()  # DuckLake has no RETURNING
    conn.execute(upsert_sql("posts", "SELECT * FROM staged_posts", columns))
    return sorted({at for (at,) in before + after})


def _staged_rows(table: str) -> tuple[list[str], str]:
    """The columns of `table` a load fills and the SELECT of them from its staged file (bound as the
    one parameter): the staged columns, then the local ones derived in the configured zone."""
    local = LOCAL_COLUMNS.get(table, {})
    values = ", ".join([*STAGED_COLUMNS[table], *(expression for _type, expression in local.values())])
    return [*STAGED_COLUMNS[table], *local], f"SELECT {values} FROM {_staged(table)} CROSS JOIN local_zone z"


def _staged(table: str) -> str:
    """The staged file of `table` (bound as the one parameter), read with the table's column types."""
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in STAGED_COLUMNS[table].items())
    return f"read_json(?, format = 'newline_delimited', columns = {{{columns}}})"


def recount_buckets(conn: duckdb.DuckDBPyConnection, spans: Sequence[Span], bucket: timedelta) -> None:
    """Count `bucket_stats` again for the buckets of each span (whole buckets) from the stored posts."""
    seconds = int(bucket.total_seconds())
    for start, end in spans:
        conn.execute("DELETE FROM bucket_stats WHERE bucket_start >= ? AND bucket_start < ?", [start, end])
        # The counts here are the BUCKET_METRICS of warehouse.schema, which detection reads back per post.
        conn.execute("""
            INSERT INTO bucket_stats (brand, bucket_start, mentions, pos, neu, neg, complaints)
            SELECT m.brand,
                   to_timestamp(floor(epoch(p.published_at) / $seconds) * $seconds) AS bucket_start,
                   count(*), count(*) FILTER (WHERE p.label = 'pos'), count(*) FILTER (WHERE p.label = 'neu'),
                   count(*) FILTER (WHERE p.label = 'neg'), count(*) FILTER (WHERE p.complaint)
            FROM mentions m JOIN posts p USING (platform, native_id)
            WHERE m.published_at >= $start AND m.published_at < $end
              AND p.published_at >= $start AND p.published_at < $end
            GROUP BY ALL""", {"seconds": seconds, "start": start, "end": end})
