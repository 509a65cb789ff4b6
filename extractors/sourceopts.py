"""Option parsing and credential helpers shared by the web source kinds (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from extractors.base import ExtractContext, SettingsError


def reject_unknown(options: Mapping, allowed: tuple[str, ...]) -> None:
    """SettingsError for an option the kind does not have (a typo would otherwise be ignored)."""
    for key in options:
        if key not in allowed:
            raise SettingsError(str(key), "is not an option of this source kind",
                                f"remove it or use one of {', '.join(allowed)}")


def number_option(options: Mapping, key: str, default: float, kind: type = float, *, allow_zero: bool = False):
    """A positive number option (`int` or `float`), or SettingsError naming the key."""
    value = options.get(key, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SettingsError(key, f"{value!r} is not a number", f"set {key}: to a positive number") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise SettingsError(key, f"{value!r} is out of range", f"set {key}: to a positive number")
    return number


def choice_option(options: Mapping, key: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed` (the first is the default), or SettingsError listing them."""
    value = options.get(key, allowed[0])
    if value not in allowed:
        raise SettingsError(key, f"{value!r} is not allowed", f"use one of {', '.join(allowed)}")
    return value


def url_option(options: Mapping, key: str, fix: str) -> str:
    """An http(s) URL option, or SettingsError."""
    url = options.get(key)
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise SettingsError(key, f"{url!r} is not an http(s) URL", fix)
    return url


def connection_cookie(connection: str | None, context: ExtractContext) -> str | None:
    """The cookie of the source's Airflow Connection (extra `cookie`, else the password), if any."""
    if not connection:
        return None
    return context.secrets.get("cookie") or context.secrets.get("password") or None


def auth_hint(connection: str | None) -> str:
    """What ops must do when a source hits a login wall: renew the named Connection, or add one."""
    if connection:
        return f"renew the cookie in Airflow Connection {connection!r}"
    return "the site now requires a login: add `connection:` with a cookie to this source, or disable it"
