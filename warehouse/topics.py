"""Storing hot topics: every run keeps the topics of the hour before its end (v_hot_topics)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from transforms.topics import Topic


def store_topics(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                 topics: Sequence[Topic]) -> None:
    """Upsert one brand's topics of [start, end), keyed by brand, window end and topic key."""
    if not topics:
        return
    conn.executemany(
        "INSERT OR REPLACE INTO topics (brand, window_start, window_end, topic_key, label, terms, volume, "
        "baseline_volume, score, lift, is_new, alert, post_keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[brand, start, end, t.key, t.label, list(t.terms), t.volume, t.baseline_volume, t.score, t.lift, t.is_new,
          t.alert, list(t.post_keys)] for t in topics])
