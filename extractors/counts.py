"""Engagement counts as sites and crawlers write them: 12, "1,234", "1.2万", "3亿", "10万+", "2.5k" (pure).

One grammar for every source: a number with thousands separators, an optional unit (千/k,
万/w, 亿) and an optional "+" (a capped count: "100万+" keeps its floor). Counts of 10^15 or more
are not counts (a mangled id, a runaway string).
"""

from __future__ import annotations

import math
import re

MAX_COUNT = 10**15
_NUMBER = r"(?P<number>\d[\d,，]*(?:\.\d+)?)\s*(?P<unit>万|w|W|亿|千|k|K)?"
_WHOLE = re.compile(rf"^{_NUMBER}\s*\+?$")
_ANYWHERE = re.compile(_NUMBER)
_UNITS = {None: 1, "千": 1_000, "k": 1_000, "K": 1_000, "万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000}
_NO_VALUE = ("", "none", "null", "nan", "-")


def parse_count(value: object, name: str = "count") -> int | None:
    """A count written as a number or as text: 12, "1,234", "1.2万", "3亿", "10万+", "999+".

    None, "" and "None" (a crawler's str(None)) are None; anything else raises ValueError naming `name`.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} is not a count: {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or not 0 <= value < MAX_COUNT:
            raise ValueError(f"{name} is not a count: {value!r}")
        return int(value)
    text = str(value).strip()
    if text.lower() in _NO_VALUE:
        return None
    match = _WHOLE.match(text)
    if not match:
        raise ValueError(f"{name} is not a number: {value!r}")
    return _value(match, name, value)


def find_count(text: str) -> int | None:
    """The first count inside a label ("转发 1.2万", "评论 17"); None when there is none or it is absurd."""
    match = _ANYWHERE.search(text)
    if match is None:
        return None
    try:
        return _value(match, "count", text)
    except ValueError:
        return None


def _value(match: re.Match[str], name: str, raw: object) -> int:
    number = float(match["number"].replace(",", "").replace("，", "")) * _UNITS[match["unit"]]
    if number >= MAX_COUNT:
        raise ValueError(f"{name} is not a count: {raw!r}")
    return int(round(number))
