"""The pipeline steps without Airflow, on real archive files and real DuckDB files.

Specifies invariants 1 (a task is a transaction: re-runs and overlapping windows leave the same
rows), 5 (backfills store alerts but never deliver) and 6 (bad input is quarantined, a broken
source never fails the others), plus hot topics.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import multiprocessing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window
from extractors.record import Post
from tests.shared_data import require
from transforms.risk import post_risk
from warehouse.db import reader

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
NOW = END + timedelta(minutes=5)


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    archive = tmp_path / "posts.jsonl"
    write_jsonl(archive, generate(END))
    config = {
        "storage": {"state_dir": "state"},
        "brands": {
            "demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "broken"]},
            "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]},
        },
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "broken": {"kind": "archive", "path": "missing/*.jsonl"}},
    }
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    return tmp_path, load_config(tmp_path / "brands.yaml")


def run_window(config, start, end, run_id):
    window = RunWindow(Window(start, end), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, run_id, NOW) for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, run_id), window)
    return window, staged


def snapshot(config):
    conn = reader(config.warehouse)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                for table in ("posts", "mentions", "bucket_stats", "quarantine")}
    finally:
        conn.close()


def test_load_and_detect_can_leave_publishing_to_the_run_s_end(world):
    """The DAG's order: load and detect write without publishing (load's report, with the posts whose
    spread to fetch, is JSON for XCom); the run's end publishes once, carrying both."""
    _, config = world
    window = RunWindow(Window(END - timedelta(hours=6), END), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "manual__p", NOW) for i in pipeline.plan(config)]
    loaded = pipeline.load(config, pipeline.transform(config, staged, window, "manual__p"), window, publish=False)
    assert json.loads(json.dumps(loaded)) == loaded
    detected = pipeline.detect(config, window, pipeline.RunInfo("manual__p", "manual", NOW), publish=False)
    assert not config.warehouse.published.exists()
    pipeline.publish_only(config)
    conn = reader(config.warehouse)
    try:
        assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == loaded["posts"] > 0
        assert conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == detected["alerts_new"]
        assert conn.execute("SELECT run_id FROM v_runs").fetchall() == [("manual__p",)]
    finally:
        conn.close()


def test_rerunning_a_window_leaves_exactly_the_same_rows(world):
    _, config = world
    run_window(config, END - timedelta(days=2), END, "run_a")
    first = snapshot(config)
    run_window(config, END - timedelta(days=2), END, "run_b")
    assert snapshot(config) == first
    assert len(first["posts"]) > 500


def test_overlapping_windows_in_any_order_store_each_post_once(world):
    _, config = world
    run_window(config, END - timedelta(hours=6), END - timedelta(hours=2), "late")
    run_window(config, END - timedelta(hours=12), END - timedelta(hours=5), "early")  # a backfill, overlapping
    piecewise = snapshot(config)
    run_window(config, END - timedelta(hours=12), END - timedelta(hours=2), "whole")
    assert snapshot(config) == piecewise
    conn = reader(config.warehouse)
    (duplicates,) = conn.execute("SELECT count(*) - count(DISTINCT (platform, native_id)) FROM posts").fetchone()
    conn.close()
    assert duplicates == 0


def test_a_broken_source_is_reported_and_the_others_still_load(world):
    _, config = world
    _, staged = run_window(config, END - timedelta(hours=3), END, "run")
    broken = next(s for s in staged if s["source"] == "broken")
    assert (broken["status"], broken["error_kind"]) == ("error", "permanent")
    assert "no archive file" in broken["message"]
    conn = reader(config.warehouse)
    rows = dict(conn.execute("SELECT source, status FROM v_source_health WHERE brand = 'demo_coffee'").fetchall())
    (posts,) = conn.execute("SELECT count(*) FROM v_mentions WHERE brand = 'demo_coffee'").fetchone()
    conn.close()
    assert rows == {"history": "ok", "broken": "error"}
    assert posts > 0


def test_unreadable_rows_are_quarantined_with_their_raw_payload(world):
    root, config = world
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"id": "x1", "text": "示例咖啡 broken line", "published_at": \n')
        handle.write(json.dumps({"id": "x2", "text": "示例咖啡 没有时间"}, ensure_ascii=False) + "\n")
    run_window(config, END - timedelta(hours=1), END, "run")
    rows = snapshot(config)["quarantine"]
    reasons = sorted(row[3].split(":")[0] for row in rows)
    raws = " ".join(row[4] for row in rows)
    assert len(rows) == 2  # both brands read the same file: each bad row is kept once
    assert "broken JSON line" in reasons[0] and "no timestamp" in " ".join(reasons)
    assert "broken line" in raws and "没有时间" in raws


