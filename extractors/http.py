"""The polite HTTP client every web source uses, and the decoding of what it fetches.

Politeness: an identifying User-Agent; robots.txt honoured as RFC 9309 says, read with protego
(`*` and `$` patterns, the longest matching rule wins, the group naming our product token
replaces `*`; a 4xx robots.txt allows everything, a 5xx or unreachable one blocks the host until
it answers); a minimum interval between requests to one host, shared by every client in the
process (cross-process politeness comes from the Airflow pool/concurrency of the extract task,
which the DAG configures); a concurrency limit per host and client; timeouts; a size cap per
response. Decoding follows `extractors.decoding`.

Failures become `SourceError`s so sources can report them in their health record:
transient (timeouts, connection errors, 429 and 5xx after the retries), permanent (400, 404,
410, other 4xx, robots.txt disallow, a response over the size cap) and auth (401, 403, or a
redirect to a login page: the message says which credential ops must renew).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx
from bs4 import Tag
from protego import Protego

from extractors.base import ExtractContext, SourceError
from extractors.decoding import Decoded, decode_as, decode_bytes, header_charset

if TYPE_CHECKING:
    from extractors.options import HttpSettings

LOGIN_HOSTS = ("passport.weibo.com", "login.sina.com.cn", "passport.weibo.cn")
LOGIN_PATH = re.compile(r"/(login|signin|sign_in|passport)(\b|/|\.|$)", re.IGNORECASE)
LOGIN_QUERY = re.compile(r"(^|&)(action=login|mod=logging)(&|$)", re.IGNORECASE)  # Discuz! forums
LOGIN_WORDS = re.compile(r"登录|登陆|\blog\s*in\b|\bsign\s*in\b", re.IGNORECASE)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 524})
AUTH_STATUSES = frozenset({401, 403})
MAX_REDIRECTS = 10
ROBOTS_MAX_BYTES = 512_000  # RFC 9309: parse at least 500 KiB
DEFAULT_AUTH_HINT = "renew the cookie or credentials in this source's Airflow Connection"


class _HostPacer:
    """Process-wide pacing: the earliest moment the next request to each host may start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def wait_turn(self, host: str, min_interval: float) -> None:
        """Reserve the next slot for `host` and sleep until it comes."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = start + min_interval
        if start > now:
            time.sleep(start - now)


_PACER = _HostPacer()


class PoliteClient:
    """An httpx client with retries, backoff, Retry-After, robots.txt, pacing and a size cap.

    Use as a context manager. `requests` counts every HTTP exchange (retries and robots.txt
    included) for `SourceHealth.requests`.
    """

    def __init__(self, user_agent: str, *, timeout: float = 20.0, max_retries: int = 3,
                 backoff: float = 1.0, max_backoff: float = 60.0, min_interval: float = 1.0,
                 max_bytes: int = 5_000_000, respect_robots: bool = True,
                 max_concurrency_per_host: int = 1, transport: httpx.BaseTransport | None = None,
                 auth_hint: str = DEFAULT_AUTH_HINT) -> None:
        if not user_agent.strip():
            raise ValueError("a polite client needs an identifying User-Agent")
        self.user_agent = user_agent
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.min_interval = min_interval
        self.max_bytes = max_bytes
        self.respect_robots = respect_robots
        self.auth_hint = auth_hint
        self.requests = 0
        self._concurrency = max(1, max_concurrency_per_host)
        self._gates: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, Protego] = {}
        self._product_token = user_agent.split("/")[0].strip()
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                  transport=transport, headers={"User-Agent": user_agent})

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, *, params: Mapping | None = None, headers: Mapping | None = None,
            cookies: str | Mapping | None = None) -> httpx.Response:
        """GET `url` politely and return a fully read 2xx response, or raise SourceError.

        Redirects are followed by hand (each hop is checked against robots.txt and for a
        login wall); the returned response's `url` is the final one.
        """
        request_headers = dict(headers or {})
        if cookies:
            request_headers["Cookie"] = cookies if isinstance(cookies, str) else "; ".join(
                f"{name}={value}" for name, value in cookies.items())
        current = str(httpx.URL(url, params=params)) if params else url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_robots(current)
            response = self._with_retries(current, request_headers, self.max_bytes)
            if response.is_redirect:
                target = urljoin(current, response.headers.get("Location", ""))
                if is_login_url(target):
                    raise SourceError("auth", f"{_short(current)} redirected to a login page {_short(target)}",
                                      self.auth_hint)
                current = target
                continue
            return _classify(response, current, self.auth_hint)
        raise SourceError("permanent", f"more than {MAX_REDIRECTS} redirects from {_short(url)}")

    def _with_retries(self, url: str, headers: Mapping, max_bytes: int) -> httpx.Response:
        """One logical request: retry 429/5xx/timeouts/connection errors with backoff."""
        for attempt in range(self.max_retries + 1):
            delay = min(self.max_backoff, self.backoff * (2 ** attempt))
            try:
                response = self._send_once(url, headers, max_bytes)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
                raise SourceError("permanent", f"cannot fetch {_short(url)}: {error}", "check the source's URL") from None
            except httpx.TimeoutException as error:
                problem = f"timed out fetching {_short(url)} ({type(error).__name__})"
            except httpx.TransportError as error:
                problem = f"connection failed for {_short(url)}: {type(error).__name__}: {error}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code} from {_short(url)}"
                asked = retry_after_seconds(response.headers.get("Retry-After"))
                if asked is not None:
                    if asked > self.max_backoff:
                        raise SourceError("transient", f"{problem}; the server asks to wait {asked:.0f}s",
                                          "the next run will try again")
                    delay = asked
            if attempt == self.max_retries:
                break
            time.sleep(delay)
        raise SourceError("transient", f"{problem} after {self.max_retries + 1} attempts",
                          "the next run will try again")

    def _send_once(self, url: str, headers: Mapping, max_bytes: int) -> httpx.Response:
        """One paced HTTP exchange, read under the size cap into a plain response."""
        host = urlsplit(url).netloc.lower()
        with self._lock:
            gate = self._gates.setdefault(host, threading.BoundedSemaphore(self._concurrency))
        with gate:
            _PACER.wait_turn(host, self.min_interval)
            with self._lock:
                self.requests += 1
            with self._http.stream("GET", url, headers=headers) as streamed:
                declared = streamed.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise SourceError("permanent", f"response larger than {max_bytes} bytes from {_short(url)}",
                                      "raise max_bytes for this source if the page is legitimate")
                body = bytearray()
                for chunk in streamed.iter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise SourceError("permanent", f"response larger than {max_bytes} bytes from {_short(url)}",
                                          "raise max_bytes for this source if the page is legitimate")
        # The body is already decompressed: drop the headers that describe the wire encoding.
        plain_headers = [(k, v) for k, v in streamed.headers.multi_items()
                         if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(streamed.status_code, headers=plain_headers, content=bytes(body),
                              request=streamed.request)

    def _check_robots(self, url: str) -> None:
        if not self.respect_robots:
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SourceError("permanent", f"cannot fetch {_short(url)}: not an http(s) URL", "check the source's URL")
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._robots[origin] = self._load_robots(origin)
        if not rules.can_fetch(url, self._product_token):
            raise SourceError("permanent", f"robots.txt of {origin} disallows {_short(url)}; not fetched",
                              "remove this source or ask the site for permission")

    def _load_robots(self, origin: str) -> Protego:
        current = f"{origin}/robots.txt"
        for _ in range(5):  # RFC 9309: follow at least five redirects
            try:
                response = self._with_retries(current, {}, ROBOTS_MAX_BYTES)
            except SourceError as error:
                if error.kind == "permanent" and "larger than" in str(error):
                    return Protego.parse("")  # an oversized robots.txt: treat like a missing one
                raise SourceError("transient", f"robots.txt of {origin} is unreachable: {error}",
                                  "nothing is fetched from this host until its robots.txt answers") from None
            if not response.is_redirect:
                break
            current = urljoin(current, response.headers.get("Location", ""))
        if response.status_code >= 500 or response.is_redirect:
            raise SourceError("transient", f"robots.txt of {origin} answered HTTP {response.status_code}",
                              "nothing is fetched from this host until its robots.txt answers")
        if response.status_code >= 400:
            return Protego.parse("")  # RFC 9309: an unavailable (4xx) robots.txt allows everything
        return Protego.parse(response.content.decode("utf-8-sig", errors="replace"))  # RFC 9309: UTF-8


def client_for(context: ExtractContext, settings: HttpSettings | None = None, **overrides: Any) -> PoliteClient:
    """A PoliteClient with the run's User-Agent and the source's politeness options and auth hint;
    keyword `overrides` win (tests use them)."""
    options: dict[str, Any] = {} if settings is None else {
        "timeout": settings.timeout, "min_interval": settings.min_interval, "max_bytes": settings.max_bytes,
        "max_retries": settings.max_retries, "backoff": settings.backoff, "auth_hint": settings.auth_hint}
    return PoliteClient(context.user_agent, **{**options, **overrides})


def is_login_url(url: str) -> bool:
    """True for a login or passport page (a login wall: the cookie expired or is missing)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return host in LOGIN_HOSTS or bool(LOGIN_PATH.search(parts.path) or LOGIN_QUERY.search(parts.query))


