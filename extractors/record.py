"""The records every extractor produces: posts, quarantined items and a source's health.

These are the only types other layers import from `extractors`. They are plain frozen
dataclasses that round-trip through JSON (the staged files between tasks).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: extractors must attach a timezone")
    return value.astimezone(timezone.utc)


def _parse_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# What a source says of an author's verification (Weibo's V badges): not verified; a verified
# person (yellow / orange / gold V); a verified government body, company, media outlet or other
# organisation (blue V); a recognised "talent" (达人); verified, of a kind the source does not say.
VERIFIED_KINDS = ("none", "personal", "government", "enterprise", "media", "organization", "talent", "verified")


def _json_copy(value: Any) -> Any:
    """A copy of a JSON value's dicts and lists (the rest is immutable)."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_json_copy(item) for item in value)
    return value


@dataclass(frozen=True, slots=True)
class Post:
    """One public post, article or comment about a brand.

    `(platform, native_id)` is the identity: the same Weibo post found by search and by the
    mobile API is one post. `source` is the configured source that found it. The author's reach,
    where the source shows it: `author_followers` and `author_verified` (one of VERIFIED_KINDS);
    None when the source does not say. `counted_at`: when the source showed the reposts, comments
    and likes (the fetch time of a live source, the crawl time of an export), which makes their
    speed known; None when unknown.
    """

    platform: str
    native_id: str
    source: str
    text: str
    published_at: datetime
    url: str | None = None
    title: str | None = None
    author: str | None = None
    author_id: str | None = None
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    lang: str = "zh"
    extra: dict[str, Any] = field(default_factory=dict)
    author_followers: int | None = None
    author_verified: str | None = None
    counted_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "published_at", _utc(self.published_at))
        if self.counted_at is not None:
            object.__setattr__(self, "counted_at", _utc(self.counted_at))
        if not self.platform or not self.native_id:
            raise ValueError("a post needs a platform and a native_id")
        if self.author_followers is not None and (isinstance(self.author_followers, bool) or not isinstance(
                self.author_followers, int) or self.author_followers < 0):
            raise ValueError(f"author_followers must be a count, got {self.author_followers!r}")
        if self.author_verified is not None and self.author_verified not in VERIFIED_KINDS:
            raise ValueError(f"author_verified {self.author_verified!r} is not one of {', '.join(VERIFIED_KINDS)}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.native_id)

    @property
    def engagement(self) -> int:
        """Reposts + comments + likes, the order in which alerts show sample posts."""
        return (self.reposts or 0) + (self.comments or 0) + (self.likes or 0)

    def to_json(self) -> dict[str, Any]:
        """The post as a JSON object, fields in declaration order (staged rows; `from_json` reads it).

        Field by field rather than `dataclasses.asdict`, whose deep copy of every value cost more
        than scoring the post; `extra` holds JSON values, copied so the row owns them."""
        return {"platform": self.platform, "native_id": self.native_id, "source": self.source, "text": self.text,
                "published_at": self.published_at.isoformat(), "url": self.url, "title": self.title,
                "author": self.author, "author_id": self.author_id, "reposts": self.reposts,
                "comments": self.comments, "likes": self.likes, "lang": self.lang, "extra": _json_copy(self.extra),
                "author_followers": self.author_followers, "author_verified": self.author_verified,
                "counted_at": self.counted_at.isoformat() if self.counted_at else None}

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Post:
        row = dict(row)
        row["published_at"] = _parse_ts(row["published_at"])
        row["counted_at"] = _parse_ts(row.get("counted_at"))
        return cls(**row)


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An item a parser could not turn into a Post, kept with its raw payload and the reason."""

    source: str
    reason: str
    raw: str
    location: str = ""

    @property
    def key(self) -> str:
        """Stable identity, so re-running a window quarantines the same item once."""
        digest = hashlib.sha256(f"{self.source}\0{self.location}\0{self.raw}".encode()).hexdigest()
        return digest[:32]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Quarantined:
        return cls(**row)


RAW_LIMIT = 20000


def raw_json(value: object, limit: int = RAW_LIMIT) -> str:
    """A raw payload for a quarantine record as JSON, capped so one bad item cannot bloat the store."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)[:limit]
    return text[:limit]


def stable_id(*parts: str) -> str:
    """A short, stable id for items whose source gives none (a feed entry without guid)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]
