"""`html_list`: configurable HTML list pages (forums, complaint sites, news lists) read with CSS selectors.

Options (config/brands.yaml, under the source):
- `url` (required): the list page. `{query}` takes the URL-encoded search term (one run per term,
  see `terms`), `{page}` the page number (from `first_page`, default 1).
- `item` (required): CSS selector of one post in the list; the selectors below are relative to it.
- `text` (required), `time` (required), `link`, `title`, `author`, `id`: CSS selectors. Append
  `@attr` to read an attribute instead of the text (`a.title@href`, `span.date@title`); `link`
  reads `href` by default, `time` reads a `<time datetime>` attribute when there is one.
- `next`: CSS selector of the next-page link (read `@href`), for sites without a `{page}` URL.
- `max_pages` (default 5): a page cap per term; hitting it while the page still had posts in
  the window is recorded in the health (`page_cap_hits`) so ops can raise it.
- `stop_when_older` (default true): stop paging once every post on a page is older than the
  window (lists sorted newest first).
- `time_format`: a strptime format (`%Y年%m月%d日 %H:%M`) when the automatic reading fails;
  `timezone` (default Asia/Shanghai) for times without an offset. Relative times ("3小时前",
  "昨天 12:30") are resolved against the fetch time.
- `encoding`: force a charset (`gbk`, `big5`) when a site mislabels its pages; default: detect.
- `container`: CSS selector of the list itself (`div#threadlist`), for lists that can really be
  empty (search results): with it, a page whose container holds no item is an empty list.
- `login_selector`: a CSS selector present only on the site's login page or wall (`form#login`):
  seeing it is an auth error rather than an empty list.
- `platform` (default: the site's host), `terms` (`all` | `primary`), `query_encoding` (`utf-8` |
  `gb18030`), `timeout`, `min_interval`, `max_bytes`, `max_retries`, `backoff`, `connection`
  (an Airflow Connection whose cookie is sent, for forums that need a login) as for `rss`.

A first page that answers 200 without any item (and without its `container`) is not an empty
list but an error naming the URL: `auth` when it is a login form (a password field, a form that
posts to a login URL or offers 登录), else `permanent` (an error page, a block, a changed layout).
Later pages without items end the walk. Items without text or time are quarantined with their
HTML. native_id is the `id` selector's value, else the item's absolute link, else a stable hash
of its text and time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import soupsieve
from bs4 import BeautifulSoup, Tag
from pydantic import Field, PlainValidator, ValidationInfo

from extractors.base import BrandQuery, ExtractContext, ExtractResult, SourceError, Window
from extractors.decoding import codec_name
from extractors.htmltext import clip, html_to_text, title_and_body
from extractors.http import PoliteClient, client_for, is_login_page, page_text
from extractors.options import Encoding, Flag, PageSettings, Text, TimeZone, Whole, http_url, problem, required
from extractors.record import Post, Quarantined, stable_id
from extractors.timeparse import find_timestamp

KIND = "html_list"
_SELECTOR_KEYS = ("item", "text", "time", "link", "title", "author", "id", "next", "container", "login_selector")
_RAW_LIMIT = 5000
_URL_FIX = "set url: to the list page, with {query} and/or {page} where they go"


@dataclass(frozen=True, slots=True)
class Selector:
    """A CSS selector with an optional attribute to read (`css@attr`)."""

    css: str
    attr: str | None = None

    @classmethod
    def parse(cls, key: str, spec: object) -> Selector:
        """`css` or `css@attr`; raises the validation problem naming `key` when it is not a selector."""
        if not isinstance(spec, str) or not spec.strip():
            raise problem(f"{spec!r} is not a CSS selector", f"set {key}: to a CSS selector, optionally ending in @attribute")
        css, _, attr = spec.strip().rpartition("@") if re.search(r"@[\w:-]+$", spec.strip()) else (spec.strip(), "", "")
        try:
            soupsieve.compile(css)
        except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as error:
            raise problem(f"bad CSS selector {css!r}: {error}", "fix the selector (test it in the browser's console)") from None
        return cls(css, attr or None)


def _selector(value: Any, info: ValidationInfo) -> Selector | None:
    return None if value is None else Selector.parse(str(info.field_name), value)


SelectorOption = Annotated[Selector, PlainValidator(_selector)]


def _required_selector(key: str) -> Any:
    return required(f"set {key}: to the CSS selector of each post's {key}")


class Settings(PageSettings):
    """The options listed in the module docstring."""

    url: Annotated[str, http_url(_URL_FIX)] = required(_URL_FIX)
    item: SelectorOption = _required_selector("item")
    text: SelectorOption = _required_selector("text")
    time: SelectorOption = _required_selector("time")
    link: SelectorOption | None = None
    title: SelectorOption | None = None
    author: SelectorOption | None = None
    id: SelectorOption | None = None
    next: SelectorOption | None = None
    container: SelectorOption | None = None
    login_selector: SelectorOption | None = None
    max_pages: Whole = Field(5, ge=1)
    first_page: Whole = Field(1, ge=0)
    stop_when_older: Flag = True
    time_format: Text | None = None
    timezone: TimeZone = ZoneInfo("Asia/Shanghai")
    encoding: Encoding | None = None

    @property
    def selectors(self) -> dict[str, Selector]:
        """The configured selectors by option name (`item`, `text`, …; absent ones left out)."""
        return {key: getattr(self, key) for key in _SELECTOR_KEYS if getattr(self, key) is not None}


@dataclass(slots=True)
class Page:
    """What one list page held: posts, quarantined items, the next page's URL and the item count;
    or why it is a login wall, or why it is not the list page expected (an error page, a block, a
    changed layout)."""

    posts: list[Post] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    next_url: str | None = None
    items: int = 0
    login_wall: str | None = None
    unexpected: str | None = None


def start_urls(settings: Settings, query: BrandQuery) -> list[str]:
    """The first list page for each search term (one URL when there is no `{query}`)."""
    return settings.search_urls(query.terms)


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Walk the list pages of each term and keep the posts inside the window, without duplicates."""
    result = ExtractResult()
    seen: set[tuple[str, str]] = set()
    cookie = settings.cookie(context.secrets)
    try:
        with client_for(context, settings) as client:
            try:
                for template in start_urls(settings, query):
                    _walk(client, template, settings, window, context, cookie, result, seen)
            finally:
                result.health.requests = client.requests
    except SourceError as error:
        result.health.fail(error)
    return result.finish()


