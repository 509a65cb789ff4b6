"""Weibo post ids: the numeric mid, the base62 bid of weibo.com links, and post links (pure)."""

from __future__ import annotations

import re

from extractors.weibo.settings import WEB_BASE

_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mid_to_bid(mid: str | int) -> str:
    """The base62 post code in weibo.com links (4383183661430868 -> HyTZc60ew)."""
    digits = str(mid).strip()
    if not re.fullmatch(r"[0-9]+", digits):
        raise ValueError(f"a Weibo mid is all digits, got {mid!r}")
    parts = []
    end = len(digits)
    while end > 0:
        start = max(0, end - 7)
        chunk = _to_base62(int(digits[start:end]))
        parts.append(chunk if start == 0 else chunk.rjust(4, "0"))
        end = start
    return "".join(reversed(parts))


def bid_to_mid(bid: str) -> str:
    """The numeric mid of a base62 post code (HyTZc60ew -> 4383183661430868)."""
    code = bid.strip()
    if not code or any(ch not in _BASE62 for ch in code):
        raise ValueError(f"a Weibo post code is base62, got {bid!r}")
    parts = []
    end = len(code)
    while end > 0:
        start = max(0, end - 4)
        number = str(_from_base62(code[start:end]))
        parts.append(number if start == 0 else number.rjust(7, "0"))
        end = start
    return "".join(reversed(parts)).lstrip("0") or "0"


def post_url(uid: str | None, bid: str | None, mid: str) -> str:
    """The public link of a post: https://weibo.com/<uid>/<bid> (falls back to the mobile detail page)."""
    if uid and bid:
        return f"{WEB_BASE}/{uid}/{bid}"
    return f"https://m.weibo.cn/detail/{mid}"


def _to_base62(number: int) -> str:
    if number == 0:
        return "0"
    out = []
    while number:
        number, rest = divmod(number, 62)
        out.append(_BASE62[rest])
    return "".join(reversed(out))


def _from_base62(code: str) -> int:
    number = 0
    for ch in code:
        number = number * 62 + _BASE62.index(ch)
    return number
