"""extractors.weibo.search (kind weibo_search): s.weibo.com result pages parsed into posts, fetched window by window.

Parse tests read the reconstructed pages in fixtures/weibo_search (see its README); fetch tests
serve them from a loopback HTTP server.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from werkzeug import Request, Response

from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.weibo.display import long_text_answer
from extractors.weibo.search import (
    Settings,
    extract,
    hour_slice,
    parse_search_page,
    split_slice,
    timescope,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "weibo_search"
FETCHED = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
QUERY = BrandQuery("nio", ("蔚来",))
COOKIE = "SUB=_2A25test; SUBP=0033test"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 11, day, hour, minute, tzinfo=timezone.utc)


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def html_response(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="text/html; charset=utf-8")


@pytest.fixture
def server(httpserver):
    """The loopback server with a permissive robots.txt (the client honours robots.txt)."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    return httpserver


def settings_for(server, **overrides) -> Settings:
    base = server.url_for("/").rstrip("/")
    options = {"base_url": base, "longtext_base_url": base, "min_interval": 0, "backoff": 0.01,
               "max_retries": 2, "timeout": 5, **overrides}
    return Settings.parse(options, Path("."))


def context(secrets: dict | None = None) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets={"cookie": COOKIE} if secrets is None else secrets)


def search_requests(server) -> list[Request]:
    return [request for request, _ in server.log if request.path == "/weibo"]


def serve_pages(server, pages: dict[str, list[str]] | None = None, default: list[str] | None = None) -> None:
    """Serve result pages by timescope: the i-th name for page i+1, the last name for later pages."""
    def handler(request: Request) -> Response:
        names = (pages or {}).get(request.args["timescope"], default)
        if names is None:
            return html_response(page("no_result.html"))
        number = int(request.args.get("page", "1"))
        return html_response(page(names[min(number, len(names)) - 1]))
    server.expect_request("/weibo").respond_with_handler(handler)


def serve_long_text(server) -> None:
    server.expect_request("/ajax/statuses/longtext").respond_with_data(
        (FIXTURES / "longtext.json").read_bytes(), content_type="application/json")


# --- parsing ----------------------------------------------------------------------------------

def test_a_result_page_gives_each_card_as_a_post_with_author_time_counts_and_link():
    result = parse_search_page(page("page_results.html"), fetched_at=FETCHED)
    posts = {post.native_id: post for post in result.posts}
    first = posts["5104912345678901"]
    assert first.platform == "weibo" and first.source == "weibo_search"
    assert first.author == "车主小王" and first.author_id == "1234567001"
    assert first.url == "https://weibo.com/1234567001/P23N8nPlb"
    assert first.published_at == utc(26, 5, 55)  # "5分钟前" at 14:00 Shanghai
    assert first.text == "今天提车了，#蔚来ET5# 开起来很安静[哈哈]"
    assert (first.reposts, first.comments, first.likes) == (0, 3, 12)  # "转发" with no number is 0
    assert first.extra["client"] == "HUAWEI Mate 60 Pro"


def test_verification_badges_beside_the_name_are_read_and_followers_are_not_shown():
    found = parse_search_page(page("page_results.html"), fetched_at=FETCHED)
    badges = {post.author: post.author_verified for post in found.posts}
    assert badges["数码评测君"] == "personal"  # icon-vip-y
    assert badges["蔚来官方"] == "organization"  # the reposted original's blue V
    assert badges["车主小王"] is None  # no badge: the card does not say
    assert {post.author_followers for post in found.posts} == {None}
    assert {post.counted_at for post in found.posts} == {FETCHED}  # counts as shown at the fetch


def test_chinese_counts_and_today_times_are_resolved():
    posts = {post.native_id: post for post in parse_search_page(page("page_results.html"), fetched_at=FETCHED).posts}
    long_post = posts["5104911122233344"]
    assert (long_post.reposts, long_post.comments, long_post.likes) == (12000, 3456, 28000)
    assert long_post.published_at == utc(26, 4, 30)  # "今天 12:30"
    assert posts["5104600099988877"].published_at == datetime(2023, 11, 20, 2, 0, tzinfo=timezone.utc)


def test_a_folded_post_uses_its_full_text_node_without_the_fold_buttons():
    posts = {post.native_id: post for post in parse_search_page(page("page_results.html"), fetched_at=FETCHED).posts}
    text = posts["5104911122233344"].text
    assert text.endswith("车机偶尔卡顿，升级后好多了。 数码评测君的微博视频")
    assert "展开" not in text and "收起" not in text and "\n换电站排队" in text
    assert "truncated" not in posts["5104911122233344"].extra


