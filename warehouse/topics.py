"""Storing hot topics: every run keeps the topics of the hour before its end (v_hot_topics), and
reads back those of the hours before, so a growing story keeps its key (`transforms.stories`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from transforms.stories import Earlier
from warehouse.merge import parameter_row, upsert_sql

if TYPE_CHECKING:
    import duckdb

    from transforms.topics import Topic

_COLUMNS = ("brand", "window_start", "window_end", "topic_key", "label", "terms", "volume", "baseline_volume", "score",
            "lift", "is_new", "alert", "post_keys")


def store_topics(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                 topics: Sequence[Topic]) -> None:
    """Upsert one brand's topics of [start, end), keyed by brand, window end and topic key."""
    if not topics:
        return
    conn.executemany(
        upsert_sql("topics", parameter_row(_COLUMNS), _COLUMNS),
        [[brand, start, end, t.key, t.label, list(t.terms), t.volume, t.baseline_volume, t.score, t.lift, t.is_new,
          t.alert, list(t.post_keys)] for t in topics])


def recent_topics(conn: duckdb.DuckDBPyConnection, brand: str, since: datetime, before: datetime) -> list[Earlier]:
    """The brand's topics stored for windows ending in [since, before), newest first (best first within one)."""
    rows = conn.execute(
        "SELECT topic_key, terms, post_keys FROM topics WHERE brand = ? AND window_end >= ? AND window_end < ? "
        "ORDER BY window_end DESC, score DESC, topic_key", [brand, since, before]).fetchall()
    return [Earlier(key, tuple(terms), tuple(post_keys)) for key, terms, post_keys in rows]
