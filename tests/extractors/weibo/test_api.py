"""extractors.weibo.api (kind weibo_api): m.weibo.cn getIndex answers parsed into posts; keyword search and timelines fetched.

Parse tests read the real responses in ../shared/data/fixtures/weibo_mobile_api where present
(skipped, saying why, elsewhere) and the small reconstructed answers in fixtures/weibo_api (see its
README); fetch tests serve the reconstructed ones from a loopback HTTP server.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from werkzeug import Request, Response

from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.weibo.api import Settings, extract, parse_index
from extractors.weibo.display import long_text_answer
from tests.shared_data import shared_path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "weibo_api"
SHARED = shared_path("fixtures", "weibo_mobile_api")
FETCHED = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
WINDOW = Window(datetime(2024, 11, 26, 0, 0, tzinfo=timezone.utc), FETCHED)
QUERY = BrandQuery("nio", ("蔚来",))
COOKIE = "SUB=_2A25mobile; SUBP=0033mobile"
OFFICIAL = "1234567005"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def shared(name: str) -> str:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"real m.weibo.cn responses not available at {SHARED} (see ../shared/data/README.md)")
    return path.read_text(encoding="utf-8")


def json_response(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="application/json; charset=utf-8")


@pytest.fixture
def server(httpserver):
    """The loopback server with a permissive robots.txt (the client honours robots.txt)."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    return httpserver


def settings_for(server, **overrides):
    options = {"base_url": server.url_for("/").rstrip("/"), "min_interval": 0, "backoff": 0.01,
               "max_retries": 1, "timeout": 5, **overrides}
    return Settings.parse(options, Path("."))


def context(secrets: dict | None = None) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets={"cookie": COOKIE} if secrets is None else secrets)


def index_requests(server) -> list[Request]:
    return [request for request, _ in server.log if request.path == "/api/container/getIndex"]


def serve_search(server, pages: dict[str, str]) -> None:
    """Serve search pages by the `page` parameter ("1" when absent); unknown pages end the list."""
    def handler(request: Request) -> Response:
        return json_response(fixture(pages.get(request.args.get("page", "1"), "search_end.json")))
    server.expect_request("/api/container/getIndex").respond_with_handler(handler)


def serve_extend(server) -> None:
    server.expect_request("/statuses/extend").respond_with_data(fixture("extend.json"),
                                                                content_type="application/json")


def serve_timeline(server, uid: str = OFFICIAL) -> None:
    def handler(request: Request) -> Response:
        if request.args.get("value") != uid:
            return json_response('{"ok": 0, "msg": "这里还没有内容"}')
        name = "timeline_page2.json" if request.args.get("since_id") == "5104811111111111" else "timeline_page1.json"
        if request.args.get("since_id") not in (None, "5104811111111111"):
            name = "search_end.json"
        return json_response(fixture(name))
    server.expect_request("/api/container/getIndex").respond_with_handler(handler)


# --- parsing: real captures -------------------------------------------------------------------

def test_a_real_user_timeline_answer_gives_its_posts_and_the_next_page():
    page = parse_index(shared("getIndex_containerid_107603_user_timeline.json"),
                       fetched_at=datetime(2019, 6, 15, 4, 0, tzinfo=timezone.utc))
    assert page.status == "ok" and page.quarantined == []
    assert len(page.entries) == 10
    assert page.next_cursor == {"page": "2"}
    repost = next(entry for entry in page.entries if len(entry.posts) == 2)
    assert repost.posts[0].extra["retweeted"]["id"] == repost.posts[1].native_id
    assert all(post.author == "Dear-迪丽热巴" for entry in page.entries for post in entry.posts[:1])


def test_a_real_long_text_answer():
    text = long_text_answer(shared("statuses_extend_longtext.json"))
    assert text is not None and "\nNature\n" in text and "<br" not in text


def test_a_real_answer_of_another_container_is_reported_not_crashed():
    page = parse_index(shared("getIndex_type_uid_userinfo.json"), fetched_at=FETCHED)
    assert page.status == "broken" and "cards" in page.message


# --- parsing: reconstructed answers -----------------------------------------------------------

