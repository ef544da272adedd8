"""Tests of the accountant, clipped sums and histograms, and the attacks of lesson 02.

Statistical tests use fixed seeds and tolerances of five or more standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from privlab import BudgetExceededError, InvalidParameterError, ReleaseConflictError, dp
from privlab.dp import attacks, sums

# --------------------------------------------------------------------------
# The accountant
# --------------------------------------------------------------------------


def test_releases_are_recorded_and_add_up():
    budget = dp.PrivacyAccountant(epsilon=1.0, rng=0)
    first = budget.release("buyers", dp.noisy_count, 118, epsilon=0.25)
    second = budget.release("clicks", dp.laplace_mechanism, 1500.0, epsilon=0.25, sensitivity=1)
    assert isinstance(first, int) and isinstance(second, float)
    assert [r.label for r in budget.ledger] == ["buyers", "clicks"]
    assert budget.spent_epsilon == 0.5 and budget.remaining_epsilon == 0.5
    assert budget.ledger[1].parameters == {"sensitivity": 1}
    assert "buyers" in repr(budget) and "<table>" in budget._repr_html_()


def test_overspending_raises_and_releases_nothing():
    generator = np.random.default_rng(5)
    budget = dp.PrivacyAccountant(epsilon=1.0, rng=generator)
    budget.release("a", dp.noisy_count, 10, epsilon=0.75)
    state = generator.bit_generator.state
    with pytest.raises(BudgetExceededError, match=r"would spend ε = 0.5 but only ε = 0.25"):
        budget.release("b", dp.noisy_count, 10, epsilon=0.5)
    assert [r.label for r in budget.ledger] == ["a"]
    assert generator.bit_generator.state == state, "no noise may be drawn for a refused release"
    assert budget.release("c", dp.noisy_count, 10, epsilon=0.25) is not None  # exactly the rest


def test_the_whole_budget_can_be_spent_in_small_steps_despite_rounding():
    budget = dp.PrivacyAccountant(epsilon=1.0, rng=0)
    for step in range(10):
        budget.release(f"q{step}", dp.noisy_count, 5, epsilon=0.1)
    assert budget.remaining_epsilon == 0
    with pytest.raises(BudgetExceededError):
        budget.release("one more", dp.noisy_count, 5, epsilon=0.01)


def test_rerunning_a_release_returns_the_same_answer_for_free():
    budget = dp.PrivacyAccountant(epsilon=1.0, rng=0)
    answers = {budget.release("buyers", dp.noisy_count, 118, epsilon=0.5) for _ in range(5)}
    assert len(answers) == 1 and budget.spent_epsilon == 0.5 and len(budget.ledger) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"value": 119},
        {"epsilon": 0.2},
        {"mechanism": dp.laplace_mechanism, "sensitivity": 1},
    ],
)
def test_reusing_a_label_for_another_query_is_refused(change):
    budget = dp.PrivacyAccountant(epsilon=1.0, rng=0)
    budget.release("buyers", dp.noisy_count, 118, epsilon=0.5)
    call = {"mechanism": dp.noisy_count, "value": 118, "epsilon": 0.5, **change}
    with pytest.raises(ReleaseConflictError, match="label 'buyers' was already used"):
        budget.release("buyers", **call)
    assert budget.spent_epsilon == 0.5


def test_delta_is_budgeted_too():
    def gaussian_like(value, *, epsilon, delta, rng):
        return value + float(rng.normal(0, 1 / epsilon))

    budget = dp.PrivacyAccountant(epsilon=10, delta=1e-6, rng=1)
    budget.release("a", gaussian_like, 5.0, epsilon=1, delta=6e-7)
    with pytest.raises(BudgetExceededError, match="δ"):
        budget.release("b", gaussian_like, 5.0, epsilon=1, delta=6e-7)
    assert budget.spent_delta == 6e-7


def test_budget_for_returns_one_accountant_per_data_set():
    budget = dp.budget_for("test shop", epsilon=2.0)
    assert dp.budget_for("test shop", epsilon=2.0) is budget
    assert dp.budget_for("another shop", epsilon=2.0) is not budget
    with pytest.raises(InvalidParameterError, match="already set to ε = 2"):
        dp.budget_for("test shop", epsilon=5.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dp.PrivacyAccountant(epsilon=0), "epsilon must be"),
        (lambda: dp.PrivacyAccountant(epsilon=1, delta=1), r"delta must be a number in \[0, 1\)"),
        (lambda: dp.PrivacyAccountant(epsilon=1, rng="x"), "rng must be"),
        (lambda: dp.PrivacyAccountant(1).release("", dp.noisy_count, 1, epsilon=1), "label"),
        (lambda: dp.PrivacyAccountant(1).release("a", 42, 1, epsilon=1), "mechanism must be"),
        (lambda: dp.PrivacyAccountant(1).release("a", dp.noisy_count, 1, epsilon=-1), "epsilon"),
        (lambda: dp.PrivacyAccountant(1).can_afford(float("nan")), "epsilon"),
        (lambda: dp.budget_for("", epsilon=1), "dataset"),
        (
            lambda: dp.PrivacyAccountant(1).release("m", dp.clipped_mean, [1.0], 0, 9, epsilon=1),
            "settings as keywords",
        ),
    ],
)
def test_accountant_rejects_bad_arguments(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()


def test_a_mechanism_error_spends_nothing():
    budget = dp.PrivacyAccountant(epsilon=1.0, rng=0)
    with pytest.raises(InvalidParameterError, match="true_count"):
        budget.release("bad", dp.noisy_count, -5, epsilon=0.5)
    assert budget.ledger == ()


# --------------------------------------------------------------------------
# Clipped sums and means, histograms
# --------------------------------------------------------------------------

PURCHASES = np.array([12.0, 30.0, 45.5, 250.0, 5200.0])


def test_clipped_sum_is_centred_on_the_clipped_total_with_the_right_scale():
    n = 100_000
    generator = np.random.default_rng(3)
    samples = np.array([sums.clipped_sum(PURCHASES, 0, 100, 0.5, rng=generator) for _ in range(n)])
    clipped_total = 12 + 30 + 45.5 + 100 + 100
    scale = 100 / 0.5
    assert abs(samples.mean() - clipped_total) < 5 * math.sqrt(2) * scale / math.sqrt(n)
    assert np.mean(np.abs(samples - clipped_total)) == pytest.approx(scale, rel=0.02)


def test_clipping_error_predicts_the_root_mean_square_error():
    generator = np.random.default_rng(4)
    for upper in (20.0, 100.0, 1000.0):
        draws = np.array(
            [sums.clipped_sum(PURCHASES, 0, upper, 1.0, rng=generator) for _ in range(40_000)]
        )
        bias, sd = sums.clipping_error(PURCHASES, upper, 1.0)
        rmse = math.sqrt(np.mean((draws - PURCHASES.sum()) ** 2))
        assert rmse == pytest.approx(math.hypot(bias, sd), rel=0.03)


def test_clipping_error_trades_bias_for_noise():
    uppers = np.geomspace(5, 10_000, 30)
    bias, sd = sums.clipping_error(PURCHASES, uppers, 1.0)
    assert np.all(np.diff(np.abs(bias)) <= 0) and np.all(np.diff(sd) > 0)
    assert bias[-1] == 0 and sd[0] == pytest.approx(math.sqrt(2) * 5)


def test_clipped_mean_is_nearly_unbiased_when_nothing_is_clipped():
    values = np.random.default_rng(5).uniform(0, 100, 2_000)
    generator = np.random.default_rng(6)
    means = np.array([sums.clipped_mean(values, 0, 100, 1.0, rng=generator) for _ in range(20_000)])
    # Delta method: var = (var of noisy sum + mean^2 * var of noisy count) / n^2, each at ε/2.
    sum_sd = math.sqrt(2) * 100 / 0.5
    a = math.exp(-0.5)
    count_sd = math.sqrt(2 * a) / (1 - a)
    expected_sd = math.hypot(sum_sd, values.mean() * count_sd) / values.size  # about 0.16
    assert abs(means.mean() - values.mean()) < 5 * expected_sd / math.sqrt(means.size)
    assert means.std() == pytest.approx(expected_sd, rel=0.05)


@pytest.mark.parametrize(("epsilon", "contributions"), [(1.0, 1), (0.5, 3)])
def test_histogram_noise_has_the_discrete_laplace_law(epsilon, contributions):
    counts = np.array([412, 96, 9, 0])
    noisy = np.array(
        [
            sums.noisy_histogram(counts, epsilon, contributions=contributions, rng=seed)
            for seed in range(20_000)
        ]
    )
    noise = (noisy - counts).ravel()
    a = math.exp(-epsilon / contributions)
    zero = np.mean(noise == 0)
    expected = (1 - a) / (1 + a)
    assert abs(zero - expected) < 5 * math.sqrt(expected * (1 - expected) / noise.size)
    assert abs(noise.mean()) < 5 * math.sqrt(2 * a) / (1 - a) / math.sqrt(noise.size)


def test_a_histogram_that_ignores_multiple_contributions_is_too_narrow():
    # A person in 3 campaigns needs noise for sensitivity 3; noise for 1 is visibly narrower.
    noise = sums.noisy_histogram(np.zeros(60_000, dtype=int), 0.5, rng=1)
    a = math.exp(-0.5 / 3)
    assert np.mean(noise == 0) > (1 - a) / (1 + a) + 0.05


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sums.clip([1, 2], 5, 5), "upper must be greater than lower"),
        (lambda: sums.clip([[1, 2]], 0, 5), "values must be a 1-d array"),
        (lambda: sums.clip(["a"], 0, 5), "values must be"),
        (lambda: sums.clipped_sum([1.0], 0, float("inf"), 1.0), "upper must be a finite"),
        (lambda: sums.clipped_sum([1.0], 0, 10, 0), "epsilon must be"),
        (lambda: sums.clipped_mean([1.0], 0, 10, 1.0, rng=-1), "rng must be"),
        (lambda: sums.clipping_error([1.0], [0.0, 5.0], 1.0), "upper must be greater than lower"),
        (lambda: sums.noisy_histogram([3, -1], 1.0), "counts >= 0"),
        (lambda: sums.noisy_histogram([], 1.0), "counts must be"),
        (lambda: sums.noisy_histogram([3], 1.0, contributions=0), "contributions must be"),
    ],
)
def test_sums_reject_bad_arguments(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()


# --------------------------------------------------------------------------
# Attacks
# --------------------------------------------------------------------------


def test_averaging_attack_closes_in_like_one_over_root_k():
    epsilon, k = 0.5, 400
    a = math.exp(-epsilon)
    one_answer_sd = math.sqrt(2 * a) / (1 - a)
    finals = np.array(
        [attacks.averaging_attack(118, epsilon, k, rng=seed)[1][-1] for seed in range(3000)]
    )
    assert abs(finals.mean() - 118) < 5 * one_answer_sd / math.sqrt(k * finals.size)
    assert finals.std() == pytest.approx(one_answer_sd / math.sqrt(k), rel=0.08)


def test_reconstruction_recovers_almost_everyone_when_noise_is_small():
    bits = attacks.secret_bits(100, rng=1)
    assert attacks.reconstruction_attack(bits, 400, 0.0, rng=2).fraction_correct == 1.0
    results = [
        attacks.reconstruction_attack(bits, 400, 1.0, rng=s).fraction_correct for s in range(5)
    ]
    assert min(results) >= 0.95


def test_noise_of_order_root_n_stops_reconstruction_from_few_queries():
    bits = attacks.secret_bits(100, rng=1)
    results = [
        attacks.reconstruction_attack(bits, 200, 30.0, rng=s).fraction_correct for s in range(20)
    ]
    assert np.mean(results) < 0.62  # a coin flip gets 0.5; sd of one run is about 0.05


def test_reconstruction_experiment_matches_single_attacks_on_average():
    bits = attacks.secret_bits(100, rng=3)
    scales = np.array([0.0, 2.0, 10.0, 30.0])
    curves = np.array(
        [
            attacks.ReconstructionExperiment(bits, 400, rng=s).fraction_correct(400, scales)
            for s in range(30)
        ]
    )
    singles = np.array(
        [
            [
                attacks.reconstruction_attack(bits, 400, b, rng=100 + s).fraction_correct
                for b in scales
            ]
            for s in range(30)
        ]
    )
    assert np.all(np.abs(curves.mean(axis=0) - singles.mean(axis=0)) < 0.04)
    assert np.all(np.diff(curves.mean(axis=0)) < 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: attacks.averaging_attack(-1, 1.0, 10), "true_count"),
        (lambda: attacks.averaging_attack(5, 1.0, 0), "queries"),
        (lambda: attacks.secret_bits(0), "people"),
        (lambda: attacks.secret_bits(5, share=2), "share"),
        (lambda: attacks.reconstruction_attack([0, 2], 5, 1.0), "bits"),
        (lambda: attacks.reconstruction_attack([0, 1], 5, -1.0), "noise_scale"),
        (
            lambda: attacks.ReconstructionExperiment([0, 1], 5).fraction_correct(5, [[1.0]]),
            "noise_scales",
        ),
        (lambda: attacks.random_subset_queries(5, 0), "queries"),
    ],
)
def test_attacks_reject_bad_arguments(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()
