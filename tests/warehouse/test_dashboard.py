"""What the dashboard pages read, from a real warehouse: the stored incidents (alerts filed by the real
outbox), brands at a glance, complaint categories, topics, the timeline, share of voice and source
health. The incident page's posts are warehouse.posts.top_posts (tested in test_posts.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alerts.outbox import EnqueueReport, Target, enqueue, store
from tests.alerts.alert_fixtures import make_config, ops_alert, spike_alert
from transforms.topics import Topic
from warehouse import dashboard
from warehouse.incidents import link_of
from warehouse.load import load_staged
from warehouse.runs import RunRecord, record_run
from warehouse.topics import store_topics

from .conftest import BRANDS, BUCKET, COMPENSATION, RUDE, SPOILED, T0, load_posts, post, source_run, stage

HOUR = timedelta(hours=1)


def alert_at(start, kind="negative_spike", severity="warning", brand="acme", audience="pr", subject=None):
    return spike_alert(brand=brand, kind=kind, severity=severity, audience=audience, subject=subject or kind,
                       bucket_start=start, bucket_end=start + BUCKET)


def keep(conn, *alerts, status="sent"):
    """Store alerts outside incidents, as digests are and as alerts stored before migration 0006 were."""
    for alert in alerts:
        store(conn, alert, "r", "scheduled", [Target("team", status)], EnqueueReport())


def file(conn, settings, *alerts):
    """Alerts through the real outbox, each in a run at its bucket's end: filed into incidents."""
    for alert in alerts:
        enqueue(conn, [alert], settings, f"scheduled__{alert.bucket_end:%H%M}", "scheduled", alert.bucket_end)


def test_incidents_are_the_stored_ones_with_their_ids_status_and_severity(warehouse, tmp_path):
    settings = make_config(tmp_path)  # incidents close after 6 quiet hours
    first = alert_at(T0, "complaint_spike")
    other_brand = alert_at(T0 + HOUR, brand="rival")
    second = alert_at(T0 + 5 * HOUR, "severe_complaint", "critical", subject="weibo:1")  # joins the first, raises it
    third = alert_at(T0 + 12 * HOUR, "volume_spike", "info")  # 6h45 after the second: a new incident
    before_incidents = alert_at(T0 - 48 * HOUR)  # stored before migration 0006: no incident
    keep(warehouse, before_incidents, alert_at(T0, "digest"))
    file(warehouse, settings, first, other_brand, ops_alert(), second)

    found = dashboard.incidents(warehouse)
    assert [(i.brand, i.status, i.severity, i.alert_ids) for i in found] == [
        ("acme", "escalated", "critical", (first.alert_id, second.alert_id)),
        ("rival", "open", "warning", (other_brand.alert_id,)),
        ("acme", "closed", "warning", (before_incidents.alert_id,))]
    assert found[0].incident_id == link_of(warehouse, second.alert_id).incident_id != first.alert_id
    assert (found[0].start, found[0].end, found[0].kinds) == (
        T0, T0 + 5 * HOUR + BUCKET, ("complaint_spike", "severe_complaint"))
    assert found[2].incident_id == before_incidents.alert_id  # its own incident, named by the alert

    file(warehouse, settings, third)  # the run at its time closes the quiet ones
    found = dashboard.incidents(warehouse)
    assert [(i.brand, i.status, i.kinds) for i in found] == [
        ("acme", "open", ("volume_spike",)), ("acme", "closed", ("complaint_spike", "severe_complaint")),
        ("rival", "closed", ("negative_spike",)), ("acme", "closed", ("negative_spike",))]
    stored = warehouse.execute("SELECT incident_id, status FROM v_incidents WHERE audience = 'pr'").fetchall()
    assert sorted(stored) == sorted((i.incident_id, i.status) for i in found[:3])
    assert dashboard.incident_of_alert(found, second.alert_id) == found[1]
    assert dashboard.incident_of_alert(found, before_incidents.alert_id) == found[3]
    assert dashboard.incident_of_alert(found, "no-such-alert") is None


