"""`rss`: RSS 0.9x/1.0/2.0 and Atom feeds: news search feeds with the brand in the URL, or site feeds.

Options (config/brands.yaml, under the source):
- `url` (required): the feed URL. With `{query}` in it, the brand's search term is URL-encoded
  into it (a news search feed); without, it is a site feed and every entry in the window is
  returned (brand matching downstream filters them).
- `terms`: `all` (default: one request per search term of the brand, results merged and
  deduplicated) or `primary` (only the first term: fewer requests).
- `query_encoding`: `utf-8` (default) or `gb18030` for old sites that expect GBK-encoded queries.
- `platform`: the platform name stored with each post (default: the feed's host, without www.).
- `undated`: what to do with an entry that has no date at all: `quarantine` (default) or
  `feed_date` (take the feed's own updated/lastBuildDate; quarantined if that is missing too).
  The fetch time is never used, so backfills stay deterministic.
- `max_text_chars` (default 5000), `timeout` (20 s), `min_interval` (1 s between requests to
  one host), `max_bytes` (5 MB per response), `max_retries` (3), `backoff` (1 s, doubling).
- `connection`: an Airflow Connection id, only for feeds behind a login; its cookie (extra
  `cookie`, or the password) is sent with each request. Most feeds need none.

Posts: native_id is the entry's guid/id, else its link, else a stable hash of title, text and date;
text is the title plus the summary/content as plain text; relative dates ("3小时前") are resolved
against the fetch time in Asia/Shanghai. A malformed feed keeps the entries that could be
recovered and quarantines the document with the parser's complaint. A URL that answers 200 with
something that is not a feed (an HTML error page, JSON, nothing, a feed cut before its first
entry) is a `permanent` source error naming the URL, `auth` when it is a login page; the document
is quarantined. A feed without entries is an empty feed.
"""

from __future__ import annotations

import io
import re
import time as _time
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup

from extractors.base import BrandQuery, ErrorKind, ExtractContext, ExtractResult, SourceError, Window
from extractors.decoding import header_charset
from extractors.htmltext import clip, html_to_text, title_and_body
from extractors.http import DEFAULT_AUTH_HINT, client_for, decode_body, is_login_page
from extractors.options import PageSettings, http_url, one_of, required
from extractors.record import RAW_LIMIT, Post, Quarantined, stable_id
from extractors.timeparse import SHANGHAI, parse_timestamp

KIND = "rss"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_URL_FIX = "set url: to the feed address, with {query} for a search feed"
_HTML = re.compile(r"<(!doctype\s+html|html|head|body|form)\b", re.IGNORECASE)
_NOT_A_FEED_FIX = ("open the URL in a browser: an error page or a block passes; if the site moved its feed, "
                   "fix url:")


class Settings(PageSettings):
    """The options listed in the module docstring."""

    url: Annotated[str, http_url(_URL_FIX)] = required(_URL_FIX)
    undated: Annotated[str, one_of(("quarantine", "feed_date"))] = "quarantine"


