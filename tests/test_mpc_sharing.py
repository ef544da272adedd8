"""Tests of privlab.mpc sharing: the ring, additive sharing and Shamir sharing.

* Reconstruction is exact (hypothesis draws the secrets, the seeds and the sizes).
* Homomorphic steps (adding shares, public numbers) are exact, wraparound included.
* A single share looks uniform whatever the secret: chi-square tests at a
  false-alarm rate of about 1e-6 with fixed seeds, and a two-sample test that
  the shares of two very different secrets are indistinguishable. Each comes
  with a broken variant that the same test must reject.
* Colluders' knowledge (``consistent_secrets``) matches brute-force enumeration.
* Every bad argument raises an error that names it.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from privlab import InvalidParameterError, MixedSharesError, NotEnoughSharesError, mpc

N = 200_000  # sharings per statistical test
Z_ONE_IN_A_MILLION = 4.7534  # upper 1e-6 quantile of the standard normal

SEEDS = st.integers(0, 2**32 - 1)
INT64 = st.integers(mpc.MIN_INTEGER, mpc.MAX_INTEGER)
FIXED = st.floats(-(2.0**47) + 1, 2.0**47 - 1, allow_nan=False)


# --------------------------------------------------------------------------
# Helpers: chi-square tests that a broken sharing must fail
# --------------------------------------------------------------------------


def chi_square_critical(df: int) -> float:
    """Chi-square critical value at alpha 1e-6 (Wilson-Hilferty; accurate for df >= 30)."""
    a = 2 / (9 * df)
    return df * (1 - a + Z_ONE_IN_A_MILLION * math.sqrt(a)) ** 3


def looks_uniform(bins: np.ndarray, count: int) -> bool:
    """Goodness-of-fit test: are the bin numbers uniform over 0 .. count - 1?"""
    observed = np.bincount(bins.astype(np.int64).ravel(), minlength=count)
    expected = bins.size / count
    statistic = np.sum((observed - expected) ** 2 / expected)
    return statistic < chi_square_critical(count - 1)


def same_distribution(bins_a: np.ndarray, bins_b: np.ndarray, count: int) -> bool:
    """Two-sample chi-square test (homogeneity) on bin numbers 0 .. count - 1."""
    table = np.stack(
        [np.bincount(b.astype(np.int64).ravel(), minlength=count) for b in (bins_a, bins_b)]
    )
    table = table[:, table.sum(axis=0) > 0]
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    statistic = np.sum((table - expected) ** 2 / expected)
    return statistic < chi_square_critical(table.shape[1] - 1)


def top_bits(ring_values: np.ndarray) -> np.ndarray:
    """The top 8 bits of 64-bit ring elements: 256 bins."""
    return ring_values >> np.uint64(56)


def mod_1000(ring_values: np.ndarray) -> np.ndarray:
    """Ring elements modulo 1000: 1000 bins (the bias of 2**64 mod 1000 is about 1e-16)."""
    return ring_values % np.uint64(1000)


def uniform_and_secret_free(shares_a: np.ndarray, shares_b: np.ndarray) -> bool:
    """Both samples of one party's share look uniform, and alike, under both binnings."""
    return all(
        looks_uniform(binned(shares_a), count)
        and looks_uniform(binned(shares_b), count)
        and same_distribution(binned(shares_a), binned(shares_b), count)
        for binned, count in ((top_bits, 256), (mod_1000, 1000))
    )


def small_mask_sharing(secrets: np.ndarray, parties: int, rng) -> list[np.ndarray]:
    """A broken additive sharing: the random shares are drawn from 0 .. 999 only."""
    masks = rng.integers(0, 1000, size=(parties - 1, *secrets.shape), dtype=np.uint64)
    return [*masks, secrets - masks.sum(axis=0, dtype=np.uint64)]


def short_mask_sharing(secrets: np.ndarray, parties: int, rng) -> list[np.ndarray]:
    """A broken additive sharing: 32-bit random shares in a 64-bit ring."""
    masks = rng.integers(0, 2**32, size=(parties - 1, *secrets.shape), dtype=np.uint64)
    return [*masks, secrets - masks.sum(axis=0, dtype=np.uint64)]


# --------------------------------------------------------------------------
# The ring and fixed point
# --------------------------------------------------------------------------


