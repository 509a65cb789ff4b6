"""extractors.heimao.source (kind heimao): keyword search and company lists fetched from a
loopback server (the `server` fixture, tests/extractors/conftest.py) serving the hand-rebuilt
answers in fixtures/heimao (see its README)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug import Request, Response

from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.heimao.source import Settings, extract
from extractors.registry import source_module
from tests.extractors.loopback import fast_options, json_response

FIXTURES = Path(__file__).parent.parent / "fixtures" / "heimao"
FETCHED = datetime(2025, 12, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
WINDOW = Window(datetime(2025, 12, 1, 16, 0, tzinfo=timezone.utc), FETCHED)  # from 00:00 in Shanghai
QUERY = BrandQuery("acme", ("艾克米",))
COOKIE = "SUB=_2A25heimao; SUBP=0033heimao"
SEARCH, COMPANY = "/api/index/s", "/api/company/received_complaints"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def settings_for(server, **overrides) -> Settings:
    return Settings.parse(fast_options(server, **overrides), Path("."))


def context(secrets: dict | None = None) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets=secrets or {})


def requests_to(server, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def serve_search(server, pages: dict[str, str], term: str = "艾克米") -> None:
    """Search pages by `page` for `term`; other terms and unknown pages find nothing."""
    def handler(request: Request) -> Response:
        if request.args.get("keywords") != term:
            return json_response(fixture("search_empty.json"))
        return json_response(fixture(pages.get(request.args["page"], "search_empty.json")))
    server.expect_request(SEARCH).respond_with_handler(handler)


def serve_company(server, couid: str = "5350527288") -> None:
    def handler(request: Request) -> Response:
        if request.args.get("couid") != couid:
            return Response("gone", status=404)
        return json_response(fixture(f"company_page{request.args['page']}.json"))
    server.expect_request(COMPANY).respond_with_handler(handler)


def serve_once_then_search(server, body: str, status: int = 200, content_type: str = "text/html; charset=utf-8"):
    server.expect_oneshot_request(SEARCH).respond_with_data(body, status=status, content_type=content_type)
    serve_search(server, {"1": "search_page1.json", "2": "search_page2.json", "3": "search_page3.json"})


ALL_PAGES = {"1": "search_page1.json", "2": "search_page2.json", "3": "search_page3.json"}


# --- settings ---------------------------------------------------------------------------------------

def test_the_kind_is_registered():
    assert source_module("heimao").KIND == "heimao"


def test_settings_defaults():
    settings = Settings.parse({}, Path("."))
    assert (settings.mode, settings.terms, settings.base_url) == ("search", "all", "https://tousu.sina.com.cn")
    assert (settings.max_pages, settings.page_size, settings.min_interval, settings.connection) == (5, 10, 2.0, None)


def test_company_ids_may_be_one_number_or_a_list():
    assert Settings.parse({"mode": "company", "couid": 5350527288}, Path(".")).couid == ("5350527288",)
    assert Settings.parse({"mode": "company", "couid": ["1", "2", 1]}, Path(".")).couid == ("1", "2")


@pytest.mark.parametrize("options, key", [
    ({"mode": "company"}, "couid"),
    ({"mode": "company", "couid": ["tousu.sina.com.cn/company/view/?couid=1"]}, "couid"),
    ({"mode": "company", "couid": True}, "couid"),
    ({"mode": "feed"}, "mode"),
    ({"max_pages": 0}, "max_pages"),
    ({"page_size": 51}, "page_size"),
    ({"terms": "some"}, "terms"),
    ({"base_url": "tousu.sina.com.cn"}, "base_url"),
    ({"cookie": "SUB=..."}, "cookie"),  # a cookie never goes in the config: `connection` names one
])
def test_bad_settings_name_the_key(options, key):
    with pytest.raises(SettingsError) as raised:
        Settings.parse(options, Path("."))
    assert raised.value.key == key


# --- search -----------------------------------------------------------------------------------------

def test_search_pages_until_a_page_is_older_than_the_window(server):
    serve_search(server, ALL_PAGES)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok", result.health
    requests = requests_to(server, SEARCH)
    assert [(r.args["keywords"], r.args["page"], r.args["page_size"]) for r in requests] == [
        ("艾克米", "1", "10"), ("艾克米", "2", "10"), ("艾克米", "3", "10")]  # page 3 is all older: no page 4
    assert requests[0].headers["X-Requested-With"] == "XMLHttpRequest"
    assert requests[0].headers["Referer"].endswith("/index/search/?keywords=%E8%89%BE%E5%85%8B%E7%B1%B3&t=1")
    assert "Cookie" not in requests[0].headers
    # inside the window only: not the one after its end (…104) nor the older ones (…106, …107, …108)
    assert [post.native_id for post in result.posts] == ["17390000101", "17390000102", "17390000105"]
    assert len(result.quarantined) == 1 and result.quarantined[0].location == "search '艾克米' page 1#2"
    assert (result.health.pages, result.health.page_cap_hits) == (3, 0)
    assert result.health.requests == len(server.log)


def test_every_brand_term_is_searched_and_a_complaint_found_twice_is_kept_once(server):
    def handler(request: Request) -> Response:
        return json_response(fixture({"1": "search_page1.json"}.get(request.args["page"], "search_page3.json")))
    server.expect_request(SEARCH).respond_with_handler(handler)
    result = extract(settings_for(server), BrandQuery("acme", ("艾克米", "ACME", "艾克米")), WINDOW, context())
    assert [r.args["keywords"] for r in requests_to(server, SEARCH)] == ["艾克米", "艾克米", "ACME", "ACME"]
    assert [post.native_id for post in result.posts] == ["17390000101", "17390000102"]


def test_terms_primary_searches_the_first_term_only(server):
    serve_search(server, ALL_PAGES)
    extract(settings_for(server, terms="primary"), BrandQuery("acme", ("艾克米", "ACME")), WINDOW, context())
    assert {r.args["keywords"] for r in requests_to(server, SEARCH)} == {"艾克米"}


def test_a_search_that_finds_nothing_is_ok(server):
    server.expect_request(SEARCH).respond_with_data(fixture("search_empty.json"), content_type="application/json")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok" and result.posts == [] and result.health.pages == 1
    assert result.health.error_kind is None


def test_the_page_cap_is_counted_and_noted(server):
    serve_search(server, ALL_PAGES)
    result = extract(settings_for(server, max_pages=2), QUERY, WINDOW, context())
    assert len(requests_to(server, SEARCH)) == 2
    assert result.health.status == "ok" and result.health.page_cap_hits == 1
    assert result.health.notes == ["search '艾克米': page cap: stopped at max_pages=2 of 5 pages before reaching the "
                                   "window start; complaints of the window may be missing (raise max_pages)"]
    assert [post.native_id for post in result.posts] == ["17390000101", "17390000102", "17390000105"]


def test_the_cookie_of_the_connection_is_sent(server):
    serve_search(server, ALL_PAGES)
    extract(settings_for(server, connection="heimao_default"), QUERY, WINDOW, context({"cookie": COOKIE}))
    assert {r.headers["Cookie"] for r in requests_to(server, SEARCH)} == {COOKIE}


# --- company lists ----------------------------------------------------------------------------------

def test_a_company_list_is_paged_by_its_pager(server):
    serve_company(server)
    result = extract(settings_for(server, mode="company", couid=5350527288), QUERY, WINDOW, context())
    requests = requests_to(server, COMPANY)
    assert [(r.args["couid"], r.args["type"], r.args["page"]) for r in requests] == [
        ("5350527288", "1", "1"), ("5350527288", "1", "2")]
    assert requests[0].headers["Referer"].endswith("/company/view/?couid=5350527288")
    assert [post.native_id for post in result.posts] == ["17390000201", "17390000202"]  # …203 is older
    assert all(post.extra["couid"] == "5350527288" and post.extra["complaint_source"] == "heimao"
               for post in result.posts)
    assert result.health.status == "ok" and result.health.pages == 2


def test_one_failing_company_does_not_lose_the_others(server):
    serve_company(server)
    result = extract(settings_for(server, mode="company", couid=["999", "5350527288"]), QUERY, WINDOW, context())
    assert [post.native_id for post in result.posts] == ["17390000201", "17390000202"]
    assert result.health.status == "partial" and result.health.error_kind == "permanent"
    assert any(note.startswith("company 999: HTTP 404") for note in result.health.notes)


# --- failures ---------------------------------------------------------------------------------------

def test_a_verification_page_is_an_auth_error_asking_for_a_cookie(server):
    server.expect_request(SEARCH).respond_with_data(fixture("verification.html"), content_type="text/html")
    result = extract(settings_for(server), BrandQuery("acme", ("艾克米", "ACME")), WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == "auth"
    assert "verification (captcha) page" in result.health.message and "/api/index/s?keywords=" in result.health.message
    assert "add `connection:`" in result.health.message
    assert len(requests_to(server, SEARCH)) == 1  # a wall stops every term
    assert result.quarantined == []


def test_a_refused_cookie_asks_to_renew_it(server):
    server.expect_request(SEARCH).respond_with_data(fixture("verification.html"), content_type="text/html")
    result = extract(settings_for(server, connection="heimao_default"), QUERY, WINDOW, context({"cookie": COOKIE}))
    assert result.health.error_kind == "auth"
    assert "renew the cookie in Airflow Connection 'heimao_default'" in result.health.message


def test_a_login_redirect_is_an_auth_error(server):
    server.expect_request(SEARCH).respond_with_response(Response(
        "", status=302, headers={"Location": "https://passport.sina.com.cn/signin/signin?entry=tousu"}))
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "auth" and result.health.message.startswith("黑猫投诉 asks for a login:")
    assert "passport.sina.com.cn" in result.health.message


def test_http_403_is_an_auth_error(server):
    server.expect_request(SEARCH).respond_with_data("forbidden", status=403)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "auth" and "HTTP 403" in result.health.message
    assert result.health.message.count("add `connection:`") == 1


def test_a_rate_limit_is_retried_then_transient_keeping_earlier_pages(server):
    def handler(request: Request) -> Response:
        if request.args["page"] == "2":
            return Response("slow down", status=429)
        return json_response(fixture("search_page1.json"))
    server.expect_request(SEARCH).respond_with_handler(handler)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "transient"
    assert "HTTP 429" in result.health.message and "after 2 attempts" in result.health.message
    assert [post.native_id for post in result.posts] == ["17390000101", "17390000102"]


def test_a_rate_limit_page_is_transient(server):
    server.expect_request(SEARCH).respond_with_data(
        "<html><head><title>提示</title></head><body>访问过于频繁，请稍后再试</body></html>", content_type="text/html")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "transient" and "rate-limit page" in result.health.message


def test_a_server_error_is_retried(server):
    serve_once_then_search(server, "busy", status=503)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok" and len(result.posts) == 3


@pytest.mark.parametrize("code, msg, kind", [
    (100001, "用户未登录", "auth"),
    (2, "请求过于频繁", "transient"),
    (3, "签名错误", "permanent"),
    (-1, "参数错误", "permanent"),
])
def test_json_error_codes(server, code, msg, kind):
    server.expect_request(SEARCH).respond_with_data(
        f'{{"result": {{"status": {{"code": {code}, "msg": "{msg}"}}}}}}', content_type="application/json")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == kind
    assert f"error code {code}: {msg}" in result.health.message and "/api/index/s?keywords=" in result.health.message


def test_an_html_page_instead_of_json_names_the_url_and_is_quarantined(server):
    server.expect_request(SEARCH).respond_with_data(fixture("maintenance.html"), content_type="text/html")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == "permanent" and result.posts == []
    assert result.health.message.startswith(server.url_for(SEARCH) + "?keywords=")
    assert "HTML page titled '系统维护中' instead of JSON" in result.health.message
    assert [q.raw for q in result.quarantined] == [fixture("maintenance.html")]


def test_a_cut_answer_is_quarantined_and_transient_keeping_earlier_pages(server):
    def handler(request: Request) -> Response:
        if request.args["page"] == "2":
            return json_response(fixture("search_page2.json")[:300])
        return json_response(fixture("search_page1.json"))
    server.expect_request(SEARCH).respond_with_handler(handler)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "transient"
    assert [q.raw for q in result.quarantined if q.reason.startswith("unusable answer")] == [
        fixture("search_page2.json")[:300]]


def test_an_empty_page_the_pager_says_is_full_is_throttling(server):
    server.expect_request(SEARCH).respond_with_data(
        '{"result": {"status": {"code": 0}, "data": {"lists": [], "pager": {"page_amount": 3, "item_count": 25}}}}',
        content_type="application/json")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "transient" and "risk control" in result.health.message


def test_a_timeout_is_transient(server):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return json_response(fixture("search_empty.json"))
    server.expect_request(SEARCH).respond_with_handler(slow)
    result = extract(settings_for(server, timeout=0.2, max_retries=0), QUERY, WINDOW, context())
    assert result.health.error_kind == "transient" and "timed out" in result.health.message


def test_robots_txt_is_obeyed(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /api/\n")
    result = extract(settings_for(httpserver), QUERY, WINDOW, context())
    assert result.health.error_kind == "permanent" and "robots.txt" in result.health.message
    assert result.health.requests == 1  # robots.txt only