def test_search_cards_nested_in_card_groups_are_read_and_broken_cards_quarantined():
    page = parse_index(fixture("search_page1.json"), fetched_at=FETCHED, location="p1")
    assert page.status == "ok" and page.next_cursor == {"page": "2"}
    assert [[post.native_id for post in entry.posts] for entry in page.entries] == [
        ["5104912345678901"], ["5104909876543210"], ["5104905555666677", "5104801234567890"]]
    assert [q.location for q in page.quarantined] == ["p1#card4"]
    assert "created_at" in page.quarantined[0].reason


def test_search_posts_carry_text_author_counts_and_links():
    entries = parse_index(fixture("search_page1.json"), fetched_at=FETCHED).entries
    first, cut, repost = entries[0].posts[0], entries[1].posts[0], entries[2].posts
    assert first.text == "今天提车了，#蔚来ET5# 开起来很安静[哈哈]"
    assert first.published_at == datetime(2024, 11, 26, 5, 55, tzinfo=timezone.utc)
    assert (first.author, first.author_id, first.url) == ("车主小王", "1234567001",
                                                          "https://weibo.com/1234567001/P23N8nPlb")
    assert cut.extra["truncated"] is True
    assert repost[1].likes == 1_000_000 and repost[1].author == "蔚来官方"


def test_search_posts_carry_their_authors_followers_and_verification():
    entries = parse_index(fixture("search_page1.json"), fetched_at=FETCHED).entries
    reach = [(p.author, p.author_followers, p.author_verified) for entry in entries for p in entry.posts]
    assert reach == [("车主小王", 1200, "none"), ("不开心的车主", 1200, "none"),
                     ("吃瓜群众", 123_000, "none"),  # followers written "12.3万"
                     ("蔚来官方", 2_600_000, "enterprise")]  # the reposted original's author (blue V)


def test_relative_times_and_missing_bids():
    entries = parse_index(fixture("search_page2.json"), fetched_at=FETCHED).entries
    early = entries[0].posts[0]
    assert early.published_at == datetime(2024, 11, 26, 1, 0, tzinfo=timezone.utc)  # "今天 09:00"
    assert early.url == "https://weibo.com/1234567008/OFrl58OCS"  # bid derived from the mid


def test_pinned_posts_are_marked():
    entries = parse_index(fixture("timeline_page1.json"), fetched_at=FETCHED).entries
    assert [entry.pinned for entry in entries] == [True, False, False]
    assert parse_index(fixture("timeline_page1.json"), fetched_at=FETCHED).next_cursor == {
        "since_id": "5104811111111111"}


@pytest.mark.parametrize("body, status", [
    (fixture("search_end.json"), "end"),
    (fixture("login_required.json"), "auth"),
    ('{"ok": 0, "msg": "操作过于频繁，请稍后再试"}', "throttled"),
    ('{"ok": 1, "data": {"cards": []}}', "end"),
    ("<html><head><title>Sina Visitor System</title></head></html>", "auth"),
    (fixture("search_page1.json")[:700], "broken"),  # a truncated body
    ("[1, 2, 3]", "broken"),
    ("[" * 100_000 + "]" * 100_000, "broken"),  # nesting deeper than the JSON parser allows
    ('{"ok": 1, "data": {"cards": [{"card_type": 9, "mblog": {"mid": "1", "created_at": "2024-11-26 10:00", '
     '"text": "x"}}], "cardlistInfo": {"page": "²"}}}', "ok"),  # a non-ASCII digit is no next page
])
def test_answers_that_end_or_stop_the_paging(body, status):
    assert parse_index(body, fetched_at=FETCHED).status == status


# --- settings ---------------------------------------------------------------------------------

def test_settings_defaults():
    settings = Settings.parse({}, Path("."))
    assert (settings.mode, settings.search_type, settings.base_url) == ("search", 1, "https://m.weibo.cn")
    assert settings.min_interval >= 2 and settings.connection == "weibo_mobile"


@pytest.mark.parametrize("options, key", [
    ({"mode": "timeline"}, "uids"),
    ({"mode": "timeline", "uids": ["weibo.com/u/1"]}, "uids"),
    ({"mode": "feed"}, "mode"),
    ({"search_type": 3}, "search_type"),
    ({"max_pages": 0}, "max_pages"),
])
def test_bad_settings_name_the_key(options, key):
    with pytest.raises(SettingsError) as raised:
        Settings.parse(options, Path("."))
    assert raised.value.key == key


