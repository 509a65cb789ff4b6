"""What the two Weibo sources share: cookies and the auth message, walls, counts, text, ids, mblogs.

Pure functions only (no I/O). `weibo_search` (s.weibo.com HTML) and `weibo_api` (m.weibo.cn
JSON) both turn what Weibo shows into `Post`s with platform `weibo` and the post's numeric id
(`mid`) as `native_id`, so the same post found by either source is one post downstream.

Reposts: a repost is a post of its own (the reposter's words, keyed by the repost's id); the
reposted original is kept in `extra["retweeted"]` and is also returned as a post of its own
(keyed by its own id) when it was published inside the window being collected.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from extractors.base import SettingsError, SourceError
from extractors.record import Post
from extractors.timeparse import SHANGHAI, parse_timestamp

PLATFORM = "weibo"
DEFAULT_CONNECTION = "weibo_default"
WEB_BASE = "https://weibo.com"

_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_COUNT = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|w|W|亿)?")
_COUNT_LABELS = ("转发", "评论", "赞", "点赞", "收藏")
_UI_CHROME = {"全文", "展开", "收起", "展开全文", "收起全文", "展开c", "收起d"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\ue627"), None)
_WALL_MARKERS = (
    (re.compile(r"<title>\s*Sina Visitor System\s*</title>", re.IGNORECASE), "the Sina Visitor System page"),
    (re.compile(r"<title>\s*新浪通行证\s*</title>"), "the Sina passport login page"),
    (re.compile(r"passport\.weibo\.c(?:om|n)/(?:visitor|signin|sso)", re.IGNORECASE), "a redirect to passport.weibo"),
    (re.compile(r"login\.sina\.com\.cn/(?:sso|signup)", re.IGNORECASE), "a redirect to login.sina.com.cn"),
)


# --- credentials and the auth message ---------------------------------------------------------

def weibo_time(text: str, fetched_at: datetime) -> datetime:
    """A Weibo time stamp ("刚刚", "5分钟前", "今天 12:30", "11月26日 09:00", "06-14", "Sat Jun 01
    12:00:00 +0800 2019", …) as aware UTC, read in Asia/Shanghai relative to the fetch time."""
    return parse_timestamp(text.strip(), SHANGHAI, now=fetched_at)


def cookie_from(secrets: Mapping[str, str]) -> str | None:
    """The Weibo cookie from a resolved Connection: its extra `cookie`, else its password."""
    for key in ("cookie", "password"):
        value = secrets.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def auth_error(connection: str, detail: str = "") -> SourceError:
    """The error ops see when Weibo shows a login or visitor wall: what to renew, and where."""
    return SourceError(
        "auth",
        f"Weibo cookie expired or missing: renew the password/extra.cookie of Airflow Connection '{connection}'",
        detail,
    )


def missing_cookie_error(connection: str, site: str = "weibo.com") -> SourceError:
    """The error for a source that needs a cookie when no Connection (or no cookie in it) exists;
    `site` is where ops log in to copy the cookie (weibo.com, or m.weibo.cn for the mobile API)."""
    env = "AIRFLOW_CONN_" + re.sub(r"[^A-Za-z0-9]", "_", connection).upper()
    return SourceError(
        "auth",
        f"Weibo cookie expired or missing: no cookie in Airflow Connection '{connection}'",
        f"create the Connection ({env} or the Airflow UI) with the logged-in {site} cookie "
        "in its password or in extra.cookie",
    )


def as_weibo_auth(error: SourceError, connection: str) -> SourceError:
    """Reword an auth failure of the HTTP client (401/403, login redirect) as the Weibo message."""
    return auth_error(connection, str(error)) if error.kind == "auth" else error


def wall_reason(body: str) -> str | None:
    """Why a 200 response is a login/visitor wall instead of content, or None when it is content."""
    head = body[:20000]
    for pattern, reason in _WALL_MARKERS:
        if pattern.search(head):
            return reason
    return None


# --- settings shared by both sources ----------------------------------------------------------

HTTP_DEFAULTS: dict[str, Any] = {"min_interval": 2.0, "timeout": 20.0, "max_retries": 3, "backoff": 2.0}


def check_known(options: Mapping[str, Any], known: set[str]) -> None:
    """Reject an unknown option (a typo would otherwise be ignored silently)."""
    for key in options:
        if key not in known:
            raise SettingsError(str(key), "unknown option", f"use some of {', '.join(sorted(known))}")


def option_url(options: Mapping[str, Any], key: str, default: str) -> str:
    """An http(s) base URL without a trailing slash."""
    value = options.get(key, default)
    if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value.strip()):
        raise SettingsError(key, f"{value!r} is not an http(s) URL", f"write a base URL such as {default}")
    return value.strip().rstrip("/")


