"""A large warehouse grown from a small real one, for benchmarks (bench/analyst_queries.py).

The seed (a warehouse the real pipeline filled) is copied many times with shifted times and
suffixed ids into a warehouse made by the real migrations up to a given one (later ones apply as
on an upgrade), in the order loads append rows: oldest week first, each week in time order. Copies
stack `overlays` deep per week (a few seconds apart) so the history grows in days at a steady
daily volume. Post-level tables (posts, mentions, spread) get
every copy; alerts and incidents one per week; runs, source health and topics one per 15 minutes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from warehouse.db import migrations

WEEK = timedelta(days=7)
PERIOD = timedelta(minutes=15)  # the schedule the periodic tables are copied at
# table -> (id columns suffixed with the copy, time columns shifted back with it)
_POST_TABLES = {
    "posts": (("native_id", "url", "text"), ("published_at", "counted_at")),
    "mentions": (("native_id",), ("published_at",)),
    "spread_metrics": (("native_id",), ("as_of",)),
    "spread_amplifiers": (("native_id",), ()),
    "spread_reposts": (("native_id",), ("reposted_at", "fetched_at")),
    "spread_comments": (("native_id",), ("commented_at", "fetched_at")),
    "spread_fetches": (("native_id",), ("fetched_at",)),
}
_WEEKLY_TABLES = {
    "alerts": (("alert_id", "run_id"), ("bucket_start", "bucket_end")),
    "deliveries": (("alert_id",), ("next_attempt_at", "sent_at")),
    "incidents": (("incident_id", "opening_alert_id"), ("opened_at", "last_alert_at", "closed_at")),
    "incident_alerts": (("alert_id", "incident_id", "run_id"), ("alert_at",)),
    "spread_runs": (("run_id",), ("fetched_at",)),
}
_PERIODIC_TABLES = {
    "source_runs": (("run_id",), ("window_start", "window_end")),
    "pipeline_runs": (("run_id",), ("interval_start", "interval_end", "finished_at")),
    "topics": ((), ("window_start", "window_end")),
}


@dataclass(frozen=True)
class Grown:
    posts: int
    mentions: int
    days: int
    seconds: float  # copying the rows (the migrations apart)


def grow(seed: Path, target: Path, posts: int, timezone: str, per_day: int, before: int) -> Grown:
    """Fill `target` (a new file) with copies of `seed` up to about `posts` posts at about `per_day`
    a day, newest ending where the seed ends, in the schema of the migrations numbered below `before`
    (warehouse.db.migrate applies the later ones as on an upgrade). Checkpointed."""
    conn = duckdb.connect(str(target))
    try:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
        conn.execute("SET checkpoint_threshold = '64GB'")  # one checkpoint at the end, not one per copy
        for version, name, sql in migrations():
            if version < before:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, name])
        conn.execute("INSERT INTO settings VALUES ('timezone', ?)", [timezone])
        conn.execute(f"ATTACH '{seed}' AS seed (READ_ONLY)")
        seed_posts = conn.execute("SELECT count(*) FROM seed.posts").fetchone()[0]
        copies = math.ceil(posts / seed_posts)
        overlays = max(1, min(copies, round(per_day * 7 / seed_posts)))
        weeks = math.ceil(copies / overlays)
        conn.execute("""CREATE TEMP TABLE copies AS
                        SELECT i AS k, i // $overlays AS week, i % $overlays AS overlay,
                               CASE WHEN i = 0 THEN '' ELSE '~' || i END AS suffix,
                               (i // $overlays) * INTERVAL 7 DAY + (i % $overlays) * INTERVAL 13 SECOND AS shift
                        FROM range($copies) r(i)""", {"overlays": overlays, "copies": copies})
        started = time.monotonic()
        conn.execute("INSERT INTO brands SELECT * FROM seed.brands")
        for week in range(weeks - 1, -1, -1):
            for table, (ids, times) in _POST_TABLES.items():
                _copy(conn, table, ids, times, f"copies WHERE week = {week}")
            for table, (ids, times) in _WEEKLY_TABLES.items():
                _copy(conn, table, ids, times, f"copies WHERE week = {week} AND overlay = 0")
        periods = int(weeks * WEEK / PERIOD)
        conn.execute(f"""CREATE TEMP TABLE periods AS
                         SELECT i AS k, CASE WHEN i = 0 THEN '' ELSE '~p' || i END AS suffix,
                                i * INTERVAL {int(PERIOD.total_seconds())} SECOND AS shift
                         FROM range({periods - 1}, -1, -1) r(i)""")
        for table, (ids, times) in _PERIODIC_TABLES.items():
            _copy(conn, table, ids, times, "periods")
        conn.execute("CHECKPOINT")
        seconds = time.monotonic() - started
        stored = conn.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM mentions)").fetchone()
        return Grown(stored[0], stored[1], weeks * 7, seconds)
    finally:
        conn.close()


def _copy(conn: duckdb.DuckDBPyConnection, table: str, ids: tuple[str, ...], times: tuple[str, ...],
          copies: str) -> None:
    """Append the seed's `table` once per copy selected by `copies` (a FROM clause giving suffix and
    shift), filling the target's columns (the seed may have more: a newer schema)."""
    columns = [row[0] for row in conn.execute(f"DESCRIBE {table}").fetchall()]
    values = [f"t.{c} || c.suffix" if c in ids else f"t.{c} - c.shift" if c in times else f"t.{c}" for c in columns]
    order = f"ORDER BY t.{times[0]} - c.shift" if times else ""
    conn.execute(f"""INSERT INTO {table} ({", ".join(columns)})
                     SELECT {", ".join(values)} FROM seed.{table} t, (SELECT * FROM {copies}) c {order}""")
