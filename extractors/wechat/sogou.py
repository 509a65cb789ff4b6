"""What weixin.sogou.com answers its article search with, read into results (pure functions).

A result page, as public crawlers read it (fixtures/wechat/README.md names them; not verified
live): `ul.news-list > li`, each with `div.txt-box`: `h3 a` (the title, the search term wrapped
in `<em><!--red_beg-->…<!--red_end--></em>`, and the link: `/link?url=…` on Sogou itself, or
in older pages a temporary `http://mp.weixin.qq.com/s?src=3&timestamp=…&signature=…`),
`p.txt-info` (the summary) and `div.s-p` (attribute `t`: epoch seconds) holding the account
(`span.all-time-y2`, or in older pages `a.account` with the account's `i` id and `data-isV`) and
the time, written by a script: `<span class="s2"><script>document.write(timeConvert('1700000000'))</script></span>`.
`a#sogou_next` links the next page. A search that finds nothing shows `#noresult_part1_container`;
the same box past page 10 says that anonymous visitors see only 100 results (当前只显示100条结果).

Sogou's verification page (its anti-spider wall) is what a client it takes for a robot gets
instead, after a redirect to `/antispider/?from=…`: a captcha image `#seccodeImage` in
`#seccodeForm`, "VerifyCode", 用户您好，我们的系统检测到您网络中存在异常访问请求.

Sogou's own link page (`/link?url=…`) writes the article's address in pieces from a script,
`url += 'https://mp.'; url += 'weixin.qq.com/s?src=11…'; … url.replace("@", "")`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from extractors.base import Window
from extractors.htmltext import html_to_text
from extractors.record import RAW_LIMIT, Quarantined
from extractors.timeparse import SHANGHAI, find_timestamp, parse_timestamp

KIND = "wechat_articles"
SPECIFIC_DATES = "5"  # Sogou's `tsn` for a custom date range (ft..et, both days included)
_TIME_CONVERT = re.compile(r"timeConvert\(\s*['\"]?(\d{9,13})['\"]?\s*\)")
_LINK_PIECE = re.compile(r"url\s*\+=\s*'([^']*)'")
_WALL = re.compile(r"id=[\"']?seccode(?:Image|Form|Input)\b|VerifyCode[：:]|网络中存在异常访问请求", re.IGNORECASE)
_CAPPED = re.compile(r"只显示\s*\d+\s*条结果|登录后查看更多")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)

PageKind = Literal["results", "empty", "capped", "wall", "unrecognised"]


@dataclass(frozen=True, slots=True)
class Result:
    """One article as the search lists it. `verified` is the result's `data-isV` (None when the
    page does not say); `link` is absolute."""

    title: str
    summary: str
    account: str | None
    account_id: str | None
    verified: bool | None
    published_at: datetime
    link: str


@dataclass(frozen=True, slots=True)
class ResultPage:
    """What one result page holds: its results, the items it could not read, whether a next
    page is linked, and which kind of page it is."""

    kind: PageKind
    results: list[Result] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    has_next: bool = False


def search_params(term: str, window: Window, page: int) -> dict[str, str]:
    """The query of one result page: article search (`type=2`) for `term`, limited to the days
    the window touches in Asia/Shanghai (Sogou filters by whole days), page `page`."""
    first = window.start.astimezone(SHANGHAI).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    return {"type": "2", "query": term, "ie": "utf8", "tsn": SPECIFIC_DATES, "ft": first.isoformat(),
            "et": last.isoformat(), "page": str(page)}


def is_wall(body: str, url: str = "") -> bool:
    """True when a Sogou answer is its verification (anti-spider) page."""
    return "/antispider" in urlsplit(url).path or bool(_WALL.search(body[:30000]))


def parse_result_page(html: str, *, base_url: str, fetched_at: datetime, url: str = "",
                      location: str = "") -> ResultPage:
    """Read one result page. Never raises: unreadable results are quarantined; a page that is
    neither results, nor the no-result box, nor the verification page is `unrecognised`."""
    if is_wall(html, url):
        return ResultPage("wall")
    soup = BeautifulSoup(html, "lxml")
    items = soup.select("ul.news-list > li")
    results, quarantined = [], []
    for number, item in enumerate(items):
        try:
            results.append(_result(item, base_url, fetched_at))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            quarantined.append(Quarantined(KIND, f"unreadable search result: {error}", str(item)[:RAW_LIMIT],
                                           f"{location}#{number}"))
    has_next = soup.select_one("a#sogou_next[href]") is not None
    if items:
        return ResultPage("results", results, quarantined, has_next)
    box = soup.select_one("#noresult_part1_container")
    if box is not None:
        return ResultPage("capped" if _CAPPED.search(box.get_text(" ")) else "empty")
    if soup.select_one("ul.news-list") is not None:
        return ResultPage("empty")
    return ResultPage("unrecognised")


def page_title(html: str) -> str:
    """The page's <title>, tidied and cut to 80 characters ('' without one)."""
    found = _TITLE.search(html[:20000])
    return " ".join(html_to_text(found.group(1)).split())[:80] if found else ""


def link_target(html: str) -> str | None:
    """The article address a Sogou link page writes from its script pieces, or None."""
    pieces = _LINK_PIECE.findall(html)
    if not pieces:
        return None
    target = "".join(pieces).replace("@", "")
    parts = urlsplit(target)
    return target if parts.scheme in ("http", "https") and parts.netloc else None


def _result(item: Tag, base_url: str, fetched_at: datetime) -> Result:
    anchor = item.select_one("div.txt-box h3 a[href]") or item.select_one("h3 a[href]")
    if anchor is None:
        raise ValueError("no title link (h3 a)")
    title = html_to_text(anchor.decode_contents())
    if not title:
        raise ValueError("empty title")
    summary_node = item.select_one("p.txt-info")
    summary = html_to_text(summary_node.decode_contents()) if summary_node is not None else ""
    meta = item.select_one("div.s-p")
    account_node = meta.select_one("span.all-time-y2, a.account") if meta is not None else None
    account = account_node.get_text(" ", strip=True) if account_node is not None else ""
    account_id = account_node.get("i") if account_node is not None else None
    flag = account_node.get("data-isv") if account_node is not None else None
    return Result(
        title=title, summary=summary, account=account or None,
        account_id=account_id.strip() or None if isinstance(account_id, str) else None,
        verified={"1": True, "0": False}.get(flag.strip()) if isinstance(flag, str) else None,
        published_at=_published(meta, fetched_at),
        link=urljoin(base_url + "/", str(anchor["href"]).strip()),
    )


def _published(meta: Tag | None, fetched_at: datetime) -> datetime:
    """The time a result shows: its timeConvert script, else the `t` attribute, else a date
    written as text (3小时前, 2025-12-1)."""
    if meta is None:
        raise ValueError("no time box (div.s-p)")
    script = " ".join(node.get_text() for node in meta.find_all("script"))
    found = _TIME_CONVERT.search(script)
    if found:
        return parse_timestamp(found.group(1))
    stamp = meta.get("t")
    if isinstance(stamp, str) and stamp.strip():
        return parse_timestamp(stamp.strip())
    shown = meta.select_one("span.s2")
    if shown is None or not shown.get_text(strip=True):
        raise ValueError("no publish time (timeConvert, t or span.s2)")
    return find_timestamp(shown.get_text(" ", strip=True), SHANGHAI, now=fetched_at)
