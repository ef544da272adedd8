"""Tests of privlab.dp.audit: every mechanism passes its own audit, broken ones fail it.

Audits here run at confidence 1 - 1e-6 (the false-alarm rate of the other
statistical tests) with fixed seeds, so a correct mechanism is reported as
broken with probability at most 1e-6 for any seed, and never for the seeds
used. Each audit must also have *power*: its lower bound must reach a good share
of the claimed epsilon, and the broken variants must be caught.

To audit a new mechanism, add one row to ``CORRECT`` (and, ideally, a broken
variant of it to ``BROKEN``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from privlab import InvalidParameterError, dp
from privlab.dp.audit import (
    AuditResult,
    audit_epsilon,
    clopper_pearson,
    noise_sampler,
    sampler_for,
)

FALSE_ALARM = 1e-6
CONFIDENCE = 1 - FALSE_ALARM
TRIALS = 200_000  # runs on each input: half choose the event, half measure it
SEED = 2024


# --------------------------------------------------------------------------
# The table of mechanisms
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One row: a mechanism, two neighbouring inputs and the (epsilon, delta) it claims.

    ``sampler(data, size, rng)`` returns ``size`` releases of the mechanism on
    ``data`` (:func:`sampler_for` and :func:`noise_sampler` make one from a
    privlab mechanism); ``data_a`` and ``data_b`` differ in one person.
    """

    name: str
    sampler: Callable[[Any, int, np.random.Generator], np.ndarray]
    data_a: Any
    data_b: Any
    epsilon: float
    delta: float = 0.0
    power: float = 0.5  # a correct mechanism's bound must reach this share of epsilon
    trials: int = 200_000  # fewer for slow mechanisms (exact samplers, one call per release)


def case_named(name: str) -> Case:
    return next(case for case in CORRECT + BROKEN if case.name == name)


def audit(case: Case, **overrides: Any) -> AuditResult:
    settings = {"trials": case.trials, "confidence": CONFIDENCE, "rng": SEED} | overrides
    return audit_epsilon(case.sampler, case.data_a, case.data_b, delta=case.delta, **settings)


def half_noise_laplace(values, sensitivity, epsilon, *, rng):
    """Broken: half the noise the privacy guarantee needs."""
    return dp.laplace_mechanism(values, sensitivity, 2 * epsilon, rng=rng)


def chatty_randomized_response(answers, epsilon, *, rng):
    """Broken: tells the truth as often as randomized response with 2 * epsilon."""
    return dp.randomized_response(answers, 2 * epsilon, rng=rng)


def sum_with_noise_for_a_count(data, size, rng):
    """Broken: a sum of values in [0, 10] released with noise for sensitivity 1, not 10."""
    total = float(np.sum(np.clip(data, 0, 10)))
    return dp.laplace_mechanism(np.full(size, total), sensitivity=1, epsilon=0.5, rng=rng)


def leaky_laplace(values, epsilon, *, rng):
    """Laplace noise, except that 1% of releases publish the true value plus 1000.

    It is (epsilon, 0.01)-DP but not (epsilon, 0)-DP for any epsilon: the leak
    is an event that happens on one input and never on the other.
    """
    noisy = dp.laplace_mechanism(values, 1, epsilon, rng=rng)
    return np.where(rng.random(values.shape) < 0.01, values + 1000, noisy)


def clipped_sum_sampler(data, size, rng):
    """``size`` releases of ``dp.clipped_sum`` with a bound of 200 fixed in advance."""
    return np.array([dp.clipped_sum(data, 0, 200, 1.0, rng=rng) for _ in range(size)])


def clipped_mean_sampler(data, size, rng):
    """``size`` releases of ``dp.clipped_mean`` with bounds [0, 200] fixed in advance."""
    return np.array([dp.clipped_mean(data, 0, 200, 1.0, rng=rng) for _ in range(size)])


# The discrete Gaussian with variance sigma^2 is rho-zCDP with rho = 1 / (2 sigma^2) for a count
# (Canonne, Kamath and Steinke 2020); its (epsilon, delta) claim is that zCDP converted.
DISCRETE_GAUSSIAN_EPSILON = float(dp.composition.zcdp_to_dp(1 / (2 * 4), 1e-5))


def sum_with_bound_from_the_data(data, size, rng):
    """Broken: the clipping bound is the largest value in the data, so it depends on one person."""
    bound = float(np.max(data))
    return dp.laplace_mechanism(np.full(size, float(np.sum(data))), bound, 1.0, rng=rng)