@given(st.lists(INT64, min_size=1, max_size=20))
def test_encode_decode_whole_numbers_round_trip(values):
    ring = mpc.encode(values)
    assert ring.dtype == np.uint64
    assert mpc.decode(ring).tolist() == values
    assert [int(r) for r in ring] == [v % 2**64 for v in values]  # two's complement


@given(st.lists(FIXED, min_size=1, max_size=20))
def test_fixed_point_round_trip_is_within_half_a_step(values):
    decoded = mpc.decode(mpc.encode(values, fixed_point=True), fixed_point=True)
    assert decoded.dtype == np.float64
    assert np.all(np.abs(decoded - np.array(values)) <= 2.0**-17)
    assert np.array_equal(decoded * 2**16, np.rint(decoded * 2**16))  # a whole number of steps


def test_ring_wraps_around_like_two_complement():
    top = mpc.ring_add(mpc.encode(mpc.MAX_INTEGER), mpc.encode(1))
    assert int(mpc.decode(top)) == mpc.MIN_INTEGER
    assert int(mpc.decode(mpc.ring_multiply(mpc.encode(2**32), mpc.encode(2**32)))) == 0
    assert int(mpc.decode(mpc.ring_subtract(mpc.encode(0), mpc.encode(1)))) == -1
    assert mpc.ring_sum([mpc.encode(3)] * 3).shape == ()


def test_scalars_stay_0d_arrays():
    assert mpc.encode(5).shape == () and isinstance(mpc.encode(5), np.ndarray)
    assert isinstance(mpc.decode(mpc.encode(5)), np.ndarray)
    assert isinstance(mpc.decode(mpc.encode(1.5, fixed_point=True), fixed_point=True), np.ndarray)


