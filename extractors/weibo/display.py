"""What Weibo displays, read: its time stamps, its counts, its long texts (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from extractors.counts import find_count, parse_count
from extractors.htmltext import html_to_text, tidy_text
from extractors.timeparse import SHANGHAI, parse_timestamp

_COUNT_LABELS = ("转发", "评论", "赞", "点赞", "收藏")


def weibo_time(text: str, fetched_at: datetime) -> datetime:
    """A Weibo time stamp ("刚刚", "5分钟前", "今天 12:30", "11月26日 09:00", "06-14", "Sat Jun 01
    12:00:00 +0800 2019", …) as aware UTC, read in Asia/Shanghai relative to the fetch time."""
    return parse_timestamp(text.strip(), SHANGHAI, now=fetched_at)


def display_count(value: object) -> int | None:
    """A count as Weibo shows it: 12, "1,234", "1.2万", "100万+", "评论 17"; a bare label ("转发",
    shown when there are none) is 0. None when nothing count-like is there (the post is kept
    without that count)."""
    if isinstance(value, str):
        bare = value.strip().replace(" ", "")
        return 0 if bare == "" or bare in _COUNT_LABELS else find_count(value)
    try:
        return parse_count(value)
    except ValueError:
        return None


def follower_count(user: Mapping[str, Any]) -> int | None:
    """An account's followers as a user object gives them: `followers_count` as a number or as
    text ("12.3万", newer answers), else `followers_count_str`; None when neither reads as a count."""
    for key in ("followers_count", "followers_count_str"):
        try:
            found = parse_count(user.get(key), key)
        except ValueError:
            continue
        if found is not None:
            return found
    return None


# m.weibo.cn `verified_type`: 0 a person (yellow/orange/gold V); 1–7 organisations (blue V);
# 200 and 220 recognised users (达人). -1 is "not verified".
_VERIFIED_TYPES = {0: "personal", 1: "government", 2: "enterprise", 3: "media", 4: "organization",
                   5: "organization", 6: "organization", 7: "organization", 200: "talent", 220: "talent"}
# s.weibo.com cards mark a verified author with an icon beside the name.
_VERIFIED_ICONS = {"icon-vip-b": "organization", "icon-vip-y": "personal", "icon-vip-g": "personal",
                   "icon-daren": "talent"}


def verified_kind(user: Mapping[str, Any]) -> str | None:
    """What a user object says of its verification (`record.VERIFIED_KINDS`); None when it says nothing."""
    flag, kind = user.get("verified"), user.get("verified_type")
    if isinstance(kind, str) and kind.strip().lstrip("-").isdigit():
        kind = int(kind)
    if isinstance(kind, bool) or not isinstance(kind, int):
        kind = None
    if flag is False or (flag is None and kind == -1):
        return "none"
    if flag is True or kind is not None:
        return _VERIFIED_TYPES.get(kind, "verified")
    return None


def icon_verified_kind(classes: list[str]) -> str | None:
    """The verification a search card's badge shows (`icon-vip-b` blue V …), or None for another icon."""
    return next((_VERIFIED_ICONS[c] for c in classes if c in _VERIFIED_ICONS), None)


def long_text_body(content: str) -> str:
    """Plain text of a long-text payload, which is HTML on m.weibo.cn and mostly plain on weibo.com."""
    if re.search(r"<(br|a|span|img|p)\b", content, re.IGNORECASE):
        return html_to_text(content)
    return tidy_text(content)


def long_text_answer(body: str) -> str | None:
    """The full text in a long-text answer (`data.longTextContent` of weibo.com's
    ajax/statuses/longtext and of m.weibo.cn's statuses/extend), or None when it has none."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    data = payload.get("data") if isinstance(payload, Mapping) else None
    content = data.get("longTextContent") if isinstance(data, Mapping) else None
    return long_text_body(content) if isinstance(content, str) and content.strip() else None
