"""The dashboard pages over HTTP (a real uvicorn on loopback, the demo week through the real pipeline):
what each page shows, that every page needs a login, links from alerts, languages, escaping, and
the charts as drawn."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import httpx
import pytest

from brandmon.dashboard import pages, svg
from brandmon.dashboard.app import create_app
from warehouse import dashboard as reads
from warehouse.db import reader
from warehouse.posts import PostSelection, top_posts

from .dashboard_world import HOSTILE, SESSION, build_world, loader, serve, viewer

ROUTES = ("/", "/voice", "/sources", "/incidents/{incident}", "/alerts/{alert}")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("dashboard")
    config = build_world(root)
    conn = reader(config.warehouse)
    (incident,) = reads.incidents(conn)
    conn.close()
    with serve(create_app(loader(root / "brands.yaml"), viewer)) as url:
        yield {"config": config, "url": url, "incident": incident, "root": root}


@pytest.fixture
def browser_like(world):
    with httpx.Client(base_url=world["url"], cookies={"session": SESSION}, headers={"Accept": "text/html"}) as client:
        yield client


def paths(world) -> list[str]:
    incident = world["incident"]
    return [r.format(incident=incident.incident_id, alert=incident.alert_ids[-1]) for r in ROUTES]


def test_no_page_shows_data_without_a_login(world):
    with httpx.Client(base_url=world["url"]) as anonymous:
        for path in paths(world):
            api = anonymous.get(path)
            assert api.status_code == 401 and "示例咖啡" not in api.text and api.json()["login"].startswith("/login")
            html = anonymous.get(path, headers={"Accept": "text/html"})
            assert html.status_code == 303 and html.headers["location"].startswith("/login?next=")
            assert "示例咖啡" not in html.text
    with httpx.Client(base_url=world["url"], cookies={"session": "forged"}) as forged:
        assert {forged.get(path).status_code for path in paths(world)} == {401}


def test_the_overview_shows_each_brand_with_volume_negative_share_complaints_and_open_incidents(world, browser_like):
    page = browser_like.get("/")
    assert page.status_code == 200 and "<svg" in page.text
    conn = reader(world["config"].warehouse)
    try:
        glances = {g.brand: g for g in reads.brands_at_a_glance(conn, reads.as_of(conn), 7, [world["incident"]])}
        (v_daily,) = conn.execute(
            "SELECT sum(mentions) FROM v_daily WHERE brand = 'demo_coffee' AND day >= '2026-11-14'").fetchone()
    finally:
        conn.close()
    coffee = re.search(r'data-brand="demo_coffee">(.*?)</tr>', page.text, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', coffee)
    g = glances["demo_coffee"]
    assert cells == [str(g.mentions_day), str(g.mentions), f"{g.neg / g.mentions:.1%}", str(g.complaints),
                     f"{g.net_sentiment:+.2f}", "1", str(len(world["incident"].alert_ids))]
    assert g.mentions == v_daily  # the 7 local days up to the data's end
    assert "样板茶饮" in page.text and '<span class="status escalated">已升级</span>' in page.text
    assert f'/brandmon/incidents/{world["incident"].incident_id}?lang=zh' in page.text


def test_an_alert_link_opens_its_incident_with_charts_posts_categories_and_timeline(world, browser_like):
    incident = world["incident"]
    conn = reader(world["config"].warehouse)
    try:
        stored = conn.execute("SELECT incident_id, status, escalations, alerts, severity FROM v_incidents "
                              "WHERE audience = 'pr'").fetchall()
    finally:
        conn.close()
    assert stored == [(incident.incident_id, "open", 1, len(incident.alert_ids), incident.severity)]
    hop = browser_like.get(f"/alerts/{incident.alert_ids[-1]}", params={"lang": "en"})
    assert hop.status_code == 303
    assert hop.headers["location"] == f"/brandmon/incidents/{incident.incident_id}?lang=en"
    page = browser_like.get(hop.headers["location"].removeprefix("/brandmon"))
    assert page.status_code == 200
    text = page.text
    assert "示例咖啡" in text and "Posts that matter most" in text and "Timeline of alerts" in text
    assert text.count('class="chart volume-chart"') == 2 and text.count('class="spike-mark"') == 2
    assert "生椰拿铁" in text and "copies" in text and "Quality and safety" in text
    assert len(re.findall(r"· risk \d+\.\d\d", text)) == pages.TOP_POSTS  # the stored risk of each post shown
    assert text.count("<tr><td>2026-11-20") == len(incident.alert_ids)
    assert "severe complaint" in text and "complaints spike" in text
    # the demo's spreading post: how far, whether it accelerates, who carries it
    spread = text.split("How it spreads (reposts)</h2>")[1].split("</section>")[0]
    assert "reposts" in spread and "accelerating" in spread and "top amplifiers" in spread
    # posts are text, never markup: the hostile post and author are escaped
    assert "<img src=x" not in text and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text


def test_pages_speak_the_configured_language_first_and_switch(world, browser_like):
    zh = browser_like.get("/").text
    assert "品牌总览" in zh and 'lang="zh-CN"' in zh and 'href="?lang=en"' in zh
    en = browser_like.get("/", params={"lang": "en"}).text
    assert "Brands" in en and "Open incidents" in en and 'lang="en"' in en
    assert browser_like.get("/", params={"lang": "fr"}).text.count("品牌总览") >= 1


def test_share_of_voice_and_source_health(world, browser_like):
    voice = browser_like.get("/voice", params={"lang": "en"}).text
    assert voice.count('class="voice-group"') == 2 and "示例咖啡 against competitors" in voice
    assert re.search(r"<td>示例咖啡</td><td class=\"num\">\d+</td><td class=\"num\">5\d\.\d%</td>", voice)
    sources = browser_like.get("/sources", params={"lang": "en"}).text
    assert "no archive file at" in sources and "failing" in sources and "manual__1" in sources
    assert sources.count('class="source-row ok"') == 2 and sources.count('class="source-row error"') == 1


def test_unknown_ids_are_not_found_and_an_empty_warehouse_says_to_run_the_pipeline(world, browser_like, tmp_path):
    assert browser_like.get("/incidents/nothing").status_code == 404
    assert browser_like.get("/alerts/nothing").status_code == 404
    empty = tmp_path / "brands.yaml"
    empty.write_text((world["root"] / "brands.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with serve(create_app(loader(empty), viewer)) as url:
        with httpx.Client(cookies={"session": SESSION}) as client:
            page = client.get(f"{url}/")
    assert page.status_code == 503 and "make run" in page.text


def test_the_incident_page_context_marks_the_spike_where_the_alerts_are(world):
    conn = reader(world["config"].warehouse)
    try:
        context = pages.incident(conn, world["incident"].incident_id, timedelta(minutes=15), "zh")
        incident = world["incident"]
        stories = top_posts(conn, PostSelection(incident.brand, incident.start, incident.end), pages.TOP_POSTS)
    finally:
        conn.close()
    episode = ElementTree.fromstring(context["episode_chart"])
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = episode.findall("s:rect[@class='bar mentions']", ns)
    (mark,) = episode.findall("s:rect[@class='spike-mark']", ns)
    assert len(bars) == 6 * 4 + 5  # six hours before, the five buckets of 10:45–12:00, nothing after yet
    first_marked = float(mark.get("x"))
    marked = [b for b in bars if float(b.get("x")) >= first_marked]
    assert len(marked) == 5 and all(int(b.find("s:title", ns).text.split(": ")[1]) >= 7 for b in marked)
    assert [p["text"] for p in context["posts"]] == [" ".join(s.text.split()) for s in stories]  # riskiest first
    assert [p["copies"] for p in context["posts"]] == [s.copies for s in stories] and any(s.copies > 1 for s in stories)
    assert context["posts"][0]["risk"] == f"{stories[0].risk:.2f}"
    assert any(p["text"] == HOSTILE for p in context["posts"])
    assert [name for name, _ in context["reasons"]][:1] and context["categories_chart"].startswith("<svg")


def test_charts_have_round_ticks_escape_labels_and_refuse_uneven_series():
    assert svg.nice_ticks(38) == [0, 10, 20, 30, 40] and svg.nice_ticks(0) == [0, 1] and svg.nice_ticks(3) == [0, 1, 2, 3]
    drawn = svg.volume_chart(["<a>", "b"], [3, 5], [1, 0], [0, 2], ("m", "n", "c"), "t<&>", mark=(1, 1), mark_label="x")
    ElementTree.fromstring(drawn)  # well-formed
    assert "&lt;a&gt;" in drawn and "t&lt;&amp;&gt;" in drawn and 'class="spike-mark"' in drawn
    with pytest.raises(ValueError, match="same length"):
        svg.volume_chart(["a"], [1, 2], [0], [0], ("m", "n", "c"), "t")
    bars = svg.bar_list([("质量安全", 28), ("Refunds and after-sales", 22)], "categories")
    assert ">28<" in bars and ">22<" in bars
    ElementTree.fromstring(svg.stacked_days(["2026-11-19", "2026-11-20"], [("甲", [3, 0]), ("乙", [1, 0])], "s"))
