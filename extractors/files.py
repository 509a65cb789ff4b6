"""Reading local JSONL/JSON/CSV files into posts: what the archive and crawler_export kinds share.

`read_posts` is the one loop: list the files `path:` names, read each one's rows, turn each row
into a post, keep those inside the window (each post once) and quarantine the rest with the
reason: an unreadable file, a broken line, a row the kind's mapping refuses. A bad byte damages
its record only: it is replaced and counted in the source's health notes, or, where it breaks
the line, the line is quarantined with its bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from extractors.base import ExtractResult, SourceError, SourceHealth, Window
from extractors.decoding import choose_encoding, decode_escaped, repair, replaced_bytes, shown_raw
from extractors.options import FileSettings
from extractors.record import Post, Quarantined, raw_json

SUFFIXES = (".jsonl", ".json", ".csv")
FILE_CHARSET = "gb18030"  # what a file that is not UTF-8 is taken to declare: what Chinese Windows tools write
RowMapper = Callable[[Mapping, Path, datetime], Post | None]


def read_posts(settings: FileSettings, window: Window, source: str, to_post: RowMapper, *,
               list_keys: tuple[str, ...] = ("data", "items"), skip: Callable[[Path], bool] | None = None,
               shared_keys: tuple[str, ...] = ()) -> ExtractResult:
    """The posts inside the window of every file the settings name, each once.

    `to_post(row, file, modified)` maps a row (None: not a post, skip it) or raises ValueError,
    TypeError or KeyError (quarantined with the row); `modified` is the file's modification
    time. Files for which `skip` is true are noted and not read. No file at all is a permanent
    source error. `shared_keys`: see `read_rows`.
    """
    result = ExtractResult()
    seen: set[tuple[str, str]] = set()
    for location, row, path, modified in file_rows(settings, source, result, list_keys=list_keys, skip=skip,
                                                   shared_keys=shared_keys):
        try:
            post = to_post(row, path, modified)
        except (ValueError, TypeError, KeyError) as error:
            result.quarantined.append(Quarantined(source, str(error), raw_json(row), location))
            continue
        if post is not None and window.contains(post.published_at) and post.key not in seen:
            seen.add(post.key)
            result.posts.append(post)
    return result.finish()


class _Collecting(Protocol):
    quarantined: list[Quarantined]
    health: SourceHealth


def file_rows(settings: FileSettings, source: str, result: _Collecting, *,
              list_keys: tuple[str, ...] = ("data", "items"), skip: Callable[[Path], bool] | None = None,
              shared_keys: tuple[str, ...] = ()) -> Iterator[tuple[str, Mapping, Path, datetime]]:
    """(location, row, file, the file's modification time) of every readable row of the files the
    settings name. What cannot be read goes to `result` (an ExtractResult or a spread result): an
    unreadable file or row is quarantined, repaired bytes are noted, no file at all fails its health."""
    try:
        files = list_files(settings.path)
    except SourceError as error:
        result.health.fail(error)
        return
    for path in files:
        if skip is not None and skip(path):
            result.health.notes.append(f"skipped {path.name}: holds no posts")
            continue
        result.health.pages += 1
        try:
            found = read_rows(path, settings.format, source, list_keys, shared_keys)
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        except (OSError, ValueError, csv.Error) as error:
            result.quarantined.append(Quarantined(source, f"unreadable file: {error}", "", str(path)))
            continue
        note = found.note(path.name)
        if note:
            result.health.notes.append(note)
        for location, row in found.rows:
            if isinstance(row, Quarantined):
                result.quarantined.append(row)
            else:
                yield location, row, path, modified


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


@dataclass(slots=True)
class FileRows:
    """A file's rows with their locations (unreadable ones as Quarantined), the codec it was read
    with and the records whose invalid bytes were replaced."""

    encoding: str
    rows: list[tuple[str, Mapping | Quarantined]] = field(default_factory=list)
    replaced: int = 0
    damaged: list[str] = field(default_factory=list)

    def add(self, location: str, row: Mapping | Quarantined, where: str = "", replaced: int = 0) -> None:
        """Keep a row; `replaced` invalid bytes were repaired in it (`where` it is: "line 3")."""
        self.rows.append((location, row))
        self.count(where, replaced)

    def count(self, where: str, replaced: int) -> None:
        """Count the invalid bytes replaced in one record (or the header, or the whole file)."""
        if replaced:
            self.replaced += replaced
            self.damaged.append(where)

    def note(self, name: str) -> str | None:
        """The health note naming the damaged records, when there are any."""
        if not self.replaced:
            return None
        shown = ", ".join(self.damaged[:5]) + (", …" if len(self.damaged) > 5 else "")
        records = "1 record" if len(self.damaged) == 1 else f"{len(self.damaged)} records"
        return f"{name}: {replaced_bytes(self.replaced)} in {records} ({shown}; decoded as {self.encoding})"


def read_rows(path: Path, fmt: str, source: str, list_keys: tuple[str, ...] = ("data", "items"),
              shared_keys: tuple[str, ...] = ()) -> FileRows:
    """Each row of a JSONL, JSON or CSV file with its location; unreadable rows come as Quarantined.

    The file's codec follows `extractors.decoding` (a BOM, else UTF-8, else GB18030, else
    detection); invalid bytes are repaired record by record (replaced and counted), so one bad
    byte damages its record only, and a line it breaks is quarantined with the bytes shown
    (`\\xff`). A JSON file may be a list of rows, one row, or an object holding the list under
    one of `list_keys`; the fields `shared_keys` of such an object (weibo-crawler's `user`, the
    account every row was written by) are given to each of its rows that lacks them. `source`
    names the source kind in quarantined records.
    """
    if fmt == "auto":
        fmt = {".csv": "csv", ".json": "json"}.get(path.suffix.lower(), "jsonl")
    data = path.read_bytes()
    found = FileRows(choose_encoding(data, FILE_CHARSET))
    text = decode_escaped(data, found.encoding)
    if fmt == "csv":
        _csv_rows(text, path, found)
    elif fmt == "json":
        _json_rows(text, path, source, list_keys, shared_keys, found)
    else:
        _jsonl_rows(text, path, source, found)
    return found


def _csv_rows(text: str, path: Path, found: FileRows) -> None:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        return
    header = [repair(name) for name in reader.fieldnames]
    reader.fieldnames = [name for name, _ in header]
    found.count("line 1", sum(replaced for _, replaced in header))
    first_line = reader.line_num + 1
    for row in reader:
        cells = {key: _repair_cell(value) for key, value in row.items()}
        found.add(f"{path}:{first_line}", {key: cell for key, (cell, _) in cells.items()}, f"line {first_line}",
                  sum(replaced for _, replaced in cells.values()))
        first_line = reader.line_num + 1


def _repair_cell(value: str | list[str] | None) -> tuple[str | list[str] | None, int]:
    if isinstance(value, list):  # cells beyond the header
        repaired = [repair(cell) for cell in value]
        return [cell for cell, _ in repaired], sum(replaced for _, replaced in repaired)
    return repair(value) if isinstance(value, str) else (value, 0)


def _json_rows(text: str, path: Path, source: str, list_keys: tuple[str, ...], shared_keys: tuple[str, ...],
               found: FileRows) -> None:
    repaired, replaced = repair(text)
    try:
        data = json.loads(repaired)
    except json.JSONDecodeError as error:
        found.add(str(path), Quarantined(source, f"broken JSON: {error}", shown_raw(text)[:10000], str(path)))
        return
    found.count("the file", replaced)
    items = _json_items(data, list_keys)
    shared = {key: data[key] for key in shared_keys if isinstance(data, dict) and key in data}
    for number, row in enumerate(items):
        location = f"{path}[{number}]"
        found.add(location, {**shared, **row} if isinstance(row, Mapping) else Quarantined(
            source, "item is not an object", raw_json(row), location))


def _jsonl_rows(text: str, path: Path, source: str, found: FileRows) -> None:
    # Split on newlines only: U+2028 and friends are text inside a JSON string, not line ends.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        location = f"{path}:{number}"
        repaired, replaced = repair(line)
        try:
            row = json.loads(repaired)
        except json.JSONDecodeError as error:
            found.add(location, Quarantined(source, f"broken JSON line: {error}", shown_raw(line), location))
            continue
        if isinstance(row, Mapping):
            found.add(location, row, f"line {number}", replaced)
        else:
            found.add(location, Quarantined(source, "line is not a JSON object", shown_raw(line), location))


def _json_items(data: object, list_keys: tuple[str, ...]) -> list:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in list_keys:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return [data]

