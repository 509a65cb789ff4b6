"""Worlds for the fault suite: a config over the synthetic archive, its own state folder."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from brandmon.config import Config, load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
NOW = END + timedelta(minutes=5)


def write_config(root: Path, state_dir: str = "state", alerts: dict[str, Any] | None = None) -> Config:
    """Two brands on the demo archive in `root` (coffee also on a source whose files are missing),
    state under `root/state_dir`."""
    config = {
        "storage": {"state_dir": state_dir},
        "brands": {
            "demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "broken"]},
            "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]},
        },
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "broken": {"kind": "archive", "path": "missing/*.jsonl"}},
        "alerts": alerts or {},
    }
    path = root / f"{state_dir}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return load_config(path)


def write_archive(root: Path) -> None:
    write_jsonl(root / "posts.jsonl", generate(END))


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Two brands on the demo archive (coffee also on a source whose files are missing)."""
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    write_archive(tmp_path)
    return tmp_path, write_config(tmp_path)
