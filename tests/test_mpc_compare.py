"""Tests of privlab.mpc.compare: secure comparison with a trusted dealer.

* Outputs are exact: ``secure_greater_than`` agrees with numpy's ``x > y`` on
  random arrays, equal values, negatives and the extremes, and over arrays
  drawn by hypothesis; ``secure_is_positive`` handles every signed 64-bit
  ``d`` except ``-2**63``.
* The opened ``c = d - 1 + r`` looks uniform whatever ``d`` is (chi-square at
  alpha about 1e-6, fixed seed), while a broken dealer whose mask is zero
  (so ``d`` itself is opened) fails the same test.
* Costs: rounds, messages and bytes are those in the module docstring.
* Every bad argument raises an error that names it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_mpc_sharing import looks_uniform, top_bits

from privlab import InvalidParameterError, mpc
from privlab.mpc import compare

LIMIT = 2**62 - 1  # largest |x| secure_greater_than accepts
COMPARED = st.integers(-LIMIT, LIMIT)
OPENED_C = "c = d − 1 + r (opened)"


def opened_c(network: mpc.Network) -> np.ndarray:
    """The value ``c`` both parties saw, rebuilt from the transcript (sum of the two shares)."""
    shares = [message.payload for message in network.messages if message.label == OPENED_C]
    assert len(shares) == 2
    return mpc.ring_add(*shares)


def is_positive(d: np.ndarray, rng: int) -> tuple[np.ndarray, mpc.Network]:
    """Run secure_is_positive on a fresh sharing of ``d``; the opened bits and the network."""
    network = mpc.Network()
    d_shares = mpc.share_additive(np.asarray(d, dtype=np.int64), parties=2, rng=rng)
    bits = mpc.secure_is_positive(d_shares, mpc.Dealer(), network, rng=rng + 1)
    return mpc.reconstruct_additive(bits), network


# --------------------------------------------------------------------------
# Exact results
# --------------------------------------------------------------------------


def test_greater_than_matches_numpy_on_random_and_special_values():
    rng = np.random.default_rng(0)
    x = rng.integers(-LIMIT, LIMIT, size=2_000, endpoint=True)
    y = rng.integers(-LIMIT, LIMIT, size=2_000, endpoint=True)
    y[:200] = x[:200]  # equal values
    y[200:400] = x[200:400] + rng.integers(-2, 3, size=200)  # neighbours
    y[400:600] = rng.integers(-5, 6, size=200)  # small, around zero
    x[400:600] = rng.integers(-5, 6, size=200)
    extremes = np.array([LIMIT, -LIMIT, 0, 1, -1])
    x[600:625], y[600:625] = np.repeat(extremes, 5), np.tile(extremes, 5)
    result = mpc.secure_greater_than(x, y, rng=1)
    assert result.output.dtype == bool
    np.testing.assert_array_equal(result.output, x > y)
    assert result.parties == ("publisher", "advertiser")


def test_greater_than_keeps_the_shape_and_gives_a_bool_for_single_numbers():
    result = mpc.secure_greater_than([[1, 2], [3, 4]], [[2, 2], [2, 2]], rng=0)
    np.testing.assert_array_equal(result.output, [[False, False], [True, True]])
    assert mpc.secure_greater_than(-3, -4, rng=0).output is True
    assert mpc.secure_greater_than(-4, -4, rng=0).output is False


def test_lesson_rule_purchase_counts_within_ten_seconds_after_the_ad():
    ad_time = np.array([100, 100, 100, 100])
    purchase = np.array([80, 89, 90, 200])
    result = mpc.secure_greater_than(purchase + 10, ad_time, rng=2)
    np.testing.assert_array_equal(result.output, [False, False, False, True])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(COMPARED, COMPARED), min_size=1, max_size=6),
    st.integers(0, 2**32 - 1),
)
def test_greater_than_is_exact_for_any_small_array(pairs, seed):
    x, y = np.array(pairs, dtype=np.int64).T
    np.testing.assert_array_equal(mpc.secure_greater_than(x, y, rng=seed).output, x > y)


def test_is_positive_covers_the_whole_signed_range_but_minus_two_to_the_63():
    d = np.array([mpc.MIN_INTEGER + 1, -(2**62), -1, 0, 1, 2**62, mpc.MAX_INTEGER])
    bits, _ = is_positive(d, rng=3)
    np.testing.assert_array_equal(bits, (d > 0).astype(np.uint64))


def test_is_positive_with_cryptographic_randomness():
    d_shares = mpc.share_additive([-7, 0, 7], parties=2)
    bits = mpc.secure_is_positive(d_shares, mpc.Dealer(), mpc.Network())
    np.testing.assert_array_equal(mpc.reconstruct_additive(bits), [0, 0, 1])


def test_result_shares_are_ring_elements_usable_in_further_protocols():
    d_shares = mpc.share_additive([5, -5, 8], parties=2, rng=4)
    bits = mpc.secure_is_positive(d_shares, mpc.Dealer(), mpc.Network(), rng=5)
    counted = [share.sum() for share in bits]  # a local step: how many are positive
    assert mpc.decode(mpc.reconstruct_additive(counted)) == 2


# --------------------------------------------------------------------------
# What the parties see
# --------------------------------------------------------------------------


@pytest.mark.parametrize("d_value", [0, 1, -1, 12345, -(2**62)])
def test_opened_c_is_uniform_whatever_d_is(d_value):
    _, network = is_positive(np.full(20_000, d_value), rng=6)
    assert looks_uniform(top_bits(opened_c(network)), 256)


def test_a_dealer_without_a_mask_opens_d_and_fails_the_uniformity_test(monkeypatch):
    def no_randomness(shape, rng):
        return np.zeros(shape, dtype=np.uint64)

    monkeypatch.setattr(compare, "_random_ring", no_randomness)
    bits, network = is_positive(np.full(20_000, 12345), rng=6)
    np.testing.assert_array_equal(opened_c(network), 12344)  # c = d - 1: d is in the open
    assert not looks_uniform(top_bits(opened_c(network)), 256)
    np.testing.assert_array_equal(bits, 1)  # still correct, but not private


def test_each_party_receives_only_its_own_messages():
    result = mpc.secure_greater_than([1, 2], [2, 1], rng=7)
    for name in result.parties:
        assert all(message.receiver == name for message in result.network.view(name))
    senders = {message.sender for message in result.network.view("advertiser")}
    assert senders == {"publisher", "dealer"}


# --------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 3, 10_000])
def test_greater_than_costs_as_documented(m):
    result = mpc.secure_greater_than(np.arange(m), np.zeros(m, dtype=np.int64), rng=8)
    assert result.stats == {"rounds": 66, "messages": 270, "bytes": 396 * m}


def test_is_positive_costs_as_documented_and_one_round_per_and_gate():
    _, network = is_positive(np.arange(-2, 3), rng=9)
    assert network.stats() == {"rounds": 65, "messages": 266, "bytes": 364 * 5}
    rounds_with_and_gates = {m.round for m in network.messages if "at bit" in m.label}
    assert len(rounds_with_and_gates) == 62
    dealer_rounds = {m.round for m in network.messages if m.sender == "dealer"}
    assert dealer_rounds == {1}


def test_ten_thousand_comparisons_take_well_under_a_second():
    rng = np.random.default_rng(10)
    x, y = rng.integers(-LIMIT, LIMIT, size=(2, 10_000))
    mpc.secure_greater_than(x[:10], y[:10])  # load the randomness library first
    start = time.perf_counter()
    result = mpc.secure_greater_than(x, y)
    elapsed = time.perf_counter() - start
    np.testing.assert_array_equal(result.output, x > y)
    assert elapsed < 0.5, f"10,000 comparisons took {elapsed:.2f} s"


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "named"),
    [
        (2**62, 0, "x must be whole numbers with |value| < 2\\*\\*62"),
        (0, [1, -(2**62)], "y must be whole numbers with |value| < 2\\*\\*62"),
        (1.5, 0, "x must be whole numbers"),
        ("7", 0, "x must be whole numbers"),
        ([1, 2], [1, 2, 3], "y must have the shape of x \\(2,\\)"),
    ],
)
def test_greater_than_rejects_bad_inputs(x, y, named):
    with pytest.raises(InvalidParameterError, match=named):
        mpc.secure_greater_than(x, y, rng=0)


def test_is_positive_rejects_bad_arguments():
    two = mpc.share_additive([1, 2], parties=2, rng=0)
    three = mpc.share_additive([1, 2], parties=3, rng=0)
    network, dealer = mpc.Network(), mpc.Dealer()
    with pytest.raises(InvalidParameterError, match="d_shares must be shared between exactly 2"):
        mpc.secure_is_positive(three, dealer, network)
    with pytest.raises(InvalidParameterError, match="d_shares must be a non-empty list"):
        mpc.secure_is_positive([1, 2], dealer, network)
    with pytest.raises(InvalidParameterError, match="dealer must be a Dealer"):
        mpc.secure_is_positive(two, "dealer", network)
    with pytest.raises(InvalidParameterError, match="network must be a Network"):
        mpc.secure_is_positive(two, dealer, None)
    with pytest.raises(InvalidParameterError, match="names must not include the dealer's name"):
        mpc.secure_is_positive(two, dealer, network, names=["dealer", "bob"])
    with pytest.raises(InvalidParameterError, match="names must name each of the 2 parties"):
        mpc.secure_is_positive(two, dealer, network, names=["a", "b", "c"])
    assert network.stats()["messages"] == 0  # nothing was sent
