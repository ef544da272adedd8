"""Tests of privlab.dp.composition: the formulas, and every accountant against the exact answer.

For the Gaussian mechanism the exact total privacy of k releases is known
(one release with noise sigma / sqrt(k)), so every accountant is checked to
be *sound* (never below the exact epsilon) on a grid of k and sigma, and the
modern ones to be *useful* (well below adding epsilons). The exact answer is
itself checked by simulating k releases, and, when Google's ``dp-accounting``
package is installed, against its PLD and RDP accountants.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from privlab import InvalidParameterError
from privlab.dp import composition
from privlab.dp.composition import (
    RDP_ORDERS,
    advanced_composition,
    basic_composition,
    composition_curves,
    gaussian_rdp,
    gaussian_zcdp,
    rdp_to_dp,
    zcdp_to_dp,
)
from privlab.dp.gaussian import analytic_gaussian_sigma, gaussian_delta, gaussian_epsilon

ACCOUNTANTS = ("basic", "advanced", "zcdp", "rdp")
SIGMAS = [0.5, 1.0, 2.0, 5.0, 20.0, 100.0]
QUERIES = np.array([1, 2, 5, 10, 30, 100, 300, 1000, 10_000])


# --------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------


def test_basic_composition_adds_up():
    assert basic_composition([0.5, 0.25, 0.25]) == (1.0, 0.0)
    assert basic_composition(0.3) == (0.3, 0.0)
    assert basic_composition([1.0, 1.0, 1.0], deltas=1e-6) == pytest.approx((3.0, 3e-6))
    assert basic_composition([1.0, 2.0], deltas=[1e-6, 1e-5]) == pytest.approx((3.0, 1.1e-5))


def test_advanced_composition_at_hand_computed_values():
    # sqrt(2 * 100 * ln(1e6)) * 0.1 + 100 * 0.1 * (e^0.1 - 1) = 5.256516 + 1.051709
    epsilon, delta = advanced_composition(0.1, 0.0, k=100, delta_slack=1e-6)
    assert epsilon == pytest.approx(6.308231, abs=1e-6)
    assert delta == 1e-6
    # sqrt(2 * 10000 * ln(1e5)) * 0.01 + 10000 * 0.01 * (e^0.01 - 1) = 4.798526 + 1.005017
    epsilon, delta = advanced_composition(0.01, 1e-8, k=10_000, delta_slack=1e-5)
    assert epsilon == pytest.approx(5.803543, abs=1e-6)
    assert delta == pytest.approx(10_000 * 1e-8 + 1e-5)  # k delta + delta'


def test_advanced_beats_basic_only_for_small_epsilon_and_many_releases():
    assert advanced_composition(0.01, 0.0, 10_000, 1e-6)[0] < 10_000 * 0.01
    assert advanced_composition(0.01, 0.0, 10, 1e-6)[0] > 10 * 0.01  # too few releases
    assert advanced_composition(1.0, 0.0, 10_000, 1e-6)[0] > 10_000 * 1.0  # epsilon too big


@pytest.mark.parametrize("k", [1, 7, 100, 5000])
@pytest.mark.parametrize("sigma", [0.3, 2.0, 40.0])
def test_gaussian_rdp_composes_additively(k, sigma):
    # k releases at noise sigma have the Renyi DP of one release at sigma / sqrt(k)
    orders = np.array([1.5, 2.0, 10.0, 100.0])
    composed = k * gaussian_rdp(orders, 1.0, sigma)
    np.testing.assert_allclose(
        composed, gaussian_rdp(orders, 1.0, sigma / math.sqrt(k)), rtol=1e-12
    )


def test_gaussian_rdp_and_zcdp_closed_forms():
    assert gaussian_rdp(2.0, 1.0, 5.0) == pytest.approx(2 / 50)
    assert gaussian_rdp(3.0, 2.0, 1.0) == pytest.approx(3 * 4 / 2)
    assert gaussian_zcdp(1.0, 5.0) == pytest.approx(1 / 50)
    orders = np.linspace(1.1, 50, 30)  # zCDP: Renyi DP grows linearly in the order, rho * alpha
    np.testing.assert_allclose(gaussian_rdp(orders, 3.0, 2.0) / orders, gaussian_zcdp(3.0, 2.0))


def test_rdp_to_dp_at_hand_computed_values():
    # one order alpha = 2 with rdp 0.5, delta = e^-10
    # Mironov: 0.5 + 10 / (2 - 1) = 10.5
    # improved: 0.5 + ln(1/2) - (-10 + ln 2) / (2 - 1) = 10.5 - 2 ln 2 = 9.113706
    assert rdp_to_dp(0.5, 2.0, math.exp(-10)) == pytest.approx((10.5, 2.0))
    improved = rdp_to_dp(0.5, 2.0, math.exp(-10), conversion="improved")
    assert improved == pytest.approx((9.113706, 2.0))


def test_rdp_to_dp_picks_the_best_order():
    orders = np.array([2.0, 4.0, 8.0, 16.0, 32.0])
    rdp = 100 * gaussian_rdp(orders, 1.0, 5.0)
    each = rdp + math.log(1e6) / (orders - 1)
    epsilon, order = rdp_to_dp(rdp, orders, 1e-6)
    assert epsilon == pytest.approx(each.min()) and order == orders[np.argmin(each)]


@pytest.mark.parametrize("rho", [1e-4, 0.02, 1.0, 50.0])
@pytest.mark.parametrize("delta", [1e-3, 1e-6, 1e-10])
def test_zcdp_conversion_is_mironov_at_the_best_order(rho, delta):
    orders = 1 + np.geomspace(1e-4, 1e6, 20_001)
    mironov, _ = rdp_to_dp(rho * orders, orders, delta)
    improved, _ = rdp_to_dp(rho * orders, orders, delta, conversion="improved")
    assert zcdp_to_dp(rho, delta) <= mironov <= zcdp_to_dp(rho, delta) * (1 + 1e-6)
    assert improved < mironov  # the improved conversion always gives less


# --------------------------------------------------------------------------
# The exact composition, by simulation
# --------------------------------------------------------------------------


def composed_delta_by_simulation(k: int, sigma: float, epsilon: float, releases: int) -> tuple:
    """delta(eps) of k Gaussian releases from simulated outputs, with a 6-SE margin.

    Each of ``releases`` simulated runs makes k releases on D (answers 1)
    and adds up their privacy losses against D' (answers 0),
    ln p_D(x) / p_D'(x) = (2x - 1) / (2 sigma^2). Then
    delta(eps) = E[(1 - e^(eps - L))_+].
    """
    rng = np.random.default_rng(30)
    outputs = 1.0 + sigma * rng.standard_normal((releases, k))
    loss = ((2 * outputs - 1) / (2 * sigma**2)).sum(axis=1)
    terms = np.maximum(-np.expm1(epsilon - loss), 0.0)
    return float(terms.mean()), 6 * float(terms.std()) / math.sqrt(releases)


@pytest.mark.parametrize(("k", "sigma", "epsilon"), [(10, 3.0, 1.0), (50, 5.0, 2.0)])
def test_k_gaussian_releases_are_one_with_sigma_over_sqrt_k(k, sigma, epsilon):
    estimate, margin = composed_delta_by_simulation(k, sigma, epsilon, releases=40_000)
    assert abs(estimate - gaussian_delta(epsilon, 1.0, sigma / math.sqrt(k))) < margin
    # a broken rule (noise adds up like standard deviations, sigma / k) is caught
    assert abs(estimate - gaussian_delta(epsilon, 1.0, sigma / k)) > margin


# --------------------------------------------------------------------------
# All accountants side by side
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", SIGMAS)
def test_every_accountant_is_sound(sigma):
    curves = composition_curves(QUERIES, sigma=sigma, delta=1e-6)
    for name in ACCOUNTANTS:
        assert np.all(curves[name] >= curves["exact"] * (1 - 1e-9)), name


@pytest.mark.parametrize("sigma", SIGMAS)
def test_rdp_and_zcdp_beat_adding_epsilons_for_many_releases(sigma):
    curves = composition_curves(QUERIES, sigma=sigma, delta=1e-6)
    many = QUERIES >= 30
    assert np.all(curves["zcdp"][many] < curves["basic"][many])
    assert np.all(curves["rdp"][many] <= curves["zcdp"][many])
    assert np.all(curves["rdp"][many] < 1.1 * curves["exact"][many])  # close to the truth


def test_exact_curve_values():
    curves = composition_curves([1, 100], sigma=5.0, delta=1e-6)
    assert curves["exact"][0] == pytest.approx(gaussian_epsilon(1e-6, 1.0, 5.0))
    assert curves["exact"][1] == pytest.approx(gaussian_epsilon(1e-6, 1.0, 0.5))
    assert curves["basic"][0] == pytest.approx(curves["exact"][0])  # one release: no composing


def test_each_curve_matches_its_formula():
    k, sigma, delta = 40, 3.0, 1e-5
    curves = composition_curves([k], sigma=sigma, sensitivity=2.0, delta=delta)
    assert curves["basic"][0] == pytest.approx(k * gaussian_epsilon(delta / k, 2.0, sigma))
    per_release = gaussian_epsilon(delta / (2 * k), 2.0, sigma)
    expected = advanced_composition(per_release, delta / (2 * k), k, delta / 2)
    assert curves["advanced"][0] == pytest.approx(expected[0])
    assert expected[1] == pytest.approx(delta)  # the delta split adds up to the total
    assert curves["zcdp"][0] == pytest.approx(zcdp_to_dp(k * gaussian_zcdp(2.0, sigma), delta))
    rdp = k * gaussian_rdp(RDP_ORDERS, 2.0, sigma)
    assert curves["rdp"][0] == pytest.approx(
        rdp_to_dp(rdp, RDP_ORDERS, delta, conversion="improved")[0]
    )


def test_advanced_loses_for_few_releases_and_wins_for_many_with_enough_noise():
    curves = composition_curves([1, 1000], sigma=20.0, delta=1e-6)
    assert curves["advanced"][0] > curves["basic"][0]
    assert curves["advanced"][1] < curves["basic"][1]
    # with little noise each release has epsilon near 1, and advanced never wins
    curves = composition_curves([1, 10, 100, 1000, 10_000], sigma=5.0, delta=1e-6)
    assert np.all(curves["advanced"] > curves["basic"])


def test_curves_grow_with_the_number_of_releases():
    curves = composition_curves(np.arange(1, 200), sigma=2.0)
    for name, total in curves.items():
        assert np.all(np.diff(total) > 0), name


def test_curves_are_fast_enough_for_a_slider():
    queries = np.linspace(1, 1000, 50).astype(int)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        composition_curves(queries, sigma=5.0)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.020  # budget of one chart update; typically about 4 ms


# --------------------------------------------------------------------------
# Against Google's dp-accounting (skipped when it is not installed)
# --------------------------------------------------------------------------

CROSS_CHECKS = [(1.0, 1), (1.0, 100), (5.0, 1), (5.0, 10), (5.0, 1000), (20.0, 100)]


@pytest.mark.parametrize(("sigma", "k"), CROSS_CHECKS)
def test_rdp_matches_dp_accounting(sigma, k):
    dp_accounting = pytest.importorskip("dp_accounting")
    theirs = dp_accounting.rdp.RdpAccountant(orders=RDP_ORDERS)
    theirs.compose(dp_accounting.GaussianDpEvent(noise_multiplier=sigma), count=k)
    ours = composition_curves([k], sigma=sigma, delta=1e-6)["rdp"][0]
    assert ours == pytest.approx(theirs.get_epsilon(1e-6), rel=1e-9)  # same formula


@pytest.mark.parametrize(("sigma", "k"), CROSS_CHECKS)
def test_zcdp_rho_matches_dp_accounting_gaussian_rdp(sigma, k):
    dp_accounting = pytest.importorskip("dp_accounting")
    as_gaussian = dp_accounting.rdp.RdpAccountant(orders=RDP_ORDERS)
    as_gaussian.compose(dp_accounting.GaussianDpEvent(noise_multiplier=sigma), count=k)
    as_zcdp = dp_accounting.rdp.RdpAccountant(orders=RDP_ORDERS)
    as_zcdp.compose(dp_accounting.ZCDpEvent(rho=gaussian_zcdp(1.0, sigma)), count=k)
    assert as_zcdp.get_epsilon(1e-6) == pytest.approx(as_gaussian.get_epsilon(1e-6), rel=1e-9)
    assert zcdp_to_dp(k * gaussian_zcdp(1.0, sigma), 1e-6) >= as_gaussian.get_epsilon(1e-6)


@pytest.mark.parametrize(("sigma", "k"), CROSS_CHECKS)
def test_exact_matches_dp_accounting_pld(sigma, k):
    dp_accounting = pytest.importorskip("dp_accounting")
    pld = dp_accounting.pld.PLDAccountant(value_discretization_interval=1e-3)
    pld.compose(dp_accounting.GaussianDpEvent(noise_multiplier=sigma), count=k)
    ours = composition_curves([k], sigma=sigma, delta=1e-6)["exact"][0]
    # PLD discretises pessimistically: a hair above the exact value, never below
    assert ours <= pld.get_epsilon(1e-6) <= ours * (1 + 1e-4)


@pytest.mark.parametrize("sigma", [0.3, 1.0, 5.0, 40.0])
@pytest.mark.parametrize("delta", [1e-2, 1e-6, 1e-12])
def test_analytic_gaussian_matches_dp_accounting(sigma, delta):
    dp_accounting = pytest.importorskip("dp_accounting")
    theirs = dp_accounting.get_epsilon_gaussian(sigma, delta)
    assert gaussian_epsilon(delta, 1.0, sigma) == pytest.approx(theirs, rel=1e-9, abs=1e-12)
    epsilon = max(theirs, 0.05)
    sigma_theirs = dp_accounting.get_sigma_gaussian(epsilon, delta)
    assert analytic_gaussian_sigma(1.0, epsilon, delta) == pytest.approx(sigma_theirs, rel=1e-9)


# --------------------------------------------------------------------------
# Bad input: every parameter, every class of mistake
# --------------------------------------------------------------------------

BAD_POSITIVE = [0, -1, float("nan"), float("inf"), "1", None, True, [1.0]]
BAD_DELTA = [0, 1, -0.1, 1.5, float("nan"), "0.1", None, True, [1e-6]]


@pytest.mark.parametrize("bad", BAD_POSITIVE)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda bad: advanced_composition(bad, 0.0, 10, 1e-6), "epsilon"),
        (lambda bad: gaussian_rdp(2.0, bad, 1.0), "sensitivity"),
        (lambda bad: gaussian_rdp(2.0, 1.0, bad), "sigma"),
        (lambda bad: gaussian_zcdp(bad, 1.0), "sensitivity"),
        (lambda bad: gaussian_zcdp(1.0, bad), "sigma"),
        (lambda bad: composition_curves([1, 2], sigma=bad), "sigma"),
        (lambda bad: composition_curves([1, 2], sigma=1.0, sensitivity=bad), "sensitivity"),
    ],
)
def test_positive_parameters_reject_bad_values(call, name, bad):
    with pytest.raises(InvalidParameterError, match=rf"^{name} must be .*; got "):
        call(bad)


@pytest.mark.parametrize("bad", BAD_DELTA)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda bad: advanced_composition(0.1, 0.0, 10, bad), "delta_slack"),
        (lambda bad: rdp_to_dp(1.0, 2.0, bad), "delta"),
        (lambda bad: zcdp_to_dp(0.1, bad), "delta"),
        (lambda bad: composition_curves([1, 2], sigma=1.0, delta=bad), "delta"),
    ],
)
def test_deltas_must_be_strictly_between_0_and_1(call, name, bad):
    with pytest.raises(InvalidParameterError, match=rf"^{name} must be .*; got "):
        call(bad)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: basic_composition([0.5, -0.1]), "epsilons must be a number >= 0"),
        (lambda: basic_composition([]), "epsilons must be a number or a non-empty 1-d array"),
        (lambda: basic_composition([[0.5]]), "epsilons must be a number or a non-empty 1-d"),
        (lambda: basic_composition("0.5"), "epsilons must be a number or an array"),
        (lambda: basic_composition([0.5], deltas=1.5), "deltas must be numbers from 0 to 1"),
        (lambda: basic_composition([0.5], deltas=-1e-6), "deltas must be numbers from 0 to 1"),
        (lambda: basic_composition([0.5, 1.0], deltas=[0.0] * 3), "deltas must be one number"),
        (lambda: advanced_composition(0.1, 1.0, 10, 1e-6), "delta must be a number in \\[0, 1\\)"),
        (lambda: advanced_composition(0.1, -0.1, 10, 1e-6), "delta must be a number in \\[0, 1\\)"),
        (lambda: advanced_composition(0.1, "0", 10, 1e-6), "delta must be a real number"),
        (lambda: advanced_composition(0.1, 0.0, 0, 1e-6), "k must be a whole number >= 1"),
        (lambda: advanced_composition(0.1, 0.0, 2.5, 1e-6), "k must be a whole number >= 1"),
        (lambda: gaussian_rdp(1.0, 1.0, 1.0), "alpha must be a number > 1; got 1.0"),
        (lambda: gaussian_rdp([2.0, 0.5], 1.0, 1.0), r"alpha must be .*shape \(2,\)"),
        (lambda: gaussian_rdp("2", 1.0, 1.0), "alpha must be a number or an array"),
        (lambda: rdp_to_dp(-0.1, 2.0, 1e-6), "rdp_epsilons must be a number >= 0"),
        (lambda: rdp_to_dp(0.1, 1.0, 1e-6), "orders must be numbers > 1"),
        (lambda: rdp_to_dp([0.1, 0.2], [2.0], 1e-6), "rdp_epsilons must be .* one entry per"),
        (lambda: rdp_to_dp([[0.1]], [[2.0]], 1e-6), "rdp_epsilons must be .* 1-d"),
        (lambda: rdp_to_dp(0.1, 2.0, 1e-6, conversion="best"), "conversion must be one of"),
        (lambda: zcdp_to_dp(-1.0, 1e-6), "rho must be a number >= 0"),
        (lambda: composition_curves(0, sigma=1.0), "queries must be a whole number >= 1"),
        (lambda: composition_curves([1, -2], sigma=1.0), "queries must be a whole number >= 1"),
        (lambda: composition_curves([1.5], sigma=1.0), "queries must be a whole number >= 1"),
        (lambda: composition_curves([], sigma=1.0), "queries must be a whole number >= 1"),
        (lambda: composition_curves([[1]], sigma=1.0), "queries must be a whole number >= 1"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


def test_public_names_are_listed():
    assert set(composition.__all__) == {
        "RDP_ORDERS",
        "advanced_composition",
        "basic_composition",
        "composition_curves",
        "gaussian_rdp",
        "gaussian_zcdp",
        "rdp_to_dp",
        "zcdp_to_dp",
    }
