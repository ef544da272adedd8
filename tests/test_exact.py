"""Tests of privlab.dp.exact: exact samplers against their pmfs, and the float leak.

Statistical tests use fixed seeds and a false-alarm rate of about 1e-6 (a
chi-square test at alpha = 1e-6, or tolerances of 5.5 binomial standard
errors), so they do not flake; each comes with a broken variant that the same
test must reject, so the tests can fail.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest

from privlab import InvalidParameterError
from privlab.dp import exact
from privlab.dp.mechanisms import discrete_laplace_pmf

ALPHA = 1e-6  # false-alarm rate of each statistical test
BINOMIAL_TOLERANCE = 5.5  # standard errors: two-sided normal tail of about 4e-8
N_LAPLACE = 200_000
N_GAUSSIAN = 100_000


# --------------------------------------------------------------------------
# Helpers: a chi-square test that broken samplers must fail
# --------------------------------------------------------------------------


def chi_square_critical(df: int, alpha: float = ALPHA) -> float:
    """Upper ``alpha`` quantile of chi-square with ``df`` degrees of freedom (Wilson-Hilferty).

    :math:`(X / df)^{1/3}` is close to normal with mean :math:`1 - 2/(9 df)` and
    variance :math:`2/(9 df)` (Wilson and Hilferty, 1931). At alpha = 1e-6 the
    approximation errs on the safe side: the true false-alarm rate is between
    3e-7 and 1e-6 for every df >= 2 (checked below). No scipy needed.
    """
    z = NormalDist().inv_cdf(1 - alpha)
    h = 2 / (9 * df)
    return df * (1 - h + z * math.sqrt(h)) ** 3


def chi_square_tail_even_df(x: float, df: int) -> float:
    """Exact Pr[X > x] for even df: :math:`e^{-x/2} \\sum_{i < df/2} (x/2)^i / i!`."""
    return math.exp(-x / 2) * sum((x / 2) ** i / math.factorial(i) for i in range(df // 2))


def chi_square_fits(samples: np.ndarray, pmf, reach: int = 2000) -> bool:
    """Pearson chi-square test of integer samples against ``pmf`` at ``ALPHA``.

    One bin per integer whose expected count is at least 5; everything beyond
    is pooled into the two outermost bins, so every bin expects at least 5.
    ``pmf`` is a function of an int array; its mass beyond ``reach`` must be negligible.
    """
    n = samples.size
    k = np.arange(-reach, reach + 1)
    probabilities = pmf(k)
    central = k[n * probabilities >= 5]
    low, high = int(central.min()), int(central.max())
    expected = n * probabilities[(k >= low) & (k <= high)]
    expected[0] = n * probabilities[k <= low].sum()
    expected[-1] = n * probabilities[k >= high].sum()
    observed = np.bincount(np.clip(samples, low, high) - low, minlength=high - low + 1)
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic < chi_square_critical(expected.size - 1)


def within_binomial_tolerance(successes: int, n: int, p: float) -> bool:
    return abs(successes / n - p) <= BINOMIAL_TOLERANCE * math.sqrt(p * (1 - p) / n)


def laplace_pmf_of_scale(scale):
    return lambda k: discrete_laplace_pmf(k, 0, 1 / float(Fraction(scale)))


def draws(draw_one, n: int) -> np.ndarray:
    return np.fromiter((draw_one() for _ in range(n)), dtype=np.int64, count=n)


@pytest.mark.parametrize("df", [2, 4, 10, 30, 100])
def test_chi_square_critical_value_keeps_the_false_alarm_rate(df):
    false_alarm = chi_square_tail_even_df(chi_square_critical(df), df)
    assert 2.5e-7 < false_alarm <= ALPHA


# --------------------------------------------------------------------------
# bernoulli_exp
# --------------------------------------------------------------------------

GAMMAS = [0, Fraction(1, 3), 1, Fraction(5, 2), 7]


@pytest.mark.parametrize("gamma", GAMMAS)
def test_bernoulli_exp_lands_true_with_probability_exp_minus_gamma(gamma):
    n = 100_000
    rng = random.Random(11)
    successes = sum(exact.bernoulli_exp(gamma, rng=rng) for _ in range(n))
    assert within_binomial_tolerance(successes, n, math.exp(-gamma))


def series_trick_beyond_one(gamma, *, rng):
    """A broken coin: the series trick used for gamma > 1, where gamma/k is not a probability."""
    return exact._bernoulli_exp_at_most_one(rng, gamma.numerator, gamma.denominator)


@pytest.mark.parametrize("gamma", [Fraction(5, 2), Fraction(7)])
def test_series_trick_beyond_one_is_caught(gamma):
    n = 100_000
    rng = random.Random(11)
    successes = sum(series_trick_beyond_one(gamma, rng=rng) for _ in range(n))
    assert not within_binomial_tolerance(successes, n, math.exp(-gamma))


def test_bernoulli_exp_accepts_every_rational_form():
    assert exact.bernoulli_exp(0) is True
    for gamma in ("1/3", Fraction(1, 3), 0.25, np.int64(2)):
        assert exact.bernoulli_exp(gamma, rng=0) in (True, False)


# --------------------------------------------------------------------------
# Discrete Laplace
# --------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, "10/3", 1 / 0.3])
def test_discrete_laplace_matches_its_pmf(scale):
    samples = exact.discrete_laplace_exact(scale, size=N_LAPLACE, rng=21)
    assert samples.dtype == np.int64
    assert chi_square_fits(samples, laplace_pmf_of_scale(scale))


def test_discrete_laplace_with_the_wrong_scale_is_caught():
    samples = exact.discrete_laplace_exact(Fraction(11, 10), size=N_LAPLACE, rng=21)
    assert not chi_square_fits(samples, laplace_pmf_of_scale(1))


def laplace_counting_zero_twice(source, s, t):
    """A broken Algorithm 2: it forgets to reject "-0", so 0 is drawn too often."""
    while True:
        u = exact._uniform_below(source, t)
        if exact._bernoulli_exp(source, u, t):
            break
    v = 0
    while exact._bernoulli_exp(source, 1, 1):
        v += 1
    magnitude = (u + t * v) // s
    return -magnitude if exact._bernoulli(source, 1, 2) else magnitude


def test_discrete_laplace_counting_zero_twice_is_caught():
    source = random.Random(21)
    samples = draws(lambda: laplace_counting_zero_twice(source, 3, 10), N_LAPLACE)
    assert not chi_square_fits(samples, laplace_pmf_of_scale("10/3"))


def test_exact_noisy_count_has_noise_of_scale_one_over_epsilon():
    counts = exact.exact_noisy_count(np.full(N_LAPLACE // 4, 118), "1/2", rng=22)
    assert counts.dtype == np.int64
    assert chi_square_fits(counts - 118, lambda k: discrete_laplace_pmf(k, 0, 0.5))
    assert isinstance(exact.exact_noisy_count(118, 0.5, rng=22), int)


def test_exact_noisy_count_shapes():
    assert exact.exact_noisy_count(np.zeros((2, 3), dtype=int), 1, rng=0).shape == (2, 3)
    assert exact.discrete_laplace_exact(1, size=(4, 5), rng=0).shape == (4, 5)
    assert exact.discrete_laplace_exact(1, size=0, rng=0).shape == (0,)


# --------------------------------------------------------------------------
# Sums of whole numbers
# --------------------------------------------------------------------------

ORDERS = np.array([12, 30, 250, 49, 0, 123])  # whole euros; clipped at 100 they add up to 291


def test_exact_clipped_sum_adds_discrete_laplace_noise_for_the_bound():
    source = random.Random(23)  # one noisy sum per call; the bound 100 is the sensitivity
    sums = draws(lambda: exact.exact_clipped_sum(ORDERS, 0, 100, 2, rng=source), 40_000)
    assert chi_square_fits(sums - 291, lambda k: discrete_laplace_pmf(k, 0, 2.0, sensitivity=100))
    assert isinstance(exact.exact_clipped_sum(ORDERS, 0, 100, 2, rng=23), int)


def test_a_sum_with_noise_for_a_count_is_caught():
    # Broken: the clipped total with the noise of a count (sensitivity 1): the bound forgotten.
    source = random.Random(23)
    sums = draws(lambda: 291 + exact.discrete_laplace_exact("1/2", rng=source), 40_000)
    law = lambda k: discrete_laplace_pmf(k, 0, 2.0, sensitivity=100)  # noqa: E731
    assert not chi_square_fits(sums - 291, law)


def test_exact_clipped_sum_uses_the_larger_bound_and_python_integers():
    # Negative values: the sensitivity is max(|lower|, |upper|) = 50, the total a Python int.
    source = random.Random(24)
    losses = draws(lambda: exact.exact_clipped_sum([-80, 20, -10], -50, 20, 1, rng=source), 40_000)
    assert chi_square_fits(losses + 40, lambda k: discrete_laplace_pmf(k, 0, 1.0, sensitivity=50))
    huge = np.full(4, 2**62)  # the clipped total, 2**64, does not fit int64; the noise is 0
    assert exact.exact_clipped_sum(huge, 0, 2**62, 10**30, rng=0) == 2**64


def impossible_from_a_sum_of_one(outputs) -> np.ndarray:
    """Outputs that ``1 + noise`` can never be in floating point, whatever the noise.

    ``fl(1 + n)`` lands in (-1, 1) only for a float n in (-2, 0); there ``1 + n``
    is a multiple of 2**-53, exactly or after rounding to the float grid of
    [0.5, 1). So an output in (-1, 1) that is not such a multiple proves the
    true sum was not 1: Mironov's (2012) observation, the reason of ``float_leak``.
    """
    outputs = np.asarray(outputs, dtype=float)
    scaled = outputs * 2.0**53  # exact: a power of two
    return (np.abs(outputs) < 1) & (scaled != np.floor(scaled))


def test_the_float_clipped_sum_leaks_and_the_exact_one_cannot():
    from privlab.dp import sums

    nobody = np.zeros(30, dtype=int)  # 30 people who bought nothing: the clipped total is 0
    neighbour = np.append(nobody, 1)  # one more, with the most a person counts for: 1
    assert sums.clip(neighbour, 0, 1).sum() == 1
    generator = np.random.default_rng(25)
    floats = np.array([sums.clipped_sum(nobody, 0, 1, 1.0, rng=generator) for _ in range(4000)])
    integers = draws(lambda: exact.exact_clipped_sum(nobody, 0, 1, 1, rng=generator), 4000)
    # The float release gives the true total away often (from 1, no such output is possible) ...
    assert np.mean(impossible_from_a_sum_of_one(floats)) > 0.2  # measured: about 0.27
    # ... the exact release never: every whole number is possible from both totals, within e^1.
    assert not np.any(impossible_from_a_sum_of_one(integers))
    ratio = discrete_laplace_pmf(integers, 0, 1.0) / discrete_laplace_pmf(integers, 1, 1.0)
    assert np.all((ratio > 0) & (ratio <= math.e * (1 + 1e-12)))


def test_the_leak_detector_never_flags_a_release_from_one():
    # The detector of the test above is sound: on releases whose true sum is 1, it flags nothing.
    from privlab.dp import sums

    generator = np.random.default_rng(26)
    ones = np.array([sums.clipped_sum([1], 0, 1, eps, rng=generator) for eps in (0.5, 1, 3) * 4000])
    assert np.mean(np.abs(ones) < 1) > 0.2  # plenty of outputs in the range it judges
    assert not np.any(impossible_from_a_sum_of_one(ones))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: exact.exact_clipped_sum([1.5, 2.0], 0, 10, 1), "values must be a 1-d array of"),
        (lambda: exact.exact_clipped_sum([[1, 2]], 0, 10, 1), "values must be a 1-d array"),
        (lambda: exact.exact_clipped_sum([1, 2], 0.5, 10, 1), "lower must be a whole number"),
        (lambda: exact.exact_clipped_sum([1, 2], 0, 10.0, 1), "upper must be a whole number"),
        (lambda: exact.exact_clipped_sum([1, 2], 10, 10, 1), "upper must be greater than lower"),
        (lambda: exact.exact_clipped_sum([1, 2], 0, 10, 0), "epsilon must be a finite rational"),
        (lambda: exact.exact_clipped_sum([1, 2], 0, 10, 1, rng="x"), "rng must be None"),
    ],
)
def test_exact_clipped_sum_names_bad_arguments(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "got" in str(raised.value)


# --------------------------------------------------------------------------
# Discrete Gaussian
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sigma_squared", [4, "1/2", 25])
def test_discrete_gaussian_matches_its_pmf(sigma_squared):
    samples = exact.discrete_gaussian_exact(sigma_squared, size=N_GAUSSIAN, rng=31)
    assert samples.dtype == np.int64
    assert chi_square_fits(samples, lambda k: exact.discrete_gaussian_pmf(k, sigma_squared))


def gaussian_without_rejection(source, sigma_squared):
    """A broken Algorithm 3: it returns the discrete Laplace proposal without the rejection step."""
    t = math.isqrt(sigma_squared.numerator // sigma_squared.denominator) + 1
    return exact._discrete_laplace(source, 1, t)


def test_discrete_gaussian_without_rejection_is_caught():
    source = random.Random(31)
    samples = draws(lambda: gaussian_without_rejection(source, Fraction(4)), N_GAUSSIAN)
    assert not chi_square_fits(samples, lambda k: exact.discrete_gaussian_pmf(k, 4))


def test_discrete_gaussian_with_ten_percent_more_variance_is_caught():
    samples = exact.discrete_gaussian_exact("22/5", size=N_GAUSSIAN, rng=31)
    assert not chi_square_fits(samples, lambda k: exact.discrete_gaussian_pmf(k, 4))


def test_exact_gaussian_count_adds_discrete_gaussian_noise():
    counts = exact.exact_gaussian_count(np.full(N_GAUSSIAN // 4, 50), 9, rng=32)
    assert chi_square_fits(counts - 50, lambda k: exact.discrete_gaussian_pmf(k, 9))
    assert isinstance(exact.exact_gaussian_count(50, 9, rng=32), int)


@pytest.mark.parametrize("sigma_squared", ["1/100", "1/2", 4, 1000, 10**6])
def test_discrete_gaussian_pmf_sums_to_one(sigma_squared):
    reach = 20 * math.isqrt(int(Fraction(sigma_squared)) + 1) + 5
    k = np.arange(-reach, reach + 1)
    assert exact.discrete_gaussian_pmf(k, sigma_squared).sum() == pytest.approx(1, abs=1e-12)


def test_discrete_gaussian_pmf_has_variance_close_to_sigma_squared():
    k = np.arange(-200, 201)
    variance = float((k**2 * exact.discrete_gaussian_pmf(k, 16)).sum())
    assert variance == pytest.approx(16, rel=1e-9)  # off by less than 1e-9 once sigma >= 1


def test_gaussian_normaliser_shortcut_agrees_with_the_sum():
    variance = 1001.0**2  # sigma > 1000: the shortcut sqrt(2 pi) sigma is used
    j = np.arange(-12_000, 12_001, dtype=float)
    summed = float(np.exp(-(j**2) / (2 * variance)).sum())
    assert exact._gaussian_normaliser(variance) == pytest.approx(summed, rel=1e-12)


# --------------------------------------------------------------------------
# Rational parameters
# --------------------------------------------------------------------------


def test_floats_are_converted_exactly_and_strings_as_decimals():
    assert exact._rational("epsilon", 0.1) == Fraction(3602879701896397, 2**55)
    assert exact._rational("epsilon", "0.1") == Fraction(1, 10)
    assert exact._rational("epsilon", "3/2") == Fraction(3, 2)
    assert exact._rational("gamma", 0, allow_zero=True) == 0


# --------------------------------------------------------------------------
# Randomness: seeds, numpy generators and the uniform integers underneath
# --------------------------------------------------------------------------


def test_seeds_reproduce_and_sources_advance():
    assert np.array_equal(
        exact.discrete_laplace_exact(3, size=50, rng=5),
        exact.discrete_laplace_exact(3, size=50, rng=5),
    )
    assert exact.exact_gaussian_count(10, 4, rng=5) == exact.exact_gaussian_count(10, 4, rng=5)
    source = random.Random(5)
    assert len({exact.discrete_laplace_exact(100, rng=source) for _ in range(10)}) > 1
    generator = np.random.default_rng(5)
    assert len({exact.discrete_laplace_exact(100, rng=generator) for _ in range(10)}) > 1


def test_numpy_generator_gives_the_same_distribution_and_reproduces():
    samples = exact.discrete_gaussian_exact(4, size=20_000, rng=np.random.default_rng(41))
    assert chi_square_fits(samples, lambda k: exact.discrete_gaussian_pmf(k, 4))
    again = exact.discrete_gaussian_exact(4, size=20_000, rng=np.random.default_rng(41))
    assert np.array_equal(samples, again)


def test_cryptographic_source_is_the_default():
    samples = exact.discrete_laplace_exact(100, size=20)
    assert len(set(samples.tolist())) > 1
    assert isinstance(exact._randomness(None), random.SystemRandom)
    system = random.SystemRandom()
    assert exact._randomness(system) is system


BIG_N = 3 * 2**122  # above 2**62: built from two numpy draws of 62 bits


def naive_uniform_below_big(generator, n):
    """A broken big-number draw: two 62-bit draws glued, then reduced modulo n (biased)."""
    high, low = (int(x) for x in generator.integers(0, 2**62, size=2))
    return ((high << 62) | low) % n


def looks_uniform_below_big_n(values: list[int]) -> bool:
    """Thirds of the range (top bits) and residues mod 5 (low bits) all within tolerance."""
    n = len(values)
    thirds = np.bincount([v // 2**122 for v in values], minlength=3)
    residues = np.bincount([v % 5 for v in values], minlength=5)
    return (
        all(v < BIG_N for v in values)
        and all(within_binomial_tolerance(int(c), n, 1 / 3) for c in thirds)
        and all(within_binomial_tolerance(int(c), n, 1 / 5) for c in residues)
    )


def test_uniform_below_a_big_n_with_numpy_is_unbiased():
    generator = np.random.default_rng(51)
    values = [exact._uniform_below(generator, BIG_N) for _ in range(30_000)]
    assert looks_uniform_below_big_n(values)


def test_modulo_reduction_of_a_big_number_is_caught():
    generator = np.random.default_rng(51)
    values = [naive_uniform_below_big(generator, BIG_N) for _ in range(30_000)]
    assert not looks_uniform_below_big_n(values)


def test_uniform_below_small_n_with_numpy_and_random_is_unbiased():
    for source in (np.random.default_rng(52), random.Random(52)):
        counts = np.bincount([exact._uniform_below(source, 6) for _ in range(30_000)], minlength=6)
        assert all(within_binomial_tolerance(int(c), 30_000, 1 / 6) for c in counts)


# --------------------------------------------------------------------------
# Why floats leak: the textbook sampler and its impossible outputs
# --------------------------------------------------------------------------


def test_textbook_output_is_monotone_in_the_grid_index():
    """The binary search in could_come_from needs this; checked on runs of consecutive indices."""
    rng = np.random.default_rng(61)
    starts = [1, 2**51 - 5000, 2**52 - 5000, 2**53 - 19_999, *rng.integers(1, 2**53 - 20_000, 40)]
    for value, scale in [(0.0, 1.0), (1.0, 1.0), (118.0, 2.0), (-3.0, 0.1)]:
        for start in starts:
            index = np.arange(start, start + 20_000, dtype=np.int64)
            falling = exact._textbook_output(value, scale, np.ones(index.size), index)
            rising = exact._textbook_output(value, scale, -np.ones(index.size), index)
            assert np.all(np.diff(falling) <= 0)
            assert np.all(np.diff(rising) >= 0)


@pytest.mark.parametrize(("value", "scale"), [(0.0, 1.0), (1.0, 1.0), (118.0, 2.0), (-3.5, 0.1)])
def test_every_textbook_output_is_recognised_as_possible(value, scale):
    outputs = exact.textbook_laplace(value, scale, size=50_000, rng=62)
    assert np.all(exact.could_come_from(outputs, value, scale))
    singles = [exact.textbook_laplace(value, scale, rng=seed) for seed in range(50)]
    assert np.all(exact.could_come_from(singles, value, scale))


def test_could_come_from_agrees_with_brute_force_near_zero():
    """Indices 2**53 - 5000 .. 2**53 give every positive output below a small bound."""
    index = np.arange(2**53 - 5000, 2**53 + 1, dtype=np.int64)
    reachable = exact._textbook_output(0.0, 1.0, np.ones(index.size), index)
    bound = reachable.max()
    candidates = np.concatenate(
        [reachable, np.nextafter(reachable, np.inf), np.nextafter(reachable, -np.inf)]
    )
    candidates = candidates[(candidates > 0) & (candidates <= bound)]
    assert np.array_equal(
        exact.could_come_from(candidates, 0.0, 1.0), np.isin(candidates, reachable)
    )
    assert not np.all(np.isin(candidates, reachable))  # some candidates are impossible


def possible_by_window_search(output: float, value: float, scale: float) -> bool:
    """An independent check: try every index within 2000 of the real-number solution."""
    for sign in (1.0, -1.0):
        distance = max(sign * (output - value), 0.0)
        centre = round(2**53 * math.exp(-distance / scale))
        index = np.arange(max(centre - 2000, 1), min(centre + 2000, 2**53) + 1, dtype=np.int64)
        if np.any(exact._textbook_output(value, scale, np.full(index.size, sign), index) == output):
            return True
    return False


@pytest.mark.parametrize(("value_a", "value_b"), [(0.0, 1.0), (100.0, 101.0)])
def test_could_come_from_agrees_with_a_window_search(value_a, value_b):
    outputs = exact.textbook_laplace(value_a, 1.0, size=60, rng=63)
    decided = exact.could_come_from(outputs, value_b, 1.0)
    checked = [possible_by_window_search(float(y), value_b, 1.0) for y in outputs]
    assert decided.tolist() == checked


def test_impossible_outputs_are_rejected():
    possible = exact.could_come_from([1e-300, 40.0, -40.0, 0.0, 5e-17], 0.0, 1.0)
    # 1e-300 and 5e-17 lie between 0 and the smallest positive noise, about 1.1e-16;
    # +-40 is beyond the largest noise, ln(2**53) = 36.7; 0 is drawn when u = 1.
    assert possible.tolist() == [False, False, False, True, False]


def test_float_leak_reveals_neighbouring_counts():
    leak = exact.float_leak(0.0, 1.0, scale=1.0, samples=2000, rng=64)
    assert leak > 0.5  # most outputs from a count of 0 are impossible from a count of 1
    assert exact.float_leak(1.0, 0.0, scale=1.0, samples=2000, rng=64) > 0.5


def test_float_leak_has_no_false_alarms():
    assert exact.float_leak(0.0, 0.0, scale=1.0, samples=2000, rng=65) == 0.0
    assert exact.float_leak(118.0, 118.0, scale=0.1, samples=2000, rng=65) == 0.0


def test_textbook_laplace_has_the_right_scale():
    noise = exact.textbook_laplace(0.0, 2.0, size=N_LAPLACE, rng=66)
    assert np.mean(np.abs(noise)) == pytest.approx(2.0, rel=0.02)
    assert abs(np.mean(noise > 0) - 0.5) < BINOMIAL_TOLERANCE * 0.5 / math.sqrt(N_LAPLACE)
    assert isinstance(exact.textbook_laplace(0.0, 2.0, rng=66), float)


def test_exact_noise_makes_every_integer_possible_from_both_neighbours():
    k = np.arange(-500, 502)
    assert np.all(discrete_laplace_pmf(k, 0, 1.0) > 0)
    assert np.all(discrete_laplace_pmf(k, 1, 1.0) > 0)
    from_zero = exact.exact_noisy_count(np.zeros(40_000, dtype=int), 1, rng=67)
    from_one = exact.exact_noisy_count(np.ones(40_000, dtype=int), 1, rng=68)
    window = set(range(-6, 8))
    assert set(from_zero.tolist()) & window == window
    assert set(from_one.tolist()) & window == window


# --------------------------------------------------------------------------
# Bad input: every public function, every parameter
# --------------------------------------------------------------------------

BAD_RATIONAL = [
    0,
    -1,
    -0.5,
    "-3/2",
    "1/0",
    "abc",
    float("nan"),
    float("inf"),
    None,
    True,
    [1.0],
    1j,
]
BAD_SIZE = [-1, 1.5, (2, -1), "3", True, [2]]
BAD_RNG = ["seed", -3, 1.5, True, np.random.RandomState(0)]


def rational_calls():
    return [
        (lambda bad: exact.discrete_laplace_exact(bad), "scale"),
        (lambda bad: exact.discrete_gaussian_exact(bad), "sigma_squared"),
        (lambda bad: exact.exact_noisy_count(10, bad), "epsilon"),
        (lambda bad: exact.exact_gaussian_count(10, bad), "sigma_squared"),
        (lambda bad: exact.discrete_gaussian_pmf(1, bad), "sigma_squared"),
    ]


@pytest.mark.parametrize("bad", BAD_RATIONAL)
@pytest.mark.parametrize(("call", "name"), rational_calls())
def test_rational_parameters_reject_bad_values(call, name, bad):
    with pytest.raises(InvalidParameterError, match=rf"^{name} must be a finite rational .*; got "):
        call(bad)


@pytest.mark.parametrize("bad", [b for b in BAD_RATIONAL if b != 0])
def test_gamma_rejects_bad_values_but_allows_zero(bad):
    with pytest.raises(InvalidParameterError, match=r"^gamma must be .* >= 0 .*; got "):
        exact.bernoulli_exp(bad)


@pytest.mark.parametrize("bad", BAD_SIZE)
@pytest.mark.parametrize(
    "call",
    [
        lambda bad: exact.discrete_laplace_exact(1, size=bad),
        lambda bad: exact.discrete_gaussian_exact(1, size=bad),
        lambda bad: exact.textbook_laplace(0.0, 1.0, size=bad),
    ],
)
def test_size_rejects_bad_values(call, bad):
    with pytest.raises(InvalidParameterError, match=r"^size must be None, a whole number"):
        call(bad)


@pytest.mark.parametrize("bad", BAD_RNG)
@pytest.mark.parametrize(
    "call",
    [
        lambda bad: exact.bernoulli_exp(1, rng=bad),
        lambda bad: exact.discrete_laplace_exact(1, rng=bad),
        lambda bad: exact.discrete_gaussian_exact(1, rng=bad),
        lambda bad: exact.exact_noisy_count(10, 1, rng=bad),
        lambda bad: exact.exact_gaussian_count(10, 1, rng=bad),
        lambda bad: exact.textbook_laplace(0.0, 1.0, rng=bad),
        lambda bad: exact.float_leak(0.0, 1.0, 1.0, rng=bad),
    ],
)
def test_rng_rejects_bad_values(call, bad):
    with pytest.raises(InvalidParameterError, match=r"^rng must be None, a seed"):
        call(bad)


def test_textbook_sampler_takes_numpy_randomness_only():
    with pytest.raises(InvalidParameterError, match=r"^rng must be .*numpy.random.Generator"):
        exact.textbook_laplace(0.0, 1.0, rng=random.Random(0))


BAD_POSITIVE_FLOAT = [0, -1, float("nan"), float("inf"), "1", None, True]
BAD_REAL = [float("nan"), float("inf"), "1", None, True, 1j]


@pytest.mark.parametrize(
    ("call", "name", "bad_values"),
    [
        (lambda bad: exact.textbook_laplace(bad, 1.0), "value", BAD_REAL),
        (lambda bad: exact.textbook_laplace(0.0, bad), "scale", BAD_POSITIVE_FLOAT),
        (lambda bad: exact.could_come_from([0.0], bad, 1.0), "value", BAD_REAL),
        (lambda bad: exact.could_come_from([0.0], 0.0, bad), "scale", BAD_POSITIVE_FLOAT),
        (lambda bad: exact.float_leak(bad, 1.0, 1.0), "value_a", BAD_REAL),
        (lambda bad: exact.float_leak(0.0, bad, 1.0), "value_b", BAD_REAL),
        (lambda bad: exact.float_leak(0.0, 1.0, bad), "scale", BAD_POSITIVE_FLOAT),
        (lambda bad: exact.float_leak(0.0, 1.0, 1.0, samples=bad), "samples", [0, 1.5, "9"]),
    ],
)
def test_float_leak_functions_reject_bad_values(call, name, bad_values):
    for bad in bad_values:
        with pytest.raises(InvalidParameterError, match=rf"^{name} must be .*; got "):
            call(bad)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: exact.exact_noisy_count(-1, 1), "true_count must be counts >= 0"),
        (lambda: exact.exact_noisy_count(1.5, 1), "true_count must be a count"),
        (lambda: exact.exact_noisy_count("7", 1), "true_count must be a count"),
        (lambda: exact.exact_gaussian_count(-1, 1), "true_count must be counts >= 0"),
        (lambda: exact.exact_gaussian_count([1.5], 1), "true_count must be a count"),
        (lambda: exact.discrete_gaussian_pmf(1.5, 1), "k must be a whole number"),
        (lambda: exact.discrete_gaussian_pmf("1", 1), "k must be a whole number"),
        (lambda: exact.could_come_from("x", 0.0, 1.0), "outputs must be a number"),
        (lambda: exact.could_come_from([float("nan")], 0.0, 1.0), "outputs must be finite"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


def test_epsilon_message_says_what_is_allowed():
    with pytest.raises(InvalidParameterError) as raised:
        exact.exact_noisy_count(10, -1)
    assert str(raised.value) == (
        "epsilon must be a finite rational number > 0 (an int, a Fraction, a string like "
        "'3/2' or a float); got -1."
    )
