"""Counts as sites, crawlers and exports write them: one grammar, strict for files, lenient in labels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.counts import find_count, parse_count


@pytest.mark.parametrize(("raw", "count"), [
    (12, 12), ("12", 12), ("1,234", 1234), ("1.2万", 12000), ("10万+", 100000), ("3亿", 300_000_000),
    ("999+", 999), ("2.5k", 2500), ("1.5w", 15000), (None, None), ("", None), ("None", None), (" 7 ", 7), (3.0, 3),
])
def test_counts_as_sites_and_crawlers_write_them(raw, count):
    assert parse_count(raw) == count


@pytest.mark.parametrize("raw", ["很多", "-3", -1, float("nan"), True, "1.2.3万"])
def test_impossible_counts_are_value_errors(raw):
    with pytest.raises(ValueError):
        parse_count(raw, "likes")


@given(st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.none()))
def test_count_parsing_never_fails_otherwise(raw):
    try:
        value = parse_count(raw)
    except ValueError:
        return
    assert value is None or value >= 0


@pytest.mark.parametrize(("text", "count"), [
    ("转发 1.2万", 12000), ("评论 17", 17), ("赞", None), ("1.2.3", 1), ("9" * 400, None), ("共 2.5k 条", 2500),
])
def test_a_count_inside_a_label_is_found(text, count):
    assert find_count(text) == count


def test_absurd_counts_are_refused():
    with pytest.raises(ValueError):
        parse_count(10**16)
    with pytest.raises(ValueError):
        parse_count("9" * 400)