def test_brands_at_a_glance_agree_with_v_daily_and_count_open_incidents(warehouse, tmp_path):
    day_before = T0 - timedelta(days=1)
    load_posts(warehouse, tmp_path / "a", [
        post("p1", T0, label="pos"), post("p2", T0, label="neg", complaint=True), post("p3", T0 + BUCKET, label="neg"),
        post("old", day_before - 2 * HOUR, label="pos"), post("ancient", T0 - timedelta(days=9))])
    load_posts(warehouse, tmp_path / "b", [post("r1", T0)], brand="rival")
    file(warehouse, make_config(tmp_path), alert_at(T0), alert_at(T0 + BUCKET, "complaint_spike"),
         alert_at(T0, brand="rival"))
    keep(warehouse, alert_at(T0 - 24 * HOUR))  # stored before incidents: closed, not counted
    at = T0 + 2 * HOUR
    found = dashboard.incidents(warehouse)
    acme, rival = dashboard.brands_at_a_glance(warehouse, at, 7, found)
    assert (acme.name, acme.mentions_day, acme.mentions, acme.neg, acme.complaints) == ("艾克米", 3, 4, 2, 1)
    assert acme.net_sentiment == 0.0 and (acme.open_incidents, acme.open_alerts) == (1, 2)
    assert [d for d, *_ in acme.daily] == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24",
                                          "2026-11-25", "2026-11-26"]
    assert acme.daily[-2:] == (("2026-11-25", 1, 0), ("2026-11-26", 3, 2))
    v_daily = warehouse.execute("SELECT sum(mentions) FROM v_daily WHERE brand = 'acme' AND day >= '2026-11-20'").fetchone()
    assert acme.mentions == v_daily[0]
    assert (rival.mentions, rival.open_incidents) == (1, 1)


def test_as_of_is_the_latest_live_interval_else_the_latest_post(warehouse, tmp_path):
    assert dashboard.as_of(warehouse) is None
    load_posts(warehouse, tmp_path / "a", [post("p1", T0 + BUCKET)])
    assert dashboard.as_of(warehouse) == T0 + BUCKET
    record_run(warehouse, RunRecord("backfill__x", "backfill", T0, T0 + 9 * HOUR, T0 + 9 * HOUR, 0))
    record_run(warehouse, RunRecord("scheduled__y", "scheduled", T0, T0 + 2 * HOUR, T0 + 2 * HOUR, 0))
    assert dashboard.as_of(warehouse) == T0 + 2 * HOUR
    assert dashboard.local_zone(warehouse).key == "Asia/Shanghai"


def test_counts_per_step_are_dense_and_sum_the_buckets(warehouse, tmp_path):
    load_posts(warehouse, tmp_path / "a", [post("a", T0, label="neg", complaint=True), post("b", T0 + BUCKET),
                                           post("c", T0 + 2 * HOUR + BUCKET, label="neg")])
    points = dashboard.counts(warehouse, "acme", T0 - HOUR, T0 + 3 * HOUR, HOUR)
    assert [(p.start, p.mentions, p.neg, p.complaints) for p in points] == [
        (T0 - HOUR, 0, 0, 0), (T0, 2, 1, 1), (T0 + HOUR, 0, 0, 0), (T0 + 2 * HOUR, 1, 1, 0)]


def test_complaint_categories_and_reasons_of_a_window_with_their_names(warehouse, tmp_path):
    load_posts(warehouse, tmp_path / "a", [
        post("a", T0, complaint=True, details=(SPOILED, COMPENSATION)), post("b", T0, complaint=True, details=(SPOILED,)),
        post("c", T0, complaint=True, details=(RUDE,)), post("late", T0 + 2 * HOUR, complaint=True, details=(RUDE,))])
    assert dashboard.complaint_categories(warehouse, "acme", T0, T0 + HOUR) == [
        ("quality_safety", "质量安全", "Quality and safety", 2), ("refund_after_sales", "退款售后", "Refunds and after-sales", 1),
        ("service_attitude", "服务态度", "Service attitude", 1)]
    assert dashboard.complaint_reasons(warehouse, "acme", T0, T0 + HOUR, 2) == [
        ("spoiled", "变质", "spoiled", 2), ("compensation_demanded", "要求赔偿", "compensation demanded", 1)]


