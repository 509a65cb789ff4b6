"""RSS/Atom: real Chinese feeds, encodings, dates, ids, and fetching against a loopback server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from extractors import rss
from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.timeparse import SHANGHAI
from tests.shared_data import shared_path

FEEDS = shared_path("fixtures", "feeds_zh")
needs_feeds = pytest.mark.skipif(not FEEDS.is_dir(), reason=f"shared real feeds not present at {FEEDS}")
FETCHED = datetime(2025, 12, 2, 4, 0, tzinfo=timezone.utc)
UA = "brandmon-test/1.0 (+https://example.invalid/brandmon)"


def parse(body: bytes, **options):
    options.setdefault("content_type", None)
    return rss.parse_feed(body, source_url="https://feeds.example.com/feed.xml", platform="news",
                          fetched_at=FETCHED, **options)


def rss_document(items: str, *, encoding: str = "utf-8", channel_extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>投诉快讯</title>'
            f"<link>https://feeds.example.com/</link>{channel_extra}{items}</channel></rss>").encode(
        "gb18030" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding)


# --- real feeds ---------------------------------------------------------------------------------


@needs_feeds
@pytest.mark.parametrize("name", ["atom_ruanyifeng.xml", "atom_v2ex.xml", "rss_meituan.xml", "rss_ruanyifeng.xml"])
def test_every_entry_of_a_real_feed_becomes_a_post(name):
    body = (FEEDS / name).read_bytes()
    expected = len(re.findall(rb"<entry>|<item>", body))
    posts, quarantined, notes = parse(body)
    assert len(posts) == expected and expected > 0
    assert quarantined == [] and notes == []
    assert len({post.key for post in posts}) == len(posts)
    for post in posts:
        assert post.text and not re.search(r"</?(p|div|a|img|br|span|h\d)\b", post.text)
        assert post.published_at.tzinfo == timezone.utc
        assert post.url and post.url.startswith("http")


@needs_feeds
def test_real_atom_entry_fields():
    posts, _, _ = parse((FEEDS / "atom_v2ex.xml").read_bytes())
    first = posts[0]
    assert first.native_id == "tag:www.v2ex.com,2025-12-01:/t/1176092"
    assert first.title == "[生活] 因为智能家居吵架"
    assert first.author == "terito11122"
    assert first.published_at == datetime(2025, 12, 1, 3, 52, 42, tzinfo=timezone.utc)
    assert first.text.startswith("[生活] 因为智能家居吵架\n背景：家里装了很多小米的设备")
    assert first.platform == "news" and first.source == "rss"


@needs_feeds
def test_real_rss_dates_with_offsets_and_guid_ids():
    posts, _, _ = parse((FEEDS / "rss_ruanyifeng.xml").read_bytes())
    weekly = posts[0]
    assert weekly.published_at == datetime(2025, 11, 28, 0, 14, 6, tzinfo=timezone.utc)  # "+0800" honoured
    assert weekly.native_id == "http://www.ruanyifeng.com/blog/2025/11/weekly-issue-375.html"
    assert weekly.extra["tags"] == ["Weekly"]


@needs_feeds
def test_long_articles_are_clipped_and_flagged():
    posts, _, _ = parse((FEEDS / "rss_ruanyifeng.xml").read_bytes(), max_text_chars=300)
    assert all(len(post.text) <= 301 for post in posts)
    assert any(post.extra.get("truncated") for post in posts)


# --- encodings ----------------------------------------------------------------------------------

GBK_ITEM = ("<item><title>某品牌手机投诉</title><link>https://feeds.example.com/a/1</link>"
            "<guid>complaint-1</guid><pubDate>Mon, 01 Dec 2025 10:00:00 +0800</pubDate>"
            "<description>电池续航太差，客服不处理。</description></item>")


@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/xml; charset=utf-8",
                                          "text/xml; charset=ISO-8859-1", "text/xml; charset=GBK"])
def test_gbk_feed_decodes_whatever_the_header_says(content_type):
    posts, quarantined, _ = parse(rss_document(GBK_ITEM, encoding="gb2312"), content_type=content_type)
    assert quarantined == []
    assert posts[0].title == "某品牌手机投诉"
    assert "电池续航太差，客服不处理。" in posts[0].text


def test_utf8_feed_labelled_gbk_in_its_declaration_is_fixed():
    body = rss_document(GBK_ITEM).replace(b'encoding="utf-8"', b'encoding="gbk"')
    posts, _, _ = parse(body)
    assert posts[0].title == "某品牌手机投诉"


def cut_summary_item(number: int, title: str, summary: str, keep: int) -> bytes:
    """An RSS item whose summary a PHP site cut to `keep` bytes, wherever the cut falls."""
    return (f"<item><title>{title}</title><guid>n{number}</guid><pubDate>Mon, 01 Dec 2025 10:00:00 +0800</pubDate>"
            "<description>").encode() + summary.encode()[:keep] + "…</description></item>".encode()


@pytest.mark.parametrize("content_type", ["application/rss+xml; charset=utf-8", None])
def test_a_cut_character_in_a_utf8_feed_garbles_nothing_else(content_type):
    """One summary cut inside a character: every title stays right, the damage is counted."""
    titles = ["某品牌手机投诉", "客服电话打不通", "退款三个月没到账"]
    items = [cut_summary_item(0, titles[0], "电池续航太差，客服不处理。", 100),
             cut_summary_item(1, titles[1], "打了二十次都是忙音，", 11),  # two bytes of the fourth character
             cut_summary_item(2, titles[2], "申请退款后一直显示处理中。", 100)]
    body = rss_document("").replace(b"</channel>", b"".join(items) + b"</channel>")
    posts, quarantined, notes = parse(body, content_type=content_type)
    assert [post.title for post in posts] == titles and quarantined == []
    assert posts[1].text == "客服电话打不通\n打了二\ufffd…"
    assert notes == ["https://feeds.example.com/feed.xml: 2 invalid bytes replaced (decoded as utf-8)"]


# --- dates, ids, text ---------------------------------------------------------------------------


def test_relative_dates_resolve_against_the_fetch_time():
    items = ("<item><title>一</title><guid>1</guid><pubDate>3小时前</pubDate></item>"
             "<item><title>二</title><guid>2</guid><pubDate>昨天 09:30</pubDate></item>")
    posts, _, _ = parse(rss_document(items))
    assert posts[0].published_at == FETCHED - timedelta(hours=3)
    assert posts[1].published_at == datetime(2025, 12, 1, 9, 30, tzinfo=SHANGHAI)


def test_undated_entries_are_quarantined_by_default():
    items = "<item><title>没有日期</title><guid>nodate</guid></item>" + GBK_ITEM
    posts, quarantined, _ = parse(rss_document(items))
    assert [post.native_id for post in posts] == ["complaint-1"]
    assert len(quarantined) == 1 and "no date" in quarantined[0].reason
    assert "nodate" in quarantined[0].raw


def test_undated_entries_can_take_the_feeds_own_date():
    items = "<item><title>没有日期</title><guid>nodate</guid></item>"
    channel = "<lastBuildDate>Mon, 01 Dec 2025 08:00:00 +0800</lastBuildDate>"
    posts, quarantined, _ = parse(rss_document(items, channel_extra=channel), undated="feed_date")
    assert quarantined == []
    assert posts[0].published_at == datetime(2025, 12, 1, 0, 0, tzinfo=timezone.utc)


def test_html_summary_becomes_plain_text_keeping_emoticon_alts():
    summary = ("&lt;p&gt;质量&lt;b&gt;太差&lt;/b&gt;了&lt;img alt=\"[怒]\" src=\"x.png\"&gt;&lt;/p&gt;"
               "&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;要求退款&lt;/p&gt;")
    items = f"<item><title>差评</title><guid>h</guid><pubDate>2025-12-01 10:00</pubDate><description>{summary}</description></item>"
    posts, _, _ = parse(rss_document(items))
    assert posts[0].text == "差评\n质量太差了[怒]\n要求退款"


def test_entries_without_guid_use_the_link_then_a_stable_hash():
    items = ("<item><title>有链接</title><link>https://feeds.example.com/a/9</link><pubDate>2025-12-01</pubDate></item>"
             "<item><title>什么都没有</title><pubDate>2025-12-01</pubDate></item>")
    first, _, _ = parse(rss_document(items))
    again, _, _ = parse(rss_document(items))
    assert first[0].native_id == "https://feeds.example.com/a/9"
    assert first[1].native_id == again[1].native_id and len(first[1].native_id) == 24


def test_relative_links_resolve_against_the_feed_url():
    items = "<item><title>相对</title><link>/a/7</link><pubDate>2025-12-01</pubDate></item>"
    posts, _, _ = parse(rss_document(items))
    assert posts[0].url == "https://feeds.example.com/a/7"


def test_atom_links_resolve_against_their_own_entrys_xml_base_or_the_feed_url():
    """Only the first entry has xml:base: the second's relative link is the feed's, not the first's."""
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>news</title><id>urn:feed</id><updated>2025-12-01T03:00:00Z</updated>
<entry xml:base="https://mirror.example.net/news/"><title>one</title><id>urn:1</id>
  <link href="2025/one.html"/><updated>2025-12-01T01:00:00Z</updated></entry>