def test_a_backfill_stores_its_alerts_as_suppressed_and_delivers_nothing(world):
    _, config = world
    window, _ = run_window(config, END - timedelta(days=7), END, "backfill__x")
    report = pipeline.detect(config, window, pipeline.RunInfo("backfill__x", "backfill", END))
    assert report["alerts"] > 0 and report["deliveries"] == {"suppressed": report["alerts_new"]}
    assert pipeline.deliver(config, {}, NOW)["sent"] == 0
    assert not (config.state_dir / "alerts" / "alerts.jsonl").exists()


def test_the_same_spikes_found_by_a_normal_run_are_sent_once(world):
    _, config = world
    window, _ = run_window(config, END - timedelta(days=7), END, "manual__1")
    first = pipeline.detect(config, window, pipeline.RunInfo("manual__1", "manual", NOW))
    sent = pipeline.deliver(config, {}, NOW)["sent"]
    again = pipeline.detect(config, window, pipeline.RunInfo("manual__2", "manual", NOW))
    assert sent == first["deliveries"]["pending"] > 0  # alerts joining an incident are stored, not sent
    assert first["incidents"]["joined"] == first["deliveries"]["suppressed"] > 0
    assert again["alerts_new"] == 0 and again["alerts_known"] == first["alerts"]
    assert pipeline.deliver(config, {}, NOW)["sent"] == 0


def test_a_new_topic_is_stored_and_alerts(world):
    root, config = world
    story = [{"id": f"story{i}", "platform": "demo", "text": f"示例咖啡门店的咖啡机爆炸了，店员受伤送医 {i}",
              "published_at": (END - timedelta(minutes=50 - 3 * i)).isoformat(), "likes": i} for i in range(14)]
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in story)
    window, _ = run_window(config, END - timedelta(days=7), END, "manual__t")
    pipeline.detect(config, window, pipeline.RunInfo("manual__t", "manual", NOW))
    conn = reader(config.warehouse)
    topics = conn.execute("SELECT label, volume, is_new, alert FROM v_hot_topics WHERE brand = 'demo_coffee' AND alert").fetchall()
    alerts = conn.execute("SELECT subject, details->>'$.topic_label' FROM v_alerts WHERE kind = 'new_topic'").fetchall()
    conn.close()
    assert topics and any("爆炸" in label for label, *_ in topics)
    assert all(volume >= 10 and is_new for _, volume, is_new, _ in topics)
    assert alerts and "爆炸" in alerts[0][1]


def test_a_complaint_is_stored_with_its_categories_severity_reasons_and_authors_reach(world):
    root, config = world
    row = {"id": "spoiled1", "platform": "weibo", "text": "示例咖啡的牛奶变质了还在卖，喝了拉肚子，要求赔偿",
           "published_at": (END - timedelta(minutes=20)).isoformat(), "author": "美食记者", "author_followers": "25万",
           "author_verified": "media"}
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    run_window(config, END - timedelta(hours=1), END, "run")
    conn = reader(config.warehouse)
    stored = conn.execute("""SELECT complaint, complaint_categories, complaint_severity, complaint_reasons,
                                    complaint_reason_details, complaint_severity_reasons, author_followers, author_verified
                             FROM posts WHERE native_id = 'spoiled1'""").fetchone()
    # the demo's spreading post (brandmon.demo.SPREAD_ID) is the one other post the archive gives reach
    others = conn.execute("""SELECT count(*) FROM posts WHERE native_id NOT IN ('spoiled1', 'demo-spread-1')
                             AND (complaint_severity IS NULL OR complaint_categories IS NULL
                                  OR author_followers IS NOT NULL)""").fetchone()[0]
    conn.close()
    complaint, categories, severity, labels, details, severe, followers, verified = stored
    assert complaint and severity == "severe" and (followers, verified) == (250_000, "media")
    assert {"quality_safety", "refund_after_sales"} <= set(categories)
    assert {"code": "spoiled", "zh": "变质", "en": "spoiled", "category": "quality_safety", "phrase": "变质"} in details
    assert labels == [d["zh"] for d in details]  # complaint_reasons keeps the readable labels
    assert {d["category"] for d in severe} == {"food_safety"} and all(d["zh"] and d["phrase"] for d in severe)
    assert others == 0  # every other post has its severity and categories, and no reach the archive did not give


SEVERE_POSTS = [  # (id, text, minutes before END, author, followers, likes)
    ("spoiled", "示例咖啡的牛奶变质了还在卖，喝了拉肚子，要求赔偿", 40, "美食记者", "25万", 3),
    ("scalded", "示例咖啡的杯子漏水把手烫伤了，已经打12315投诉，要求赔偿", 25, "路人乙", None, 500),
    ("unseen", "示例咖啡店里吃出头发，要求退款，已向市场监管举报", 30, "小号", 300, 2),
    ("bad_taste", "示例咖啡的拿铁太难喝了，再也不点了", 35, "大V吃货", 1_000_000, 900),
]