def test_constants():
    assert (mpc.RING_BITS, mpc.FRACTION_BITS, mpc.SCALE) == (64, 16, 2**16)
    assert (mpc.MAX_INTEGER, mpc.MIN_INTEGER, mpc.MAX_FIXED) == (2**63 - 1, -(2**63), 2**47)
    assert mpc.PRIME == 2**31 - 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mpc.encode(2**63), r"values must be whole numbers from -9223372036854775808 to "),
        (lambda: mpc.encode(-(2**63) - 1), r"9223372036854775807 \(signed 64-bit\); got "),
        (lambda: mpc.encode([-1, 2**63]), r"; got 9223372036854775808\.$"),  # not a float array
        (lambda: mpc.encode(np.array([2**63], dtype=np.uint64)), "values must be whole numbers"),
        (lambda: mpc.encode(1.5), r"got 1\.5 \(for decimals, use fixed_point=True\)"),
        (lambda: mpc.encode(True), "values must be whole numbers"),
        (lambda: mpc.encode("7"), "values must be whole numbers"),
        (lambda: mpc.encode([1, "a"]), "values must be whole numbers"),
        (lambda: mpc.encode(3, fixed_point=1), "fixed_point must be True or False"),
        (lambda: mpc.encode(2.0**47, fixed_point=True), r"\|x\| < 2\*\*47 = 140737488355328"),
        (lambda: mpc.encode(2**80, fixed_point=True), r"\|x\| < 2\*\*47"),
        (lambda: mpc.encode(float("nan"), fixed_point=True), r"finite numbers with \|x\|"),
        (lambda: mpc.decode(-1), r"ring_values must be ring elements .*; got -1\."),
        (
            lambda: mpc.decode(2**64),
            r"ring_values must be ring elements .*; got 18446744073709551616",
        ),
        (lambda: mpc.decode(0.5), "ring_values must be ring elements"),
    ],
)
def test_ring_errors_name_the_parameter_and_the_range(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()


# --------------------------------------------------------------------------
# Additive sharing: reconstruction
# --------------------------------------------------------------------------


@given(secret=INT64, parties=st.integers(2, 7), seed=SEEDS)
def test_additive_reconstruction_is_exact(secret, parties, seed):
    shares = mpc.share_additive(secret, parties, rng=seed)
    assert [share.party for share in shares] == list(range(parties))
    assert len({share.sharing_id for share in shares}) == 1
    assert sum(int(share.value) for share in shares) % 2**64 == secret % 2**64
    assert int(mpc.decode(mpc.reconstruct_additive(shares[::-1]))) == secret  # any order


@settings(max_examples=50)
@given(
    secrets=hnp.arrays(np.int64, hnp.array_shapes(max_dims=3, max_side=6), elements=INT64),
    parties=st.integers(2, 5),
    seed=SEEDS,
)
def test_additive_reconstruction_is_exact_for_arrays(secrets, parties, seed):
    shares = mpc.share_additive(secrets, parties, rng=seed)
    assert all(share.shape == secrets.shape for share in shares)
    assert np.array_equal(mpc.decode(mpc.reconstruct_additive(shares)), secrets)


@given(values=st.lists(FIXED, min_size=1, max_size=10), parties=st.integers(2, 5), seed=SEEDS)
def test_additive_reconstruction_of_fixed_point_decimals(values, parties, seed):
    ring = mpc.encode(values, fixed_point=True)
    shares = mpc.share_additive(ring, parties, rng=seed)  # uint64: taken as ring elements
    rebuilt = mpc.decode(mpc.reconstruct_additive(shares), fixed_point=True)
    assert np.array_equal(rebuilt, mpc.decode(ring, fixed_point=True))
    assert np.all(np.abs(rebuilt - np.array(values)) <= 2.0**-17)


def test_cryptographic_randomness_is_the_default():
    first = mpc.share_additive(np.zeros(1000, dtype=np.int64), 3)
    second = mpc.share_additive(np.zeros(1000, dtype=np.int64), 3)
    assert not np.array_equal(first[0].value, second[0].value)
    assert np.all(mpc.reconstruct_additive(first) == 0)


def test_seeds_reproduce_and_generators_advance():
    a = mpc.share_additive([1, 2, 3], 3, rng=42)
    b = mpc.share_additive([1, 2, 3], 3, rng=42)
    assert all(np.array_equal(x.value, y.value) for x, y in zip(a, b, strict=True))
    assert a[0].sharing_id != b[0].sharing_id  # two sharings, even with one seed
    generator = np.random.default_rng(42)
    c = mpc.share_additive([1, 2, 3], 3, rng=generator)
    d = mpc.share_additive([1, 2, 3], 3, rng=generator)
    assert not np.array_equal(c[0].value, d[0].value)


def test_shares_cannot_be_changed_in_place():
    secrets = np.array([5, 6], dtype=np.uint64)
    share = mpc.share_additive(secrets, 2, rng=0)[1]
    with pytest.raises(ValueError):
        share.value[0] = 0
    original = np.array([1, 2], dtype=np.uint64)
    made = mpc.AdditiveShare(0, 2, original, "by hand")
    original[0] = 99
    assert made.value[0] == 1  # the share kept its own copy


def test_share_repr_is_short():
    text = repr(mpc.share_additive(np.zeros(10_000, dtype=np.int64), 2, rng=0)[0])
    assert text.startswith("AdditiveShare(party 0 of 2, value=[") and len(text) < 120
    assert "(10000 values)" in text and "\n" not in text


# --------------------------------------------------------------------------
# Additive sharing: computing on shares
# --------------------------------------------------------------------------


@given(x=INT64, y=INT64, c=st.integers(-(2**40), 2**40), parties=st.integers(2, 5), seed=SEEDS)
def test_homomorphic_steps_are_exact_modulo_2_64(x, y, c, parties, seed):
    generator = np.random.default_rng(seed)
    xs = mpc.share_additive(x, parties, rng=generator)
    ys = mpc.share_additive(y, parties, rng=generator)

    def opened(shares):
        return int(mpc.reconstruct_additive(shares))

    assert opened([a + b for a, b in zip(xs, ys, strict=True)]) == (x + y) % 2**64
    assert opened([a - b for a, b in zip(xs, ys, strict=True)]) == (x - y) % 2**64
    assert opened([a + c for a in xs]) == (x + c) % 2**64
    assert opened([c + a for a in xs]) == (x + c) % 2**64
    assert opened([a - c for a in xs]) == (x - c) % 2**64
    assert opened([c - a for a in xs]) == (c - x) % 2**64
    assert opened([-a for a in xs]) == (-x) % 2**64
    assert opened([a * c for a in xs]) == (x * c) % 2**64
    assert opened([c * a for a in xs]) == (x * c) % 2**64


def test_homomorphic_results_keep_matching_sharing_ids():
    xs = mpc.share_additive([1, 2], 3, rng=0)
    ys = mpc.share_additive([3, 4], 3, rng=1)
    sums = [a + b for a, b in zip(xs, ys, strict=True)]
    assert len({share.sharing_id for share in sums}) == 1
    assert sums[0].sharing_id not in (xs[0].sharing_id, ys[0].sharing_id)
    scaled = [2 * a + np.array([10, 20]) for a in sums]
    assert np.array_equal(mpc.decode(mpc.reconstruct_additive(scaled)), [18, 32])
    totals = [share.sum() for share in scaled]
    assert int(mpc.decode(mpc.reconstruct_additive(totals))) == 50


def test_public_numpy_values_on_the_left_work_like_numbers():
    xs = mpc.share_additive([1, 2], 2, rng=0)
    ys = mpc.shamir_share([1, 2], 2, 3, prime=97, rng=0)
    shifted = [np.array([10, 20]) + x for x in xs]
    assert mpc.decode(mpc.reconstruct_additive(shifted)).tolist() == [11, 22]
    assert mpc.decode(mpc.reconstruct_additive([np.int64(3) * x for x in xs])).tolist() == [3, 6]
    assert mpc.shamir_reconstruct([np.array([5, 5]) - y for y in ys]).tolist() == [4, 3]
    assert mpc.shamir_reconstruct([-y for y in ys]).tolist() == [96, 95]


def test_adding_a_public_number_changes_only_party_zero():
    shares = mpc.share_additive(7, 3, rng=0)
    moved = [share + 100 for share in shares]
    assert int(moved[0].value) == (int(shares[0].value) + 100) % 2**64
    assert [int(s.value) for s in moved[1:]] == [int(s.value) for s in shares[1:]]


def test_combining_shares_of_different_parties_or_sizes_is_refused():
    xs = mpc.share_additive(1, 3, rng=0)
    ys = mpc.share_additive(2, 3, rng=1)
    zs = mpc.share_additive(2, 2, rng=1)
    with pytest.raises(MixedSharesError, match="party 0 and a share of party 1"):
        xs[0] + ys[1]
    with pytest.raises(MixedSharesError, match="same number of parties; got 3 and 2"):
        xs[0] - zs[0]
    with pytest.raises(InvalidParameterError, match="same shape"):
        xs[0] + mpc.share_additive([1, 2], 3, rng=0)[0]
    with pytest.raises(InvalidParameterError, match=r"needs a protocol .*beaver_multiply"):
        xs[0] * ys[0]
    with pytest.raises(InvalidParameterError, match="public value must be whole numbers"):
        xs[0] + 0.5
    with pytest.raises(InvalidParameterError, match="public value must have the shape"):
        xs[0] + np.array([1, 2])


# --------------------------------------------------------------------------
# Additive sharing: one share reveals nothing
# --------------------------------------------------------------------------


@pytest.mark.parametrize("parties", [2, 3])
def test_each_additive_share_is_uniform_whatever_the_secret(parties):
    zeros = np.zeros(N, dtype=np.uint64)
    halves = np.full(N, 2**63, dtype=np.uint64)  # as far from 0 as the ring allows
    for_zero = mpc.share_additive(zeros, parties, rng=1)
    for_half = mpc.share_additive(halves, parties, rng=2)
    for party in range(parties):
        assert uniform_and_secret_free(for_zero[party].value, for_half[party].value)


def test_additive_shares_from_cryptographic_randomness_are_uniform():
    for_zero = mpc.share_additive(np.zeros(N, dtype=np.uint64), 2)
    for_one = mpc.share_additive(np.ones(N, dtype=np.uint64), 2)
    assert uniform_and_secret_free(for_zero[1].value, for_one[1].value)


@pytest.mark.parametrize("broken", [small_mask_sharing, short_mask_sharing])
def test_sharing_with_too_little_randomness_is_caught(broken):
    rng = np.random.default_rng(3)
    for_zero = broken(np.zeros(N, dtype=np.uint64), 3, rng)
    for_half = broken(np.full(N, 2**63, dtype=np.uint64), 3, rng)
    assert all(np.all(sum(s) == 0) for s in [for_zero])  # still a valid sharing of 0
    assert not uniform_and_secret_free(for_zero[-1], for_half[-1])  # but the last share leaks


# --------------------------------------------------------------------------
# Additive sharing: errors
# --------------------------------------------------------------------------


def test_missing_share_names_both_counts():
    shares = mpc.share_additive(5, 3, rng=0)
    with pytest.raises(NotEnoughSharesError, match=r"^got 2 shares, but this sharing needs all 3"):
        mpc.reconstruct_additive(shares[:2])


def test_mixed_and_duplicate_shares_are_refused():
    first = mpc.share_additive(5, 2, rng=0)
    second = mpc.share_additive(5, 2, rng=1)
    with pytest.raises(MixedSharesError, match="must all come from one sharing; got shares of 2"):
        mpc.reconstruct_additive([first[0], second[1]])
    with pytest.raises(InvalidParameterError, match="different parties; got party 0 twice"):
        mpc.reconstruct_additive([first[0], first[0]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mpc.share_additive(5, 1), "parties must be a whole number from 2 to 1000; got 1"),
        (lambda: mpc.share_additive(5, 2.0), "parties must be a whole number from 2 to 1000"),
        (lambda: mpc.share_additive(5, True), "parties must be a whole number from 2 to 1000"),
        (
            lambda: mpc.share_additive(2**63, 2),
            "secrets must be whole numbers from -9223372036854775808",
        ),
        (lambda: mpc.share_additive(2.5, 2), r"secrets must be .*fixed_point=True"),
        (lambda: mpc.share_additive(5, 2, rng="seed"), "rng must be None, a seed"),
        (lambda: mpc.share_additive(5, 2, rng=-1), "rng must be None, a seed"),
        (lambda: mpc.share_additive(5, 2, rng=np.random.RandomState(0)), "rng must be None"),
        (lambda: mpc.reconstruct_additive([]), "shares must be a non-empty list of AdditiveShare"),
        (lambda: mpc.reconstruct_additive([5, 6]), "shares must be a non-empty list"),
        (
            lambda: mpc.AdditiveShare(2, 2, np.uint64(1), "a"),
            "party must be a whole number from 0 to 1",
        ),
        (lambda: mpc.AdditiveShare(0, 2, -1, "a"), "value must be ring elements"),
        (lambda: mpc.AdditiveShare(0, 2, 1, ""), "sharing_id must be a non-empty string"),
    ],
)
def test_additive_errors_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


