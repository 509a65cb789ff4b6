"""Worlds for the fault suite: a config over the synthetic archive, its own state folder."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml

from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
NOW = END + timedelta(minutes=5)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Two brands on the demo archive (coffee also on a source whose files are missing)."""
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    archive = tmp_path / "posts.jsonl"
    write_jsonl(archive, generate(END))
    config = {
        "storage": {"state_dir": "state"},
        "brands": {
            "demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "broken"]},
            "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]},
        },
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "broken": {"kind": "archive", "path": "missing/*.jsonl"}},
    }
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    return tmp_path, load_config(tmp_path / "brands.yaml")
