"""Every SQL statement on posts' spread (migration 0009): which posts to fetch, the cascades fetched,
what the metrics need of them, the metrics stored, and what alerts say of the spread of their posts.

Plain values in and out: fetched cascades come in as row dicts (the columns below), metrics as
`transforms.spread` records; alerts read `PostSpread`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from transforms.spread import Amplifier, Node, SpreadMetrics
from warehouse.days import refresh_spread_days
from warehouse.filters import where
from warehouse.merge import insert_missing_sql, parameter_row, upsert_sql
from warehouse.posts import POST_KEY, PostSelection

if TYPE_CHECKING:
    import duckdb

RUN_COLUMNS = ("run_id", "platform", "kind", "fetched_at", "status", "error_kind", "message", "posts_wanted", "cascades",
               "not_fetched", "requests", "notes")
QUARANTINE_COLUMNS = ("key", "source", "brand", "reason", "raw", "location", "window_start", "window_end")
FETCH_COLUMNS = ("platform", "native_id", "run_id", "fetched_at", "source", "status", "message", "reposts_total",
                 "comments_total", "reposts_fetched", "comments_fetched", "pages", "complete")
REPOST_COLUMNS = ("platform", "native_id", "repost_id", "reposted_at", "user_id", "user_name", "followers", "verified",
                  "chain", "text", "reposts", "comments", "likes", "fetched_at")
COMMENT_COLUMNS = ("platform", "native_id", "comment_id", "commented_at", "user_id", "user_name", "followers",
                   "verified", "text", "likes", "replies", "fetched_at")
_METRIC_COLUMNS = ("platform", "native_id", "as_of", "reposts_seen", "reposts_total", "comments_total", "hot_comments",
                   "depth", "large_reach_share", "early_per_hour", "recent_minutes", "recent_per_hour",
                   "before_per_hour", "recent_reposts", "before_reposts", "rate_ratio", "p_value", "verdict",
                   "accelerating", "reason")
_AMPLIFIER_COLUMNS = "user_id, user_name, followers, verified, reposts, drawn, score"


@dataclass(frozen=True)
class Selection:
    """Which posts' spread to fetch: of `platforms`, published in [since, until), whose author has
    `min_followers` or more or a verification in `verified`, or whose complaint severity is in
    `severities`; with `min_reposts` reposts or an unknown count; not fetched after `fetched_before`."""

    platforms: tuple[str, ...]
    since: datetime
    until: datetime
    min_followers: int
    verified: tuple[str, ...]
    severities: tuple[str, ...]
    min_reposts: int
    fetched_before: datetime


class Candidate(NamedTuple):
    """A post whose spread is wanted: its key, when it was published, its author."""

    platform: str
    native_id: str
    published_at: datetime
    author: str | None


def spread_candidates(conn: duckdb.DuckDBPyConnection, selection: Selection, limit: int) -> list[Candidate]:
    """The posts `selection` names, riskiest first (then most reposted), at most `limit`.

    One read: posts that matter by their own measure form `wanted`; posts of an open incident can
    join them there (a UNION in `wanted`) without changing the rest.
    """
    if not selection.platforms or limit <= 0:
        return []
    rows = conn.execute(
        """WITH wanted AS (
               SELECT platform, native_id FROM posts
               WHERE list_contains($platforms, platform) AND published_at >= $since AND published_at < $until
                 AND (author_followers >= $min_followers OR list_contains($verified, author_verified)
                      OR list_contains($severities, complaint_severity))
           ),
           last_fetch AS (
               SELECT platform, native_id, max(fetched_at) AS fetched_at FROM spread_fetches
               WHERE status <> 'error' GROUP BY platform, native_id
           )
           SELECT p.platform, p.native_id, p.published_at, p.author
           FROM wanted JOIN posts p USING (platform, native_id)
           LEFT JOIN last_fetch f USING (platform, native_id)
           WHERE (p.reposts IS NULL OR p.reposts >= $min_reposts)
             AND (f.fetched_at IS NULL OR f.fetched_at < $fetched_before)
           ORDER BY p.risk DESC NULLS LAST, p.reposts DESC NULLS LAST, p.published_at, p.platform, p.native_id
           LIMIT $limit""",
        {"platforms": list(selection.platforms), "since": selection.since, "until": selection.until,
         "min_followers": selection.min_followers, "verified": list(selection.verified),
         "severities": list(selection.severities), "min_reposts": selection.min_reposts,
         "fetched_before": selection.fetched_before, "limit": limit}).fetchall()
    return [Candidate(*row) for row in rows]


@dataclass(frozen=True)
class FetchedSpread:
    """One run's spread fetch as rows (dicts of the columns above): how it went per platform, each
    post's fetch, the reposts and comments seen, and what could not be read (`quarantine` rows)."""

    runs: Sequence[Mapping[str, Any]] = ()
    fetches: Sequence[Mapping[str, Any]] = ()
    reposts: Sequence[Mapping[str, Any]] = ()
    comments: Sequence[Mapping[str, Any]] = ()
    quarantine: Sequence[Mapping[str, Any]] = ()


