"""End to end through a real Airflow: API server, scheduler, DAG processor, LocalExecutor.

Specifies the promises ops rely on: `brandmon run` (what `make run` calls) sets up Airflow, runs
brand_monitor through the scheduler, reports and leaves no process behind; running it again adds
no row and sends no alert twice; and `brandmon backfill` over intervals already processed (it
starts Airflow itself when nothing serves) changes no row and re-sends nothing.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from brandmon import airflow_setup as af
from brandmon.config import load_config
from warehouse.db import reader

from .processes import processes_under
from .world import BRANDMON, make_world, stored_alerts, warehouse_counts

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
    conn = reader(load_config(env["BRANDMON_CONFIG"]).warehouse)
    kinds = {r[0] for r in conn.execute("SELECT kind FROM v_alerts WHERE brand = 'demo_coffee' AND status = 'sent'").fetchall()}
    conn.close()
    assert "complaint_spike" in kinds
    filed = (root / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert len(filed) == sent


def test_the_demo_burst_reaches_each_channel_as_one_opening_and_one_update(first_run):
    root, *_ = first_run
    filed = [json.loads(line) for line in (root / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()]
    pr = [(f["incident_id"], f["event"]) for f in filed if f["audience"] == "pr" and f["incident_id"]]
    assert [event for _, event in pr] == ["opened", "escalated"] and len({i for i, _ in pr}) == 1


def test_no_process_of_the_run_is_left(first_run):
    root, *_ = first_run
    assert processes_under(root) == {}


def test_running_again_adds_no_row_and_sends_nothing_twice(first_run):
    root, env, _ = first_run
    before, alerts, filed = warehouse_counts(env), stored_alerts(env), filed_lines(root)
    again = brandmon_run(env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert_nothing_added_but_by_live_runs(root, env, before, alerts, filed)


def test_a_backfill_over_processed_intervals_changes_no_row_and_sends_nothing(first_run):
    root, env, _ = first_run
    before, alerts, filed = warehouse_counts(env), stored_alerts(env), filed_lines(root)
    end = datetime.fromisoformat(env["WORLD_END"])
    done = subprocess.run([BRANDMON, "backfill", "--from", (end - timedelta(minutes=45)).isoformat(),
                           "--to", end.isoformat(), "--reprocess", "all", "--port", str(af.pick_port(0)),
                           "--timeout", "600"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3/3 runs done" in done.stdout
    assert_nothing_added_but_by_live_runs(root, env, before, alerts, filed)
    assert processes_under(root) == {}


def filed_lines(root) -> list[str]:
    return (root / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()


def assert_nothing_added_but_by_live_runs(root, env, before: tuple, alerts: dict[str, str], filed: list[str]) -> None:
    """No post, mention, bucket or quarantined row added, and no alert stored or sent again. Only the
    scheduler's run of an interval that ended meanwhile (the suite is slow on a busy machine) may add
    alerts of its own (the archive is silent after its end), and send those."""
    posts, mentions, buckets, _, _, quarantined = warehouse_counts(env)
    assert (posts, mentions, buckets, quarantined) == (before[0], before[1], before[2], before[5])
    added = {alert_id: kind for alert_id, kind in stored_alerts(env).items() if alert_id not in alerts}
    assert set(added.values()) <= {"scheduled"}
    now = filed_lines(root)
    assert now[:len(filed)] == filed and all(json.loads(line)["alert_id"] in added for line in now[len(filed):])
