"""Spike detection on a count series (mentions, negative mentions, complaints per bucket).

Interface (stable; the DAG and ``brandmon spikes`` call it):

- ``DetectorConfig``: frozen dataclass of the detector's parameters, all time-based ones as
  durations, so the same defaults serve 5-minute (NAB) and 15-minute (DAG) buckets.
  ``DEFAULT`` is the shipped configuration; ``config.history`` is how much history before a
  bucket decides its alert: load at least that much before a run's window and the window's alerts
  are exactly those of a run over the whole past. ``config_from_overrides(mapping)`` applies
  settings from a config file (durations as text: '30m', '1h', '3d'; windows as '30m,2h,8h').
- ``detect_spikes(timestamps, values, config=DEFAULT, bucket=None) -> list[Spike]``: the alerts
  that would be sent. The bucket size is inferred from the timestamps unless given; missing
  buckets count as zero; an empty series has no alerts.
- ``Spike``: ``timestamp`` (start of the bucket whose arrival triggers the alert), ``value``
  (count over the look's window ending with that bucket, i.e. over [``window_start``,
  ``window_end``)), ``expected`` (the baseline for that window), ``score`` (−log10 of the tail
  probability, corrected for the number of looks), ``p_value`` (that probability), ``ratio``
  (value / expected), ``severity`` ('info' | 'warning' | 'critical'), ``escalation`` (True for
  the one follow-up alert of an episode that turned critical), ``kind`` ('spike'); ``as_dict()``
  gives a JSON-ready dict. The posts behind an alert are those published in [``window_start``,
  ``window_end``).

The model (docs/detection.md gives the reasons and the measurements):

1. Looks. Counts are summed over trailing windows of 30 minutes, 2 hours and 8 hours: a burst of
   minutes, an afternoon's story and a slow day-long rise are each seen at their own scale.
2. Baseline. For each look, the expected count is the median of the same window at the same
   time of day (± tolerance) over the previous ``baseline_days`` days, floored at ``min_rate``
   posts per hour: hour-of-day aware, and a spike on fewer than half of those days does not lift
   it. The floor is a prior on how quiet a brand can be: a brand with no posts is not alerted for
   one post, yet a jump from nothing to twenty is a clear alert.
3. Noise. The window count is negative binomial around the baseline, variance ``mean + alpha ·
   mean²``. ``alpha`` (over-dispersion) is fitted per look, once per UTC day, from the previous
   ``calibration_days`` of (count, baseline) pairs so that the ``dispersion_quantile`` of the
   standardised residuals is normal: bursts occupying less than 10 % of two weeks do not widen
   it, so an earlier crisis does not hide the next one. ``alpha`` is capped at
   ``max_dispersion`` (0.2: a brand's normal volume varies by about ±45 %): a series wilder than
   that (bots, crawls with gaps) is judged as if it were that calm, so its big bursts still alert.
   The same setting serves a brand with 2 posts an hour (Poisson-like, exact small-count tails)
   and one with 2,000.
4. Candidate. The smallest tail probability P(Y ≥ count) over the looks, times the number of
   looks (Bonferroni), is at most ``tail_probability``, after ``min_history`` of series.
5. Once per spike. A candidate alerts only if no other candidate occurred in the preceding
   ``cooldown`` (so a spike alerts once, at its rising edge; a long episode, or a level shift
   while the baseline catches up, stays quiet), or if it is the episode's first 'critical' one
   (one escalation). The rule looks back a bounded time, so the decision at bucket t uses values
   up to t only and does not depend on where the series starts, given ``config.history``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

import numpy as np

from transforms.baseline import DAY, Grid, seasonal_median, to_grid, trailing_sum
from transforms.countmodel import nb_tail, robust_dispersion

HOUR = timedelta(hours=1)
_CALIBRATION_REFRESH = DAY
_TAIL_FLOOR = 1e-300


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of the spike detector; durations, not bucket counts."""

    windows: tuple[timedelta, ...] = (timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
    baseline_days: int = 7
    baseline_tolerance: timedelta = timedelta(minutes=30)
    min_rate: float = 2.0
    calibration_days: int = 14
    dispersion_quantile: float = 0.9
    max_dispersion: float = 0.2
    tail_probability: float = 1e-7
    min_history: timedelta = timedelta(days=3)
    cooldown: timedelta = timedelta(hours=12)
    warning_ratio: float = 2.0
    critical_ratio: float = 10.0
    critical_score: float = 20.0

    def __post_init__(self) -> None:
        if not self.windows or any(w <= timedelta(0) for w in self.windows):
            raise ValueError("windows must be one or more positive durations")
        if not 0.5 < self.dispersion_quantile < 1.0:
            raise ValueError("dispersion_quantile must be in (0.5, 1)")
        if self.max_dispersion < 0:
            raise ValueError("max_dispersion must not be negative")
        if not 0.0 < self.tail_probability < 1.0:
            raise ValueError("tail_probability must be in (0, 1)")
        if self.baseline_days < 1 or self.calibration_days < 1:
            raise ValueError("baseline_days and calibration_days must be at least 1")
        if self.min_rate < 0:
            raise ValueError("min_rate must not be negative")
        if not 1.0 <= self.warning_ratio <= self.critical_ratio:
            raise ValueError("need 1 <= warning_ratio <= critical_ratio")

    @property
    def threshold(self) -> float:
        """The alert threshold on the score (−log10 of ``tail_probability``)."""
        return -math.log10(self.tail_probability)

    @property
    def history(self) -> timedelta:
        """History before a bucket that fully determines its alert decision."""
        pair_history = self.baseline_days * DAY + self.baseline_tolerance + max(self.windows)
        return pair_history + self.calibration_days * DAY + _CALIBRATION_REFRESH + self.cooldown

    def severity(self, score: float, ratio: float) -> str:
        """Severity of an alert: how far above normal (ratio), and how sure (score) for critical."""
        if ratio >= self.critical_ratio and score >= self.critical_score:
            return "critical"
        if ratio >= self.warning_ratio:
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


def _durations(name: str, value: object) -> tuple[timedelta, ...]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{name}: give durations with units, e.g. '30m,2h,8h', not {value!r}")
    out = []
    for item in value:
        if isinstance(item, timedelta):
            out.append(item)
        elif isinstance(item, str):
            out.append(parse_duration(item))
        else:
            raise ValueError(f"{name}: give durations with units, e.g. '30m,2h,8h', not {value!r}")
    return tuple(out)


def config_from_overrides(overrides: Mapping[str, object], base: DetectorConfig = DEFAULT) -> DetectorConfig:
    """``base`` with some fields replaced; durations may be given as text ('1h', '3d', '30m,2h')."""
    kinds = {f.name: f.type for f in fields(DetectorConfig)}
    unknown = sorted(set(overrides) - set(kinds))
    if unknown:
        raise ValueError(f"unknown detector settings {unknown}; known: {sorted(kinds)}")
    changes: dict[str, object] = {}
    for name, value in overrides.items():
        kind = kinds[name]
        if kind.startswith("tuple"):
            value = _durations(name, value)
        elif kind == "timedelta" and not isinstance(value, timedelta):
            if not isinstance(value, str):
                raise ValueError(f"{name}: give a duration with a unit, e.g. '1h', not {value!r}")
            value = parse_duration(value)
        elif kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name}: expected a number, got {value!r}")
            value = float(value)
        changes[name] = value
    return replace(base, **changes)