def _walk(client: PoliteClient, template: str, settings: Settings, window: Window, context: ExtractContext,
          cookie: str | None, result: ExtractResult, seen: set[tuple[str, str]]) -> None:
    """Fetch up to max_pages pages of one list, following `{page}` or the `next` link."""
    url: str | None = template.replace("{page}", str(settings.first_page))
    for number in range(settings.max_pages):
        response = client.get(url, cookies=cookie)
        result.health.pages += 1
        text = page_text(response, result.health.notes, codec_name(settings.encoding))
        page = parse_page(text, str(response.url), settings, context.fetched_at)
        if page.login_wall:
            raise SourceError("auth", f"{url} shows a login page ({page.login_wall})", settings.auth_hint)
        if page.unexpected:
            if number == 0:
                raise SourceError("permanent", f"{url} answered 200 but is not the list page: {page.unexpected}",
                                  "open it in a browser: an error page or a block passes; a changed layout needs "
                                  "new selectors")
            return  # a page past the end of the list
        result.quarantined.extend(page.quarantined)
        in_window = [post for post in page.posts if window.contains(post.published_at)]
        for post in in_window:
            if post.key not in seen:
                seen.add(post.key)
                result.posts.append(post)
        all_older = bool(page.posts) and all(post.published_at < window.start for post in page.posts)
        if page.items == 0 or (settings.stop_when_older and all_older):
            return
        url = (template.replace("{page}", str(settings.first_page + number + 1)) if "{page}" in template
               else page.next_url)
        if url is None:
            return
    result.health.page_cap_hits += 1
    result.health.notes.append(
        f"page cap of {settings.max_pages} pages hit for {template}: older posts in the window may be "
        "missing; raise max_pages or run the source more often")