<entry><title>two</title><id>urn:2</id><link href="posts/two.html"/><updated>2025-12-01T02:00:00Z</updated></entry>
</feed>"""
    posts, _, _ = parse(atom)
    assert [post.url for post in posts] == ["https://mirror.example.net/news/2025/one.html",
                                            "https://feeds.example.com/posts/two.html"]


def test_entry_without_title_or_text_is_quarantined():
    posts, quarantined, _ = parse(rss_document("<item><guid>empty</guid><pubDate>2025-12-01</pubDate></item>"))
    assert posts == [] and "neither title nor text" in quarantined[0].reason


# --- broken documents ---------------------------------------------------------------------------


def test_truncated_feed_keeps_recovered_entries_and_quarantines_the_document():
    body = rss_document(GBK_ITEM + GBK_ITEM.replace("complaint-1", "complaint-2"))
    cut = body[: body.index(b"complaint-2") + 20]
    posts, quarantined, notes = parse(cut)
    assert "complaint-1" in [post.native_id for post in posts]
    assert any("malformed feed" in item.reason for item in quarantined)
    assert notes and "malformed" in notes[0]


@pytest.mark.parametrize("body", [b"", b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                                  b"{\"ok\": 0}", b"\x00\xff\xfe garbage",
                                  b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut before its first item'])
def test_a_document_that_is_not_a_feed_is_a_permanent_error_and_kept_in_quarantine(body):
    with pytest.raises(rss.NotAFeed) as caught:
        parse(body)
    assert caught.value.kind == "permanent" and "https://feeds.example.com/feed.xml" in str(caught.value)
    assert caught.value.document.location == "https://feeds.example.com/feed.xml"


def test_an_html_page_where_the_feed_was_expected_says_so_with_its_title():
    with pytest.raises(rss.NotAFeed) as caught:
        parse(b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
    assert "an HTML page" in str(caught.value) and "502 Bad Gateway" in str(caught.value)


def test_a_login_page_where_the_feed_was_expected_is_an_auth_error():
    page = ('<html><head><title>用户登录</title></head><body><form action="/account/signin">'
            '<input name="user"><input type="password" name="pw"></form></body></html>').encode()
    with pytest.raises(rss.NotAFeed) as caught:
        parse(page)
    assert caught.value.kind == "auth" and "login" in str(caught.value)


def test_a_feed_without_entries_is_an_empty_feed_not_an_error():
    assert parse(rss_document("")) == ([], [], [])


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_parser(body):
    try:
        posts, quarantined, notes = parse(body)
    except rss.NotAFeed as error:
        assert error.kind in ("permanent", "auth") and error.document.raw is not None
    else:
        assert isinstance(posts, list) and isinstance(quarantined, list) and isinstance(notes, list)


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.binary(max_size=20))
def test_truncated_or_spliced_feeds_never_crash(cut, junk):
    body = rss_document(GBK_ITEM * 5, encoding="gbk")
    try:
        posts, _, _ = parse(body[:cut] + junk + body[cut:cut + 200])
    except rss.NotAFeed:
        return
    assert all(post.text for post in posts)


# --- settings and URLs --------------------------------------------------------------------------


def test_query_template_gets_each_term_url_encoded():
    settings = rss.Settings.parse({"url": "https://news.example.com/rss?q={query}&hl=zh-CN"}, Path("."))
    query = BrandQuery("acme", ("小米", "Xiaomi 14", "小米"))
    assert rss.feed_urls(settings, query) == [
        "https://news.example.com/rss?q=%E5%B0%8F%E7%B1%B3&hl=zh-CN",
        "https://news.example.com/rss?q=Xiaomi%2014&hl=zh-CN",
    ]
    primary = rss.Settings.parse({"url": settings.url, "terms": "primary"}, Path("."))
    assert rss.feed_urls(primary, query) == ["https://news.example.com/rss?q=%E5%B0%8F%E7%B1%B3&hl=zh-CN"]


def test_gbk_query_encoding_for_old_sites():
    settings = rss.Settings.parse({"url": "https://old.example.com/s?kw={query}", "query_encoding": "gb18030"}, Path("."))
    assert rss.feed_urls(settings, BrandQuery("acme", ("小米",))) == ["https://old.example.com/s?kw=%D0%A1%C3%D7"]


def test_site_feed_without_template_is_fetched_once_and_platform_defaults_to_host():
    settings = rss.Settings.parse({"url": "https://www.example.com/feed"}, Path("."))
    assert rss.feed_urls(settings, BrandQuery("acme", ("a", "b"))) == ["https://www.example.com/feed"]
    assert settings.platform == "example.com"


@pytest.mark.parametrize(("options", "key"), [
    ({}, "url"), ({"url": "ftp://x/feed"}, "url"), ({"url": "https://x/f", "terms": "some"}, "terms"),
    ({"url": "https://x/f", "undated": "now"}, "undated"), ({"url": "https://x/f", "timeout": "soon"}, "timeout"),
    ({"url": "https://x/f", "max_bytes": 0}, "max_bytes"), ({"url": "https://x/f", "term": "all"}, "term"),
])
def test_bad_settings_name_the_key(options, key):
    with pytest.raises(SettingsError) as caught:
        rss.Settings.parse(options, Path("."))
    assert caught.value.key == key


# --- fetching -----------------------------------------------------------------------------------


def loopback_settings(httpserver, path: str, **extra) -> rss.Settings:
    options = {"url": httpserver.url_for(path), "min_interval": 0, "backoff": 0.01, "platform": "news", **extra}
    return rss.Settings.parse(options, Path("."))


def context(**secrets) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets=secrets, user_agent=UA)


WINDOW = Window(datetime(2025, 12, 1, tzinfo=timezone.utc), datetime(2025, 12, 2, tzinfo=timezone.utc))
QUERY = BrandQuery("acme", ("小米", "Xiaomi"))


def serve_robots(httpserver, rules: str = "User-agent: *\nAllow: /\n") -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(rules)


def test_extract_fetches_each_term_and_keeps_the_window_without_duplicates(httpserver):
    serve_robots(httpserver)
    inside = GBK_ITEM
    outside = GBK_ITEM.replace("complaint-1", "old").replace("01 Dec 2025", "01 Nov 2025")
    for term in ("小米", "Xiaomi"):
        httpserver.expect_request("/search", query_string={"q": term}).respond_with_data(
            rss_document(inside + outside, encoding="gbk"), content_type="application/rss+xml")
    settings = loopback_settings(httpserver, "/search?q={query}")
    result = rss.extract(settings, QUERY, WINDOW, context())
    assert [post.native_id for post in result.posts] == ["complaint-1"]
    assert result.health.status == "ok" and result.health.pages == 2 and result.health.requests == 3


def test_extract_retries_a_500(httpserver):
    serve_robots(httpserver)
    httpserver.expect_oneshot_request("/feed").respond_with_data("oops", status=500)
    httpserver.expect_request("/feed").respond_with_data(rss_document(GBK_ITEM))
    result = rss.extract(loopback_settings(httpserver, "/feed"), QUERY, WINDOW, context())
    assert len(result.posts) == 1 and result.health.status == "ok"


def test_extract_reports_a_login_wall_naming_the_connection(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/private.xml").respond_with_data("", status=302, headers={"Location": "/account/login"})
    settings = loopback_settings(httpserver, "/private.xml", connection="vendor_feed")
    result = rss.extract(settings, QUERY, WINDOW, context(cookie="session=1"))
    assert result.health.status == "error" and result.health.error_kind == "auth"
    assert "vendor_feed" in result.health.message
    assert "session=1" not in result.health.message


def test_extract_sends_the_connections_cookie(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/members.xml", headers={"Cookie": "session=abc"}).respond_with_data(rss_document(GBK_ITEM))
    settings = loopback_settings(httpserver, "/members.xml", connection="vendor_feed")
    result = rss.extract(settings, QUERY, WINDOW, context(password="session=abc"))
    assert len(result.posts) == 1


def test_extract_honours_robots_and_never_fetches_the_feed(httpserver):
    serve_robots(httpserver, "User-agent: *\nDisallow: /feed\n")
    httpserver.expect_request("/feed").respond_with_data(rss_document(GBK_ITEM))
    result = rss.extract(loopback_settings(httpserver, "/feed"), QUERY, WINDOW, context())
    assert result.health.error_kind == "permanent" and "robots.txt" in result.health.message
    assert "/feed" not in [request.path for request, _ in httpserver.log]


def test_extract_keeps_earlier_terms_when_a_later_one_fails(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/s", query_string={"q": "小米"}).respond_with_data(rss_document(GBK_ITEM))
    httpserver.expect_request("/s", query_string={"q": "Xiaomi"}).respond_with_data("", status=404)
    result = rss.extract(loopback_settings(httpserver, "/s?q={query}"), QUERY, WINDOW, context())
    assert len(result.posts) == 1
    assert result.health.status == "partial" and result.health.error_kind == "permanent"


def test_extract_quarantines_a_broken_feed_and_returns_health(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/feed").respond_with_data(b"<rss><channel><item><title>\xff\xfe")
    result = rss.extract(loopback_settings(httpserver, "/feed"), QUERY, WINDOW, context())
    assert result.posts == [] and result.quarantined
    assert result.health.status == "ok" and any("malformed feed" in note for note in result.health.notes)


def test_extract_of_an_html_error_page_is_an_error_naming_the_url_not_ok_with_no_posts(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/feed").respond_with_data(
        "<html><head><title>系统维护中</title></head><body>请稍后访问</body></html>", content_type="text/html")
    result = rss.extract(loopback_settings(httpserver, "/feed"), QUERY, WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == "permanent"
    assert httpserver.url_for("/feed") in result.health.message and "系统维护中" in result.health.message
    assert [item.location for item in result.quarantined] == [httpserver.url_for("/feed")]


def test_extract_of_an_empty_feed_is_ok(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/feed").respond_with_data(rss_document(""), content_type="application/rss+xml")
    result = rss.extract(loopback_settings(httpserver, "/feed"), QUERY, WINDOW, context())
    assert result.health.status == "ok" and result.posts == [] and result.quarantined == []
