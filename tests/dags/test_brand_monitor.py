"""brand_monitor under `dag.test()`: a real archive, a news feed and a webhook on loopback.

Specifies: a week's run stores every post once with scores and brands, raises the burst's alerts
as one incident and tells each channel once per opening and escalation; running it again changes nothing and sends nothing; a scheduled-style
run processes its data interval plus the look-back.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from brandmon.config import load_config
from warehouse.db import reader

from .conftest import ENV
from .scenario import ALERT_FILE, END, START, heartbeat_connection, hook_connection, write_scenario_config


def fresh_dag():
    """A newly parsed DAG: dag.test() keeps a run's conf in the DAG object's params."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=ENV["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    return bag.get_dag("brand_monitor")


def with_connections(mp, server) -> None:
    """The webhook channel's and the heartbeat's Connections, in the environment as in production."""
    mp.setenv("AIRFLOW_CONN_PR_HOOK", hook_connection(server))
    mp.setenv("AIRFLOW_CONN_HEARTBEAT", heartbeat_connection(server))


@pytest.fixture(scope="module")
def week_run(airflow_db, feed_server):
    """One manual run over the whole week, with the webhook's Connection in the environment."""
    write_scenario_config(feed_server)
    with pytest.MonkeyPatch.context() as mp:
        with_connections(mp, feed_server)
        run = fresh_dag().test(run_after=END, run_conf={"start": START.isoformat(), "end": END.isoformat()})
    return run


def query(sql, params=()):
    conn = reader(load_config().warehouse)
    try:
        return conn.execute(sql, list(params)).fetchall()
    finally:
        conn.close()


def hook_posts(server):
    return [json.loads(request.get_data()) for request, _ in server.log if request.path == "/hook"]


def counts():
    return query("""SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM mentions),
                           (SELECT count(*) FROM bucket_stats), (SELECT sum(mentions) FROM bucket_stats),
                           (SELECT count(*) FROM alerts), (SELECT count(*) FROM deliveries),
                           (SELECT count(*) FROM quarantine)""")[0]


def test_the_week_run_succeeds(week_run):
    assert str(week_run.state).endswith("success")


def test_a_finished_run_is_recorded_and_pings_the_outside_monitor_once(week_run, feed_server):
    assert query("SELECT run_type, interval_start, interval_end FROM v_runs") == [("manual", START, END)]
    assert [request.method for request, _ in feed_server.log if request.path == "/heartbeat"] == ["GET"]


def test_mapped_extract_tasks_are_named_by_brand_and_source(week_run):
    names = sorted(ti.rendered_map_index for ti in week_run.get_task_instances() if ti.task_id == "extract")
    assert names == ["demo_coffee/history", "demo_coffee/news", "demo_tea/history", "demo_tea/news"]


def test_every_post_in_the_window_is_stored_once_with_scores(week_run):
    archive_lines = sum(1 for _ in open(ENV["BRANDMON_CONFIG"].replace("config/brands.yaml", "data/posts.jsonl")))
    (demo_posts,) = query("SELECT count(*) FROM posts WHERE platform IN ('demo', 'wechat')")[0]  # brandmon.demo
    assert demo_posts == archive_lines
    news = query("SELECT native_id, brands FROM v_posts WHERE platform = 'news' ORDER BY native_id")
    # the unrelated article mentions no brand and the ten-day-old one is outside the window
    assert news == [("news-0", ["demo_coffee"]), ("news-1", ["demo_coffee", "demo_tea"])]
    assert query("SELECT count(*) FROM posts WHERE sentiment NOT BETWEEN 0 AND 1 OR label NOT IN ('pos','neu','neg')") == [(0,)]
    assert query("SELECT min(published_at) >= ?, max(published_at) < ? FROM posts", [START, END]) == [(True, True)]


def test_sources_report_their_health(week_run):
    rows = query("SELECT brand, source, status, posts FROM v_source_health ORDER BY brand, source")
    assert [(b, s, st) for b, s, st, _ in rows] == [
        ("demo_coffee", "history", "ok"), ("demo_coffee", "news", "ok"),
        ("demo_tea", "history", "ok"), ("demo_tea", "news", "ok")]


