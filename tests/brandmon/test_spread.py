"""The spread step without Airflow: posts that matter chosen by the load, their reposts
fetched from a loopback m.weibo.cn (the hand-built recorded cascade) or from the demo's reposts
file, stored and measured in detect's writer session, and told in the alert's zh/en text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from brandmon import pipeline, spread
from brandmon.config import ConfigError, load_config
from brandmon.demo import REPOSTS_FILE, SPREAD_ID, ensure_demo
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window
from tests.extractors.loopback import json_response
from warehouse.db import reader

FIXTURES = Path(__file__).parent.parent / "extractors" / "fixtures" / "weibo_spread"
END = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai: the recorded cascade's fetch
ORIGINAL = "5105000000000001"
COMPLAINT = {"id": ORIGINAL, "platform": "weibo", "published_at": "2024-11-26T12:00:00+08:00",
             "text": "在示例咖啡喝了生椰拿铁后上吐下泻，已经投诉到12315，门店还说不可能。", "author": "吃货小王",
             "author_followers": 52000, "reposts": 15, "comments": 57, "likes": 230, "url": "https://weibo.com/1/P0demo001",
             "counted_at": "2024-11-26T14:00:00+08:00"}
QUIET = {"id": "5105000000000999", "platform": "weibo", "published_at": "2024-11-26T12:30:00+08:00",
         "text": "示例咖啡今天人好多", "author": "路人", "author_followers": 50, "reposts": 40}


def write_config(root: Path, spread_options: dict, archive: str = "posts.jsonl") -> None:
    config = {"storage": {"state_dir": "state"},
              "brands": {"demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡"], "sources": ["history"]}},
              "sources": {"history": {"kind": "archive", "path": archive}},
              "spread": spread_options}
    (root / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))


@pytest.fixture
def weibo_world(tmp_path, monkeypatch, httpserver):
    """An archive holding a severe complaint on Weibo (and a quiet post), the spread fetched from a
    loopback m.weibo.cn serving the recorded cascade."""
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    write_jsonl(tmp_path / "posts.jsonl", [COMPLAINT, QUIET])
    pages = {"1": "reposts_page1.json", "2": "reposts_page2.json"}
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/api/statuses/repostTimeline").respond_with_handler(
        lambda request: json_response((FIXTURES / pages[request.args["page"]]).read_text(encoding="utf-8")))
    httpserver.expect_request("/comments/hotflow").respond_with_handler(lambda request: json_response(
        (FIXTURES / ("hotflow_page2.json" if "max_id" in request.args else "hotflow_page1.json")).read_text(
            encoding="utf-8")))
    weibo = {"kind": "weibo", "base_url": httpserver.url_for("/").rstrip("/"), "min_interval": 0, "backoff": 0.01,
             "max_retries": 1, "timeout": 5, "hot_comment_pages": 2}
    write_config(tmp_path, {"platforms": {"weibo": weibo}, "max_requests": 20})
    return tmp_path, load_config(tmp_path / "brands.yaml"), httpserver


def loaded(config, end: datetime, hours: float = 2) -> tuple[RunWindow, list[dict]]:
    """The window loaded, and the posts whose spread the load chose (what the spread task gets)."""
    window = RunWindow(Window(end - timedelta(hours=hours), end), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "manual__s", end) for i in pipeline.plan(config)]
    report = pipeline.load(config, pipeline.transform(config, staged, window, "manual__s"), window)
    return window, report["spread_targets"]


def query(config, sql: str, params=()):
    conn = reader(config.warehouse)
    try:
        return conn.execute(sql, list(params)).fetchall()
    finally:
        conn.close()


def alert_texts(config, kind: str = "severe_complaint") -> tuple[str, str]:
    lines = [json.loads(x) for x in (config.state_dir / "alerts" / "alerts.jsonl").read_text().splitlines()]
    found = next(x for x in lines if x["kind"] == kind)
    return found["text"]["zh"], found["text"]["en"]


def test_a_severe_complaint_s_spread_is_fetched_within_budget_and_told_in_its_alert(weibo_world):
    _, config, server = weibo_world
    window, targets = loaded(config, END)
    run = pipeline.RunInfo("manual__s", "manual", END)
    report = spread.fetch(config, targets, window, run, fetched_at=END, secrets={"weibo": {"cookie": "SUB=x"}})
    assert (report["wanted"], report["cascades"], report["requests"]) == (1, 1, 5)  # the quiet post is not wanted
    assert len(server.log) == 5 <= config.spread.max_requests
    detected = pipeline.detect(config, window, run, spread=report)
    assert detected["spread"] == {"cascades": 1, "measured": 1, "quarantined": 1}
    pipeline.deliver(config, {}, END + timedelta(minutes=5))
    zh, en = alert_texts(config)
    assert "传播情况（转发链）" in zh and "How it spreads (reposts)" in en
    assert ("吃货小王的帖子：转发 15（已抓取 14），最深 5 层，大号转发占 21%；正在加速：最近 30 分钟 20.0 次/小时，"
            "此前 3.3 次/小时（×6.0，p=0.00079），首小时 3.0 次/小时") in zh
    assert ("吃货小王's post: 15 reposts (14 read), depth 5, 21% by large accounts; accelerating: 20.0/h in "
            "the last 30 min against 3.3/h before (×6.0, p=0.00079), 3.0/h in the first hour") in en
    assert "主要扩散者：本地新闻速递（粉丝 150万，带来转发 4） · 美食记者老李（粉丝 25万，带来转发 2）" in zh
    assert "top amplifiers: 本地新闻速递 (1.5M followers, drew 4 reposts) · 美食记者老李 (250k followers" in en
    (details,) = query(config, "SELECT details FROM alerts WHERE kind = 'severe_complaint'")[0]
    from alerts.model import Alert

    assert Alert.details_from_json(details).spread_accelerating


def test_the_load_chooses_the_posts_and_the_spread_task_opens_no_database(weibo_world, tmp_path):
    """The load picks the posts in its writer session and returns them as JSON (XCom); the spread
    task fetches them with no warehouse at hand (the run publishes only at its end)."""
    _, config, _ = weibo_world
    window, targets = loaded(config, END)
    assert json.loads(json.dumps(targets)) == targets == [
        {"platform": "weibo", "native_id": ORIGINAL, "published_at": "2024-11-26T04:00:00+00:00", "author": "吃货小王"}]
    away = config.warehouse.path.parent.rename(tmp_path / "warehouse_away")
    try:
        report = spread.fetch(config, targets, window, pipeline.RunInfo("manual__s", "manual", END), END,
                              {"weibo": {"cookie": "x"}})
    finally:
        away.rename(config.warehouse.path.parent)
    assert (report["wanted"], report["cascades"]) == (1, 1) and "error" not in report


def test_the_stored_spread_is_what_analysts_see_and_storing_it_again_changes_nothing(weibo_world):
    _, config, _ = weibo_world
    window, targets = loaded(config, END)
    run = pipeline.RunInfo("manual__s", "manual", END)
    report = spread.fetch(config, targets, window, run, fetched_at=END, secrets={"weibo": {"cookie": "SUB=x"}})
    pipeline.detect(config, window, run, spread=report)
    tables = ("spread_runs", "spread_fetches", "spread_reposts", "spread_comments", "spread_metrics", "spread_amplifiers")
    first = {t: query(config, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    pipeline.detect(config, window, run, spread=report)  # detect retried: the same staged file stored again
    assert {t: query(config, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == first
    assert query(config, "SELECT status, requests, posts_wanted, not_fetched FROM spread_runs") == [("ok", 5, 1, [])]
    assert query(config, "SELECT depth, verdict, top_amplifiers[1] FROM v_post_spread") == [
        (5, "accelerating", "本地新闻速递")]
    assert query(config, "SELECT source, brand FROM quarantine") == [("spread:weibo", "*")]  # the repost without time


def test_a_post_fetched_within_the_refetch_interval_is_not_fetched_again(weibo_world):
    _, config, server = weibo_world
    window, targets = loaded(config, END)
    run = pipeline.RunInfo("manual__s", "manual", END)
    pipeline.detect(config, window, run, spread=spread.fetch(config, targets, window, run, END, {"weibo": {"cookie": "x"}}))
    requests = len(server.log)
    later, again = loaded(config, END + timedelta(minutes=15), hours=0.25)
    report = spread.fetch(config, again, later, pipeline.RunInfo("scheduled__2", "scheduled", later.interval.end),
                          END + timedelta(minutes=15), {"weibo": {"cookie": "x"}})
    assert again == [] and report["wanted"] == 0 and len(server.log) == requests


def test_a_backfill_does_not_fetch_today_s_spread_for_a_past_window(weibo_world):
    _, config, server = weibo_world
    window, targets = loaded(config, END)
    report = spread.fetch(config, targets, window, pipeline.RunInfo("backfill__b", "backfill", END), END, {})
    assert report["platforms"]["weibo"]["status"] == "skipped" and report["requests"] == 0 and len(server.log) == 0
    pipeline.detect(config, window, pipeline.RunInfo("backfill__b", "backfill", END), spread=report)
    assert query(config, "SELECT status, not_fetched FROM spread_runs") == [("skipped", [f"weibo:{ORIGINAL}"])]


def test_an_expired_cookie_is_recorded_and_the_alerts_still_go_out(weibo_world):
    _, config, server = weibo_world
    server.clear_all_handlers()
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/api/statuses/repostTimeline").respond_with_data('{"ok": -100, "url": "https://passport.weibo.cn/signin/welcome"}')
    window, targets = loaded(config, END)
    run = pipeline.RunInfo("manual__s", "manual", END)
    report = spread.fetch(config, targets, window, run, END, {"weibo": {"cookie": "SUB=expired"}})
    assert report["platforms"]["weibo"]["error_kind"] == "auth"
    detected = pipeline.detect(config, window, run, spread=report)
    assert detected["alerts_new"] >= 1
    assert query(config, "SELECT status, error_kind, message LIKE '%weibo_mobile%' FROM spread_runs") == [
        ("error", "auth", True)]
    assert query(config, "SELECT count(*) FROM spread_metrics") == [(0,)]


def test_a_damaged_staged_file_loses_only_its_damaged_lines(weibo_world):
    _, config, _ = weibo_world
    window, targets = loaded(config, END)
    run = pipeline.RunInfo("manual__s", "manual", END)
    report = spread.fetch(config, targets, window, run, END, {"weibo": {"cookie": "x"}})
    with open(report["path"], "a", encoding="utf-8") as handle:
        handle.write('{"type": "cascade", "kind": "weibo", "platform": "weibo"\n{"type": "run"}\n')
    detected = pipeline.detect(config, window, run, spread=report)
    assert detected["spread"]["measured"] == 1 and detected["spread"]["quarantined"] == 3
    assert sorted(r[0].split(":")[0] for r in query(config, "SELECT reason FROM quarantine")) == [
        "unreadable item", "unreadable staged line", "unreadable staged row"]


def test_the_demo_s_spreading_post_accelerates_and_its_alert_names_the_amplifiers(tmp_path, monkeypatch):
    """What `make run` shows: the demo archive's post with a synthetic cascade, replayed by the
    archive spread kind from the reposts file beside the archive (no network)."""
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    end = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
    ensure_demo(tmp_path / "demo", end)
    write_config(tmp_path, {"platforms": {"demo": {"kind": "archive", "path": f"demo/{REPOSTS_FILE}",
                                                   "platform": "demo"}}}, archive="demo/demo_posts.jsonl")
    config = load_config(tmp_path / "brands.yaml")
    window, targets = loaded(config, end, hours=24 * 7)
    run = pipeline.RunInfo("manual__demo", "manual", end)
    report = spread.fetch(config, targets, window, run, fetched_at=end + timedelta(minutes=3))
    assert report["cascades"] == 1 and report["requests"] == 0
    pipeline.detect(config, window, run, spread=report)
    pipeline.deliver(config, {}, end + timedelta(minutes=5))
    row = query(config, """SELECT native_id, as_of_local, reposts_seen, depth, verdict, top_amplifiers[1:3]
                           FROM v_post_spread""")
    assert row == [(SPREAD_ID, datetime(2026, 11, 20, 12, 0), 24, 6, "accelerating",
                    ["本地新闻速递（演示）", "美食记者老李（演示）", "消费维权观察（演示）"])]
    zh, en = alert_texts(config)
    assert "吃货小王（演示）的帖子：转发 24，最深 6 层" in zh and "正在加速" in zh
    from brandmon.summary import summarise

    conn = reader(config.warehouse)
    try:
        summary = summarise(conn, config)
    finally:
        conn.close()
    assert ("demo_coffee      吃货小王（演示）: 24 reposts, depth 6, accelerating; amplifiers: 本地新闻速递（演示）, "
            "美食记者老李（演示）, 消费维权观察（演示）") in summary
    assert "主要扩散者：本地新闻速递（演示）（粉丝 150万，带来转发 10）" in zh
    assert "accelerating: 36.0/h in the last 30 min against 9.0/h before" in en


def test_the_spread_section_of_the_config():
    default = load_config(Path(__file__).parent.parent.parent / "config" / "brands.yaml").spread
    assert set(default.platforms) == {"weibo", "demo"} and default.max_requests == 40
    assert default.platforms["weibo"].connection == "weibo_mobile" and default.rule.recent == timedelta(minutes=30)


@pytest.mark.parametrize(("spread_options", "key", "fix"), [
    ({"platforms": {"douyin": {"kind": "douyin"}}}, "spread.platforms.douyin.kind", "archive, weibo"),
    ({"platforms": {"weibo": {"kind": "weibo", "max_repost_pages": 0}}}, "spread.platforms.weibo.max_repost_pages",
     "at least 1"),
    ({"max_requests": -1}, "spread.max_requests", "at least 0"),
    ({"severities": ["urgent"]}, "spread.severities[0]", "normal, severe"),
    ({"budget": 3}, "spread.budget", "max_requests"),
])
def test_spread_options_are_checked_with_the_key_and_the_fix(tmp_path, spread_options, key, fix):
    write_config(tmp_path, spread_options)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "brands.yaml")
    assert error.value.key == key and fix in error.value.fix


def test_without_a_spread_section_only_weibo_posts_are_followed(tmp_path):
    write_config(tmp_path, {})
    (tmp_path / "brands.yaml").write_text((tmp_path / "brands.yaml").read_text().replace("spread: {}\n", ""))
    platforms = load_config(tmp_path / "brands.yaml").spread.platforms
    assert list(platforms) == ["weibo"] and platforms["weibo"].kind == "weibo"


def test_a_spread_fetch_that_cannot_stage_its_file_reports_it_and_detect_still_alerts(weibo_world):
    _, config, _ = weibo_world
    window, targets = loaded(config, END)
    run = pipeline.RunInfo("manual__s", "manual", END)
    blocker = config.staging_dir / "manual__s" / "spread"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the folder should be")
    report = spread.fetch(config, targets, window, run, END, {"weibo": {"cookie": "x"}})
    assert report["path"] is None and "Error" in report["error"]
    detected = pipeline.detect(config, window, run, spread=report)
    assert detected["alerts_new"] >= 1 and detected["spread"] == {"cascades": 0, "measured": 0}
