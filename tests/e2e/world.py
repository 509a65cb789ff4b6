"""A world of its own for a test that runs the real scheduler: a config, a synthetic archive and a
state folder under one temporary root, passed to every brandmon process through the environment."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import yaml

from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from warehouse.db import reader

BRANDMON = str(Path(sys.executable).with_name("brandmon"))
COUNTS = """SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM mentions), (SELECT count(*) FROM bucket_stats),
                   (SELECT count(*) FROM alerts), (SELECT count(*) FROM deliveries WHERE status = 'sent'),
                   (SELECT count(*) FROM quarantine)"""


def make_world(root: Path, end: datetime, interval_minutes: int) -> dict[str, str]:
    """A config with the synthetic week ending at `end`; returns the environment to run with."""
    archive = root / "data" / "posts.jsonl"
    write_jsonl(archive, generate(end))
    config = {
        "schedule": {"interval_minutes": interval_minutes, "lookback_minutes": 30},
        "brands": {
            "demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡", "Demo Coffee"], "competitors": ["demo_tea"],
                            "sources": ["history"]},
            "demo_tea": {"name": "样板茶饮", "keywords": ["样板茶饮"], "sources": ["history"]},
        },
        "sources": {"history": {"kind": "archive", "path": str(archive)}},
    }
    (root / "config").mkdir(parents=True)
    (root / "config" / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    env = dict(os.environ, BRANDMON_CONFIG=str(root / "config" / "brands.yaml"), BRANDMON_STATE_DIR=str(root / "state"))
    return env


def stored_alerts(env) -> dict[str, str]:
    """Every stored alert's id and the type of run that stored it."""
    conn = reader(load_config(env["BRANDMON_CONFIG"]).warehouse)
    try:
        return dict(conn.execute("SELECT alert_id, run_type FROM alerts").fetchall())
    finally:
        conn.close()


def warehouse_counts(env) -> tuple:
    conn = reader(load_config(env["BRANDMON_CONFIG"]).warehouse)
    try:
        return conn.execute(COUNTS).fetchone()
    finally:
        conn.close()


