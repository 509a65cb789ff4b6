"""Source options: one set of types and bounds for every kind, errors that name the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.base import SettingsError
from extractors.options import FileSettings, HttpSettings, PageSettings


def parse(model, **options):
    return model.parse(options, Path("/configs"))


def refused(model, **options) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        parse(model, **options)
    return caught.value


def test_typos_in_option_names_are_refused():
    error = refused(HttpSettings, max_retry=3)
    assert error.key == "max_retry" and error.problem == "unknown option" and "max_retries" in error.fix


def test_numbers_choices_and_urls():
    assert parse(HttpSettings, timeout="2.5").timeout == 2.5
    assert parse(HttpSettings, min_interval=0).min_interval == 0
    assert parse(HttpSettings, max_retries=4.0).max_retries == 4
    assert parse(PageSettings, url="https://x.example/a").terms == "all"
    assert parse(PageSettings, url="https://x.example/a").url == "https://x.example/a"
    for model, options in [(HttpSettings, {"timeout": 0}), (HttpSettings, {"timeout": "x"}),
                           (HttpSettings, {"timeout": True}), (HttpSettings, {"max_retries": 2.5}),
                           (PageSettings, {"url": "https://x/", "terms": "few"}), (PageSettings, {"url": "https://"})]:
        error = refused(model, **options)
        assert error.key == next(reversed(options)) and error.fix


def test_bounds_are_the_same_for_every_web_source():
    assert refused(HttpSettings, max_retries=11).problem == "11 is not a number <= 10"
    assert refused(HttpSettings, timeout=0.05).fix == "write a number of at least 0.1"
    assert refused(HttpSettings, max_bytes=0).key == "max_bytes"
    assert refused(HttpSettings, backoff=-1).key == "backoff"


def test_a_required_option_says_what_to_write():
    error = refused(PageSettings)
    assert (error.key, error.problem) == ("url", "missing") and "{query}" in error.fix


def test_the_platform_defaults_to_the_host():
    assert parse(PageSettings, url="https://www.example.com/feed").platform == "example.com"
    assert parse(PageSettings, url="https://www.example.com/feed", platform="news").platform == "news"


def test_paths_are_relative_to_the_config_file():
    assert parse(FileSettings, path="exports/*.jsonl").path == "/configs/exports/*.jsonl"
    assert parse(FileSettings, path="/data/x.csv").path == "/data/x.csv"
    assert parse(FileSettings, path="x.csv").timezone.key == "Asia/Shanghai"
    assert refused(FileSettings, path="x", timezone="Mars/Base").key == "timezone"


def test_cookie_comes_from_the_connection_extra_or_password():
    with_connection = parse(HttpSettings, connection="c")
    assert with_connection.cookie({"cookie": "a=1", "password": "b=2"}) == "a=1"
    assert with_connection.cookie({"cookie": " ", "password": "b=2"}) == "b=2"
    assert with_connection.cookie({"login": "someone"}) is None
    assert parse(HttpSettings).cookie({"cookie": "a=1"}) is None
    assert refused(HttpSettings, connection="not an id").key == "connection"


def test_auth_hint_names_the_connection_or_asks_for_one():
    assert "'bbs_example'" in parse(HttpSettings, connection="bbs_example").auth_hint
    assert "add `connection:`" in parse(HttpSettings).auth_hint
