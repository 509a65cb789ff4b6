"""Power test: bursts of known size injected into real backgrounds (bench.spike_power) are found.

Any change to the spike detector must keep these figures. Real data (NAB tweets, Weibo posts)
is read from the shared data folder; the run is seeded, so it is deterministic.

What is pinned is what the shipped defaults achieve, not the issue's target: every burst of at
least 30× the baseline with at least 20 extra posts within 30 minutes is found at every baseline
level; among all bursts of at least 4× and 20 extra posts, at least 80 % are found (the issue asks
for all of them: docs/detection.md, "What it cannot see"); false alerts stay at or below 0.15 per
series-day.
"""

from __future__ import annotations

import pytest

from bench.spike_power import LEVELS, false_alert_rate, pinned, run
from tests.shared_data import DATA_DIR, require


@pytest.fixture(scope="module")
def power():
    require("nab", "realTweets")
    require("sentiment", "weibo2018_train.csv")
    return run(DATA_DIR)


def test_every_large_burst_is_found_at_every_baseline_level(power):
    bursts, _ = power
    large = [b for b in pinned(bursts) if b.ratio >= 30]
    assert {b.level for b in large} == set(LEVELS)  # 0.5 to 500 posts per 15 minutes
    assert [b for b in large if not b.found] == []


def test_most_bursts_of_four_times_and_twenty_posts_are_found(power):
    bursts, _ = power
    must = pinned(bursts)
    assert len(must) >= 200
    assert sum(b.found for b in must) / len(must) >= 0.80
    ten = [b for b in must if b.ratio >= 10]
    assert sum(b.found for b in ten) / len(ten) >= 0.95


def test_false_alerts_stay_rare_without_bursts(power):
    _, quiet = power
    assert sum(q.days for q in quiet) > 500
    assert false_alert_rate(quiet) <= 0.15


def test_small_bursts_are_not_mistaken_for_spikes(power):
    bursts, _ = power
    doubled = [b for b in bursts if b.ratio == 2]
    assert sum(b.found for b in doubled) / len(doubled) <= 0.35
