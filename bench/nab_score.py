"""NAB scoring of binary alerts, as described by the Numenta Anomaly Benchmark (v1.1 sweeper).

Pure functions, no I/O. A detector is scored on one series from its alert row indices:

- The first ``probation`` rows (``min(floor(0.15 * n), 0.15 * 5000)``) are ignored: no credit,
  no penalty.
- Each labelled window earns the weight of its *first* alert, ``A_TP * σ(p) / σ(-1)`` where
  ``σ(p) = 2 / (1 + e^(5p)) - 1`` and ``p = -(right - i + 1) / width`` (early in the window is
  worth about 1, the right edge about 0); a window with no alert costs ``A_FN``.
- Each alert outside every window costs ``A_FP``, scaled by ``σ`` of its distance past the
  preceding window's right edge (in window widths), so an alert just after a window is cheap;
  one with no preceding window costs the full ``A_FP``.
- Normalised score: ``100 * (raw - null) / (perfect - null)``, where the null detector (no alerts)
  scores ``-A_FN`` per window and the perfect one ``A_TP`` per window. Summing raw, null and
  perfect over series before normalising gives the corpus figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Application profile: the NAB cost matrix."""

    name: str
    tp: float
    fp: float
    fn: float


STANDARD = Profile("standard", tp=1.0, fp=0.11, fn=1.0)
REWARD_LOW_FP = Profile("reward_low_FP_rate", tp=1.0, fp=0.22, fn=1.0)
REWARD_LOW_FN = Profile("reward_low_FN_rate", tp=1.0, fp=0.11, fn=2.0)
PROFILES = (STANDARD, REWARD_LOW_FP, REWARD_LOW_FN)


@dataclass(frozen=True)
class SeriesScore:
    """NAB raw score of one series with the null and perfect references and plain counts."""

    raw: float
    null: float
    perfect: float
    windows: int
    windows_hit: int
    false_alerts: int

    @property
    def normalised(self) -> float:
        """The 0..100 NAB score (the null detector scores 0, the perfect one 100)."""
        return normalised_score([self])


def scaled_sigmoid(position: float) -> float:
    """NAB's weight of a detection at a relative position (−1 window start, 0 window end)."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probation_length(n_rows: int, percent: float = 0.15) -> int:
    """Rows at the start of a series that NAB leaves unscored."""
    return int(min(math.floor(percent * n_rows), percent * 5000))


def score_series(
    n_rows: int,
    windows: Sequence[tuple[int, int]],
    alerts: Sequence[int],
    profile: Profile = STANDARD,
    probation: int | None = None,
) -> SeriesScore:
    """Score alert row indices against labelled windows (inclusive row ranges, sorted).

    ``probation`` overrides NAB's probationary row count (used when a series is re-bucketed, to
    keep the same unscored time span).
    """
    if probation is None:
        probation = probation_length(n_rows)
    alerts = sorted(i for i in set(alerts) if i >= probation)
    scored_windows = [(a, b) for a, b in windows if b >= probation]
    max_tp = scaled_sigmoid(-1.0)

    raw = 0.0
    hit = 0
    for start, end in scored_windows:
        inside = [i for i in alerts if start <= i <= end]
        if inside:
            width = end - start + 1
            raw += scaled_sigmoid(-(end - inside[0] + 1) / width) * profile.tp / max_tp
            hit += 1
        else:
            raw -= profile.fn

    false_alerts = 0
    for i in alerts:
        if any(a <= i <= b for a, b in scored_windows):
            continue
        false_alerts += 1
        preceding = [(a, b) for a, b in scored_windows if b < i]
        if not preceding:
            raw -= profile.fp
        else:
            a, b = preceding[-1]
            raw += scaled_sigmoid(abs(i - b) / max(b - a, 1)) * profile.fp

    n = len(scored_windows)
    return SeriesScore(raw, -profile.fn * n, profile.tp * n, n, hit, false_alerts)


def normalised_score(scores: Sequence[SeriesScore]) -> float:
    """Corpus-level NAB score: raw, null and perfect are summed over series, then normalised."""
    raw = sum(s.raw for s in scores)
    null = sum(s.null for s in scores)
    perfect = sum(s.perfect for s in scores)
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)
