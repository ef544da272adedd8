"""Tests of the minimum-audience rule and the differentially private lift report."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from test_exact import chi_square_fits

import privlab.lift.protocol as lift_protocol
from privlab.dp import PrivacyAccountant
from privlab.dp.audit import audit_epsilon
from privlab.dp.exact import discrete_laplace_exact
from privlab.dp.mechanisms import discrete_laplace_pmf
from privlab.errors import BudgetExceededError, InvalidParameterError, ReleaseConflictError
from privlab.lift.report import (
    audience_gate,
    dp_lift_report,
    lift_sensitivities,
    noisy_total,
    secure_dp_lift,
)
from privlab.lift.secure import secure_lift
from privlab.lift.study import lift_study

MAX_PURCHASES = 3
VALUE_CAP = 20_000
EPSILON = 1.0


def study_metrics() -> dict[str, dict[str, int]]:
    """Totals as secure_lift opens them (values already clipped to VALUE_CAP)."""
    return {
        "test": {
            "population": 5000,
            "matched": 3000,
            "converters": 300,
            "conversions": 450,
            "value": 1_800_000,
            "value_squared": 10**10,
            "conversions_squared": 800,
        },
        "control": {
            "population": 5000,
            "matched": 2900,
            "converters": 250,
            "conversions": 380,
            "value": 1_500_000,
            "value_squared": 10**10,
            "conversions_squared": 700,
        },
    }


def with_one_more_buyer(metrics: dict) -> dict:
    """The neighbouring study: one more test user, with the most purchases one person can have."""
    neighbour = {group: dict(totals) for group, totals in metrics.items()}
    neighbour["test"]["converters"] += 1
    neighbour["test"]["conversions"] += MAX_PURCHASES
    neighbour["test"]["value"] += MAX_PURCHASES * VALUE_CAP
    return neighbour


def report(metrics=None, accountant=None, **changes):
    settings = {
        "accountant": accountant or PrivacyAccountant(epsilon=EPSILON, rng=0),
        "epsilon": EPSILON,
        "max_purchases": MAX_PURCHASES,
        "value_cap": VALUE_CAP,
        **changes,
    }
    return dp_lift_report(study_metrics() if metrics is None else metrics, **settings)


def discrete_laplace_variance(epsilon: float) -> float:
    a = math.exp(-epsilon)
    return 2 * a / (1 - a) ** 2


# --- the minimum-audience rule -------------------------------------------------------


def converters(test: int, control: int) -> dict:
    return {"test": {"converters": test}, "control": {"converters": control}}


def test_gate_withholds_below_the_threshold():
    gate = audience_gate(converters(60, 39))
    assert not gate.passed
    assert (gate.converters, gate.needed) == (99, 100)
    assert gate.reason.startswith("withheld")


@pytest.mark.parametrize("test, control", [(60, 40), (100, 0), (500, 300)])
def test_gate_passes_at_and_above_the_threshold(test, control):
    gate = audience_gate(converters(test, control))
    assert gate.passed
    assert gate.reason.startswith("shown")


def test_gate_threshold_is_a_parameter():
    assert audience_gate(converters(3, 2), min_converters=5).passed
    assert not audience_gate(converters(3, 1), min_converters=5).passed
    assert audience_gate(converters(0, 0), min_converters=0).passed


@pytest.mark.parametrize("bad", [-1, 2.5, True, "100", None])
def test_gate_refuses_a_bad_threshold(bad):
    with pytest.raises(InvalidParameterError, match="min_converters"):
        audience_gate(converters(60, 40), min_converters=bad)


def test_gate_names_the_missing_group_and_key():
    with pytest.raises(InvalidParameterError, match="'control'"):
        audience_gate({"test": {"converters": 1}})
    with pytest.raises(InvalidParameterError, match=r"metrics\['test'\] must have 'converters'"):
        audience_gate({"test": {}, "control": {"converters": 1}})


# --- the budget ------------------------------------------------------------------------


def test_report_spends_exactly_epsilon_in_three_ledger_lines():
    budget = PrivacyAccountant(epsilon=2.0, rng=1)
    result = report(accountant=budget, epsilon=0.9)
    assert budget.spent_epsilon == pytest.approx(0.9)
    assert result.epsilon == 0.9
    assert [line.label for line in budget.ledger] == [
        "lift report: converters",
        "lift report: conversions",
        "lift report: value",
    ]
    assert all(line.epsilon == pytest.approx(0.3) for line in budget.ledger)
    sensitivities = lift_sensitivities(MAX_PURCHASES, VALUE_CAP)
    assert result.sensitivities == sensitivities
    assert [line.parameters["sensitivity"] for line in budget.ledger] == list(
        sensitivities.values()
    )


def test_report_releases_only_the_noisy_metrics_and_the_populations():
    result = report()
    assert set(result.metrics) == {"test", "control"}
    for group in ("test", "control"):
        assert set(result.metrics[group]) == {"population", "converters", "conversions", "value"}
        assert result.metrics[group]["population"] == 5000
    assert result.lift is not None
    low, high = result.interval
    assert low < result.lift < high


def test_rerunning_the_same_report_is_free():
    budget = PrivacyAccountant(epsilon=1.0, rng=2)
    first = report(accountant=budget)
    assert report(accountant=budget) == first
    assert budget.spent_epsilon == pytest.approx(1.0)


def test_over_budget_raises_and_releases_nothing():
    budget = PrivacyAccountant(epsilon=1.0, rng=3)
    budget.release("earlier query", noisy_total, 10, epsilon=0.5, sensitivity=1)
    with pytest.raises(BudgetExceededError, match="nothing was released"):
        report(accountant=budget, epsilon=0.6)
    assert [line.label for line in budget.ledger] == ["earlier query"]
    assert budget.spent_epsilon == 0.5


def test_lift_is_none_when_a_noisy_count_is_below_one():
    tiny = study_metrics()
    tiny["control"].update(converters=0, conversions=0, value=0)
    results = [report(tiny, PrivacyAccountant(1.0, rng=seed)) for seed in range(20)]
    undefined = [r for r in results if r.metrics["control"]["converters"] < 1]
    assert undefined and all(r.lift is None and r.interval is None for r in undefined)


# --- statistics and the audit ----------------------------------------------------------


def test_noisy_converters_are_unbiased_with_the_discrete_laplace_spread():
    runs = 1000
    noisy = np.array(
        [
            report(accountant=PrivacyAccountant(EPSILON, rng=seed)).metrics["test"]["converters"]
            for seed in range(runs)
        ]
    )
    share = EPSILON / 3  # converters, conversions, value
    variance = discrete_laplace_variance(share)
    errors = noisy - 300
    assert abs(errors.mean()) < 5 * math.sqrt(variance / runs)
    variance_se = math.sqrt((np.mean(errors**4) - variance**2) / runs)
    assert abs(errors.var() - variance) < 5 * variance_se


# --- the noise is drawn exactly -----------------------------------------------------------

GROUPS = ("test", "control")


def exact_noise(shape, epsilon: float, sensitivity: int, draws: int, generator) -> np.ndarray:
    """The exact sampler's draws for ``draws`` parties, at the scale sensitivity / epsilon."""
    scale = Fraction(sensitivity) / Fraction(epsilon)
    return sum(discrete_laplace_exact(scale, size=shape, rng=generator) for _ in range(draws))


