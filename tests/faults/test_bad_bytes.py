"""Bad bytes on the way in: a character cut by a byte-counting PHP summary, a stray `\\xff`.

Through the pipeline's own steps (extract, transform, load) into a real DuckDB file: an archive
file and a feed on a loopback server, each with damage injected into real-looking records. No
post is lost, none is stored garbled, and each source's health says how many bytes were
replaced.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.utils import format_datetime

import yaml

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import reader

from .conftest import END, NOW

MOJIBAKE = ("锟斤拷", "Ã", "â€", "鈥", "锛")  # marks of UTF-8 read as GBK/GB18030 or as Latin-1
CUT = "。".encode()[:2]  # the summary was cut two bytes into its last character
FEED_ITEMS = [("示例咖啡新品生椰拿铁上市", "门店排队很长，味道还不错。"),
              ("示例咖啡外卖洒了一半", "客服说会退款，但是等了三天还没有到账，太让人失望了。"),
              ("示例咖啡会员日活动", "买一送一，到晚上十点。")]


def damaged_archive(posts: list[dict], window: Window) -> tuple[bytes, dict[str, str], str]:
    """The archive as bytes with three posts damaged; what each damaged post's text should read
    once stored, and the id of the one whose line the damage breaks (quarantined, not lost)."""
    inside = [post for post in posts if window.contains(_moment(post))]
    cut, stray, broken = inside[3]["id"], inside[7]["id"], inside[11]["id"]
    lines, expected = [], {}
    for post in posts:
        line = json.dumps(post, ensure_ascii=False).encode()
        text = json.dumps(post["text"], ensure_ascii=False).encode()[:-1]  # the text's JSON string, open
        if post["id"] == cut:
            line = line.replace(text, text + CUT)
            expected[cut] = post["text"] + "\ufffd"
        elif post["id"] == stray:
            line = line.replace(text, text + b"\xff")
            expected[stray] = post["text"] + "\ufffd"
        elif post["id"] == broken:
            line = line.replace(b'", "platform"', b'",\xff "platform"')
        lines.append(line)
    return b"\n".join(lines) + b"\n", expected, broken


def _moment(post: dict) -> datetime:
    return datetime.fromisoformat(post["published_at"])


def feed_with_a_cut_summary() -> bytes:
    items = []
    for number, (title, summary) in enumerate(FEED_ITEMS):
        body = summary.encode()[:-1] if number == 1 else summary.encode()  # cut inside the last "。"
        stamp = format_datetime(END - timedelta(minutes=30 + number))
        items.append(f"<item><title>{title}</title><guid>news-{number}</guid><pubDate>{stamp}</pubDate>"
                     "<description>".encode() + body + b"</description></item>")
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>news</title>'
            + b"".join(items) + b"</channel></rss>")


def test_bad_bytes_lose_no_post_and_store_no_mojibake(tmp_path, httpserver, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(feed_with_a_cut_summary(),
                                                             content_type="application/rss+xml; charset=utf-8")
    posts = generate(END)
    config_data = {
        "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "news"]},
                   "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "news": {"kind": "rss", "url": httpserver.url_for("/feed.xml"), "platform": "news",
                             "min_interval": 0, "backoff": 0.01}},
    }
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump(config_data, allow_unicode=True))
    config = load_config(tmp_path / "brands.yaml")
    window = RunWindow(Window(END - timedelta(hours=6), END), config.schedule.lookback)
    archive, damaged, broken = damaged_archive(posts, window.extraction)
    (tmp_path / "posts.jsonl").write_bytes(archive)

    staged = [pipeline.extract(config, item["brand"], item["source"], window, "bad-bytes", NOW)
              for item in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, "bad-bytes"), window)

    conn = reader(config.warehouse)
    stored = {native_id: (text, title) for native_id, text, title in
              conn.execute("SELECT native_id, text, title FROM posts").fetchall()}
    quarantined = conn.execute("SELECT raw, location FROM quarantine").fetchall()
    health = {(brand, source): (status, notes) for brand, source, status, notes in
              conn.execute("SELECT brand, source, status, notes FROM source_runs").fetchall()}
    conn.close()

    in_window = {post["id"]: post["text"] for post in posts if window.extraction.contains(_moment(post))}
    archived = {native_id: text for native_id, (text, _) in stored.items() if native_id.startswith("demo")}
    assert archived == {native_id: damaged.get(native_id, text) for native_id, text in in_window.items()
                        if native_id != broken}
    assert [raw for raw, _ in quarantined if broken in raw and "\\xff" in raw]  # the broken line, its bytes shown

    news = {native_id: value for native_id, value in stored.items() if native_id.startswith("news-")}
    assert [news[f"news-{number}"][1] for number in range(3)] == [title for title, _ in FEED_ITEMS]
    assert news["news-1"][0] == f"{FEED_ITEMS[1][0]}\n{FEED_ITEMS[1][1][:-1]}\ufffd"
    assert not [text for text, title in stored.values() if any(bad in f"{text}{title}" for bad in MOJIBAKE)]

    assert health[("demo_coffee", "news")][0] == "ok"
    assert any("2 invalid bytes replaced (decoded as utf-8)" in note for note in health[("demo_coffee", "news")][1])
    for brand in ("demo_coffee", "demo_tea"):
        status, notes = health[(brand, "history")]
        assert status == "ok"
        assert any("posts.jsonl: 3 invalid bytes replaced in 2 records" in note for note in notes)