def add_severe_posts(root):
    rows = [{"id": key, "platform": "weibo", "text": text, "published_at": (END - timedelta(minutes=ago)).isoformat(),
             "author": author, "author_followers": followers, "author_verified": "media" if followers else None,
             "likes": likes} for key, text, ago, author, followers, likes in SEVERE_POSTS]
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def severe_alerts(config):
    conn = reader(config.warehouse)
    try:
        return conn.execute("""SELECT subject, audience, severity, status, details FROM v_alerts
                               WHERE kind = 'severe_complaint' AND subject LIKE 'weibo:%' ORDER BY subject""").fetchall()
    finally:
        conn.close()


def test_a_severe_complaint_from_an_account_with_reach_alerts_on_its_own_once(world):
    root, config = world
    (root / "posts.jsonl").write_text("")  # no burst: these complaints alone
    add_severe_posts(root)
    window, _ = run_window(config, END - timedelta(hours=1), END, "manual__s")
    first = pipeline.detect(config, window, pipeline.RunInfo("manual__s", "manual", NOW))
    pipeline.deliver(config, {}, NOW)
    found = severe_alerts(config)
    # 25万 followers, or 500 likes; not 300 followers and 2 likes; a complaint that is not severe never
    assert [(subject, audience, severity) for subject, audience, severity, *_ in found] == [
        ("weibo:scalded", "pr", "critical"), ("weibo:spoiled", "pr", "critical")]
    # the first opens an incident and is sent; the second, 15 minutes on, joins it and is stored
    assert [(subject, status) for subject, _, _, status, _ in found] == [
        ("weibo:scalded", "suppressed"), ("weibo:spoiled", "sent")]
    again = pipeline.detect(config, window, pipeline.RunInfo("manual__s2", "manual", NOW))
    assert again["alerts_new"] == 0 and first["alerts_new"] > 0

    lines = [json.loads(x) for x in (config.state_dir / "alerts" / "alerts.jsonl").read_text().splitlines()]
    spoiled = next(x for x in lines if x["kind"] == "severe_complaint" and "美食记者" in x["text"]["zh"])
    zh, en = spoiled["text"]["zh"], spoiled["text"]["en"]
    assert "【严重】demo_coffee 严重投诉：美食记者（粉丝 25万）" in zh
    assert "[CRITICAL] demo_coffee: severe complaint: 美食记者 (250k followers)" in en
    assert "严重原因: 食品安全：变质" in zh and "Why severe: food safety: 变质" in en
    assert "作者: 美食记者 · 粉丝 25万 · 媒体认证" in zh and "Author: 美食记者 · 250k followers · verified media" in en
    assert "投诉原因: 变质（质量安全） · 吃坏肚子（质量安全） · 要求赔偿（退款售后）" in zh
    assert "Complaint reasons: spoiled (quality and safety) · made someone ill (quality and safety)" in en
    assert "示例咖啡的牛奶变质了还在卖" in zh and "native_id IN ('weibo:spoiled')" in zh


def test_every_post_is_stored_with_its_risk_and_analysts_see_why(world):
    root, config = world
    add_severe_posts(root)
    viral = {"id": "viral", "platform": "weibo", "text": "示例咖啡门店员工用过期牛奶，视频已经传疯了",
             "published_at": (END - timedelta(minutes=50)).isoformat(), "author": "爆料君", "reposts": 1200,
             "counted_at": (END - timedelta(minutes=10)).isoformat()}
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(viral, ensure_ascii=False) + "\n")
    run_window(config, END - timedelta(hours=1), END, "run")
    conn = reader(config.warehouse)
    rows = conn.execute("""SELECT native_id, risk, risk_harm, label, severity, author_followers, author_verified,
                                  reposts, comments, likes, published_at, counted_at, reposts_per_hour, risk_speed
                           FROM v_post_risk WHERE brand = 'demo_coffee' AND platform = 'weibo'
                           ORDER BY risk DESC""").fetchall()
    unscored = conn.execute("SELECT count(*) FROM posts WHERE risk IS NULL OR risk_parts IS NULL").fetchone()[0]
    conn.close()
    assert unscored == 0
    for key, risk, harm, label, severity, followers, verified, reposts, comments, likes, at, counted, *_ in rows:
        post = Post("weibo", key, "archive", "-", at, reposts=reposts, comments=comments, likes=likes,
                    author_followers=followers, author_verified=verified, counted_at=counted)
        assert (risk, harm) == (post_risk(post, label, severity).score, post_risk(post, label, severity).harm)
    # a severe complaint by a media account with 250k followers first; a complaint by one with a million
    # and 900 likes before severe ones from accounts of unknown or small reach
    assert [key for key, *_ in rows] == ["spoiled", "bad_taste", "viral", "scalded", "unseen"]
    assert rows[2][-2:] == (1200.0, pytest.approx(math.log10(1201), abs=1e-4))  # 1,200 reposts in under an hour


