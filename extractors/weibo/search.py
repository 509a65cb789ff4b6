"""`weibo_search`: posts from Weibo's web search (s.weibo.com result pages, HTML).

Every window asks for exactly its own hours: `timescope=custom:YYYY-MM-DD-H:YYYY-MM-DD-H` in
Asia/Shanghai (the window is UTC; one that is not hour-aligned is widened to whole hours for the
request and the posts outside it are dropped). Pages are followed until there is no next page or
`max_pages` (Weibo serves at most 50 per query). When the cap is hit for a slice longer than one
hour, the slice is split into two hour-aligned halves and each is asked again (recorded in
`health.page_cap_hits` and `health.notes`); a one-hour slice that still hits the cap is recorded as
possibly incomplete. When page 1 already lists `max_pages` pages the split happens at once.

Folded long posts ("展开") use the card's full-text node, or else weibo.com's
`ajax/statuses/longtext?id=<bid>`; when that fails the folded text is kept with a note.

Credentials: a logged-in weibo.com cookie is required. It comes from the Airflow Connection named
by `connection` (default `weibo_default`): its extra `cookie`, or its password. The DAG edge
resolves the Connection into `context.secrets`; nothing secret is read from the config file or
logged. No cookie, an expired one, a redirect to passport.weibo.com / login.sina.com.cn or the
"Sina Visitor System" page all give an auth error that names the Connection to renew.

Options: connection (weibo_default), base_url (https://s.weibo.com), longtext_base_url
(https://weibo.com), max_pages (50, at most 50), expand_long_text (true), and the politeness
options of every web source with Weibo's defaults (extractors.weibo.settings): min_interval (2 s
between requests to one host), timeout (20 s), max_bytes (5 MB), max_retries (3), backoff (2 s).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from pydantic import Field

from extractors.base import BrandQuery, ExtractContext, ExtractResult, SourceError, Window
from extractors.htmltext import html_to_text
from extractors.http import PoliteClient, client_for, page_text
from extractors.options import Flag, Whole, http_url
from extractors.record import RAW_LIMIT, Post, Quarantined
from extractors.timeparse import SHANGHAI
from extractors.weibo.auth import as_weibo_auth, auth_error, missing_cookie_error, wall_reason
from extractors.weibo.display import display_count, icon_verified_kind, long_text_answer, weibo_time
from extractors.weibo.ids import bid_to_mid, post_url
from extractors.weibo.posts import with_full_text, with_retweeted
from extractors.weibo.settings import PLATFORM, WEB_BASE, WeiboSettings

KIND = "weibo_search"
DEFAULT_BASE_URL = "https://s.weibo.com"
WEIBO_PAGE_CAP = 50
HOUR = timedelta(hours=1)
_DIGITS = re.compile(r"[0-9]+")
_ACTION_MID = re.compile(r"mid=(\d+)")


class Settings(WeiboSettings):
    """The options listed in the module docstring."""

    base_url: Annotated[str, http_url(f"write a base URL such as {DEFAULT_BASE_URL}", base=True)] = DEFAULT_BASE_URL
    longtext_base_url: Annotated[str, http_url(f"write a base URL such as {WEB_BASE}", base=True)] = WEB_BASE
    max_pages: Whole = Field(WEIBO_PAGE_CAP, ge=1, le=WEIBO_PAGE_CAP)
    expand_long_text: Flag = True


# --- the request window -----------------------------------------------------------------------

def hour_slice(window: Window) -> tuple[datetime, datetime]:
    """The window widened to whole hours (UTC datetimes; Shanghai has no DST, so hours align)."""
    start = window.start.replace(minute=0, second=0, microsecond=0)
    end = window.end.replace(minute=0, second=0, microsecond=0)
    if end < window.end:
        end += HOUR
    return start, end


def timescope(start: datetime, end: datetime) -> str:
    """Weibo's `custom:YYYY-MM-DD-H:YYYY-MM-DD-H` for [start, end), written in Asia/Shanghai."""
    def stamp(moment: datetime) -> str:
        local = moment.astimezone(SHANGHAI)
        return f"{local:%Y-%m-%d}-{local.hour}"
    return f"custom:{stamp(start)}:{stamp(end)}"


