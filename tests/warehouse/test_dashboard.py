"""What the dashboard pages read, from a real warehouse: incidents from the stored alerts, brands at a
glance, the posts of an episode with copies collapsed, complaint categories, topics, the timeline,
share of voice and source health."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alerts.outbox import EnqueueReport, Target, store
from tests.alerts.alert_fixtures import ops_alert, spike_alert
from transforms.topics import Topic
from warehouse import dashboard
from warehouse.load import load_staged
from warehouse.runs import RunRecord, record_run
from warehouse.topics import store_topics

from .conftest import BRANDS, BUCKET, COMPENSATION, FOOD_SAFETY, RUDE, SPOILED, T0, load_posts, post, source_run, stage

HOUR = timedelta(hours=1)


def alert_at(start, kind="negative_spike", severity="warning", brand="acme", audience="pr", subject=None):
    return spike_alert(brand=brand, kind=kind, severity=severity, audience=audience, subject=subject or kind,
                       bucket_start=start, bucket_end=start + BUCKET)


def keep(conn, *alerts, status="sent"):
    for alert in alerts:
        store(conn, alert, "r", "scheduled", [Target("team", status)], EnqueueReport())


def test_alerts_of_a_brand_close_together_are_one_incident_and_a_quiet_gap_starts_another(warehouse):
    first = alert_at(T0, "complaint_spike")
    second = alert_at(T0 + 5 * HOUR, "severe_complaint", "critical", subject="weibo:1")  # 4h45 after the first ended
    third = alert_at(T0 + 12 * HOUR, "volume_spike", "info")  # 6h45 later: a new episode
    other_brand = alert_at(T0 + HOUR, brand="rival")
    keep(warehouse, first, second, third, other_brand, ops_alert(), alert_at(T0, "digest"))

    found = dashboard.incidents(warehouse, T0 + 13 * HOUR)
    assert [(i.brand, i.start, i.end, i.severity, i.status, i.kinds) for i in found] == [
        ("acme", T0 + 12 * HOUR, T0 + 12 * HOUR + BUCKET, "info", "open", ("volume_spike",)),
        ("acme", T0, T0 + 5 * HOUR + BUCKET, "critical", "closed", ("complaint_spike", "severe_complaint")),
        ("rival", T0 + HOUR, T0 + HOUR + BUCKET, "warning", "closed", ("negative_spike",))]
    assert found[1].alert_ids == (first.alert_id, second.alert_id) and found[1].incident_id == first.alert_id
    assert dashboard.incident_of_alert(found, second.alert_id) == found[1]
    assert dashboard.incident_of_alert(found, "no-such-alert") is None
    # six hours after its last alert an incident is closed
    assert [i.status for i in dashboard.incidents(warehouse, T0 + 18 * HOUR + BUCKET)][:1] == ["closed"]


def test_brands_at_a_glance_agree_with_v_daily_and_count_open_incidents(warehouse, tmp_path):
    day_before = T0 - timedelta(days=1)
    load_posts(warehouse, tmp_path / "a", [
        post("p1", T0, label="pos"), post("p2", T0, label="neg", complaint=True), post("p3", T0 + BUCKET, label="neg"),
        post("old", day_before - 2 * HOUR, label="pos"), post("ancient", T0 - timedelta(days=9))])
    load_posts(warehouse, tmp_path / "b", [post("r1", T0)], brand="rival")
    keep(warehouse, alert_at(T0), alert_at(T0 + BUCKET, "complaint_spike"), alert_at(T0, brand="rival"))
    at = T0 + 2 * HOUR
    found = dashboard.incidents(warehouse, at)
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


def test_top_posts_collapse_copies_of_a_text_and_put_severe_and_far_reaching_first(warehouse, tmp_path):
    copies = [post(f"copy{i}", T0 + timedelta(minutes=i), text="示例咖啡变质了要求赔偿", label="neg", complaint=True,
                   details=(SPOILED, COMPENSATION), likes=likes) for i, likes in enumerate((5, 40, 9))]
    load_posts(warehouse, tmp_path / "a", [
        *copies,
        post("loud", T0 + 3 * BUCKET, text="服务太差了", likes=900, label="neg", complaint=True, details=(RUDE,)),
        post("reach", T0 + BUCKET, text="排队一小时", followers=2_000_000, verified="media", author="大V"),
        post("severe", T0 + 2 * BUCKET, text="喝了拉肚子", complaint=True, label="neg", details=(SPOILED,),
             severe=(FOOD_SAFETY,)),
        post("outside", T0 + 5 * HOUR, text="窗口之外", likes=10_000)])
    groups = dashboard.top_post_groups(warehouse, "acme", T0, T0 + HOUR, 10)
    assert [g.text for g in groups] == ["喝了拉肚子", "排队一小时", "服务太差了", "示例咖啡变质了要求赔偿"]
    severe, reach, _, copied = groups
    assert severe.severity == "severe" and severe.categories == ("quality_safety",)
    assert (reach.author, reach.author_followers, reach.author_verified) == ("大V", 2_000_000, "media")
    assert (copied.copies, copied.engagement, copied.total_engagement) == (3, 40, 54)
    assert copied.url == "https://weibo.com/1/copy1" and copied.first_published_at == T0
    assert copied.categories == ("quality_safety", "refund_after_sales")
    assert len(dashboard.top_post_groups(warehouse, "acme", T0, T0 + HOUR, 2)) == 2


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
