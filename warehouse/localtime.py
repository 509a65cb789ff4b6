"""Local days stored for analysts (migration 0011): each mention's local day in the configured zone,
and `daily_stats`, mentions with their sentiment and complaints per brand and local day.

The load fills a mention's day as it inserts it (warehouse.schema.LOCAL_COLUMNS) and recounts the
days its buckets overlap (`count_days`); when the configured zone changes, `set_zone` recomputes
every stored day and count in the new zone, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from warehouse.schema import LOCAL_COLUMNS

if TYPE_CHECKING:
    import duckdb

_COUNTS = """
    INSERT INTO daily_stats (brand, day, mentions, pos, neu, neg, complaints)
    SELECT m.brand, m.day, count(*), count(*) FILTER (WHERE p.label = 'pos'), count(*) FILTER (WHERE p.label = 'neu'),
           count(*) FILTER (WHERE p.label = 'neg'), count(*) FILTER (WHERE p.complaint)
    FROM mentions m
    JOIN posts p ON p.platform = m.platform AND p.native_id = m.native_id AND p.published_at = m.published_at
    WHERE {days}
    GROUP BY m.brand, m.day"""


def set_zone(conn: duckdb.DuckDBPyConnection, zone: str) -> bool:
    """Record the configured zone; if it is not the one stored, recompute every stored local day and
    daily count in it (run inside the caller's transaction). Returns whether anything was recomputed."""
    stored = conn.execute("SELECT max(value) FROM settings WHERE key = 'timezone'").fetchone()[0]
    if stored == zone:
        return False
    conn.execute("INSERT OR REPLACE INTO settings VALUES ('timezone', ?)", [zone])
    for table, columns in LOCAL_COLUMNS.items():
        assignments = ", ".join(f"{name} = {expression}" for name, (_type, expression) in columns.items())
        conn.execute(f"UPDATE {table} SET {assignments} FROM local_zone z")
    conn.execute("DELETE FROM daily_stats")
    conn.execute(_COUNTS.format(days="TRUE"))
    return True


def count_days(conn: duckdb.DuckDBPyConnection, bucket_starts: Sequence[datetime], bucket: timedelta) -> None:
    """Recount `daily_stats` for every local day that a bucket starting at one of `bucket_starts` overlaps."""
    if not bucket_starts:
        return
    days = [row[0] for row in conn.execute(
        """SELECT DISTINCT CAST(timezone(z.zone, s.start + o.offset) AS DATE)
           FROM (SELECT unnest(?::TIMESTAMPTZ[]) AS start) s, (SELECT unnest([INTERVAL 0 SECOND, ?]) AS offset) o,
                local_zone z""", [list(bucket_starts), bucket - timedelta(microseconds=1)]).fetchall()]
    # The days as literals, so the scan skips the mentions of other days by their zonemaps.
    listed = ", ".join(f"DATE '{day.isoformat()}'" for day in days)
    conn.execute(f"DELETE FROM daily_stats WHERE day IN ({listed})")
    conn.execute(_COUNTS.format(days=f"m.day IN ({listed})"))
