"""Reads of a brand's posts in a window: what alerts and digests say about the posts behind them.

A `PostSelection` names the posts (brand, window, and either the posts a bucket metric counts or
listed post keys); the same selection gives the rows read here and `listing_query`, the SQL an
alert shows so a reader can list every post with `brandmon sql`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from transforms.neardup import Copy, group_copies
from transforms.risk import group_risk, harm
from warehouse.filters import Condition, where, where_literal
from warehouse.schema import BUCKET_METRICS, Metric

if TYPE_CHECKING:
    import duckdb

POST_KEY = "platform || ':' || native_id"  # how topics name a post ('weibo:123')
_LISTING_COLUMNS = "published_local, platform, label, complaint, risk, engagement, url, text"


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


class ReasonLabel(NamedTuple):
    """A complaint reason as stored (`posts.complaint_reason_details`), for counting and showing."""

    category: str
    code: str
    zh: str
    en: str
    phrase: str


class PostFacts(NamedTuple):
    """What counting needs of one post: when, its label, complaint, categories and reasons, keywords,
    platform. Posts stored before complaint details were kept (migration 0004) have none."""

    published_at: datetime
    label: str
    complaint: bool
    reasons: tuple[ReasonLabel, ...]
    categories: tuple[str, ...]
    keywords: list[str]
    platform: str


@dataclass(frozen=True)
class SamplePost:
    """A post as alerts quote it (local time as 'YYYY-MM-DD HH:MM'); alert details store these.

    A post that stands for `copies` copies of one text (transforms.neardup) is the copy that reaches
    furthest, with the earliest copy's time, author and link (None when it is that copy, or alone).
    """

    text: str
    url: str | None
    author: str | None
    platform: str
    published_local: str
    engagement: int
    label: str
    complaint: bool
    author_followers: int | None = None
    author_verified: str | None = None
    severity: str | None = None  # complaint severity: none / normal / severe (None: not recorded)
    risk: float | None = None  # transforms.risk (None: stored before risk was kept)
    copies: int = 1
    earliest_local: str | None = None
    earliest_author: str | None = None
    earliest_url: str | None = None


_SAMPLE_COLUMNS = ("text, url, author, platform, strftime(published_local, '%Y-%m-%d %H:%M'), engagement, label, "
                   "complaint, author_followers, author_verified, complaint_severity, risk")


def post_facts(conn: duckdb.DuckDBPyConnection, selection: PostSelection) -> list[PostFacts]:
    """The selected posts' facts in publication order."""
    sql, params = where(selection.conditions())
    rows = conn.execute(
        f"""SELECT published_at, label, complaint, complaint_reason_details, complaint_categories, keywords, platform
            FROM v_mentions WHERE {sql} ORDER BY published_at, platform, native_id""", params).fetchall()
    return [PostFacts(at, label, complaint, reason_labels(details), tuple(categories or ()), keywords, platform)
            for at, label, complaint, details, categories, keywords, platform in rows]


def reason_labels(details: list[dict] | None) -> tuple[ReasonLabel, ...]:
    """Stored reason structs (NULL for posts stored before they were kept) as ReasonLabels."""
    return tuple(ReasonLabel(r["category"], r["code"], r["zh"], r["en"], r["phrase"]) for r in details or ())


