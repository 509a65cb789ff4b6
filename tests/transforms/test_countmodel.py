"""The count model: negative-binomial tails, over-dispersion fitted on the upper tail, the promise bound."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from transforms.countmodel import MIN_SAMPLES, dispersion_bound, nb_tail, robust_dispersion


def test_tails_are_the_exact_poisson_and_negative_binomial_ones():
    counts = np.array([1, 3, 10, 40, 400])
    means = np.array([0.5, 2.0, 3.0, 10.0, 100.0])
    assert nb_tail(counts, means, 0.0) == pytest.approx(stats.poisson.sf(counts - 1, means), rel=1e-9)
    alpha = 0.2
    size = 1 / alpha
    expected = stats.nbinom.sf(counts - 1, size, size / (size + means))
    assert nb_tail(counts, means, alpha) == pytest.approx(expected, rel=1e-9)
    assert nb_tail(np.array([0, -1]), np.array([5.0, 5.0]), 0.1).tolist() == [1.0, 1.0]


def nb_sample(mean: np.ndarray, alpha: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(mean * rng.gamma(1 / alpha, alpha, len(mean))).astype(float)


def test_dispersion_is_recovered_from_counts_around_their_means():
    means = np.random.default_rng(0).choice([30.0, 80.0, 300.0, 1000.0], 1344)  # two weeks of 15-minute windows
    for alpha in (0.05, 0.2, 0.5):
        assert robust_dispersion(nb_sample(means, alpha, 1), means, 20.0, 0.9) == pytest.approx(alpha, rel=0.35)
    poisson = np.random.default_rng(2).poisson(means).astype(float)
    assert robust_dispersion(poisson, means, 20.0, 0.9) < 0.01


def test_a_short_burst_hardly_widens_it():
    means = np.full(1344, 200.0)  # two weeks of 15-minute windows
    counts = nb_sample(means, 0.1, 3)
    clean = robust_dispersion(counts, means, 20.0, 0.9)
    counts[100:112] *= 10  # a crisis of three hours: one window in a hundred
    assert robust_dispersion(counts, means, 20.0, 0.9) == pytest.approx(clean, rel=0.2)


def test_too_few_or_too_small_means_give_no_fit():
    means = np.full(MIN_SAMPLES - 1, 100.0)
    assert np.isnan(robust_dispersion(means.copy(), means, 20.0, 0.9))
    small = np.full(500, 5.0)
    assert np.isnan(robust_dispersion(small.copy(), small, 20.0, 0.9))


def test_the_bound_is_the_largest_dispersion_that_keeps_the_promised_burst_significant():
    tail = 3.5e-5
    means = np.array([0.5, 1.0, 6.7, 30.0, 1000.0, 1e6])
    bound = dispersion_bound(4.0, 20.0, tail, means)
    promised = np.ceil(np.maximum(4 * means, means + 20))
    assert np.all(nb_tail(promised, means, bound) <= tail)
    assert np.all(nb_tail(promised, means, bound * 1.01) > tail)
    assert bound[2] < bound[-1]  # tightest where both conditions meet: Poisson noise still adds there
    assert np.isnan(dispersion_bound(4.0, 20.0, tail, np.array([np.nan]))[0])
