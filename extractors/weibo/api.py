"""`weibo_api`: posts from Weibo's mobile web API (m.weibo.cn `api/container/getIndex`, JSON).

Two modes:
- `search` (default): keyword search, `containerid=100103type=<search_type>&q=<query>` with
  `page_type=searchall` and `page=N`. `search_type` 1 is Weibo's mixed ranking (综合); 61 is the
  real-time list (实时), newest first, which lets paging stop at the window start.
- `timeline`: the posts of the accounts in `uids` (a brand's own accounts, say), containerid
  `107603<uid>`, paged by `since_id` (or `page` on older answers); newest first, so paging stops
  once a post (other than a pinned one) is older than the window start.

Cards with `card_type` 9 carry an `mblog`; `card_type` 11 cards nest more cards in `card_group`.
Text is HTML turned plain, emoticons kept as their alt text ([哈哈]). A cut text (`isLongText`)
is completed from `statuses/extend?id=<id>`; if that fails the cut text is kept with a note. A
repost is a post of its own; its original is kept in `extra["retweeted"]` and returned as a post
of its own (keyed by its own id) when it was published inside the window. `ok: 0` or a page
without cards ends the paging; `ok: -100`, a redirect to a login page or the visitor wall is an
auth error; a body that is not JSON (truncated, say) is quarantined and reported as transient.

Credentials: optional. m.weibo.cn user timelines answer without a login (the "cookie-free"
dataabc/weibo-crawler relies on it) but throttle anonymous clients sooner and may omit posts;
keyword search needs a logged-in m.weibo.cn cookie in practice (dataabc/weibo-crawler PR #149).
m.weibo.cn keeps its own login (.weibo.cn cookies; a weibo.com cookie does not log it in), so the
cookie has its own Airflow Connection, named by `connection` (default `weibo_mobile`): its extra
`cookie`, or its password, resolved by the DAG edge into `context.secrets`; it is never read
from the config file nor logged.

Options: mode (search), search_type (1), uids (timeline mode), connection (weibo_mobile), base_url
(https://m.weibo.cn), max_pages (50, at most 200), expand_long_text (true), and the politeness
options of every web source with Weibo's defaults (extractors.weibo.settings): min_interval (2 s
between requests to one host), timeout (20 s), max_bytes (5 MB), max_retries (3), backoff (2 s).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, model_validator

from extractors.base import BrandQuery, ExtractContext, ExtractResult, SourceError, Window
from extractors.http import PoliteClient, client_for
from extractors.options import Flag, Whole, one_of, problem
from extractors.record import RAW_LIMIT, Post, Quarantined, raw_json
from extractors.weibo.display import long_text_answer
from extractors.weibo.mobile import MobileSettings, as_auth, fetch_text, raise_for, read_envelope
from extractors.weibo.posts import mblog_posts, with_full_text

KIND = "weibo_api"
MODES = ("search", "timeline")
SEARCH_TYPES = {1: "综合 (mixed ranking)", 61: "实时 (real time, newest first)"}


def _uids(value: Any) -> tuple[str, ...]:
    uids = [value] if isinstance(value, (str, int)) else value
    if not isinstance(uids, list) or not all(re.fullmatch(r"[0-9]+", str(uid).strip()) for uid in uids):
        raise problem(f"{value!r} is not a list of numeric Weibo user ids",
                      "write uids: [1669879400, ...] (the number in https://weibo.com/u/<uid>)")
    return tuple(str(uid).strip() for uid in uids)


class Settings(MobileSettings):
    """The options listed in the module docstring."""

    mode: Annotated[str, one_of(MODES, "{!r} is not a mode", "use search (keyword search) or timeline (accounts)")] = "search"
    search_type: Annotated[int, one_of(SEARCH_TYPES, "{!r} is not supported", "use 1 (综合, mixed ranking) or 61 (实时, real time)")] = 1
    uids: Annotated[tuple[str, ...], BeforeValidator(_uids)] = ()
    max_pages: Whole = Field(50, ge=1, le=200)
    expand_long_text: Flag = True

    @model_validator(mode="after")
    def _timelines_need_accounts(self) -> Self:
        if self.mode == "timeline" and not self.uids:
            raise problem("missing for mode timeline", "list the accounts to follow: uids: [1669879400]", key="uids")
        return self


# --- parsing (pure) ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Entry:
    """One mblog card: its post(s) (a repost, then its original) and whether it is pinned."""

    posts: list[Post]
    pinned: bool


@dataclass(frozen=True, slots=True)
class IndexPage:
    """One getIndex answer. `status`: `ok` (cards follow), `end` (ok 0 / no cards), `auth` (login
    wall), `throttled` (Weibo asks to slow down) or `broken` (not JSON, or not the expected shape)."""

    status: str
    entries: list[Entry] = dataclasses.field(default_factory=list)
    quarantined: list[Quarantined] = dataclasses.field(default_factory=list)
    next_cursor: dict[str, str] | None = None
    message: str = ""


def parse_index(body: str, *, fetched_at: datetime, location: str = "") -> IndexPage:
    """Parse one api/container/getIndex answer. Never raises: unusable cards are quarantined and
    an unusable body is reported in `status`."""
    answer = read_envelope(body)
    if answer.status != "ok":
        return IndexPage(answer.status, message=answer.message)
    data, message = answer.data or {}, answer.message
    cards = data.get("cards")
    if not isinstance(cards, list):
        return IndexPage("broken", message="ok=1 but no data.cards list")
    entries: list[Entry] = []
    quarantined: list[Quarantined] = []
    for number, card in _mblog_cards(cards):
        try:
            mblog = card["mblog"]
            entries.append(Entry(mblog_posts(mblog, source=KIND, fetched_at=fetched_at), _pinned(mblog)))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
            quarantined.append(Quarantined(KIND, f"unparseable mblog card: {error}", raw_json(card),
                                           f"{location}#card{number}"))
    if not entries and not quarantined:
        return IndexPage("end", message=message or "no posts on this page")
    info = data.get("cardlistInfo")
    return IndexPage("ok", entries, quarantined, _next_cursor(info))


def _mblog_cards(cards: list[Any]) -> Iterator[tuple[str, Mapping]]:
    """(position, card) for every card carrying an mblog, looking inside card_type 11 groups."""
    for number, card in enumerate(cards):
        if not isinstance(card, Mapping):
            continue
        if card.get("card_type") == 9 and "mblog" in card:
            yield str(number), card
        elif card.get("card_type") == 11 and isinstance(card.get("card_group"), list):
            for inner, nested in enumerate(card["card_group"]):
                if isinstance(nested, Mapping) and nested.get("card_type") == 9 and "mblog" in nested:
                    yield f"{number}.{inner}", nested


def _pinned(mblog: Mapping) -> bool:
    title = mblog.get("title")
    return bool(mblog.get("isTop")) or (isinstance(title, Mapping) and title.get("text") == "置顶")


def _next_cursor(info: object) -> dict[str, str] | None:
    """The paging parameter for the next page: `since_id` (timelines) or `page`, None at the end."""
    if not isinstance(info, Mapping):
        return None
    since_id = info.get("since_id")
    if isinstance(since_id, (int, str)) and not isinstance(since_id, bool) and str(since_id).strip() not in ("", "0"):
        return {"since_id": str(since_id)}
    page = info.get("page")
    if isinstance(page, (int, str)) and not isinstance(page, bool) and re.fullmatch(r"[0-9]+", str(page)) and int(page) > 1:
        return {"page": str(page)}
    return None


# --- fetching ---------------------------------------------------------------------------------

def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Collect the posts of the search or the timelines that fall within the window."""
    result = ExtractResult()
    cookie = settings.cookie(context.secrets)
    if cookie is None and settings.mode == "search":
        result.health.notes.append("no cookie: m.weibo.cn keyword search usually needs a logged-in cookie "
                                   f"(Airflow Connection '{settings.connection}')")
    client = client_for(context, settings)
    run = _Run(settings, window, context, client, cookie, result)
    with client:
        try:
            for feed, params in _feeds(settings, query):
                try:
                    run.collect(feed, params)
                except SourceError as error:
                    error = run.as_auth(error)
                    result.health.fail(error)
                    if error.kind == "auth":
                        break  # every feed shares the cookie
                    result.health.notes.append(f"{feed}: {error}")
        finally:
            result.health.requests = client.requests
    return result.finish()