def test_a_folded_post_without_full_text_is_marked_truncated():
    posts = {post.native_id: post for post in parse_search_page(page("page_results.html"), fetched_at=FETCHED).posts}
    folded = posts["5104909876543210"]
    assert folded.extra["truncated"] is True
    assert folded.text.endswith("电话打了")


def test_a_repost_keeps_its_original_and_the_original_is_a_post_of_its_own():
    posts = parse_search_page(page("page_results.html"), fetched_at=FETCHED).posts
    ids = [post.native_id for post in posts]
    repost = posts[ids.index("5104905555666677")]
    original = posts[ids.index("5104801234567890")]
    assert repost.text == "换电是真的快[赞]"
    assert repost.extra["retweeted"]["id"] == "5104801234567890"
    assert repost.extra["retweeted"]["author"] == "蔚来官方"
    assert original.author_id == "1234567005" and original.url == "https://weibo.com/1234567005/P20TVjajE"
    assert original.published_at == utc(25, 10, 0)  # "11月25日 18:00"
    assert (original.reposts, original.comments, original.likes) == (23000, 8901, 100000)


def test_cards_without_mid_are_skipped_and_broken_cards_quarantined():
    result = parse_search_page(page("page_results.html"), fetched_at=FETCHED, location="page1")
    assert len(result.posts) == 6
    assert [q.location for q in result.quarantined] == ["page1#card4"]
    assert "5104700011122233" in result.quarantined[0].raw
    assert "time link" in result.quarantined[0].reason


def test_pagination_markers():
    first = parse_search_page(page("page_results.html"), fetched_at=FETCHED)
    last = parse_search_page(page("page_last.html"), fetched_at=FETCHED)
    assert (first.has_next, first.listed_pages) == (True, 2)
    assert (last.has_next, last.listed_pages) == (False, 2)


def test_the_empty_result_page_is_recognised():
    result = parse_search_page(page("no_result.html"), fetched_at=FETCHED)
    assert result.no_result and result.recognised and result.posts == []


def test_a_page_that_is_not_a_result_page_is_not_recognised():
    result = parse_search_page("<html><body><h1>系统维护中</h1></body></html>", fetched_at=FETCHED)
    assert not result.recognised and not result.no_result


def test_long_text_answer():
    assert long_text_answer((FIXTURES / "longtext.json").read_text(encoding="utf-8")).endswith("服务别拖后腿。")
    assert long_text_answer('{"ok": 0, "data": {}}') is None
    assert long_text_answer('{"ok": 1, "data": {"longTextContent": "a<br />b"}}') == "a\nb"


# --- the request window -----------------------------------------------------------------------

def test_timescope_is_written_in_shanghai_hours_without_leading_zeros():
    assert timescope(utc(26, 0), utc(26, 6)) == "custom:2024-11-26-8:2024-11-26-14"
    assert timescope(utc(25, 15), utc(25, 17)) == "custom:2024-11-25-23:2024-11-26-1"


def test_a_window_that_is_not_hour_aligned_is_widened_to_whole_hours():
    assert hour_slice(Window(utc(25, 23, 30), utc(26, 1, 10))) == (utc(25, 23), utc(26, 2))
    assert hour_slice(Window(utc(26, 1), utc(26, 2))) == (utc(26, 1), utc(26, 2))


def test_slices_split_into_hour_aligned_halves():
    assert split_slice(utc(26, 0), utc(26, 4)) == [(utc(26, 0), utc(26, 2)), (utc(26, 2), utc(26, 4))]
    assert split_slice(utc(26, 0), utc(26, 3)) == [(utc(26, 0), utc(26, 1)), (utc(26, 1), utc(26, 3))]


# --- settings ---------------------------------------------------------------------------------

def test_settings_defaults_are_polite():
    settings = Settings.parse({}, Path("."))
    assert settings.base_url == "https://s.weibo.com" and settings.connection == "weibo_default"
    assert settings.max_pages == 50 and settings.min_interval >= 2


@pytest.mark.parametrize("options, key", [
    ({"max_pages": 51}, "max_pages"),
    ({"base_url": "s.weibo.com"}, "base_url"),
    ({"min_interval": -1}, "min_interval"),
    ({"cookie": "SUB=x"}, "cookie"),  # secrets never go in the config file
])
def test_bad_settings_name_the_key(options, key):
    with pytest.raises(SettingsError) as raised:
        Settings.parse(options, Path("."))
    assert raised.value.key == key


# --- fetching ---------------------------------------------------------------------------------

