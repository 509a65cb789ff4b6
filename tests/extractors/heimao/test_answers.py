"""extractors.heimao.answers: tousu.sina.com.cn list answers read into complaints, and every
answer that is not a list classified (fixtures rebuilt by hand: fixtures/heimao/README.md)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.heimao.answers import complaint_post, parse_answer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "heimao"
FETCHED = datetime(2025, 12, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parse(body: str, page: int = 1, **options):
    return parse_answer(body, page=page, fetched_at=FETCHED, location=f"p{page}", **options)


def envelope(code=0, msg="", data=None) -> str:
    result = {"status": {"code": code, "msg": msg}}
    if data is not None:
        result["data"] = data
    return json.dumps({"result": result}, ensure_ascii=False)


# --- complaints -----------------------------------------------------------------------------------

def test_a_search_page_gives_its_complaints_and_pager():
    answer = parse(fixture("search_page1.json"))
    assert answer.problem is None
    assert (answer.page_amount, answer.item_count) == (5, 44)
    assert [post.native_id for post in answer.posts] == ["17390000101", "17390000102", "17390000104"]
    assert [q.location for q in answer.quarantined] == ["p1#2"] and "timestamp" in answer.quarantined[0].reason
    assert answer.listed == 4


def test_a_complaint_is_a_post_with_its_appeal_object_and_hint():
    delivery, fees = parse(fixture("search_page1.json")).posts[:2]
    assert delivery.platform == "heimao" and delivery.source == "heimao"
    assert delivery.title == "艾克米外卖超时两小时送达，饭菜全凉"  # highlight tags gone
    assert delivery.text == ("艾克米外卖超时两小时送达，饭菜全凉\n"
                             "11:05下单，骑手13:10才送到，汤洒了一半，联系客服只回复抱歉，没有任何处理。")
    assert delivery.url == "https://tousu.sina.com.cn/complaint/view/17390000101/"
    assert delivery.published_at == datetime(2025, 12, 2, 3, 20, tzinfo=timezone.utc)  # 11:20 Asia/Shanghai
    assert delivery.author == "黑猫用户a1b2c3"
    assert delivery.extra == {"complaint_source": "heimao", "appeal": "退款,道歉", "object": "艾克米外卖",
                              "category_hint": "delivery_logistics", "status": "处理中"}
    assert fees.extra == {"complaint_source": "heimao", "appeal": "退息费，退会员费", "object": "艾克米借款App",
                          "category_hint": "price_billing", "issue": "乱收费", "cost": "349"}
    assert fees.published_at == datetime(2025, 12, 2, 1, 30, tzinfo=timezone.utc)  # a numeric timestamp
    assert fees.author is None


def test_a_status_name_is_the_status():
    harassment = parse(fixture("search_page2.json")).posts[0]
    assert harassment.extra["status"] == "已回复" and harassment.extra["category_hint"] == "service_attitude"


def test_company_lists_under_complaints_or_lists_carry_their_company_id():
    first = parse(fixture("company_page1.json"), couid="5350527288")
    second = parse(fixture("company_page2.json"), page=2, couid="5350527288")
    assert [p.native_id for p in first.posts + second.posts] == ["17390000201", "17390000202", "17390000203"]
    assert {p.extra["couid"] for p in first.posts + second.posts} == {"5350527288"}
    assert first.posts[0].extra["object"] == "艾克米科技"


@pytest.mark.parametrize("main, expected_id, expected_url", [
    ({"sn": "17390000301"}, "17390000301", "https://tousu.sina.com.cn/complaint/view/17390000301/"),
    ({"url": "/complaint/view/17390000302/?sld=ab"}, "17390000302",
     "https://tousu.sina.com.cn/complaint/view/17390000302/?sld=ab"),  # the number from the link
    ({"sn": 17390000303, "url": "javascript:void(0)"}, "17390000303",
     "https://tousu.sina.com.cn/complaint/view/17390000303/"),  # a useless link is rebuilt
])
def test_numbers_and_links(main, expected_id, expected_url):
    post = complaint_post({"main": {"title": "投诉", "timestamp": "1764645600", **main}}, fetched_at=FETCHED)
    assert (post.native_id, post.url) == (expected_id, expected_url)


@pytest.mark.parametrize("entry, words", [
    ({"main": {"title": "投诉", "timestamp": "1764645600"}}, "no complaint number"),
    ({"main": {"sn": "17390000401", "timestamp": "1764645600", "title": "", "summary": "  "}}, "neither title nor summary"),
    ({"main": {"sn": "17390000402", "title": "投诉", "timestamp": "昨天下午"}}, "timestamp"),
    ({"sn": "17390000403"}, "no `main`"),
    (["not", "a", "complaint"], "no `main`"),
])
def test_unreadable_complaints_say_why(entry, words):
    with pytest.raises((ValueError, TypeError)) as raised:
        complaint_post(entry, fetched_at=FETCHED)
    assert words in str(raised.value)


# --- answers that are not a usable list --------------------------------------------------------------

def test_a_valid_envelope_with_an_empty_list_is_an_empty_result():
    answer = parse(fixture("search_empty.json"))
    assert answer.problem is None and answer.posts == [] and answer.listed == 0


def test_an_empty_page_while_the_pager_counts_complaints_is_throttling():
    answer = parse(envelope(data={"lists": [], "pager": {"page_amount": 12, "item_count": 118}}))
    assert answer.problem[0] == "transient" and "118" in answer.problem[1]


@pytest.mark.parametrize("body, kind, words, keep", [
    (fixture("verification.html"), "auth", "verification (captcha) page", False),
    ('<html><body><a href="https://passport.sina.com.cn/signin">请先登录</a></body></html>', "auth", "login page", False),
    ("<html><head><title>访问受限</title></head><body>您的访问过于频繁，请稍后再试</body></html>", "transient",
     "rate-limit page titled '访问受限'", False),
    (fixture("maintenance.html"), "permanent", "HTML page titled '系统维护中' instead of JSON", True),
    (fixture("search_page1.json")[:500], "transient", "not JSON", True),  # cut short
    ("", "transient", "empty body", False),
    ("[1, 2]", "permanent", "without the result.status envelope", True),
    ('{"ok": 1, "data": {"lists": []}}', "permanent", "without the result.status envelope", True),
    (envelope(data={"items": []}), "permanent", "without a complaint list", True),
    ("[" * 100_000 + "]" * 100_000, "transient", "not JSON", True),  # deeper than the JSON parser allows
])
def test_bodies_that_are_not_a_list_are_classified(body, kind, words, keep):
    answer = parse(body)
    assert answer.problem is not None and answer.problem[0] == kind and words in answer.problem[1]
    assert answer.keep_body is keep and answer.posts == []


@pytest.mark.parametrize("code, msg, kind", [
    (1, "请先登录", "auth"),
    ("100001", "用户未登录", "auth"),
    (2, "请求过于频繁，请稍后再试", "transient"),
    (503, "", "transient"),
    ("500", "service error", "transient"),
    (3, "签名错误", "permanent"),
    (-1, "参数错误", "permanent"),
    (404, "", "permanent"),
])
def test_error_codes_are_classified_by_code_and_message(code, msg, kind):
    answer = parse(envelope(code, msg))
    assert answer.problem[0] == kind and f"error code {code!r}" in answer.problem[1]
    if "签名" in msg:
        assert "does not forge" in answer.problem[1]


# --- never a crash ---------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["result", "status", "code", "msg", "data", "lists", "complaints", "pager", "page_amount",
                         "item_count", "main", "author", "sn", "title", "summary", "appeal", "cotitle", "object",
                         "timestamp", "datetime", "url", "status_name", "issue", "cost", "couid"]), inner, max_size=6),
    max_leaves=30)


@given(JSON_VALUES, st.integers(1, 5))
def test_arbitrary_json_never_crashes_the_parser(value, page):
    answer = parse(json.dumps(value), page=page)
    assert answer.problem is None or answer.problem[0] in ("auth", "transient", "permanent")
    assert all(q.source == "heimao" for q in answer.quarantined)


@given(st.lists(st.fixed_dictionaries({"main": JSON_VALUES}), max_size=4))
def test_arbitrary_complaints_in_a_valid_envelope_are_posts_or_quarantined(entries):
    answer = parse(envelope(data={"lists": entries}))
    assert answer.problem is None and answer.listed == len(entries)


@given(st.integers(0, 3000), st.text(max_size=20))
def test_a_cut_or_spliced_answer_never_crashes_the_parser(cut, junk):
    parse(fixture("search_page1.json")[:cut] + junk)
