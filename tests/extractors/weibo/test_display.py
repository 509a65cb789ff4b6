"""weibo.display: Weibo's time stamps, counts and authors' reach as it writes them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from extractors.weibo.display import (
    display_count,
    follower_count,
    icon_verified_kind,
    long_text_body,
    verified_kind,
    weibo_time,
)


@pytest.mark.parametrize("value, expected", [
    (12, 12), ("12", 12), (" 3456 ", 3456), ("1,234", 1234), ("1.2万", 12000), ("2.8万", 28000),
    ("3亿", 300_000_000), ("100万+", 1_000_000), ("10万+", 100_000), ("评论 17", 17),
    ("转发", 0), ("评论", 0), ("赞", 0), (" 转发 ", 0), ("", 0),
    (None, None), ("abc", None), (True, None), (-1, None), ([], None), (float("nan"), None),
    ("1.2.3", 1), ("9" * 400, None), (1e300, None),
])
def test_counts_as_weibo_writes_them(value, expected):
    assert display_count(value) == expected


@pytest.mark.parametrize("text, expected", [
    ("\n  5分钟前\n ", datetime(2024, 11, 26, 5, 55, tzinfo=timezone.utc)),
    ("今天 12:30", datetime(2024, 11, 26, 4, 30, tzinfo=timezone.utc)),
    ("11月26日 09:00", datetime(2024, 11, 26, 1, 0, tzinfo=timezone.utc)),
    ("2023年11月20日 10:00", datetime(2023, 11, 20, 2, 0, tzinfo=timezone.utc)),
    ("Sat Jun 01 12:00:00 +0800 2019", datetime(2019, 6, 1, 4, 0, tzinfo=timezone.utc)),
])
def test_weibo_times_are_read_in_shanghai_from_the_fetch_time(text, expected):
    assert weibo_time(text, datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)) == expected


@hsettings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)))
def test_counts_never_raise(value):
    result = display_count(value)
    assert result is None or result >= 0




def test_long_texts_are_html_on_mobile_and_plain_on_the_web():
    assert long_text_body("完整的<br />正文") == "完整的\n正文"
    assert long_text_body("  价格<100元\u200b  ") == "价格<100元"


@pytest.mark.parametrize("user, expected", [
    ({"followers_count": 63357736}, 63357736), ({"followers_count": "12.3万"}, 123_000),
    ({"followers_count": "1,204"}, 1204), ({"followers_count": "100万+"}, 1_000_000),
    ({"followers_count": None, "followers_count_str": "2.1亿"}, 210_000_000),
    ({"followers_count": "很多", "followers_count_str": "3400"}, 3400),
    ({"followers_count": "很多"}, None), ({"followers_count": -5}, None), ({}, None),
])
def test_followers_as_number_or_text(user, expected):
    assert follower_count(user) == expected


@pytest.mark.parametrize("user, expected", [
    ({"verified": False, "verified_type": -1}, "none"), ({"verified_type": -1}, "none"),
    ({"verified": True, "verified_type": 0, "verified_type_ext": 1}, "personal"),
    ({"verified": True, "verified_type": 1}, "government"), ({"verified": True, "verified_type": 2}, "enterprise"),
    ({"verified": True, "verified_type": 3}, "media"), ({"verified": True, "verified_type": 7}, "organization"),
    ({"verified": True, "verified_type": 220}, "talent"), ({"verified": True, "verified_type": "3"}, "media"),
    ({"verified": True}, "verified"), ({"verified": True, "verified_type": 99}, "verified"),
    ({}, None), ({"verified": "maybe"}, None),
])
def test_verification_as_the_user_object_says_it(user, expected):
    assert verified_kind(user) == expected


def test_search_card_badges():
    assert icon_verified_kind(["icon-vip", "icon-vip-b"]) == "organization"
    assert icon_verified_kind(["icon-vip", "icon-vip-y"]) == "personal"
    assert icon_verified_kind(["icon-vip", "icon-member"]) is None  # a paying member, not a verification