# --------------------------------------------------------------------------
# Shamir sharing: reconstruction
# --------------------------------------------------------------------------


@pytest.mark.parametrize("prime", [97, mpc.PRIME])
@pytest.mark.parametrize("parties", [1, 2, 3, 4, 5, 6])
def test_every_large_enough_subset_of_shamir_shares_reconstructs(prime, parties):
    secrets = np.random.default_rng(parties).integers(0, prime, size=50)
    for threshold in range(1, parties + 1):
        shares = mpc.shamir_share(secrets, threshold, parties, prime=prime, rng=threshold)
        for size in range(threshold, parties + 1):
            for subset in itertools.combinations(shares, size):
                assert np.array_equal(mpc.shamir_reconstruct(list(subset)), secrets)


@given(
    secret=st.integers(0, mpc.PRIME - 1),
    sizes=st.integers(1, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))),
    seed=SEEDS,
    data=st.data(),
)
def test_shamir_reconstruction_from_any_order(secret, sizes, seed, data):
    parties, threshold = sizes
    shares = mpc.shamir_share(secret, threshold, parties, rng=seed)
    chosen = data.draw(st.permutations(shares))[: data.draw(st.integers(threshold, parties))]
    assert int(mpc.shamir_reconstruct(chosen)) == secret


@settings(max_examples=50)
@given(
    coefficients=st.lists(st.integers(0, mpc.PRIME - 1), min_size=1, max_size=8),
    x=st.integers(0, mpc.PRIME - 1),
)
def test_horner_matches_python_integers_without_overflow(coefficients, x):
    expected = sum(a * x**k for k, a in enumerate(coefficients)) % mpc.PRIME
    assert int(mpc.evaluate_polynomial(coefficients, x)) == expected


