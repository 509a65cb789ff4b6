"""Turning the timestamps sources write into aware UTC datetimes (pure functions).

Handled: datetimes; epoch seconds or milliseconds; ISO 8601; "YYYY-MM-DD[ HH:MM[:SS]]" with
- or /; "YYYY年MM月DD日[ HH:MM]"; RFC 822 ("Fri, 21 Nov 2025 00:00:00 +0000"); the Weibo API's
"Tue Jun 18 20:20:52 +0800 2019"; and, given `now` (the fetch time), the relative forms Chinese
sites write: "刚刚", "5秒前", "5分钟前", "3小时前", "2天前", "今天 12:30", "昨天 12:30",
"前天 12:30", "11月26日 09:00", "11-26 09:00" (a date without a year is the latest such date
not after `now`). Times without an offset, and relative forms, are read in `default_tz`
(Asia/Shanghai unless a source says otherwise); "CST" is read as that zone too, since Chinese
sites mean China Standard Time by it. Anything else raises ValueError naming the value.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_EPOCH_MS_FLOOR = 10**11  # numbers above this are milliseconds (any date after 1973)
_DIGITS = re.compile(r"^\d{9,13}(\.\d+)?$")
_CLOCK = r"(?:\s*(?P<hour>\d{1,2})[:：](?P<minute>\d{2})(?:[:：](?P<second>\d{2}))?)?"
_AGO = re.compile(r"^(?P<n>\d{1,6})\s*(?P<unit>秒|秒钟|分|分钟|小时|个小时|天|周|星期)前$")
_DAY_WORD = re.compile(r"^(?P<word>今天|昨天|前天)" + _CLOCK + "$")
_CHINESE_DATE = re.compile(r"^(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]" + _CLOCK + "$")
_NUMERIC_DATE = re.compile(r"^(?:(?P<year>\d{4})[-/.])?(?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"
                           r"(?:[T\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$")
_WEIBO_API = "%a %b %d %H:%M:%S %z %Y"
_UNITS = {"秒": "seconds", "秒钟": "seconds", "分": "minutes", "分钟": "minutes", "小时": "hours",
          "个小时": "hours", "天": "days", "周": "weeks", "星期": "weeks"}
_DAY_OFFSETS = {"今天": 0, "昨天": 1, "前天": 2}


def parse_timestamp(value: object, default_tz: ZoneInfo = SHANGHAI, now: datetime | None = None) -> datetime:
    """Parse a source's timestamp into an aware UTC datetime (formats in the module docstring).

    `now` (aware, the fetch time) is needed for relative forms and year-less dates; without it
    they raise ValueError. Raises ValueError with the offending value when nothing fits.
    """
    try:
        moment = _parse(value, default_tz, now)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"unrecognised timestamp {value!r}") from None
    if moment is None:
        raise ValueError(f"unrecognised timestamp {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment.astimezone(timezone.utc)


_EMBEDDED = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T\s]+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*\d{1,2}[:：]\d{2})?"
    r"|(?:今天|昨天|前天)\s*\d{1,2}[:：]\d{2}"
    r"|\d{1,6}\s*(?:秒钟|秒|分钟|分|个小时|小时|天|周|星期)前|刚刚|刚才"
    r"|(?<![\d-])\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")


def find_timestamp(text: str, default_tz: ZoneInfo = SHANGHAI, now: datetime | None = None) -> datetime:
    """Like parse_timestamp, but also finds the timestamp inside a longer text ("发表于 昨天 12:30").

    The whole text is tried first, then each date-like part in order. Raises ValueError.
    """
    try:
        return parse_timestamp(text, default_tz, now)
    except ValueError:
        pass
    for match in _EMBEDDED.finditer(" ".join(str(text).split())):
        try:
            return parse_timestamp(match.group(0), default_tz, now)
        except ValueError:
            continue
    raise ValueError(f"no timestamp found in {text!r}")


def _parse(value: object, tz: ZoneInfo, now: datetime | None) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    if _DIGITS.match(text):
        return _from_epoch(float(text))
    for parser in (_parse_iso, _parse_rfc822, _parse_weibo_api):
        moment = parser(text, tz)
        if moment is not None:
            return moment
    return _parse_chinese(text, tz, now)


def _parse_iso(text: str, tz: ZoneInfo) -> datetime | None:
    if not re.match(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}", text):
        return None
    normal = re.sub(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})",
                    lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    normal = re.sub(r"([T ])(\d):", r"\g<1>0\2:", normal)
    try:
        return datetime.fromisoformat(normal.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_rfc822(text: str, tz: ZoneInfo) -> datetime | None:
    if not re.search(r"[A-Za-z]{3}", text) or not re.search(r"\d{1,2}:\d{2}", text):
        return None
    china = re.search(r"\s(CST|China Standard Time)$", text)
    try:
        moment = parsedate_to_datetime(text[: china.start()] if china else text)
    except (TypeError, ValueError, IndexError):
        return None
    if china or moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment


def _parse_weibo_api(text: str, tz: ZoneInfo) -> datetime | None:
    try:
        return datetime.strptime(text, _WEIBO_API)
    except ValueError:
        return None


def _parse_chinese(text: str, tz: ZoneInfo, now: datetime | None) -> datetime | None:
    if text in ("刚刚", "刚才"):
        return _need(now, text)
    match = _AGO.match(text)
    if match:
        return _need(now, text) - timedelta(**{_UNITS[match["unit"]]: int(match["n"])})
    match = _DAY_WORD.match(text)
    if match:
        local_now = _need(now, text).astimezone(tz)
        day = local_now.date() - timedelta(days=_DAY_OFFSETS[match["word"]])
        return _at(day.year, day.month, day.day, match, tz)
    match = _CHINESE_DATE.match(text) or _NUMERIC_DATE.match(text)
    if match:
        if match["year"]:
            return _at(int(match["year"]), int(match["month"]), int(match["day"]), match, tz)
        local_now = _need(now, text).astimezone(tz)
        moment = _at(local_now.year, int(match["month"]), int(match["day"]), match, tz)
        if moment > local_now + timedelta(days=1):  # "12月31日" read on 1 January: last year
            moment = _at(local_now.year - 1, int(match["month"]), int(match["day"]), match, tz)
        return moment
    return None


def _at(year: int, month: int, day: int, match: re.Match, tz: ZoneInfo) -> datetime:
    return datetime(year, month, day, int(match["hour"] or 0), int(match["minute"] or 0),
                    int(match["second"] or 0), tzinfo=tz)


def _need(now: datetime | None, text: str) -> datetime:
    if now is None or now.tzinfo is None:
        raise ValueError(f"relative time {text!r} needs the (aware) fetch time")
    return now


def _from_epoch(number: float) -> datetime:
    if number >= _EPOCH_MS_FLOOR:
        number /= 1000.0
    return datetime.fromtimestamp(number, tz=timezone.utc)