def test_pages_are_followed_posts_kept_inside_the_window_and_long_text_expanded(server):
    serve_pages(server, default=["page_results.html", "page_last.html"])
    serve_long_text(server)
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    assert result.health.status == "ok", result.health
    assert [r.args["page"] for r in search_requests(server)] == ["1", "2"]
    assert {r.args["timescope"] for r in search_requests(server)} == {"custom:2024-11-26-8:2024-11-26-14"}
    assert sorted(post.native_id for post in result.posts) == [
        "5098765432101234", "5104905555666677", "5104909876543210", "5104911122233344", "5104912345678901"]
    expanded = next(post for post in result.posts if post.native_id == "5104909876543210")
    assert expanded.text.endswith("服务别拖后腿。") and "truncated" not in expanded.extra
    assert result.health.pages == 2
    assert result.health.requests == len(server.log)
    assert len(result.quarantined) == 1


def test_the_cookie_and_query_are_sent(server):
    serve_pages(server, default=["page_last.html"])
    extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    request = search_requests(server)[0]
    assert request.headers["Cookie"] == COOKIE
    assert request.args["q"] == "蔚来"
    assert (request.args["typeall"], request.args["suball"], request.args["Refer"]) == ("1", "1", "g")
    assert "brandmon" in request.headers["User-Agent"]


def test_a_backfill_window_asks_for_its_exact_hours_and_drops_posts_outside_it(server):
    serve_pages(server, default=["page_last.html"])
    result = extract(settings_for(server), QUERY, Window(utc(25, 23, 30), utc(26, 1, 10)), context())
    assert search_requests(server)[0].args["timescope"] == "custom:2024-11-26-7:2024-11-26-10"
    assert [post.native_id for post in result.posts] == ["5098765432101234"]  # 01:00 UTC; the 05:54 one is out


def test_a_page_cap_on_a_multi_hour_window_splits_it_and_records_the_split(server):
    full, first_half, second_half = ("custom:2024-11-26-8:2024-11-26-12", "custom:2024-11-26-8:2024-11-26-10",
                                     "custom:2024-11-26-10:2024-11-26-12")
    serve_pages(server, {full: ["page_results.html"],  # every page has a next link: page 50 too
                         first_half: ["page_last.html"], second_half: ["no_result.html"]})
    serve_long_text(server)
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 4)), context())
    asked = [(r.args["timescope"], int(r.args["page"])) for r in search_requests(server)]
    assert asked == [(full, n) for n in range(1, 51)] + [(first_half, 1), (second_half, 1)]
    assert result.health.page_cap_hits == 1
    assert result.health.notes == [f"page cap: {full} reaches 50 pages; split into {first_half} and {second_half}"]
    assert result.health.status == "ok"
    assert sorted(post.native_id for post in result.posts) == ["5098765432101234", "5104905555666677",
                                                               "5104909876543210"]


def test_a_page_list_already_at_the_cap_splits_before_reading_every_page(server):
    full = "custom:2024-11-26-8:2024-11-26-10"
    serve_pages(server, {full: ["page_results.html"], "custom:2024-11-26-8:2024-11-26-9": ["page_last.html"],
                         "custom:2024-11-26-9:2024-11-26-10": ["page_last.html"]})
    serve_long_text(server)
    result = extract(settings_for(server, max_pages=2), QUERY, Window(utc(26, 0), utc(26, 2)), context())
    asked = [(r.args["timescope"], r.args["page"]) for r in search_requests(server)]
    assert asked == [(full, "1"), ("custom:2024-11-26-8:2024-11-26-9", "1"), ("custom:2024-11-26-9:2024-11-26-10", "1")]
    assert result.health.page_cap_hits == 1
    assert result.health.notes[0].startswith("page cap: custom:2024-11-26-8:2024-11-26-10 reaches 2 pages; split")


def test_a_one_hour_slice_at_the_cap_is_recorded_as_possibly_incomplete(server):
    serve_pages(server, default=["page_results.html"])
    serve_long_text(server)
    result = extract(settings_for(server, max_pages=3), QUERY, Window(utc(26, 1), utc(26, 2)), context())
    assert [r.args["page"] for r in search_requests(server)] == ["1", "2", "3"]
    assert result.health.page_cap_hits == 1
    assert result.health.notes == ["page cap: the one-hour slice custom:2024-11-26-9:2024-11-26-10 reaches "
                                   "3 pages; its posts may be incomplete"]
    assert [post.native_id for post in result.posts] == ["5104909876543210"]


def test_without_a_cookie_ops_are_told_to_create_the_connection(server):
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context(secrets={}))
    assert result.health.status == "error" and result.health.error_kind == "auth"
    assert "weibo_default" in result.health.message and "AIRFLOW_CONN_WEIBO_DEFAULT" in result.health.message
    assert server.log == [] and result.health.requests == 0


def test_the_cookie_may_be_the_connection_password(server):
    serve_pages(server, default=["page_last.html"])
    extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context({"password": "SUB=from-password"}))
    assert search_requests(server)[0].headers["Cookie"] == "SUB=from-password"


