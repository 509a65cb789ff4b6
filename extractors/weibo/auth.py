"""Weibo's login and visitor walls, and the auth errors that say which cookie to renew (pure)."""

from __future__ import annotations

import re

from extractors.base import SourceError

_WALL_MARKERS = (
    (re.compile(r"<title>\s*Sina Visitor System\s*</title>", re.IGNORECASE), "the Sina Visitor System page"),
    (re.compile(r"<title>\s*新浪通行证\s*</title>"), "the Sina passport login page"),
    (re.compile(r"passport\.weibo\.c(?:om|n)/(?:visitor|signin|sso)", re.IGNORECASE), "a redirect to passport.weibo"),
    (re.compile(r"login\.sina\.com\.cn/(?:sso|signup)", re.IGNORECASE), "a redirect to login.sina.com.cn"),
)


def auth_error(connection: str, detail: str = "") -> SourceError:
    """The error ops see when Weibo shows a login or visitor wall: what to renew, and where."""
    return SourceError(
        "auth",
        f"Weibo cookie expired or missing: renew the password/extra.cookie of Airflow Connection '{connection}'",
        detail,
    )


def missing_cookie_error(connection: str, site: str = "weibo.com") -> SourceError:
    """The error for a source that needs a cookie when no Connection (or no cookie in it) exists;
    `site` is where ops log in to copy the cookie (weibo.com, or m.weibo.cn for the mobile API)."""
    env = "AIRFLOW_CONN_" + re.sub(r"[^A-Za-z0-9]", "_", connection).upper()
    return SourceError(
        "auth",
        f"Weibo cookie expired or missing: no cookie in Airflow Connection '{connection}'",
        f"create the Connection ({env} or the Airflow UI) with the logged-in {site} cookie "
        "in its password or in extra.cookie",
    )


def as_weibo_auth(error: SourceError, connection: str) -> SourceError:
    """Reword an auth failure of the HTTP client (401/403, login redirect) as the Weibo message."""
    return auth_error(connection, str(error)) if error.kind == "auth" else error


def wall_reason(body: str) -> str | None:
    """Why a 200 response is a login/visitor wall instead of content, or None when it is content."""
    head = body[:20000]
    for pattern, reason in _WALL_MARKERS:
        if pattern.search(head):
            return reason
    return None