def complaint_labels(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """The Chinese and English names of each complaint category and severity kind, by code."""
    return {code: (zh, en) for code, zh, en in conn.execute("SELECT code, zh, en FROM complaint_labels").fetchall()}


def post_count(conn: duckdb.DuckDBPyConnection, selection: PostSelection) -> int:
    """How many posts the selection holds."""
    sql, params = where(selection.conditions())
    return conn.execute(f"SELECT count(*) FROM v_mentions WHERE {sql}", params).fetchone()[0]


def top_posts(conn: duckdb.DuckDBPyConnection, selection: PostSelection, limit: int) -> list[SamplePost]:
    """The `limit` riskiest stories among the selected posts, riskiest first.

    Copies of one text (transforms.neardup) are one story, quoted by its copy of highest risk with
    how many copies there are and the earliest one; stories rank by transforms.risk.group_risk,
    then engagement, then the earlier. Posts stored before risk was kept rank after the others.
    """
    sql, params = where(selection.conditions())
    rows = conn.execute(
        f"""SELECT {POST_KEY}, published_at, {_SAMPLE_COLUMNS} FROM v_mentions WHERE {sql}
            ORDER BY published_at, platform, native_id""", params).fetchall()
    posts = {key: (at, SamplePost(*sample)) for key, at, *sample in rows}
    groups = group_copies([Copy(key, post.text, at, _known(post.risk), post.label)
                           for key, (at, post) in posts.items()])

    def rank(keys: tuple[str, ...], top: SamplePost) -> tuple:
        known = top.risk is not None
        score = group_risk(top.risk, harm(top.label, top.severity), len(keys)) if known else 0.0
        return (known, score, top.engagement, -posts[keys[0]][0].timestamp())

    stories = [(rank(g.keys, posts[g.most_reached][1]), g) for g in groups]
    stories.sort(key=lambda story: story[0], reverse=True)
    return [_story(posts, group.keys, group.most_reached) for _, group in stories[:limit]]


def _known(risk: float | None) -> float:
    return -1.0 if risk is None else risk


def _story(posts: dict[str, tuple[datetime, SamplePost]], keys: tuple[str, ...], shown: str) -> SamplePost:
    """The shown copy of a story, with the count of copies and the earliest copy if another."""
    post = posts[shown][1]
    if len(keys) == 1:
        return post
    earliest = posts[keys[0]][1]
    if keys[0] == shown:
        return replace(post, copies=len(keys))
    return replace(post, copies=len(keys), earliest_local=earliest.published_local, earliest_author=earliest.author,
                   earliest_url=earliest.url)


class SevereComplaint(NamedTuple):
    """A brand's severe complaint with reach: its key, when, the post as alerts quote it, its
    categories, its reasons and what made it severe."""

    post_key: str  # 'platform:native_id'
    published_at: datetime
    post: SamplePost
    categories: tuple[str, ...]
    reasons: tuple[ReasonLabel, ...]
    severity_reasons: tuple[ReasonLabel, ...]


def severe_complaints(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime,
                      min_followers: int, min_engagement: int) -> list[SevereComplaint]:
    """The brand's severe complaints published in [start, end) whose author has `min_followers`
    followers or more, or that reached `min_engagement` reposts + comments + likes; oldest first."""
    rows = conn.execute(
        f"""SELECT {POST_KEY}, published_at, {_SAMPLE_COLUMNS}, complaint_categories, complaint_reason_details,
                   complaint_severity_reasons
            FROM v_mentions
            WHERE brand = ? AND published_at >= ? AND published_at < ? AND complaint AND complaint_severity = 'severe'
              AND (author_followers >= ? OR engagement >= ?)
            ORDER BY published_at, platform, native_id""",
        [brand, start, end, min_followers, min_engagement]).fetchall()
    return [SevereComplaint(key, at, SamplePost(*sample), tuple(categories or ()), reason_labels(reasons),
                            reason_labels(severe))
            for key, at, *sample, categories, reasons, severe in rows]


def listing_query(selection: PostSelection) -> str:
    """SQL on v_mentions, with its values as literals, that lists every selected post, riskiest first."""
    return (f"SELECT {_LISTING_COLUMNS} FROM v_mentions WHERE {where_literal(selection.conditions())} "
            f"ORDER BY risk DESC NULLS LAST, engagement DESC")


def topic_docs(conn: duckdb.DuckDBPyConnection, brand: str, start: datetime, end: datetime
               ) -> list[tuple[str, list[str]]]:
    """(post key, terms) of the brand's posts published in [start, end) that have terms, in publication order."""
    rows = conn.execute(
        f"SELECT {POST_KEY}, terms FROM posts JOIN mentions USING (platform, native_id, published_at) "
        "WHERE brand = ? AND published_at >= ? AND published_at < ? AND terms IS NOT NULL "
        "ORDER BY published_at, platform, native_id", [brand, start, end]).fetchall()
    return [(key, terms) for key, terms in rows]
