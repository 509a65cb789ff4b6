"""`wechat_articles`: WeChat official-account articles found through Sogou's WeChat search.

For each brand term (`terms: all`) or the first one (`primary`): `weixin?type=2&query=<term>&ie=utf8
&tsn=5&ft=<first day>&et=<last day>&page=N` on `base_url`, the days being those the window
touches in Asia/Shanghai (Sogou filters by whole days and ranks by relevance, so every page up
to the end or the cap is read and articles outside the window are dropped). Paging follows
`a#sogou_next` and stops at `max_pages` (counted in `health.page_cap_hits` with a note when more
pages remained) or where Sogou stops showing anonymous visitors more (its 100-result notice,
also counted). One article found by several terms is one post.

Bodies (`fetch_bodies: true`): for at most `max_bodies` articles of the window, Sogou's link page
is read for the article's address, and the article is fetched from `article_base_url` (the
address's path and query on that host): the body replaces the summary as the post's text
(cut at `max_text_chars`), the permanent link becomes its URL. An article deleted or whose
temporary link expired keeps its summary, marked in `extra.article_status`, with a note.

Failures (`extractors.wechat.sogou`, `extractors.wechat.article`): Sogou's verification page
(a redirect to /antispider/, the captcha) is `auth`: it asks for a cookie from a browser that
passed it, or a renewed one, and stops every term and the bodies. WeChat's verification page, and
any refusal or server error of the article host, is `transient` and stops the bodies. A result page of unknown shape is `permanent` (quarantined);
an empty body `transient`. Posts collected before a failure are kept (`partial`).

Authors: the account is the author. An account listed in `media_accounts` is `author_verified:
media`, with the follower count given there as `author_followers`; otherwise Sogou's `data-isV`
flag, where the page has it, gives `verified` or `none`.

Credentials: optional. `connection` names an Airflow Connection whose cookie (extra `cookie` or
password) is sent to Sogou only (never to mp.weixin.qq.com).

Options: terms (all), base_url (https://weixin.sogou.com), article_base_url
(https://mp.weixin.qq.com), max_pages (5, at most 50; Sogou shows anonymous visitors 10),
fetch_bodies (false), max_bodies (10, at most 100), max_text_chars (5000), media_accounts (none),
connection (none), and the politeness options of every web source with Sogou's slower pace:
min_interval 5 s, backoff 5 s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from pydantic import BeforeValidator, Field

from extractors.base import BrandQuery, ExtractContext, ExtractResult, SourceError, Window
from extractors.htmltext import clip, title_and_body
from extractors.http import PoliteClient, client_for, page_text
from extractors.options import TERMS, Flag, HttpSettings, Number, Whole, http_url, one_of, problem
from extractors.record import RAW_LIMIT, Post, Quarantined, stable_id
from extractors.wechat.article import ArticlePage, parse_article_page
from extractors.wechat.sogou import (
    KIND,
    Result,
    ResultPage,
    is_wall,
    link_target,
    page_title,
    parse_result_page,
    search_params,
)

PLATFORM = "wechat"
DEFAULT_BASE_URL = "https://weixin.sogou.com"
DEFAULT_ARTICLE_BASE_URL = "https://mp.weixin.qq.com"
ARTICLE_HOSTS = ("mp.weixin.qq.com",)
__all__ = ["KIND", "Settings", "extract"]


def _media_accounts(value: Any) -> dict[str, int | None]:
    """A list of account names, or a mapping of account name to follower count (or null)."""
    fix = "write media_accounts: [人民日报, 新华社] or {人民日报: 3000000, 新华社: null}"
    entries = dict.fromkeys(value) if isinstance(value, list) else value
    if not isinstance(entries, Mapping):
        raise problem(f"{value!r} is not a list of account names", fix)
    accounts: dict[str, int | None] = {}
    for name, followers in entries.items():
        if not isinstance(name, str) or not name.strip():
            raise problem(f"{name!r} is not an account name", fix)
        if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int) or followers < 0):
            raise problem(f"{followers!r} is not a follower count for {name!r}", fix)
        accounts[name.strip()] = followers
    return accounts


class Settings(HttpSettings):
    """The options listed in the module docstring."""

    terms: Annotated[str, one_of(TERMS)] = "all"
    base_url: Annotated[str, http_url(f"write a base URL such as {DEFAULT_BASE_URL}", base=True)] = DEFAULT_BASE_URL
    article_base_url: Annotated[str, http_url(f"write a base URL such as {DEFAULT_ARTICLE_BASE_URL}",
                                              base=True)] = DEFAULT_ARTICLE_BASE_URL
    max_pages: Whole = Field(5, ge=1, le=50)
    fetch_bodies: Flag = False
    max_bodies: Whole = Field(10, ge=1, le=100)
    max_text_chars: Whole = Field(5000, ge=1)
    media_accounts: Annotated[dict[str, int | None], BeforeValidator(_media_accounts)] = Field(default_factory=dict)
    min_interval: Number = Field(5.0, ge=0)
    backoff: Number = Field(5.0, ge=0)


def post_id(result: Result) -> str:
    """A result's post id, from what the search shows (account, title, time to the second), so a
    run with bodies and one without, or two terms finding the same article, agree."""
    return stable_id(result.account or "", result.title, str(int(result.published_at.timestamp())))


def article_post(result: Result, settings: Settings, page: ArticlePage | None = None,
                 resolved: str | None = None) -> Post:
    """The post of one search result, completed by its article page when one was read."""
    account = result.account or (page.account if page is not None and page.account else None)
    extra: dict[str, object] = {"summary": result.summary or None, "sogou_link": result.link}
    text = title_and_body(result.title, result.summary)
    url = resolved or result.link
    if page is not None and page.problem is None and page.body:
        body, cut = clip(page.body, settings.max_text_chars)
        text = title_and_body(result.title, body)
        extra["article_status"] = "read"
        if cut:
            extra["truncated"] = True
        url = page.permanent_url or url
    elif page is not None:
        extra["article_status"] = page.problem or "empty"
    verified, followers = _reach(account, result.verified, settings.media_accounts)
    return Post(platform=PLATFORM, native_id=post_id(result), source=KIND,
                text=text, published_at=result.published_at, url=url, title=result.title, author=account,
                author_id=result.account_id, extra=extra, author_followers=followers, author_verified=verified)


def _reach(account: str | None, flag: bool | None, media: Mapping[str, int | None]) -> tuple[str | None, int | None]:
    if account is not None and account in media:
        return "media", media[account]
    return {True: "verified", False: "none", None: None}[flag], None


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Collect the articles Sogou's WeChat search finds for the brand's terms within the window,
    with their bodies when `fetch_bodies` is set."""
    result = ExtractResult()
    client = client_for(context, settings)
    run = _Run(settings, window, context, client, result)
    with client:
        try:
            terms = query.terms[:1] if settings.terms == "primary" else query.terms
            walled = False
            for term in dict.fromkeys(terms):
                try:
                    run.search(term)
                except SourceError as error:
                    result.health.fail(error)
                    if error.kind == "auth":
                        walled = True  # every term shares the cookie and the client
                        break
                    result.health.notes.append(f"search {term!r}: {error}")
            pages: dict[str, tuple[ArticlePage, str]] = {}
            if settings.fetch_bodies and not walled:
                try:
                    run.bodies(pages)
                except SourceError as error:
                    result.health.fail(error)
            result.posts.extend(article_post(found, settings, *pages.get(key, (None, None)))
                                for key, found in run.found.items())
        finally:
            result.health.requests = client.requests
    return result.finish()


