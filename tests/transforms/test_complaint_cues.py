"""Complaint cues: the anchor prefilter skips only patterns that cannot match, so the fast path
finds exactly what running every pattern finds, on real Weibo posts and the demo posts."""

from __future__ import annotations

import random
import re
from datetime import datetime, timezone

import pytest

from bench.weibo_posts import SENTI_100K_DEV, WEIBO_2018, read_senti_100k, read_weibo2018
from brandmon.demo import demo_reposts, generate
from tests.shared_data import require
from tests.transforms.regex_samples import sample
from transforms.complaint_cues import CUES, DEFECT, SEVERITY_CUES, found_anchors, matches, stated_defect
from transforms.regex_anchors import anchors
from transforms.textprep import clean

GROUPS = [(cue.code, phrases) for cue in CUES + SEVERITY_CUES for phrases in cue.patterns]
GROUPS += [("defect", phrases) for phrases in DEFECT]
PATTERNS = [(code, source, phrases) for code, phrases in GROUPS for source in phrases.sources]
SAMPLES_PER_PATTERN = 200
DEMO_END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("code, source, phrases", PATTERNS,
                         ids=[f"{code}:{source[:24]}" for code, source, _ in PATTERNS])
def test_every_match_of_each_pattern_contains_one_of_its_anchors(code, source, phrases):
    """Random strings the pattern matches (alone and inside other text) all contain one of the
    pattern's own anchors and one of the anchors the prefilter checks for its alternation."""
    rng = random.Random(source)
    own = anchors(source)
    assert own, f"{code}: {source} has no anchors"
    matched = 0
    for _ in range(SAMPLES_PER_PATTERN):
        text = sample(source, rng)
        if not re.fullmatch(source, text):  # a lookaround the walk ignored failed
            continue
        matched += 1
        assert any(a in text for a in own), text
        assert any(a in text for a in phrases.anchors), text
        padded = "我说" + text + "了吧"
        assert any(a in padded for a in phrases.anchors) and phrases.regex.search(padded)
    assert matched >= SAMPLES_PER_PATTERN // 2


def _found(cleaned: str, found: set[str] | None):
    return (matches(cleaned, CUES, found), matches(cleaned, SEVERITY_CUES, found), stated_defect(cleaned, found))


def _texts() -> list[str]:
    real = [t for _, t in read_senti_100k(require("sentiment") / SENTI_100K_DEV.name)]
    real += [t for _, t in read_weibo2018(require("sentiment") / WEIBO_2018.name)]
    demo = [p["text"] for p in generate(DEMO_END)] + [p["text"] for p in demo_reposts(DEMO_END)]
    return real + demo


def test_the_prefilter_changes_nothing_on_real_and_demo_posts():
    """Every cue, severity cue and defect phrase found with the prefilter is what running every
    pattern finds (the complaint verdict, its categories, reasons and severity follow from them)."""
    fired = 0
    for text in dict.fromkeys(clean(t) for t in _texts()):
        exhaustive = _found(text, None)
        assert _found(text, found_anchors(text)) == exhaustive, text
        fired += bool(exhaustive[0])
    assert fired > 1000  # the comparison covers many posts where cues fire, not only quiet ones