def feed_urls(settings: Settings, query: BrandQuery) -> list[str]:
    """The URLs to fetch: one per search term for a `{query}` template, the URL itself otherwise."""
    return settings.search_urls(query.terms)


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Fetch each feed URL, parse it, and keep the entries published inside the window."""
    result = ExtractResult()
    seen: set[tuple[str, str]] = set()
    cookie = settings.cookie(context.secrets)
    try:
        with client_for(context, settings) as client:
            try:
                for url in feed_urls(settings, query):
                    response = client.get(url, cookies=cookie)
                    result.health.pages += 1
                    try:
                        posts, quarantined, notes = parse_feed(
                            response.content, source_url=str(response.url), platform=settings.platform,
                            fetched_at=context.fetched_at, content_type=response.headers.get("Content-Type"),
                            max_text_chars=settings.max_text_chars, undated=settings.undated,
                            auth_hint=settings.auth_hint)
                    except NotAFeed as error:
                        result.quarantined.append(error.document)
                        raise
                    result.quarantined.extend(quarantined)
                    result.health.notes.extend(notes)
                    for post in posts:
                        if window.contains(post.published_at) and post.key not in seen:
                            seen.add(post.key)
                            result.posts.append(post)
            finally:
                result.health.requests = client.requests
    except SourceError as error:
        result.health.fail(error)
    return result.finish()


def parse_feed(body: bytes, *, source_url: str, platform: str, fetched_at: datetime,
               content_type: str | None = None, max_text_chars: int = 5000,
               undated: str = "quarantine", auth_hint: str = DEFAULT_AUTH_HINT,
               ) -> tuple[list[Post], list[Quarantined], list[str]]:
    """Parse a feed document into posts, quarantined entries and notes for the source's health.

    Pure. A feed without entries is an empty feed; a document that is not a feed (an HTML error
    or login page, JSON, nothing, a feed cut before its first entry) raises NotAFeed.
    """
    decoded = decode_body(body, header_charset(content_type))
    text = decoded.text
    # Decoded already: re-encode as UTF-8 and say so, so the parser cannot re-guess the encoding.
    normalised = _XML_DECLARATION.sub("", text, count=1).lstrip().encode("utf-8")
    headers = {"content-type": "application/xml; charset=utf-8"}
    if b"xml:base" in normalised:
        # Without a base of the document's own, feedparser carries one entry's xml:base over to the
        # entries after it. Only then is the feed URL given: feedparser also resolves RSS guids
        # against it, and guids written relative ("12345") are the posts' identity as they stand.
        headers["content-location"] = source_url
    try:
        parsed = feedparser.parse(io.BytesIO(normalised), response_headers=headers, resolve_relative_uris=False)
    except Exception as error:  # the third-party parser may fail in ways it does not document
        raise not_a_feed(text, source_url, f"the feed parser failed: {type(error).__name__}: {error}",
                         auth_hint) from None
    entries = parsed.get("entries") or []
    malformed = parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride)
    if not entries:
        if malformed or not parsed.get("version"):
            raise not_a_feed(text, source_url, str(parsed.get("bozo_exception") or "no RSS/Atom structure"), auth_hint)
        return [], [], []
    feed_date = _feed_date(parsed.get("feed") or {}, fetched_at) if undated == "feed_date" else None
    posts: list[Post] = []
    quarantined: list[Quarantined] = []
    notes: list[str] = [note for note in [decoded.note(source_url)] if note]
    if malformed:
        reason = f"malformed feed ({parsed.get('bozo_exception')}); {len(entries)} entries recovered"
        quarantined.append(Quarantined(KIND, reason, text[:RAW_LIMIT], source_url))
        notes.append(f"{source_url}: {reason}")
    with warnings.catch_warnings():
        # feedparser warns when `updated` is read on an entry that only has `published`
        warnings.simplefilter("ignore", DeprecationWarning)
        for number, entry in enumerate(entries):
            try:
                posts.append(entry_to_post(entry, platform=platform, fetched_at=fetched_at, base_url=source_url,
                                           feed_date=feed_date, max_text_chars=max_text_chars))
            except ValueError as error:
                quarantined.append(Quarantined(KIND, str(error), _entry_raw(entry), f"{source_url}#entry{number}"))
    return posts, quarantined, notes


class NotAFeed(SourceError):
    """The document at a feed URL is not a feed; `document` keeps it, as it came, for quarantine."""

    def __init__(self, kind: ErrorKind, message: str, hint: str, document: Quarantined) -> None:
        super().__init__(kind, message, hint)
        self.document = document


def not_a_feed(text: str, source_url: str, problem: str, auth_hint: str) -> NotAFeed:
    """The error for a document that is not a feed: `auth` for a login page, else `permanent`,
    saying what came instead (an HTML page and its title, or the parser's complaint)."""
    document = Quarantined(KIND, f"not a readable feed: {problem}", text[:RAW_LIMIT], source_url)
    if not _HTML.search(text[:4096]):
        what = "an empty answer" if not text.strip() else f"something that is not a feed ({problem})"
        return NotAFeed("permanent", f"{source_url} answered 200 with {what}", _NOT_A_FEED_FIX, document)
    page = BeautifulSoup(text, "lxml")
    if is_login_page(page, source_url):
        return NotAFeed("auth", f"{source_url} shows a login page instead of the feed", auth_hint, document)
    title = page.title.get_text(" ", strip=True)[:80] if page.title else ""
    what = f"an HTML page titled {title!r}" if title else "an HTML page"
    return NotAFeed("permanent", f"{source_url} answered 200 with {what}, not a feed", _NOT_A_FEED_FIX, document)


def entry_to_post(entry: Mapping, *, platform: str, fetched_at: datetime, base_url: str,
                  feed_date: datetime | None, max_text_chars: int) -> Post:
    """One feed entry as a Post; raises ValueError (empty entry, no usable date)."""
    title = html_to_text(str(entry.get("title") or ""))
    body = html_to_text(_richest_body(entry))
    text, cut = clip(title_and_body(title, body), max_text_chars)
    if not text:
        raise ValueError("entry has neither title nor text")
    published = _entry_date(entry, fetched_at) or feed_date
    if published is None:
        raise ValueError("entry has no date (set undated: feed_date to use the feed's own date)")
    link = urljoin(base_url, str(entry.get("link") or "").strip()) if entry.get("link") else None
    native_id = str(entry.get("id") or "").strip() or link or stable_id(title, body, published.isoformat())
    author = str(entry.get("author") or "").strip() or None
    extra: dict = {"truncated": True} if cut else {}
    tags = [str(tag.get("term")) for tag in entry.get("tags") or [] if isinstance(tag, Mapping) and tag.get("term")]
    if tags:
        extra["tags"] = tags
    return Post(platform=platform, native_id=native_id, source=KIND, text=text, published_at=published,
                url=link, title=title or None, author=author, extra=extra)


def _richest_body(entry: Mapping) -> str:
    """The longest of the entry's content blocks and its summary (site feeds often put the full text in content)."""
    candidates = [str(block.get("value") or "") for block in entry.get("content") or [] if isinstance(block, Mapping)]
    candidates.append(str(entry.get("summary") or ""))
    return max(candidates, key=len)


def _entry_date(entry: Mapping, fetched_at: datetime) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date", "pubdate"):
        raw = entry.get(key)
        if not raw:
            continue
        try:
            return parse_timestamp(str(raw), SHANGHAI, now=fetched_at)
        except ValueError:
            fallback = _from_struct(entry.get(f"{key}_parsed"))  # feedparser's own reading, in UTC
            if fallback is not None:
                return fallback
    return None


def _feed_date(feed: Mapping, fetched_at: datetime) -> datetime | None:
    for key in ("updated", "published", "lastbuilddate"):
        raw = feed.get(key)
        if raw:
            try:
                return parse_timestamp(str(raw), SHANGHAI, now=fetched_at)
            except ValueError:
                continue
    return None


def _from_struct(parsed: _time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def _entry_raw(entry: Mapping) -> str:
    keys = ("id", "title", "link", "published", "updated", "summary")
    return repr({key: entry.get(key) for key in keys if entry.get(key)})[:RAW_LIMIT]

