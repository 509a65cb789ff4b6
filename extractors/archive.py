"""`archive`: posts from JSON lines, JSON or CSV files (exports, history, the demo data set).

`path` is a file, a folder (searched recursively) or a glob. Each row needs a text and a
timestamp; the id, link, author and engagement counts ("1.2万" is 12000) are used when
present. Column names default to ours (`id`, `text`, `published_at`, `url`, `author`, `reposts`,
`comments`, `likes`, `platform`, `title`) and can be remapped with `fields:`. Only rows whose
timestamp lies in the window are returned, so the archive replays like a live source.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from extractors.base import (
    BrandQuery,
    ExtractContext,
    ExtractResult,
    SettingsError,
    SourceError,
    Window,
)
from extractors.record import Post, Quarantined, stable_id
from extractors.timeparse import parse_timestamp

KIND = "archive"
FORMATS = ("auto", "jsonl", "json", "csv")
OUR_FIELDS = ("id", "text", "published_at", "url", "title", "author", "author_id",
              "reposts", "comments", "likes", "platform")
_COUNT_FIELDS = ("reposts", "comments", "likes")
_SUFFIXES = (".jsonl", ".json", ".csv")


@dataclass(frozen=True, slots=True)
class Settings:
    pattern: str
    format: str = "auto"
    platform: str = "archive"
    timezone: str = "Asia/Shanghai"
    fields: Mapping[str, str] = field(default_factory=dict)


def parse_settings(options: Mapping, base_dir: Path) -> Settings:
    """Validate `path` (a file, a folder or a glob), `format`, `platform`, `timezone`, `fields`."""
    raw_path = options.get("path")
    if not isinstance(raw_path, str) or not raw_path.strip():
        raise SettingsError("path", "missing", "set path: to a .jsonl/.json/.csv file, a folder or a glob")
    fmt = options.get("format", "auto")
    if fmt not in FORMATS:
        raise SettingsError("format", f"{fmt!r} is not a format", f"use one of {', '.join(FORMATS)}")
    tz = options.get("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise SettingsError("timezone", f"{tz!r} is not a time zone", "use an IANA name such as Asia/Shanghai") from None
    mapping = options.get("fields", {}) or {}
    if not isinstance(mapping, Mapping) or any(k not in OUR_FIELDS for k in mapping):
        raise SettingsError("fields", f"unknown field in {mapping!r}",
                            f"map some of {', '.join(OUR_FIELDS)} to your column names")
    pattern = str((base_dir / raw_path) if not Path(raw_path).is_absolute() else Path(raw_path))
    return Settings(pattern=pattern, format=fmt, platform=str(options.get("platform", "archive")),
                    timezone=tz, fields=dict(mapping))


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Read every matching file and return the rows inside the window."""
    result = ExtractResult()
    try:
        files = list_files(settings.pattern)
    except SourceError as error:
        result.health.fail(error)
        return result
    tz = ZoneInfo(settings.timezone)
    for path in files:
        result.health.pages += 1
        try:
            rows = list(read_rows(path, settings.format, KIND))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            result.quarantined.append(Quarantined(KIND, f"unreadable file: {error}", "", str(path)))
            continue
        for location, row in rows:
            if isinstance(row, Quarantined):
                result.quarantined.append(row)
                continue
            try:
                post = row_to_post(row, settings, tz)
            except (ValueError, TypeError, KeyError) as error:
                result.quarantined.append(Quarantined(KIND, str(error), json.dumps(row, ensure_ascii=False, default=str), location))
                continue
            if window.contains(post.published_at):
                result.posts.append(post)
    return result.finish()


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
    )


_COUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万|w|W|亿|千|k|K)?\s*\+?$")
_UNITS = {None: 1, "千": 1_000, "k": 1_000, "K": 1_000, "万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000}
_NO_VALUE = ("", "none", "null", "nan", "-")


def parse_count(value: object, name: str = "count") -> int | None:
    """An engagement count as sites and crawlers write it: 12, "1,234", "1.2万", "3亿", "10万+", "999+".

    None, "" and "None" (a crawler's str(None)) are None; anything else raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} is not a count: {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} is not a count: {value!r}")
        return int(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if text.lower() in _NO_VALUE:
        return None
    match = _COUNT.match(text)
    if not match:
        raise ValueError(f"{name} is not a number: {value!r}")
    return int(round(float(match["number"]) * _UNITS[match["unit"]]))


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def list_files(pattern: str) -> list[Path]:
    """The .jsonl/.json/.csv files a `path:` names (a file, a folder searched recursively, or a glob).

    Raises SourceError (permanent) when nothing matches.
    """
    path = Path(pattern)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
    elif any(ch in pattern for ch in "*?["):
        matches = Path(path.anchor).glob(str(path.relative_to(path.anchor)))
        found = sorted(p for p in matches if p.is_file() and p.suffix.lower() in _SUFFIXES)
    else:
        found = [path] if path.exists() else []
    if not found:
        raise SourceError("permanent", f"no archive file at {pattern}", "fix `path:` in the source's config")
    return found


def read_rows(path: Path, fmt: str, source: str = KIND,
              list_keys: tuple[str, ...] = ("data", "items")) -> Iterator[tuple[str, Mapping | Quarantined]]:
    """Each row of a JSONL, JSON or CSV file with its location; unreadable rows come as Quarantined.

    A JSON file may be a list of rows, one row, or an object holding the list under one of
    `list_keys`. `source` names the source kind in quarantined records.
    """
    if fmt == "auto":
        fmt = {".csv": "csv", ".json": "json"}.get(path.suffix.lower(), "jsonl")
    text = _read_text(path)
    if fmt == "csv":
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            yield f"{path}:{number}", row
    elif fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            yield str(path), Quarantined(source, f"broken JSON: {error}", text[:10000], str(path))
            return
        for number, row in enumerate(_json_items(data, list_keys)):
            location = f"{path}[{number}]"
            yield location, row if isinstance(row, Mapping) else Quarantined(
                source, "item is not an object", json.dumps(row, ensure_ascii=False), location)
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            location = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                yield location, Quarantined(source, f"broken JSON line: {error}", line, location)
                continue
            yield location, row if isinstance(row, Mapping) else Quarantined(source, "line is not a JSON object", line, location)


def _json_items(data: object, list_keys: tuple[str, ...]) -> list:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in list_keys:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return [data]


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")