def test_the_complaint_burst_is_one_incident_told_once_per_channel_and_escalation(week_run, feed_server):
    alerts = query("SELECT alert_id, brand, kind, bucket_end FROM alerts WHERE audience = 'pr'")
    kinds = {(brand, kind) for _, brand, kind, _ in alerts}
    assert ("demo_coffee", "complaint_spike") in kinds
    assert all(brand == "demo_coffee" for brand, _ in kinds)  # the quiet brand raises nothing
    assert all(END - timedelta(hours=3) <= end <= END + timedelta(hours=1) for *_, end in alerts)
    [(incident_id, escalations)] = query("SELECT incident_id, escalations FROM v_incidents WHERE audience = 'pr'")
    told = query("""SELECT channel, status, incident_role, count(*) FROM v_alerts WHERE audience = 'pr'
                    GROUP BY ALL ORDER BY ALL""")
    joined = len(alerts) - 1 - escalations
    expected = [(channel, status, role, n) for channel in ("local_file", "pr_hook") for status, role, n in (
        ("sent", "escalated", escalations), ("sent", "opened", 1), ("suppressed", "joined", joined)) if n]
    assert told == expected
    sent = {a for a, in query("SELECT alert_id FROM v_alerts WHERE channel = 'pr_hook' AND status = 'sent'")}
    delivered = hook_posts(feed_server)
    assert sorted(p["alert_id"] for p in delivered) == sorted(sent)
    assert {p["incident_id"] for p in delivered} == {incident_id}
    assert [p["event"] for p in delivered] == ["opened"] + ["escalated"] * escalations
    filed = [json.loads(line) for line in ALERT_FILE.read_text().splitlines()]
    assert len(filed) == 1 + escalations


def test_the_spreading_post_s_cascade_is_stored_and_its_alert_names_the_amplifiers(week_run, feed_server):
    assert query("SELECT native_id, verdict, top_amplifiers[1] FROM v_post_spread") == [
        ("demo-spread-1", "accelerating", "本地新闻速递（演示）")]
    severe = [p for p in hook_posts(feed_server) if p["kind"] == "severe_complaint" and "demo-spread-1" in p["text"]["zh"]]
    assert severe and "主要扩散者：本地新闻速递（演示）" in severe[0]["text"]["zh"] and "accelerating" in severe[0]["text"]["en"]
    names = {ti.task_id: ti.state for ti in week_run.get_task_instances()}
    assert str(names["spread"]).endswith("success")


def test_running_the_same_window_again_changes_nothing_and_sends_nothing(week_run, feed_server):
    before, sent_before = counts(), len(hook_posts(feed_server))
    with pytest.MonkeyPatch.context() as mp:
        with_connections(mp, feed_server)
        again = fresh_dag().test(run_after=END + timedelta(minutes=1), run_conf={"start": START.isoformat(), "end": END.isoformat()})
    assert str(again.state).endswith("success")
    assert counts() == before
    assert len(hook_posts(feed_server)) == sent_before


def test_a_run_with_a_data_interval_processes_that_interval_plus_the_look_back(week_run, feed_server):
    logical = END - timedelta(minutes=15)  # Airflow infers the interval ending at the logical date
    with pytest.MonkeyPatch.context() as mp:
        with_connections(mp, feed_server)
        run = fresh_dag().test(logical_date=logical)
    assert str(run.state).endswith("success")
    windows = query("SELECT DISTINCT window_start, window_end FROM source_runs WHERE window_end - window_start = INTERVAL 15 MINUTE")
    assert windows == [(logical - timedelta(minutes=15), logical)]
    # its staged extraction reached back 30 minutes before the interval (late posts)
    (lookback_posts,) = query("SELECT max(posts - interval_posts) FROM source_runs WHERE window_end = ?", [logical])[0]
    assert lookback_posts > 0


def test_a_run_publishes_once_at_its_end_and_a_run_cut_short_is_carried_by_the_next(week_run, feed_server):
    """load and detect write without publishing; deliver publishes. A run whose deliver never runs
    (marked done here) leaves the copy analysts read untouched; the next run's publish carries it."""
    conf = {"start": (END - timedelta(minutes=15)).isoformat(), "end": END.isoformat()}
    published = load_config().warehouse.published
    copy = published.stat().st_ino
    with pytest.MonkeyPatch.context() as mp:
        with_connections(mp, feed_server)
        cut = fresh_dag().test(run_after=END + timedelta(minutes=2), run_conf=conf,
                               mark_success_pattern="deliver|heartbeat")
        states = {ti.task_id: str(ti.state) for ti in cut.get_task_instances()}
        assert all(states[task].endswith("success") for task in ("load", "spread", "detect"))
        assert published.stat().st_ino == copy  # not rewritten: load and detect did not publish
        assert query("""SELECT (SELECT count(*) FROM source_runs WHERE window_start = $1),
                               (SELECT count(*) FROM v_runs WHERE run_id = $2)""",
                     [END - timedelta(minutes=15), cut.run_id]) == [(0, 0)]
        following = fresh_dag().test(run_after=END + timedelta(minutes=3), run_conf=conf)
    assert str(following.state).endswith("success") and published.stat().st_ino != copy
    assert {r for r, in query("SELECT run_id FROM v_runs")} >= {cut.run_id, following.run_id}
    assert query("SELECT count(*) > 0 FROM source_runs WHERE window_start = ?", [END - timedelta(minutes=15)]) == [
        (True,)]
