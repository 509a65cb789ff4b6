"""extractors.weibo.spread (spread kind `weibo`): m.weibo.cn repost lists and hot comments parsed
into a cascade, fetched from a loopback server within a per-run request budget.

The answers are the hand-built ones in fixtures/weibo_spread (see its README for the public
sources of their shapes).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug import Request, Response

from extractors.base import ExtractContext, SettingsError
from extractors.cascade import SpreadTarget
from extractors.weibo.spread import Settings, fetch, parse_hot_comments, parse_reposts
from tests.extractors.loopback import fast_options, json_response

FIXTURES = Path(__file__).parent.parent / "fixtures" / "weibo_spread"
LOGIN = Path(__file__).parent.parent / "fixtures" / "weibo_api" / "login_required.json"
FETCHED = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
COOKIE = "SUB=_2A25mobile; SUBP=0033mobile"
POST = SpreadTarget("weibo", "5105000000000001", datetime(2024, 11, 26, 4, 0, tzinfo=timezone.utc), "吃货小王")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def settings_for(server, **overrides) -> Settings:
    return Settings.parse(fast_options(server, **overrides), Path("."))


def context(cookie: str | None = COOKIE) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets={"cookie": cookie} if cookie else {})


def target(number: int) -> SpreadTarget:
    return SpreadTarget("weibo", f"51050000000{number:05d}", POST.published_at)


def serve_cascade(server, only: str | None = None) -> None:
    """Serve the fixture cascade for every post id (or only for `only`; others are 404)."""
    def reposts(request: Request) -> Response:
        if only and request.args.get("id") != only:
            return Response("not found", status=404)
        return json_response(fixture({"1": "reposts_page1.json", "2": "reposts_page2.json"}.get(
            request.args.get("page", "1"), "reposts_none.json")))

    def comments(request: Request) -> Response:
        return json_response(fixture("hotflow_page2.json" if request.args.get("max_id") else "hotflow_page1.json"))

    server.expect_request("/api/statuses/repostTimeline").respond_with_handler(reposts)
    server.expect_request("/comments/hotflow").respond_with_handler(comments)


def exchanges(server) -> list[str]:
    """Every request the server received, robots.txt included, as path?query."""
    return [f"{request.path}?{request.query_string.decode()}" for request, _ in server.log]


# --- parsing ---------------------------------------------------------------------------------------

def test_a_repost_page_gives_who_reposted_whom_when_and_with_what_reach():
    page = parse_reposts(fixture("reposts_page1.json"), fetched_at=FETCHED)
    assert page.status == "ok" and page.total == 15 and page.last_page == 2 and page.quarantined == []
    assert len(page.items) == 10
    newest, media = page.items[0], next(r for r in page.items if r.user_name == "本地新闻速递")
    assert (newest.repost_id, newest.reposted_at, newest.chain, newest.text) == (
        "5105000000000115", datetime(2024, 11, 26, 5, 58, tzinfo=timezone.utc), (), "转发微博")
    assert media.followers == 1_500_000 and media.verified == "media" and media.reposts == 4
    assert media.chain == ("消费维权观察", "美食记者老李") and media.text == "本地已有多人反映"
    deepest = next(r for r in page.items if r.user_name == "夜跑的猫")
    assert deepest.chain == ("阿杰不吃香菜", "本地新闻速递", "消费维权观察", "美食记者老李") and deepest.text == "扩散"
    angry = next(r for r in page.items if r.user_name == "咖啡因过敏")
    assert angry.text == "[怒]" and angry.chain[0] == "本地新闻速递"


def test_the_last_repost_page_quarantines_a_repost_without_a_time():
    page = parse_reposts(fixture("reposts_page2.json"), fetched_at=FETCHED, location="p2")
    assert [r.user_name for r in page.items] == ["消费维权观察", "小区妈妈群", "美食记者老李", "路人甲"]
    assert page.items[2].reposted_at == datetime(2024, 11, 26, 4, 25, tzinfo=timezone.utc)
    assert page.items[2].chain == () and page.items[2].verified == "personal"
    assert len(page.quarantined) == 1 and "created_at" in page.quarantined[0].reason
    assert page.quarantined[0].location == "p2#4"


def test_hot_comments_page_by_max_id_until_it_is_zero():
    first = parse_hot_comments(fixture("hotflow_page1.json"), fetched_at=FETCHED)
    assert first.status == "ok" and first.total == 57 and first.next_max_id == "138908155043251"
    assert [(c.user_name, c.likes, c.replies) for c in first.items] == [
        ("朝九晚五", 412, 23), ("美食记者老李", 198, 7), ("一只鹅", 97, 2)]
    assert first.items[0].text == "我同事也是，昨天喝完就不舒服[伤心]" and first.items[1].followers == 250_000
    last = parse_hot_comments(fixture("hotflow_page2.json"), fetched_at=FETCHED)
    assert len(last.items) == 2 and last.next_max_id is None


@pytest.mark.parametrize(("body", "status"), [
    (fixture("reposts_none.json"), "end"),
    ('{"ok": 1, "data": {"data": [], "total_number": 0}}', "end"),
    (fixture("too_frequent.json"), "throttled"),
    (LOGIN.read_text(encoding="utf-8"), "auth"),
    ("<html><head><title>Sina Visitor System</title></head></html>", "auth"),
    ('{"ok": 1, "data": {"data": [', "broken"),
    ('{"ok": 1, "data": {"data": "none"}}', "broken"),
])
def test_answers_that_are_not_a_list_are_classified(body, status):
    assert parse_reposts(body, fetched_at=FETCHED).status == status


def test_settings_bound_the_pages_per_post():
    with pytest.raises(SettingsError) as error:
        Settings.parse({"max_repost_pages": 0}, Path("."))
    assert error.value.key == "max_repost_pages"
    assert Settings.parse({}, Path(".")).connection == "weibo_mobile"


# --- fetching --------------------------------------------------------------------------------------

def test_a_post_s_whole_cascade_and_hot_comments_are_fetched_with_the_cookie(server):
    serve_cascade(server)
    result = fetch(settings_for(server, hot_comment_pages=2), [POST], context(), budget=20)
    assert result.health.status == "ok" and result.not_fetched == []
    (cascade,) = result.cascades
    assert cascade.complete and cascade.status == "ok" and cascade.pages == 2
    assert len(cascade.reposts) == 14 and cascade.reposts_total == 15
    assert len(cascade.comments) == 5 and cascade.comments_total == 57
    assert len(result.quarantined) == 1  # the repost without a time
    assert exchanges(server) == [
        "/robots.txt?", f"/api/statuses/repostTimeline?id={POST.native_id}&page=1",
        f"/api/statuses/repostTimeline?id={POST.native_id}&page=2",
        f"/comments/hotflow?id={POST.native_id}&mid={POST.native_id}&max_id_type=0",
        f"/comments/hotflow?id={POST.native_id}&mid={POST.native_id}&max_id_type=0&max_id=138908155043251"]
    assert result.health.requests == 5
    first = server.log[1][0]
    assert first.headers["Cookie"] == COOKIE and first.headers["X-Requested-With"] == "XMLHttpRequest"


def test_the_page_cap_keeps_the_newest_reposts_and_says_so(server):
    serve_cascade(server)
    result = fetch(settings_for(server, max_repost_pages=1, hot_comment_pages=0), [POST], context(), budget=20)
    (cascade,) = result.cascades
    assert not cascade.complete and len(cascade.reposts) == 10 and cascade.comments == []
    assert result.health.page_cap_hits == 1 and "max_repost_pages=1" in result.health.notes[0]


def test_a_post_nobody_reposted_is_a_complete_empty_cascade(server):
    server.expect_request("/api/statuses/repostTimeline").respond_with_data(fixture("reposts_none.json"))
    result = fetch(settings_for(server, hot_comment_pages=0), [POST], context(), budget=5)
    (cascade,) = result.cascades
    assert cascade.complete and cascade.reposts == [] and cascade.status == "ok"


@pytest.mark.parametrize("budget", range(0, 15))
def test_a_fetch_never_sends_more_requests_than_its_budget(server, budget):
    serve_cascade(server)
    targets = [target(n) for n in (1, 2, 3)]
    result = fetch(settings_for(server, hot_comment_pages=2), targets, context(), budget=budget)
    assert len(server.log) <= budget and result.health.requests == len(server.log)
    fetched = {c.key for c in result.cascades}
    assert fetched.isdisjoint(result.not_fetched) and fetched | set(result.not_fetched) == {t.key for t in targets}
    # robots.txt + 3 posts × (2 repost pages + 2 comment pages) = 13 requests fetch everything
    whole = not result.not_fetched and all(c.status == "ok" and len(c.comments) == 5 for c in result.cascades)
    assert whole == (budget >= 13)


def test_retries_and_robots_txt_count_against_the_budget(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=503)
    result = fetch(settings_for(httpserver, max_retries=5), [POST, target(2)], context(), budget=3)
    assert len(httpserver.log) == 3 and result.health.requests == 3
    assert result.cascades == [] and result.not_fetched == [POST.key, target(2).key]
    assert "request budget of 3 spent" in result.health.notes[-1]


def test_a_login_wall_without_a_cookie_names_the_connection_and_stops(server):
    server.expect_request("/api/statuses/repostTimeline").respond_with_data(LOGIN.read_text(encoding="utf-8"))
    result = fetch(settings_for(server), [POST, target(2)], context(cookie=None), budget=20)
    assert result.health.status == "error" and result.health.error_kind == "auth"
    assert "weibo_mobile" in result.health.message and "no cookie" in result.health.message
    assert [c.status for c in result.cascades] == ["error"] and result.not_fetched == [target(2).key]
    assert any(note.startswith("no cookie") for note in result.health.notes)


def test_http_432_is_a_refused_client(server):
    server.expect_request("/api/statuses/repostTimeline").respond_with_data("", status=432)
    result = fetch(settings_for(server), [POST], context(), budget=20)
    assert result.health.error_kind == "auth" and "Weibo cookie expired" in result.health.message


def test_being_asked_to_slow_down_stops_the_fetch_as_transient(server):
    server.expect_request("/api/statuses/repostTimeline").respond_with_data(fixture("too_frequent.json"))
    result = fetch(settings_for(server), [POST, target(2)], context(), budget=20)
    assert result.health.error_kind == "transient" and "slow down" in result.health.message
    assert result.not_fetched == [target(2).key] and len(server.log) == 2


def test_a_post_that_is_gone_ends_that_post_only(server):
    serve_cascade(server, only=target(2).native_id)
    result = fetch(settings_for(server, hot_comment_pages=0), [target(1), target(2)], context(), budget=20)
    assert [(c.native_id, c.status) for c in result.cascades] == [(target(1).native_id, "error"),
                                                                  (target(2).native_id, "ok")]
    assert result.health.status == "ok" and "HTTP 404" in result.health.notes[0]
    assert len(result.cascades[1].reposts) == 14


def test_a_broken_page_is_quarantined_and_the_reposts_read_before_it_are_kept(server):
    def reposts(request: Request) -> Response:
        return json_response(fixture("reposts_page1.json") if request.args["page"] == "1" else '{"ok": 1, "da')

    server.expect_request("/api/statuses/repostTimeline").respond_with_handler(reposts)
    result = fetch(settings_for(server, hot_comment_pages=0), [POST], context(), budget=20)
    (cascade,) = result.cascades
    assert cascade.status == "partial" and len(cascade.reposts) == 10 and not cascade.complete
    assert any("unusable answer" in q.reason for q in result.quarantined)