ORDERS = [12.0, 30.0, 45.5, 250.0]
ORDERS_WITH_COLLECTOR = [*ORDERS, 5200.0]


CORRECT = [
    Case("laplace s=1 e=0.5", sampler_for(dp.laplace_mechanism, sensitivity=1, epsilon=0.5),
         100.0, 101.0, epsilon=0.5),
    Case("laplace s=50 e=2", sampler_for(dp.laplace_mechanism, sensitivity=50, epsilon=2.0),
         100.0, 150.0, epsilon=2.0),
    Case("laplace s=0.1 e=1", sampler_for(dp.laplace_mechanism, sensitivity=0.1, epsilon=1.0),
         100.0, 100.1, epsilon=1.0),
    Case("noisy_count e=0.5", sampler_for(dp.noisy_count, epsilon=0.5), 117, 118, epsilon=0.5),
    Case("noisy_count e=2", sampler_for(dp.noisy_count, epsilon=2.0), 117, 118, epsilon=2.0),
    Case("discrete_laplace e=1", noise_sampler(dp.discrete_laplace_noise, epsilon=1.0),
         0, 1, epsilon=1.0),
    Case("discrete_laplace s=3 e=2",
         noise_sampler(dp.discrete_laplace_noise, epsilon=2.0, sensitivity=3),
         0, 3, epsilon=2.0),
    Case("randomized_response e=1", sampler_for(dp.randomized_response, epsilon=1.0),
         True, False, epsilon=1.0),
    Case("randomized_response e=3", sampler_for(dp.randomized_response, epsilon=3.0),
         True, False, epsilon=3.0),
    Case("gaussian s=1 e=1 d=1e-5",
         sampler_for(dp.gaussian_mechanism, sensitivity=1, epsilon=1.0, delta=1e-5),
         0.0, 1.0, epsilon=1.0, delta=1e-5, power=0.3),
    Case("clipped_sum bound 200 e=1", clipped_sum_sampler, ORDERS_WITH_COLLECTOR, ORDERS,
         epsilon=1.0, power=0.3, trials=20_000),
    Case("clipped_mean bounds [0, 200] e=1", clipped_mean_sampler, ORDERS_WITH_COLLECTOR, ORDERS,
         epsilon=1.0, power=0.2, trials=20_000),
    Case("exact_gaussian_count sigma^2=4", sampler_for(dp.exact_gaussian_count, sigma_squared=4),
         117, 118, epsilon=DISCRETE_GAUSSIAN_EPSILON, delta=1e-5, power=0.1, trials=20_000),
    Case("noisy_histogram one bin e=1", sampler_for(dp.noisy_histogram, epsilon=1.0),
         9, 10, epsilon=1.0),
    Case("exact_noisy_count e=1/2",
         sampler_for(dp.exact_noisy_count, epsilon=Fraction(1, 2)),
         117, 118, epsilon=0.5, power=0.3, trials=20_000),
    # not shipped: an (epsilon, delta) mechanism, checking the delta column
    Case("leaky laplace e=1 d=0.01", sampler_for(leaky_laplace, epsilon=1.0),
         0.0, 1.0, epsilon=1.0, delta=0.01),
]  # fmt: skip

BROKEN = [  # epsilon is the claim; the audit must show the true epsilon is larger
    Case("laplace, half the noise", sampler_for(half_noise_laplace, sensitivity=1, epsilon=0.5),
         100.0, 101.0, epsilon=0.5),
    Case("laplace, noise 10% too small",
         sampler_for(dp.laplace_mechanism, sensitivity=0.9, epsilon=1.0),
         100.0, 101.0, epsilon=1.0),
    Case("count, half the noise", sampler_for(dp.noisy_count, epsilon=1.0), 117, 118,
         epsilon=0.5),
    Case("sum, sensitivity ignored", sum_with_noise_for_a_count,
         [3.0, 7.0, 10.0], [3.0, 7.0], epsilon=0.5),
    Case("randomized response, truth too often",
         sampler_for(chatty_randomized_response, epsilon=1.0), True, False, epsilon=1.0),
    Case("leaky laplace, delta not declared", sampler_for(leaky_laplace, epsilon=1.0),
         0.0, 1.0, epsilon=1.0),
    Case("sum, bound from the data", sum_with_bound_from_the_data,
         ORDERS_WITH_COLLECTOR, ORDERS, epsilon=1.0),
    Case("gaussian, sensitivity 1 claimed but 2",
         sampler_for(dp.gaussian_mechanism, sensitivity=1, epsilon=1.0, delta=1e-5),
         0.0, 2.0, epsilon=1.0, delta=1e-5),
]  # fmt: skip


