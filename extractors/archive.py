"""`archive`: posts from JSON lines, JSON or CSV files (exports, history, the demo data set).

Each row needs a text and a timestamp; the id, link, author and engagement counts are used when
present. Column names default to ours (`id`, `text`, `published_at`, `url`, `author`, `reposts`,
`comments`, `likes`, `platform`, `title`) and can be remapped with `fields:`. Only rows whose
timestamp lies in the window are returned, so the archive replays like a live source.
"""

from __future__ import annotations

import csv
import io
import json
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
        files = _files(settings.pattern)
    except SourceError as error:
        result.health.fail(error)
        return result
    tz = ZoneInfo(settings.timezone)
    for path in files:
        result.health.pages += 1
        try:
            rows = list(_rows(path, settings.format))
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
    counts = {name: _count(col(name), name) for name in _COUNT_FIELDS}
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


def _count(value: object, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(float(str(value).replace(",", "")))
    except ValueError:
        raise ValueError(f"{name} is not a number: {value!r}") from None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _files(pattern: str) -> list[Path]:
    path = Path(pattern)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".jsonl", ".json", ".csv"))
    elif any(ch in pattern for ch in "*?["):
        found = sorted(Path(path.anchor).glob(str(path.relative_to(path.anchor))))
    else:
        found = [path] if path.exists() else []
    if not found:
        raise SourceError("permanent", f"no archive file at {pattern}", "fix `path:` in the source's config")
    return found


def _rows(path: Path, fmt: str) -> Iterator[tuple[str, Mapping | Quarantined]]:
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
            yield str(path), Quarantined(KIND, f"broken JSON: {error}", text[:10000], str(path))
            return
        items = data if isinstance(data, list) else data.get("data", data.get("items", [data])) if isinstance(data, dict) else []
        for number, row in enumerate(items):
            yield f"{path}[{number}]", row if isinstance(row, Mapping) else Quarantined(KIND, "item is not an object", json.dumps(row, ensure_ascii=False), f"{path}[{number}]")
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            location = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                yield location, Quarantined(KIND, f"broken JSON line: {error}", line, location)
                continue
            yield location, row if isinstance(row, Mapping) else Quarantined(KIND, "line is not a JSON object", line, location)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")
