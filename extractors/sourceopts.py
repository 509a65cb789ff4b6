"""Option parsing and credential helpers shared by the web source kinds (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlsplit

from extractors.base import ExtractContext, SettingsError
from extractors.http import PoliteClient, client_for


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


def http_options(options: Mapping, *, min_interval: float = 1.0, backoff: float = 1.0) -> dict:
    """The politeness and credential options every HTTP source shares, validated, as Settings fields."""
    return {
        "timeout": number_option(options, "timeout", 20.0),
        "min_interval": number_option(options, "min_interval", min_interval, allow_zero=True),
        "max_bytes": number_option(options, "max_bytes", 5_000_000, int),
        "max_retries": number_option(options, "max_retries", 3, int, allow_zero=True),
        "backoff": number_option(options, "backoff", backoff, allow_zero=True),
        "connection": str(options["connection"]) if options.get("connection") else None,
    }


def http_client(context: ExtractContext, settings: object) -> PoliteClient:
    """The polite client for Settings built with `http_options`: its pacing, limits and auth hint."""
    return client_for(context, timeout=settings.timeout, min_interval=settings.min_interval,
                      max_bytes=settings.max_bytes, max_retries=settings.max_retries,
                      backoff=settings.backoff, auth_hint=auth_hint(settings.connection))


def search_urls(url: str, terms: Sequence[str], mode: str, encoding: str) -> list[str]:
    """`url` with `{query}` filled per search term (`mode` all or primary), each URL once;
    the URL itself when it has no `{query}`."""
    if "{query}" not in url:
        return [url]
    chosen = terms[:1] if mode == "primary" else terms
    return list(dict.fromkeys(url.replace("{query}", quote(term.encode(encoding), safe="")) for term in chosen))
