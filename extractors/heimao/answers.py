"""What tousu.sina.com.cn answers its list endpoints with, read into complaints (pure functions).

The JSON envelope, as public crawlers read it (docs/sources.md names them; not verified live):

    {"result": {"status": {"code": 0, "msg": ""},
                "data": {"lists": [{"main": {...}, "author": {...}}, ...],
                         "pager": {"current": 1, "page_amount": 12, "item_count": 118}}}}

Keyword search (`api/index/s`) lists its complaints in `data.lists`; company lists
(`api/company/received_complaints`) have been read from `data.lists` and `data.complaints`, so
both are accepted. Each complaint's `main` holds `sn` (the complaint number), `title` (search
results highlight the term with `<span class="code-red">`), `summary`, `appeal` (投诉要求),
`cotitle` (投诉对象, the company), `timestamp` (epoch seconds), `url` (often `//tousu…`), and
where given `status`/`status_name`, `issue` (the problem label) and `cost` (the amount at stake).

Anything else is classified, so a block never reads as "ok, 0 posts":
- a verification (captcha) page or a login page: `auth`;
- a rate-limit page, JSON whose code or message says to slow down, a server error code, a body
  cut short (not JSON, not HTML), or a page that lists nothing although its pager counts
  complaints (the crawlers' sign of the site's risk control): `transient`;
- any other error code, any other HTML page, JSON of another shape: `permanent`.
A valid envelope with an empty list is an empty result (`ok`).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from extractors.base import ErrorKind
from extractors.heimao.categories import category_hint
from extractors.htmltext import html_to_text, title_and_body
from extractors.record import Post, Quarantined, raw_json
from extractors.timeparse import SHANGHAI, parse_timestamp

KIND = "heimao"
PLATFORM = "heimao"
SITE = "https://tousu.sina.com.cn"
COMPLAINT_URL = SITE + "/complaint/view/{sn}/"
_COMPLAINT_PATH = re.compile(r"/complaint/view/([0-9]+)")
_SN = re.compile(r"[0-9]{4,20}")

_CAPTCHA = re.compile(r"验证码|安全验证|人机验证|滑动验证|拖动滑块|geetest|sec-captcha|captcha|请完成验证", re.IGNORECASE)
_LOGIN = re.compile(r"passport\.sina\.com\.cn|login\.sina\.com\.cn|passport\.weibo\.c(?:om|n)|请先登录|新浪通行证|"
                    r"<input[^>]+type=[\"']?password", re.IGNORECASE)
_SLOW_DOWN = re.compile(r"频繁|稍后再试|请求过多|访问过快|繁忙|too many requests|rate limit", re.IGNORECASE)
_LOGIN_MESSAGE = re.compile(r"登录|登陆|未登|login|sign in", re.IGNORECASE)
_SIGNATURE_MESSAGE = re.compile(r"签名|signature|sign\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
SERVER_ERROR_CODES = range(500, 600)


@dataclass(frozen=True, slots=True)
class Answer:
    """One list answer. `problem` is None for a usable page, else the error kind and what was
    wrong; `keep_body` says the body itself belongs in quarantine (it is what needs a look).
    `page_amount` / `item_count` are the pager's, when it has them."""

    posts: list[Post] = dataclasses.field(default_factory=list)
    quarantined: list[Quarantined] = dataclasses.field(default_factory=list)
    page_amount: int | None = None
    item_count: int | None = None
    problem: tuple[ErrorKind, str] | None = None
    keep_body: bool = False

    @property
    def listed(self) -> int:
        """Complaints on the page, read or quarantined."""
        return len(self.posts) + len(self.quarantined)