def store_fetched(conn: duckdb.DuckDBPyConnection, fetched: FetchedSpread) -> None:
    """Upsert a run's fetch: runs (by run and platform), fetches (by post and run), reposts and comments
    (by id; a later fetch updates counts and followers); quarantined items are kept once. The
    caller's transaction makes it atomic; storing the same fetch again leaves the same rows."""
    # One MERGE a row, in order (as before): a key given twice ends as its last row, or its first for quarantine.
    for build, table, columns, rows in (
            (upsert_sql, "spread_runs", RUN_COLUMNS, fetched.runs),
            (upsert_sql, "spread_fetches", FETCH_COLUMNS, fetched.fetches),
            (upsert_sql, "spread_reposts", REPOST_COLUMNS, fetched.reposts),
            (upsert_sql, "spread_comments", COMMENT_COLUMNS, fetched.comments),
            (insert_missing_sql, "quarantine", QUARANTINE_COLUMNS, fetched.quarantine)):
        if rows:
            conn.executemany(build(table, parameter_row(columns), columns),
                             [[row[c] for c in columns] for row in rows])


@dataclass(frozen=True)
class SeenSpread:
    """What the metrics need of one post: when it was published, its latest fetch (when, the
    platform's counts, whether the list was read to its end), the hot comments and every repost seen."""

    platform: str
    native_id: str
    published_at: datetime
    as_of: datetime
    reposts_total: int | None
    comments_total: int | None
    complete: bool
    hot_comments: int
    nodes: tuple[Node, ...]


def seen_spread(conn: duckdb.DuckDBPyConnection, keys: Iterable[tuple[str, str]]) -> list[SeenSpread]:
    """The spread seen so far of each (platform, native_id) that has a successful fetch."""
    found = []
    for platform, native_id in dict.fromkeys(keys):
        latest = conn.execute(
            """SELECT p.published_at, f.fetched_at, f.reposts_total, f.comments_total, f.complete
               FROM spread_fetches f JOIN posts p USING (platform, native_id)
               WHERE f.platform = ? AND f.native_id = ? AND f.status <> 'error'
               ORDER BY f.fetched_at DESC LIMIT 1""", [platform, native_id]).fetchone()
        if latest is None:
            continue
        nodes = conn.execute(
            """SELECT repost_id, reposted_at, user_id, user_name, followers, verified, chain, reposts
               FROM spread_reposts WHERE platform = ? AND native_id = ? AND reposted_at <= ?
               ORDER BY reposted_at, repost_id""", [platform, native_id, latest[1]]).fetchall()
        (hot,) = conn.execute("SELECT count(*) FROM spread_comments WHERE platform = ? AND native_id = ?",
                              [platform, native_id]).fetchone()
        published, as_of, reposts_total, comments_total, complete = latest
        found.append(SeenSpread(platform, native_id, published, as_of, reposts_total, comments_total,
                                bool(complete), hot, tuple(Node(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6]), r[7])
                                                           for r in nodes)))
    return found


