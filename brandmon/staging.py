"""Staged files between tasks: JSON lines written atomically under `state/staging/<run>/`.

Extract tasks never touch DuckDB; they write here, and the load task (the only writer) reads
these files. A re-run overwrites its own files, so staging is idempotent per run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


def run_dir(staging_root: Path, run_id: str) -> Path:
    """The folder of one run's staged files; run ids contain ':' and '+', which we flatten."""
    return staging_root / _UNSAFE.sub("_", run_id)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as JSON lines via a synced temp file and rename, so readers never see half a
    file, even after a crash; a failed write (a full disk) leaves no temp file behind."""
    count = 0
    with staged_file(path) as handle:
        for row in rows:
            handle.write(json_line(row))
            count += 1
    return count


def json_line(row: dict[str, Any]) -> str:
    """One staged row as its line of JSON, newline included (what `write_jsonl` writes)."""
    return json.dumps(row, ensure_ascii=False, default=str) + "\n"


@contextmanager
def staged_file(path: Path) -> Iterator[TextIO]:
    """A text file to write, which appears at `path` whole when the block ends, as in `write_jsonl`;
    for lines serialised elsewhere (`json_line` in worker processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class BadLine:
    """A staged line that is not a JSON object (a file cut short by a crash, a full disk or a hand)."""

    number: int
    raw: str
    error: str


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], list[BadLine]]:
    """Every row of a staged file that parses, and the lines that do not, so one broken line
    never costs the rest; raises OSError only when the file cannot be read at all."""
    rows, bad = [], []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                bad.append(BadLine(number, line.rstrip("\n"), str(error)))
                continue
            if isinstance(row, dict):
                rows.append(row)
            else:
                bad.append(BadLine(number, line.rstrip("\n"), "not a JSON object"))
    return rows, bad


def prune(staging_root: Path, older_than: datetime, keep: str) -> list[str]:
    """Delete run folders last written before `older_than`, except `keep`; returns their names.

    Staged files are the run's inputs to load and the evidence when a load must be repeated;
    once a week has passed they are only disk.
    """
    removed = []
    if not staging_root.exists():
        return removed
    cutoff = older_than.timestamp()
    for folder in staging_root.iterdir():
        if folder.is_dir() and folder.name != keep and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return sorted(removed)