@dataclass(frozen=True)
class Spike:
    """One alert: the window's count, its expectation and how improbable the excess is."""

    timestamp: datetime
    value: float
    expected: float
    score: float
    ratio: float
    severity: str
    window_start: datetime
    window_end: datetime
    p_value: float = 1.0
    escalation: bool = False
    kind: str = "spike"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields (timestamps in ISO 8601, numbers rounded for reading)."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "value": self.value,
            "expected": round(self.expected, 2),
            "score": round(self.score, 2),
            "p_value": float(f"{self.p_value:.3g}"),
            "ratio": round(self.ratio, 2),
            "severity": self.severity,
            "kind": self.kind,
            "escalation": self.escalation,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


@dataclass(frozen=True)
class Look:
    """One window length's counts, baselines, dispersion and tail probabilities, per bucket."""

    window: timedelta
    value: np.ndarray
    expected: np.ndarray
    alpha: np.ndarray
    tail: np.ndarray


@dataclass(frozen=True)
class Scores:
    """Per-bucket detector internals, on the series' regular grid: the best look at each bucket."""

    grid: Grid
    looks: tuple[Look, ...]
    best: np.ndarray  # index of the look with the smallest tail probability
    p_value: np.ndarray  # that probability times the number of looks, capped at 1

    def pick(self, field: str) -> np.ndarray:
        """A per-look array (``value``, ``expected``, ``alpha``) taken from each bucket's best look."""
        stacked = np.vstack([getattr(look, field) for look in self.looks])
        return stacked[self.best, np.arange(stacked.shape[1])]