def option_number(options: Mapping[str, Any], key: str, default: float, *, minimum: float,
                  maximum: float | None = None, integer: bool = False) -> Any:
    """A number option within [minimum, maximum]; ints when `integer`."""
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise SettingsError(key, f"{value!r} is not a{'n integer' if integer else ' number'}",
                            f"write a number such as {default}")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"at least {minimum}" + (f" and at most {maximum}" if maximum is not None else "")
        raise SettingsError(key, f"{value} is out of range", f"use a value {bounds}")
    return int(value) if integer else float(value)


def option_bool(options: Mapping[str, Any], key: str, default: bool) -> bool:
    """A true/false option."""
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(key, f"{value!r} is not true or false", "write true or false")
    return value


def option_connection(options: Mapping[str, Any], default: str = DEFAULT_CONNECTION) -> str:
    """The Airflow Connection id holding the cookie."""
    value = options.get("connection", default)
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
        raise SettingsError("connection", f"{value!r} is not a Connection id",
                            f"name the Airflow Connection holding the cookie, e.g. {default}")
    return value


def http_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The polite-client options both sources accept: min_interval, timeout, max_retries, backoff."""
    return {
        "min_interval": option_number(options, "min_interval", HTTP_DEFAULTS["min_interval"], minimum=0),
        "timeout": option_number(options, "timeout", HTTP_DEFAULTS["timeout"], minimum=0.1),
        "max_retries": option_number(options, "max_retries", HTTP_DEFAULTS["max_retries"], minimum=0,
                                     maximum=10, integer=True),
        "backoff": option_number(options, "backoff", HTTP_DEFAULTS["backoff"], minimum=0),
    }


# --- counts, ids, links -----------------------------------------------------------------------

def parse_count(value: object) -> int | None:
    """A Weibo count as an int: 12, "1,234", "1.2万", "3亿", "100万+"; a bare label ("转发") is 0.

    None when nothing count-like is there (the caller keeps the post without that count).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if 0 <= value < 1e15 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _COUNT.search(text)
    if match is None:
        bare = text.replace(" ", "")
        return 0 if bare == "" or bare in _COUNT_LABELS else None
    number = float(match.group(1).replace(",", ""))
    unit = match.group(2)
    if unit in ("万", "w", "W"):
        number *= 10_000
    elif unit == "亿":
        number *= 100_000_000
    return int(round(number)) if number < 1e15 else None


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


# --- text -------------------------------------------------------------------------------------

def html_to_text(fragment: str) -> str:
    """Plain text of a Weibo HTML fragment: emoticons kept as their alt text ([哈哈]), <br> as
    newlines, links as their text, the 展开/收起/全文 buttons and icon glyphs dropped."""
    if not fragment:
        return ""
    soup = BeautifulSoup(fragment, "html.parser")
    for icon in soup.select("i.wbicon, i[class*=icon]"):
        icon.decompose()
    for anchor in soup.find_all("a"):
        if anchor.get("action-type") in ("fl_unfold", "fl_fold") or anchor.get_text(strip=True) in _UI_CHROME:
            anchor.decompose()
    for image in soup.find_all("img"):
        alt = image.get("alt")
        image.replace_with(alt if isinstance(alt, str) else "")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return clean_text(soup.get_text())


def clean_text(text: str) -> str:
    """Drop zero-width and icon-font characters, trim each line, squeeze blank lines and spaces."""
    lines = [re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.translate(_INVISIBLE).splitlines()]
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def long_text_body(content: str) -> str:
    """Plain text of a long-text payload, which is HTML on m.weibo.cn and mostly plain on weibo.com."""
    if re.search(r"<(br|a|span|img|p)\b", content, re.IGNORECASE):
        return html_to_text(content)
    return clean_text(content)


# --- mblogs (the JSON shape of a post on m.weibo.cn and weibo.com/ajax) ---------------------------

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
        reposts=parse_count(mblog.get("reposts_count")),
        comments=parse_count(mblog.get("comments_count")),
        likes=parse_count(mblog.get("attitudes_count")),
        extra=extra,
    )


def raw_json(value: object, limit: int = 20000) -> str:
    """A raw payload for a quarantine record, capped so one bad page cannot bloat the store."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)[:limit]
    return text[:limit]


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
