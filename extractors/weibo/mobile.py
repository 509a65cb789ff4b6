"""What every m.weibo.cn client shares: its options (base URL, the cookie Connection), its request
headers, the JSON envelope its answers come in (`ok`, `msg`, `data`) and what each answer means,
and the auth errors that say which cookie to renew.

Used by `api` (posts: getIndex) and `spread` (a post's reposts and hot comments). The answers:
`ok: 1` with a `data` object is content; `ok: -100`, a login or visitor page, or an HTTP 432
(m.weibo.cn's refusal of clients it takes for anonymous crawlers) is an auth problem; `ok: 0`
saying 频繁 ("too frequent") asks to slow down; any other `ok: 0` is the end of a list; a body that
is not JSON is broken (quarantined by the caller, transient).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from extractors.base import SourceError
from extractors.http import PoliteClient, page_text
from extractors.options import ConnectionId, http_url
from extractors.weibo.auth import auth_error, missing_cookie_error, wall_reason
from extractors.weibo.settings import MOBILE_CONNECTION, WeiboSettings

MOBILE_BASE = "https://m.weibo.cn"
_REFUSED = re.compile(r"HTTP 432\b")


class MobileSettings(WeiboSettings):
    """Weibo's politeness options, the m.weibo.cn cookie Connection (default `weibo_mobile`) and
    `base_url` (default https://m.weibo.cn; tests and mirrors point it elsewhere)."""

    connection: ConnectionId = MOBILE_CONNECTION
    base_url: Annotated[str, http_url(f"write a base URL such as {MOBILE_BASE}", base=True)] = MOBILE_BASE


@dataclass(frozen=True, slots=True)
class Envelope:
    """One answer read. `status`: `ok` (`data` holds the content), `end` (ok 0: nothing more),
    `auth` (a login wall), `throttled` (asked to slow down) or `broken` (not JSON, not the shape)."""

    status: str
    data: Mapping[str, Any] | None = None
    message: str = ""


def read_envelope(body: str) -> Envelope:
    """Classify one m.weibo.cn JSON answer (see the module doc). Never raises."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        reason = wall_reason(body)
        if reason:
            return Envelope("auth", message=f"m.weibo.cn answered with {reason}")
        return Envelope("broken", message=f"not JSON ({error})")
    if not isinstance(payload, Mapping):
        return Envelope("broken", message="the answer is not a JSON object")
    ok = payload.get("ok")
    message = str(payload.get("msg") or "")
    if ok == -100:
        return Envelope("auth", message=f"m.weibo.cn answered ok=-100 ({message or 'login required'})")
    if ok != 1:
        return Envelope("throttled" if "频繁" in message else "end", message=message or f"ok={ok!r}")
    data = payload.get("data")
    if not isinstance(data, Mapping):
        return Envelope("broken", message="ok=1 but no data object")
    return Envelope("ok", data, message)


def raise_for(status: str, message: str) -> None:
    """Raise what an `auth` answer (SourceError auth) or a `throttled` one (transient) means; other
    statuses are the caller's to read."""
    if status == "auth":
        raise SourceError("auth", message)
    if status == "throttled":
        raise SourceError("transient", f"m.weibo.cn asks to slow down: {message}",
                          "the next run will try again; consider a larger min_interval")


def fetch_text(client: PoliteClient, settings: MobileSettings, path: str, params: Mapping[str, str],
               cookie: str | None, notes: list[str]) -> str:
    """GET `path` of the m.weibo.cn API with the headers its web app sends; the decoded body."""
    response = client.get(f"{settings.base_url}{path}", params=params, cookies=cookie, headers={
        "Referer": f"{settings.base_url}/", "Accept": "application/json, text/plain, */*",
        "X-Requested-With": "XMLHttpRequest", "MWeibo-Pwa": "1"})
    return page_text(response, notes)


def as_auth(error: SourceError, connection: str, cookie: str | None) -> SourceError:
    """The Weibo auth message for a login wall or an HTTP 432 refusal (saying to create the
    Connection when no cookie was sent); other errors unchanged."""
    if error.kind != "auth" and not _REFUSED.search(str(error)):
        return error
    if cookie is None:
        missing = missing_cookie_error(connection, site="m.weibo.cn")
        return SourceError("auth", str(missing), str(error))
    return auth_error(connection, str(error) if error.kind == "auth" else f"m.weibo.cn refused the client ({error})")
