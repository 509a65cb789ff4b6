"""`brandmon status` on a real warehouse: 0 when the last live interval is recent, 1 with the
reason when it is stale, 2 when nothing has been published yet."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from brandmon.config import load_config
from warehouse.db import writer
from warehouse.runs import RunRecord, record_run

BRANDMON = str(Path(sys.executable).with_name("brandmon"))


def world(tmp_path) -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump({
        "storage": {"state_dir": "state"},
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["feed"]}},
        "sources": {"feed": {"kind": "rss", "url": "https://example.com/feed.xml"}}}))
    return {"BRANDMON_CONFIG": str(tmp_path / "brands.yaml"), "PATH": "/usr/bin:/bin"}


def finished(env: dict[str, str], interval_end: datetime) -> None:
    config = load_config(env["BRANDMON_CONFIG"])
    with writer(config.warehouse, "Asia/Shanghai") as conn:
        record_run(conn, RunRecord(f"scheduled__{interval_end:%H%M}", "scheduled", interval_end - timedelta(minutes=15),
                                   interval_end, interval_end + timedelta(minutes=1), 0))


def status(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BRANDMON, "status", *args], env=env, capture_output=True, text=True, timeout=120)


def test_nothing_published_yet_is_unknown(tmp_path):
    done = status(world(tmp_path))
    assert done.returncode == 2 and "run the pipeline first" in done.stderr


def test_a_recent_interval_is_healthy_and_a_stale_one_is_not(tmp_path):
    env = world(tmp_path)
    now = datetime.now(timezone.utc)
    finished(env, now - timedelta(minutes=10))
    healthy = status(env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert healthy.stdout.startswith("ok    last run scheduled__")

    env2 = world(tmp_path / "stale")
    finished(env2, now - timedelta(hours=2))
    stale = status(env2, "--json")
    verdict = json.loads(stale.stdout)
    assert stale.returncode == 1 and not verdict["healthy"]
    assert "without a finished interval" in verdict["problems"][0]
