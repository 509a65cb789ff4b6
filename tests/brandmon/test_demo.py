"""The synthetic demo: deterministic, generated once, with a complaint burst at the end."""

import json
from datetime import datetime, timedelta, timezone

from brandmon.demo import BURST, BURST_COMPLAINTS, COMPLAINTS, SPREADS_AFTER, ensure_demo, generate

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
BURST_TEXTS = {t.format(brand=name, product="生椰拿铁") for t in COMPLAINTS for name in ("示例咖啡", "Demo Coffee")}


def test_the_same_seed_gives_the_same_posts():
    assert generate(END) == generate(END)


def complaints(posts):
    return [p for p in posts if any(cue in p["text"] for cue in ("退款", "投诉", "赔偿", "维权"))]


def test_the_burst_is_complaints_about_one_brand_at_the_end():
    posts = generate(END)
    burst_start = END - BURST
    in_burst = [p for p in posts if datetime.fromisoformat(p["published_at"]) >= burst_start]
    day_before = [p for p in posts if burst_start - timedelta(days=1) <= datetime.fromisoformat(p["published_at"]) < burst_start]
    usual_rate = len(complaints(day_before)) / timedelta(days=1).total_seconds()
    burst_rate = len(complaints(in_burst)) / BURST.total_seconds()
    assert burst_rate > 10 * usual_rate
    about_coffee = [p for p in complaints(in_burst) if "示例咖啡" in p["text"] or "Demo Coffee" in p["text"]]
    assert len(about_coffee) >= 0.8 * len(complaints(in_burst))
    assert all(p["platform"] in ("demo", "wechat") and p["url"].startswith("https://example.com/demo/") for p in posts)


def test_a_few_synthetic_wechat_articles_the_last_a_media_report_on_the_burst():
    articles = [p for p in generate(END) if p["platform"] == "wechat"]
    assert 3 <= len(articles) <= 6
    assert all(p["id"].startswith("demo-wechat-") and "（演示）" in p["author"] and p["title"] in p["text"]
               for p in articles)
    assert all(END - timedelta(days=7) <= datetime.fromisoformat(p["published_at"]) < END for p in articles)
    report = max(articles, key=lambda p: p["published_at"])
    assert datetime.fromisoformat(report["published_at"]) >= END - BURST and "示例咖啡" in report["text"]
    assert report["author_verified"] == "media" and "author_followers" not in report  # no reach invented


def test_the_archive_is_generated_once(tmp_path):
    first = ensure_demo(tmp_path, END)
    later = ensure_demo(tmp_path, END + timedelta(hours=5))
    assert first == later and first["synthetic"] is True
    lines = (tmp_path / "demo_posts.jsonl").read_text().splitlines()
    assert len(lines) == first["posts"] and json.loads(lines[0])["id"] == "demo0000001"


def test_the_burst_is_the_same_story_whenever_the_week_ends_and_spreads_after_45_minutes():
    """One incident's story: the complaints spike, then accounts with reach share them (severe complaints
    with reach alert only then); the burst's posts do not depend on the time of day the week ends."""

    def burst(end):
        return [p for p in generate(end) if "生椰拿铁" in p["text"] and p["text"] in BURST_TEXTS
                and datetime.fromisoformat(p["published_at"]) >= end - BURST]

    def engagement(post):
        return post["reposts"] + post["comments"] + post["likes"]

    posts = burst(END)
    spreads = END - BURST + SPREADS_AFTER
    early = [p for p in posts if datetime.fromisoformat(p["published_at"]) < spreads]
    late = [p for p in posts if datetime.fromisoformat(p["published_at"]) >= spreads]
    assert max(engagement(p) for p in early) < 200 <= max(engagement(p) for p in late)
    assert len(posts) >= sum(BURST_COMPLAINTS)
    night = END + timedelta(hours=13, minutes=15)
    assert [(p["text"], engagement(p)) for p in burst(night)] == [(p["text"], engagement(p)) for p in posts]
def test_one_burst_post_spreads_through_reposts_kept_beside_the_archive(tmp_path):
    from brandmon.demo import REPOSTS_FILE, SPREAD_ID

    meta = ensure_demo(tmp_path, END)
    spreading = next(p for p in generate(END) if p["id"] == SPREAD_ID)
    assert END - BURST <= datetime.fromisoformat(spreading["published_at"]) < END
    assert spreading["platform"] == "demo" and "（演示）" in spreading["author"] and spreading["author_followers"]
    rows = [json.loads(line) for line in (tmp_path / REPOSTS_FILE).read_text().splitlines()]
    reposts = [r for r in rows if r["type"] == "repost"]
    assert len(reposts) == spreading["reposts"] and all(r["post_id"] == SPREAD_ID for r in rows)
    assert all("（演示）" in r["user_name"] or r["user_name"].startswith("演示用户") for r in rows)
    times = [datetime.fromisoformat(r["created_at"]) for r in reposts]
    assert min(times) > datetime.fromisoformat(spreading["published_at"]) and max(times) < END
    assert sum(1 for t in times if t >= END - timedelta(minutes=30)) > 2 * sum(1 for t in times if t < END - timedelta(minutes=30))
    assert meta["posts"] == len((tmp_path / "demo_posts.jsonl").read_text().splitlines())


def test_an_archive_made_before_the_reposts_file_is_completed_with_its_own_end(tmp_path):
    from brandmon.demo import REPOSTS_FILE

    first = ensure_demo(tmp_path, END)
    (tmp_path / REPOSTS_FILE).unlink()
    again = ensure_demo(tmp_path, END + timedelta(days=3))
    assert again == first and (tmp_path / REPOSTS_FILE).exists()
