"""Silence detection: a source that normally delivers posts has delivered none (an ops alert).

Interface (stable; the DAG calls it per source):

- ``SilenceConfig`` (frozen dataclass, durations not bucket counts) and ``DEFAULT_SILENCE``;
  ``config.history`` is how much history to load before a run's window.
- ``detect_silence(timestamps, values, config=DEFAULT_SILENCE, end=None, bucket=None)
  -> list[Silence]``: one alert per stretch of empty buckets, at the first bucket where the
  stretch is abnormal. Missing buckets are empty; pass ``end`` (exclusive, e.g. the run's window
  end) so that a source that stopped delivering altogether is seen as empty up to ``end``.
- ``Silence``: ``timestamp`` (bucket at which the alert is raised), ``since`` (first empty
  bucket), ``value`` (0), ``expected`` (usual count in the window), ``score`` (the share of past
  same-time windows that were empty, lower is stranger), ``severity`` ('warning'), ``kind``
  ('silence'); ``as_dict()`` gives a JSON-ready dict.

A trailing window (1 hour) with no posts is abnormal when, at the same time of day over the
previous ``baseline_days`` days, that window usually held at least ``min_expected`` posts (median)
and was almost never empty (at most ``max_zero_fraction`` of those windows). Night-time lulls of a
small source are therefore normal; an outage of a busy one is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from transforms.baseline import DAY, Grid, buckets_per_day, nan_median, same_time_samples, to_grid, trailing_sum


@dataclass(frozen=True)
class SilenceConfig:
    """Parameters of the silence detector."""

    window: timedelta = timedelta(hours=1)
    baseline_days: int = 7
    baseline_tolerance: timedelta = timedelta(minutes=30)
    min_expected: float = 10.0
    max_zero_fraction: float = 0.02
    min_history: timedelta = timedelta(days=3)

    @property
    def history(self) -> timedelta:
        """History before a bucket that its decision looks at (load this much before a window)."""
        return self.baseline_days * DAY + self.baseline_tolerance + self.window


DEFAULT_SILENCE = SilenceConfig()


@dataclass(frozen=True)
class Silence:
    """One ops alert: a source is silent although it usually is not at this time of day."""

    timestamp: datetime
    since: datetime
    expected: float
    score: float
    value: float = 0.0
    severity: str = "warning"
    kind: str = "silence"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields (timestamps in ISO 8601)."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "since": self.since.isoformat(),
            "value": self.value,
            "expected": round(self.expected, 2),
            "score": round(self.score, 4),
            "severity": self.severity,
            "kind": self.kind,
        }


def detect_silence(
    timestamps: Sequence[datetime],
    values: Sequence[float],
    config: SilenceConfig = DEFAULT_SILENCE,
    end: datetime | None = None,
    bucket: timedelta | None = None,
) -> list[Silence]:
    """Alerts for abnormal empty stretches of a source's count series (see module docstring)."""
    if not timestamps or (len(timestamps) < 2 and bucket is None):
        return []
    grid = _extend(to_grid(timestamps, values, bucket), end)
    per_day = buckets_per_day(grid.bucket)
    window = trailing_sum(grid.values, grid.buckets(config.window))
    samples = same_time_samples(
        window, per_day, config.baseline_days, round(config.baseline_tolerance / grid.bucket)
    )
    expected = nan_median(samples)
    known = np.sum(~np.isnan(samples), axis=0)
    zero_fraction = np.sum(samples == 0, axis=0) / np.maximum(known, 1)

    first_allowed = int(np.ceil(config.min_history / grid.bucket))
    silences: list[Silence] = []
    run_start: int | None = None
    alerted = False
    for i, count in enumerate(grid.values):
        if count > 0:
            run_start, alerted = None, False
            continue
        if run_start is None:
            run_start = i
        abnormal = (
            i >= first_allowed
            and i - run_start + 1 >= grid.buckets(config.window)
            and known[i] > 0
            and expected[i] >= config.min_expected
            and zero_fraction[i] <= config.max_zero_fraction
        )
        if abnormal and not alerted:
            alerted = True
            silences.append(
                Silence(
                    timestamp=grid.timestamp(i),
                    since=grid.timestamp(run_start),
                    expected=float(expected[i]),
                    score=float(zero_fraction[i]),
                )
            )
    return silences


def _extend(grid: Grid, end: datetime | None) -> Grid:
    """Pad the grid with empty buckets up to ``end`` (exclusive)."""
    if end is None:
        return grid
    total = int(np.ceil((end - grid.start) / grid.bucket))
    if total <= len(grid.values):
        return grid
    return Grid(grid.start, grid.bucket, np.concatenate([grid.values, np.zeros(total - len(grid.values))]))
