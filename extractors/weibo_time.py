"""The time stamps Weibo writes, resolved in Asia/Shanghai relative to the fetch time (pure).

s.weibo.com writes "刚刚", "5分钟前", "2小时前", "今天 12:30", "昨天 08:01", "11月26日 09:00" and
"2024年11月26日 09:00"; m.weibo.cn writes the same relative forms, "06-14" (this year, day
only), "2019-06-14" and "Sat Jun 01 12:00:00 +0800 2019".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_AGO = re.compile(r"(\d+)\s*(秒|分钟|小时|天)前")
_DAY_WORD = re.compile(r"(今天|昨天|前天)\s*(\d{1,2}):(\d{2})")
_ZH_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DASH_DATE = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}
_DAY_OFFSET = {"今天": 0, "昨天": 1, "前天": 2}


def parse_weibo_time(text: str, fetched_at: datetime) -> datetime:
    """An aware UTC datetime for a Weibo time stamp; dates without a year take the fetch year
    (or the year before, when that would put them in the future). Raises ValueError."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    value = re.sub(r"\s+", " ", str(text)).strip()
    now = fetched_at.astimezone(SHANGHAI)
    if value.startswith("刚刚"):
        return fetched_at.astimezone(timezone.utc)
    if match := _AGO.match(value):
        delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return (fetched_at - delta).astimezone(timezone.utc)
    if match := _DAY_WORD.match(value):
        day = now.date() - timedelta(days=_DAY_OFFSET[match.group(1)])
        return _local(day.year, day.month, day.day, match.group(2), match.group(3), None, now)
    if match := _ZH_DATE.match(value):
        return _dated(match.groups(), now)
    if match := _DASH_DATE.match(value):
        return _dated(match.groups(), now)
    try:
        moment = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"unrecognised Weibo time {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(timezone.utc)


def _dated(groups: tuple[str | None, ...], now: datetime) -> datetime:
    year, month, day, hour, minute, second = groups
    if year is not None:
        return _local(int(year), int(month), int(day), hour, minute, second, now)
    moment = _local(now.year, int(month), int(day), hour, minute, second, now)
    if moment > now + timedelta(days=1):
        moment = _local(now.year - 1, int(month), int(day), hour, minute, second, now)
    return moment


def _local(year: int, month: int, day: int, hour: str | None, minute: str | None,
           second: str | None, now: datetime) -> datetime:
    try:
        moment = datetime(year, int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          tzinfo=SHANGHAI)
    except ValueError as error:
        raise ValueError(f"impossible Weibo date {year}-{month}-{day} {hour}:{minute}: {error}") from None
    return moment.astimezone(timezone.utc)
