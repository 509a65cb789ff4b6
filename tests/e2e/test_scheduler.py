"""End to end through a real Airflow: API server, scheduler, DAG processor, LocalExecutor.

Specifies the two promises ops rely on: `brandmon run` (what `make run` calls) sets up Airflow,
runs brand_monitor through the scheduler, reports and leaves no process behind, and running it
again adds no row and sends no alert twice; `airflow backfill create` over the burst stores its
alerts as suppressed and sends nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from brandmon import airflow_setup as af
from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from warehouse.db import reader

pytestmark = pytest.mark.e2e
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


def warehouse_counts(env) -> tuple:
    conn = reader(load_config(env["BRANDMON_CONFIG"]).published_path)
    try:
        return conn.execute(COUNTS).fetchone()
    finally:
        conn.close()


def airflow_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "airflow" in line and any(
        c in line for c in ("scheduler", "api-server", "dag-processor", "supervisor"))]


@pytest.fixture(scope="module")
def make_run_world(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("make_run")
    # `brandmon run` generates the demo itself when the config uses state/demo; here the archive
    # is written up front so the test knows exactly which posts exist.
    env = make_world(root, datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0), 15)
    return root, env


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def brandmon_run(env) -> subprocess.CompletedProcess:
    """`brandmon run` reaching back past the archive's week whatever the minute of the hour."""
    port = af.pick_port(0)
    return subprocess.run([BRANDMON, "run", "--port", str(port), "--timeout", "600", "--hours", "170"], env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def first_run(make_run_world):
    root, env = make_run_world
    before = airflow_processes()
    result = brandmon_run(env)
    return root, env, result, before


def test_brandmon_run_succeeds_and_reports(first_run):
    _, env, result, _ = first_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "brand_monitor runs: manual__make_run_" in result.stdout
    assert "= success" in result.stdout
    for heading in ("Mentions by brand and source", "Sentiment and complaints by brand", "Alerts (", "Query it:"):
        assert heading in result.stdout


def test_posts_scores_and_the_bursts_alert_are_stored(first_run):
    root, env, _, _ = first_run
    archive_posts = sum(1 for _ in open(root / "data" / "posts.jsonl"))
    posts, mentions, buckets, alerts, sent, quarantined = warehouse_counts(env)
    assert posts == archive_posts and mentions >= posts and quarantined == 0
    conn = reader(load_config(env["BRANDMON_CONFIG"]).published_path)
    kinds = {r[0] for r in conn.execute("SELECT kind FROM v_alerts WHERE brand = 'demo_coffee' AND status = 'sent'").fetchall()}
    conn.close()
    assert "complaint_spike" in kinds
    filed = (root / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert len(filed) == sent


def test_no_airflow_process_is_left_running(first_run):
    *_, before = first_run
    assert airflow_processes() == before


def test_running_again_adds_no_row_and_sends_nothing_twice(first_run):
    root, env, _, _ = first_run
    before = warehouse_counts(env)
    filed_before = (root / "state" / "alerts" / "alerts.jsonl").read_text()
    again = brandmon_run(env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert warehouse_counts(env) == before
    assert (root / "state" / "alerts" / "alerts.jsonl").read_text() == filed_before


def test_a_backfill_stores_the_bursts_alerts_as_suppressed_and_sends_nothing(tmp_path_factory):
    """The archive ends three hours ago with its complaint burst. History up to two hours before
    that end is loaded first (the detector needs days of it); then `airflow backfill create`
    covers the two hours with the burst. The DAG must be unpaused for backfill runs to start; the
    scheduled run of the latest interval that unpausing creates finds no posts and sends nothing."""
    from brandmon import pipeline
    from brandmon.windows import RunWindow
    from extractors.base import Window

    root = tmp_path_factory.mktemp("backfill")
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    env = make_world(root, end, 60)
    config = load_config(env["BRANDMON_CONFIG"])
    history = RunWindow(Window(end - timedelta(days=7), end - timedelta(hours=2)), timedelta(0))
    os.environ["BRANDMON_STATE_DIR"] = env["BRANDMON_STATE_DIR"]  # for load_config inside pipeline helpers
    try:
        staged = [pipeline.extract(config, i["brand"], i["source"], history, "history", end) for i in pipeline.plan(config)]
        pipeline.load(config, pipeline.transform(config, staged, history, "history"), history)
    finally:
        del os.environ["BRANDMON_STATE_DIR"]

    layout = af.AirflowHome(config.state_dir)
    port = af.pick_port(0)
    layout.home.mkdir(parents=True, exist_ok=True)
    airflow_env = af.airflow_env(layout, port)
    airflow_env.update(BRANDMON_CONFIG=env["BRANDMON_CONFIG"], PYTHONWARNINGS="ignore")
    af.initialise(airflow_env)
    components = af.Components(airflow_env, layout.logs)
    components.start()
    try:
        af.wait_for_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 180, components)
        api = af.AirflowApi(port, layout.home / "simple_auth_manager_passwords.json")
        deadline = time.monotonic() + 180
        while not api.dag_exists("brand_monitor") and time.monotonic() < deadline:
            time.sleep(2)
        api.unpause("brand_monitor")
        af.run_airflow(["backfill", "create", "--dag-id", "brand_monitor",
                        "--from-date", (end - timedelta(hours=2)).isoformat(), "--to-date", end.isoformat()],
                       airflow_env)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            runs = [r for r in api.dag_runs("brand_monitor") if r["run_type"] == "backfill"]
            if len(runs) >= 2 and all(r["state"] in ("success", "failed") for r in runs):
                break
            time.sleep(3)
        api.close()
    finally:
        components.stop()
    assert [r["state"] for r in runs] == ["success"] * len(runs), runs

    conn = reader(config.published_path)
    rows = conn.execute("SELECT kind, run_type, status, reason FROM v_alerts WHERE audience = 'pr'").fetchall()
    conn.close()
    assert ("complaint_spike", "backfill", "suppressed", "backfill") in rows
    assert {status for _, _, status, _ in rows} == {"suppressed"}
    assert not (config.state_dir / "alerts" / "alerts.jsonl").exists()
