"""Local days stored for analysts (migration 0011): each mention's local day in the configured zone,
and the tables kept per brand and local day that views read instead of the whole history:
`daily_stats` (mentions, sentiment and complaints counted), `brand_complaints` (the complaints) and
`spread_posts` (the posts with spread metrics).

The load fills a mention's day as it inserts it (warehouse.schema.LOCAL_COLUMNS) and refills the
per-day tables for the days it touched (`refresh_days`); detect refills a post's day after storing
its spread metrics (`refresh_spread_days`); when the configured zone changes, `set_zone` recomputes
every stored day and refills the tables in the new zone, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.merge import upsert_sql
from warehouse.schema import LOCAL_COLUMNS

if TYPE_CHECKING:
    import duckdb

_MENTIONED_POSTS = """FROM mentions m
        JOIN posts p ON p.platform = m.platform AND p.native_id = m.native_id AND p.published_at = m.published_at"""
# Each per-day table, and the statement refilling it from the mentions whose day passes `{days}`.
PER_DAY = {
    "daily_stats": f"""
        INSERT INTO daily_stats (brand, day, mentions, pos, neu, neg, complaints)
        SELECT m.brand, m.day, count(*), count(*) FILTER (WHERE p.label = 'pos'),
               count(*) FILTER (WHERE p.label = 'neu'), count(*) FILTER (WHERE p.label = 'neg'),
               count(*) FILTER (WHERE p.complaint)
        {_MENTIONED_POSTS}
        WHERE {{days}}
        GROUP BY m.brand, m.day""",
    "brand_complaints": f"""
        INSERT INTO brand_complaints
        SELECT m.brand, timezone(z.zone, m.published_at), m.day, p.platform, p.native_id, p.url, p.author,
               p.author_followers, p.text, p.complaint_score, p.complaint_severity, p.complaint_categories,
               [r.zh FOR r IN p.complaint_reason_details], [r.en FOR r IN p.complaint_reason_details], p.sentiment,
               [r.zh FOR r IN p.complaint_severity_reasons], [r.en FOR r IN p.complaint_severity_reasons],
               p.author_verified, coalesce(p.reposts, 0) + coalesce(p.comments, 0) + coalesce(p.likes, 0),
               m.published_at, p.complaint_reasons, p.complaint_reason_details, p.complaint_severity_reasons
        {_MENTIONED_POSTS}
        CROSS JOIN local_zone z
        WHERE p.complaint AND {{days}}
        ORDER BY m.published_at""",
    "spread_posts": f"""
        INSERT INTO spread_posts
        SELECT m.brand, m.day, p.platform, p.native_id, m.published_at, p.url, p.author, p.author_followers,
               p.complaint_severity, p.risk, p.text
        {_MENTIONED_POSTS}
        SEMI JOIN spread_metrics s ON s.platform = m.platform AND s.native_id = m.native_id
        WHERE {{days}}
        ORDER BY m.published_at""",
}
_KEYED = ("brand_complaints", "spread_posts")  # per-day tables with a row per post (and brand)


def set_zone(conn: duckdb.DuckDBPyConnection, zone: str) -> bool:
    """Record the configured zone; if it is not the one stored, recompute every stored local day and
    refill the per-day tables in it (inside the caller's transaction). Returns whether it did."""
    stored = conn.execute("SELECT max(value) FROM settings WHERE key = 'timezone'").fetchone()[0]
    if stored == zone:
        return False
    conn.execute(upsert_sql("settings", "VALUES ('timezone', ?)", ("key", "value")), [zone])
    recompute_days(conn)
    return True


def recompute_days(conn: duckdb.DuckDBPyConnection) -> None:
    """Derive every stored local day again and refill the per-day tables whole (a new zone, or a
    history written by bulk SQL rather than by loads)."""
    for table, columns in LOCAL_COLUMNS.items():
        assignments = ", ".join(f"{name} = {expression}" for name, (_type, expression) in columns.items())
        conn.execute(f"UPDATE {table} SET {assignments} FROM local_zone z")
    for table, refill in PER_DAY.items():
        conn.execute(f"DELETE FROM {table}")
        conn.execute(refill.format(days="TRUE"))


def refresh_days(conn: duckdb.DuckDBPyConnection, staged_mentions: Path, bucket_starts: Sequence[datetime],
                 bucket: timedelta) -> None:
    """Refill the per-day tables for every local day of a mention just loaded from `staged_mentions`,
    of a stored row of the same post (the day it had before) and of a bucket starting at one of
    `bucket_starts`. Run after the load's inserts, in its transaction."""
    staged = ("read_json(?, format = 'newline_delimited', "
              "columns = {'platform': 'VARCHAR', 'native_id': 'VARCHAR', 'published_at': 'TIMESTAMPTZ'})")
    former = " ".join(f"UNION SELECT t.day FROM {table} t SEMI JOIN {staged} s "
                      "ON s.platform = t.platform AND s.native_id = t.native_id" for table in _KEYED)
    rows = conn.execute(
        f"""SELECT {_day("b.start + e.shift")}
            FROM unnest(?::TIMESTAMPTZ[]) b(start), unnest([INTERVAL 0 SECOND, ?]) e(shift), local_zone z
            UNION SELECT {_day("published_at")} FROM {staged} CROSS JOIN local_zone z {former}""",
        [list(bucket_starts), bucket - timedelta(microseconds=1), *[str(staged_mentions)] * (1 + len(_KEYED))])
    _refill(conn, [row[0] for row in rows.fetchall()], PER_DAY)


def refresh_spread_days(conn: duckdb.DuckDBPyConnection, published: Iterable[datetime]) -> None:
    """Refill `spread_posts` for the local days of posts published at `published` (whose spread
    metrics were just stored)."""
    rows = conn.execute(f"SELECT DISTINCT {_day('t')} FROM unnest(?::TIMESTAMPTZ[]) u(t), local_zone z",
                        [list(published)])
    _refill(conn, [row[0] for row in rows.fetchall()], {"spread_posts": PER_DAY["spread_posts"]})


def _day(moment: str) -> str:
    """The local day of the SQL expression `moment` (a TIMESTAMPTZ), as mentions store it."""
    return LOCAL_COLUMNS["mentions"]["day"][1].replace("published_at", moment)


def _refill(conn: duckdb.DuckDBPyConnection, days: list[date], tables: dict[str, str]) -> None:
    if not days:
        return
    # The days as literals, so the scans skip other days' mentions (and posts) by their zonemaps.
    listed = ", ".join(f"DATE '{day.isoformat()}'" for day in sorted(days))
    for table, refill in tables.items():
        conn.execute(f"DELETE FROM {table} WHERE day IN ({listed})")
        conn.execute(refill.format(days=f"m.day IN ({listed})"))
