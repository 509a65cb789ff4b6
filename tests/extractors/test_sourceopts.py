"""Shared option checks and credential lookup of the web source kinds."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from extractors.base import ExtractContext, SettingsError
from extractors.sourceopts import auth_hint, choice_option, connection_cookie, number_option, reject_unknown, url_option


def context(**secrets) -> ExtractContext:
    return ExtractContext(fetched_at=datetime(2025, 11, 26, tzinfo=timezone.utc), secrets=secrets)


def test_typos_in_option_names_are_refused():
    reject_unknown({"url": "x", "max_pages": 3}, ("url", "max_pages"))
    with pytest.raises(SettingsError) as caught:
        reject_unknown({"url": "x", "max_page": 3}, ("url", "max_pages"))
    assert caught.value.key == "max_page" and "max_pages" in caught.value.fix


def test_numbers_choices_and_urls():
    assert number_option({"timeout": "2.5"}, "timeout", 20.0) == 2.5
    assert number_option({}, "max_pages", 5, int) == 5
    assert number_option({"min_interval": 0}, "min_interval", 1.0, allow_zero=True) == 0
    assert choice_option({}, "terms", ("all", "primary")) == "all"
    assert url_option({"url": "https://x.example/a"}, "url", "fix") == "https://x.example/a"
    for options, call in [({"timeout": 0}, lambda o: number_option(o, "timeout", 1.0)),
                          ({"timeout": "x"}, lambda o: number_option(o, "timeout", 1.0)),
                          ({"terms": "few"}, lambda o: choice_option(o, "terms", ("all", "primary"))),
                          ({"url": "https://"}, lambda o: url_option(o, "url", "fix"))]:
        with pytest.raises(SettingsError):
            call(options)


def test_cookie_comes_from_the_connection_extra_or_password():
    assert connection_cookie("c", context(cookie="a=1", password="b=2")) == "a=1"
    assert connection_cookie("c", context(password="b=2")) == "b=2"
    assert connection_cookie(None, context(cookie="a=1")) is None


def test_auth_hint_names_the_connection_or_asks_for_one():
    assert "'bbs_example'" in auth_hint("bbs_example")
    assert "add `connection:`" in auth_hint(None)
