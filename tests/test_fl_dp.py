"""Tests of privlab.fl.dp: clipping, the noisy sum, and the accounting of DP-FedAvg.

The noise is checked statistically (fixed seeds, tolerances of five standard
errors) with a broken variant that the same check must reject. The Renyi DP
of the sampled Gaussian mechanism is checked against its closed forms (``q =
1``, order 2), a direct summation without logs, its small-``q`` behaviour, a
published figure, and, when Google's ``dp-accounting`` package is installed,
against its RDP accountant.
"""

from __future__ import annotations

import decimal
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from privlab import InvalidParameterError
from privlab.dp.composition import gaussian_rdp, rdp_to_dp
from privlab.fl.dp import (
    DEFAULT_ORDERS,
    clip_update,
    dp_fedavg_average,
    dp_fedavg_epsilon,
    dp_fedavg_rdp,
    noise_multiplier_for,
    noisy_sum,
)

# --------------------------------------------------------------------------
# clip_update
# --------------------------------------------------------------------------

UPDATES = hnp.arrays(
    np.float64,
    st.integers(1, 20),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
CLIP_NORMS = st.floats(1e-3, 1e3)


def test_clip_update_at_hand_computed_values():
    np.testing.assert_allclose(clip_update([3.0, 4.0], clip_norm=1.0), [0.6, 0.8])
    np.testing.assert_allclose(clip_update([3.0, 4.0], clip_norm=10.0), [3.0, 4.0])
    np.testing.assert_array_equal(clip_update([0.0, 0.0], clip_norm=1.0), [0.0, 0.0])
    np.testing.assert_array_equal(clip_update([-2], clip_norm=2), [-2.0])  # on the boundary


def test_clip_update_leaves_its_argument_alone():
    update = np.array([3.0, 4.0])
    clip_update(update, clip_norm=1.0)
    np.testing.assert_array_equal(update, [3.0, 4.0])


@settings(max_examples=200, deadline=None)
@given(update=UPDATES, clip_norm=CLIP_NORMS)
def test_clipped_norm_is_at_most_the_clip_norm(update, clip_norm):
    assert np.linalg.norm(clip_update(update, clip_norm)) <= clip_norm * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(update=UPDATES, clip_norm=CLIP_NORMS)
def test_short_updates_are_unchanged(update, clip_norm):
    if np.linalg.norm(update) <= clip_norm:
        np.testing.assert_array_equal(clip_update(update, clip_norm), update)


@settings(max_examples=200, deadline=None)
@given(update=UPDATES, clip_norm=CLIP_NORMS)
def test_clipping_keeps_the_direction(update, clip_norm):
    norm = np.linalg.norm(update)
    clipped = clip_update(update, clip_norm)
    if norm > clip_norm:
        assert np.linalg.norm(clipped) == pytest.approx(clip_norm, rel=1e-12)
        # the same direction: clipped = update * (C / |update|), every ratio kept
        np.testing.assert_allclose(clipped * norm, update * clip_norm, rtol=1e-12, atol=1e-300)
    assert np.all(np.sign(clipped) == np.sign(update))


# --------------------------------------------------------------------------
# noisy_sum and dp_fedavg_average
# --------------------------------------------------------------------------

ROWS = np.array([[3.0, 4.0, 0.0], [0.3, 0.4, 0.0], [0.0, 0.0, -7.0], [1.0, -1.0, 1.0]])
CLIPPED_SUM = sum(clip_update(row, 2.5) for row in ROWS)
DRAWS = 20_000


def test_noisy_sum_without_noise_is_the_clipped_sum():
    total = noisy_sum(ROWS, clip_norm=2.5, noise_multiplier=1e-12, rng=0)
    np.testing.assert_allclose(total, CLIPPED_SUM, atol=1e-9)
    as_list = noisy_sum([list(row) for row in ROWS], clip_norm=2.5, noise_multiplier=1e-12, rng=0)
    np.testing.assert_allclose(as_list, CLIPPED_SUM, atol=1e-9)


def test_noisy_sum_is_reproducible_with_a_seed():
    first = noisy_sum(ROWS, clip_norm=1.0, noise_multiplier=1.0, rng=5)
    second = noisy_sum(ROWS, clip_norm=1.0, noise_multiplier=1.0, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, noisy_sum(ROWS, clip_norm=1.0, noise_multiplier=1.0, rng=6))


def test_a_round_without_devices_still_releases_noise():
    total = noisy_sum(np.empty((0, 4)), clip_norm=1.0, noise_multiplier=1.0, rng=0)
    assert total.shape == (4,)
    assert np.all(total != 0)


def _noise_is_right(sum_function, clip_norm, noise_multiplier):
    """Mean 0 and standard deviation z * C per coordinate, within 5 standard errors."""
    rng = np.random.default_rng(2024)
    clipped_sum = sum(clip_update(row, clip_norm) for row in ROWS)
    noise = np.array(
        [
            sum_function(ROWS, clip_norm=clip_norm, noise_multiplier=noise_multiplier, rng=rng)
            - clipped_sum
            for _ in range(DRAWS)
        ]
    )
    sigma = noise_multiplier * clip_norm
    mean_ok = np.all(np.abs(noise.mean(axis=0)) < 5 * sigma / math.sqrt(DRAWS))
    # the standard error of a sample standard deviation is sigma / sqrt(2 n)
    std_ok = np.all(np.abs(noise.std(axis=0, ddof=1) - sigma) < 5 * sigma / math.sqrt(2 * DRAWS))
    return bool(mean_ok), bool(std_ok)


def _noise_forgets_the_clip_norm(updates, *, clip_norm, noise_multiplier, rng):
    """Broken: noise of standard deviation z instead of z * C."""
    clipped = np.array([clip_update(row, clip_norm) for row in updates])
    return clipped.sum(axis=0) + rng.normal(0.0, noise_multiplier, size=clipped.shape[1])


@pytest.mark.parametrize(("clip_norm", "noise_multiplier"), [(2.5, 1.3), (0.5, 0.8)])
def test_noise_has_mean_zero_and_scale_z_times_c(clip_norm, noise_multiplier):
    assert _noise_is_right(noisy_sum, clip_norm, noise_multiplier) == (True, True)
    _, std_ok = _noise_is_right(_noise_forgets_the_clip_norm, clip_norm, noise_multiplier)
    assert not std_ok  # the same check catches noise that forgets C


def test_average_divides_the_noisy_sum_by_the_expected_devices():
    total = noisy_sum(ROWS, clip_norm=2.5, noise_multiplier=1.1, rng=3)
    average = dp_fedavg_average(
        ROWS, clip_norm=2.5, noise_multiplier=1.1, expected_devices=3.2, rng=3
    )
    np.testing.assert_allclose(average, total / 3.2, rtol=1e-15)


# --------------------------------------------------------------------------
# Renyi DP of one round
# --------------------------------------------------------------------------

NOISE_MULTIPLIERS = [0.5, 1.0, 1.1, 3.0, 10.0]


@pytest.mark.parametrize("noise_multiplier", NOISE_MULTIPLIERS)
def test_without_sampling_it_is_the_gaussian_mechanism(noise_multiplier):
    orders = np.arange(2, 257)
    ours = dp_fedavg_rdp(orders, sampling_rate=1.0, noise_multiplier=noise_multiplier)
    np.testing.assert_allclose(ours, orders / (2 * noise_multiplier**2), rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours, gaussian_rdp(orders, 1.0, noise_multiplier), rtol=1e-12)


@pytest.mark.parametrize("sampling_rate", [1e-8, 1e-4, 0.01, 0.3, 0.9])
@pytest.mark.parametrize("noise_multiplier", NOISE_MULTIPLIERS)
def test_order_two_closed_form(sampling_rate, noise_multiplier):
    # A_2 = (1-q)^2 + 2q(1-q) + q^2 e^{1/z^2} = 1 + q^2 (e^{1/z^2} - 1)
    expected = math.log1p(sampling_rate**2 * math.expm1(1 / noise_multiplier**2))
    ours = dp_fedavg_rdp(2, sampling_rate, noise_multiplier)
    assert ours == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("sampling_rate", [0.05, 0.3, 0.7])
@pytest.mark.parametrize("noise_multiplier", [0.8, 2.0, 5.0])
def test_matches_the_sum_written_out(sampling_rate, noise_multiplier):
    q, z = sampling_rate, noise_multiplier
    for order in range(2, 31):
        a = sum(
            math.comb(order, k)
            * (1 - q) ** (order - k)
            * q**k
            * math.exp((k * k - k) / (2 * z * z))
            for k in range(order + 1)
        )
        assert dp_fedavg_rdp(order, q, z) == pytest.approx(math.log(a) / (order - 1), rel=1e-10)


@pytest.mark.parametrize(
    ("sampling_rate", "noise_multiplier", "order"),
    [(1e-5, 4.0, 80), (1e-5, 4.0, 132), (1e-3, 20.0, 200), (1e-6, 1.0, 8), (0.01, 1.1, 5)],
)
def test_tiny_sampling_rates_keep_their_digits(sampling_rate, noise_multiplier, order):
    with decimal.localcontext() as context:  # A_alpha written out with 60 significant digits
        context.prec = 60
        q, z = decimal.Decimal(sampling_rate), decimal.Decimal(noise_multiplier)
        a = sum(
            math.comb(order, k) * (1 - q) ** (order - k) * q**k * ((k * k - k) / (2 * z * z)).exp()
            for k in range(order + 1)
        )
        exact = float(a.ln() / (order - 1))
    assert dp_fedavg_rdp(order, sampling_rate, noise_multiplier) == pytest.approx(exact, rel=1e-12)


def test_returns_a_float_for_one_order_and_an_array_for_several():
    assert isinstance(dp_fedavg_rdp(4, 0.1, 1.0), float)
    assert dp_fedavg_rdp([2, 4, 8], 0.1, 1.0).shape == (3,)
    assert dp_fedavg_rdp(np.array([2.0, 3.0]), 0.1, 1.0).shape == (2,)  # whole-valued floats


def test_large_orders_and_little_noise_stay_finite():
    rdp = dp_fedavg_rdp([2, 256, 2000], sampling_rate=0.5, noise_multiplier=0.05)
    assert np.all(np.isfinite(rdp)) and np.all(np.diff(rdp) > 0)


def test_more_sampling_costs_more_privacy():
    rates = [1e-4, 1e-3, 0.01, 0.05, 0.2, 0.5, 0.9, 1.0]
    for order in (2, 5, 32, 256):
        rdp = [dp_fedavg_rdp(order, q, 1.1) for q in rates]
        assert np.all(np.diff(rdp) > 0), order


def test_more_noise_costs_less_privacy():
    multipliers = [0.3, 0.5, 0.8, 1.0, 1.5, 3.0, 10.0]
    for order in (2, 5, 32, 256):
        rdp = [dp_fedavg_rdp(order, 0.01, z) for z in multipliers]
        assert np.all(np.diff(rdp) < 0), order


@pytest.mark.parametrize("noise_multiplier", [2.0, 4.0, 10.0])
@pytest.mark.parametrize("sampling_rate", [1e-4, 1e-3, 0.01])
def test_small_sampling_rates_scale_like_q_squared(sampling_rate, noise_multiplier):
    q, z = sampling_rate, noise_multiplier
    orders = np.arange(2, 33)
    rdp = dp_fedavg_rdp(orders, q, z)
    # the rough rule 2 q^2 alpha / z^2 is an upper bound here (Mironov, Talwar
    # and Zhang 2019), about 4 times the truth
    bound = 2 * q**2 * orders / z**2
    assert np.all(rdp <= bound)
    assert np.all(rdp >= 0.2 * bound)
    # the leading term: only k = 2 of A_alpha - 1, alpha q^2 (e^{1/z^2} - 1) / 2
    leading = orders * q**2 * math.expm1(1 / z**2) / 2
    if q <= 1e-3:
        np.testing.assert_allclose(rdp[:15], leading[:15], rtol=1e-2)  # orders 2 to 16


# --------------------------------------------------------------------------
# Epsilon of many rounds, and the noise for a target epsilon
# --------------------------------------------------------------------------


def test_epsilon_grows_with_rounds():
    rounds = [1, 2, 5, 10, 100, 1000, 10_000]
    epsilons = [
        dp_fedavg_epsilon(rounds=t, sampling_rate=0.01, noise_multiplier=1.1, delta=1e-5)
        for t in rounds
    ]
    assert np.all(np.diff(epsilons) > 0)


def test_epsilon_falls_with_noise_and_rises_with_sampling():
    by_noise = [
        dp_fedavg_epsilon(rounds=100, sampling_rate=0.05, noise_multiplier=z, delta=1e-5)
        for z in (0.7, 1.0, 2.0, 5.0)
    ]
    by_rate = [
        dp_fedavg_epsilon(rounds=100, sampling_rate=q, noise_multiplier=1.0, delta=1e-5)
        for q in (0.001, 0.01, 0.1, 1.0)
    ]
    assert np.all(np.diff(by_noise) < 0) and np.all(np.diff(by_rate) > 0)


def test_epsilon_is_the_improved_conversion_of_the_composed_rdp():
    orders = np.arange(2, 65)
    rdp = 250 * dp_fedavg_rdp(orders, 0.02, 0.9)
    expected, _ = rdp_to_dp(rdp, orders, 1e-6, conversion="improved")
    ours = dp_fedavg_epsilon(
        rounds=250, sampling_rate=0.02, noise_multiplier=0.9, delta=1e-6, orders=orders
    )
    assert ours == expected
    default = dp_fedavg_epsilon(rounds=250, sampling_rate=0.02, noise_multiplier=0.9, delta=1e-6)
    assert default <= ours  # more orders to choose from, never worse
    assert np.array_equal(DEFAULT_ORDERS, np.arange(2, 257))


def test_abadi_et_al_figure():
    # Abadi et al. (2016), section 3.1: q = 0.01, sigma = 4, 10,000 steps,
    # delta = 1e-5 gives epsilon = 1.26 with the moments accountant, which is
    # Renyi DP at whole orders with the conversion of Mironov (2017).
    orders = np.arange(2, 33)
    rdp = 10_000 * dp_fedavg_rdp(orders, sampling_rate=0.01, noise_multiplier=4.0)
    moments_accountant, _ = rdp_to_dp(rdp, orders, 1e-5, conversion="mironov")
    assert round(moments_accountant, 2) == 1.26


@pytest.mark.parametrize(
    ("noise_multiplier", "expected"),
    [(4.0, 1.0354900660362436), (1.1, 5.6543080001495145)],
)
def test_dp_sgd_mnist_setting(noise_multiplier, expected):
    # q = 0.01, 10,000 rounds, delta = 1e-5; the expected values are those of
    # dp-accounting's RdpAccountant with orders 2 to 256 (version 0.6.0)
    ours = dp_fedavg_epsilon(
        rounds=10_000, sampling_rate=0.01, noise_multiplier=noise_multiplier, delta=1e-5
    )
    assert ours == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("epsilon", "rounds", "sampling_rate"),
    [(2.0, 100, 0.05), (0.5, 1, 1.0), (8.0, 10_000, 0.01), (1.0, 1000, 0.001)],
)
def test_noise_multiplier_for_hits_the_target(epsilon, rounds, sampling_rate):
    def epsilon_of(z):
        return dp_fedavg_epsilon(
            rounds=rounds, sampling_rate=sampling_rate, noise_multiplier=z, delta=1e-5
        )

    z = noise_multiplier_for(epsilon, rounds=rounds, sampling_rate=sampling_rate, delta=1e-5)
    assert epsilon_of(z) <= epsilon  # rounded up: never above the target
    assert epsilon_of(z * (1 - 1e-6)) > epsilon  # and not much more noise than needed
    assert epsilon_of(z) == pytest.approx(epsilon, rel=1e-6)