def test_a_redirect_to_the_login_page_is_an_auth_error_naming_the_connection(server):
    server.expect_request("/weibo").respond_with_response(Response(status=302, headers={
        "Location": "https://passport.weibo.com/sso/signin?entry=wbsearch&url=https%3A%2F%2Fs.weibo.com%2Fweibo"}))
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    assert result.health.error_kind == "auth" and result.health.status == "error"
    assert result.health.message.startswith("Weibo cookie expired or missing: renew the password/extra.cookie "
                                            "of Airflow Connection 'weibo_default'")


def test_the_visitor_system_page_is_an_auth_error(server):
    server.expect_request("/weibo").respond_with_data(
        page("visitor_system.html").encode("gb2312"), content_type="text/html")
    result = extract(settings_for(server, connection="weibo_brand_a"), QUERY, Window(utc(26, 0), utc(26, 6)),
                     context())
    assert result.health.error_kind == "auth"
    assert "Airflow Connection 'weibo_brand_a'" in result.health.message
    assert "Sina Visitor System" in result.health.message


def test_a_server_error_is_retried_and_the_run_goes_on(server):
    server.expect_oneshot_request("/weibo").respond_with_data("busy", status=500)
    serve_pages(server, default=["page_last.html"])
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    assert result.health.status == "ok"
    assert len(search_requests(server)) == 2 and len(result.posts) == 2


def test_429_with_retry_after_is_honoured_then_the_page_is_read(server):
    server.expect_oneshot_request("/weibo").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"}))
    serve_pages(server, default=["page_last.html"])
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    statuses = [response.status_code for request, response in server.log if request.path == "/weibo"]
    assert statuses == [429, 200]
    assert result.health.status == "ok" and len(result.posts) == 2


def test_a_timeout_is_a_transient_error_not_a_crash(server):
    import time

    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return html_response(page("page_last.html"))
    server.expect_request("/weibo").respond_with_handler(slow)
    result = extract(settings_for(server, timeout=0.2, max_retries=0), QUERY, Window(utc(26, 0), utc(26, 6)),
                     context())
    assert result.health.status == "error" and result.health.error_kind == "transient"
    assert "timed out" in result.health.message


def test_a_gbk_page_is_decoded(server):
    server.expect_request("/weibo").respond_with_data(
        page("page_last.html").replace('<meta charset="utf-8">', '<meta charset="gbk">').encode("gbk"),
        content_type="text/html; charset=GBK")
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    assert {post.author for post in result.posts} == {"早起的鸟", "车主小王"}
    assert any(post.text == "早上去蔚来中心喝了杯咖啡[嘻嘻]" for post in result.posts)


def test_an_empty_result_is_ok_with_no_posts(server):
    serve_pages(server, default=["no_result.html"])
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    assert result.health.status == "ok" and result.posts == [] and result.health.pages == 1


def test_a_failed_long_text_keeps_the_folded_text_with_a_note(server):
    serve_pages(server, default=["page_results.html", "page_last.html"])
    server.expect_request("/ajax/statuses/longtext").respond_with_data("oops", status=500)
    result = extract(settings_for(server, max_retries=0), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    folded = next(post for post in result.posts if post.native_id == "5104909876543210")
    assert folded.extra["truncated"] is True and folded.text.endswith("电话打了")
    assert any(note.startswith("long text of 5104909876543210 not expanded") for note in result.health.notes)
    assert result.health.status == "ok"


def test_an_unrecognised_page_is_quarantined_and_reported(server):
    server.expect_request("/weibo").respond_with_data("<html><body>系统维护中</body></html>",
                                                      content_type="text/html; charset=utf-8")
    result = extract(settings_for(server), QUERY, Window(utc(26, 0), utc(26, 6)), context())
    assert result.health.error_kind == "permanent"
    assert [q.reason for q in result.quarantined] == ["page has neither result cards nor the no-result notice"]


# --- broken input -----------------------------------------------------------------------------

RESULT_PAGE = page("page_results.html")


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(RESULT_PAGE)), st.integers(0, len(RESULT_PAGE)), st.text(max_size=40))
def test_a_mangled_result_page_never_crashes_the_parser(cut_from, cut_to, junk):
    start, end = sorted((cut_from, cut_to))
    mangled = RESULT_PAGE[:start] + junk + RESULT_PAGE[end:]
    result = parse_search_page(mangled, fetched_at=FETCHED)
    assert all(post.native_id.isdigit() for post in result.posts)
    assert all(q.source == "weibo_search" for q in result.quarantined)


@hsettings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_crashes_the_page_or_long_text_parsers(text):
    parse_search_page(text, fetched_at=FETCHED)
    long_text_answer(text)