# --- fetching ---------------------------------------------------------------------------------

def test_search_pages_until_ok_0_keeping_posts_in_the_window_and_expanding_long_text(server):
    serve_search(server, {"1": "search_page1.json", "2": "search_page2.json"})
    serve_extend(server)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok", result.health
    requests = index_requests(server)
    assert [r.args.get("page") for r in requests] == [None, "2", "3"]
    assert {(r.args["containerid"], r.args["page_type"]) for r in requests} == {("100103type=1&q=蔚来", "searchall")}
    assert requests[0].headers["Cookie"] == COOKIE
    assert sorted(post.native_id for post in result.posts) == [
        "5098765432101234", "5104905555666677", "5104909876543210", "5104912345678901"]
    expanded = next(post for post in result.posts if post.native_id == "5104909876543210")
    assert expanded.text.endswith("服务别拖后腿。") and "\n希望官方" in expanded.text
    assert "truncated" not in expanded.extra
    assert result.health.pages == 2 and len(result.quarantined) == 1
    assert result.health.requests == len(server.log)


def test_real_time_search_stops_at_the_window_start(server):
    serve_search(server, {"1": "search_page2.json", "2": "search_page1.json"})
    result = extract(settings_for(server, search_type=61), QUERY, WINDOW, context())
    requests = index_requests(server)
    assert [r.args["containerid"] for r in requests] == ["100103type=61&q=蔚来"]  # page 1 reached yesterday
    assert [post.native_id for post in result.posts] == ["5098765432101234", "5104912345678901"]


def test_a_timeline_is_followed_by_since_id_past_the_pinned_post_until_older_posts(server):
    serve_timeline(server)
    result = extract(settings_for(server, mode="timeline", uids=[int(OFFICIAL)]), QUERY, WINDOW, context())
    requests = index_requests(server)
    assert [(r.args["containerid"], r.args["type"], r.args["value"], r.args.get("since_id")) for r in requests] == [
        ("1076031234567005", "uid", OFFICIAL, None), ("1076031234567005", "uid", OFFICIAL, "5104811111111111")]
    assert [post.native_id for post in result.posts] == ["5104920000000001", "5104910000000002", "5104811111111111"]
    assert result.health.status == "ok" and result.health.pages == 2


def test_one_failing_timeline_does_not_lose_the_others(server):
    def handler(request: Request) -> Response:
        if request.args["value"] == "999":
            return Response("gone", status=404)
        return json_response(fixture("timeline_page2.json"))
    server.expect_request("/api/container/getIndex").respond_with_handler(handler)
    result = extract(settings_for(server, mode="timeline", uids=["999", OFFICIAL]), QUERY, WINDOW, context())
    assert [post.native_id for post in result.posts] == ["5104811111111111"]
    assert result.health.status == "partial" and result.health.error_kind == "permanent"
    assert any(note.startswith("timeline 999:") for note in result.health.notes)


def test_a_login_answer_asks_ops_to_renew_the_cookie(server):
    server.expect_request("/api/container/getIndex").respond_with_data(fixture("login_required.json"))
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "auth" and result.health.status == "error"
    assert result.health.message.startswith("Weibo cookie expired or missing: renew the password/extra.cookie "
                                            "of Airflow Connection 'weibo_mobile'")


def test_a_login_answer_without_any_cookie_asks_ops_to_create_the_connection(server):
    server.expect_request("/api/container/getIndex").respond_with_data(fixture("login_required.json"))
    result = extract(settings_for(server), QUERY, WINDOW, context(secrets={}))
    assert result.health.error_kind == "auth" and "AIRFLOW_CONN_WEIBO_MOBILE" in result.health.message
    assert "m.weibo.cn cookie" in result.health.message
    assert "Cookie" not in index_requests(server)[0].headers
    assert result.health.notes[0].startswith("no cookie: m.weibo.cn keyword search usually needs")


def test_http_432_is_read_as_a_refused_anonymous_client(server):
    server.expect_request("/api/container/getIndex").respond_with_data("", status=432)
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.error_kind == "auth" and "HTTP 432" in result.health.message