def test_random_polynomial_has_the_secret_at_zero():
    coefficients = mpc.random_polynomial([3, 4, 5], threshold=4, prime=97, rng=0)
    assert coefficients.shape == (4, 3) and coefficients.dtype == np.int64
    assert np.array_equal(coefficients[0], [3, 4, 5])
    assert np.array_equal(mpc.evaluate_polynomial(coefficients, 0, prime=97), [3, 4, 5])
    assert np.all((coefficients >= 0) & (coefficients < 97))


@given(
    xs=st.lists(st.integers(0, 96), min_size=1, max_size=6, unique=True),
    at=st.integers(0, 96),
)
def test_lagrange_coefficients_interpolate_every_low_degree_power(xs, at):
    weights = mpc.lagrange_coefficients(xs, at=at, prime=97)
    assert all(isinstance(w, int) and 0 <= w < 97 for w in weights)
    for power in range(len(xs)):
        value = sum(w * pow(x, power, 97) for w, x in zip(weights, xs, strict=True)) % 97
        assert value == pow(at, power, 97)


def test_lagrange_coefficients_known_values():
    assert mpc.lagrange_coefficients([1, 2], prime=97) == [2, 96]
    assert mpc.lagrange_coefficients([1, 2, 3], prime=mpc.PRIME) == [3, mpc.PRIME - 3, 1]


