"""`heimao`: complaints from 黑猫投诉 (tousu.sina.com.cn), by keyword search or by company.

Two modes:
- `search` (default): `api/index/s?keywords=<term>&page_size=N&page=P` for each brand term
  (`terms: all`) or the first one (`primary`).
- `company`: `api/company/received_complaints?couid=<id>&type=1&page_size=N&page=P` for each
  company id in `couid` (the number in `https://tousu.sina.com.cn/company/view/?couid=<id>`).

Paging follows the pager (`page_amount`) and stops after a page whose complaints are all older
than the window (the lists show the newest first), at an empty page, or at `max_pages` (counted
in `health.page_cap_hits` with a note when more pages remained). Complaints outside the window
are dropped; one found by several terms is kept once. Answers are read by
`extractors.heimao.answers`; its failures become the source's error (auth, transient,
permanent), keeping what earlier pages gave. With several terms or companies, one that fails
does not stop the others, except a login or verification wall, which stops them all.

Credentials: optional. `connection` names an Airflow Connection whose cookie (extra `cookie` or
password) is sent; public crawlers send a logged-in Sina cookie for keyword search, and the
site answers clients it takes for robots with a verification page (reported `auth`, asking for
the cookie). The site's own web page signs its requests (`ts`, `rs`, `signature`); this source
does not forge those signatures (docs/sources.md says what that means and what was not verified).

Options: mode (search), couid (company mode), terms (all), base_url (https://tousu.sina.com.cn),
max_pages (5, at most 100), page_size (10, at most 50), connection (none), and the politeness
options of every web source with a slower default pace: min_interval 2 s, backoff 2 s.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Annotated, Any, Self
from urllib.parse import urlencode

from pydantic import BeforeValidator, Field, model_validator

from extractors.base import BrandQuery, ExtractContext, ExtractResult, SourceError, Window
from extractors.heimao.answers import KIND, Answer, parse_answer
from extractors.http import PoliteClient, client_for, page_text
from extractors.options import TERMS, HttpSettings, Number, Whole, http_url, one_of, problem
from extractors.record import RAW_LIMIT, Post, Quarantined

DEFAULT_BASE_URL = "https://tousu.sina.com.cn"
MODES = ("search", "company")
COMPANY_LIST_TYPE = "1"  # the company page's default tab, as public crawlers request it
__all__ = ["KIND", "Settings", "extract"]


def _couids(value: Any) -> tuple[str, ...]:
    ids = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    if not isinstance(ids, list) or not ids or not all(
            not isinstance(i, bool) and re.fullmatch(r"[0-9]{1,20}", str(i).strip()) for i in ids):
        raise problem(f"{value!r} is not a list of numeric company ids",
                      "write couid: [5350527288, ...] (the number in https://tousu.sina.com.cn/company/view/?couid=<id>)")
    return tuple(dict.fromkeys(str(i).strip() for i in ids))


class Settings(HttpSettings):
    """The options listed in the module docstring."""

    mode: Annotated[str, one_of(MODES, "{!r} is not a mode",
                                "use search (keyword search) or company (complaints a company received)")] = "search"
    couid: Annotated[tuple[str, ...], BeforeValidator(_couids)] = ()
    terms: Annotated[str, one_of(TERMS)] = "all"
    base_url: Annotated[str, http_url(f"write a base URL such as {DEFAULT_BASE_URL}", base=True)] = DEFAULT_BASE_URL
    max_pages: Whole = Field(5, ge=1, le=100)
    page_size: Whole = Field(10, ge=1, le=50)
    min_interval: Number = Field(2.0, ge=0)
    backoff: Number = Field(2.0, ge=0)

    @model_validator(mode="after")
    def _companies_need_ids(self) -> Self:
        if self.mode == "company" and not self.couid:
            raise problem("missing for mode company",
                          "list the companies: couid: [5350527288] (from https://tousu.sina.com.cn/company/view/?couid=<id>)",
                          key="couid")
        return self


@dataclass(frozen=True, slots=True)
class Feed:
    """One paged list: a search term or a company; `params` are its own query parameters."""

    name: str
    path: str
    params: dict[str, str]
    referer: str
    couid: str | None = None


def feeds(settings: Settings, query: BrandQuery) -> list[Feed]:
    """The lists to page through for one brand: one per search term, or one per company."""
    base = settings.base_url
    if settings.mode == "company":
        return [Feed(f"company {couid}", "/api/company/received_complaints",
                     {"couid": couid, "type": COMPANY_LIST_TYPE}, f"{base}/company/view/?couid={couid}", couid)
                for couid in settings.couid]
    terms = query.terms[:1] if settings.terms == "primary" else query.terms
    return [Feed(f"search {term!r}", "/api/index/s", {"keywords": term},
                 f"{base}/index/search/?{urlencode({'keywords': term, 't': 1})}")
            for term in dict.fromkeys(terms)]


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Collect the complaints of the search or the company lists published within the window."""
    result = ExtractResult()
    client = client_for(context, settings)
    run = _Run(settings, window, context, client, result)
    with client:
        try:
            for feed in feeds(settings, query):
                try:
                    run.collect(feed)
                except SourceError as error:
                    result.health.fail(error)
                    if error.kind == "auth":
                        break  # every list shares the cookie and the client
                    result.health.notes.append(f"{feed.name}: {error}")
        finally:
            result.health.requests = client.requests
    return result.finish()