@pytest.mark.parametrize("draws", [1, 2])
def test_noisy_total_adds_exact_discrete_laplace_draws(draws):
    totals = np.array([450, 380])
    noisy = noisy_total(totals, 0.3, sensitivity=3, draws=draws, rng=np.random.default_rng(7))
    expected = totals + exact_noise(totals.shape, 0.3, 3, draws, np.random.default_rng(7))
    assert noisy.dtype == np.int64
    assert noisy.tolist() == expected.tolist()
    assert isinstance(noisy_total(450, 0.3, sensitivity=3, rng=7), int)


def test_the_report_draws_every_total_with_the_exact_sampler():
    result = report(accountant=PrivacyAccountant(EPSILON, rng=11), draws=2)
    generator = np.random.default_rng(11)  # the accountant's generator, in the order it is used
    for metric, sensitivity in lift_sensitivities(MAX_PURCHASES, VALUE_CAP).items():
        true = np.array([study_metrics()[group][metric] for group in GROUPS])
        expected = true + exact_noise(true.shape, EPSILON / 3, sensitivity, 2, generator)
        assert [result.metrics[group][metric] for group in GROUPS] == expected.tolist(), metric


def test_noisy_total_has_the_discrete_laplace_law_of_its_sensitivity():
    share, zeros = EPSILON / 3, np.zeros(30_000, dtype=int)
    noise = noisy_total(zeros, share, sensitivity=3, rng=12)
    law = lambda k: discrete_laplace_pmf(k, 0, share, sensitivity=3)  # noqa: E731
    assert chi_square_fits(noise, law)
    # Broken variant: noise for a count (max_purchases forgotten) is far too narrow.
    assert not chi_square_fits(noisy_total(zeros, share, sensitivity=1, rng=12), law)
    # Two parties' draws: the law of a sum is the convolution of the two laws.
    k = np.arange(-2000, 2001)
    both = np.convolve(law(k), law(k))[2000:6001]  # the sum's law on -2000 .. 2000
    sum_law = lambda j: both[np.clip(j + 2000, 0, 4000)]  # noqa: E731
    assert chi_square_fits(noisy_total(zeros, share, sensitivity=3, draws=2, rng=13), sum_law)
    assert not chi_square_fits(noise, sum_law)  # one draw is not two


