"""The file channel: one JSON line per delivery appended to a local file.

It needs no Connection and is the default when no route matches (`local_file`, under the state
dir's alerts/ folder). Each line is `alerts.payload.build_payload`: the alert's fields plus its
rendered text. A line whose idempotency key is already near the end of the file is not written
again, so a crash between the append and the outbox commit leaves no duplicate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alerts.channels import DeliveryError, Envelope
from alerts.payload import build_payload
from alerts.settings import Channel

TAIL_BYTES = 256 * 1024


def send(envelope: Envelope, channel: Channel, secret: Mapping[str, Any] | None, timeout: float) -> str | None:
    """Append the alert's JSON line to `channel.options['path']` (created with its folder if missing)."""
    path = Path(channel.options["path"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if _already_written(path, envelope.idempotency_key):
            return "already in the file"
        line = json.dumps(build_payload(envelope), ensure_ascii=False, default=str) + "\n"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise DeliveryError(f"cannot write {path}: {error.strerror or error}") from None
    return None


def _already_written(path: Path, key: str) -> bool:
    if not path.exists():
        return False
    with open(path, "rb") as handle:
        handle.seek(max(path.stat().st_size - TAIL_BYTES, 0))
        tail = handle.read()
    return f'"idempotency_key": "{key}"'.encode() in tail
