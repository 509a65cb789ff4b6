"""brand_digest under `dag.test()`: it waits for the day's data, then sends one digest per brand.

The test owns its world: its own config and state folder (BRANDMON_CONFIG and BRANDMON_STATE_DIR
point there while it runs), a warehouse filled by the pipeline from the synthetic demo archive, the local file channel.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.demo_world import demo_week

from .conftest import ENV

NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def digest_world(tmp_path, airflow_db, monkeypatch):
    """The demo's week up to the last whole hour, loaded and detected as a backfill (nothing sent)."""
    # This folder's tests share one state folder (BRANDMON_STATE_DIR); this one keeps its own.
    monkeypatch.setenv("BRANDMON_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("BRANDMON_CONFIG", str(tmp_path / "brands.yaml"))
    config = demo_week(tmp_path, NOW, "backfill__w", "backfill")
    assert config.state_dir == tmp_path / "state"
    return config


def test_the_digest_waits_for_the_day_then_sends_one_per_brand(digest_world):
    from airflow.dag_processing.dagbag import DagBag

    config = digest_world
    day = (NOW.astimezone(config.timezone) - timedelta(days=1)).date()
    bag = DagBag(dag_folder=ENV["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    run = bag.get_dag("brand_digest").test(run_after=NOW, run_conf={"day": day.isoformat()})
    assert str(run.state).endswith("success")
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert states["wait_for_day"].endswith("success") and states["send"].endswith("success")
    lines = [json.loads(x) for x in (config.state_dir / "alerts" / "alerts.jsonl").read_text().splitlines()]
    assert sorted((x["brand"], x["kind"], x["window_local"]) for x in lines) == [
        ("demo_coffee", "digest", f"{day} (Asia/Shanghai)"), ("demo_tea", "digest", f"{day} (Asia/Shanghai)")]
    coffee = next(x for x in lines if x["brand"] == "demo_coffee")
    midnight = datetime(day.year, day.month, day.day, tzinfo=config.timezone)
    complete = sum(midnight - timedelta(days=i) >= NOW - timedelta(days=7) for i in range(1, 8))  # 5, or 6 at 00:00
    assert f"前 7 日中 {complete} 个完整日的日均" in coffee["text"]["zh"] and "数据缺失" not in coffee["text"]["zh"]
    assert coffee["details"]["coverage"]["complete"] is True and coffee["details"]["trend"]["hours"]
