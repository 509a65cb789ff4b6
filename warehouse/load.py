"""The load: one run's staged files into the warehouse in one transaction, idempotent per window.

Posts are upserted by (platform, native_id); a post's mentions are replaced as a whole (a config
change can add or drop a brand); source runs are upserted by brand, source and window; quarantined
items are kept once. `bucket_stats` is recomputed from stored posts for every bucket the run
touched, so counts never depend on which run loaded a post; the tables analysts' views read per
local day are refilled likewise (warehouse.days).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.days import refresh_days
from warehouse.db import transaction
from warehouse.schema import LOCAL_COLUMNS, STAGED_COLUMNS

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

    `conn` is the writer in auto-commit mode; re-running with the same files leaves the same rows.
    """
    with transaction(conn):
        if brands:
            conn.executemany("INSERT OR REPLACE INTO brands (brand, name, keywords, competitors) VALUES (?, ?, ?, ?)",
                             [[b.brand, b.name, list(b.keywords), list(b.competitors)] for b in brands])
        _insert_staged(conn, "INSERT OR REPLACE", "posts", files.posts)
        conn.execute(f"""DELETE FROM mentions USING (SELECT platform, native_id FROM {_staged('posts')}) AS s
                         WHERE mentions.platform = s.platform AND mentions.native_id = s.native_id""",
                     [str(files.posts)])
        _insert_staged(conn, "INSERT", "mentions", files.mentions)
        _insert_staged(conn, "INSERT OR REPLACE", "source_runs", files.source_runs)
        _insert_staged(conn, "INSERT OR IGNORE", "quarantine", files.quarantine)
        starts = sorted(set(touched))
        _recompute_buckets(conn, starts, bucket)
        refresh_days(conn, files.mentions, starts, bucket)
    return conn.execute("SELECT count(*) FROM posts").fetchone()[0]


def _insert_staged(conn: duckdb.DuckDBPyConnection, verb: str, table: str, path: Path) -> None:
    local = LOCAL_COLUMNS.get(table, {})
    columns = ", ".join([*STAGED_COLUMNS[table], *local])
    values = ", ".join([*STAGED_COLUMNS[table], *(expression for _type, expression in local.values())])
    conn.execute(f"{verb} INTO {table} ({columns}) SELECT {values} FROM {_staged(table)} CROSS JOIN local_zone z",
                 [str(path)])


def _staged(table: str) -> str:
    """The staged file of `table` (bound as the one parameter), read with the table's column types."""
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in STAGED_COLUMNS[table].items())
    return f"read_json(?, format = 'newline_delimited', columns = {{{columns}}})"


def _recompute_buckets(conn: duckdb.DuckDBPyConnection, bucket_starts: list[datetime], bucket: timedelta) -> None:
    if not bucket_starts:
        return
    seconds = int(bucket.total_seconds())
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (bucket_start TIMESTAMPTZ)")
    conn.execute("DELETE FROM touched")
    conn.executemany("INSERT INTO touched VALUES (?)", [[b] for b in bucket_starts])
    conn.execute("DELETE FROM bucket_stats WHERE bucket_start IN (SELECT bucket_start FROM touched)")
    # The counts here are the BUCKET_METRICS of warehouse.schema, which detection reads back per post.
    conn.execute("""
        INSERT INTO bucket_stats (brand, bucket_start, mentions, pos, neu, neg, complaints)
        SELECT m.brand,
               to_timestamp(floor(epoch(m.published_at) / $seconds) * $seconds) AS bucket_start,
               count(*), count(*) FILTER (WHERE p.label = 'pos'), count(*) FILTER (WHERE p.label = 'neu'),
               count(*) FILTER (WHERE p.label = 'neg'), count(*) FILTER (WHERE p.complaint)
        FROM mentions m JOIN posts p USING (platform, native_id)
        WHERE to_timestamp(floor(epoch(m.published_at) / $seconds) * $seconds) IN (SELECT bucket_start FROM touched)
        GROUP BY ALL""", {"seconds": seconds})
