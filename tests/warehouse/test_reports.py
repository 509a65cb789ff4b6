"""What the run summary and the daily digest read, from a real warehouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alerts.outbox import EnqueueReport, Target, store
from tests.alerts.alert_fixtures import BUCKET_END, BUCKET_START, ops_alert, spike_alert
from transforms.topics import Topic
from warehouse import reports
from warehouse.load import load_staged
from warehouse.topics import store_topics

from .conftest import BRANDS, BUCKET, T0, load_posts, post, source_run, stage

DAY_END = BUCKET_START + timedelta(hours=10)


def test_mentions_sentiment_and_sources_as_the_summary_shows_them(warehouse, tmp_path):
    load_posts(warehouse, tmp_path / "a", [post("p1", T0, label="pos"), post("p2", T0, label="neg", complaint=True),
                                           post("n1", T0, platform="news")])
    load_posts(warehouse, tmp_path / "b", [post("r1", T0)], brand="rival")
    load_staged(warehouse, stage(tmp_path / "c", source_runs=[
        source_run(T0 - BUCKET, "ok"), source_run(T0, "error", "auth", 0), source_run(T0, source="news")]),
        BRANDS, [], BUCKET)
    assert reports.mention_totals(warehouse) == (4, 2)
    assert reports.mentions_by_source(warehouse) == [("acme", "weibo", "weibo_search", 2),
                                                     ("acme", "news", "weibo_search", 1),
                                                     ("rival", "weibo", "weibo_search", 1)]
    assert reports.sentiment_by_brand(warehouse)[0] == ("acme", 3, 1, 1, 1, 1, 0.0)
    assert reports.latest_source_states(warehouse) == [("acme", "news", "ok", None, "", 20),
                                                       ("acme", "weibo", "error", "auth", "boom", 0)]


def test_the_latest_hot_topics_highest_score_first(warehouse):
    def topic(key, score, volume=12):
        return Topic(key=key, label=key, terms=(key,), post_keys=("weibo:1",), volume=volume, score=score, lift=5.0,
                     baseline_volume=0, is_new=True, alert=False)

    store_topics(warehouse, "acme", T0 - timedelta(hours=1), T0, [topic("旧", 99.0)])
    store_topics(warehouse, "acme", T0, T0 + timedelta(hours=1), [topic("排队", 20.0), topic("爆炸", 40.0, 14)])
    assert reports.latest_hot_topics(warehouse) == [("acme", "爆炸", 14, True), ("acme", "排队", 12, True)]


def test_alert_and_digest_deliveries_per_channel(warehouse):
    spike, digest = spike_alert(), spike_alert(kind="digest", subject="daily")
    store(warehouse, spike, "r", "scheduled", [Target("a", "sent"), Target("b", "held", "quiet_hours")],
          EnqueueReport())
    store(warehouse, digest, "r", "scheduled", [Target("a", "pending")], EnqueueReport())
    assert reports.alert_deliveries(warehouse) == [
        ("demo_coffee", "negative_spike", "warning", "2026-11-26 14:00", 38.0, 9.0, "a", "sent", None, "neg"),
        ("demo_coffee", "negative_spike", "warning", "2026-11-26 14:00", 38.0, 9.0, "b", "held", "quiet_hours", "neg")]
    assert reports.digest_deliveries(warehouse) == [("2026-11-26", "a", "pending")]


def test_a_digest_lists_the_days_pr_alerts_and_those_held_until_it_goes_out(warehouse):
    day = spike_alert()
    held_late = spike_alert(bucket_start=DAY_END + timedelta(hours=1), bucket_end=DAY_END + timedelta(hours=2),
                            kind="volume_spike")
    ops = ops_alert()
    other_brand = replace(spike_alert(), brand="demo_tea")
    for alert, status in ((day, "sent"), (held_late, "held"), (ops, "sent"), (other_brand, "sent")):
        store(warehouse, alert, "r", "scheduled",
              [Target("a", status, "quiet_hours" if status == "held" else None)], EnqueueReport())
    listed = reports.alerts_for_digest(warehouse, "demo_coffee", BUCKET_START, DAY_END, DAY_END + timedelta(days=1),
                                       "digest")
    assert [(a.alert_id, a.held) for a in listed] == [(day.alert_id, False), (held_late.alert_id, True)]
    assert '"window_local": "2026-11-26 14:00–14:15 (Asia/Shanghai)"' in listed[0].details
    assert [a.alert_id for a in reports.alerts_for_digest(warehouse, "demo_coffee", BUCKET_START, BUCKET_END,
                                                          BUCKET_END, "digest")] == [day.alert_id]


def test_sent_pr_deliveries_from_a_bucket_on_leave_out_pending_ops_and_earlier_alerts(warehouse):
    earlier = spike_alert(bucket_start=BUCKET_START - timedelta(hours=1), bucket_end=BUCKET_END - timedelta(hours=1),
                          kind="volume_spike")
    store(warehouse, spike_alert(), "live", "scheduled", [Target("a", "sent"), Target("b", "pending")],
          EnqueueReport())
    store(warehouse, earlier, "old", "scheduled", [Target("a", "sent")], EnqueueReport())
    store(warehouse, ops_alert(), "live", "scheduled", [Target("a", "sent")], EnqueueReport())
    rows = reports.sent_pr_deliveries(warehouse, BUCKET_START)
    assert [(r.kind, r.run_type, r.channel, r.bucket_start, r.bucket_end) for r in rows] == [
        ("negative_spike", "scheduled", "a", BUCKET_START, BUCKET_END)]
