"""Spike detection on a count series (mentions, negative mentions, complaints per bucket).

Interface (stable; the DAG and ``brandmon spikes`` call it):

- ``DetectorConfig``: frozen dataclass of the detector's parameters, all time-based ones as
  durations, so the same defaults serve 5-minute (NAB) and 15-minute (DAG) buckets.
  ``DEFAULT`` is the shipped configuration; ``config.history`` is how much history before a
  bucket decides its alert: load at least that much before a run's window and the window's alerts
  are exactly those of a run over the whole past. ``config_from_overrides(mapping)`` applies
  settings from a config file (durations as text: '30m', '1h', '3d'; windows as '30m,2h,8h').
- ``detect_spikes(timestamps, values, config=DEFAULT, bucket=None, since=None) -> list[Spike]``: the
  alerts that would be sent (those of buckets from ``since`` on, if given: a run asks for its own
  window's, and only the buckets that decide them are scored). The bucket size is inferred from the
  timestamps unless given; missing buckets count as zero; an empty series has no alerts.
- ``Spike``: ``timestamp`` (start of the bucket whose arrival triggers the alert), ``value``
  (count over the look's window ending with that bucket, i.e. over [``window_start``,
  ``window_end``)), ``expected`` (the baseline for that window), ``p_value`` (the tail
  probability P(Y ≥ value) of that look under the model), ``score`` (−log10 of ``p_value``),
  ``ratio`` (value / expected), ``severity`` ('info' | 'warning' | 'critical'), ``escalation``
  (True for the one follow-up alert of an episode that turned critical), ``kind`` ('spike');
  ``as_dict()`` gives a JSON-ready dict. The posts behind an alert are those published in
  [``window_start``, ``window_end``).

The model (docs/detection.md gives the reasons and the measurements):

1. Looks. Counts are summed over trailing windows of 30 minutes, 2 hours and 8 hours: a burst of
   minutes, an afternoon's story and a slow day-long rise are each seen at their own scale.
2. Baseline ``B`` (the expected count of a look's window). The mean of the same window at the same
   time of day (± 30 minutes) over the previous 7 days, each sample clipped at the samples' 6/7
   quantile so that a spike on one of those days does not count as normal; times a weekday
   effect: how much busier or quieter that UTC weekday ran than the week before it, in each of
   the previous 3 weeks (the smallest of the three if all point the same way, else none).
   Floored at ``min_rate`` posts per hour.
3. Noise. The window count is negative binomial around ``B``, variance ``B + alpha · B²``.
   ``alpha`` is fitted per look at each UTC midnight on the previous ``calibration_days`` of
   (count, ``B``) pairs with ``B`` ≥ ``dispersion_min_mean``: the value that puts the
   ``dispersion_quantile`` (0.9) of their standardised log-ratios at the normal one, so the model's
   tail follows the series' own upper tail, while bursts filling less than a tenth of those two weeks
   (a day and a half) do not move it.
4. Threshold. A false-alarm budget of ``false_alarm_rate`` alerts per day under the model, split
   over every look of the day (Bonferroni: windows × buckets per day), is the per-look tail
   probability ``config.tail_probability(bucket)`` (3.5e-5 for 15-minute buckets).
5. Promise. For looks no longer than ``must_find_window``, ``alpha`` is at most the largest value
   at which a count of ``max(must_find_ratio · B, B + must_find_excess)`` is still below that tail
   probability (``countmodel.dispersion_bound``): a burst of four times the baseline and twenty
   extra posts in half an hour always alerts, however noisy the series has been, including after
   an earlier crisis. Where counts are too small to fit ``alpha`` (a quiet brand, its complaints)
   the model assumes ``dispersion_prior`` (0.1, the calm end of the fits on busy series): Poisson
   noise dominates there, and a quiet brand's 0 → 15 posts must not pass as noise.
6. News. A look is a candidate when its tail probability is at most the threshold and its count
   is at least ``min_ratio`` times ``B`` and ``min_excess`` posts above it (half the promised
   burst: a significant but smaller excess is not worth a page).
7. Once per spike. A candidate alerts only if no other candidate occurred in the preceding
   ``cooldown`` (so a spike alerts once, at its rising edge; a long episode, or a level shift
   while the baseline catches up, stays quiet), or if it is the episode's first 'critical' one
   (one escalation). Every step looks back a bounded time, so the decision at bucket t uses
   values up to t only and does not depend on where the series starts, given ``config.history``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

import numpy as np

from transforms.baseline import DAY, WEEK, Grid, buckets_per_day, seasonal_baseline, to_grid, trailing_sum
from transforms.countmodel import dispersion_bound, nb_tail, robust_dispersion

HOUR = timedelta(hours=1)
_CALIBRATION_REFRESH = DAY
_TAIL_FLOOR = 1e-300


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of the spike detector; durations, not bucket counts."""

    windows: tuple[timedelta, ...] = (timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
    baseline_days: int = 7
    baseline_tolerance: timedelta = timedelta(minutes=30)
    baseline_weeks: int = 3
    min_rate: float = 2.0
    calibration_days: int = 14
    dispersion_min_mean: float = 20.0
    dispersion_quantile: float = 0.9
    dispersion_prior: float = 0.1
    false_alarm_rate: float = 0.01
    must_find_window: timedelta = timedelta(minutes=30)
    must_find_ratio: float = 4.0
    must_find_excess: float = 20.0
    min_ratio: float = 2.5
    min_excess: float = 10.0
    min_history: timedelta = timedelta(days=3)
    cooldown: timedelta = timedelta(hours=24)
    warning_ratio: float = 4.0
    critical_ratio: float = 10.0
    critical_score: float = 20.0

    def __post_init__(self) -> None:
        if not self.windows or any(w <= timedelta(0) for w in self.windows):
            raise ValueError("windows must be one or more positive durations")
        if not 0.5 < self.dispersion_quantile < 1.0:
            raise ValueError("dispersion_quantile must be in (0.5, 1)")
        if self.false_alarm_rate <= 0:
            raise ValueError("false_alarm_rate must be positive (alerts per day under the model)")
        if self.baseline_days < 1 or self.calibration_days < 1 or self.baseline_weeks < 0:
            raise ValueError("baseline_days and calibration_days must be at least 1, baseline_weeks at least 0")
        if (self.min_rate < 0 or self.min_excess < 0 or self.must_find_excess < 0 or self.dispersion_min_mean < 0
                or self.dispersion_prior < 0):
            raise ValueError("min_rate, min_excess, must_find_excess, dispersion_min_mean and dispersion_prior "
                             "must not be negative")
        if not 1.0 <= self.min_ratio <= self.must_find_ratio or self.min_excess > self.must_find_excess:
            raise ValueError("need 1 <= min_ratio <= must_find_ratio and min_excess <= must_find_excess "
                             "(the news gate must not hide a promised burst)")
        if not 1.0 <= self.warning_ratio <= self.critical_ratio:
            raise ValueError("need 1 <= warning_ratio <= critical_ratio")

    def tail_probability(self, bucket: timedelta) -> float:
        """Per-look alert threshold: the daily false-alarm budget over the day's looks (Bonferroni)."""
        return min(1.0, self.false_alarm_rate / (len(self.windows) * buckets_per_day(bucket)))

    def threshold(self, bucket: timedelta) -> float:
        """The alert threshold on the score (−log10 of ``tail_probability``)."""
        return -math.log10(self.tail_probability(bucket))

    @property
    def baseline_quantile(self) -> float:
        """Same-time samples are clipped at this quantile: a spike on one of the ``baseline_days`` days is capped."""
        return 1.0 - 1.0 / self.baseline_days

    @property
    def history(self) -> timedelta:
        """History before a bucket that fully determines its alert decision."""
        weekday = (self.baseline_weeks + 1) * WEEK + DAY if self.baseline_weeks else timedelta(0)
        baseline = max(self.baseline_days * DAY + self.baseline_tolerance, weekday) + max(self.windows)
        return baseline + self.calibration_days * DAY + _CALIBRATION_REFRESH + self.cooldown

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
    """One window length's counts, baselines, dispersion, tail probabilities and candidates, per bucket."""

    window: timedelta
    value: np.ndarray
    expected: np.ndarray
    alpha: np.ndarray
    tail: np.ndarray
    candidate: np.ndarray  # significant and newsworthy


@dataclass(frozen=True)
class Scores:
    """Per-bucket detector internals, on the series' regular grid: the best look at each bucket."""

    grid: Grid
    looks: tuple[Look, ...]
    best: np.ndarray  # index of the look with the smallest tail probability (among candidate looks, if any)
    p_value: np.ndarray  # that look's tail probability
    candidate: np.ndarray  # some look is a candidate (before the minimum history and de-duplication)
    since: int = 0  # first bucket whose alert decision is wanted (`decided_from`)

    def pick(self, field: str) -> np.ndarray:
        """A per-look array (``value``, ``expected``, ``alpha``) taken from each bucket's best look."""
        stacked = np.vstack([getattr(look, field) for look in self.looks])
        return stacked[self.best, np.arange(stacked.shape[1])]


def score_series(grid: Grid, config: DetectorConfig = DEFAULT, since: int = 0) -> Scores:
    """Counts, baselines, tail probabilities and candidates of every look at every bucket whose
    alert decision at bucket ``since`` or later can use them (``decided_from``); the buckets
    before are not scored (no baseline, tail probability 1, no candidate)."""
    first = decided_from(since, grid.bucket, config)
    looks = tuple(_look(grid, window, config, first) for window in config.windows)
    tails = np.vstack([look.tail for look in looks])
    candidates = np.vstack([look.candidate for look in looks])
    best = np.argmin(np.where(candidates, tails, tails + 2.0), axis=0)
    columns = np.arange(tails.shape[1])
    return Scores(grid, looks, best, tails[best, columns], candidates.any(axis=0), since)


def decided_from(since: int, bucket: timedelta, config: DetectorConfig = DEFAULT) -> int:
    """The first bucket whose score can yield or suppress an alert at bucket ``since`` or later.

    An alert at bucket ``i`` is decided by the candidates (and their severities) at buckets ``j``
    with ``i - cooldown < j <= i``: ``i`` itself yields it, an earlier candidate within the
    cooldown suppresses it (or, if none of them was critical, lets a critical ``i`` escalate).
    Nothing else enters the decision, so buckets before ``since - cooldown + 1`` need no score.
    A bucket's score in turn reads the counts and baselines before it (``config.history``), which
    ``_look`` computes for the scored buckets' needs only.
    """
    return max(0, since - max(0, round(config.cooldown / bucket) - 1))


def _look(grid: Grid, window: timedelta, config: DetectorConfig, first: int = 0) -> Look:
    """One look's scores for buckets ``first`` on; the dispersion fits of those buckets' days need
    the baselines of the ``calibration_days`` before those days, so baselines start there."""
    size = grid.buckets(window)
    value = trailing_sum(grid.values, size)
    n = len(value)
    periods = grid.periods(_CALIBRATION_REFRESH)
    fit_from = int(np.searchsorted(periods, periods[first])) if first < n else n
    baseline_from = max(0, fit_from - _calibration_span(grid, config))
    seasonal = np.full(n, np.nan)
    seasonal[baseline_from:] = seasonal_baseline(value, grid, config.baseline_days, config.baseline_weeks,
                                                 config.baseline_tolerance, config.baseline_quantile, baseline_from)
    floor = config.min_rate * (size * grid.bucket / HOUR)
    expected = np.where(np.isnan(seasonal), np.nan, np.maximum(seasonal, floor))
    # the baseline is a mean over the days seen so far: add its Poisson error, B / days, to the count's
    days_seen = np.minimum(config.baseline_days, np.arange(n) // buckets_per_day(grid.bucket))
    fitted = _daily_dispersion(grid, value, expected, config, fit_from)
    expected[:first] = np.nan  # read by the fits only: buckets before `first` are not scored
    # counts too small to fit alpha (a quiet brand, its complaints) are judged with the prior
    fitted = np.where(np.isnan(fitted), config.dispersion_prior, fitted)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = fitted + 1.0 / (days_seen * expected)
    with np.errstate(invalid="ignore"):
        news = (value >= config.min_ratio * expected) & (value - expected >= config.min_excess)
    threshold = config.tail_probability(grid.bucket)
    bound = np.full(len(value), np.nan)
    bound[news] = dispersion_bound(config.must_find_ratio, config.must_find_excess, threshold, expected[news])
    # the bound caps alpha for the must-find look, so the promised burst always alerts
    capped = news & (size * grid.bucket <= config.must_find_window) & ~(alpha <= bound)
    alpha = np.where(capped, bound, alpha)
    tail = np.ones(len(value))
    known = ~np.isnan(alpha) & ~np.isnan(expected) & (value > expected)
    tail[known] = np.maximum(nb_tail(value[known], expected[known], alpha[known]), _TAIL_FLOOR)
    return Look(window, value, expected, alpha, tail, news & (tail <= threshold))


def _calibration_span(grid: Grid, config: DetectorConfig) -> int:
    """Buckets of the ``calibration_days`` a dispersion fit reads."""
    return round(config.calibration_days * DAY / grid.bucket)


def _daily_dispersion(grid: Grid, value: np.ndarray, expected: np.ndarray, config: DetectorConfig,
                      first: int = 0) -> np.ndarray:
    """Over-dispersion per bucket, fitted at each UTC midnight on the ``calibration_days`` before it,
    for the days from bucket ``first`` on (a day's first bucket; NaN before it).

    NaN where it cannot be measured (no history, or no baselines of ``dispersion_min_mean``).
    """
    span = _calibration_span(grid, config)
    periods = grid.periods(_CALIBRATION_REFRESH)
    starts = np.flatnonzero(np.diff(periods, prepend=periods[0] - 1))
    ends = np.append(starts[1:], len(value))
    alpha = np.full(len(value), np.nan)
    for start, end in zip(starts, ends):
        if end <= first:
            continue
        past = slice(max(0, start - span), start)
        alpha[start:end] = robust_dispersion(value[past], expected[past], config.dispersion_min_mean,
                                             config.dispersion_quantile)
    return alpha


def detect_spikes(
    timestamps: Sequence[datetime],
    values: Sequence[float],
    config: DetectorConfig = DEFAULT,
    bucket: timedelta | None = None,
    since: datetime | None = None,
) -> list[Spike]:
    """Alerts for a count series: causal, deterministic, de-duplicated (see module docstring).

    With ``since``, the alerts of buckets starting at or after it, exactly those of the whole
    series from that bucket on, with only the buckets that decide them scored (``decided_from``):
    a run's cost follows its window, not the history loaded before it.
    A series without buckets (a brand with no posts yet) has nothing to alert on.
    """
    if not timestamps or (len(timestamps) < 2 and bucket is None):
        return []
    grid = to_grid(timestamps, values, bucket)
    first = 0 if since is None else max(0, math.ceil((since - grid.start) / grid.bucket))
    return alerts_from_scores(score_series(grid, config, first), config)


def alerts_from_scores(scores: Scores, config: DetectorConfig = DEFAULT) -> list[Spike]:
    """Candidates, then de-duplication; split from scoring so setting sweeps reuse the scores.

    Alerts of buckets from ``scores.since`` on: earlier buckets were not (all) scored."""
    grid = scores.grid
    first_allowed = int(np.ceil(config.min_history / grid.bucket))
    cooldown = round(config.cooldown / grid.bucket)
    candidate = scores.candidate.copy()
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
        if i >= scores.since and (not recent or escalation):
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