def parse_page(html: str, page_url: str, settings: Settings, fetched_at: datetime) -> Page:
    """Read one list page with the configured selectors (pure; never raises for any HTML)."""
    page = Page()
    soup = BeautifulSoup(html, "lxml")
    selectors = settings.selectors
    if "login_selector" in selectors and soup.select_one(selectors["login_selector"].css) is not None:
        page.login_wall = "login_selector matched"
        return page
    items = soup.select(selectors["item"].css)
    if not items and ("container" not in selectors or soup.select_one(selectors["container"].css) is None):
        if is_login_page(soup, page_url):
            page.login_wall = "a password field or a login form where the list should be"
        else:
            page.unexpected = _not_a_list(soup, selectors)
        return page
    tz = settings.timezone
    for number, item in enumerate(items):
        page.items += 1
        try:
            page.posts.append(item_to_post(item, page_url, settings, tz, fetched_at))
        except ValueError as error:
            page.quarantined.append(Quarantined(KIND, str(error), str(item)[:_RAW_LIMIT], f"{page_url}#item{number}"))
    if "next" in selectors:
        href = _read(soup, Selector(selectors["next"].css, selectors["next"].attr or "href"))
        if href and not href.lower().startswith(("javascript:", "#")):
            candidate = urljoin(page_url, href)
            web = urlsplit(candidate).scheme in ("http", "https")
            page.next_url = candidate if web and candidate != page_url else None
    return page


def _not_a_list(soup: BeautifulSoup, selectors: dict[str, Selector]) -> str:
    """Why a page without items is not an empty list: what matched nothing, and the page's title."""
    if "container" in selectors:
        why = f"the list container {selectors['container'].css!r} is not there"
    else:
        why = (f"no item matched {selectors['item'].css!r} (if this list can really be empty, set container: "
               "to the selector of the list itself, so an empty list reads as empty)")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    return f"{why}; page title {title[:80]!r}" if title else why


def item_to_post(item: Tag, page_url: str, settings: Settings, tz: ZoneInfo, fetched_at: datetime) -> Post:
    """One list item as a Post; raises ValueError naming what is missing or unreadable."""
    selectors = settings.selectors
    body = _read_text(item, selectors["text"])
    title = _read_text(item, selectors["title"]) if "title" in selectors else ""
    text, cut = clip(title_and_body(title, body), settings.max_text_chars)
    if not text:
        raise ValueError(f"item has no text (selector {selectors['text'].css!r})")
    stamp = _read_time(item, selectors["time"])
    if not stamp:
        raise ValueError(f"item has no time (selector {selectors['time'].css!r})")
    published = _parse_time(stamp, settings.time_format, tz, fetched_at)
    href = _read(item, Selector(selectors["link"].css, selectors["link"].attr or "href")) if "link" in selectors else None
    link = urljoin(page_url, href) if href else None
    native = _read(item, selectors["id"]) if "id" in selectors else None
    author = _read_text(item, selectors["author"]) if "author" in selectors else ""
    return Post(platform=settings.platform, native_id=(native or link or stable_id(text, published.isoformat())),
                source=KIND, text=text, published_at=published, url=link, title=title or None,
                author=author or None, extra={"truncated": True} if cut else {})


def _parse_time(stamp: str, time_format: str | None, tz: ZoneInfo, fetched_at: datetime) -> datetime:
    if time_format:
        try:
            moment = datetime.strptime(stamp.strip(), time_format)
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(timezone.utc)
    try:
        return find_timestamp(stamp, tz, now=fetched_at)
    except ValueError:
        raise ValueError(f"unreadable time {stamp!r}") from None


def _read(scope: Tag, selector: Selector) -> str | None:
    """The selector's attribute or text within `scope`, stripped; None when absent or empty."""
    element = scope.select_one(selector.css)
    if element is None:
        return None
    if selector.attr:
        value = element.get(selector.attr)
        value = " ".join(value) if isinstance(value, list) else value
    else:
        value = element.get_text(" ")
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _read_text(scope: Tag, selector: Selector) -> str:
    if selector.attr:
        return _read(scope, selector) or ""
    element = scope.select_one(selector.css)
    return html_to_text(element.decode_contents()) if element is not None else ""


def _read_time(scope: Tag, selector: Selector) -> str | None:
    if selector.attr:
        return _read(scope, selector)
    element = scope.select_one(selector.css)
    if element is None:
        return None
    machine = element.get("datetime")
    return machine.strip() if isinstance(machine, str) and machine.strip() else (element.get_text(" ").strip() or None)