def is_login_page(page: Tag, page_url: str) -> bool:
    """True when a page answered instead of the expected one is a login form: a password field,
    a form posting to a login URL, or a form offering 登录 / log in (checked only when the page
    lacks what the source expects, since list pages often carry a login box beside the list)."""
    if page.select_one("input[type=password i]") is not None:
        return True
    for form in page.find_all("form"):
        action = form.get("action")
        if isinstance(action, str) and is_login_url(urljoin(page_url, action)):
            return True
        labels = [form.get_text(" ")] + [str(button.get("value") or "") for button in form.select("input[type=submit i]")]
        if any(LOGIN_WORDS.search(label) for label in labels):
            return True
    return False


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date); None if absent/bad."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())


def _classify(response: httpx.Response, url: str, auth_hint: str) -> httpx.Response:
    status = response.status_code
    if 200 <= status < 300:
        return response
    if status in AUTH_STATUSES:
        raise SourceError("auth", f"HTTP {status} from {_short(url)}: login or permission required", auth_hint)
    if 400 <= status < 500:
        raise SourceError("permanent", f"HTTP {status} from {_short(url)}", "check the source's URL and options")
    raise SourceError("transient", f"HTTP {status} from {_short(url)}", "the next run will try again")


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


# --- decoding ---------------------------------------------------------------------------------


def decode_body(response: httpx.Response | bytes, declared: str | None = None) -> Decoded:
    """Decode a page or feed (rules in `extractors.decoding`): BOM > HTTP charset (or `declared`)
    > <meta>/XML declaration > detection; invalid bytes replaced and counted, never a codec switch."""
    if isinstance(response, httpx.Response):
        return decode_bytes(response.content, declared or header_charset(response.headers.get("Content-Type")))
    return decode_bytes(response, declared)


def page_text(response: httpx.Response, notes: list[str], encoding: str | None = None) -> str:
    """The text of a fetched page (in `encoding` when the source forces one); replaced bytes are
    noted in `notes` (the source's health) with the page's URL."""
    decoded = decode_as(response.content, encoding) if encoding else decode_body(response)
    note = decoded.note(_short(str(response.url)))
    if note:
        notes.append(note)
    return decoded.text
