"""How a post spreads, as a platform shows it: the records every spread source returns.

A *spread source* fetches, for posts that matter (`SpreadTarget`s, chosen by the pipeline), the
reposts and hot comments the platform lists under them. It is a module listed in `SPREAD_KINDS`
with `KIND`, a `Settings` model (built on `extractors.options`), `REPLAYS` (True when it can show a
post's spread as it was at a past moment, as a file can: backfill runs use only those) and
`fetch(settings, targets, context, budget) -> SpreadResult`, which never raises for a failing
platform (the failure is in the result's health) and never sends more than `budget` HTTP requests
(`extractors.budget`).

A repost on Weibo carries the chain of reposts it came through in its text: `我的话//@B:B的话//@C:…`
says the reposter reposted B's repost, which reposted C's. `repost_chain` reads those names, the
nearest first; a repost without one reposted the original post.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

from extractors.base import SourceHealth
from extractors.record import Quarantined

SPREAD_KINDS: dict[str, str] = {
    "weibo": "extractors.weibo.spread",
    "archive": "extractors.spread_archive",
}
# `//@name:` (or `//@name :`, a full-width colon); Weibo names hold no spaces, colons or slashes.
_CHAIN = re.compile(r"//\s*@([^\s:：/@]+)\s*[:：]")


def spread_module(kind: str) -> ModuleType:
    """The module of a spread source kind; KeyError listing the known kinds."""
    if kind not in SPREAD_KINDS:
        raise KeyError(f"unknown spread kind {kind!r}; known kinds: {', '.join(sorted(SPREAD_KINDS))}")
    return importlib.import_module(SPREAD_KINDS[kind])


def repost_chain(text: str) -> tuple[str, ...]:
    """The accounts a repost came through, from its `//@name:` chain, the nearest first."""
    return tuple(_CHAIN.findall(text))


def own_words(text: str) -> str:
    """What the reposter wrote, without the chain of earlier reposts (`太过分了//@B:…` -> `太过分了`)."""
    match = _CHAIN.search(text)
    return (text[:match.start()] if match else text).strip()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: spread sources must attach a timezone")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class SpreadTarget:
    """A post whose spread is wanted: its identity, when it was published, and its author."""

    platform: str
    native_id: str
    published_at: datetime
    author: str | None = None

    @property
    def key(self) -> str:
        """'platform:native_id', as the warehouse names posts."""
        return f"{self.platform}:{self.native_id}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe row (the load task hands targets to the spread task by XCom)."""
        return {"platform": self.platform, "native_id": self.native_id,
                "published_at": self.published_at.isoformat(), "author": self.author}

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> SpreadTarget:
        """The target a `to_json` row describes."""
        return cls(row["platform"], row["native_id"], datetime.fromisoformat(row["published_at"]), row.get("author"))


@dataclass(frozen=True, slots=True)
class Repost:
    """One repost of a post: who, when, with how many followers, through which chain (`repost_chain`),
    their own words, and the reposts, comments and likes the repost itself drew (None: not shown)."""

    repost_id: str
    reposted_at: datetime
    user_id: str | None
    user_name: str | None
    followers: int | None
    verified: str | None
    chain: tuple[str, ...]
    text: str
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reposted_at", _utc(self.reposted_at))
        object.__setattr__(self, "chain", tuple(self.chain))


@dataclass(frozen=True, slots=True)
class Comment:
    """One hot comment under a post: who, when, with how many followers, its text, likes and replies."""

    comment_id: str
    commented_at: datetime
    user_id: str | None
    user_name: str | None
    followers: int | None
    verified: str | None
    text: str
    likes: int | None = None
    replies: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "commented_at", _utc(self.commented_at))


@dataclass(slots=True)
class Cascade:
    """What one fetch saw of one post's spread, as of `fetched_at`.

    `reposts_total` / `comments_total`: the platform's own counts (None: not shown). `complete`:
    the repost list was read to its end (every repost the platform lists is here); otherwise the
    newest ones are (lists run newest first). `status`: ok, partial (stopped early: the page or
    request budget, an error) or error (nothing read).
    """

    platform: str
    native_id: str
    fetched_at: datetime
    reposts: list[Repost] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    reposts_total: int | None = None
    comments_total: int | None = None
    pages: int = 0
    complete: bool = False
    status: str = "ok"
    message: str = ""

    def __post_init__(self) -> None:
        self.fetched_at = _utc(self.fetched_at)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.native_id}"

    def to_json(self) -> dict[str, Any]:
        row = dataclasses.asdict(self)
        row["fetched_at"] = self.fetched_at.isoformat()
        for repost in row["reposts"]:
            repost["reposted_at"] = repost["reposted_at"].isoformat()
            repost["chain"] = list(repost["chain"])
        for comment in row["comments"]:
            comment["commented_at"] = comment["commented_at"].isoformat()
        return row

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Cascade:
        row = dict(row)
        row["fetched_at"] = datetime.fromisoformat(row["fetched_at"])
        row["reposts"] = [Repost(**{**r, "reposted_at": datetime.fromisoformat(r["reposted_at"])})
                          for r in row.get("reposts", [])]
        row["comments"] = [Comment(**{**c, "commented_at": datetime.fromisoformat(c["commented_at"])})
                           for c in row.get("comments", [])]
        return cls(**row)


@dataclass(slots=True)
class SpreadResult:
    """A spread fetch's cascades, what could not be read (quarantined), the source's health, and the
    posts not fetched this time (the budget ran out) for the next run."""

    cascades: list[Cascade] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    health: SourceHealth = field(default_factory=SourceHealth)
    not_fetched: list[str] = field(default_factory=list)

    def finish(self) -> SpreadResult:
        """Settle the status: an error with some spread read is `partial`, not a loss."""
        if self.health.status == "error" and any(c.status != "error" for c in self.cascades):
            self.health.status = "partial"
        return self