def _feeds(settings: Settings, query: BrandQuery) -> list[tuple[str, dict[str, str]]]:
    if settings.mode == "search":
        containerid = f"100103type={settings.search_type}&q={query.primary}"
        return [(f"search {query.primary!r}", {"containerid": containerid, "page_type": "searchall"})]
    return [(f"timeline {uid}", {"type": "uid", "value": uid, "containerid": f"107603{uid}"}) for uid in settings.uids]


@dataclass
class _Run:
    settings: Settings
    window: Window
    context: ExtractContext
    client: PoliteClient
    cookie: str | None
    result: ExtractResult
    seen: set[tuple[str, str]] = dataclasses.field(default_factory=set)

    @property
    def newest_first(self) -> bool:
        return self.settings.mode == "timeline" or self.settings.search_type == 61

    def as_auth(self, error: SourceError) -> SourceError:
        """The Weibo auth message for a login wall or an HTTP 432 refusal; other errors unchanged."""
        return as_auth(error, self.settings.connection, self.cookie)

    def collect(self, feed: str, params: dict[str, str]) -> None:
        cursor: dict[str, str] = {}
        for page_number in range(1, self.settings.max_pages + 1):
            body = fetch_text(self.client, self.settings, "/api/container/getIndex", {**params, **cursor},
                              self.cookie, self.result.health.notes)
            location = f"{feed} page {page_number}"
            page = parse_index(body, fetched_at=self.context.fetched_at, location=location)
            raise_for(page.status, page.message)
            if page.status == "broken":
                self.result.quarantined.append(Quarantined(KIND, f"unusable getIndex answer: {page.message}",
                                                           body[:RAW_LIMIT], location))
                raise SourceError("transient", f"{location}: unusable answer ({page.message}); quarantined",
                                  "the next run will try again")
            if page.status == "end":
                return
            self.result.health.pages += 1
            self.result.quarantined.extend(page.quarantined)
            older_seen = False
            for entry in page.entries:
                for post in entry.posts:
                    self._keep(post)
                main = entry.posts[0]
                older_seen = older_seen or (not entry.pinned and main.published_at < self.window.start)
            if page.next_cursor is None or (self.newest_first and older_seen):
                return
            cursor = page.next_cursor
        self.result.health.notes.append(f"{feed}: stopped at max_pages={self.settings.max_pages}")

    def _keep(self, post: Post) -> None:
        if post.key in self.seen or not self.window.contains(post.published_at):
            return
        self.seen.add(post.key)
        if post.extra.get("truncated") and self.settings.expand_long_text:
            post = self._expanded(post)
        self.result.posts.append(post)

    def _expanded(self, post: Post) -> Post:
        """The post with its text from statuses/extend; unchanged (noted) when that fails."""
        def fetch() -> str | None:
            return long_text_answer(fetch_text(self.client, self.settings, "/statuses/extend", {"id": post.native_id},
                                               self.cookie, self.result.health.notes))

        return with_full_text(post, fetch, self.result.health.notes)
