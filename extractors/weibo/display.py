"""What Weibo displays, read: its time stamps, its counts, its long texts (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime

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
