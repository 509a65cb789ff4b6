"""Silence detector: a busy source going quiet is an ops alert; a small source's lulls are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from transforms.silence import DEFAULT_SILENCE, detect_silence

START = datetime(2025, 3, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def source_series(days: int, per_hour: float, seed: int = 0):
    """Poisson post counts per 15 minutes with a day/night cycle."""
    n = days * 96
    timestamps = [START + i * QUARTER for i in range(n)]
    china_hour = np.array([(t.hour + 8) % 24 for t in timestamps])
    shape = np.where((china_hour >= 9) & (china_hour <= 23), 1.6, 0.3)
    values = np.random.default_rng(seed).poisson(per_hour / 4 * shape / shape.mean()).astype(float)
    return timestamps, values


def test_an_outage_of_a_busy_source_alerts_once_after_the_window():
    timestamps, values = source_series(12, per_hour=60)
    outage = timestamps.index(datetime(2025, 3, 10, 4, tzinfo=UTC))  # noon in China
    values[outage:outage + 12] = 0  # three hours without posts

    silences = detect_silence(timestamps, values)

    assert len(silences) == 1
    silence = silences[0]
    assert silence.since == timestamps[outage]
    assert silence.timestamp == timestamps[outage] + DEFAULT_SILENCE.window - QUARTER
    assert silence.expected >= DEFAULT_SILENCE.min_expected
    assert silence.as_dict()["kind"] == "silence"


def test_missing_rows_are_silence_and_end_extends_the_series():
    timestamps, values = source_series(12, per_hour=60, seed=1)
    stop = timestamps.index(datetime(2025, 3, 11, 4, tzinfo=UTC))
    assert detect_silence(timestamps[:stop], values[:stop]) == []

    silences = detect_silence(timestamps[:stop], values[:stop], end=timestamps[stop] + timedelta(hours=2))

    assert [s.since for s in silences] == [timestamps[stop]]


def test_a_small_source_quiet_at_night_is_normal():
    timestamps, values = source_series(20, per_hour=3, seed=2)
    assert np.sum(values == 0) > 500  # plenty of empty stretches
    assert detect_silence(timestamps, values) == []


def test_a_source_that_is_often_empty_at_this_hour_is_not_flagged():
    timestamps, values = source_series(14, per_hour=60, seed=3)
    hours = np.array([t.hour for t in timestamps])
    values[(hours == 18) | (hours == 19)] = 0  # a daily maintenance window, 02:00-04:00 China time
    assert detect_silence(timestamps, values) == []


def test_no_alert_before_the_minimum_history():
    timestamps, values = source_series(8, per_hour=60, seed=4)
    early = timestamps.index(START + timedelta(days=2, hours=4))
    values[early:early + 12] = 0
    assert detect_silence(timestamps, values) == []


def test_history_covers_the_baseline_look_back():
    timestamps, values = source_series(20, per_hour=60, seed=5)
    outage = timestamps.index(datetime(2025, 3, 18, 4, tzinfo=UTC))
    values[outage:outage + 8] = 0
    start = timestamps.index(timestamps[outage] - DEFAULT_SILENCE.history)
    whole = detect_silence(timestamps, values)
    recent = detect_silence(timestamps[start:], values[start:], replace(DEFAULT_SILENCE, min_history=timedelta(0)))
    assert recent == whole and [s.since for s in whole] == [timestamps[outage]]
