"""End to end through a real Airflow: API server, scheduler, DAG processor, LocalExecutor.

Specifies the promises ops rely on: `brandmon run` (what `make run` calls) sets up Airflow, runs
brand_monitor through the scheduler, reports and leaves no process behind; running it again adds
no row and sends no alert twice; and `brandmon backfill` over intervals already processed (it
starts Airflow itself when nothing serves) changes no row and re-sends nothing.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from brandmon import airflow_setup as af
from brandmon.config import load_config
from warehouse.db import reader

from .processes import processes_under
from .world import BRANDMON, make_world, warehouse_counts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def make_run_world(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("make_run")
    # `brandmon run` generates the demo itself when the config uses state/demo; here the archive
    # is written up front so the test knows exactly which posts exist.
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    env = make_world(root, end, 15)
    env["WORLD_END"] = end.isoformat()
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
    result = brandmon_run(env)
    return root, env, result


def test_brandmon_run_succeeds_and_reports(first_run):
    _, env, result = first_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "brand_monitor runs: manual__make_run_" in result.stdout
    assert "= success" in result.stdout
    for heading in ("Mentions by brand and source", "Sentiment and complaints by brand", "Alerts (", "Query it:"):
        assert heading in result.stdout


def test_posts_scores_and_the_bursts_alert_are_stored(first_run):
    root, env, _ = first_run
    archive_posts = sum(1 for _ in open(root / "data" / "posts.jsonl"))
    posts, mentions, buckets, alerts, sent, quarantined = warehouse_counts(env)
    assert posts == archive_posts and mentions >= posts and quarantined == 0
    conn = reader(load_config(env["BRANDMON_CONFIG"]).published_path)
    kinds = {r[0] for r in conn.execute("SELECT kind FROM v_alerts WHERE brand = 'demo_coffee' AND status = 'sent'").fetchall()}
    conn.close()
    assert "complaint_spike" in kinds
    filed = (root / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert len(filed) == sent


def test_no_process_of_the_run_is_left(first_run):
    root, *_ = first_run
    assert processes_under(root) == {}


def test_running_again_adds_no_row_and_sends_nothing_twice(first_run):
    root, env, _ = first_run
    before = warehouse_counts(env)
    filed_before = (root / "state" / "alerts" / "alerts.jsonl").read_text()
    again = brandmon_run(env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert warehouse_counts(env) == before
    assert (root / "state" / "alerts" / "alerts.jsonl").read_text() == filed_before


def test_a_backfill_over_processed_intervals_changes_no_row_and_sends_nothing(first_run):
    root, env, _ = first_run
    before = warehouse_counts(env)
    filed_before = (root / "state" / "alerts" / "alerts.jsonl").read_text()
    end = datetime.fromisoformat(env["WORLD_END"])
    done = subprocess.run([BRANDMON, "backfill", "--from", (end - timedelta(minutes=45)).isoformat(),
                           "--to", end.isoformat(), "--reprocess", "all", "--port", str(af.pick_port(0)),
                           "--timeout", "600"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3/3 runs done" in done.stdout
    assert warehouse_counts(env) == before
    assert (root / "state" / "alerts" / "alerts.jsonl").read_text() == filed_before
    assert processes_under(root) == {}
