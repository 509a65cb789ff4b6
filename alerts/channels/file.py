"""The file channel: one JSON line per delivery appended to a local file.

It needs no Connection and is the default when no route matches (`local_file`, under the state
dir's alerts/ folder). Each line is `alerts.payload.build_payload`: the alert's fields plus its
rendered text.

Exactly once, also on a full disk or after a crash: every line in the file is a whole JSON record.
A record is appended in one write to a descriptor opened O_APPEND, under an exclusive lock, and
fsynced; a write that fails (ENOSPC) is truncated back to the size before it, so it leaves no
partial line. A partial last line left by a process killed mid-write is cut off before the next
append (that send was never recorded by the outbox, so it is written again whole). A record whose
idempotency key is on a complete line near the end of the file is not written again, so a crash
between the append and the outbox commit leaves no duplicate.
Truncating back, rather than rewriting the file through a temp copy, keeps an append O(1) and
needs no room for a second copy on a disk that is already full.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alerts.channels import DeliveryError, Envelope
from alerts.payload import build_payload
from alerts.settings import Channel
from warehouse.db import fsync_dir

log = logging.getLogger(__name__)

TAIL_BYTES = 256 * 1024


def send(envelope: Envelope, channel: Channel, secret: Mapping[str, Any] | None, timeout: float) -> str | None:
    """Append the alert's JSON line to `channel.options['path']` (created with its folder if missing)."""
    path = Path(channel.options["path"])
    record = (json.dumps(build_payload(envelope), ensure_ascii=False, default=str) + "\n").encode("utf-8")
    try:
        with _locked(path) as fd:
            _drop_partial_tail(fd, path)
            if _already_written(fd, envelope.idempotency_key):
                return "already in the file"
            append_record(fd, record)
    except OSError as error:
        raise DeliveryError(f"cannot write {path}: {error.strerror or error}") from None
    return None


def append_record(fd: int, record: bytes) -> None:
    """Write `record` at the end of the O_APPEND file `fd` and fsync it; on any failure the file is
    cut back to its size before, so a failed append leaves nothing behind."""
    size = os.fstat(fd).st_size
    try:
        view = memoryview(record)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.ftruncate(fd, size)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if created:
            fsync_dir(path.parent)
        yield fd
    finally:
        os.close(fd)


def _drop_partial_tail(fd: int, path: Path) -> None:
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    end = size
    while end > 0:  # back to just after the last newline, or to the start
        start = max(end - 64 * 1024, 0)
        newline = os.pread(fd, end - start, start).rfind(b"\n")
        end = start + newline + 1 if newline >= 0 else start
        if newline >= 0:
            break
    log.warning("%s ended in a partial line (%d bytes, from an interrupted write); cut off before appending",
                path, size - end)
    os.ftruncate(fd, end)


def _already_written(fd: int, key: str) -> bool:
    size = os.fstat(fd).st_size
    start = max(size - TAIL_BYTES, 0)
    lines = os.pread(fd, size - start, start).split(b"\n")
    if start > 0:
        lines = lines[1:]  # the first may be the end of a line begun before the tail
    needle = key.encode("utf-8")
    for line in lines[:-1]:  # the file ends with a newline, so the last item is empty
        if needle in line and _key_of(line) == key:
            return True
    return False


def _key_of(line: bytes) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get("idempotency_key") if isinstance(record, dict) else None

