"""Baseline pieces: a robust time-of-day level and a weekday effect that one busy week does not make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from transforms.baseline import (
    Grid,
    lower_quantile,
    seasonal_baseline,
    seasonal_level,
    weekday_effect,
    winsorised_mean,
)

HOUR = timedelta(hours=1)
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)


def hourly(days: int, weekend: float = 1.0) -> Grid:
    """Ten posts an hour, ``weekend`` times that on Saturdays and Sundays."""
    factor = [weekend if (MONDAY + i * HOUR).weekday() >= 5 else 1.0 for i in range(days * 24)]
    return Grid(MONDAY, HOUR, 10.0 * np.array(factor))


def test_winsorised_mean_caps_the_top_samples():
    samples = np.array([[10.0, 1.0], [10.0, np.nan], [10.0, 3.0], [10.0, 2.0], [10.0, 2.0], [10.0, 2.0], [1000.0, 2.0]])
    assert winsorised_mean(samples, 6 / 7)[0] == pytest.approx(10.0)
    assert winsorised_mean(np.full((3, 1), np.nan), 0.5)[0] != winsorised_mean(np.full((3, 1), np.nan), 0.5)[0]


def test_lower_quantile_is_numpys_nanquantile_lower_column_by_column():
    rng = np.random.default_rng(13)
    for _ in range(100):
        samples = rng.poisson(rng.uniform(0, 50), size=(rng.integers(1, 30), rng.integers(1, 200))).astype(float)
        samples[rng.random(samples.shape) < rng.uniform(0, 0.9)] = np.nan
        samples = samples[:, ~np.all(np.isnan(samples), axis=0)]
        for quantile in (0.0, 0.5, 6 / 7, 0.9, 1.0):
            expected = np.nanquantile(samples, quantile, axis=0, method="lower")
            assert np.array_equal(lower_quantile(samples, quantile), expected)


def test_time_of_day_level_ignores_a_spike_on_one_day_and_needs_history():
    grid = hourly(10)
    grid.values[5 * 24 + 12] = 1000.0  # one huge hour on day 5
    level = seasonal_level(grid.values, grid, 7, timedelta(0), 6 / 7)
    assert np.isnan(level[:24]).all()
    assert level[8 * 24 + 12] == pytest.approx(10.0)


def test_weekends_get_their_own_level_once_three_weeks_agree():
    grid = hourly(35, weekend=0.4)
    effect = weekday_effect(grid.values, grid, 3)
    saturday, monday = 33 * 24 + 12, 28 * 24 + 12  # day 33 is a Saturday, day 28 a Monday
    assert effect[saturday] == pytest.approx(np.log(4.5 / (10 * 5.8 / 7 + 0.5) * 10 / 10), abs=0.1)
    assert effect[saturday] < -0.5 and effect[monday] > 0
    assert np.all(effect[: 28 * 24] == 0)  # not before three same weekdays, each with a full week before it
    baseline = seasonal_baseline(grid.values, grid, 7, 3, timedelta(0), 6 / 7)
    assert baseline[saturday] == pytest.approx(4.0, rel=0.15)


def test_one_busy_week_does_not_make_a_weekday_busy():
    grid = hourly(35)
    grid.values[(14 + 2) * 24: (14 + 3) * 24] *= 5  # one Wednesday five times busier
    effect = weekday_effect(grid.values, grid, 3)
    assert np.all(effect == 0)