@given(x=st.integers(0, 96), y=st.integers(0, 96), c=st.integers(-500, 500), seed=SEEDS)
def test_shamir_shares_add_homomorphically(x, y, c, seed):
    generator = np.random.default_rng(seed)
    xs = mpc.shamir_share(x, 3, 5, prime=97, rng=generator)
    ys = mpc.shamir_share(y, 3, 5, prime=97, rng=generator)
    sums = [a + b for a, b in zip(xs, ys, strict=True)]
    assert len({share.sharing_id for share in sums}) == 1
    assert int(mpc.shamir_reconstruct(sums[2:])) == (x + y) % 97
    assert int(mpc.shamir_reconstruct([a - b for a, b in zip(xs, ys, strict=True)])) == (x - y) % 97
    assert int(mpc.shamir_reconstruct([a + c for a in xs][1:4])) == (x + c) % 97
    assert int(mpc.shamir_reconstruct([c * a for a in xs][::2])) == (x * c) % 97


def test_combining_shamir_shares_checks_the_point_and_the_sharing():
    xs = mpc.shamir_share(1, 2, 3, prime=97, rng=0)
    ys = mpc.shamir_share(1, 3, 3, prime=97, rng=0)
    zs = mpc.shamir_share(1, 2, 3, prime=97, rng=1)
    with pytest.raises(MixedSharesError, match="x = 1 and x = 2"):
        xs[0] + zs[1]
    with pytest.raises(MixedSharesError, match="same prime and threshold"):
        xs[0] + ys[0]
    with pytest.raises(InvalidParameterError, match="needs a protocol"):
        xs[0] * zs[0]


# --------------------------------------------------------------------------
# Shamir sharing: fewer than threshold shares reveal nothing
# --------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [2, 3])
def test_each_shamir_share_is_uniform_whatever_the_secret(threshold):
    for_zero = mpc.shamir_share(np.zeros(N, dtype=np.int64), threshold, 4, prime=97, rng=4)
    for_max = mpc.shamir_share(np.full(N, 96), threshold, 4, prime=97, rng=5)
    for a, b in zip(for_zero, for_max, strict=True):
        assert looks_uniform(a.y, 97) and looks_uniform(b.y, 97)
        assert same_distribution(a.y, b.y, 97)


