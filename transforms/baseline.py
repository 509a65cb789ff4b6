"""Shared pieces of the count-series detectors: a regular bucket grid and a time-of-day baseline.

Pure functions on numpy arrays. Detectors (``transforms.spikes``, ``transforms.silence``) state
their parameters as durations; these helpers turn durations into bucket counts for whatever
bucket size the series has (5 minutes for NAB, 15 minutes in the DAG).

- ``infer_bucket(timestamps)``: the series' bucket size (most common step between timestamps).
- ``to_grid(timestamps, values, bucket)``: a ``Grid`` with one value per bucket from the first
  timestamp on; missing buckets are zero (for a count series a missing bucket is no posts),
  values of timestamps that fall in the same bucket are added.
- ``trailing_sum(values, n)``: sum over the last ``n`` buckets, ending at each bucket.
- ``same_time_samples(values, per_day, days, tolerance)``: for each bucket, the values at the
  same time of day (± ``tolerance`` buckets) on each of the previous ``days`` days; NaN where
  history is missing. Median and zero-fraction baselines are taken over these samples.
- ``seasonal_median(values, grid, days, tolerance)``: the median of those samples, the
  time-of-day baseline both the spike and the silence detector use: a spike on fewer than half of
  the past days does not move it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Grid:
    """A count series on a regular grid: bucket ``i`` starts at ``start + i * bucket``."""

    start: datetime
    bucket: timedelta
    values: np.ndarray

    def timestamp(self, index: int) -> datetime:
        """Start of bucket ``index``."""
        return self.start + index * self.bucket

    def buckets(self, duration: timedelta) -> int:
        """How many whole buckets a duration spans (at least one)."""
        return max(1, round(duration / self.bucket))

    def periods(self, period: timedelta) -> np.ndarray:
        """For each bucket, the number of the clock period (e.g. hour) it starts in.

        Periods count from the Unix epoch, so they do not depend on where the series starts.
        """
        epoch = datetime(1970, 1, 1, tzinfo=self.start.tzinfo and UTC)
        first = (self.start - epoch) / self.bucket
        offsets = (first + np.arange(len(self.values))) * (self.bucket / period)
        return np.floor(offsets + 1e-9).astype(np.int64)


def infer_bucket(timestamps: Sequence[datetime]) -> timedelta:
    """The bucket size of a series: its most common positive step (robust to gaps)."""
    ordered = sorted(timestamps)
    steps = Counter(b - a for a, b in zip(ordered, ordered[1:]) if b > a)
    if not steps:
        raise ValueError("need at least two distinct timestamps to infer the bucket size")
    return min(steps.items(), key=lambda item: (-item[1], item[0]))[0]


def to_grid(
    timestamps: Sequence[datetime], values: Sequence[float], bucket: timedelta | None = None
) -> Grid:
    """Place a count series on a regular grid; gaps become zero-count buckets."""
    if len(timestamps) != len(values):
        raise ValueError(f"{len(timestamps)} timestamps but {len(values)} values")
    if not timestamps:
        raise ValueError("empty series")
    counts = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError("counts must be finite and not negative")
    if bucket is None:
        bucket = infer_bucket(timestamps)
    if bucket <= timedelta(0):
        raise ValueError(f"bucket size must be positive, got {bucket}")
    start = min(timestamps)
    index = np.array([round((t - start) / bucket) for t in timestamps], dtype=np.int64)
    grid = np.zeros(int(index.max()) + 1)
    np.add.at(grid, index, counts)
    return Grid(start, bucket, grid)


def trailing_sum(values: np.ndarray, n: int) -> np.ndarray:
    """Sum over the ``n`` buckets ending at each bucket (fewer at the very start)."""
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    ends = np.arange(1, len(values) + 1)
    return cumulative[ends] - cumulative[np.maximum(0, ends - n)]


def same_time_samples(values: np.ndarray, per_day: int, days: int, tolerance: int) -> np.ndarray:
    """Rows of past same-time-of-day values for each bucket (shape: samples × buckets, NaN-padded)."""
    rows = []
    for day in range(1, days + 1):
        for offset in range(-tolerance, tolerance + 1):
            lag = day * per_day + offset
            row = np.full(len(values), np.nan)
            if 0 < lag < len(values):
                row[lag:] = values[: len(values) - lag]
            rows.append(row)
    return np.vstack(rows)


def nan_median(samples: np.ndarray) -> np.ndarray:
    """Column medians ignoring NaN; NaN where a column has no sample."""
    counts = np.sum(~np.isnan(samples), axis=0)
    medians = np.full(samples.shape[1], np.nan)
    has = counts > 0
    if has.any():
        medians[has] = np.nanmedian(samples[:, has], axis=0)
    return medians


def seasonal_median(values: np.ndarray, grid: Grid, days: int, tolerance: timedelta) -> np.ndarray:
    """Median of the same-time-of-day values (± ``tolerance``) over the previous ``days`` days."""
    return nan_median(same_time_samples(values, buckets_per_day(grid.bucket), days, round(tolerance / grid.bucket)))


def buckets_per_day(bucket: timedelta) -> int:
    """Buckets in a day (one if buckets are a day or longer)."""
    return max(1, math.floor(DAY / bucket))