def conversions_sampler(epsilon: float, sensitivity: int):
    """Run the conversions release of a report many times on one study; return the test entry."""

    def sample(metrics: dict, size: int, rng: np.random.Generator) -> np.ndarray:
        true = np.full(size, metrics["test"]["conversions"])
        return noisy_total(true, epsilon, sensitivity=sensitivity, rng=rng)

    return sample


def test_audit_catches_a_conversions_release_that_ignores_max_purchases():
    share = EPSILON / 3
    study, neighbour = study_metrics(), with_one_more_buyer(study_metrics())
    correct = conversions_sampler(
        share, lift_sensitivities(MAX_PURCHASES, VALUE_CAP)["conversions"]
    )
    broken = conversions_sampler(share, 1)

    # 20,000 releases per side (about 2 s with the exact sampler); the broken release's
    # bound comes out near 0.9, well above twice its claim of 1/3.
    correct_audit = audit_epsilon(correct, study, neighbour, trials=20_000, rng=4)
    broken_audit = audit_epsilon(broken, study, neighbour, trials=20_000, rng=5)
    assert correct_audit.consistent_with(share)
    assert not broken_audit.consistent_with(share)
    assert broken_audit.epsilon_lower_bound > 2 * share


# --- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"epsilon": 0}, "epsilon"),
        ({"max_purchases": 0}, "max_purchases"),
        ({"value_cap": 2.5}, "value_cap"),
        ({"accountant": "budget"}, "accountant"),
        ({"label": " "}, "label"),
        ({"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_parameters_are_named(change, message):
    with pytest.raises(InvalidParameterError, match=message):
        report(**change)


@pytest.mark.parametrize(
    "group, key, value, message",
    [
        ("test", "converters", -1, r"metrics\['test'\]\['converters'\]"),
        ("control", "value", 1.5, r"metrics\['control'\]\['value'\]"),
        ("test", "population", "5000", r"metrics\['test'\]\['population'\]"),
        ("test", "converters", 6000, "at most the population"),
        ("control", "conversions", 1000, "max_purchases"),
        ("test", "value", 450 * VALUE_CAP + 1, "Clip each purchase value"),
    ],
)
def test_bad_metrics_are_named(group, key, value, message):
    metrics = study_metrics()
    metrics[group][key] = value
    with pytest.raises(InvalidParameterError, match=message):
        report(metrics)


def test_missing_groups_and_keys_are_named():
    with pytest.raises(InvalidParameterError, match="'test'"):
        report({"control": study_metrics()["control"]})
    metrics = study_metrics()
    del metrics["control"]["conversions"]
    with pytest.raises(
        InvalidParameterError, match=r"metrics\['control'\] must have 'conversions'"
    ):
        report(metrics)


# --- noise added inside the secure computation ----------------------------------------------


@pytest.fixture(scope="module")
def small_study():
    study = lift_study(population=400, rng=3)
    clipped = {**study.advertiser, "value": np.minimum(study.advertiser["value"], VALUE_CAP)}
    exact = secure_lift(study.publisher, clipped, max_purchases=MAX_PURCHASES, rng=1)
    return study, exact


def secure_report(study, matching=None, accountant=None, seed=2, **changes):
    options = {"epsilon": EPSILON, "max_purchases": MAX_PURCHASES, "value_cap": VALUE_CAP}
    return secure_dp_lift(
        study.publisher,
        study.advertiser,
        accountant=accountant or PrivacyAccountant(EPSILON),
        matching=matching,
        rng=seed,
        **{**options, **changes},
    )


def test_opened_totals_are_the_exact_totals_plus_both_parties_draws(small_study):
    study, exact = small_study
    result = secure_report(study, exact.psi)
    noise = result.secure.noise
    for group in ("test", "control"):
        assert result.metrics[group]["population"] == exact.metrics[group]["population"]
        for metric in ("converters", "conversions", "value"):
            draws = noise["publisher"][group][metric] + noise["advertiser"][group][metric]
            assert result.metrics[group][metric] == exact.metrics[group][metric] + draws
    labels = {message.label for message in result.secure.network.messages}
    assert "noisy totals per group (opened)" in labels
    assert "totals per group (opened)" not in labels  # no exact total is ever opened
    assert set(result.metrics["test"]) == {"population", "converters", "conversions", "value"}


def test_each_party_faces_the_other_partys_noise(small_study):
    # What a party learns beyond its own draw is exact total + the other's draw: that must
    # be spread like one discrete Laplace draw. A broken protocol where only the publisher
    # adds noise gives the publisher the exact totals back (the second check).
    study, exact = small_study
    runs, share = 150, EPSILON / 3
    seen = {"publisher": [], "advertiser": []}
    for seed in range(runs):
        result = secure_report(study, exact.psi, seed=seed)
        for party in seen:
            own = result.secure.noise[party]
            for group in ("test", "control"):
                opened = result.metrics[group]["converters"]
                seen[party].append(
                    opened - own[group]["converters"] - exact.metrics[group]["converters"]
                )
    variance = discrete_laplace_variance(share)
    zero_chance = (1 - math.exp(-share)) / (1 + math.exp(-share))
    for party, errors in seen.items():
        errors = np.array(errors)
        assert abs(errors.mean()) < 5 * math.sqrt(variance / errors.size), party
        assert 0.6 * variance < errors.var() < 1.6 * variance, party
        assert np.mean(errors == 0) < zero_chance + 0.1, party  # broken variant: 1.0


def test_each_partys_draws_come_from_the_exact_sampler(small_study, monkeypatch):
    calls = []

    def recording(scale, **options):
        draw = discrete_laplace_exact(scale, **options)
        calls.append((scale, draw))
        return draw

    monkeypatch.setattr(lift_protocol, "discrete_laplace_exact", recording)
    study, exact = small_study
    result = secure_report(study, exact.psi)
    sensitivities = lift_sensitivities(MAX_PURCHASES, VALUE_CAP).values()
    assert len(calls) == 12  # 2 parties x 2 groups x 3 metrics
    assert {scale for scale, _ in calls} == {
        Fraction(s) / Fraction(EPSILON / 3) for s in sensitivities
    }
    noise = result.secure.noise  # what each party added: the draws the exact sampler made
    added = [
        draw for party in noise.values() for group in party.values() for draw in group.values()
    ]
    assert sorted(added) == sorted(draw for _, draw in calls)


def test_secure_report_spends_the_budget_and_reruns_for_free(small_study):
    study, exact = small_study
    budget = PrivacyAccountant(1.5)
    first = secure_report(study, exact.psi, accountant=budget)
    assert budget.spent_epsilon == pytest.approx(EPSILON)
    assert len(budget.ledger) == 3
    again = secure_report(study, exact.psi, accountant=budget, seed=99)
    assert again.secure is None  # answered from the ledger, nothing computed
    assert again.metrics == first.metrics
    assert budget.spent_epsilon == pytest.approx(EPSILON)
    with pytest.raises(BudgetExceededError, match="nothing was released"):
        secure_report(study, exact.psi, accountant=budget, label="another report")
    assert len(budget.ledger) == 3
    other = lift_study(population=400, rng=4)
    with pytest.raises(ReleaseConflictError):
        secure_report(other, accountant=budget)


def test_secure_report_interval_counts_both_draws(small_study):
    study, exact = small_study
    one = secure_report(study, exact.psi, epsilon=0.3)
    assert one.interval is None or one.interval[0] < one.lift < one.interval[1]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"epsilon": 0}, "epsilon"),
        ({"value_cap": 0}, "value_cap"),
        ({"max_purchases": 0}, "max_purchases"),
        ({"accountant": "budget"}, "accountant"),
        ({"label": " "}, "label"),
    ],
)
def test_secure_report_names_bad_input(small_study, change, named):
    study, _ = small_study
    accountant = change.pop("accountant", None)
    with pytest.raises(InvalidParameterError, match=named):
        if accountant is not None:
            secure_dp_lift(
                study.publisher,
                study.advertiser,
                accountant=accountant,
                epsilon=1.0,
                max_purchases=3,
                value_cap=20_000,
            )
        else:
            secure_report(study, **change)


def test_noise_before_opening_settings_are_checked(small_study):
    study, _ = small_study
    for bad, named in (
        ({"matched": (1.0, 1)}, "noise_before_opening"),
        ({"value": (1.0,)}, "pair"),
        ({"value": (0.0, 5)}, "epsilon"),
    ):
        with pytest.raises(InvalidParameterError, match=named):
            secure_lift(study.publisher, study.advertiser, noise_before_opening=bad, rng=1)