def store_metrics(conn: duckdb.DuckDBPyConnection, seen: SeenSpread, metrics: SpreadMetrics, recent_minutes: int,
                  reason: str) -> None:
    """Replace one post's metrics and top amplifiers (and its day's rows of spread_posts)."""
    a = metrics.acceleration
    conn.execute("DELETE FROM spread_amplifiers WHERE platform = ? AND native_id = ?", [seen.platform, seen.native_id])
    conn.execute(
        upsert_sql("spread_metrics", parameter_row(_METRIC_COLUMNS), _METRIC_COLUMNS),
        [seen.platform, seen.native_id, metrics.as_of, metrics.reposts_seen, metrics.reposts_total, seen.comments_total,
         seen.hot_comments, metrics.depth, metrics.large_reach_share, metrics.early_rate, recent_minutes,
         a.recent_rate, a.before_rate, a.recent_count, a.before_count, a.ratio, a.p_value, a.verdict, a.accelerating,
         reason])
    if metrics.amplifiers:
        conn.executemany(
            f"INSERT INTO spread_amplifiers (platform, native_id, rank, {_AMPLIFIER_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[seen.platform, seen.native_id, rank, a.user_id, a.user_name, a.followers, a.verified, a.reposts, a.drawn,
              a.score] for rank, a in enumerate(metrics.amplifiers, start=1)])
    refresh_spread_days(conn, [seen.published_at])


@dataclass(frozen=True)
class PostSpread:
    """A post's spread as an alert tells it (alert details store these): the post, as of when, how
    far (reposts, depth, large-reach share), how fast (per hour: early, recent, before), the
    acceleration verdict with its ratio and p-value, and the top amplifiers."""

    post_key: str  # 'platform:native_id'
    author: str | None
    url: str | None
    as_of_local: str  # 'YYYY-MM-DD HH:MM'
    reposts_total: int | None
    reposts_seen: int
    depth: int
    large_reach_share: float | None
    early_per_hour: float | None
    recent_minutes: int
    recent_per_hour: float | None
    before_per_hour: float | None
    rate_ratio: float | None
    p_value: float | None
    verdict: str
    amplifiers: tuple[Amplifier, ...] = ()

    @property
    def accelerating(self) -> bool:
        """Whether the spread outpaces its own earlier rate (transforms.spread's rule)."""
        return self.verdict == "accelerating"

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> PostSpread:
        """A PostSpread as alert details store it (JSON)."""
        return cls(**{**stored, "amplifiers": tuple(Amplifier(**a) for a in stored.get("amplifiers", ()))})


def selection_spread(conn: duckdb.DuckDBPyConnection, selection: PostSelection, limit: int) -> list[PostSpread]:
    """The spread of the selected posts that have one, accelerating first, then fastest, at most `limit`."""
    sql, params = where(selection.conditions())
    rows = conn.execute(
        f"""SELECT s.platform || ':' || s.native_id, p.author, p.url,
                   strftime(timezone(tz.zone, s.as_of), '%Y-%m-%d %H:%M'), s.reposts_total, s.reposts_seen, s.depth,
                   s.large_reach_share, s.early_per_hour, s.recent_minutes, s.recent_per_hour, s.before_per_hour,
                   s.rate_ratio, s.p_value, s.verdict
            FROM spread_metrics s JOIN posts p USING (platform, native_id) CROSS JOIN local_zone tz
            WHERE s.platform || ':' || s.native_id IN (SELECT {POST_KEY} FROM v_mentions WHERE {sql})
            ORDER BY s.accelerating DESC, s.recent_per_hour DESC NULLS LAST, s.reposts_seen DESC, 1
            LIMIT ?""", [*params, limit]).fetchall()
    spreads = []
    for row in rows:
        platform, native_id = row[0].split(":", 1)
        top = conn.execute(f"SELECT {_AMPLIFIER_COLUMNS} FROM spread_amplifiers WHERE platform = ? AND native_id = ? "
                           "ORDER BY rank", [platform, native_id]).fetchall()
        spreads.append(PostSpread(*row, amplifiers=tuple(Amplifier(*a) for a in top)))
    return spreads


class SpreadLine(NamedTuple):
    """A post's spread as the run summary lists it."""

    brand: str
    author: str | None
    reposts: int
    depth: int
    verdict: str
    amplifiers: list[str]


def spread_overview(conn: duckdb.DuckDBPyConnection, limit: int) -> list[SpreadLine]:
    """The posts with a fetched spread, accelerating first, then most reposted, at most `limit`."""
    rows = conn.execute(
        """SELECT brand, author, coalesce(reposts_total, reposts_seen), depth, verdict, coalesce(top_amplifiers, [])
           FROM v_post_spread ORDER BY accelerating DESC, coalesce(reposts_total, reposts_seen) DESC, brand, native_id
           LIMIT ?""", [limit]).fetchall()
    return [SpreadLine(*row) for row in rows]