def test_a_timeline_answers_without_a_cookie(server):
    serve_timeline(server)
    result = extract(settings_for(server, mode="timeline", uids=[OFFICIAL]), QUERY, WINDOW, context(secrets={}))
    assert result.health.status == "ok" and len(result.posts) == 3 and result.health.notes == []


def test_a_truncated_answer_is_quarantined_and_the_earlier_pages_kept(server):
    def handler(request: Request) -> Response:
        if request.args.get("page") == "2":
            return json_response(fixture("search_page2.json")[:300])
        return json_response(fixture("search_page1.json"))
    server.expect_request("/api/container/getIndex").respond_with_handler(handler)
    result = extract(settings_for(server, expand_long_text=False), QUERY, WINDOW, context())
    assert result.health.status == "partial" and result.health.error_kind == "transient"
    assert len(result.posts) == 3
    broken = [q for q in result.quarantined if q.reason.startswith("unusable getIndex answer")]
    assert len(broken) == 1 and broken[0].raw == fixture("search_page2.json")[:300]


def test_a_server_error_is_retried(server):
    server.expect_oneshot_request("/api/container/getIndex").respond_with_data("busy", status=503)
    serve_search(server, {"1": "search_page2.json"})
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok" and len(result.posts) == 2
    assert [response.status_code for _, response in server.log if _.path == "/api/container/getIndex"] == [
        503, 200, 200]


def test_429_with_retry_after_then_success(server):
    server.expect_oneshot_request("/api/container/getIndex").respond_with_response(
        Response("", status=429, headers={"Retry-After": "1"}))
    serve_search(server, {"1": "search_page2.json"})
    result = extract(settings_for(server), QUERY, WINDOW, context())
    assert result.health.status == "ok" and len(result.posts) == 2


def test_a_timeout_is_transient(server):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return json_response(fixture("search_end.json"))
    server.expect_request("/api/container/getIndex").respond_with_handler(slow)
    result = extract(settings_for(server, timeout=0.2, max_retries=0), QUERY, WINDOW, context())
    assert result.health.error_kind == "transient" and "timed out" in result.health.message


def test_a_failed_long_text_keeps_the_cut_text_with_a_note(server):
    serve_search(server, {"1": "search_page1.json"})
    server.expect_request("/statuses/extend").respond_with_data('{"ok": 0}', content_type="application/json")
    result = extract(settings_for(server), QUERY, WINDOW, context())
    cut = next(post for post in result.posts if post.native_id == "5104909876543210")
    assert cut.extra["truncated"] is True and cut.text.endswith("电话打了 ...")
    assert result.health.notes == ["long text of 5104909876543210 not expanded: no longTextContent in the answer; "
                                   "kept the cut text"]


# --- broken input -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["ok", "data", "cards", "card_type", "card_group", "mblog", "id", "mid", "created_at",
                         "text", "user", "isLongText", "retweeted_status", "cardlistInfo", "since_id", "page",
                         "msg", "reposts_count", "longText", "longTextContent"]), inner, max_size=6),
    max_leaves=30)


@hsettings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_random_json_never_crashes_the_parsers(value):
    body = json.dumps(value)
    page = parse_index(body, fetched_at=FETCHED)
    assert page.status in ("ok", "end", "auth", "throttled", "broken")
    assert all(q.source == "weibo_api" for q in page.quarantined)
    long_text_answer(body)


@hsettings(max_examples=300, deadline=None)
@given(st.data())
def test_random_mblogs_inside_a_valid_answer_are_posts_or_quarantined(data):
    cards = data.draw(st.lists(st.fixed_dictionaries({"card_type": st.just(9), "mblog": JSON_VALUES}), max_size=4))
    body = json.dumps({"ok": 1, "data": {"cards": cards}})
    page = parse_index(body, fetched_at=FETCHED)
    assert len(page.entries) + len(page.quarantined) == len(cards) or page.status == "end"


@hsettings(max_examples=100, deadline=None)
@given(st.integers(0, 4000), st.text(max_size=20))
def test_a_cut_or_spliced_answer_never_crashes_the_parser(cut, junk):
    body = fixture("search_page1.json")
    parse_index(body[:cut] + junk, fetched_at=FETCHED)
