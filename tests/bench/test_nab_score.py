"""NAB scoring as NAB's sweeper defines it: early hits earn most, misses and stray alerts cost."""

from __future__ import annotations

import math

import pytest

from bench.nab_score import (
    REWARD_LOW_FN,
    STANDARD,
    normalised_score,
    probation_length,
    scaled_sigmoid,
    score_series,
)

N = 2000  # probation: 300 rows
WINDOWS = [(500, 599), (1200, 1299)]


def test_scaled_sigmoid_matches_nab_reference_points():
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scaled_sigmoid(3.0) == -1.0


def test_probation_is_fifteen_percent_capped_at_750_rows():
    assert probation_length(2000) == 300
    assert probation_length(15902) == 750


def test_null_detector_scores_zero_and_perfect_detector_one_hundred():
    assert score_series(N, WINDOWS, []).normalised == 0.0
    perfect = score_series(N, WINDOWS, [500, 1200])
    assert perfect.normalised == pytest.approx(100.0)
    assert (perfect.windows_hit, perfect.false_alerts) == (2, 0)


def test_only_the_first_alert_in_a_window_counts_and_earlier_is_better():
    early = score_series(N, WINDOWS, [550, 1200])
    both = score_series(N, WINDOWS, [550, 560, 1200])
    late = score_series(N, WINDOWS, [599, 1200])
    assert both.raw == early.raw
    assert early.raw - 1.0 == pytest.approx(scaled_sigmoid(-50 / 100) / scaled_sigmoid(-1.0))
    assert late.raw - 1.0 == pytest.approx(scaled_sigmoid(-1 / 100) / scaled_sigmoid(-1.0))


def test_false_alerts_cost_the_fp_weight_less_right_after_a_window():
    before_any = score_series(N, WINDOWS, [400, 500, 1200])
    just_after = score_series(N, WINDOWS, [610, 500, 1200])
    far_after = score_series(N, WINDOWS, [700, 500, 1200])
    assert before_any.raw == pytest.approx(2.0 - STANDARD.fp)
    assert just_after.raw == pytest.approx(2.0 + STANDARD.fp * scaled_sigmoid(11 / 99))
    assert before_any.raw < far_after.raw < just_after.raw < 2.0
    assert before_any.false_alerts == 1


def test_alerts_in_probation_are_ignored_and_misses_cost_the_fn_weight():
    assert score_series(N, WINDOWS, [10, 299]).raw == -2.0
    assert score_series(N, WINDOWS, [500], REWARD_LOW_FN).raw == pytest.approx(1.0 - 2.0)


def test_corpus_score_normalises_sums_not_averages():
    one = score_series(N, WINDOWS, [500, 1200])
    other = score_series(N, [(500, 599)], [])
    expected = 100 * ((2.0 - 1.0) - (-3.0)) / (3.0 - (-3.0))  # raw, null, perfect summed
    assert normalised_score([one, other]) == pytest.approx(expected)
    assert not math.isclose(normalised_score([one, other]), (one.normalised + other.normalised) / 2)
