"""Spike detection on a count series (mentions, negative mentions, complaints per bucket).

Interface (stable; the DAG and ``brandmon spikes`` call it):

- ``DetectorConfig``: frozen dataclass of the detector's parameters, all time-based ones as
  durations, so the same defaults serve 5-minute (NAB) and 15-minute (DAG) buckets.
  ``DEFAULT`` is the shipped configuration; ``config.history`` is how much history before a
  bucket decides its alert: load at least that much before a run's window and the window's alerts
  are exactly those of a run over the whole past. ``config_from_overrides(mapping)`` applies
  settings from a config file (durations as text: '30m', '1h', '3d').
- ``detect_spikes(timestamps, values, config=DEFAULT, bucket=None) -> list[Spike]``: the alerts
  that would be sent. The bucket size is inferred from the timestamps unless given; missing
  buckets count as zero.
- ``Spike``: ``timestamp`` (start of the bucket whose arrival triggers the alert), ``value``
  (count over the trailing ``config.window`` ending with that bucket, i.e. over
  [``window_start``, ``window_end``)), ``expected`` (the baseline for that window), ``score``,
  ``ratio`` (value / expected, expected floored at one), ``severity`` ('info' | 'warning' |
  'critical'), ``escalation`` (True for the one follow-up alert of an episode that turned
  critical), ``kind`` ('spike'); ``as_dict()`` gives a JSON-ready dict. The posts behind an alert
  are those published in [``window_start``, ``window_end``).

How it decides (see docs/detection.md for the reasoning and the NAB figures):

1. Counts are summed over a trailing window (1 hour): short enough to be timely, long enough to
   make small counts meaningful.
2. Expected = median of the same window at the same time of day (± tolerance) over the previous
   ``baseline_days`` days: hour-of-day aware, robust to past spikes.
3. Score = (value − expected) / scale, where scale is the standard deviation of past residuals
   over ``scale_days`` (winsorised, so one huge spike does not blind the detector for weeks, but
   a series that bursts often learns that bursts are normal), floored at the Poisson noise
   sqrt(expected). The scale is refreshed once per clock hour from residuals before that hour.
4. A bucket is a candidate when score ≥ ``threshold``, value ≥ ``min_count``, value ≥
   ``min_ratio`` × expected, and at least ``min_history`` of data precede it.
5. De-duplication: a candidate alerts only if no candidate occurred in the preceding
   ``cooldown`` (so a spike alerts once, at its rising edge, and a long episode stays quiet), or
   if it is the episode's first 'critical' one (one escalation). The rule looks back a bounded
   time, so the decision at bucket t uses values up to t only and does not depend on where the
   series starts, given ``config.history`` of history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

import numpy as np

from transforms.baseline import (
    DAY,
    Grid,
    buckets_per_day,
    nan_median,
    same_time_samples,
    to_grid,
    trailing_sum,
)

_SCALE_REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of the spike detector; durations, not bucket counts."""

    window: timedelta = timedelta(hours=1)
    baseline_days: int = 7
    baseline_tolerance: timedelta = timedelta(minutes=30)
    scale_days: int = 14
    scale_quantile: float = 0.99
    threshold: float = 6.0
    warning_score: float = 10.0
    critical_score: float = 20.0
    min_count: float = 10.0
    min_ratio: float = 1.5
    min_history: timedelta = timedelta(days=3)
    cooldown: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        if not self.threshold <= self.warning_score <= self.critical_score:
            raise ValueError("need threshold <= warning_score <= critical_score")
        if not 0.5 < self.scale_quantile <= 1.0:
            raise ValueError("scale_quantile must be in (0.5, 1]")
        if self.baseline_days < 1 or self.scale_days < 1:
            raise ValueError("baseline_days and scale_days must be at least 1")

    @property
    def history(self) -> timedelta:
        """History before a bucket that fully determines its alert decision."""
        residual_history = (self.baseline_days * DAY + self.baseline_tolerance + self.window)
        return residual_history + self.scale_days * DAY + _SCALE_REFRESH + self.cooldown

    def severity(self, score: float) -> str:
        """Severity of a score at or above the alert threshold."""
        if score >= self.critical_score:
            return "critical"
        if score >= self.warning_score:
            return "warning"
        return "info"


DEFAULT = DetectorConfig()

_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """'30m', '1h', '1.5h', '3d' as a timedelta (the unit is required)."""
    text = text.strip().lower()
    unit = _DURATION_UNITS.get(text[-1:])
    try:
        amount = float(text[:-1])
    except ValueError:
        amount = None
    if unit is None or amount is None or amount < 0:
        raise ValueError(f"{text!r} is not a duration; write a number and a unit, e.g. '30m', '1h', '3d'")
    return timedelta(**{unit: amount})