def _said(error: SourceError) -> str:
    """What an error of the HTTP client says, without its hint (this source gives its own)."""
    return str(error).removesuffix(f" ({error.hint})") if error.hint else str(error)


@dataclass
class _Run:
    """One extract call: its options, window and client, the results kept so far by post id."""

    settings: Settings
    window: Window
    context: ExtractContext
    client: PoliteClient
    result: ExtractResult
    found: dict[str, Result] = dataclasses.field(default_factory=dict)

    @property
    def cookie(self) -> str | None:
        return self.settings.cookie(self.context.secrets)

    def search(self, term: str) -> None:
        """Page through one term's results until the last page, Sogou's limit or the page cap."""
        for number in range(1, self.settings.max_pages + 1):
            page = self._page(term, number)
            self.result.health.pages += 1
            self.result.quarantined.extend(page.quarantined)
            for found in page.results:
                if self.window.contains(found.published_at):
                    self.found.setdefault(post_id(found), found)
            if page.kind == "capped":
                self.result.health.page_cap_hits += 1
                self.result.health.notes.append(
                    f"search {term!r}: Sogou shows anonymous visitors 100 results; articles of the window may be "
                    "missing (a logged-in weixin.sogou.com cookie in `connection:` shows more)")
                return
            if page.kind == "empty" or not page.has_next:
                return
        self.result.health.page_cap_hits += 1
        self.result.health.notes.append(
            f"search {term!r}: page cap: stopped at max_pages={self.settings.max_pages} with more pages listed; "
            "articles of the window may be missing (raise max_pages)")

    def _page(self, term: str, number: int) -> ResultPage:
        base = self.settings.base_url
        url = f"{base}/weixin?{urlencode(search_params(term, self.window, number))}"
        referer = f"{base}/weixin?{urlencode({'type': '2', 'query': term, 'ie': 'utf8'})}"
        body, final = self._sogou(url, referer)
        location = f"search {term!r} page {number}"
        page = parse_result_page(body, base_url=base, fetched_at=self.context.fetched_at, url=final, location=location)
        if page.kind == "wall":
            raise self._wall(url)
        if page.kind == "unrecognised":
            if not body.strip():
                raise SourceError("transient", f"{url} answered an empty page; cut short?",
                                  "the next run will try again")
            self.result.quarantined.append(Quarantined(KIND, "page with neither results nor the no-result notice",
                                                       body[:RAW_LIMIT], location))
            title = page_title(body)
            raise SourceError("permanent", f"{url} answered 200 with a page{f' titled {title!r}' if title else ''} "
                                           "that has neither results nor the no-result notice (quarantined)",
                              "the page layout may have changed: check the quarantined page")
        return page

    def _sogou(self, url: str, referer: str) -> tuple[str, str]:
        """One request to Sogou with the cookie: the page's text and its final address."""
        try:
            response = self.client.get(url, cookies=self.cookie, headers={"Referer": referer})
        except SourceError as error:
            if error.kind == "auth":  # the client's own hint replaced by this source's
                raise SourceError("auth", f"Sogou asks for a login: {_said(error)}", self._auth_hint()) from None
            raise
        return page_text(response, self.result.health.notes), str(response.url)

    def _wall(self, url: str) -> SourceError:
        return SourceError("auth", f"{url} answered Sogou's verification (anti-spider) page", self._auth_hint())

    def _auth_hint(self) -> str:
        if self.cookie is None:
            return ("add `connection:` naming an Airflow Connection with a weixin.sogou.com cookie (SUV, SNUID) from "
                    "a browser that passed the verification (extra.cookie or password), and raise min_interval"
                    + (f"; Connection {self.settings.connection!r} holds none" if self.settings.connection else ""))
        return f"renew the cookie in Airflow Connection {self.settings.connection!r}, and raise min_interval"

    def bodies(self, pages: dict[str, tuple[ArticlePage, str]]) -> None:
        """Read the article pages of the first `max_bodies` results kept, into `pages` by post id."""
        keys = list(self.found)
        for key in keys[:self.settings.max_bodies]:
            found = self.found[key]
            target = self._target(found)
            if target is None:
                continue
            page = self._article(found, target)
            if page is not None:
                pages[key] = (page, target)
        if len(keys) > self.settings.max_bodies:
            self.result.health.notes.append(f"bodies: read {self.settings.max_bodies} of {len(keys)} articles "
                                            "(max_bodies); the others keep their summary")

    def _target(self, found: Result) -> str | None:
        """The article's address on WeChat: the result's link when it already points there, else
        what Sogou's link page writes; None (noted) when the link page gives none."""
        if (urlsplit(found.link).hostname or "") in ARTICLE_HOSTS:
            return found.link
        try:
            body, final = self._sogou(found.link, f"{self.settings.base_url}/")
        except SourceError as error:
            if error.kind != "permanent":
                raise
            self.result.health.notes.append(f"bodies: {error}; {found.title!r} keeps its summary")
            return None
        if (urlsplit(final).hostname or "") in ARTICLE_HOSTS:
            return final
        if is_wall(body, final):
            raise self._wall(found.link)
        target = link_target(body)
        if target is None:
            self.result.health.notes.append(f"bodies: {found.link} gave no article address; "
                                            f"{found.title!r} keeps its summary")
        return target

    def _article(self, found: Result, target: str) -> ArticlePage | None:
        """The article page from `article_base_url`; None (noted) when it cannot be had."""
        parts = urlsplit(target)
        url = self.settings.article_base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            response = self.client.get(url, headers={"Referer": f"{self.settings.base_url}/"})
        except SourceError as error:
            if error.kind != "permanent":  # a refusal (401/403) too: no credential of ours would help there
                raise SourceError("transient", f"WeChat article {url}: {_said(error)}",
                                  "the next run will try again; raise min_interval if it persists") from None
            self.result.health.notes.append(f"bodies: {error}; {found.title!r} keeps its summary")
            return None
        body = page_text(response, self.result.health.notes)
        page = parse_article_page(body, str(response.url))
        if page.problem == "unrecognised":
            self.result.quarantined.append(Quarantined(KIND, "article page without #js_content", body[:RAW_LIMIT], url))
        if page.problem == "verification":
            raise SourceError("transient", f"{url} answered WeChat's verification page ({page.notice})",
                              "the next run will try again; raise min_interval if it persists")
        if page.problem is not None:
            self.result.health.notes.append(f"bodies: {url} shows the article {page.problem}"
                                            f"{f' ({page.notice})' if page.notice else ''}; "
                                            f"{found.title!r} keeps its summary")
        return page
