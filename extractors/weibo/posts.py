"""Weibo posts as `Post`s: mblogs (the JSON shape of a post on m.weibo.cn and weibo.com/ajax),
reposts with their originals, and cut texts completed from a long-text endpoint (pure)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from extractors.base import SourceError
from extractors.htmltext import html_to_text
from extractors.record import Post
from extractors.weibo.display import display_count, follower_count, long_text_body, verified_kind, weibo_time
from extractors.weibo.ids import mid_to_bid, post_url
from extractors.weibo.settings import PLATFORM


def mblog_id(mblog: Mapping[str, Any]) -> str:
    """The numeric id of an mblog as a string; ValueError when it has none."""
    for key in ("mid", "idstr", "id"):
        value = mblog.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and re.fullmatch(r"[0-9]+", str(value).strip()):
            return str(value).strip()
    raise ValueError("mblog has no numeric id (mid/idstr/id)")


def mblog_posts(mblog: Mapping[str, Any], *, source: str, fetched_at: datetime,
                long_text: str | None = None) -> list[Post]:
    """The post an mblog describes, followed by the reposted original when there is one.

    `long_text` (from statuses/extend) replaces a truncated text. Raises ValueError/TypeError
    for an mblog that cannot be a post (no id, no time, no text): the caller quarantines it.
    """
    post = _mblog_post(mblog, source=source, fetched_at=fetched_at, long_text=long_text)
    original = mblog.get("retweeted_status")
    if not isinstance(original, Mapping):
        return [post]
    try:
        retweeted = _mblog_post(original, source=source, fetched_at=fetched_at, long_text=None)
    except (ValueError, TypeError, KeyError):
        return [post]  # deleted or hidden originals carry no usable fields; the repost stands alone
    return [with_retweeted(post, retweeted), retweeted]


def with_retweeted(repost: Post, original: Post) -> Post:
    """The repost with what it keeps of its original in `extra["retweeted"]`."""
    summary = {"id": original.native_id, "author": original.author, "author_id": original.author_id,
               "text": original.text, "url": original.url, "published_at": original.published_at.isoformat()}
    return dataclasses.replace(repost, extra={**repost.extra, "retweeted": summary})


def needs_long_text(mblog: Mapping[str, Any]) -> bool:
    """True when the mblog's text is cut ("全文") and carries no inline long text."""
    if not mblog.get("isLongText"):
        return False
    inline = mblog.get("longText")
    return not (isinstance(inline, Mapping) and isinstance(inline.get("longTextContent"), str))


def _mblog_post(mblog: Mapping[str, Any], *, source: str, fetched_at: datetime, long_text: str | None) -> Post:
    if not isinstance(mblog, Mapping):
        raise TypeError("mblog is not an object")
    mid = mblog_id(mblog)
    created = mblog.get("created_at")
    if not isinstance(created, str) or not created.strip():
        raise ValueError(f"mblog {mid} has no created_at")
    published = weibo_time(created, fetched_at)
    inline = mblog.get("longText")
    truncated = needs_long_text(mblog) and long_text is None
    if long_text is not None:
        text = long_text_body(long_text)
    elif isinstance(inline, Mapping) and isinstance(inline.get("longTextContent"), str):
        text = long_text_body(inline["longTextContent"])
    else:
        raw = mblog.get("text")
        if not isinstance(raw, str):
            raise ValueError(f"mblog {mid} has no text")
        text = html_to_text(raw)
    user = mblog.get("user") if isinstance(mblog.get("user"), Mapping) else {}
    uid = user.get("id") if isinstance(user.get("id"), (int, str)) and not isinstance(user.get("id"), bool) else None
    uid = str(uid) if uid is not None and str(uid).strip() else None
    bid = next((str(mblog[k]) for k in ("bid", "mblogid") if isinstance(mblog.get(k), str) and mblog[k]), None)
    bid = bid or mid_to_bid(mid)
    extra: dict[str, Any] = {"bid": bid}
    if isinstance(mblog.get("source"), str) and mblog["source"].strip():
        extra["client"] = html_to_text(mblog["source"])
    if truncated:
        extra["truncated"] = True
    if len(created.strip()) <= 5:  # "06-14": Weibo gave the day only
        extra["time_precision"] = "day"
    screen_name = user.get("screen_name")
    return Post(
        platform=PLATFORM,
        native_id=mid,
        source=source,
        text=text,
        published_at=published,
        url=post_url(uid, bid, mid),
        author=screen_name if isinstance(screen_name, str) and screen_name else None,
        author_id=uid,
        reposts=display_count(mblog.get("reposts_count")),
        comments=display_count(mblog.get("comments_count")),
        likes=display_count(mblog.get("attitudes_count")),
        extra=extra,
        author_followers=follower_count(user),
        author_verified=verified_kind(user),
        counted_at=fetched_at,
    )


def with_full_text(post: Post, fetch_full_text: Callable[[], str | None], notes: list[str]) -> Post:
    """The post with the text a long-text endpoint returns; unchanged, with a note, when the
    fetch fails or answers without text (the cut text is better than losing the post)."""
    try:
        full = fetch_full_text()
        problem = "no longTextContent in the answer" if full is None else ""
    except SourceError as error:
        full, problem = None, str(error)
    if full is None:
        notes.append(f"long text of {post.native_id} not expanded: {problem}; kept the cut text")
        return post
    extra = {k: v for k, v in post.extra.items() if k != "truncated"}
    return dataclasses.replace(post, text=full, extra=extra)
