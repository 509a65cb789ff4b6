"""NAB evaluation helpers: the floor baseline and re-bucketing keep to their definitions."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from bench.nab_eval import NabSeries, alert_leads, floor_alerts, rebucket

FIVE = timedelta(minutes=5)


def make_series(values, windows=((400, 450),)):
    timestamps = [datetime(2015, 3, 1) + i * FIVE for i in range(len(values))]
    return NabSeries("T", timestamps, np.asarray(values, dtype=float), list(windows), FIVE, 90, [425])


def test_floor_alerts_once_per_rising_edge_above_mean_plus_k_sigma():
    values = np.random.default_rng(0).poisson(20, 900).astype(float)
    values[500:506] = 400  # one six-bucket burst
    values[700] = 400
    alerts = floor_alerts(make_series(values), days=1, k=6)
    assert alerts == [500, 700]


def test_floor_is_silent_during_its_first_day():
    values = np.full(600, 10.0)
    values[100] = 1000
    assert floor_alerts(make_series(values), days=1, k=3) == []


def test_rebucketing_sums_counts_and_keeps_windows_and_probation_in_time():
    series = make_series(np.arange(900, dtype=float))
    coarse = rebucket(series, 3)
    assert coarse.bucket == timedelta(minutes=15)
    assert coarse.values[0] == 0 + 1 + 2 and len(coarse.values) == 300
    assert coarse.timestamps[1] == series.timestamps[3]
    assert coarse.windows == [(133, 150)] and coarse.probation == 30 and coarse.points == [141]
    assert coarse.scored_days == series.scored_days


def test_lead_is_the_first_alert_in_a_window_relative_to_its_labelled_point():
    series = make_series(np.zeros(900))
    assert alert_leads(series, [300, 431, 413, 440]) == [-1.0]  # 413 is 12 buckets (1 h) before 425
    assert alert_leads(series, [460]) == []
