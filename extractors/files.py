"""Reading local JSONL/JSON/CSV files into posts: what the archive and crawler_export kinds share.

`read_posts` is the one loop: list the files `path:` names, read each one's rows, turn each row
into a post, keep those inside the window (each post once) and quarantine the rest with the
reason: an unreadable file, a broken line, a row the kind's mapping refuses.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path

from extractors.base import ExtractResult, SourceError, Window
from extractors.options import FileSettings
from extractors.record import Post, Quarantined, raw_json

SUFFIXES = (".jsonl", ".json", ".csv")
RowMapper = Callable[[Mapping, Path, datetime], Post | None]


def read_posts(settings: FileSettings, window: Window, source: str, to_post: RowMapper, *,
               list_keys: tuple[str, ...] = ("data", "items"), skip: Callable[[Path], bool] | None = None,
               ) -> ExtractResult:
    """The posts inside the window of every file the settings name, each once.

    `to_post(row, file, modified)` maps a row (None: not a post, skip it) or raises ValueError,
    TypeError or KeyError (quarantined with the row); `modified` is the file's modification
    time. Files for which `skip` is true are noted and not read. No file at all is a permanent
    source error.
    """
    result = ExtractResult()
    try:
        files = list_files(settings.path)
    except SourceError as error:
        result.health.fail(error)
        return result
    seen: set[tuple[str, str]] = set()
    for path in files:
        if skip is not None and skip(path):
            result.health.notes.append(f"skipped {path.name}: holds no posts")
            continue
        result.health.pages += 1
        try:
            rows = list(read_rows(path, settings.format, source, list_keys))
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        except (OSError, UnicodeDecodeError, ValueError, csv.Error) as error:
            result.quarantined.append(Quarantined(source, f"unreadable file: {error}", "", str(path)))
            continue
        for location, row in rows:
            if isinstance(row, Quarantined):
                result.quarantined.append(row)
                continue
            try:
                post = to_post(row, path, modified)
            except (ValueError, TypeError, KeyError) as error:
                result.quarantined.append(Quarantined(source, str(error), raw_json(row), location))
                continue
            if post is not None and window.contains(post.published_at) and post.key not in seen:
                seen.add(post.key)
                result.posts.append(post)
    return result.finish()


def list_files(pattern: str) -> list[Path]:
    """The .jsonl/.json/.csv files a `path:` names (a file, a folder searched recursively, or a glob).

    Raises SourceError (permanent) when nothing matches.
    """
    path = Path(pattern)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    elif any(ch in pattern for ch in "*?["):
        matches = Path(path.anchor).glob(str(path.relative_to(path.anchor)))
        found = sorted(p for p in matches if p.is_file() and p.suffix.lower() in SUFFIXES)
    else:
        found = [path] if path.exists() else []
    if not found:
        raise SourceError("permanent", f"no archive file at {pattern}", "fix `path:` in the source's config")
    return found


def read_rows(path: Path, fmt: str, source: str,
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
                source, "item is not an object", raw_json(row), location)
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