def split_slice(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Two hour-aligned halves of a slice of two hours or more."""
    hours = int((end - start) / HOUR)
    middle = start + HOUR * (hours // 2)
    return [(start, middle), (middle, end)]


# --- parsing (pure) ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SearchPage:
    """What one result page holds: its posts (a repost is followed by its original), bad cards,
    whether a next page exists, how many pages the page list shows, and which kind of page it is."""

    posts: list[Post]
    quarantined: list[Quarantined]
    has_next: bool
    listed_pages: int
    no_result: bool
    recognised: bool


def parse_search_page(html: str, *, fetched_at: datetime, location: str = "") -> SearchPage:
    """Parse one s.weibo.com result page. Never raises for bad content: broken cards are
    quarantined; a page with neither cards nor the no-result notice is `recognised=False`."""
    soup = BeautifulSoup(html, "lxml")
    posts: list[Post] = []
    quarantined: list[Quarantined] = []
    no_result = soup.select_one("div.card-no-result") is not None
    wraps = [w for w in soup.select("div.card-wrap") if isinstance(w.get("mid"), str)]
    for number, wrap in enumerate(wraps):
        try:
            posts.extend(_card_posts(wrap, fetched_at))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
            quarantined.append(Quarantined(KIND, f"unparseable result card: {error}", str(wrap)[:RAW_LIMIT],
                                           f"{location}#card{number}"))
    page_box = soup.select_one("div.m-page")
    has_next = page_box is not None and page_box.select_one("a.next[href]") is not None
    listed = len(page_box.select("ul.s-scroll li")) if page_box is not None else 0
    recognised = no_result or bool(wraps) or soup.select_one("#pl_feedlist_index") is not None
    return SearchPage(posts, quarantined, has_next, listed, no_result, recognised)


def _card_posts(wrap: Tag, fetched_at: datetime) -> list[Post]:
    mid = str(wrap.get("mid", "")).strip()
    if not _DIGITS.fullmatch(mid):
        raise ValueError(f"card mid {mid!r} is not numeric")
    name = _own(wrap, "div.info a.name") or _own(wrap, "a.name")
    text_node = _own(wrap, 'p[node-type="feed_list_content_full"]')
    folded = text_node is None
    if text_node is None:
        text_node = _own(wrap, 'p[node-type="feed_list_content"]') or _own(wrap, "p.txt")
    if text_node is None:
        raise ValueError(f"card {mid} has no text node")
    truncated = folded and _is_folded(text_node)
    froms = [node for node in wrap.select("div.from, p.from") if not _in_repost(node)]
    if not froms:
        raise ValueError(f"card {mid} has no time link (div.from)")
    stamp = froms[-1].find("a")
    if not isinstance(stamp, Tag):
        raise ValueError(f"card {mid} has no time link (div.from a)")
    published = weibo_time(stamp.get_text(" ", strip=True), fetched_at)
    uid, bid = _uid_bid(stamp.get("href"))
    if uid is None and name is not None:
        uid, _ = _uid_bid(name.get("href"))
    actions = _own(wrap, "div.card-act")
    extra: dict = {"bid": bid} if bid else {}
    client = _client_app(froms[-1])
    if client:
        extra["client"] = client
    if truncated:
        extra["truncated"] = True
    post = Post(
        platform=PLATFORM,
        native_id=mid,
        source=KIND,
        text=html_to_text(text_node.decode_contents()),
        published_at=published,
        url=post_url(uid, bid, mid),
        author=_author(name),
        author_id=uid,
        reposts=_action_count(actions, "feed_list_forward", 0),
        comments=_action_count(actions, "feed_list_comment", 1),
        likes=_action_count(actions, "feed_list_like", 2),
        extra=extra,
        author_verified=_badge(_own(wrap, "div.info i.icon-vip")),
        counted_at=fetched_at,
    )
    original = _original(wrap, fetched_at)
    return [with_retweeted(post, original), original] if original is not None else [post]


def _original(wrap: Tag, fetched_at: datetime) -> Post | None:
    """The reposted original shown inside a repost card, or None (none, deleted or unreadable)."""
    box = wrap.select_one("div.card-comment")
    if box is None:
        return None
    stamp_box = box.select_one("div.from, p.from")
    stamp = stamp_box.find("a") if stamp_box is not None else None
    text_node = box.select_one('p[node-type="feed_list_content_full"]') or box.select_one(
        'p[node-type="feed_list_content"]') or box.select_one("p.txt")
    if not isinstance(stamp, Tag) or text_node is None:
        return None
    uid, bid = _uid_bid(stamp.get("href"))
    like = box.select_one('a[action-type="feed_list_like"][action-data]')
    found = _ACTION_MID.search(str(like.get("action-data"))) if like is not None else None
    try:
        mid = found.group(1) if found else (bid_to_mid(bid) if bid else None)
        published = weibo_time(stamp.get_text(" ", strip=True), fetched_at)
    except ValueError:
        return None
    if mid is None:
        return None
    name = box.select_one('div[node-type="feed_list_forwardContent"] a[nick-name]') or box.select_one("a.name")
    counts = box.select("ul.act li")
    extra: dict = {"bid": bid} if bid else {}
    if box.select_one('p[node-type="feed_list_content_full"]') is None and _is_folded(text_node):
        extra["truncated"] = True
    return Post(
        platform=PLATFORM, native_id=mid, source=KIND, text=html_to_text(text_node.decode_contents()),
        published_at=published, url=post_url(uid, bid, mid), author=_author(name), author_id=uid,
        reposts=_count_at(counts, 0), comments=_count_at(counts, 1), likes=_count_at(counts, 2), extra=extra,
        author_verified=_badge(box.select_one('div[node-type="feed_list_forwardContent"] i.icon-vip')),
        counted_at=fetched_at,
    )


def _own(wrap: Tag, selector: str) -> Tag | None:
    """The first match that belongs to the card itself, not to the reposted original inside it."""
    for node in wrap.select(selector):
        if not _in_repost(node):
            return node
    return None


def _in_repost(node: Tag) -> bool:
    return node.find_parent("div", class_="card-comment") is not None


def _is_folded(text_node: Tag) -> bool:
    if text_node.select_one('a[action-type="fl_unfold"]') is not None:
        return True
    return text_node.get_text(strip=True).endswith(("展开", "展开c", "展开全文"))


def _uid_bid(href: object) -> tuple[str | None, str | None]:
    """(uid, bid) from links like //weibo.com/1234567001/P23N8nPlb?refer_flag=… or //weibo.com/1234567001."""
    if not isinstance(href, str):
        return None, None
    parts = [p for p in urlsplit(href if "//" in href else "//weibo.com" + href).path.split("/") if p]
    if parts and parts[0] == "u":
        parts = parts[1:]
    uid = parts[0] if parts and _DIGITS.fullmatch(parts[0]) else None
    bid = parts[1] if uid and len(parts) > 1 and re.fullmatch(r"[0-9A-Za-z]+", parts[1]) else None
    return uid, bid


def _author(name: Tag | None) -> str | None:
    if name is None:
        return None
    nick = name.get("nick-name")
    value = nick if isinstance(nick, str) and nick.strip() else name.get_text(strip=True).lstrip("@")
    return value.strip() or None


def _badge(icon: Tag | None) -> str | None:
    """The verification a badge beside the author's name shows; None without one, since an
    unverified author and a badge in markup we do not know look alike (cards show no followers)."""
    classes = icon.get("class") if icon is not None else None
    return icon_verified_kind(list(classes)) if isinstance(classes, list) else None


def _client_app(from_box: Tag) -> str | None:
    links = from_box.find_all("a")
    return links[1].get_text(strip=True) or None if len(links) > 1 else None


def _action_count(actions: Tag | None, action: str, position: int) -> int | None:
    """A count from the card's action bar (转发/评论/赞), by action-type, else by position."""
    if actions is None:
        return None
    link = actions.select_one(f'a[action-type="{action}"]')
    if link is not None:
        number = link.select_one("span.woo-like-count, em")
        return display_count((number or link).get_text(" ", strip=True))
    return _count_at(actions.select("li"), position)


def _count_at(items: list[Tag], position: int) -> int | None:
    if position >= len(items):
        return None
    number = items[position].select_one("span.woo-like-count, em")
    return display_count((number or items[position]).get_text(" ", strip=True))


# --- fetching ---------------------------------------------------------------------------------

def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Collect every post s.weibo.com returns for the brand's primary term within the window."""
    result = ExtractResult()
    cookie = settings.cookie(context.secrets)
    if cookie is None:
        result.health.fail(missing_cookie_error(settings.connection))
        return result.finish()
    client = client_for(context, settings)
    run = _Run(settings, query, window, context, client, cookie, result)
    with client:
        try:
            run.collect()
        except SourceError as error:
            result.health.fail(as_weibo_auth(error, settings.connection))
        finally:
            result.health.requests = client.requests
    return result.finish()


@dataclass
class _Run:
    settings: Settings
    query: BrandQuery
    window: Window
    context: ExtractContext
    client: PoliteClient
    cookie: str
    result: ExtractResult
    seen: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    unrecognised: int = 0

    def collect(self) -> None:
        slices = [hour_slice(self.window)]
        while slices:
            start, end = slices.pop(0)
            if not self._slice_capped(start, end):
                continue
            health = self.result.health
            health.page_cap_hits += 1
            scope = timescope(start, end)
            if end - start > HOUR:
                halves = split_slice(start, end)
                health.notes.append(f"page cap: {scope} reaches {self.settings.max_pages} pages; split into "
                                    f"{timescope(*halves[0])} and {timescope(*halves[1])}")
                slices[:0] = halves
            else:
                health.notes.append(f"page cap: the one-hour slice {scope} reaches {self.settings.max_pages} "
                                    "pages; its posts may be incomplete")
        if self.unrecognised:
            raise SourceError("permanent", f"{self.unrecognised} s.weibo.com page(s) had neither result cards "
                                           "nor the no-result notice (quarantined)",
                              "the page layout may have changed: check a quarantined page")

    def _slice_capped(self, start: datetime, end: datetime) -> bool:
        """Collect one slice page by page; True when it reaches the page cap (more pages follow
        page `max_pages`, or page 1 of a multi-hour slice already lists `max_pages` pages)."""
        scope = timescope(start, end)
        for page_number in range(1, self.settings.max_pages + 1):
            page = self._page(scope, page_number)
            if page is None or page.no_result:
                return False
            self._keep(page.posts)
            if page_number == 1 and page.listed_pages >= self.settings.max_pages and end - start > HOUR:
                return True  # the page list already shows the cap: split now rather than read 50 pages
            if not page.has_next:
                return False
        return True

    def _page(self, scope: str, page_number: int) -> SearchPage | None:
        params = {"q": self.query.primary, "typeall": "1", "suball": "1", "timescope": scope,
                  "Refer": "g", "page": str(page_number)}
        url = f"{self.settings.base_url}/weibo"
        response = self.client.get(url, params=params, cookies=self.cookie,
                                   headers={"Referer": f"{self.settings.base_url}/"})
        html = page_text(response, self.result.health.notes)
        reason = wall_reason(html)
        if reason:
            raise auth_error(self.settings.connection, f"s.weibo.com answered with {reason}")
        self.result.health.pages += 1
        location = f"{url}?timescope={scope}&page={page_number}"
        page = parse_search_page(html, fetched_at=self.context.fetched_at, location=location)
        self.result.quarantined.extend(page.quarantined)
        if not page.recognised:
            self.unrecognised += 1
            self.result.quarantined.append(Quarantined(KIND, "page has neither result cards nor the no-result notice",
                                                       html[:RAW_LIMIT], location))
            return None
        return page

    def _keep(self, posts: list[Post]) -> None:
        for post in posts:
            if post.key in self.seen or not self.window.contains(post.published_at):
                continue
            self.seen.add(post.key)
            if post.extra.get("truncated") and self.settings.expand_long_text:
                post = self._expanded(post)
            self.result.posts.append(post)

    def _expanded(self, post: Post) -> Post:
        """The post with its full text from the long-text endpoint; unchanged (noted) on failure."""
        code = post.extra.get("bid") or post.native_id
        url = f"{self.settings.longtext_base_url}/ajax/statuses/longtext"

        def fetch() -> str | None:
            response = self.client.get(url, params={"id": code}, cookies=self.cookie,
                                       headers={"Referer": f"{self.settings.longtext_base_url}/",
                                                "Accept": "application/json"})
            return long_text_answer(page_text(response, self.result.health.notes))

        return with_full_text(post, fetch, self.result.health.notes)