def parse_answer(body: str, *, page: int, fetched_at: datetime, location: str = "", couid: str | None = None) -> Answer:
    """Read one answer of `api/index/s` or `api/company/received_complaints` (page `page`).
    Never raises: unusable complaints are quarantined, an unusable answer is a `problem`."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        return not_json(body, error)
    result = payload.get("result") if isinstance(payload, Mapping) else None
    status = result.get("status") if isinstance(result, Mapping) else None
    if not isinstance(status, Mapping) or "code" not in status:
        return Answer(problem=("permanent", "answered JSON without the result.status envelope (the API changed?)"),
                      keep_body=True)
    code, message = status.get("code"), str(status.get("msg") or status.get("message") or "").strip()
    if str(code).strip() != "0":
        return Answer(problem=error_code(code, message))
    data = result.get("data")
    entries = _entries(data)
    if entries is None:
        return Answer(problem=("permanent", "answered code 0 without a complaint list (data.lists)"), keep_body=True)
    pager = data.get("pager") if isinstance(data, Mapping) else None
    page_amount, item_count = _count(pager, "page_amount"), _count(pager, "item_count")
    posts, quarantined = [], []
    for number, entry in enumerate(entries):
        try:
            posts.append(complaint_post(entry, fetched_at=fetched_at, couid=couid))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
            quarantined.append(Quarantined(KIND, f"unreadable complaint: {error}", raw_json(entry), f"{location}#{number}"))
    if not entries and (item_count or 0) > 0 and page <= (page_amount or page):
        return Answer(page_amount=page_amount, item_count=item_count, problem=(
            "transient", f"page {page} lists no complaint although the pager counts {item_count} "
                         "(the site's risk control throttles this client)"))
    return Answer(posts, quarantined, page_amount, item_count)


def not_json(body: str, error: Exception) -> Answer:
    """What a body that is not JSON means: a verification or login page (auth), a rate-limit
    page or a cut answer (transient), or some other HTML page (permanent)."""
    head = body[:20000]
    if _CAPTCHA.search(head):
        return Answer(problem=("auth", "answered a verification (captcha) page instead of JSON"))
    if _LOGIN.search(head):
        return Answer(problem=("auth", "answered a login page instead of JSON"))
    if _SLOW_DOWN.search(head):
        return Answer(problem=("transient", f"answered a rate-limit page{_titled(head)} instead of JSON"))
    if re.match(r"\s*<", head):
        return Answer(problem=("permanent", f"answered 200 with an HTML page{_titled(head)} instead of JSON"),
                      keep_body=True)
    what = "an empty body" if not body.strip() else f"a body that is not JSON ({error})"
    return Answer(problem=("transient", f"answered {what}; cut short?"), keep_body=bool(body.strip()))


def error_code(code: object, message: str) -> tuple[ErrorKind, str]:
    """The error kind of a non-zero `result.status.code`: login messages are auth; slow-down
    messages and server-side codes (5xx) transient; anything else permanent."""
    said = f"error code {code!r}" + (f": {message}" if message else "")
    if _LOGIN_MESSAGE.search(message):
        return "auth", f"answered {said} (a login is required)"
    number = _integer(code)
    if _SLOW_DOWN.search(message) or (number is not None and number in SERVER_ERROR_CODES):
        return "transient", f"answered {said}"
    if _SIGNATURE_MESSAGE.search(message):
        return "permanent", (f"answered {said}: the site wants requests signed by its own web page (ts/rs/signature), "
                             "which brandmon does not forge; see docs/sources.md")
    return "permanent", f"answered {said}"


def complaint_post(entry: object, *, fetched_at: datetime, couid: str | None = None) -> Post:
    """One listed complaint as a Post; raises ValueError (or TypeError, KeyError) when it has no
    number, no text or no readable time."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("main"), Mapping):
        raise ValueError("no `main` object")
    main = entry["main"]
    sn = _complaint_number(main)
    title = _plain(main.get("title"))
    summary = _plain(main.get("summary"))
    text = title_and_body(title, summary)
    if not text:
        raise ValueError(f"complaint {sn} has neither title nor summary")
    stamp = main.get("timestamp") if main.get("timestamp") not in (None, "") else main.get("datetime")
    published = parse_timestamp(stamp, SHANGHAI, now=fetched_at)
    appeal, issue = _plain(main.get("appeal")), _plain(main.get("issue"))
    extra: dict[str, object] = {"complaint_source": PLATFORM, "appeal": appeal or None,
                                "object": _plain(main.get("cotitle") or main.get("object")) or None,
                                "category_hint": category_hint(appeal, issue, title, summary)}
    status = main.get("status_name") or main.get("status")
    optional = {"status": status, "issue": issue, "cost": main.get("cost"), "couid": couid or main.get("couid")}
    extra.update({key: str(value).strip() for key, value in optional.items()
                  if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip()})
    return Post(platform=PLATFORM, native_id=sn, source=KIND, text=text, published_at=published,
                url=_complaint_url(main.get("url"), sn), title=title or None, author=_author(entry.get("author")),
                extra=extra)


def _entries(data: object) -> list | None:
    if not isinstance(data, Mapping):
        return None
    for key in ("lists", "complaints"):
        if isinstance(data.get(key), list):
            return data[key]
    return None


def _complaint_number(main: Mapping) -> str:
    sn = str(main.get("sn") or "").strip()
    if _SN.fullmatch(sn):
        return sn
    found = _COMPLAINT_PATH.search(str(main.get("url") or ""))
    if found:
        return found.group(1)
    raise ValueError(f"no complaint number (sn {main.get('sn')!r}, url {main.get('url')!r})")


def _complaint_url(url: object, sn: str) -> str:
    """The complaint's public page: the answer's link made absolute (`//tousu…`, `/complaint/…`),
    else the page built from the number."""
    link = url.strip() if isinstance(url, str) else ""
    if link.startswith("//"):
        link = "https:" + link
    elif link.startswith("/"):
        link = SITE + link
    return link if _COMPLAINT_PATH.search(link) and link.startswith(("http://", "https://")) else COMPLAINT_URL.format(sn=sn)


def _author(author: object) -> str | None:
    if isinstance(author, Mapping):
        author = author.get("title") or author.get("nickname") or author.get("name")
    if not isinstance(author, str):
        return None
    return _plain(author) or None


def _plain(value: object) -> str:
    """Text without the site's highlight tags and entities; '' for a missing or non-text value."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return html_to_text(value) if isinstance(value, str) else ""


def _count(pager: object, key: str) -> int | None:
    return _integer(pager.get(key)) if isinstance(pager, Mapping) else None


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    return int(text) if re.fullmatch(r"-?[0-9]{1,12}", text) else None


def _titled(head: str) -> str:
    found = _TITLE.search(head)
    title = " ".join(html_to_text(found.group(1)).split())[:80] if found else ""
    return f" titled {title!r}" if title else ""