def test_shamir_shares_over_the_large_prime_are_uniform():
    for_zero = mpc.shamir_share(np.zeros(N, dtype=np.int64), 2, 3, rng=6)
    for_max = mpc.shamir_share(np.full(N, mpc.PRIME - 1), 2, 3, rng=7)
    bins = [share.y * 256 // mpc.PRIME for share in (for_zero[2], for_max[2])]
    assert looks_uniform(bins[0], 256) and looks_uniform(bins[1], 256)
    assert same_distribution(bins[0], bins[1], 256)


def test_two_shamir_shares_of_a_3_of_n_sharing_are_jointly_uniform():
    prime = 31
    pair_bins = []
    for secret, seed in ((0, 8), (30, 9)):
        shares = mpc.shamir_share(np.full(N, secret), 3, 5, prime=prime, rng=seed)
        pair_bins.append(shares[1].y * prime + shares[3].y)
    assert looks_uniform(pair_bins[0], prime**2) and looks_uniform(pair_bins[1], prime**2)
    assert same_distribution(pair_bins[0], pair_bins[1], prime**2)


def test_threshold_one_share_is_the_secret_and_is_caught():
    for_zero = mpc.shamir_share(np.zeros(N, dtype=np.int64), 1, 3, prime=97, rng=4)
    for_max = mpc.shamir_share(np.full(N, 96), 1, 3, prime=97, rng=5)
    assert np.all(for_zero[0].y == 0)
    assert not looks_uniform(for_zero[0].y, 97)
    assert not same_distribution(for_zero[0].y, for_max[0].y, 97)


# --------------------------------------------------------------------------
# Shamir sharing: what colluders can rule out, against brute force
# --------------------------------------------------------------------------


def brute_force_counts(points, threshold, prime):
    """Enumerate every polynomial of degree < threshold; count those through the points."""
    coefficients = np.array(list(itertools.product(range(prime), repeat=threshold)))
    through = np.ones(len(coefficients), dtype=bool)
    for x, y in points:
        powers = np.array([pow(x, k, prime) for k in range(threshold)])
        through &= (coefficients @ powers) % prime == y
    return np.bincount(coefficients[through, 0], minlength=prime)


@pytest.mark.parametrize("prime", [7, 11])
@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_consistent_secrets_matches_brute_force(prime, threshold):
    rng = np.random.default_rng(prime * 10 + threshold)
    for trial in range(12):
        known = int(rng.integers(0, prime + 1))  # up to prime points, x from 0 to prime - 1
        xs = rng.choice(prime, size=min(known, prime), replace=False)
        if trial % 2 == 0:  # points of a real sharing (at x = 0 too, if drawn)
            coefficients = rng.integers(0, prime, size=threshold)
            ys = [int(mpc.evaluate_polynomial(coefficients, int(x), prime=prime)) for x in xs]
        else:  # arbitrary points, often contradicting each other
            ys = rng.integers(0, prime, size=len(xs)).tolist()
        points = [(int(x), int(y)) for x, y in zip(xs, ys, strict=True)]
        counts = mpc.consistent_secrets(points, threshold, prime=prime)
        assert np.array_equal(counts, brute_force_counts(points, threshold, prime)), points


@pytest.mark.parametrize("colluders", [0, 1, 2, 3, 4])
def test_colluders_learn_nothing_below_the_threshold(colluders):
    shares = mpc.shamir_share(5, 3, 5, prime=11, rng=colluders)
    points = [(share.x, int(share.y)) for share in shares[:colluders]]
    counts = mpc.consistent_secrets(points, 3, prime=11)
    if colluders < 3:
        assert np.all(counts == 11 ** (3 - 1 - colluders))
    else:
        assert counts.tolist() == [0] * 5 + [1] + [0] * 5


# --------------------------------------------------------------------------
# Shamir sharing: errors
# --------------------------------------------------------------------------


def test_too_few_shamir_shares_name_both_counts():
    shares = mpc.shamir_share(42, 3, 5, rng=0)
    with pytest.raises(NotEnoughSharesError) as raised:
        mpc.shamir_reconstruct(shares[:2])
    assert str(raised.value) == "got 2 shares, but this sharing needs 3 (its threshold)."


def test_mixed_or_repeated_shamir_shares_are_refused():
    first = mpc.shamir_share(42, 2, 3, prime=97, rng=0)
    second = mpc.shamir_share(42, 2, 3, prime=97, rng=1)
    other_prime = mpc.shamir_share(42, 2, 3, prime=101, rng=0)
    with pytest.raises(MixedSharesError, match="must all come from one sharing"):
        mpc.shamir_reconstruct([first[0], second[1]])
    with pytest.raises(MixedSharesError, match="prime 101"):
        mpc.shamir_reconstruct([first[0], other_prime[1]])
    with pytest.raises(InvalidParameterError, match="different points x; got x = 1 twice"):
        mpc.shamir_reconstruct([first[0], first[0]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mpc.shamir_share(1, 7, 5),
            r"^threshold must be a whole number from 1 to parties \(5\); got 7\.$",
        ),
        (lambda: mpc.shamir_share(1, 0, 5), r"threshold must be .* \(5\); got 0\."),
        (lambda: mpc.shamir_share(1, 2.0, 5), r"threshold must be .* \(5\); got 2\.0\."),
        (lambda: mpc.shamir_share(1, 1, 0), "parties must be a whole number from 1 to 1000; got 0"),
        (lambda: mpc.shamir_share(1, 2, 3, prime=100), "prime must be a prime number from 2 to"),
        (lambda: mpc.shamir_share(1, 2, 3, prime=2**31 + 11), "prime must be a prime number"),
        (lambda: mpc.shamir_share(1, 2, 5, prime=5), r"prime greater than parties \(5\)"),
        (
            lambda: mpc.shamir_share(97, 2, 3, prime=97),
            r"secrets must be whole numbers from 0 to prime - 1 = 96; got 97",
        ),
        (lambda: mpc.shamir_share(-1, 2, 3), "secrets must be whole numbers from 0 to prime - 1"),
        (lambda: mpc.shamir_share(1.5, 2, 3), "secrets must be whole numbers"),
        (lambda: mpc.shamir_share(1, 2, 3, rng="x"), "rng must be None, a seed"),
        (lambda: mpc.shamir_reconstruct([]), "shares must be a non-empty list of ShamirShare"),
        (lambda: mpc.lagrange_coefficients([1, 2, 1]), "xs must be different points; got x = 1"),
        (lambda: mpc.lagrange_coefficients([1, 2], at=-1), "at must be a whole number from 0"),
        (
            lambda: mpc.evaluate_polynomial(np.array([], dtype=int), 1),
            "coefficients must have at least one row",
        ),
        (lambda: mpc.evaluate_polynomial([1, 97], 1, prime=97), "coefficients must be whole"),
        (lambda: mpc.random_polynomial(1, 0), "threshold must be a whole number from 1 to 1000"),
        (lambda: mpc.consistent_secrets([], 2), "prime must be a prime below 10,000"),
        (lambda: mpc.consistent_secrets([(1, 2), (1, 3)], 2, prime=7), "x must be different"),
        (lambda: mpc.consistent_secrets([(1, 7)], 2, prime=7), "each point's y must be"),
        (lambda: mpc.consistent_secrets([1, 2], 2, prime=7), r"points must be a list of \(x, y\)"),
        (lambda: mpc.consistent_secrets([], 30, prime=97), "threshold must be small enough"),
        (lambda: mpc.ShamirShare(0, 1, 2, 97, "a"), "x must be a whole number from 1 to 96"),
    ],
)
def test_shamir_errors_name_the_parameter(call, message):
    with pytest.raises(InvalidParameterError, match=message) as raised:
        call()
    assert "; got " in str(raised.value)


