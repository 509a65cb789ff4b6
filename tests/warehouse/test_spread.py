"""warehouse.spread on a real DuckDB file: which posts' spread is fetched (one read), the recorded
cascade stored and measured, and what analysts (v_post_spread, v_spread_amplifiers) and alerts read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from extractors.weibo.spread import parse_hot_comments, parse_reposts
from transforms.spread import SpreadRule, reason, spread_metrics
from warehouse.posts import PostSelection
from warehouse.spread import (
    FetchedSpread,
    Selection,
    seen_spread,
    selection_spread,
    spread_candidates,
    store_fetched,
    store_metrics,
)

from .conftest import FOOD_SAFETY, T0, load_posts, post

FIXTURES = Path(__file__).parent.parent / "extractors" / "fixtures" / "weibo_spread"
ORIGINAL = "5105000000000001"
PUBLISHED = T0 - timedelta(hours=2)  # the recorded cascade: published 12:00, fetched 14:00 (Shanghai)
RECORDED = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # the fetch the fixtures were written for
SHIFT = T0 - RECORDED  # moves the recorded cascade to this warehouse's day


def ranked(row: dict, risk: float, reposts: int | None) -> dict:
    return {**row, "risk": risk, "reposts": reposts}


def selection(**changes) -> Selection:
    return Selection(**{"platforms": ("weibo",), "since": T0 - timedelta(hours=48), "until": T0 + timedelta(minutes=1),
                        "min_followers": 10_000, "verified": ("media", "government"), "severities": ("severe",),
                        "min_reposts": 10, "fetched_before": T0 - timedelta(hours=1), **changes})


def severe(native_id: str, published=PUBLISHED, **kw) -> dict:
    return post(native_id, published, "艾克米喝完拉肚子，投诉12315", label="neg", complaint=True,
                details=(FOOD_SAFETY,), severe=(FOOD_SAFETY,), **kw)


def load_world(conn, folder) -> None:
    load_posts(conn, folder, [
        ranked(severe(ORIGINAL, followers=52_000, author="吃货小王"), 5.0, 15),
        ranked(post("small", PUBLISHED, followers=100), 0.2, 50),  # no reach, no complaint
        ranked(post("famous", PUBLISHED, followers=2_000_000), 0.4, 3),  # reach, but hardly reposted
        ranked(post("newsroom", PUBLISHED, verified="media"), 1.0, None),  # a media account, count unknown
        ranked(severe("elsewhere", platform="demo"), 9.0, 40),  # a platform without a spread source
        ranked(severe("old", published=T0 - timedelta(days=3), followers=90_000), 8.0, 99),
    ])


def recorded_fetch(run_id: str = "run1", status: str = "ok") -> FetchedSpread:
    """The recorded cascade (two repost pages, two hot-comment pages) as the spread step stores it."""
    reposts = [r for name in ("reposts_page1.json", "reposts_page2.json")
               for r in parse_reposts((FIXTURES / name).read_text(encoding="utf-8"), fetched_at=RECORDED).items]
    comments = [c for name in ("hotflow_page1.json", "hotflow_page2.json")
                for c in parse_hot_comments((FIXTURES / name).read_text(encoding="utf-8"), fetched_at=RECORDED).items]
    key = {"platform": "weibo", "native_id": ORIGINAL, "fetched_at": T0}
    return FetchedSpread(
        runs=[{"run_id": run_id, "platform": "weibo", "kind": "weibo", "fetched_at": T0, "status": status,
               "error_kind": None, "message": "", "posts_wanted": 1, "cascades": 1, "not_fetched": [], "requests": 5,
               "notes": []}],
        fetches=[{**key, "run_id": run_id, "source": "weibo", "status": status, "message": "", "reposts_total": 15,
                  "comments_total": 57, "reposts_fetched": len(reposts), "comments_fetched": len(comments), "pages": 2,
                  "complete": True}],
        reposts=[{**key, "repost_id": r.repost_id, "reposted_at": r.reposted_at + SHIFT, "user_id": r.user_id,
                  "user_name": r.user_name, "followers": r.followers, "verified": r.verified, "chain": list(r.chain),
                  "text": r.text, "reposts": r.reposts, "comments": r.comments, "likes": r.likes} for r in reposts],
        comments=[{**key, "comment_id": c.comment_id, "commented_at": c.commented_at + SHIFT, "user_id": c.user_id,
                   "user_name": c.user_name, "followers": c.followers, "verified": c.verified, "text": c.text,
                   "likes": c.likes, "replies": c.replies} for c in comments])


def measure(conn) -> None:
    rule = SpreadRule()
    for seen in seen_spread(conn, [("weibo", ORIGINAL)]):
        metrics = spread_metrics(seen.published_at, seen.as_of, seen.nodes, seen.reposts_total, seen.complete, rule)
        store_metrics(conn, seen, metrics, 30, reason(metrics, rule))


def test_the_posts_that_matter_riskiest_first(warehouse, tmp_path):
    load_world(warehouse, tmp_path)
    found = spread_candidates(warehouse, selection(), limit=10)
    assert [c.native_id for c in found] == [ORIGINAL, "newsroom"]
    assert found[0].author == "吃货小王" and found[0].published_at == PUBLISHED
    assert [c.native_id for c in spread_candidates(warehouse, selection(), limit=1)] == [ORIGINAL]
    assert [c.native_id for c in spread_candidates(warehouse, selection(platforms=("weibo", "demo")), 10)] == [
        "elsewhere", ORIGINAL, "newsroom"]
    assert [c.native_id for c in spread_candidates(warehouse, selection(min_reposts=0), 10)] == [
        ORIGINAL, "newsroom", "famous"]
    assert spread_candidates(warehouse, selection(platforms=()), 10) == []


def test_a_post_fetched_lately_waits_but_a_failed_fetch_does_not_count(warehouse, tmp_path):
    load_world(warehouse, tmp_path)
    store_fetched(warehouse, recorded_fetch(status="error"))
    assert ORIGINAL in [c.native_id for c in spread_candidates(warehouse, selection(), 10)]
    store_fetched(warehouse, recorded_fetch(run_id="run2"))
    assert [c.native_id for c in spread_candidates(warehouse, selection(), 10)] == ["newsroom"]  # fetched at T0
    later = selection(fetched_before=T0 + timedelta(minutes=1))
    assert ORIGINAL in [c.native_id for c in spread_candidates(warehouse, later, 10)]


def test_the_recorded_cascade_stored_measured_and_shown_to_analysts(warehouse, tmp_path):
    load_world(warehouse, tmp_path)
    store_fetched(warehouse, recorded_fetch())
    store_fetched(warehouse, recorded_fetch())  # the same fetch again: the same rows
    measure(warehouse)
    measure(warehouse)
    counts = warehouse.execute("""SELECT (SELECT count(*) FROM spread_fetches), (SELECT count(*) FROM spread_reposts),
                                         (SELECT count(*) FROM spread_comments), (SELECT count(*) FROM spread_metrics),
                                         (SELECT count(*) FROM spread_amplifiers), (SELECT count(*) FROM spread_runs)""")
    assert counts.fetchone() == (1, 14, 5, 1, 5, 1)
    row = warehouse.execute(
        """SELECT brand, day, reposts_total, reposts_seen, comments_total, hot_comments, depth, round(large_reach_share, 3),
                  early_per_hour, recent_minutes, recent_per_hour, round(before_per_hour, 2), rate_ratio, verdict,
                  accelerating, top_amplifiers, severity, author
           FROM v_post_spread WHERE native_id = ?""", [ORIGINAL]).fetchone()
    assert row[2:] == (15, 14, 57, 5, 5, 0.214, 3.0, 30, 20.0, 3.33, 6.0, "accelerating", True,
                       ["本地新闻速递", "美食记者老李", "消费维权观察", "楼下便利店老板", "小区妈妈群"], "severe", "吃货小王")
    assert row[0] == "acme" and str(row[1]) == "2026-11-26"
    (why,) = warehouse.execute("SELECT reason FROM spread_metrics").fetchone()
    assert why.startswith("accelerating: 10 reposts in the last 30 min")


def test_amplifiers_per_brand_and_day(warehouse, tmp_path):
    load_world(warehouse, tmp_path)
    store_fetched(warehouse, recorded_fetch())
    measure(warehouse)
    rows = warehouse.execute("""SELECT user_name, followers, verified, posts, reposts, drawn, score, best_rank, post_keys
                                FROM v_spread_amplifiers WHERE brand = 'acme' ORDER BY score DESC""").fetchall()
    assert rows[0] == ("本地新闻速递", 1_500_000, "media", 1, 1, 4, 7_500_000.0, 1, [f"weibo:{ORIGINAL}"])
    assert [r[0] for r in rows] == ["本地新闻速递", "美食记者老李", "消费维权观察", "楼下便利店老板", "小区妈妈群"]


def test_an_alert_reads_the_spread_of_its_posts(warehouse, tmp_path):
    load_world(warehouse, tmp_path)
    store_fetched(warehouse, recorded_fetch())
    measure(warehouse)
    posts = PostSelection("acme", PUBLISHED, PUBLISHED + timedelta(minutes=15), metric="complaints")
    (spread,) = selection_spread(warehouse, posts, limit=2)
    assert (spread.post_key, spread.author, spread.as_of_local, spread.verdict, spread.depth) == (
        f"weibo:{ORIGINAL}", "吃货小王", "2026-11-26 14:00", "accelerating", 5)
    assert spread.accelerating and spread.url == f"https://weibo.com/1/{ORIGINAL}"
    assert [(a.user_name, a.drawn) for a in spread.amplifiers[:2]] == [("本地新闻速递", 4), ("美食记者老李", 2)]
    other_brand = PostSelection("rival", PUBLISHED, PUBLISHED + timedelta(minutes=15))
    assert selection_spread(warehouse, other_brand, limit=2) == []


def test_analysts_see_the_spread_of_each_incidents_posts(warehouse, tmp_path):
    from alerts.outbox import enqueue
    from tests.alerts.alert_fixtures import make_config, spike_alert

    load_world(warehouse, tmp_path)
    store_fetched(warehouse, recorded_fetch())
    measure(warehouse)
    during = spike_alert(brand="acme", kind="complaint_spike", bucket_start=PUBLISHED - timedelta(minutes=15),
                         bucket_end=PUBLISHED + timedelta(minutes=15))
    before = spike_alert(brand="acme", bucket_start=PUBLISHED - timedelta(days=1, minutes=15),
                         bucket_end=PUBLISHED - timedelta(days=1))
    for alert in (before, during):
        enqueue(warehouse, [alert], make_config(tmp_path), "live", "scheduled", alert.bucket_end)
    rows = warehouse.execute("SELECT incident_id, native_id, verdict, top_amplifiers[1] FROM v_incident_spread").fetchall()
    (incident,) = [r[0] for r in warehouse.execute(
        "SELECT incident_id FROM incident_alerts WHERE alert_id = ?", [during.alert_id]).fetchall()]
    assert rows == [(incident, ORIGINAL, "accelerating", "本地新闻速递")]  # the day-old incident has no such post