def test_hot_topics_of_an_episode_once_per_label_at_their_highest(warehouse):
    def topic(label, score, volume, alert=False):
        return Topic(key=label, label=label, terms=(label,), post_keys=("weibo:1",), volume=volume, score=score,
                     lift=3.0, baseline_volume=1, is_new=alert, alert=alert)

    store_topics(warehouse, "acme", T0 - HOUR, T0, [topic("旧闻", 90.0, 30)])
    store_topics(warehouse, "acme", T0, T0 + HOUR, [topic("拉肚子", 20.0, 12), topic("排队", 5.0, 6)])
    store_topics(warehouse, "acme", T0 + BUCKET, T0 + HOUR + BUCKET, [topic("拉肚子", 35.0, 18, alert=True)])
    store_topics(warehouse, "rival", T0, T0 + HOUR, [topic("别家", 99.0, 50)])
    assert dashboard.hot_topics(warehouse, "acme", T0, T0 + 2 * HOUR, 5) == [
        ("拉肚子", 18, True, True, 35.0), ("排队", 6, False, False, 5.0)]


def test_the_timeline_lists_an_incidents_alerts_in_bucket_order_critical_first_with_deliveries(warehouse):
    later = alert_at(T0 + BUCKET, "complaint_spike")
    spike, severe = alert_at(T0), alert_at(T0, "severe_complaint", "critical", subject="weibo:9")
    keep(warehouse, later, spike, severe)
    store(warehouse, spike, "r", "scheduled", [Target("mail", "held", "quiet_hours")], EnqueueReport())
    entries = dashboard.timeline(warehouse, (spike.alert_id, later.alert_id, severe.alert_id))
    assert [(e.kind, e.bucket_start) for e in entries] == [
        ("severe_complaint", T0), ("negative_spike", T0), ("complaint_spike", T0 + BUCKET)]
    assert entries[1].deliveries == (("mail", "held"), ("team", "sent"))
    assert (entries[1].observed, entries[1].expected) == (38.0, 9.0) and '"brand_name"' in entries[1].details
    assert dashboard.timeline(warehouse, ()) == []


def test_share_of_voice_against_the_configured_competitors(warehouse, tmp_path):
    load_posts(warehouse, tmp_path / "a", [post(f"a{i}", T0) for i in range(3)] + [post("y", T0 - timedelta(days=1))])
    load_posts(warehouse, tmp_path / "b", [post("r1", T0)], brand="rival")
    assert dashboard.voice_groups(warehouse) == {"acme": ("acme", "rival")}
    assert dashboard.voice_by_day(warehouse, ("acme", "rival"), "2026-11-20", "2026-11-26") == [
        ("2026-11-25", "acme", 1), ("2026-11-26", "acme", 3), ("2026-11-26", "rival", 1)]
    totals = dashboard.voice_totals(warehouse, ("acme", "rival"), "2026-11-26", "2026-11-26")
    assert [(t.brand, t.name, t.mentions, t.share) for t in totals] == [("acme", "艾克米", 3, 0.75), ("rival", "对手", 1, 0.25)]
    shares = warehouse.execute("SELECT brand, share FROM v_share_of_voice WHERE day = '2026-11-26' AND brand = 'acme'")
    assert shares.fetchall() == [("acme", 0.75)]
    assert [t.share for t in dashboard.voice_totals(warehouse, ("acme", "rival"), "2026-10-01", "2026-10-02")] == [None, None]


def test_source_health_activity_recent_runs_and_ops_alerts(warehouse, tmp_path):
    load_staged(warehouse, stage(tmp_path / "c", source_runs=[
        source_run(T0 - 2 * BUCKET, "ok", posts=7), source_run(T0 - BUCKET, "error", "auth", 0),
        source_run(T0, "error", "auth", 0), source_run(T0, source="news", posts=3),
        source_run(T0 - 30 * HOUR, source="news", posts=99)]), BRANDS, [], BUCKET)
    activity = dashboard.source_activity(warehouse, T0 - 24 * HOUR)
    assert activity == [("acme", "news", 1, 0, 3, 0, None, None), ("acme", "weibo", 3, 2, 7, 0, "auth", "boom")]
    record_run(warehouse, RunRecord("scheduled__1", "scheduled", T0 - BUCKET, T0, T0 + BUCKET, 2))
    record_run(warehouse, RunRecord("scheduled__2", "scheduled", T0, T0 + BUCKET, T0 + 2 * BUCKET, 0))
    assert [r.run_id for r in dashboard.recent_runs(warehouse, 5)] == ["scheduled__2", "scheduled__1"]
    old = replace(ops_alert(), bucket_start=T0 - 48 * HOUR, bucket_end=T0 - 47 * HOUR, subject="old")
    keep(warehouse, ops_alert(), old, alert_at(T0))
    assert [e.kind for e in dashboard.ops_alerts(warehouse, T0 - 24 * HOUR)] == [ops_alert().kind]
