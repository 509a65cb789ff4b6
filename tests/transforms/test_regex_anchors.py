"""Regex anchors: strings one of which every match contains, derived from the parsed pattern."""

from __future__ import annotations

import random
import re

import pytest

from tests.transforms.regex_samples import sample
from transforms.regex_anchors import AnchorScan, anchors


@pytest.mark.parametrize("pattern, expected", [
    (r"变质", {"变质"}),
    (r"(?<!刚)才到", {"才到"}),                       # a lookbehind adds no text to the match
    (r"报警(?!器|声)", {"报警"}),
    (r"流水[帐账]", {"流水帐", "流水账"}),            # a class of listed characters: each spelled out
    (r"服务|服务员|态度", {"服务", "态度"}),          # 服务员 contains 服务: it adds nothing
    (r"(?:很|太)?咸", {"咸"}),                        # an optional part is not required
    (r"没(?:有)?亮点", {"没亮点", "没有亮点"}),
    (r"(?:一|两|\d+)个?(?:小时|天)才", {"小时才", "天才"}),  # \d+ is no string; the run after it is
    (r"进了?医院", {"进医院", "进了医院"}),
    (r"3\.15", {"3.15"}),
    (r"(?:哈)+", {"哈"}),                             # a repeat at least once: its body is required
    (r"退[^,，]{0,5}?(?:费|钱)", {"退"}),             # the rarer of the required parts
])
def test_anchors_of_patterns(pattern, expected):
    assert anchors(pattern) == expected


@pytest.mark.parametrize("pattern", [r"\d+", r".*", r"[^,]{2}", r"(?:差)?", r"(?i)abc", r"(?i:abc)", r"a|\d"])
def test_patterns_without_a_required_string_have_no_anchors(pattern):
    assert anchors(pattern) == frozenset()


def test_a_compiled_pattern_with_case_folding_has_no_anchors():
    assert anchors(re.compile("abc", re.IGNORECASE)) == frozenset()
    assert anchors(re.compile("abc")) == {"abc"}


@pytest.mark.parametrize("pattern", [
    r"(?:送餐|配送|快递)[^,。]{0,4}?(?:很|太)?(?:慢|迟|晚|久|超时)", r"(?:小|大|重)了(?:一)?点", r"(?:一|两|\d+)个?多?(?:小时|天)(?:才|还没)",
    r"(?:a|b)(?:c|d)(?:e|f)?", r"x(?:ab){1,2}y", r"(?:[^,]{0,2}?(?:甲|乙))+丙?", r"(?:好|坏)?(?:(?:大|小)(?:了|的)|中)",
])
def test_every_generated_match_contains_an_anchor(pattern):
    rng = random.Random(pattern)
    found = anchors(pattern)
    assert found
    for _ in range(300):
        text = sample(pattern, rng)
        assert re.fullmatch(pattern, text), text
        assert any(a in text for a in found), text


def test_the_scan_finds_overlapping_and_nested_anchors():
    scan = AnchorScan([frozenset({"不满", "满意"}), frozenset({"不满意的", "意"})])
    assert scan.found("很不满意的样子") == {"不满", "满意", "不满意的", "意"}
    assert scan.found("满不在乎") == set()
    assert AnchorScan([]).found("不满") == set()
