"""Timestamps as Chinese sites, feeds, APIs and crawler exports write them, resolved to UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.timeparse import SHANGHAI, find_timestamp, parse_timestamp

# 2025-11-26 12:00 in Shanghai
FETCHED = datetime(2025, 11, 26, 4, 0, tzinfo=timezone.utc)


def shanghai(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    ("刚刚", FETCHED),
    ("30秒前", FETCHED - timedelta(seconds=30)),
    ("5分钟前", FETCHED - timedelta(minutes=5)),
    ("3小时前", FETCHED - timedelta(hours=3)),
    ("2天前", FETCHED - timedelta(days=2)),
    ("今天 09:15", shanghai(2025, 11, 26, 9, 15)),
    ("今天09:15", shanghai(2025, 11, 26, 9, 15)),
    ("昨天 12:30", shanghai(2025, 11, 25, 12, 30)),
    ("前天 23:59", shanghai(2025, 11, 24, 23, 59)),
    ("11月26日 09:00", shanghai(2025, 11, 26, 9, 0)),
    ("11-20 08:05", shanghai(2025, 11, 20, 8, 5)),
    ("2024年3月5日 18:20", shanghai(2024, 3, 5, 18, 20)),
])
def test_relative_and_chinese_forms_resolve_in_shanghai_from_the_fetch_time(text, expected):
    assert parse_timestamp(text, SHANGHAI, now=FETCHED) == expected


def test_today_follows_the_shanghai_date_not_the_utc_date():
    late_utc = datetime(2025, 11, 26, 17, 0, tzinfo=timezone.utc)  # already 27 Nov 01:00 in Shanghai
    assert parse_timestamp("今天 00:30", SHANGHAI, now=late_utc) == shanghai(2025, 11, 27, 0, 30)


def test_a_yearless_date_after_the_fetch_time_belongs_to_last_year():
    new_year = shanghai(2026, 1, 1, 8, 0)
    assert parse_timestamp("12月31日 23:00", SHANGHAI, now=new_year) == shanghai(2025, 12, 31, 23, 0)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-11-26", shanghai(2025, 11, 26)),
    ("2025-11-26 09:00", shanghai(2025, 11, 26, 9, 0)),
    ("2025/1/2 9:05:07", shanghai(2025, 1, 2, 9, 5, 7)),
    ("2025.11.26 09:00", shanghai(2025, 11, 26, 9, 0)),
    ("2025-11-28T00:14:06Z", datetime(2025, 11, 28, 0, 14, 6, tzinfo=timezone.utc)),
    ("2025-11-28T08:14:06+08:00", datetime(2025, 11, 28, 0, 14, 6, tzinfo=timezone.utc)),
    ("Fri, 21 Nov 2025 00:00:00 +0000", datetime(2025, 11, 21, tzinfo=timezone.utc)),
    ("Fri, 28 Nov 2025 08:14:06 +0800", datetime(2025, 11, 28, 0, 14, 6, tzinfo=timezone.utc)),
    ("Fri, 28 Nov 2025 08:14:06 GMT", datetime(2025, 11, 28, 8, 14, 6, tzinfo=timezone.utc)),
    ("Fri, 28 Nov 2025 08:14:06 CST", shanghai(2025, 11, 28, 8, 14, 6)),
    ("Tue Jun 18 20:20:52 +0800 2019", datetime(2019, 6, 18, 12, 20, 52, tzinfo=timezone.utc)),
    ("1732600000", datetime(2024, 11, 26, 5, 46, 40, tzinfo=timezone.utc)),
    (1732600000123, datetime(2024, 11, 26, 5, 46, 40, 123000, tzinfo=timezone.utc)),
    (1732600000.5, datetime(2024, 11, 26, 5, 46, 40, 500000, tzinfo=timezone.utc)),
])
def test_absolute_forms_need_no_fetch_time(text, expected):
    assert parse_timestamp(text, SHANGHAI) == expected


def test_naive_values_are_read_in_the_sources_zone():
    assert parse_timestamp("2025-11-26 09:00", ZoneInfo("UTC")) == datetime(2025, 11, 26, 9, tzinfo=timezone.utc)
    assert parse_timestamp(datetime(2025, 11, 26, 9), SHANGHAI) == shanghai(2025, 11, 26, 9)


@pytest.mark.parametrize("text", ["刚刚", "5分钟前", "昨天 12:30", "11月26日 09:00"])
def test_relative_forms_without_a_fetch_time_are_refused(text):
    with pytest.raises(ValueError, match="unrecognised timestamp"):
        parse_timestamp(text, SHANGHAI)


@pytest.mark.parametrize("value", ["", "   ", "soon", "2025-13-40", "13月40日", "99:99", None, True, [], "5 分钟以后",
                                   float("nan"), float("inf"), "999999999999999999999天前"])
def test_garbage_is_a_value_error(value):
    with pytest.raises(ValueError):
        parse_timestamp(value, SHANGHAI, now=FETCHED)


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.none(), st.binary(max_size=20)))
def test_any_input_gives_utc_or_value_error(value):
    try:
        parsed = parse_timestamp(value, SHANGHAI, now=FETCHED)
    except ValueError:
        return
    assert parsed.tzinfo == timezone.utc


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["秒", "分钟", "小时", "天"]))
def test_ago_is_never_after_the_fetch_time(amount, unit):
    try:
        parsed = parse_timestamp(f"{amount}{unit}前", SHANGHAI, now=FETCHED)
    except ValueError:
        return  # too far back for a datetime
    assert parsed <= FETCHED


@pytest.mark.parametrize(("text", "expected"), [
    ("发表于 昨天 12:30", shanghai(2025, 11, 25, 12, 30)),
    ("回复于 2025-11-20 08:00 来自 iPhone", shanghai(2025, 11, 20, 8, 0)),
    ("2025年11月3日 发布", shanghai(2025, 11, 3)),
    ("作者 张三 | 3小时前", FETCHED - timedelta(hours=3)),
    ("最后回复 11-24 21:05", shanghai(2025, 11, 24, 21, 5)),
    ("2025-11-26 09:00", shanghai(2025, 11, 26, 9, 0)),
])
def test_find_timestamp_reads_the_time_inside_a_longer_text(text, expected):
    assert find_timestamp(text, SHANGHAI, now=FETCHED) == expected


def test_find_timestamp_without_any_time_is_a_value_error():
    with pytest.raises(ValueError, match="no timestamp found"):
        find_timestamp("置顶 精华 已解决", SHANGHAI, now=FETCHED)


@given(st.text(max_size=60))
def test_find_timestamp_gives_utc_or_value_error(text):
    try:
        parsed = find_timestamp(text, SHANGHAI, now=FETCHED)
    except ValueError:
        return
    assert parsed.tzinfo == timezone.utc
