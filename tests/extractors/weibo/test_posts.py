"""weibo.posts: real mblogs become posts; reposts keep their originals; cut texts are marked."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from extractors.htmltext import html_to_text
from extractors.weibo.posts import mblog_posts, needs_long_text

from .real_captures import FETCHED_2019, shared, timeline_mblogs


def test_a_real_mblog_becomes_a_post():
    [post] = mblog_posts(timeline_mblogs()[0], source="weibo_api", fetched_at=FETCHED_2019)
    assert post.key == ("weibo", "4383183661430868")
    assert post.author == "Dear-迪丽热巴" and post.author_id == "1669879400"
    assert post.url == "https://weibo.com/1669879400/HyTZc60ew"
    assert (post.reposts, post.comments, post.likes) == (240492, 95535, 348872)
    assert post.published_at == datetime(2019, 6, 13, 16, 0, tzinfo=timezone.utc)  # "06-14" in Shanghai
    assert post.extra["time_precision"] == "day"


def test_a_real_mblog_carries_its_authors_reach():
    [post] = mblog_posts(timeline_mblogs()[0], source="weibo_api", fetched_at=FETCHED_2019)
    assert (post.author_followers, post.author_verified) == (63356825, "personal")
    assert post.to_json()["author_followers"] == 63356825
    assert post.counted_at == FETCHED_2019  # the counts are those of the fetch


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