def test_severe_complaint_thresholds_come_from_detection_settings(world):
    root, config = world
    add_severe_posts(root)
    strict = dataclasses.replace(config, detection={"severe_complaint_followers": 300, "severe_complaint_engagement": 10_000,
                                                    "min_excess": 5})
    window, _ = run_window(strict, END - timedelta(hours=1), END, "manual__t")
    pipeline.detect(strict, window, pipeline.RunInfo("manual__t", "manual", NOW))
    assert [row[0] for row in severe_alerts(strict)] == ["weibo:spoiled", "weibo:unseen"]
    bad = dataclasses.replace(config, detection={"severe_complaint_followers": "10k"})
    with pytest.raises(ValueError, match="detection: severe_complaint_followers: expected a whole number"):
        pipeline.detect(bad, window, pipeline.RunInfo("manual__u", "manual", NOW))


def test_a_backfill_stores_severe_complaints_suppressed(world):
    root, config = world
    add_severe_posts(root)
    window, _ = run_window(config, END - timedelta(hours=1), END, "backfill__s")
    pipeline.detect(config, window, pipeline.RunInfo("backfill__s", "backfill", END))
    assert [(subject, status) for subject, _, _, status, _ in severe_alerts(config)] == [
        ("weibo:scalded", "suppressed"), ("weibo:spoiled", "suppressed")]
    assert pipeline.deliver(config, {}, NOW)["sent"] == 0


def test_a_run_can_be_limited_to_one_brand(world):
    _, config = world
    assert pipeline.plan(config, only_brand="demo_tea") == [{"brand": "demo_tea", "source": "history"}]
    assert len(pipeline.plan(config)) == 3
    with pytest.raises(ValueError, match="unknown brand 'nope'"):
        pipeline.plan(config, only_brand="nope")


def test_the_query_each_alert_shows_lists_exactly_the_posts_behind_it(world):
    root, config = world
    story = [{"id": f"it's{i}", "platform": "demo", "text": f"示例咖啡门店的咖啡机爆炸了，店员受伤送医 {i}",
              "published_at": (END - timedelta(minutes=50 - 3 * i)).isoformat(), "likes": i} for i in range(14)]
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:  # keys with a quote in them
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in story)
    window, _ = run_window(config, END - timedelta(days=7), END, "manual__q")
    pipeline.detect(config, window, pipeline.RunInfo("manual__q", "manual", NOW))
    conn = reader(config.warehouse)
    try:
        alerts = conn.execute("SELECT DISTINCT kind, observed, details->>'$.query' FROM v_alerts "
                              "WHERE audience = 'pr'").fetchall()
        listed = [(kind, observed, len(conn.execute(query).fetchall())) for kind, observed, query in alerts]
    finally:
        conn.close()
    assert {kind for kind, *_ in listed} >= {"new_topic", "complaint_spike"}
    assert all(observed == rows for _, observed, rows in listed), listed


def real_posts(count: int) -> list[dict]:
    """Real Weibo posts from the shared data, each naming one of the world's brands (a few both)."""
    path = require("sentiment", "weibo_senti_100k_dev.tsv")
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [text for _, text in csv.reader(handle, delimiter="\t")][:count]
    names = ["示例咖啡", "样板茶饮", "Demo Coffee", "示例咖啡和样板茶饮"]
    return [{"id": f"real{i}", "platform": "weibo", "text": f"{names[i % 4]}{text}", "reposts": i % 7,
             "author_followers": i * 13, "published_at": (END - timedelta(seconds=10 * i + 5)).isoformat()}
            for i, text in enumerate(texts)]


def staged_bytes(result: dict) -> dict[str, bytes]:
    return {name: Path(path).read_bytes() for name, path in result["paths"].items()}


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_an_interval_scored_in_chunks_on_two_cores_stages_what_one_process_stages(world, monkeypatch, start_method):
    root, config = world
    with open(root / "posts.jsonl", "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in real_posts(300))
    window = RunWindow(Window(END - timedelta(hours=1), END), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "run", NOW) for i in pipeline.plan(config)]
    alone = pipeline.transform(config, staged, window, "run", workers=1)
    expected = staged_bytes(alone)
    monkeypatch.setattr(pipeline, "POOL_MIN_POSTS", 10)
    monkeypatch.setattr(pipeline, "POSTS_PER_CHUNK", 37)
    if start_method == "spawn":
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    pooled = pipeline.transform(config, staged, window, "run", workers=2)
    assert alone["matched"] > 300
    assert pooled == alone
    assert staged_bytes(pooled) == expected