@dataclass
class _Run:
    """One extract call: its options, window and client, what it collected so far."""

    settings: Settings
    window: Window
    context: ExtractContext
    client: PoliteClient
    result: ExtractResult
    seen: set[str] = dataclasses.field(default_factory=set)  # complaint numbers kept

    @property
    def cookie(self) -> str | None:
        return self.settings.cookie(self.context.secrets)

    def collect(self, feed: Feed) -> None:
        """Page through one list until its end, the window's start or the page cap."""
        page_amount: int | None = None
        for page in range(1, self.settings.max_pages + 1):
            answer = self._fetch(feed, page)
            self.result.health.pages += 1
            self.result.quarantined.extend(answer.quarantined)
            for post in answer.posts:
                self._keep(post)
            page_amount = answer.page_amount
            if (answer.listed == 0 or (answer.posts and all(p.published_at < self.window.start for p in answer.posts))
                    or (page_amount is not None and page >= page_amount)
                    or (page_amount is None and answer.listed < self.settings.page_size)):
                return
        self.result.health.page_cap_hits += 1
        remaining = f" of {page_amount}" if page_amount else ""
        self.result.health.notes.append(
            f"{feed.name}: page cap: stopped at max_pages={self.settings.max_pages}{remaining} pages before reaching "
            "the window start; complaints of the window may be missing (raise max_pages)")

    def _fetch(self, feed: Feed, page: int) -> Answer:
        params = {**feed.params, "page_size": str(self.settings.page_size), "page": str(page)}
        url = f"{self.settings.base_url}{feed.path}?{urlencode(params)}"
        try:
            response = self.client.get(url, cookies=self.cookie, headers={
                "Referer": feed.referer, "Accept": "application/json, text/javascript, */*; q=0.01",
                "X-Requested-With": "XMLHttpRequest"})
        except SourceError as error:
            if error.kind == "auth":  # the client's own hint replaced by this source's
                said = str(error).removesuffix(f" ({error.hint})") if error.hint else str(error)
                raise SourceError("auth", f"黑猫投诉 asks for a login: {said}", self._auth_hint()) from None
            raise
        body = page_text(response, self.result.health.notes)
        location = f"{feed.name} page {page}"
        answer = parse_answer(body, page=page, fetched_at=self.context.fetched_at, location=location, couid=feed.couid)
        if answer.problem is None:
            return answer
        kind, message = answer.problem
        if answer.keep_body:
            self.result.quarantined.append(Quarantined(KIND, f"unusable answer: {message}", body[:RAW_LIMIT], location))
        hint = {"auth": self._auth_hint(),
                "transient": "the next run will try again; raise min_interval if it persists",
                "permanent": "check the source's options; the site's API may have changed"}[kind]
        raise SourceError(kind, f"{url} {message}", hint)

    def _auth_hint(self) -> str:
        if self.cookie is None:
            return ("add `connection:` naming an Airflow Connection with a logged-in tousu.sina.com.cn cookie "
                    "(extra.cookie or password)" + (f"; Connection {self.settings.connection!r} holds none"
                                                   if self.settings.connection else ""))
        return f"renew the cookie in Airflow Connection {self.settings.connection!r}, or raise min_interval"

    def _keep(self, post: Post) -> None:
        if post.native_id in self.seen or not self.window.contains(post.published_at):
            return
        self.seen.add(post.native_id)
        self.result.posts.append(post)