def test_noise_multiplier_for_falls_as_epsilon_grows():
    zs = [noise_multiplier_for(e, rounds=100, sampling_rate=0.05, delta=1e-5) for e in (1, 2, 4)]
    assert np.all(np.diff(zs) < 0)


def test_noise_multiplier_for_refuses_an_epsilon_no_noise_can_reach():
    # at delta = 1e-5 the orders 2 to 256 cannot show less than about 0.0195
    with pytest.raises(InvalidParameterError, match=r"^epsilon must be > 0\.01948"):
        noise_multiplier_for(0.01, rounds=1, sampling_rate=0.01, delta=1e-5)
    z = noise_multiplier_for(0.03, rounds=1, sampling_rate=0.01, delta=1e-5)
    assert 0 < z < math.inf


# --------------------------------------------------------------------------
# Against Google's dp-accounting (skipped when it is not installed)
# --------------------------------------------------------------------------

REFERENCE_CASES = [
    (1e-3, 0.8, 1000),
    (0.01, 1.1, 10_000),
    (0.01, 4.0, 10_000),
    (0.05, 1.0, 100),
    (0.3, 2.0, 50),
    (1.0, 5.0, 10),
]


@pytest.mark.parametrize("sampling_rate", [1e-5, 1e-3, 0.01, 0.05, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("noise_multiplier", [0.3, 0.8, 1.1, 4.0, 20.0])
def test_rdp_matches_dp_accounting(sampling_rate, noise_multiplier):
    pytest.importorskip("dp_accounting")
    from dp_accounting.rdp.rdp_privacy_accountant import (  # their per-order RDP, same formula
        _compute_rdp_poisson_subsampled_gaussian,
    )

    theirs = _compute_rdp_poisson_subsampled_gaussian(
        sampling_rate, noise_multiplier, DEFAULT_ORDERS
    )
    ours = dp_fedavg_rdp(DEFAULT_ORDERS, sampling_rate, noise_multiplier)
    # they add up log A directly, which loses about 1e-16 in absolute terms
    # (relative 5e-9 for RDP near 1e-10); ours is within 1e-13 of the exact
    # value there (test_tiny_sampling_rates_keep_their_digits)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(("sampling_rate", "noise_multiplier", "rounds"), REFERENCE_CASES)
@pytest.mark.parametrize("delta", [1e-5, 1e-8])
def test_epsilon_matches_dp_accounting(sampling_rate, noise_multiplier, rounds, delta):
    dp_accounting = pytest.importorskip("dp_accounting")
    # their get_epsilon uses the same "improved" conversion; same orders for both
    theirs = dp_accounting.rdp.RdpAccountant(orders=DEFAULT_ORDERS)
    event = dp_accounting.PoissonSampledDpEvent(
        sampling_rate, dp_accounting.GaussianDpEvent(noise_multiplier)
    )
    theirs.compose(event, count=rounds)
    ours = dp_fedavg_epsilon(
        rounds=rounds, sampling_rate=sampling_rate, noise_multiplier=noise_multiplier, delta=delta
    )
    assert ours == pytest.approx(theirs.get_epsilon(delta), rel=1e-6)


@pytest.mark.parametrize(
    ("epsilon", "rounds", "sampling_rate"), [(2.0, 100, 0.05), (8.0, 10_000, 0.01)]
)
def test_noise_multiplier_for_matches_dp_accounting(epsilon, rounds, sampling_rate):
    dp_accounting = pytest.importorskip("dp_accounting")

    def event(z):
        gaussian = dp_accounting.GaussianDpEvent(z)
        return dp_accounting.SelfComposedDpEvent(
            dp_accounting.PoissonSampledDpEvent(sampling_rate, gaussian), rounds
        )

    theirs = dp_accounting.calibrate_dp_mechanism(
        lambda: dp_accounting.rdp.RdpAccountant(orders=DEFAULT_ORDERS),
        event,
        epsilon,
        1e-5,
        dp_accounting.LowerEndpointAndGuess(0.1, 1.0),
        tol=1e-9,
    )
    ours = noise_multiplier_for(epsilon, rounds=rounds, sampling_rate=sampling_rate, delta=1e-5)
    assert ours == pytest.approx(theirs, rel=1e-6)


# --------------------------------------------------------------------------
# Bad input: every parameter names itself
# --------------------------------------------------------------------------

BAD_POSITIVE = [0, -1.0, float("nan"), float("inf"), "1", None, True, [1.0]]
BAD_RATE = [0, -0.1, 1.5, float("nan"), "0.1", None, True, [0.1]]
BAD_DELTA = [0, 1, -0.1, 1.5, float("nan"), "1e-5", None, True, [1e-5]]
BAD_ROUNDS = [0, -3, 2.5, 10.0, "10", None, True]
BAD_ORDERS = [1, 1.5, [2, 3.5], [0, 2], [[2, 3]], [], "2", [2, float("nan")], None]
BAD_UPDATE = [[], 3.0, [[1.0, 2.0]], [1.0, float("nan")], [1.0, float("inf")], ["a"], None]
BAD_UPDATES = [
    [],
    [1.0, 2.0],
    [[1.0, 2.0], [1.0]],
    [[1.0, float("nan")]],
    np.ones((2, 0)),
    np.ones((2, 2, 2)),
    "updates",
    None,
]

ROUND = {"clip_norm": 1.0, "noise_multiplier": 1.0, "rng": 0}
EPS = {"rounds": 10, "sampling_rate": 0.1, "noise_multiplier": 1.0, "delta": 1e-5}
TARGET = {"rounds": 10, "sampling_rate": 0.1, "delta": 1e-5}


def _with(settings_: dict, **changes) -> dict:
    return settings_ | changes


CASES = [
    ("clip_norm", BAD_POSITIVE, lambda bad: clip_update([1.0, 2.0], bad)),
    ("update", BAD_UPDATE, lambda bad: clip_update(bad, 1.0)),
    ("updates", BAD_UPDATES, lambda bad: noisy_sum(bad, **ROUND)),
    ("clip_norm", BAD_POSITIVE, lambda bad: noisy_sum(ROWS, **_with(ROUND, clip_norm=bad))),
    (
        "noise_multiplier",
        BAD_POSITIVE,
        lambda bad: noisy_sum(ROWS, **_with(ROUND, noise_multiplier=bad)),
    ),
    ("rng", [-1, 1.5, "seed"], lambda bad: noisy_sum(ROWS, **_with(ROUND, rng=bad))),
    ("updates", BAD_UPDATES, lambda bad: dp_fedavg_average(bad, expected_devices=5, **ROUND)),
    (
        "expected_devices",
        BAD_POSITIVE,
        lambda bad: dp_fedavg_average(ROWS, expected_devices=bad, **ROUND),
    ),
    ("orders", BAD_ORDERS, lambda bad: dp_fedavg_rdp(bad, 0.1, 1.0)),
    ("sampling_rate", BAD_RATE, lambda bad: dp_fedavg_rdp(2, bad, 1.0)),
    ("noise_multiplier", BAD_POSITIVE, lambda bad: dp_fedavg_rdp(2, 0.1, bad)),
    ("rounds", BAD_ROUNDS, lambda bad: dp_fedavg_epsilon(**_with(EPS, rounds=bad))),
    ("sampling_rate", BAD_RATE, lambda bad: dp_fedavg_epsilon(**_with(EPS, sampling_rate=bad))),
    (
        "noise_multiplier",
        BAD_POSITIVE,
        lambda bad: dp_fedavg_epsilon(**_with(EPS, noise_multiplier=bad)),
    ),
    ("delta", BAD_DELTA, lambda bad: dp_fedavg_epsilon(**_with(EPS, delta=bad))),
    ("orders", BAD_ORDERS[:-1], lambda bad: dp_fedavg_epsilon(**_with(EPS, orders=bad))),
    ("epsilon", BAD_POSITIVE, lambda bad: noise_multiplier_for(bad, **TARGET)),
    ("rounds", BAD_ROUNDS, lambda bad: noise_multiplier_for(1.0, **_with(TARGET, rounds=bad))),
    (
        "sampling_rate",
        BAD_RATE,
        lambda bad: noise_multiplier_for(1.0, **_with(TARGET, sampling_rate=bad)),
    ),
    ("delta", BAD_DELTA, lambda bad: noise_multiplier_for(1.0, **_with(TARGET, delta=bad))),
    ("orders", BAD_ORDERS[:-1], lambda bad: noise_multiplier_for(1.0, **TARGET, orders=bad)),
]


@pytest.mark.parametrize(
    ("name", "bad", "call"),
    [(name, bad, call) for name, bads, call in CASES for bad in bads],
    ids=lambda value: repr(value) if not callable(value) else "",
)
def test_bad_parameters_name_themselves(name, bad, call):
    with pytest.raises(InvalidParameterError, match=rf"^{name} must .*; got "):
        call(bad)


def test_ragged_updates_say_which_lengths():
    with pytest.raises(InvalidParameterError, match=r"^updates must all have the same length"):
        noisy_sum([[1.0, 2.0], [1.0, 2.0, 3.0]], **ROUND)
