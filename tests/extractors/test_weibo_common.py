"""weibo_common: counts, ids, text, walls, cookies and mblogs shared by the two Weibo sources.

mblog tests read the real m.weibo.cn responses in ../shared/data/fixtures/weibo_mobile_api (they
are skipped, saying why, where that folder is absent; they are never copied into the repo).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from extractors.base import SourceError
from extractors.weibo_common import (
    as_weibo_auth,
    bid_to_mid,
    cookie_from,
    html_to_text,
    mblog_posts,
    mid_to_bid,
    missing_cookie_error,
    needs_long_text,
    parse_count,
    post_url,
    wall_reason,
    weibo_time,
)
from tests.shared_data import shared_path

SHARED = shared_path("fixtures", "weibo_mobile_api")
FETCHED_2019 = datetime(2019, 6, 15, 4, 0, tzinfo=timezone.utc)  # the captures are from mid-June 2019


def shared(name: str) -> dict:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"real m.weibo.cn responses not available at {SHARED} (see ../shared/data/README.md)")
    return json.loads(path.read_text(encoding="utf-8"))


def timeline_mblogs() -> list[dict]:
    return [card["mblog"] for card in shared("getIndex_containerid_107603_user_timeline.json")["data"]["cards"]
            if "mblog" in card]


@pytest.mark.parametrize("value, expected", [
    (12, 12), ("12", 12), (" 3456 ", 3456), ("1,234", 1234), ("1.2万", 12000), ("2.8万", 28000),
    ("3亿", 300_000_000), ("100万+", 1_000_000), ("10万+", 100_000), ("评论 17", 17),
    ("转发", 0), ("评论", 0), ("赞", 0), (" 转发 ", 0), ("", 0),
    (None, None), ("abc", None), (True, None), (-1, None), ([], None), (float("nan"), None),
    ("1.2.3", 1), ("9" * 400, None), (1e300, None),
])
def test_counts_as_weibo_writes_them(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize("text, expected", [
    ("\n  5分钟前\n ", datetime(2024, 11, 26, 5, 55, tzinfo=timezone.utc)),
    ("今天 12:30", datetime(2024, 11, 26, 4, 30, tzinfo=timezone.utc)),
    ("11月26日 09:00", datetime(2024, 11, 26, 1, 0, tzinfo=timezone.utc)),
    ("2023年11月20日 10:00", datetime(2023, 11, 20, 2, 0, tzinfo=timezone.utc)),
    ("Sat Jun 01 12:00:00 +0800 2019", datetime(2019, 6, 1, 4, 0, tzinfo=timezone.utc)),
])
def test_weibo_times_are_read_in_shanghai_from_the_fetch_time(text, expected):
    assert weibo_time(text, datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)) == expected


def test_mid_and_bid_convert_both_ways_on_real_posts():
    mblogs = timeline_mblogs()
    assert mblogs
    for mblog in mblogs:
        assert mid_to_bid(mblog["mid"]) == mblog["bid"]
        assert bid_to_mid(mblog["bid"]) == mblog["mid"]


def test_bad_ids_are_refused():
    with pytest.raises(ValueError):
        mid_to_bid("12ab")
    with pytest.raises(ValueError):
        bid_to_mid("P2-3")


def test_post_links():
    assert post_url("1669879400", "HyTZc60ew", "4383183661430868") == "https://weibo.com/1669879400/HyTZc60ew"
    assert post_url(None, None, "4383183661430868") == "https://m.weibo.cn/detail/4383183661430868"


def test_html_keeps_emoticons_and_topics_and_drops_buttons():
    fragment = ('好吃<span class="url-icon"><img alt=[偷笑] src="//h5.sinaimg.cn/x.png" /></span><br />'
                '<a href="https://m.weibo.cn/search?x"><span class="surl-text">#话题#</span></a>\u200b'
                ' 更多...<a href="/status/4383404751066167">全文</a>')
    assert html_to_text(fragment) == "好吃[偷笑]\n#话题# 更多..."


def test_html_of_a_real_post_keeps_its_emoticons():
    first = timeline_mblogs()[0]
    assert html_to_text(first["text"]) == "搬完这块砖，就可以吃好吃的了[偷笑][偷笑][偷笑]"


@pytest.mark.parametrize("body, walled", [
    ("<html><head><title>Sina Visitor System</title></head></html>", True),
    ('{"ok":-100,"msg":"请先登录","url":"https://passport.weibo.cn/signin/welcome?entry=mweibo"}', True),
    ("<script>location.replace('https://login.sina.com.cn/sso/login.php?url=x')</script>", True),
    ('<div class="card-wrap" mid="1">登录后可以看到更多</div>', False),
    ('{"ok":1,"data":{"cards":[]}}', False),
])
def test_login_and_visitor_walls_are_recognised(body, walled):
    assert (wall_reason(body) is not None) == walled


def test_the_cookie_comes_from_extra_cookie_then_password():
    assert cookie_from({"cookie": "SUB=a", "password": "SUB=b"}) == "SUB=a"
    assert cookie_from({"cookie": " ", "password": "SUB=b"}) == "SUB=b"
    assert cookie_from({"login": "someone"}) is None


def test_auth_messages_tell_ops_what_to_renew():
    missing = missing_cookie_error("weibo_default")
    assert missing.kind == "auth" and "AIRFLOW_CONN_WEIBO_DEFAULT" in str(missing)
    reworded = as_weibo_auth(SourceError("auth", "HTTP 403 from https://m.weibo.cn/api"), "weibo_x")
    assert str(reworded).startswith(
        "Weibo cookie expired or missing: renew the password/extra.cookie of Airflow Connection 'weibo_x'")
    assert "HTTP 403" in str(reworded)
    transient = SourceError("transient", "HTTP 502")
    assert as_weibo_auth(transient, "weibo_x") is transient


def test_a_real_mblog_becomes_a_post():
    [post] = mblog_posts(timeline_mblogs()[0], source="weibo_api", fetched_at=FETCHED_2019)
    assert post.key == ("weibo", "4383183661430868")
    assert post.author == "Dear-迪丽热巴" and post.author_id == "1669879400"
    assert post.url == "https://weibo.com/1669879400/HyTZc60ew"
    assert (post.reposts, post.comments, post.likes) == (240492, 95535, 348872)
    assert post.published_at == datetime(2019, 6, 13, 16, 0, tzinfo=timezone.utc)  # "06-14" in Shanghai
    assert post.extra["time_precision"] == "day"


def test_capped_counts_like_100_wan_plus_are_kept_as_their_floor():
    capped = next(m for m in timeline_mblogs() if m["reposts_count"] == "100万+")
    [post] = mblog_posts(capped, source="weibo_api", fetched_at=FETCHED_2019)
    assert post.reposts == 1_000_000


def test_a_real_repost_keeps_its_original_which_is_also_a_post():
    repost_mblog = next(m for m in timeline_mblogs() if "retweeted_status" in m)
    repost, original = mblog_posts(repost_mblog, source="weibo_api", fetched_at=FETCHED_2019)
    assert repost.native_id == repost_mblog["mid"] and original.native_id == repost_mblog["retweeted_status"]["mid"]
    assert repost.text == "大家一起电影院约起来啊～～～"
    assert repost.extra["retweeted"]["id"] == original.native_id
    assert original.text.startswith("写在《秦明·生死语者》上映这一天……")


def test_an_inline_long_text_replaces_the_cut_text():
    show = shared("statuses_show.json")["data"]
    repost, original = mblog_posts(show, source="weibo_api", fetched_at=FETCHED_2019)
    assert repost.published_at == datetime(2019, 6, 15, 3, 44, 46, tzinfo=timezone.utc)
    assert repost.text == "转发微博" and repost.extra["client"] == "微博手机版"
    assert not needs_long_text(show["retweeted_status"])
    assert original.text == html_to_text(show["retweeted_status"]["longText"]["longTextContent"])
    assert "全文" not in original.text and "truncated" not in original.extra


def test_a_cut_text_without_long_text_is_marked_truncated():
    mblog = {"mid": "4383404751066167", "created_at": "Sat Jun 15 11:16:35 +0800 2019", "isLongText": True,
             "text": "开头...<a href=\"/status/4383404751066167\">全文</a>", "user": {"id": 5349576923}}
    assert needs_long_text(mblog)
    [post] = mblog_posts(mblog, source="weibo_api", fetched_at=FETCHED_2019)
    assert post.extra["truncated"] is True and post.text == "开头..."
    [full] = mblog_posts(mblog, source="weibo_api", fetched_at=FETCHED_2019, long_text="完整的<br />正文")
    assert full.text == "完整的\n正文" and "truncated" not in full.extra


@pytest.mark.parametrize("mblog", [
    {"created_at": "06-14", "text": "no id"},
    {"mid": "4383183661430868", "text": "no time"},
    {"mid": "4383183661430868", "created_at": "sometime", "text": "bad time"},
    {"mid": "4383183661430868", "created_at": "06-14"},
])
def test_an_mblog_that_cannot_be_a_post_raises_value_error(mblog):
    with pytest.raises(ValueError):
        mblog_posts(mblog, source="weibo_api", fetched_at=FETCHED_2019)


@hsettings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)))
def test_counts_never_raise(value):
    result = parse_count(value)
    assert result is None or result >= 0


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_html_to_text_never_raises(fragment):
    assert isinstance(html_to_text(fragment), str)
