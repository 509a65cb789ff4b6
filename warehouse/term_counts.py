"""Term counts per brand and quarter hour (migration 0008): written by the load, read by detection.

For each brand and `TERM_BUCKET`: how many posts carry topic terms (`term_buckets`), and in how
many posts each topic unit (`unit_counts`) and each keyword (`keyword_counts`) occurs. The load
recounts every bucket overlapping what it touched from the stored posts, with the table macros
the migration filled them with (`term_bucket_counts_in`, `unit_counts_in`, `keyword_counts_in`),
so a bucket's counts are always those of its posts, however often or late its posts were loaded.
A baseline over any [start, end) adds the counts of the whole buckets inside it to a count of the
posts of the buckets its ends cut: detection reads a week without reading a week of posts.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from transforms.terms import TermBaseline
from transforms.topics import Baseline
from warehouse.schema import TERM_BUCKET

if TYPE_CHECKING:
    import duckdb

Span = tuple[datetime, datetime]  # [start, end)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_WANTED = """from_json($wanted, '["VARCHAR"]')"""  # the strings asked about (`_json_list`)
# table → the macro that counts it from the posts of a span (warehouse/migrations/0008_term_counts.sql)
_COUNTED_BY = {"term_buckets": "term_bucket_counts_in", "unit_counts": "unit_counts_in",
               "keyword_counts": "keyword_counts_in"}
COUNTED = tuple(_COUNTED_BY)  # the tables of counts the load keeps


def whole_buckets(spans: Iterable[Span], step: timedelta = TERM_BUCKET) -> list[Span]:
    """The spans widened to whole buckets of `step` (aligned to the Unix epoch), in order, those
    that overlap or touch merged."""
    merged: list[Span] = []
    for start, end in sorted((_floor(start, step), _ceil(end, step)) for start, end in spans if start < end):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def recount_terms(conn: duckdb.DuckDBPyConnection, spans: Iterable[Span]) -> None:
    """Count again, from the stored posts, every term bucket the spans overlap (all brands)."""
    for start, end in whole_buckets(spans):
        for table, macro in _COUNTED_BY.items():
            conn.execute(f"DELETE FROM {table} WHERE bucket_start >= ? AND bucket_start < ?", [start, end])
            conn.execute(f"INSERT INTO {table} SELECT * FROM {macro}(?, ?)", [start, end])


def unit_baseline(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                  units: Collection[str]) -> Baseline:
    """The brand's posts with topic terms published in [start, end): how many, and in how many of
    them each of `units` occurs (as `transforms.topics.units` makes units, `min_unigram_chars` 2)."""
    first, last = _inner(start, end)
    size = conn.execute(_counted("term_buckets", "topic_posts", "sum(topic_posts)"),
                        _bounds(brand, start, end, first, last)).fetchone()[0]
    # MATERIALIZED keeps the unit filter out of the scan: duckdb (1.5) filtering `unit` in the scan of
    # unit_counts no longer skips the row groups outside the dates, and reads the whole history
    rows = conn.execute(
        f"""WITH counted AS MATERIALIZED ({_counted('unit_counts', 'unit, posts')})
            SELECT unit, sum(posts)::BIGINT FROM counted WHERE unit IN (SELECT unnest({_WANTED})) GROUP BY unit""",
        {**_bounds(brand, start, end, first, last), "wanted": _json_list(units)}).fetchall()
    return Baseline(int(size or 0), dict(rows))


def keyword_baseline(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                     keywords: Collection[str]) -> TermBaseline:
    """The keywords of the brand's posts published in [start, end) (each counted once per post):
    the counts of `keywords`, their sum over every keyword and how many different ones there are."""
    first, last = _inner(start, end)
    total, distinct, found = conn.execute(
        f"""WITH per_keyword AS (SELECT keyword, sum(posts) AS posts FROM ({_counted('keyword_counts', 'keyword, posts')})
                                 GROUP BY keyword)
            SELECT coalesce(sum(posts), 0)::BIGINT, count(*),
                   map_from_entries(list((keyword, posts::BIGINT)) FILTER (WHERE keyword IN (SELECT unnest({_WANTED}))))
            FROM per_keyword""",
        {**_bounds(brand, start, end, first, last), "wanted": _json_list(keywords)}).fetchone()
    return TermBaseline(dict(found or {}), int(total), int(distinct))


def _counted(table: str, columns: str, aggregate: str | None = None) -> str:
    """The rows of `table` for one brand over [start, end): stored for the whole buckets [first,
    last), counted from the posts at the cut ends. Parameters: `_bounds`."""
    union = (f"SELECT {columns} FROM {table} WHERE brand = $brand AND bucket_start >= $first AND bucket_start < $last "
             f"UNION ALL SELECT {columns} FROM {_COUNTED_BY[table]}($start, $first) WHERE brand = $brand "
             f"UNION ALL SELECT {columns} FROM {_COUNTED_BY[table]}($last, $end) WHERE brand = $brand")
    return f"SELECT {aggregate} FROM ({union})" if aggregate else union


def _json_list(values: Collection[str]) -> str:
    """Strings to bind as one JSON text (`_WANTED` reads it back): binding a Python list costs
    duckdb a failed `import pandas` per item when pandas is not installed, ~0.3 ms each."""
    return json.dumps(sorted(values), ensure_ascii=False)


def _bounds(brand: str, start: datetime, end: datetime, first: datetime, last: datetime) -> dict[str, object]:
    return {"brand": brand, "start": start, "end": end, "first": first, "last": last}


def _inner(start: datetime, end: datetime) -> Span:
    """The whole term buckets inside [start, end), as [first, last); (end, end) when there are none."""
    first, last = _ceil(start, TERM_BUCKET), _floor(end, TERM_BUCKET)
    return (first, last) if first < last else (end, end)


def _floor(moment: datetime, step: timedelta) -> datetime:
    return _EPOCH + (moment - _EPOCH) // step * step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    return _EPOCH - (_EPOCH - moment) // step * step
