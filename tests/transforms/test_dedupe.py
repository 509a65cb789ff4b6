"""Dedupe by (platform, native_id): the most complete copy wins, order is first-seen."""

from datetime import datetime, timezone

from extractors.record import Post
from transforms.dedupe import dedupe_posts

T = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)


def post(native_id, text, platform="weibo", source="weibo_search", likes=None):
    return Post(platform=platform, native_id=native_id, source=source, text=text, published_at=T, likes=likes)


def test_same_post_from_two_sources_is_one_and_the_expanded_text_wins():
    truncated = post("4950", "新品拿铁太甜了…展开", source="weibo_search")
    full = post("4950", "新品拿铁太甜了，而且杯子漏水，客服也不回复", source="weibo_api")
    other = post("4951", "不错")
    assert dedupe_posts([truncated, other, full]) == [full, other]


def test_same_id_on_another_platform_is_another_post():
    assert len(dedupe_posts([post("1", "a"), post("1", "a", platform="xhs")])) == 2


def test_ties_keep_the_first_copy():
    first, second = post("1", "same", source="a"), post("1", "same", source="b")
    assert dedupe_posts([first, second])[0].source == "a"


def test_engagement_breaks_equal_text_length():
    low, high = post("1", "same", likes=1), post("1", "same", likes=9)
    assert dedupe_posts([low, high]) == [high]