def score_series(grid: Grid, config: DetectorConfig = DEFAULT) -> Scores:
    """Counts, baselines and tail probabilities of every look at every bucket (p = 1 without history)."""
    looks = tuple(_look(grid, window, config) for window in config.windows)
    tails = np.vstack([look.tail for look in looks])
    best = np.argmin(tails, axis=0)
    p_value = np.minimum(1.0, tails[best, np.arange(tails.shape[1])] * len(looks))
    return Scores(grid, looks, best, p_value)


def _look(grid: Grid, window: timedelta, config: DetectorConfig) -> Look:
    value = trailing_sum(grid.values, grid.buckets(window))
    seasonal = seasonal_median(value, grid, config.baseline_days, config.baseline_tolerance)
    floor = config.min_rate * (grid.buckets(window) * grid.bucket / HOUR)
    expected = np.where(np.isnan(seasonal), np.nan, np.maximum(seasonal, floor))
    alpha = _daily_dispersion(grid, value, expected, config)
    tail = np.ones(len(value))
    known = ~np.isnan(alpha) & ~np.isnan(expected) & (value > expected)
    tail[known] = np.maximum(nb_tail(value[known], expected[known], alpha[known]), _TAIL_FLOOR)
    return Look(window, value, expected, alpha, tail)


def _daily_dispersion(grid: Grid, value: np.ndarray, expected: np.ndarray, config: DetectorConfig) -> np.ndarray:
    """Over-dispersion per bucket, fitted at each UTC midnight on the ``calibration_days`` before it."""
    span = round(config.calibration_days * DAY / grid.bucket)
    periods = grid.periods(_CALIBRATION_REFRESH)
    starts = np.flatnonzero(np.diff(periods, prepend=periods[0] - 1))
    ends = np.append(starts[1:], len(value))
    alpha = np.full(len(value), np.nan)
    for start, end in zip(starts, ends):
        past = slice(max(0, start - span), start)
        alpha[start:end] = robust_dispersion(value[past], expected[past], config.dispersion_quantile)
    return np.minimum(alpha, config.max_dispersion)


def detect_spikes(
    timestamps: Sequence[datetime],
    values: Sequence[float],
    config: DetectorConfig = DEFAULT,
    bucket: timedelta | None = None,
) -> list[Spike]:
    """Alerts for a count series: causal, deterministic, de-duplicated (see module docstring)."""
    if not len(timestamps) or (len(timestamps) < 2 and bucket is None):
        return []
    grid = to_grid(timestamps, values, bucket)
    return alerts_from_scores(score_series(grid, config), config)


def alerts_from_scores(scores: Scores, config: DetectorConfig = DEFAULT) -> list[Spike]:
    """Candidates, then de-duplication; split from scoring so threshold sweeps reuse the scores."""
    grid = scores.grid
    first_allowed = int(np.ceil(config.min_history / grid.bucket))
    cooldown = round(config.cooldown / grid.bucket)
    candidate = scores.p_value <= config.tail_probability
    candidate[:first_allowed] = False
    value, expected = scores.pick("value"), scores.pick("expected")

    spikes: list[Spike] = []
    recent: list[tuple[int, str]] = []  # (index, severity) of candidates within the cooldown
    for i in np.flatnonzero(candidate):
        score = -math.log10(max(float(scores.p_value[i]), _TAIL_FLOOR))
        ratio = float(value[i]) / float(expected[i])
        severity = config.severity(score, ratio)
        recent = [(j, s) for j, s in recent if i - j < cooldown]
        escalation = severity == "critical" and all(s != "critical" for _, s in recent)
        if not recent or escalation:
            window = grid.buckets(scores.looks[int(scores.best[i])].window)
            spikes.append(
                Spike(
                    timestamp=grid.timestamp(int(i)),
                    value=float(value[i]),
                    expected=float(expected[i]),
                    score=score,
                    ratio=ratio,
                    severity=severity,
                    window_start=grid.timestamp(int(i) + 1 - window),
                    window_end=grid.timestamp(int(i) + 1),
                    p_value=float(scores.p_value[i]),
                    escalation=bool(recent),
                )
            )
        recent.append((int(i), severity))
    return spikes
