"""Tests of privlab.dp.gaussian: the exact privacy profile, the noise levels, the mechanism.

The privacy profile is checked against two independent computations of the
same quantity: numeric integration over the privacy loss, and a Monte Carlo
estimate from simulated releases on two neighbouring data sets. Statistical
tests use fixed seeds and tolerances of at least six standard errors; each
comes with a broken variant that the same test must reject.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from privlab import InvalidParameterError
from privlab.dp import gaussian
from privlab.dp.gaussian import (
    analytic_gaussian_sigma,
    classic_gaussian_sigma,
    gaussian_delta,
    gaussian_epsilon,
    gaussian_mechanism,
    l1_sensitivity,
    l2_sensitivity,
)

N = 200_000
KS_CRITICAL = 2.76  # KS critical value times sqrt(n) at a false-alarm rate of 1e-6
normal_cdf = np.vectorize(lambda x: 0.5 * math.erfc(-x / math.sqrt(2)))


# --------------------------------------------------------------------------
# Independent computations of the privacy profile
# --------------------------------------------------------------------------


def profile_by_integration(epsilon: float, sensitivity: float, sigma: float) -> float:
    """delta(eps) = E[(1 - e^(eps - L))_+] with the privacy loss L ~ N(m, 2m), m = D^2/(2 s^2).

    Trapezoid rule on 400,001 points from eps (or 40 standard deviations
    below the mean) to 40 standard deviations above it. The integrand
    (1 - e^(eps - L)) is at most 1 there, so nothing overflows even when
    e^eps would.
    """
    mean = sensitivity**2 / (2 * sigma**2)
    sd = math.sqrt(2 * mean)
    loss = np.linspace(max(epsilon, mean - 40 * sd), mean + 40 * sd, 400_001)
    density = np.exp(-((loss - mean) ** 2) / (2 * sd * sd)) / (sd * math.sqrt(2 * math.pi))
    return float(np.trapezoid(-np.expm1(epsilon - loss) * density, loss))


def tail_probability(epsilon: float, sensitivity: float, sigma: float) -> float:
    """A broken profile: Pr[L > eps], an upper bound on delta, not delta itself."""
    mean = sensitivity**2 / (2 * sigma**2)
    return 0.5 * math.erfc((epsilon - mean) / math.sqrt(4 * mean))


def largest_delta_seen(with_person: np.ndarray, without_person: np.ndarray, epsilon: float):
    """An auditor's estimate of delta from releases on two neighbouring data sets, and its margin.

    (epsilon, delta)-DP needs Pr[M(D) in S] - e^eps Pr[M(D') in S] <= delta for
    every set S. For two Gaussians with means 0 (D') < Delta (D) the worst sets
    are half-lines S = (t, inf), so the auditor tries 400 thresholds t and keeps
    the largest difference seen. The margin is six standard errors of that
    difference, sqrt(p(1-p)/n + e^(2 eps) q(1-q)/n).
    """
    thresholds = np.quantile(with_person, np.linspace(0.3, 0.999, 400))
    p = 1 - np.searchsorted(np.sort(with_person), thresholds, side="right") / with_person.size
    q = 1 - np.searchsorted(np.sort(without_person), thresholds, side="right") / without_person.size
    differences = p - math.exp(epsilon) * q
    best = int(np.argmax(differences))
    variance = (
        p[best] * (1 - p[best]) / with_person.size
        + math.exp(2 * epsilon) * q[best] * (1 - q[best]) / without_person.size
    )
    return float(differences[best]), 6 * math.sqrt(variance)


# --------------------------------------------------------------------------
# The privacy profile
# --------------------------------------------------------------------------

PROFILE_CASES = [  # (epsilon, sensitivity, sigma)
    (0.0, 1.0, 1.0),
    (0.5, 1.0, 2.0),
    (1.0, 1.0, 3.0),
    (3.0, 2.0, 1.0),
    (0.001, 1.0, 100.0),
    (20.0, 1.0, 0.25),  # delta about 1e-7
    (720.0, 40.0, 1.0),  # e^eps overflows a float
    (60.0, 1.0, 0.5),  # delta about 1e-200, deep in the tail
]


@pytest.mark.parametrize(("epsilon", "sensitivity", "sigma"), PROFILE_CASES)
def test_profile_matches_numeric_integration_over_the_privacy_loss(epsilon, sensitivity, sigma):
    exact = gaussian_delta(epsilon, sensitivity, sigma)
    assert exact == pytest.approx(profile_by_integration(epsilon, sensitivity, sigma), rel=1e-6)


def test_the_tail_probability_is_not_the_profile():
    integral = profile_by_integration(0.5, 1.0, 2.0)
    assert tail_probability(0.5, 1.0, 2.0) != pytest.approx(integral, rel=1e-6)
    assert tail_probability(0.5, 1.0, 2.0) > integral  # it is only an upper bound


@pytest.mark.parametrize(("epsilon", "sigma"), [(0.5, 2.0), (1.0, 1.0), (2.0, 0.5)])
def test_profile_matches_simulated_releases_on_neighbouring_data(epsilon, sigma):
    rng = np.random.default_rng(20)
    with_person = 1.0 + sigma * rng.standard_normal(N)
    without_person = sigma * rng.standard_normal(N)
    estimate, margin = largest_delta_seen(with_person, without_person, epsilon)
    assert abs(estimate - gaussian_delta(epsilon, 1.0, sigma)) < margin
    assert abs(estimate - tail_probability(epsilon, 1.0, sigma)) > margin  # the broken profile


def test_profile_at_zero_is_the_total_variation_distance():
    # delta(0) = Pr[N(D, s^2) > D/2] - Pr[N(0, s^2) > D/2] = erf(D / (2 sqrt(2) s))
    for sensitivity, sigma in [(1.0, 1.0), (1.0, 10.0), (3.0, 0.5)]:
        expected = math.erf(sensitivity / (2 * math.sqrt(2) * sigma))
        assert gaussian_delta(0.0, sensitivity, sigma) == pytest.approx(expected, rel=1e-12)


def test_profile_falls_with_epsilon_and_with_noise():
    epsilons = np.linspace(0, 30, 301)
    profile = gaussian_delta(epsilons, 1.0, 0.5)
    assert np.all(np.diff(profile) <= 0) and np.all(profile >= 0)
    sigmas = np.linspace(0.2, 5, 50)
    assert np.all(np.diff([gaussian_delta(1.0, 1.0, s) for s in sigmas]) < 0)


def test_only_the_ratio_of_sensitivity_to_noise_matters():
    assert gaussian_delta(0.7, 3.0, 6.0) == pytest.approx(gaussian_delta(0.7, 1.0, 2.0), rel=1e-12)
    assert gaussian_epsilon(1e-6, 3.0, 6.0) == pytest.approx(gaussian_epsilon(1e-6, 1.0, 2.0))


def test_scalar_and_array_shapes():
    assert isinstance(gaussian_delta(1.0, 1.0, 2.0), float)
    assert isinstance(gaussian_epsilon(1e-6, 1.0, 2.0), float)
    assert gaussian_delta(np.zeros((2, 3)), 1.0, 2.0).shape == (2, 3)
    assert gaussian_epsilon([1e-3, 1e-6], 1.0, 2.0).shape == (2,)


# --------------------------------------------------------------------------
# Epsilon for a delta, sigma for an (epsilon, delta)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.1, 0.5, 1.0, 5.0, 40.0])
@pytest.mark.parametrize("delta", [0.1, 1e-3, 1e-6, 1e-12])
def test_gaussian_epsilon_inverts_the_profile(sigma, delta):
    epsilon = gaussian_epsilon(delta, 1.0, sigma)
    if epsilon == 0:  # the target delta is above delta(0): no epsilon needed
        assert gaussian_delta(0.0, 1.0, sigma) <= delta
        return
    assert gaussian_delta(epsilon, 1.0, sigma) <= delta  # safe side
    assert gaussian_delta(epsilon, 1.0, sigma) == pytest.approx(delta, rel=1e-9)  # and tight
    assert gaussian_delta(epsilon * (1 - 1e-9), 1.0, sigma) > delta


def test_gaussian_epsilon_is_zero_when_delta_covers_everything():
    # delta(0) = erf(1 / (2 sqrt(2) 100)) is about 0.004
    assert gaussian_epsilon(0.01, 1.0, 100.0) == 0.0
    assert gaussian_epsilon(0.001, 1.0, 100.0) > 0.0


def test_classic_sigma_hand_computed():
    # sqrt(2 ln(1.25 / 1e-5)) / 0.5 = sqrt(2 * 11.7361) * 2 = 9.6896
    assert classic_gaussian_sigma(1, 0.5, 1e-5) == pytest.approx(9.689611, rel=1e-6)
    assert classic_gaussian_sigma(3, 0.5, 1e-5) == pytest.approx(3 * 9.689611, rel=1e-6)


@pytest.mark.parametrize("epsilon", [0.01, 0.1, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("delta", [1e-2, 1e-5, 1e-10])
def test_classic_sigma_is_private_but_more_than_the_analytic(epsilon, delta):
    classic = classic_gaussian_sigma(1.0, epsilon, delta)
    analytic = analytic_gaussian_sigma(1.0, epsilon, delta)
    assert classic >= analytic
    assert gaussian_delta(epsilon, 1.0, classic) <= delta  # the textbook bound is valid


@pytest.mark.parametrize("epsilon", [0.01, 0.5, 1.0, 5.0, 50.0])
@pytest.mark.parametrize("delta", [0.1, 1e-6, 1e-12])
def test_analytic_sigma_is_the_least_noise_that_works(epsilon, delta):
    sigma = analytic_gaussian_sigma(2.0, epsilon, delta)
    assert gaussian_delta(epsilon, 2.0, sigma) <= delta
    assert gaussian_delta(epsilon, 2.0, sigma * (1 - 1e-9)) > delta
    assert gaussian_epsilon(delta, 2.0, sigma) == pytest.approx(epsilon, rel=1e-8)


def test_analytic_sigma_saves_noise_against_classic():
    # about 27% less noise at epsilon 0.5, delta 1e-5 (7.03 against 9.69)
    ratio = analytic_gaussian_sigma(1, 0.5, 1e-5) / classic_gaussian_sigma(1, 0.5, 1e-5)
    assert ratio == pytest.approx(0.7257, abs=1e-3)


# --------------------------------------------------------------------------
# Sensitivity: L1 and L2
# --------------------------------------------------------------------------


@pytest.mark.parametrize("bins", [1, 4, 25, 100])
def test_histogram_sensitivities(bins):
    one_person = np.ones(bins)  # adds 1 to each of `bins` bins
    assert l1_sensitivity(one_person) == bins
    assert l2_sensitivity(one_person) == pytest.approx(math.sqrt(bins))
    assert l2_sensitivity(-one_person) == l2_sensitivity(one_person)


def test_scalar_sensitivity_is_its_absolute_value():
    assert l1_sensitivity(-3.0) == l2_sensitivity(-3.0) == 3.0


# --------------------------------------------------------------------------
# The mechanism, statistically
# --------------------------------------------------------------------------


def l1_calibrated_mechanism(value, largest_change, epsilon, delta, *, rng):
    """A broken mechanism: Gaussian noise sized to the L1 sensitivity of a vector."""
    return gaussian_mechanism(value, l1_sensitivity(largest_change), epsilon, delta, rng=rng)


def unit_sensitivity_mechanism(value, sensitivity, epsilon, delta, *, rng):
    """A broken mechanism: noise for sensitivity 1 whatever the true sensitivity is."""
    return gaussian_mechanism(value, 1.0, epsilon, delta, rng=rng)


def has_standard_deviation(noise: np.ndarray, sigma: float) -> bool:
    """Sample standard deviation within 6 standard errors (sigma / sqrt(2n)) of sigma."""
    return abs(noise.std() - sigma) < 6 * sigma / math.sqrt(2 * noise.size)


def looks_normal(noise: np.ndarray, sigma: float) -> bool:
    """Kolmogorov-Smirnov test against N(0, sigma^2) at a false-alarm rate of about 1e-6."""
    x = np.sort(noise)
    n = x.size
    cdf = normal_cdf(x / sigma)
    statistic = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    return statistic * math.sqrt(n) < KS_CRITICAL


@pytest.mark.parametrize(("sensitivity", "epsilon", "delta"), [(1, 0.5, 1e-5), (2, 3.0, 1e-8)])
def test_mechanism_noise_has_the_analytic_sigma(sensitivity, epsilon, delta):
    noise = gaussian_mechanism(np.zeros(N), sensitivity, epsilon, delta, rng=21)
    sigma = analytic_gaussian_sigma(sensitivity, epsilon, delta)
    assert abs(noise.mean()) < 6 * sigma / math.sqrt(N)
    assert has_standard_deviation(noise, sigma)
    assert looks_normal(noise, sigma)


def test_noise_sized_to_l1_of_a_histogram_is_caught():
    one_person = np.ones(4)  # L1 = 4, L2 = 2
    noise = l1_calibrated_mechanism(np.zeros(N), one_person, 1.0, 1e-6, rng=21)
    right_sigma = analytic_gaussian_sigma(l2_sensitivity(one_person), 1.0, 1e-6)
    assert not has_standard_deviation(noise, right_sigma)  # twice the noise needed


@pytest.mark.parametrize(
    ("mechanism", "private"),
    [(gaussian_mechanism, True), (unit_sensitivity_mechanism, False)],
)
def test_releases_on_neighbours_meet_the_delta_only_when_calibrated(mechanism, private):
    sensitivity, epsilon, delta = 2.0, 1.0, 0.02
    with_person = mechanism(np.full(N, sensitivity), sensitivity, epsilon, delta, rng=22)
    without_person = mechanism(np.zeros(N), sensitivity, epsilon, delta, rng=23)
    estimate, margin = largest_delta_seen(with_person, without_person, epsilon)
    if private:
        assert abs(estimate - delta) < margin  # exactly the promised delta: tight
    else:
        assert estimate > delta + margin  # the promise is broken


def test_mechanism_shapes_and_seeds():
    assert isinstance(gaussian_mechanism(3, 1, 1.0, 1e-6, rng=0), float)
    out = gaussian_mechanism(np.zeros((2, 3)), 1, 1.0, 1e-6, rng=0)
    assert out.shape == (2, 3) and len(np.unique(out)) == 6
    assert gaussian_mechanism(5.0, 1, 1.0, 1e-6, rng=4) == gaussian_mechanism(
        5.0, 1, 1.0, 1e-6, rng=4
    )
    rng = np.random.default_rng(4)
    assert len({gaussian_mechanism(0.0, 1, 1.0, 1e-6, rng=rng) for _ in range(5)}) == 5


# --------------------------------------------------------------------------
# Bad input: every parameter, every class of mistake
# --------------------------------------------------------------------------

BAD_POSITIVE = [0, -1, float("nan"), float("inf"), "1", None, True, [1.0], 1j]
BAD_DELTA = [0, 1, -0.1, 1.5, float("nan"), "0.1", None, True]


@pytest.mark.parametrize("bad", BAD_POSITIVE)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda bad: classic_gaussian_sigma(bad, 0.5, 1e-5), "sensitivity"),
        (lambda bad: classic_gaussian_sigma(1, bad, 1e-5), "epsilon"),
        (lambda bad: gaussian_delta(1.0, bad, 1.0), "sensitivity"),
        (lambda bad: gaussian_delta(1.0, 1.0, bad), "sigma"),
        (lambda bad: gaussian_epsilon(1e-5, bad, 1.0), "sensitivity"),
        (lambda bad: gaussian_epsilon(1e-5, 1.0, bad), "sigma"),
        (lambda bad: analytic_gaussian_sigma(bad, 1.0, 1e-5), "sensitivity"),
        (lambda bad: analytic_gaussian_sigma(1, bad, 1e-5), "epsilon"),
        (lambda bad: gaussian_mechanism(0.0, bad, 1.0, 1e-5), "sensitivity"),
        (lambda bad: gaussian_mechanism(0.0, 1, bad, 1e-5), "epsilon"),
    ],
)
def test_positive_parameters_reject_bad_values(call, name, bad):
    with pytest.raises(InvalidParameterError, match=rf"^{name} must be .*; got "):
        call(bad)


@pytest.mark.parametrize("bad", BAD_DELTA)
@pytest.mark.parametrize(
    "call",
    [
        lambda bad: classic_gaussian_sigma(1, 0.5, bad),
        lambda bad: gaussian_epsilon(bad, 1.0, 1.0),
        lambda bad: analytic_gaussian_sigma(1, 1.0, bad),
        lambda bad: gaussian_mechanism(0.0, 1, 1.0, bad),
    ],
)
def test_delta_must_be_strictly_between_0_and_1(call, bad):
    with pytest.raises(InvalidParameterError, match=r"^delta must be .*; got "):
        call(bad)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: classic_gaussian_sigma(1, 1.0, 1e-5), "epsilon must be below 1 .*analytic"),
        (lambda: classic_gaussian_sigma(1, 2.5, 1e-5), "epsilon must be below 1"),
        (lambda: gaussian_delta(-0.1, 1, 1), "epsilon must be a number >= 0"),
        (lambda: gaussian_delta([0.5, -1.0], 1, 1), r"epsilon must be .*shape \(2,\)"),
        (lambda: gaussian_delta("1", 1, 1), "epsilon must be a number or an array"),
        (lambda: gaussian_delta(float("inf"), 1, 1), "epsilon must be finite"),
        (lambda: gaussian_epsilon([1e-6, 0.0], 1, 1), "delta must be .* strictly between"),
        (lambda: analytic_gaussian_sigma(1, 1.0, [1e-6]), "delta must be a real number"),
        (lambda: gaussian_mechanism("118", 1, 1.0, 1e-6), "value must be a number or an array"),
        (lambda: gaussian_mechanism([1.0, np.nan], 1, 1.0, 1e-6), "value must be finite"),
        (lambda: gaussian_mechanism(1.0, 1, 1.0, 1e-6, rng="seed"), "rng must be None, a seed"),
        (lambda: l1_sensitivity("one"), "largest_change must be a number or an array"),
        (lambda: l2_sensitivity([1.0, np.inf]), "largest_change must be finite"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


def test_public_names_are_listed():
    assert set(gaussian.__all__) == {
        "analytic_gaussian_sigma",
        "classic_gaussian_sigma",
        "gaussian_delta",
        "gaussian_epsilon",
        "gaussian_mechanism",
        "l1_sensitivity",
        "l2_sensitivity",
    }
