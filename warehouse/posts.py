"""Reads of a brand's posts in a window: what alerts and digests say about the posts behind them.

A `PostSelection` names the posts (brand, window, and either the posts a bucket metric counts or
listed post keys); the same selection gives the rows read here and `listing_query`, the SQL an
alert shows so a reader can list every post with `brandmon sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from warehouse.filters import Condition, where, where_literal
from warehouse.schema import BUCKET_METRICS, Metric

if TYPE_CHECKING:
    import duckdb

POST_KEY = "platform || ':' || native_id"  # how topics name a post ('weibo:123')
_LISTING_COLUMNS = "published_local, platform, label, complaint, engagement, url, text"


@dataclass(frozen=True)
class PostSelection:
    """A brand's posts published in [start, end) that `metric` counts, narrowed to `post_keys` if given."""

    brand: str
    start: datetime
    end: datetime
    metric: Metric = "mentions"
    post_keys: tuple[str, ...] | None = None  # 'platform:native_id'

    def __post_init__(self) -> None:
        if self.metric not in BUCKET_METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; one of {', '.join(BUCKET_METRICS)}")

    def conditions(self) -> list[Condition]:
        """The selection as conditions on v_mentions, to run bound or to show as literals."""
        found = [Condition("brand", "=", self.brand), Condition("published_at", ">=", self.start),
                 Condition("published_at", "<", self.end)]
        if (metric := BUCKET_METRICS[self.metric]) is not None:
            found.append(metric)
        if self.post_keys is not None:
            found.append(Condition(POST_KEY, "IN", tuple(self.post_keys)) if self.post_keys else Condition("FALSE"))
        return found


class PostFacts(NamedTuple):
    """What counting needs of one post: when, its label, complaint and reasons, keywords, platform."""

    published_at: datetime
    label: str
    complaint: bool
    complaint_reasons: list[str]
    keywords: list[str]
    platform: str


@dataclass(frozen=True)
class SamplePost:
    """A post as alerts quote it (local time as 'YYYY-MM-DD HH:MM'); alert details store these."""

    text: str
    url: str | None
    author: str | None
    platform: str
    published_local: str
    engagement: int
    label: str
    complaint: bool


def post_facts(conn: duckdb.DuckDBPyConnection, selection: PostSelection) -> list[PostFacts]:
    """The selected posts' facts in publication order."""
    sql, params = where(selection.conditions())
    rows = conn.execute(
        f"""SELECT published_at, label, complaint, complaint_reasons, keywords, platform FROM v_mentions
            WHERE {sql} ORDER BY published_at, platform, native_id""", params).fetchall()
    return [PostFacts(*row) for row in rows]


def keyword_lists(conn: duckdb.DuckDBPyConnection, selection: PostSelection) -> list[list[str]]:
    """Each selected post's keywords (a baseline for which terms are new)."""
    sql, params = where(selection.conditions())
    return [row[0] for row in conn.execute(f"SELECT keywords FROM v_mentions WHERE {sql}", params).fetchall()]


def post_count(conn: duckdb.DuckDBPyConnection, selection: PostSelection) -> int:
    """How many posts the selection holds."""
    sql, params = where(selection.conditions())
    return conn.execute(f"SELECT count(*) FROM v_mentions WHERE {sql}", params).fetchone()[0]


def most_engaged(conn: duckdb.DuckDBPyConnection, selection: PostSelection, limit: int) -> list[SamplePost]:
    """The `limit` selected posts with most reposts + comments + likes; earlier first on ties."""
    sql, params = where(selection.conditions())
    rows = conn.execute(
        f"""SELECT text, url, author, platform, strftime(published_local, '%Y-%m-%d %H:%M'), engagement, label,
                   complaint
            FROM v_mentions WHERE {sql} ORDER BY engagement DESC, published_at, native_id LIMIT ?""",
        [*params, limit]).fetchall()
    return [SamplePost(*row) for row in rows]


def listing_query(selection: PostSelection) -> str:
    """SQL on v_mentions, with its values as literals, that lists every selected post, most engaged first."""
    return (f"SELECT {_LISTING_COLUMNS} FROM v_mentions WHERE {where_literal(selection.conditions())} "
            f"ORDER BY engagement DESC")


def topic_docs(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime
               ) -> list[tuple[str, list[str]]]:
    """(post key, terms) of the brand's posts published in [start, end) that have terms, in publication order."""
    rows = conn.execute(
        f"SELECT {POST_KEY}, terms FROM posts JOIN mentions USING (platform, native_id) "
        "WHERE brand = ? AND posts.published_at >= ? AND posts.published_at < ? AND terms IS NOT NULL "
        "ORDER BY posts.published_at, platform, native_id", [brand, start, end]).fetchall()
    return [(key, terms) for key, terms in rows]
