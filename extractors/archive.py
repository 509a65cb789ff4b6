"""`archive`: posts from JSON lines, JSON or CSV files (exports, history, the demo data set).

`path` is a file, a folder (searched recursively) or a glob. Each row needs a text and a
timestamp; the id, link, author, engagement counts ("1.2万" is 12000) and the author's reach
(`author_followers`, a count; `author_verified`, one of `record.VERIFIED_KINDS` or true/false) are
used when present, and so is `counted_at`, when the counts were read (their speed is then known). Column names default to ours (`id`, `text`, `published_at`, `url`, `author`,
`reposts`, `comments`, `likes`, `platform`, `title`, ...) and can be remapped with `fields:`. Only rows whose
timestamp lies in the window are returned, so the archive replays like a live source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

from extractors.base import BrandQuery, ExtractContext, ExtractResult, Window
from extractors.counts import parse_count
from extractors.files import read_posts
from extractors.options import FileSettings, Text, problem
from extractors.record import VERIFIED_KINDS, Post, stable_id
from extractors.timeparse import parse_timestamp

KIND = "archive"
OUR_FIELDS = ("id", "text", "published_at", "url", "title", "author", "author_id",
              "reposts", "comments", "likes", "platform", "author_followers", "author_verified", "counted_at")
_COUNT_FIELDS = ("reposts", "comments", "likes")


def _field_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or any(key not in OUR_FIELDS for key in value):
        raise problem(f"unknown field in {value!r}", f"map some of {', '.join(OUR_FIELDS)} to your column names")
    return {str(key): str(column) for key, column in value.items()}


class Settings(FileSettings):
    """`path`, `format`, `timezone` (see FileSettings), the `platform` stored with each post and
    `fields:` mapping our field names to the file's columns."""

    platform: Text = "archive"
    fields: Annotated[dict[str, str], BeforeValidator(_field_map)] = {}


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Read every matching file and return the rows inside the window."""
    return read_posts(settings, window, KIND, lambda row, _file, _modified: row_to_post(row, settings, settings.timezone))


def row_to_post(row: Mapping, settings: Settings, tz: ZoneInfo) -> Post:
    """One archive row as a Post; raises ValueError naming the missing or bad column."""
    def col(name: str) -> object:
        value = row.get(settings.fields.get(name, name))
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    text = col("text")
    if text is None:
        raise ValueError(f"row has no text (column {settings.fields.get('text', 'text')!r})")
    stamp = col("published_at")
    if stamp is None:
        raise ValueError(f"row has no timestamp (column {settings.fields.get('published_at', 'published_at')!r})")
    published = parse_timestamp(stamp, tz)
    native_id = col("id")
    counts = {name: parse_count(col(name), name) for name in _COUNT_FIELDS}
    return Post(
        platform=str(col("platform") or settings.platform),
        native_id=str(native_id) if native_id is not None else stable_id(str(text), published.isoformat()),
        source=KIND,
        text=str(text),
        published_at=published,
        url=_str_or_none(col("url")),
        title=_str_or_none(col("title")),
        author=_str_or_none(col("author")),
        author_id=_str_or_none(col("author_id")),
        **counts,
        author_followers=parse_count(col("author_followers"), "author_followers"),
        author_verified=read_verified(col("author_verified")),
        counted_at=parse_timestamp(col("counted_at"), tz) if col("counted_at") is not None else None,
    )


def read_verified(value: object) -> str | None:
    """One of VERIFIED_KINDS, or a yes / no flag as `verified` / `none`; ValueError otherwise."""
    if value is None:
        return None
    flag = str(value).strip().lower()
    if flag in VERIFIED_KINDS:
        return flag
    if flag in ("true", "yes", "1"):
        return "verified"
    if flag in ("false", "no", "0"):
        return "none"
    raise ValueError(f"author_verified {value!r} is not one of {', '.join(VERIFIED_KINDS)} or true/false")


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
