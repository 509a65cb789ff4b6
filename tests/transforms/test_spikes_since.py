"""Spike detector asked for a run's window only: the same alerts as scoring the whole history.

The series are NAB's real Twitter volumes (five companies, ~53 days of 5-minute counts, with
their real bursts), as they come and summed to the DAG's 15-minute buckets.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.shared_data import require
from transforms.spikes import DEFAULT, decided_from, detect_spikes

FIVE = timedelta(minutes=5)
QUARTER = timedelta(minutes=15)
WINDOW = timedelta(hours=12)  # each window: long enough to hold an alert and what its cooldown suppresses


def tweet_series(name: str, factor: int) -> tuple[list[datetime], np.ndarray]:
    """One NAB series, each ``factor`` consecutive 5-minute counts summed into one bucket."""
    with open(require("nab", "realTweets", f"Twitter_volume_{name}.csv"), encoding="utf-8") as f:
        rows = [(datetime.fromisoformat(r["timestamp"]).replace(tzinfo=UTC), float(r["value"])) for r in csv.DictReader(f)]
    start = rows[0][0]
    counts = np.zeros(round((rows[-1][0] - start) / FIVE) // factor + 1)
    for at, value in rows:
        counts[round((at - start) / FIVE) // factor] += value
    bucket = FIVE * factor
    return [start + i * bucket for i in range(len(counts))], counts


def cut_points(timestamps: list[datetime], alerts, bucket: timedelta) -> list[datetime]:
    """Window starts that test the boundary: at each alert, just after it (its cooldown suppresses
    what follows), at the cooldown's last bucket and just past it, and at every third midnight."""
    points = {timestamps[0] + timedelta(days=day) for day in range(0, 60, 3)}
    for spike in alerts:
        points |= {spike.timestamp, spike.timestamp + bucket, spike.timestamp + DEFAULT.cooldown - bucket,
                   spike.timestamp + DEFAULT.cooldown}
    return sorted(p for p in points if p <= timestamps[-1])


@pytest.mark.parametrize("factor", [1, 3], ids=["5min", "15min"])
@pytest.mark.parametrize("name", ["AAPL", "CRM", "CVS", "FB", "UPS"])
def test_a_window_gets_the_alerts_of_the_whole_history(name, factor):
    timestamps, values = tweet_series(name, factor)
    bucket = FIVE * factor
    full = detect_spikes(timestamps, values, bucket=bucket)
    assert full, "a real series with bursts alerts"

    for since in cut_points(timestamps, full, bucket):
        # as a run sees it: the series up to the window's end, alerts asked from its start
        end = timestamps.index(min(since + WINDOW, timestamps[-1]))
        window = detect_spikes(timestamps[:end + 1], values[:end + 1], bucket=bucket, since=since)
        assert window == [s for s in full if since <= s.timestamp <= timestamps[end]], since  # same buckets,
        # counts, baselines, scores, ratios, severities and escalations


def test_only_the_cooldown_before_the_window_is_scored():
    cooldown = round(DEFAULT.cooldown / QUARTER)
    assert decided_from(1000, QUARTER) == 1000 - cooldown + 1  # a candidate cooldown buckets back no longer counts
    assert decided_from(10, QUARTER) == 0


def test_a_window_after_the_series_has_no_alerts():
    timestamps, values = tweet_series("FB", 3)
    assert detect_spikes(timestamps, values, bucket=QUARTER, since=timestamps[-1] + QUARTER) == []
