"""The issue's burst rule as a yardstick: some 30 minutes at ≥ 4× the reference baseline and ≥ 20 posts above it.

Shared by the power test (which bursts must be found, which alerts are false) and the NAB bench
(the rule applied directly, as a floor for false alerts). The reference is the series' own
expectation, independent of the detector: the mean of the same 30-minute window at the same time
of day (± 30 minutes) over the previous 7 days, each sample clipped at the samples' 6/7 quantile
(an earlier burst on one of those days is not "normal").
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from transforms.baseline import buckets_per_day, same_time_samples, trailing_sum, winsorised_mean

RATIO, EXCESS = 4.0, 20.0
WINDOW = timedelta(minutes=30)
DAYS = 7


def reference(counts: np.ndarray, bucket: timedelta) -> np.ndarray:
    """Per bucket: the reference expectation of the 30-minute count ending there (NaN before a day)."""
    window = trailing_sum(counts, round(WINDOW / bucket))
    samples = same_time_samples(window, buckets_per_day(bucket), DAYS, round(WINDOW / bucket))
    return winsorised_mean(samples, 1 - 1 / DAYS)


def pinned_windows(values: np.ndarray, clean: np.ndarray, bucket: timedelta) -> tuple[np.ndarray, ...]:
    """Per bucket: the 30-minute count of ``values`` ending there, the reference of ``clean`` (the same
    series without injected bursts) and whether the count is of the pinned size."""
    count, expected = trailing_sum(values, round(WINDOW / bucket)), reference(clean, bucket)
    with np.errstate(invalid="ignore"):
        big = (count >= RATIO * expected) & (count - expected >= EXCESS)
    return count, expected, big


def rule_alerts(values: np.ndarray, bucket: timedelta, cooldown: timedelta, min_history: timedelta) -> list[int]:
    """Bucket indices where the rule alone would alert: pinned-size windows, once per ``cooldown`` of them."""
    big = pinned_windows(values, values, bucket)[2]
    big[: round(min_history / bucket)] = False
    gap = round(cooldown / bucket)
    alerts, last = [], None
    for i in np.flatnonzero(big):
        if last is None or i - last >= gap:
            alerts.append(int(i))
        last = int(i)
    return alerts