# --------------------------------------------------------------------------
# Speed: a generous sanity bound (the real budget is checked by the benchmarks)
# --------------------------------------------------------------------------


def test_a_million_secrets_share_and_reconstruct_quickly():
    secrets = np.arange(1_000_000, dtype=np.int64)
    start = time.perf_counter()
    shares = mpc.share_additive(secrets, 3)
    rebuilt = mpc.reconstruct_additive(shares)
    assert time.perf_counter() - start < 2.0
    assert np.array_equal(mpc.decode(rebuilt), secrets)
    start = time.perf_counter()
    shamir = mpc.shamir_share(secrets, 3, 5)
    assert np.array_equal(mpc.shamir_reconstruct(shamir[2:]), secrets)
    assert time.perf_counter() - start < 2.0


# --- every integer input: shared exactly, or refused naming its value ----------------------------

_EDGES = [0, 1, mpc.PRIME - 1, mpc.PRIME, 2**31, 2**32 - 1, 2**63 - 1, 2**63, 2**64 - 1, -1]


def _forms(value: int) -> list:
    forms: list = [value, [value], np.array([value], dtype=object).tolist()]
    if -(2**63) <= value < 2**63:
        forms += [np.int64(value), np.array([value], dtype=np.int64)]
    if 0 <= value < 2**64:
        forms += [np.uint64(value), np.array([value], dtype=np.uint64)]
    return forms


@pytest.mark.parametrize("value", _EDGES)
def test_shamir_shares_every_integer_exactly_or_refuses_it_by_its_value(value):
    """2**64 - 1 as a uint64 used to wrap to -1 on the way in; no input gives a wrong secret."""
    for form in _forms(value):
        if 0 <= value < mpc.PRIME:
            shares = mpc.shamir_share(form, threshold=2, parties=3, rng=1)
            assert int(np.ravel(mpc.shamir_reconstruct(shares[1:]))[0]) == value
        else:
            with pytest.raises(InvalidParameterError, match=f"secrets must be .*; got {value}"):
                mpc.shamir_share(form, threshold=2, parties=3, rng=1)