def config_from_overrides(overrides: Mapping[str, object], base: DetectorConfig = DEFAULT) -> DetectorConfig:
    """``base`` with some fields replaced; durations may be given as text ('1h', '3d')."""
    kinds = {f.name: f.type for f in fields(DetectorConfig)}
    unknown = sorted(set(overrides) - set(kinds))
    if unknown:
        raise ValueError(f"unknown detector settings {unknown}; known: {sorted(kinds)}")
    changes: dict[str, object] = {}
    for name, value in overrides.items():
        if kinds[name] == "timedelta" and not isinstance(value, timedelta):
            if not isinstance(value, str):
                raise ValueError(f"{name}: give a duration with a unit, e.g. '1h', not {value!r}")
            value = parse_duration(value)
        elif kinds[name] == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        elif kinds[name] == "float" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{name}: expected a number, got {value!r}")
        changes[name] = value
    return replace(base, **changes)


@dataclass(frozen=True)
class Spike:
    """One alert: the window's count, its expectation and how unusual the excess is."""

    timestamp: datetime
    value: float
    expected: float
    score: float
    ratio: float
    severity: str
    window_start: datetime
    window_end: datetime
    escalation: bool = False
    kind: str = "spike"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields (timestamps in ISO 8601, numbers rounded for reading)."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "value": self.value,
            "expected": round(self.expected, 2),
            "score": round(self.score, 2),
            "ratio": round(self.ratio, 2),
            "severity": self.severity,
            "kind": self.kind,
            "escalation": self.escalation,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


@dataclass(frozen=True)
class Scores:
    """Per-bucket detector internals, on the series' regular grid."""

    grid: Grid
    value: np.ndarray
    expected: np.ndarray
    score: np.ndarray


def score_series(grid: Grid, config: DetectorConfig = DEFAULT) -> Scores:
    """Window counts, baseline and score for every bucket (NaN score where history is too short)."""
    per_day = buckets_per_day(grid.bucket)
    value = trailing_sum(grid.values, grid.buckets(config.window))
    tolerance = round(config.baseline_tolerance / grid.bucket)
    expected = nan_median(same_time_samples(value, per_day, config.baseline_days, tolerance))
    scale = _burst_scale(grid, value - expected, config, min_points=per_day)
    score = (value - expected) / np.fmax(scale, np.sqrt(np.fmax(expected, 1.0)))
    return Scores(grid, value, expected, score)


def _burst_scale(grid: Grid, residual: np.ndarray, config: DetectorConfig, min_points: int) -> np.ndarray:
    """Winsorised standard deviation of residuals over ``scale_days`` before each clock hour."""
    span = round(config.scale_days * DAY / grid.bucket)
    periods = grid.periods(_SCALE_REFRESH)
    starts = np.flatnonzero(np.diff(periods, prepend=periods[0] - 1))
    ends = np.append(starts[1:], len(residual))
    scale = np.full(len(residual), np.nan)
    for start, end in zip(starts, ends):
        past = residual[max(0, start - span) : start]
        past = past[~np.isnan(past)]
        if len(past) < min_points:
            continue
        if config.scale_quantile < 1.0:
            low, high = np.quantile(past, [1.0 - config.scale_quantile, config.scale_quantile])
            past = np.clip(past, low, high)
        scale[start:end] = past.std()
    return scale


def detect_spikes(
    timestamps: Sequence[datetime],
    values: Sequence[float],
    config: DetectorConfig = DEFAULT,
    bucket: timedelta | None = None,
) -> list[Spike]:
    """Alerts for a count series: causal, deterministic, de-duplicated (see module docstring).

    A series without buckets (a brand with no posts yet) has nothing to alert on.
    """
    if not timestamps or (len(timestamps) < 2 and bucket is None):
        return []
    grid = to_grid(timestamps, values, bucket)
    return alerts_from_scores(score_series(grid, config), config)


def alerts_from_scores(scores: Scores, config: DetectorConfig = DEFAULT) -> list[Spike]:
    """Candidates, then de-duplication; split from scoring so threshold sweeps reuse the scores."""
    grid = scores.grid
    first_allowed = int(np.ceil(config.min_history / grid.bucket))
    cooldown = round(config.cooldown / grid.bucket)
    window = grid.buckets(config.window)
    with np.errstate(invalid="ignore"):
        candidate = (
            (scores.score >= config.threshold)
            & (scores.value >= config.min_count)
            & (scores.value >= config.min_ratio * scores.expected)
        )
    candidate[:first_allowed] = False

    spikes: list[Spike] = []
    recent: list[tuple[int, str]] = []  # (index, severity) of candidates within the cooldown
    for i in np.flatnonzero(candidate):
        score = float(scores.score[i])
        severity = config.severity(score)
        recent = [(j, s) for j, s in recent if i - j < cooldown]
        escalation = severity == "critical" and all(s != "critical" for _, s in recent)
        if not recent or escalation:
            expected = float(scores.expected[i])
            spikes.append(
                Spike(
                    timestamp=grid.timestamp(int(i)),
                    value=float(scores.value[i]),
                    expected=expected,
                    score=score,
                    ratio=float(scores.value[i]) / max(expected, 1.0),
                    severity=severity,
                    window_start=grid.timestamp(int(i) + 1 - window),
                    window_end=grid.timestamp(int(i) + 1),
                    escalation=bool(recent),
                )
            )
        recent.append((int(i), severity))
    return spikes
