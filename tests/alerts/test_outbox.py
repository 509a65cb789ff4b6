"""The outbox: every alert written before delivery; each delivery sent once, retried with backoff, or expired."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

from alerts.outbox import deliver_pending, enqueue
from warehouse.db import writer
from warehouse.storage import FileStorage

from .alert_fixtures import BUCKET_END, BUCKET_START, JUST_AFTER, UTC, make_config, ops_alert, spike_alert

HOOK_ALERTS = {
    "channels": {"pr_hook": {"kind": "webhook", "connection": "pr_webhook"}},
    "routes": [{"brands": ["*"], "severities": ["info", "warning", "critical"], "channels": ["pr_hook", "local_file"]}],
    "delivery": {"retry_initial_seconds": 60, "retry_max_seconds": 600, "expire_after_hours": 2},
}
TOKEN = "tok-9f8e7d6c5b4a"


def hook_secrets(receiver) -> dict:
    return {"pr_hook": {"conn_type": "http", "host": None, "port": None, "login": None, "password": TOKEN,
                        "schema": None, "extra": {"url": receiver.url, "allow_private": True}}}


def statuses(conn) -> dict:
    rows = conn.execute("SELECT alert_id, channel, status, reason, attempts FROM v_alerts ORDER BY ALL").fetchall()
    return {(a, c): (s, r, n) for a, c, s, r, n in rows}


def test_enqueue_writes_the_alert_and_one_pending_row_per_routed_channel(tmp_path, warehouse):
    config = make_config(tmp_path, HOOK_ALERTS)
    alert = spike_alert()
    report = enqueue(warehouse, [alert], config, "scheduled__1", "scheduled", JUST_AFTER)
    assert (report.alerts_new, dict(report.deliveries)) == (1, {"pending": 2})
    assert statuses(warehouse) == {(alert.alert_id, "local_file"): ("pending", None, 0),
                                   (alert.alert_id, "pr_hook"): ("pending", None, 0)}
    row = warehouse.execute("SELECT brand, kind, ratio, run_type, details->>'$.brand_name' FROM v_alerts LIMIT 1")
    assert row.fetchone() == ("demo_coffee", "negative_spike", 4.22, "scheduled", "示例咖啡")


def test_enqueue_again_on_a_rerun_adds_nothing_and_keeps_what_was_sent(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    again = enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    assert (again.alerts_new, again.alerts_known, sum(again.deliveries.values())) == (0, 1, 0)
    assert deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER).sent == 0
    assert len(receiver.accepted()) == 1


def test_enqueue_is_part_of_the_callers_transaction(tmp_path, warehouse):
    config = make_config(tmp_path, HOOK_ALERTS)
    warehouse.execute("BEGIN")
    enqueue(warehouse, [spike_alert()], config, "r", "scheduled", JUST_AFTER)
    warehouse.execute("ROLLBACK")
    assert warehouse.execute("SELECT count(*) FROM alerts").fetchone()[0] == 0


def test_a_backfill_stores_alerts_as_suppressed_and_delivers_nothing(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert(), ops_alert()], config, "backfill__x", "backfill", JUST_AFTER)
    report = deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    assert report.sent == 0 and receiver.requests == []
    assert {v[:2] for v in statuses(warehouse).values()} == {("suppressed", "backfill")}
    assert not (tmp_path / "state" / "alerts" / "alerts.jsonl").exists()


def test_an_alert_older_than_max_alert_age_is_stored_as_expired(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {**HOOK_ALERTS, "max_alert_age_hours": 6})
    enqueue(warehouse, [spike_alert()], config, "manual__1", "manual", BUCKET_END + timedelta(hours=7))
    deliver_pending(warehouse, config, hook_secrets(receiver), BUCKET_END + timedelta(hours=7))
    assert {v[:2] for v in statuses(warehouse).values()} == {("expired", "stale")}
    assert receiver.requests == []


def test_a_channel_down_for_a_while_then_back_delivers_each_alert_once_and_loses_none(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {**HOOK_ALERTS, "incidents": {"close_after_hours": 0.25}})  # three incidents
    alerts = [spike_alert(bucket_start=BUCKET_START + timedelta(minutes=15 * i),
                          bucket_end=BUCKET_END + timedelta(minutes=15 * i)) for i in range(3)]
    enqueue(warehouse, alerts, config, "scheduled__1", "scheduled", JUST_AFTER + timedelta(minutes=30))
    receiver.statuses = [503] * 6  # down for two passes of three alerts
    now = JUST_AFTER + timedelta(minutes=30)
    first = deliver_pending(warehouse, config, hook_secrets(receiver), now)
    assert (first.retryable_failures, first.sent) == (3, 3)  # the local file channel is up
    too_early = deliver_pending(warehouse, config, hook_secrets(receiver), now + timedelta(seconds=30))
    assert (too_early.sent, too_early.retryable_failures, too_early.waiting) == (0, 0, 3)
    second = deliver_pending(warehouse, config, hook_secrets(receiver), now + timedelta(minutes=1))
    assert second.retryable_failures == 3
    retry_at = {o["next_attempt_at"] for o in second.outcomes}
    assert retry_at == {(now + timedelta(minutes=3)).isoformat()}  # waits of 1, then 2 minutes
    third = deliver_pending(warehouse, config, hook_secrets(receiver), now + timedelta(minutes=3))
    assert (third.sent, third.retryable_failures) == (3, 0)
    assert deliver_pending(warehouse, config, hook_secrets(receiver), now + timedelta(hours=1)).sent == 0

    accepted = [r["headers"]["Idempotency-Key"] for r in receiver.accepted()]
    assert sorted(accepted) == sorted(f"{a.alert_id}:pr_hook" for a in alerts)
    assert len(receiver.requests) == 9
    hook_rows = {k: v for k, v in statuses(warehouse).items() if k[1] == "pr_hook"}
    assert set(hook_rows.values()) == {("sent", None, 3)}
    sent = warehouse.execute("SELECT count(*) FROM v_alerts WHERE status = 'sent' AND sent_at IS NOT NULL").fetchone()
    assert sent == (6,)


def test_a_channel_that_fails_once_is_delivered_once_on_retry(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    receiver.statuses = [500]
    failed = deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    assert failed.retryable_failures == 1  # the DAG task raises; Airflow retries it
    row = warehouse.execute("SELECT status, attempts, last_error FROM v_alerts WHERE channel = 'pr_hook'").fetchone()
    assert row[:2] == ("failed", 1) and "500" in row[2]
    retry = deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER + timedelta(minutes=5))
    rerun = deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER + timedelta(minutes=6))
    assert (retry.sent, retry.retryable_failures, rerun.sent) == (1, 0, 0)
    assert len(receiver.accepted()) == 1


def test_a_refusal_is_permanent_and_never_retried(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    receiver.statuses = [404]
    report = deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    assert (report.permanent_failures, report.retryable_failures) == (1, 0)
    deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER + timedelta(hours=1))
    assert len(receiver.requests) == 1
    assert warehouse.execute("SELECT status, next_attempt_at FROM deliveries WHERE channel = 'pr_hook'").fetchone() == (
        "failed", None)


def test_deliveries_failing_past_the_expiry_are_expired(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)  # expire_after_hours: 2
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    receiver.statuses = [503] * 10
    deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    late = deliver_pending(warehouse, config, hook_secrets(receiver), BUCKET_END + timedelta(hours=2))
    assert late.expired == 1 and len(receiver.requests) == 1
    status, reason, attempts = statuses(warehouse)[(spike_alert().alert_id, "pr_hook")]
    assert (status, attempts) == ("expired", 1) and "2:00:00" in reason


def test_errors_are_stored_without_secrets(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    receiver.statuses = [500]
    receiver.echo_header = "Authorization"  # a careless receiver echoing the bearer token back
    report = deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    stored = warehouse.execute("SELECT last_error FROM deliveries WHERE channel = 'pr_hook'").fetchone()[0]
    assert "Bearer ***" in stored and TOKEN not in stored
    assert TOKEN not in json.dumps(report.outcomes)


def test_a_missing_connection_is_a_retryable_failure_that_names_it(tmp_path, warehouse):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    report = deliver_pending(warehouse, config, {}, JUST_AFTER)
    assert report.retryable_failures == 1
    error = warehouse.execute("SELECT last_error FROM deliveries WHERE channel = 'pr_hook'").fetchone()[0]
    assert "AIRFLOW_CONN_PR_WEBHOOK" in error


def test_a_channel_removed_from_the_config_fails_permanently(tmp_path, warehouse):
    enqueue(warehouse, [spike_alert()], make_config(tmp_path, HOOK_ALERTS), "r", "scheduled", JUST_AFTER)
    report = deliver_pending(warehouse, make_config(tmp_path), {}, JUST_AFTER)
    assert (report.sent, report.permanent_failures) == (1, 1)


def test_quiet_hours_hold_non_critical_pr_alerts_and_let_critical_and_ops_through(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {**HOOK_ALERTS, "quiet_hours": {"start": "22:00", "end": "08:00"}})
    night = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    warning = spike_alert(bucket_start=night - timedelta(minutes=17), bucket_end=night - timedelta(minutes=2),
                          brand="demo_tea")  # another brand: another incident
    critical = spike_alert(bucket_start=night - timedelta(minutes=17), bucket_end=night - timedelta(minutes=2),
                           kind="complaint_spike", severity="critical")
    ops = ops_alert(bucket_start=night - timedelta(minutes=17), bucket_end=night - timedelta(minutes=2))
    enqueue(warehouse, [warning, critical, ops], config, "scheduled__n", "scheduled", night)
    report = deliver_pending(warehouse, config, hook_secrets(receiver), night)
    assert report.sent == 3
    rows = statuses(warehouse)
    assert rows[(warning.alert_id, "pr_hook")] == rows[(warning.alert_id, "local_file")] == ("held", "quiet_hours", 0)
    assert rows[(critical.alert_id, "pr_hook")][0] == rows[(critical.alert_id, "local_file")][0] == "sent"
    assert rows[(ops.alert_id, "local_file")][0] == "sent"  # no ops route: the local file
    release = warehouse.execute("SELECT next_attempt_at FROM deliveries WHERE alert_id = ? AND channel = 'pr_hook'",
                                [warning.alert_id]).fetchone()[0]
    assert release == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert [r["json"]["alert_id"] for r in receiver.accepted()] == [critical.alert_id]


def test_a_route_can_turn_quiet_hours_off(tmp_path, warehouse):
    alerts = {**HOOK_ALERTS, "quiet_hours": {"start": "22:00", "end": "08:00"},
              "routes": [{"channels": ["pr_hook"], "quiet_hours": False}, {"channels": ["local_file"]}]}
    night = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
    alert = spike_alert(bucket_start=night - timedelta(minutes=17), bucket_end=night - timedelta(minutes=2))
    enqueue(warehouse, [alert], make_config(tmp_path, alerts), "r", "scheduled", night)
    rows = statuses(warehouse)
    assert rows[(alert.alert_id, "pr_hook")][0] == "pending" and rows[(alert.alert_id, "local_file")][0] == "held"


def test_without_channels_alerts_land_in_the_local_file(tmp_path, warehouse):
    config = make_config(tmp_path)
    enqueue(warehouse, [spike_alert(), ops_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    assert deliver_pending(warehouse, config, {}, JUST_AFTER).sent == 2
    lines = (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds == ["negative_spike", "source_error"] or kinds == ["source_error", "negative_spike"]


CHILD = textwrap.dedent("""
    import json, sys
    from datetime import datetime
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from alert_fixtures import make_config
    from alerts.outbox import deliver_pending
    from warehouse.db import writer
    from warehouse.storage import FileStorage
    tmp, alerts, secrets, now = Path(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
    config = make_config(tmp, alerts)
    with writer(FileStorage(tmp / "w" / "brandmon.duckdb", tmp / "w" / "read.duckdb"), "Asia/Shanghai") as conn:
        deliver_pending(conn, config, secrets, datetime.fromisoformat(now))
""")


def test_a_crash_between_send_and_commit_resends_with_the_same_idempotency_key(tmp_path, receiver):
    alerts = {**HOOK_ALERTS, "routes": [{"channels": ["pr_hook"]}]}
    config = make_config(tmp_path, alerts)
    db, published = tmp_path / "w" / "brandmon.duckdb", tmp_path / "w" / "read.duckdb"
    with writer(FileStorage(db, published), "Asia/Shanghai") as conn:
        enqueue(conn, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(Path(__file__).parent), str(tmp_path),
                              json.dumps(alerts), json.dumps(hook_secrets(receiver)), JUST_AFTER.isoformat()],
                             env={**os.environ, "BRANDMON_STATE_DIR": ""})
    # The receiver accepts the request, then the sender dies before it reads the answer or commits.
    receiver.on_request = lambda request: os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    receiver.on_request = None
    with writer(FileStorage(db, published), "Asia/Shanghai") as conn:
        assert conn.execute("SELECT status, attempts FROM deliveries").fetchone() == ("pending", 0)
        assert deliver_pending(conn, config, hook_secrets(receiver), JUST_AFTER).sent == 1
        assert deliver_pending(conn, config, hook_secrets(receiver), JUST_AFTER).sent == 0
    keys = [r["headers"]["Idempotency-Key"] for r in receiver.requests]
    assert len(keys) == 2 and len(set(keys)) == 1  # the receiver can drop the second copy
    assert {r["json"]["idempotency_key"] for r in receiver.requests} == set(keys)


def test_v_alerts_shows_when_a_failed_delivery_is_retried(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    receiver.statuses = [503]
    deliver_pending(warehouse, config, hook_secrets(receiver), JUST_AFTER)
    row = warehouse.execute("""SELECT status, attempts, next_attempt_at, window_local, run_id FROM v_alerts
                               WHERE channel = 'pr_hook'""").fetchone()
    assert row == ("failed", 1, JUST_AFTER + timedelta(minutes=1), "2026-11-26 14:00–14:15 (Asia/Shanghai)",
                   "scheduled__1")


def test_a_refused_webhook_url_is_a_permanent_failure_naming_the_connection_and_the_rest_goes_out(tmp_path,
                                                                                                   warehouse):
    config = make_config(tmp_path, HOOK_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    metadata = {"pr_hook": {"conn_type": "http", "extra": {"url": "http://169.254.169.254/latest/meta-data/"}}}
    report = deliver_pending(warehouse, config, metadata, JUST_AFTER)
    assert (report.sent, report.permanent_failures, report.retryable_failures) == (1, 1, 0)
    status, _, attempts = statuses(warehouse)[(spike_alert().alert_id, "pr_hook")]
    error, next_at = warehouse.execute("SELECT last_error, next_attempt_at FROM deliveries WHERE channel = 'pr_hook'"
                                       ).fetchone()
    assert (status, attempts, next_at) == ("failed", 1, None)
    assert "Connection 'pr_webhook'" in error and "cloud metadata" in error


def test_charts_rendered_in_a_pool_send_the_same_webhook_payloads_as_charts_rendered_in_process(tmp_path, receiver):
    from brandmon.pipeline import render_charts

    from .alert_fixtures import charted_spike_alert, week_trend

    alerts = [charted_spike_alert(),
              spike_alert(brand="demo_tea", details={"brand_name": "样板茶饮", "trend": week_trend(), "ratio": 6.1})]
    bodies = []
    for name, render in (("in_process", None), ("pool", render_charts)):
        config = make_config(tmp_path / name, HOOK_ALERTS)
        with writer(FileStorage(tmp_path / name / "w.duckdb", tmp_path / name / "r.duckdb"), "Asia/Shanghai") as conn:
            enqueue(conn, alerts, config, "scheduled__1", "scheduled", JUST_AFTER)
            report = (deliver_pending(conn, config, hook_secrets(receiver), JUST_AFTER) if render is None
                      else deliver_pending(conn, config, hook_secrets(receiver), JUST_AFTER, render=render))
        assert report.sent == 4  # the webhook and the local file, for each alert
        bodies.append([r["body"] for r in receiver.requests])
        receiver.requests.clear()
    in_process, pooled = bodies
    assert [len(json.loads(b)["charts"]) for b in in_process] == [2, 2]
    assert pooled == in_process
