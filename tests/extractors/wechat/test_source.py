"""extractors.wechat.source (kind wechat_articles): Sogou's WeChat search and the article pages
fetched from a loopback server (the `server` fixture, tests/extractors/conftest.py) serving the
hand-rebuilt pages in fixtures/wechat (see its README)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug import Request, Response

from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.record import Post
from extractors.registry import source_module
from extractors.wechat.source import Settings, extract
from tests.extractors.loopback import fast_options

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wechat"
FETCHED = datetime(2025, 12, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
WINDOW = Window(datetime(2025, 12, 1, 16, 0, tzinfo=timezone.utc), FETCHED)  # from 00:00 in Shanghai
QUERY = BrandQuery("acme", ("艾克米",))
COOKIE = "SUV=00A0000000000001; SNUID=0123456789ABCDEF0123456789ABCDEF"
PAGES = {"1": "search_page1.html", "2": "search_page2.html"}
LINKS = {"4fw..": "link_article0.html", "4fB..": "link_article1.html"}
ARTICLES = {"art0sig": "article0.html", "art1sig": "article_deleted.html", "hb2old0": "article_old0.html"}
TITLES = {"1": "艾克米咖啡全线提价，门店客流下滑", "2": "消费者投诉艾克米会员卡退款难，客服一再推诿",
          "old": "艾克米官方：冬季新品今日上市"}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def html(name: str) -> Response:
    return Response(fixture(name), content_type="text/html; charset=utf-8")


def settings_for(server, **overrides) -> Settings:
    options = fast_options(server, article_base_url=server.url_for("/").rstrip("/"), **overrides)
    return Settings.parse(options, Path("."))


def context(secrets: dict | None = None) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets=secrets or {})


def requests_to(server, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def serve(server, pages: dict[str, str] = PAGES, articles: dict[str, str | int] = ARTICLES, term: str = "艾克米",
          links: dict[str, str] = LINKS) -> None:
    """Search pages by `page` for `term` (other terms find nothing), link pages, article pages
    (an article given as a number answers that HTTP status)."""
    def search(request: Request) -> Response:
        if request.args.get("query") != term:
            return html("search_empty.html")
        return html(pages.get(request.args["page"], "search_empty.html"))

    def link(request: Request) -> Response:
        name = next((page for end, page in links.items() if request.args.get("url", "").endswith(end)), None)
        return html(name) if name else Response("not found", status=404)

    def article(request: Request) -> Response:
        name = articles.get(request.args.get("signature", ""), 404)
        return Response("refused", status=name) if isinstance(name, int) else html(name)

    server.expect_request("/weixin").respond_with_handler(search)
    server.expect_request("/link").respond_with_handler(link)
    server.expect_request("/s").respond_with_handler(article)


def by_title(posts: list[Post]) -> dict[str, Post]:
    return {post.title: post for post in posts}


# --- settings ---------------------------------------------------------------------------------------

def test_the_kind_is_registered():
    assert source_module("wechat_articles").KIND == "wechat_articles"


def test_settings_defaults():
    settings = Settings.parse({}, Path("."))
    assert (settings.base_url, settings.article_base_url) == ("https://weixin.sogou.com", "https://mp.weixin.qq.com")
    assert (settings.max_pages, settings.fetch_bodies, settings.max_bodies, settings.min_interval) == (5, False, 10, 5.0)
    assert (settings.connection, settings.media_accounts, settings.terms) == (None, {}, "all")


def test_media_accounts_may_be_names_or_names_with_followers():
    assert Settings.parse({"media_accounts": ["财经日报"]}, Path(".")).media_accounts == {"财经日报": None}
    assert Settings.parse({"media_accounts": {"财经日报": 2000000, "新华社": None}}, Path(".")).media_accounts == {
        "财经日报": 2000000, "新华社": None}


@pytest.mark.parametrize("options, key", [
    ({"max_pages": 0}, "max_pages"),
    ({"max_pages": 51}, "max_pages"),
    ({"max_bodies": 0}, "max_bodies"),
    ({"fetch_bodies": "yes"}, "fetch_bodies"),
    ({"base_url": "weixin.sogou.com"}, "base_url"),
    ({"article_base_url": "ftp://mp.weixin.qq.com"}, "article_base_url"),
    ({"media_accounts": "财经日报"}, "media_accounts"),
    ({"media_accounts": {"财经日报": -1}}, "media_accounts"),
    ({"media_accounts": {"财经日报": True}}, "media_accounts"),
    ({"terms": "some"}, "terms"),
    ({"cookie": "SNUID=..."}, "cookie"),  # a cookie never goes in the config: `connection` names one
])
def test_bad_settings_name_the_key(options, key):
    with pytest.raises(SettingsError) as raised:
        Settings.parse(options, Path("."))
    assert raised.value.key == key


# --- search -----------------------------------------------------------------------------------------

def test_search_asks_for_the_windows_days_and_pages_to_the_last_page(server):
    serve(server)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok", result.health
    searches = requests_to(server, "/weixin")
    assert [(r.args["type"], r.args["query"], r.args["tsn"], r.args["ft"], r.args["et"], r.args["page"])
            for r in searches] == [("2", "艾克米", "5", "2025-12-02", "2025-12-02", "1"),
                                   ("2", "艾克米", "5", "2025-12-02", "2025-12-02", "2")]  # page 2 links no next
    assert searches[0].headers["Referer"].endswith("/weixin?type=2&query=%E8%89%BE%E5%85%8B%E7%B1%B3&ie=utf8")
    assert "Cookie" not in searches[0].headers
    assert requests_to(server, "/link") == [] and requests_to(server, "/s") == []  # no bodies unless asked
    # inside the window only: not the 13:30 article nor the one of the day before
    assert [post.title for post in result.posts] == [TITLES["1"], TITLES["2"], TITLES["old"]]
    assert len(result.quarantined) == 1 and result.quarantined[0].location == "search '艾克米' page 1#2"
    assert "no publish time" in result.quarantined[0].reason
    assert (result.health.pages, result.health.page_cap_hits, result.health.requests) == (2, 0, len(server.log))


def test_a_result_becomes_a_wechat_post_whose_account_is_its_author(server):
    serve(server)
    posts = by_title(extract(settings_for(server), QUERY, WINDOW, context()).posts)
    price = posts[TITLES["1"]]
    assert (price.platform, price.source, price.author) == ("wechat", "wechat_articles", "财经日报")
    assert price.published_at == datetime(2025, 12, 2, 1, 15, tzinfo=timezone.utc)  # 09:15 in Shanghai
    assert price.text == TITLES["1"] + "\n记者走访发现，艾克米咖啡本周起多款饮品上调价格，部分门店午间客流明显减少…"
    assert price.url == server.url_for("/link") + "?url=" + price.url.split("?url=", 1)[1]
    assert price.url.endswith("&type=2&query=%E8%89%BE%E5%85%8B%E7%B1%B3")
    assert price.extra["summary"].startswith("记者走访发现") and "article_status" not in price.extra
    assert (price.author_verified, price.author_followers, price.author_id) == (None, None, None)
    official = posts[TITLES["old"]]
    assert (official.author, official.author_id, official.author_verified) == (
        "艾克米咖啡", "oIWsFtACMEofficial0000000001", "verified")  # data-isV="1" in the older layout
    assert official.url.startswith("http://mp.weixin.qq.com/s?src=3&timestamp=1764648000")


def test_listed_media_accounts_weigh_as_verified_media_with_their_reach(server):
    serve(server)
    settings = settings_for(server, media_accounts={"财经日报": 2_000_000, "艾克米咖啡": None})
    posts = by_title(extract(settings, QUERY, WINDOW, context()).posts)
    assert (posts[TITLES["1"]].author_verified, posts[TITLES["1"]].author_followers) == ("media", 2_000_000)
    assert (posts[TITLES["old"]].author_verified, posts[TITLES["old"]].author_followers) == ("media", None)
    assert (posts[TITLES["2"]].author_verified, posts[TITLES["2"]].author_followers) == (None, None)


def test_every_term_is_searched_and_an_article_found_twice_is_one_post(server):
    def search(request: Request) -> Response:
        return html(PAGES.get(request.args["page"], "search_empty.html"))
    server.expect_request("/weixin").respond_with_handler(search)
    result = extract(settings_for(server), BrandQuery("acme", ("艾克米", "ACME", "艾克米")), WINDOW, context())
    assert [(r.args["query"], r.args["page"]) for r in requests_to(server, "/weixin")] == [
        ("艾克米", "1"), ("艾克米", "2"), ("ACME", "1"), ("ACME", "2")]
    assert len(result.posts) == 3 and len({post.native_id for post in result.posts}) == 3


def test_the_same_article_gets_the_same_id_in_every_run(server):
    serve(server)
    first = extract(settings_for(server), QUERY, WINDOW, context()).posts
    again = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context()).posts
    assert [post.native_id for post in first] == [post.native_id for post in again]


def test_terms_primary_searches_the_first_term_only(server):
    serve(server)
    extract(settings_for(server, terms="primary"), BrandQuery("acme", ("艾克米", "ACME")), WINDOW, context())
    assert {r.args["query"] for r in requests_to(server, "/weixin")} == {"艾克米"}


def test_a_window_over_midnight_asks_for_both_days(server):
    serve(server)
    window = Window(datetime(2025, 12, 1, 15, 0, tzinfo=timezone.utc), datetime(2025, 12, 1, 17, 0, tzinfo=timezone.utc))
    result = extract(settings_for(server), QUERY, window, context())
    first = requests_to(server, "/weixin")[0]
    assert (first.args["ft"], first.args["et"]) == ("2025-12-01", "2025-12-02")
    assert [post.title for post in result.posts] == ["昨夜艾克米门店排起长队"]  # 23:50, the only one in 23:00 to 01:00


def test_a_search_that_finds_nothing_is_ok(server):
    server.expect_request("/weixin").respond_with_data(fixture("search_empty.html"), content_type="text/html")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok" and result.posts == [] and result.health.pages == 1
    assert result.health.error_kind is None and result.quarantined == []


def test_the_page_cap_is_counted_and_noted(server):
    serve(server)
    result = extract(settings_for(server, max_pages=1), QUERY, WINDOW, context())
    assert len(requests_to(server, "/weixin")) == 1
    assert result.health.status == "ok" and result.health.page_cap_hits == 1
    assert result.health.notes == ["search '艾克米': page cap: stopped at max_pages=1 with more pages listed; "
                                   "articles of the window may be missing (raise max_pages)"]
    assert [post.title for post in result.posts] == [TITLES["1"], TITLES["2"]]


def test_sogous_limit_for_anonymous_visitors_is_counted_as_a_cap(server):
    serve(server, pages={"1": "search_page1.html", "2": "search_capped.html"})
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok" and result.health.page_cap_hits == 1
    assert "Sogou shows anonymous visitors 100 results" in result.health.notes[0]
    assert [post.title for post in result.posts] == [TITLES["1"], TITLES["2"]]


def test_the_cookie_of_the_connection_is_sent_to_sogou_only(server):
    serve(server)
    extract(settings_for(server, connection="wechat_sogou", fetch_bodies=True), QUERY, WINDOW,
            context({"cookie": COOKIE}))
    assert {r.headers.get("Cookie") for r in requests_to(server, "/weixin") + requests_to(server, "/link")} == {COOKIE}
    assert {r.headers.get("Cookie") for r in requests_to(server, "/s")} == {None}


# --- bodies -----------------------------------------------------------------------------------------

def test_bodies_are_read_through_sogous_link_pages(server):
    serve(server)
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert result.health.status == "ok", result.health
    assert [r.args["url"][-5:] for r in requests_to(server, "/link")] == ["4fw..", "4fB.."]  # the old layout needs none
    assert [r.args["signature"] for r in requests_to(server, "/s")] == ["art0sig", "art1sig", "hb2old0"]
    posts = by_title(result.posts)
    price = posts[TITLES["1"]]
    assert price.text.startswith(TITLES["1"] + "\n记者走访发现，艾克米咖啡本周起多款饮品上调价格，大杯拿铁由28元涨至32元。")
    assert price.text.endswith("艾克米方面尚未就提价原因作出正式说明。") and "不会再来了" in price.text
    assert price.url == "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001&idx=1&sn=0a0b0c0d0e0f"
    assert price.extra["article_status"] == "read" and price.extra["summary"].startswith("记者走访发现")
    deleted = posts[TITLES["2"]]
    assert deleted.text.endswith("迟迟没有结果...") and deleted.extra["article_status"] == "deleted"
    assert deleted.url == "https://mp.weixin.qq.com/s?src=11&timestamp=1764648000&ver=6000&signature=art1sig"
    official = posts[TITLES["old"]]
    assert "姜汁燕麦拿铁" in official.text and official.extra["article_status"] == "read"
    assert official.url == "http://mp.weixin.qq.com/s?src=3&timestamp=1764648000&ver=1&signature=hb2old0"
    assert any("shows the article deleted (该内容已被发布者删除)" in note for note in result.health.notes)


def test_max_bodies_caps_the_article_pages_read(server):
    serve(server)
    result = extract(settings_for(server, fetch_bodies=True, max_bodies=1), QUERY, WINDOW, context())
    assert len(requests_to(server, "/s")) == 1 and len(requests_to(server, "/link")) == 1
    assert "bodies: read 1 of 3 articles (max_bodies); the others keep their summary" in result.health.notes
    assert [post.extra.get("article_status") for post in result.posts] == ["read", None, None]


def test_long_bodies_are_cut_and_marked(server):
    serve(server)
    posts = by_title(extract(settings_for(server, fetch_bodies=True, max_text_chars=10), QUERY, WINDOW, context()).posts)
    assert posts[TITLES["1"]].text == TITLES["1"] + "\n记者走访发现，艾克米…"
    assert posts[TITLES["1"]].extra["truncated"] is True


def test_an_expired_link_keeps_the_summary(server):
    serve(server, articles={**ARTICLES, "art0sig": "article_expired.html"})
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    price = by_title(result.posts)[TITLES["1"]]
    assert price.extra["article_status"] == "expired" and price.text.endswith("部分门店午间客流明显减少…")
    assert result.health.status == "ok"


def test_a_missing_article_is_noted_and_the_others_are_read(server):
    serve(server, articles={"art1sig": "article_deleted.html", "hb2old0": "article_old0.html"})
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert result.health.status == "ok" and len(requests_to(server, "/s")) == 3
    assert any(note.startswith("bodies: HTTP 404 from") for note in result.health.notes)
    assert by_title(result.posts)[TITLES["old"]].extra["article_status"] == "read"


def test_a_refused_article_page_is_transient_not_a_cookie_problem(server):
    serve(server, articles={**ARTICLES, "art0sig": 403})
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "transient"
    assert result.health.message.startswith("WeChat article " + server.url_for("/s") + "?src=11")
    assert "HTTP 403" in result.health.message and "connection" not in result.health.message
    assert len(requests_to(server, "/s")) == 1 and len(result.posts) == 3


def test_a_link_page_that_is_gone_or_gives_no_address_is_a_note(server):
    serve(server, links={"4fB..": "search_empty.html"})  # the first link answers 404, the second no address
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert result.health.status == "ok" and [r.args["signature"] for r in requests_to(server, "/s")] == ["hb2old0"]
    notes = [note for note in result.health.notes if note.startswith("bodies:")]
    assert len(notes) == 2 and notes[0].startswith("bodies: HTTP 404 from") and "gave no article address" in notes[1]
    assert [post.extra.get("article_status") for post in result.posts] == [None, None, "read"]


def test_an_article_page_of_unknown_shape_is_quarantined(server):
    serve(server, articles={**ARTICLES, "art0sig": "layout_changed.html"})
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert [q.reason for q in result.quarantined][-1] == "article page without #js_content"
    assert by_title(result.posts)[TITLES["1"]].extra["article_status"] == "unrecognised"


# --- failures ---------------------------------------------------------------------------------------

def test_sogous_verification_page_is_an_auth_error_asking_for_a_cookie(server):
    server.expect_request("/weixin").respond_with_response(Response(
        "", status=302, headers={"Location": "/antispider/?from=%2Fweixin%3Ftype%3D2"}))
    server.expect_request("/antispider/").respond_with_data(fixture("antispider.html"), content_type="text/html")
    result = extract(settings_for(server), BrandQuery("acme", ("艾克米", "ACME")), WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == "auth" and result.posts == []
    assert "answered Sogou's verification (anti-spider) page" in result.health.message
    assert "/weixin?type=2&query=" in result.health.message and "add `connection:`" in result.health.message
    assert len(requests_to(server, "/weixin")) == 1  # a wall stops every term
    assert result.quarantined == []


def test_a_verification_page_answered_in_place_is_recognised(server):
    server.expect_request("/weixin").respond_with_data(fixture("antispider.html"), content_type="text/html")
    result = extract(settings_for(server, connection="wechat_sogou"), QUERY, WINDOW, context({"cookie": COOKIE}))
    assert result.health.error_kind == "auth"
    assert "renew the cookie in Airflow Connection 'wechat_sogou'" in result.health.message


def test_http_403_from_sogou_is_an_auth_error_with_this_sources_hint(server):
    server.expect_request("/weixin").respond_with_data("forbidden", status=403)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "auth" and result.health.message.startswith("Sogou asks for a login: HTTP 403")
    assert result.health.message.count("add `connection:`") == 1


def test_a_wall_on_a_later_page_keeps_the_earlier_posts(server):
    serve(server, pages={"1": "search_page1.html", "2": "antispider.html"})
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "auth"
    assert [post.title for post in result.posts] == [TITLES["1"], TITLES["2"]]


def test_a_wall_on_a_link_page_stops_the_bodies_and_keeps_the_posts(server):
    server.expect_request("/weixin").respond_with_handler(lambda r: html(PAGES.get(r.args["page"], "search_empty.html")))
    server.expect_request("/link").respond_with_data(fixture("antispider.html"), content_type="text/html")
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "auth"
    assert len(requests_to(server, "/link")) == 1 and requests_to(server, "/s") == []
    assert len(result.posts) == 3 and all("article_status" not in post.extra for post in result.posts)


def test_wechats_verification_page_is_transient_and_keeps_the_posts(server):
    serve(server, articles={**ARTICLES, "art0sig": "article_verification.html"})
    result = extract(settings_for(server, fetch_bodies=True), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "transient"
    assert "answered WeChat's verification page" in result.health.message
    assert len(requests_to(server, "/s")) == 1  # stopped at the wall
    assert len(result.posts) == 3


def test_a_page_of_unknown_shape_is_permanent_and_quarantined(server):
    server.expect_request("/weixin").respond_with_data(fixture("layout_changed.html"), content_type="text/html")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == "permanent" and result.posts == []
    assert "titled '搜狗微信搜索'" in result.health.message and "neither results nor the no-result notice" in (
        result.health.message)
    assert [q.raw for q in result.quarantined] == [fixture("layout_changed.html")]


def test_an_empty_page_is_transient(server):
    server.expect_request("/weixin").respond_with_data("", content_type="text/html")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "transient" and "empty page" in result.health.message


def test_a_rate_limit_is_retried_then_transient_keeping_earlier_pages(server):
    def search(request: Request) -> Response:
        return Response("slow down", status=429) if request.args["page"] == "2" else html("search_page1.html")
    server.expect_request("/weixin").respond_with_handler(search)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "transient"
    assert "HTTP 429" in result.health.message and "after 2 attempts" in result.health.message
    assert len(result.posts) == 2


def test_robots_txt_is_obeyed(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /weixin\n")
    result = extract(settings_for(httpserver), QUERY, WINDOW, context())
    assert result.health.error_kind == "permanent" and "robots.txt" in result.health.message
    assert result.health.requests == 1  # robots.txt only