@pytest.mark.parametrize("case", CORRECT, ids=[case.name for case in CORRECT])
def test_correct_mechanisms_pass_and_the_audit_has_power(case):
    result = audit(case)
    assert result.consistent_with(case.epsilon), str(result)
    assert result.epsilon_lower_bound >= case.power * case.epsilon, str(result)


@pytest.mark.parametrize("case", BROKEN, ids=[case.name for case in BROKEN])
def test_broken_mechanisms_are_caught(case):
    result = audit(case)
    assert not result.consistent_with(case.epsilon), str(result)


def test_a_sum_ignoring_sensitivity_is_caught_by_a_wide_margin():
    result = audit(case_named("sum, sensitivity ignored"))
    assert result.epsilon_lower_bound > 4  # claimed 0.5, truly 10 * 0.5 = 5


# --------------------------------------------------------------------------
# The bound is wrong no more often than the confidence allows
# --------------------------------------------------------------------------


def binomial_critical_count(n: int, p: float, false_alarm: float) -> int:
    """Smallest k with Pr[Bin(n, p) > k] <= false_alarm."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    for k in range(n + 1):
        if math.fsum(pmf[k + 1 :]) <= false_alarm:
            return k
    return n


@pytest.mark.parametrize("name", ["randomized_response e=1", "laplace s=1 e=0.5"])
def test_bounds_exceed_the_true_epsilon_no_more_often_than_allowed(name):
    """300 small audits at 90% confidence: at most 10% of bounds may be too high.

    The best events of these mechanisms have a ratio of exactly e^epsilon, so
    the point estimate (which is not a bound: the broken variant) is too high
    about half the time and must fail the same test.
    """
    case = case_named(name)
    audits, confidence = 300, 0.9
    rng = np.random.default_rng(SEED)
    results = [audit(case, trials=2000, confidence=confidence, rng=rng) for _ in range(audits)]
    limit = binomial_critical_count(audits, 1 - confidence, FALSE_ALARM)
    too_high = sum(result.epsilon_lower_bound > case.epsilon for result in results)
    estimate_too_high = sum(result.epsilon_estimate > case.epsilon for result in results)
    assert too_high <= limit
    assert estimate_too_high > limit


# --------------------------------------------------------------------------
# The audit and its result
# --------------------------------------------------------------------------


def test_a_mechanism_that_ignores_its_input_gets_a_bound_of_zero():
    def ignores_input(data, size, rng):
        return rng.laplace(size=size)

    result = audit_epsilon(ignores_input, 0, 1, trials=TRIALS, confidence=CONFIDENCE, rng=SEED)
    assert result.epsilon_lower_bound == 0
    assert result.consistent_with(0)


def test_result_reports_what_was_measured():
    result = audit(case_named("randomized_response e=1"))
    measured = TRIALS - TRIALS // 2
    assert result.trials == TRIALS
    assert result.measured_trials == measured
    assert result.confidence == CONFIDENCE
    assert result.probability_a == result.count_a / measured
    assert result.probability_b == result.count_b / measured
    assert result.event in ("output >= 1", "output <= 0")
    likelier, rarer = sorted([result.probability_a, result.probability_b], reverse=True)
    assert result.epsilon_estimate == pytest.approx(math.log(likelier / rarer))
    assert 0 < result.epsilon_lower_bound < result.epsilon_estimate


@pytest.mark.parametrize("name", ["noisy_count e=0.5", "leaky laplace e=1 d=0.01"])
def test_bound_is_clopper_pearson_applied_to_the_measured_counts(name):
    case = case_named(name)
    result = audit(case)
    likelier, rarer = sorted([result.count_a, result.count_b], reverse=True)
    likelier_low, _ = clopper_pearson(likelier, result.measured_trials, CONFIDENCE)
    _, rarer_high = clopper_pearson(rarer, result.measured_trials, CONFIDENCE)
    expected = math.log((likelier_low - case.delta) / rarer_high)
    assert result.epsilon_lower_bound == pytest.approx(expected, rel=1e-12)


def test_result_reads_as_a_sentence():
    text = str(audit(case_named("noisy_count e=0.5")))
    assert text.startswith("With 99.9999% confidence epsilon is at least 0.4")
    assert "(event: output " in text
    assert "100,000 runs on data_a" in text
    assert "at delta" not in text
    assert "at delta = 0.01 (" in str(audit(case_named("leaky laplace e=1 d=0.01")))


def test_result_is_frozen():
    result = audit(case_named("randomized_response e=1"), trials=1000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.epsilon_lower_bound = 0.0


def test_seed_and_generator_give_the_same_audit():
    case = case_named("laplace s=1 e=0.5")
    assert audit(case, rng=5) == audit(case, rng=np.random.default_rng(5))
    assert audit(case, rng=5) != audit(case, rng=6)


def test_audit_of_200_000_trials_takes_well_under_a_second():
    start = time.perf_counter()
    audit(case_named("laplace s=1 e=0.5"))
    assert time.perf_counter() - start < 1.0


def test_samplers_release_many_copies_of_one_input():
    rng = np.random.default_rng(0)
    answers = sampler_for(dp.randomized_response, epsilon=1.0)(True, 1000, rng)
    assert answers.shape == (1000,)
    assert set(np.unique(answers)) == {0, 1}  # yes/no as 1/0
    counts = noise_sampler(dp.discrete_laplace_noise, epsilon=1.0)(118, 1000, rng)
    assert counts.dtype == np.int64
    assert abs(np.median(counts) - 118) <= 1


# --------------------------------------------------------------------------
# Clopper-Pearson
# --------------------------------------------------------------------------


def binomial_at_least(k: int, n: int, p: float) -> float:
    """Pr[Bin(n, p) >= k], summed exactly in fractions."""
    p = Fraction(p)
    return float(sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1)))


def test_clopper_pearson_matches_a_published_value():
    # R: binom.test(5, 10)$conf.int
    low, high = clopper_pearson(5, 10)
    assert low == pytest.approx(0.1870860, abs=1e-7)
    assert high == pytest.approx(0.8129140, abs=1e-7)


@pytest.mark.parametrize("n", [1, 7, 100, 1_000_000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.999999])
def test_clopper_pearson_closed_forms_at_none_and_all(n, confidence):
    edge = ((1 - confidence) / 2) ** (1 / n)
    low, high = clopper_pearson(0, n, confidence)
    assert low == 0
    assert high == pytest.approx(1 - edge, rel=1e-12)
    low, high = clopper_pearson(n, n, confidence)
    assert low == pytest.approx(edge, rel=1e-12)
    assert high == 1


@pytest.mark.parametrize("n", [1, 2, 3, 10, 25])
@pytest.mark.parametrize("confidence", [0.95, 0.999])
def test_binomial_tail_at_each_end_is_alpha_over_2(n, confidence):
    tail = (1 - confidence) / 2
    for k in range(n + 1):
        low, high = clopper_pearson(k, n, confidence)
        if k > 0:
            assert binomial_at_least(k, n, low) == pytest.approx(tail, rel=1e-9)
        if k < n:
            assert 1 - binomial_at_least(k + 1, n, high) == pytest.approx(tail, rel=1e-9)


def test_clopper_pearson_covers_at_least_the_confidence_exactly():
    n, confidence = 20, 0.95
    intervals = [clopper_pearson(k, n, confidence) for k in range(n + 1)]
    for p in np.linspace(0.005, 0.995, 199):
        coverage = math.fsum(
            math.comb(n, k) * p**k * (1 - p) ** (n - k)
            for k, (low, high) in enumerate(intervals)
            if low <= p <= high
        )
        assert coverage >= confidence - 1e-12


def test_clopper_pearson_is_monotone_and_symmetric():
    n = 40
    lows, highs = np.array([clopper_pearson(k, n, 0.99) for k in range(n + 1)]).T
    assert np.all(np.diff(lows) > 0) and np.all(np.diff(highs) > 0)
    assert np.allclose(lows, 1 - highs[::-1], rtol=0, atol=1e-14)  # k successes, n - k failures
    for k in range(n + 1):
        low, high = clopper_pearson(k, n, 0.99)
        wide_low, wide_high = clopper_pearson(k, n, 0.999)
        assert wide_low <= low <= high <= wide_high


def test_clopper_pearson_is_quick_and_right_for_ten_million_trials():
    n = 10_000_000
    start = time.perf_counter()
    low, high = clopper_pearson(n // 2, n, 0.95)
    tiny_low, tiny_high = clopper_pearson(1, n, 0.95)
    elapsed = time.perf_counter() - start
    half_width = 1.959964 * math.sqrt(0.25 / n)  # the normal approximation is excellent here
    assert low == pytest.approx(0.5 - half_width, abs=1e-6)
    assert high == pytest.approx(0.5 + half_width, abs=1e-6)
    assert -math.expm1(n * math.log1p(-tiny_low)) == pytest.approx(0.025, rel=1e-6)  # Pr[X >= 1]
    assert 0 < tiny_low < 1 / n < tiny_high < 6 / n
    assert elapsed < 0.5


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------

LAPLACE = sampler_for(dp.laplace_mechanism, sensitivity=1, epsilon=1.0)
RESULT = AuditResult(0.93, 1.0, "output >= 1", 0.73, 0.27, 730, 270, 1000, 2000, 0.999)


def wrong_shape(data, size, rng):
    return np.zeros((size, 2))


def words(data, size, rng):
    return np.array(["yes"] * size)


def not_a_number(data, size, rng):
    return np.full(size, np.nan)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: clopper_pearson(-1, 10), "successes must be a whole number >= 0; got -1"),
        (
            lambda: clopper_pearson(11, 10),
            r"successes must be a whole number from 0 to trials \(10\)",
        ),
        (lambda: clopper_pearson(1.5, 10), "successes must be a whole number"),
        (lambda: clopper_pearson(1, 0), "trials must be a whole number >= 1; got 0"),
        (lambda: clopper_pearson(1, "10"), "trials must be a whole number"),
        (
            lambda: clopper_pearson(1, 10, confidence=1),
            "confidence must be a number strictly between 0 and 1",
        ),
        (
            lambda: clopper_pearson(1, 10, confidence=0),
            "confidence must be a number strictly between 0 and 1",
        ),
        (
            lambda: clopper_pearson(1, 10, confidence=95),
            "confidence must be a number strictly between 0 and 1",
        ),
        (lambda: clopper_pearson(1, 10, confidence=float("nan")), "confidence must be a finite"),
        (lambda: audit_epsilon("laplace", 0, 1), "sampler must be a function; got 'laplace'"),
        (
            lambda: audit_epsilon(LAPLACE, 0, 1, trials=999),
            "trials must be a whole number from 1000",
        ),
        (lambda: audit_epsilon(LAPLACE, 0, 1, trials=1e5), "trials must be a whole number"),
        (lambda: audit_epsilon(LAPLACE, 0, 1, trials=True), "trials must be a whole number"),
        (lambda: audit_epsilon(LAPLACE, 0, 1, delta=-0.1), "delta must be a number in \\[0, 1\\)"),
        (lambda: audit_epsilon(LAPLACE, 0, 1, delta=1), "delta must be a number in \\[0, 1\\)"),
        (lambda: audit_epsilon(LAPLACE, 0, 1, delta="0"), "delta must be a real number"),
        (
            lambda: audit_epsilon(LAPLACE, 0, 1, confidence=1.0),
            "confidence must be a number strictly between",
        ),
        (lambda: audit_epsilon(LAPLACE, 0, 1, confidence=None), "confidence must be a real number"),
        (lambda: audit_epsilon(LAPLACE, 0, 1, rng="seed"), "rng must be None, a seed"),
        (
            lambda: audit_epsilon(wrong_shape, 0, 1, trials=1000),
            r"sampler must return a 1-d array of 1000 numbers; got an array of shape \(1000, 2\)",
        ),
        (
            lambda: audit_epsilon(words, 0, 1, trials=1000),
            "sampler must return a 1-d array of 1000 numbers",
        ),
        (lambda: audit_epsilon(not_a_number, 0, 1), "sampler must return numbers; got 100000 NaN"),
        (lambda: sampler_for("laplace"), "mechanism must be a function; got 'laplace'"),
        (lambda: noise_sampler(None), "noise must be a function; got None"),
        (lambda: RESULT.consistent_with(-1), "claimed_epsilon must be a number >= 0; got -1"),
        (lambda: RESULT.consistent_with("1"), "claimed_epsilon must be a real number"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)
