"""weibo_time: Weibo's relative and absolute time stamps, resolved in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from extractors.weibo_time import parse_weibo_time

FETCHED = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 on 26 Nov in Shanghai


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("刚刚", utc(2024, 11, 26, 6, 0)),
    ("30秒前", utc(2024, 11, 26, 5, 59, 30)),
    ("5分钟前", utc(2024, 11, 26, 5, 55)),
    ("\n  5分钟前\n ", utc(2024, 11, 26, 5, 55)),
    ("2小时前", utc(2024, 11, 26, 4, 0)),
    ("今天 12:30", utc(2024, 11, 26, 4, 30)),
    ("今天07:05", utc(2024, 11, 25, 23, 5)),  # early morning in Shanghai is the previous UTC day
    ("昨天 23:59", utc(2024, 11, 25, 15, 59)),
    ("11月26日 09:00", utc(2024, 11, 26, 1, 0)),
    ("2024年11月26日 09:00", utc(2024, 11, 26, 1, 0)),
    ("2023年1月2日 09:00", utc(2023, 1, 2, 1, 0)),
    ("06-14", utc(2024, 6, 13, 16, 0)),
    ("2019-06-14", utc(2019, 6, 13, 16, 0)),
    ("2019-06-14 10:00", utc(2019, 6, 14, 2, 0)),
    ("Sat Jun 01 12:00:00 +0800 2019", utc(2019, 6, 1, 4, 0)),
    ("Tue Feb 23 12:28:47 +0800 2021", utc(2021, 2, 23, 4, 28, 47)),
])
def test_weibo_time_stamps(text, expected):
    assert parse_weibo_time(text, FETCHED) == expected


def test_a_date_without_year_that_would_be_in_the_future_is_last_year():
    assert parse_weibo_time("12月31日 09:00", FETCHED) == utc(2023, 12, 31, 1, 0)
    new_year = datetime(2025, 1, 1, 2, 0, tzinfo=timezone.utc)
    assert parse_weibo_time("12月31日 23:50", new_year) == utc(2024, 12, 31, 15, 50)


@pytest.mark.parametrize("text", ["", "sometime", "13月40日 09:00", "2月30日 10:00", "昨天"])
def test_unreadable_stamps_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_weibo_time(text, FETCHED)


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_random_text_raises_nothing_but_value_error(text):
    try:
        moment = parse_weibo_time(text, FETCHED)
    except ValueError:
        return
    assert moment.tzinfo is not None
