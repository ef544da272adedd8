"""Tests of privlab.dp: statistical checks of each mechanism, and of every bad argument.

Statistical tests use fixed seeds and tolerances of many standard errors (or
Kolmogorov-Smirnov critical values at a false-alarm rate of about 1e-6), so
they do not flake; each comes with a broken variant that the same test must
reject, so the tests can fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from privlab import InvalidParameterError, dp

N = 200_000
KS_CRITICAL = 2.76  # sqrt(-ln(1e-6 / 2) / 2): KS critical value times sqrt(n) at alpha 1e-6


# --------------------------------------------------------------------------
# Helpers: statistical tests that a broken mechanism must fail
# --------------------------------------------------------------------------


def laplace_cdf(x: np.ndarray, loc: float, scale: float) -> np.ndarray:
    z = (x - loc) / scale
    return np.where(z < 0, 0.5 * np.exp(z), 1 - 0.5 * np.exp(-z))


def looks_laplace(samples: np.ndarray, loc: float, scale: float) -> bool:
    """Kolmogorov-Smirnov test against Laplace(loc, scale) at alpha about 1e-6."""
    x = np.sort(samples)
    n = x.size
    cdf = laplace_cdf(x, loc, scale)
    statistic = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    return statistic * math.sqrt(n) < KS_CRITICAL


def max_log_ratio(sample_a: np.ndarray, sample_b: np.ndarray, min_count: int = 2000) -> tuple:
    """Largest |log(P_a(k) / P_b(k))| over outputs k seen often enough, and its margin.

    The margin is five standard errors of the log of a ratio of two counts,
    sqrt(1/c_a + 1/c_b), at the least populated output used.
    """
    values = np.union1d(sample_a, sample_b)
    counts_a = np.array([(sample_a == v).sum() for v in values])
    counts_b = np.array([(sample_b == v).sum() for v in values])
    used = (counts_a >= min_count) & (counts_b >= min_count)
    log_ratio = np.abs(np.log(counts_a[used] / counts_b[used]))
    margin = 5 * math.sqrt(1 / counts_a[used].min() + 1 / counts_b[used].min())
    return float(log_ratio.max()), margin


def half_noise_laplace(value, sensitivity, epsilon, *, rng):
    """A broken mechanism: half the noise the privacy guarantee needs."""
    return dp.laplace_mechanism(value, sensitivity, 2 * epsilon, rng=rng)


# --------------------------------------------------------------------------
# Laplace mechanism
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("sensitivity", "epsilon"), [(1, 0.5), (50, 2.0), (1, 10.0)])
def test_laplace_mechanism_has_scale_sensitivity_over_epsilon(sensitivity, epsilon):
    samples = dp.laplace_mechanism(np.full(N, 118.0), sensitivity, epsilon, rng=1)
    scale = sensitivity / epsilon
    assert abs(samples.mean() - 118) < 5 * math.sqrt(2) * scale / math.sqrt(N)
    assert np.mean(np.abs(samples - 118)) == pytest.approx(scale, rel=0.02)
    assert looks_laplace(samples, 118, scale)


def test_half_noise_mechanism_is_caught():
    samples = half_noise_laplace(np.full(N, 118.0), 1, 0.5, rng=1)
    assert not looks_laplace(samples, 118, 2.0)


def test_gaussian_noise_of_same_spread_is_caught():
    rng = np.random.default_rng(2)
    samples = 118 + rng.normal(0, math.sqrt(2) * 2.0, N)  # same variance as Laplace(2)
    assert not looks_laplace(samples, 118, 2.0)


def test_laplace_mechanism_scalar_and_array_shapes():
    assert isinstance(dp.laplace_mechanism(3, 1, 1.0, rng=0), float)
    out = dp.laplace_mechanism(np.zeros((2, 3)), 1, 1.0, rng=0)
    assert out.shape == (2, 3)
    assert len(np.unique(out)) == 6  # independent noise per entry


def test_laplace_pdf_integrates_to_one_and_matches_samples():
    x = np.linspace(-60, 60, 200_001)
    assert np.trapezoid(dp.laplace_pdf(x, 0.0, 2.0), x) == pytest.approx(1, abs=1e-6)
    assert dp.laplace_pdf(0.0, 0.0, 2.0) == pytest.approx(0.25)


# --------------------------------------------------------------------------
# Discrete Laplace and noisy counts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("epsilon", [0.1, 0.5, 1.0, 3.0])
def test_discrete_laplace_noise_matches_its_pmf(epsilon):
    noise = dp.discrete_laplace_noise(epsilon, size=N, rng=3)
    k = np.arange(-40, 41)
    expected = dp.discrete_laplace_pmf(k, 0, epsilon)
    observed = np.array([(noise == v).mean() for v in k])
    # each frequency within 6 binomial standard errors of its probability
    tolerance = 6 * np.sqrt(expected * (1 - expected) / N) + 1e-6
    assert np.all(np.abs(observed - expected) <= tolerance)


def test_discrete_laplace_pmf_sums_to_one():
    k = np.arange(-2000, 2001)
    for epsilon in (0.05, 1.0, 5.0):
        assert dp.discrete_laplace_pmf(k, 0, epsilon).sum() == pytest.approx(1, abs=1e-9)


@pytest.mark.parametrize("epsilon", [0.5, 1.0])
def test_noisy_count_ratio_on_neighbours_is_bounded_by_e_epsilon(epsilon):
    with_alice = dp.noisy_count(np.full(4 * N, 118), epsilon, rng=4)
    without_alice = dp.noisy_count(np.full(4 * N, 117), epsilon, rng=5)
    worst, margin = max_log_ratio(with_alice, without_alice)
    assert worst <= epsilon + margin  # the privacy guarantee
    assert worst >= epsilon - margin  # and it is tight: not more noise than needed


def test_count_with_half_the_noise_breaks_the_bound():
    epsilon = 0.5
    with_alice = 118 + dp.discrete_laplace_noise(2 * epsilon, size=4 * N, rng=4)
    without_alice = 117 + dp.discrete_laplace_noise(2 * epsilon, size=4 * N, rng=5)
    worst, margin = max_log_ratio(with_alice, without_alice)
    assert worst > epsilon + margin


def test_exact_pmf_ratio_reaches_but_never_exceeds_e_epsilon():
    k = np.arange(0, 240)
    ratio = dp.discrete_laplace_pmf(k, 118, 0.7) / dp.discrete_laplace_pmf(k, 117, 0.7)
    assert ratio.max() == pytest.approx(math.exp(0.7))
    assert ratio.min() == pytest.approx(math.exp(-0.7))


def test_noisy_count_is_whole_and_centred():
    counts = dp.noisy_count(np.full(N, 118), 0.5, rng=6)
    assert counts.dtype == np.int64
    assert abs(counts.mean() - 118) < 5 * counts.std() / math.sqrt(N)
    assert isinstance(dp.noisy_count(118, 0.5, rng=6), int)


@pytest.mark.parametrize("epsilon", [0.2, 1.0, 4.0])
def test_expected_absolute_error_matches_samples(epsilon):
    noise = dp.discrete_laplace_noise(epsilon, size=N, rng=7)
    assert np.mean(np.abs(noise)) == pytest.approx(
        dp.expected_absolute_error(epsilon, discrete=True), rel=0.03
    )
    assert dp.expected_absolute_error(epsilon) == pytest.approx(1 / epsilon)


def test_noise_is_absolute_not_relative():
    small = dp.noisy_count(np.full(N, 20), 1.0, rng=8) - 20
    large = dp.noisy_count(np.full(N, 20_000), 1.0, rng=8) - 20_000
    assert np.array_equal(small, large)


# --------------------------------------------------------------------------
# Randomized response
# --------------------------------------------------------------------------


def test_keep_probability():
    assert dp.keep_probability(math.log(3)) == pytest.approx(0.75)
    assert dp.keep_probability(1e-9) == pytest.approx(0.5)


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 3.0])
def test_randomized_response_flips_with_the_right_probability(epsilon):
    truth = np.arange(N) % 2 == 0
    reports = dp.randomized_response(truth, epsilon, rng=9)
    flip_rate = np.mean(reports != truth)
    expected = 1 - dp.keep_probability(epsilon)
    assert abs(flip_rate - expected) < 6 * math.sqrt(expected * (1 - expected) / N)
    # each report's likelihood ratio between a true yes and a true no is e^epsilon
    p_yes_given_yes = reports[truth].mean()
    p_yes_given_no = reports[~truth].mean()
    assert math.log(p_yes_given_yes / p_yes_given_no) == pytest.approx(epsilon, abs=0.05)


@pytest.mark.parametrize(("share", "epsilon", "n"), [(0.3, 1.0, 1000), (0.05, 0.5, 5000)])
def test_estimator_is_unbiased_with_the_stated_standard_error(share, epsilon, n):
    estimates, raw = dp.simulate_randomized_response(n, share, epsilon, surveys=20_000, rng=10)
    se = dp.randomized_response_std_error(share, n, epsilon)
    assert abs(estimates.mean() - share) < 6 * se / math.sqrt(20_000)
    assert estimates.std() == pytest.approx(se, rel=0.04)
    # the raw share (a broken estimator) is biased towards 1/2 by far more than that
    assert abs(raw.mean() - share) > 50 * se / math.sqrt(20_000)


def test_simulation_agrees_with_person_by_person_survey():
    rng = np.random.default_rng(11)
    direct = [
        dp.estimate_proportion(dp.randomized_response(rng.random(500) < 0.4, 1.0, rng=rng), 1.0)
        for _ in range(3000)
    ]
    fast, _ = dp.simulate_randomized_response(500, 0.4, 1.0, surveys=3000, rng=12)
    assert np.mean(direct) == pytest.approx(np.mean(fast), abs=0.01)
    assert np.std(direct) == pytest.approx(np.std(fast), rel=0.08)


def test_estimate_proportion_inverts_the_expected_report_share():
    epsilon = 1.0
    p = dp.keep_probability(epsilon)
    reports = np.zeros(10_000, dtype=bool)
    reports[: round(10_000 * (p * 0.2 + (1 - p) * 0.8))] = True
    assert dp.estimate_proportion(reports, epsilon) == pytest.approx(0.2, abs=1e-3)


# --------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------


def test_seeds_reproduce_and_generators_advance():
    assert dp.noisy_count(118, 0.5, rng=42) == dp.noisy_count(118, 0.5, rng=42)
    rng = np.random.default_rng(42)
    draws = {dp.laplace_mechanism(0.0, 1, 1.0, rng=rng) for _ in range(5)}
    assert len(draws) == 5


# --------------------------------------------------------------------------
# Bad input: every parameter, every class of mistake
# --------------------------------------------------------------------------

BAD_POSITIVE = [0, -1, -0.5, float("nan"), float("inf"), "1", None, True, [1.0], 1j]


@pytest.mark.parametrize("bad", BAD_POSITIVE)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda bad: dp.laplace_mechanism(1.0, 1, bad), "epsilon"),
        (lambda bad: dp.laplace_mechanism(1.0, bad, 1.0), "sensitivity"),
        (lambda bad: dp.laplace_scale(1, bad), "epsilon"),
        (lambda bad: dp.laplace_pdf(0.0, 0.0, bad), "scale"),
        (lambda bad: dp.noisy_count(10, bad), "epsilon"),
        (lambda bad: dp.discrete_laplace_noise(bad), "epsilon"),
        (lambda bad: dp.discrete_laplace_pmf(1, 0, bad), "epsilon"),
        (lambda bad: dp.expected_absolute_error(bad), "epsilon"),
        (lambda bad: dp.keep_probability(bad), "epsilon"),
        (lambda bad: dp.randomized_response([True], bad), "epsilon"),
        (lambda bad: dp.estimate_proportion([True], bad), "epsilon"),
        (lambda bad: dp.simulate_randomized_response(10, 0.5, bad), "epsilon"),
    ],
)
def test_positive_parameters_reject_bad_values(call, name, bad):
    with pytest.raises(InvalidParameterError, match=rf"^{name} must be .*; got "):
        call(bad)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dp.laplace_mechanism("118", 1, 1.0), "value must be a number or an array"),
        (lambda: dp.laplace_mechanism([1.0, float("nan")], 1, 1.0), "value must be finite"),
        (lambda: dp.laplace_mechanism([[1.0], [2.0, 3.0]], 1, 1.0), "value must be"),
        (lambda: dp.laplace_mechanism(True, 1, 1.0), "value must be a number"),
        (lambda: dp.noisy_count(-1, 1.0), "true_count must be counts >= 0"),
        (lambda: dp.noisy_count(1.5, 1.0), "true_count must be a count"),
        (lambda: dp.noisy_count("7", 1.0), "true_count must be a count"),
        (lambda: dp.discrete_laplace_noise(1.0, sensitivity=0), "sensitivity must be a whole"),
        (lambda: dp.discrete_laplace_noise(1.0, sensitivity=1.5), "sensitivity must be a whole"),
        (lambda: dp.discrete_laplace_pmf(1.5, 0, 1.0), "k must be a whole number"),
        (lambda: dp.discrete_laplace_pmf(1, 0.5, 1.0), "loc must be a whole number"),
        (lambda: dp.expected_absolute_error(1.0, sensitivity=0.5, discrete=True), "sensitivity"),
        (lambda: dp.randomized_response([], 1.0), "answers must be a non-empty 1-d array"),
        (lambda: dp.randomized_response([[True]], 1.0), "answers must be a non-empty 1-d array"),
        (lambda: dp.randomized_response([0, 2], 1.0), "answers must be a 1-d array of True"),
        (lambda: dp.randomized_response(["yes"], 1.0), "answers must be a 1-d array of True"),
        (lambda: dp.estimate_proportion([], 1.0), "responses must be a non-empty"),
        (lambda: dp.randomized_response_std_error(1.5, 10, 1.0), "true_proportion must be"),
        (lambda: dp.randomized_response_std_error(0.5, 0, 1.0), "n must be a whole number >= 1"),
        (lambda: dp.simulate_randomized_response(0, 0.5, 1.0), "respondents must be"),
        (lambda: dp.simulate_randomized_response(10, -0.1, 1.0), "true_proportion must be"),
        (lambda: dp.simulate_randomized_response(10, 0.5, 1.0, surveys=0), "surveys must be"),
        (lambda: dp.noisy_count(10, 1.0, rng="seed"), "rng must be None, a seed"),
        (lambda: dp.noisy_count(10, 1.0, rng=-3), "rng must be None, a seed"),
        (lambda: dp.noisy_count(10, 1.0, rng=1.5), "rng must be None, a seed"),
        (lambda: dp.noisy_count(10, 1.0, rng=np.random.RandomState(0)), "rng must be None"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


def test_invalid_parameter_error_is_a_value_error():
    with pytest.raises(ValueError):
        dp.noisy_count(10, epsilon=0)
    with pytest.raises(TypeError):
        dp.noisy_count(10, epsilon="big")
