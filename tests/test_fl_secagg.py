"""Tests of privlab.fl.secagg, secure aggregation (Bonawitz et al. 2017).

* Output: the secure sum is exactly the ring sum of the survivors' encoded
  updates, and within n * 2**-scale_bits of their float sum (hypothesis, with
  no, one and several dropouts, before or after sending, 32 and 64 bits).
* Masks: pairwise masks are the same from both sides and cancel in the sum;
  a masked update passes a chi-square test of uniformity whatever the update.
* Server's view: never both kinds of shares of one device; what it rebuilds
  is right (keys match the advertised public keys); fewer than threshold
  shares rebuild nothing; shares travel encrypted.
* Broken variants: without the dropout recovery the sum is wrong; with a
  wrongly derived pairwise seed the masks do not cancel; with both the key and
  the seed of one device the server reads its update, with the key alone not.
* Too few survivors: NotEnoughSharesError with the counts.
* Every bad argument raises an error that names it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl import bindings
from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey

from privlab.errors import InvalidParameterError, NotEnoughSharesError
from privlab.fl.secagg import (
    KEY_BYTES,
    SecAggResult,
    decode,
    encode,
    expand_mask,
    join_secret,
    mask_seed,
    mask_update,
    pairwise_mask,
    secure_aggregate,
    self_mask,
    split_secret,
)
from privlab.mpc.shamir import shamir_reconstruct

# chi-square with 15 degrees of freedom (16 bins): P(X > 56.5) is about 1e-6
CHI_SQUARE_CRITICAL = 56.5
RING = {32: np.uint32, 64: np.uint64}


# --- helpers ---------------------------------------------------------------------------------


def ring_sum(updates: dict, devices, bits: int, scale_bits: int = 16) -> np.ndarray:
    """The plain sum, in the ring, of the fixed-point encoded updates of ``devices``."""
    encoded = [encode(updates[device], bits, scale_bits) for device in devices]
    return np.sum(np.stack(encoded), axis=0, dtype=RING[bits])


def top_bits_chi_square(values: np.ndarray, bits: int) -> float:
    """Chi-square statistic of the top 4 bits (16 equally likely bins if uniform)."""
    top = (values.astype(np.uint64) >> np.uint64(bits - 4)).astype(np.int64)
    counts = np.bincount(top, minlength=16)
    expected = values.size / 16
    return float(((counts - expected) ** 2 / expected).sum())


def keys(count: int, seed: int = 0) -> list[PrivateKey]:
    rng = np.random.default_rng(seed)
    return [PrivateKey(rng.bytes(32)) for _ in range(count)]


def strip_pairwise(masked, position, private_key, public_keys, bits=32):
    """What is left of y_u once the pairwise masks are removed (needs u's mask key)."""
    left = masked.copy()
    for other, public in enumerate(public_keys):
        if other != position:
            mask = pairwise_mask(private_key, public, masked.size, bits=bits)
            left = left - mask if other > position else left + mask
    return left


@st.composite
def protocol_runs(draw):
    """Updates, dropouts (before and after sending), a threshold that can be met, and bits."""
    n = draw(st.integers(2, 7))
    length = draw(st.integers(1, 12))
    values = st.floats(-100, 100, allow_nan=False, allow_infinity=False)
    rows = draw(
        st.lists(st.lists(values, min_size=length, max_size=length), min_size=n, max_size=n)
    )
    order = draw(st.permutations(range(n)))
    gone_count = draw(st.integers(0, n - 2))
    late_count = draw(st.integers(0, n - 2 - gone_count))
    gone = order[:gone_count]
    late = order[gone_count : gone_count + late_count]
    threshold = draw(st.integers(2, n - gone_count - late_count))
    bits = draw(st.sampled_from([32, 64]))
    return {f"phone-{u}": np.array(row) for u, row in enumerate(rows)}, gone, late, threshold, bits


# --- output ----------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(protocol_runs(), st.integers(0, 2**32 - 1))
def test_secure_sum_is_the_sum_of_the_survivors(run, seed):
    updates, gone, late, threshold, bits = run
    ids = list(updates)
    dropped = [ids[u] for u in gone]
    result = secure_aggregate(
        updates,
        threshold=threshold,
        dropped=dropped,
        dropped_after_sending=[ids[u] for u in late],
        bits=bits,
        rng=seed,
    )
    survivors = [device for device in ids if device not in dropped]
    assert result.survivors == tuple(survivors)
    assert set(result.dropped) == set(dropped)
    assert np.array_equal(result.ring_total, ring_sum(updates, survivors, bits))  # exact
    plain = np.sum([updates[device] for device in survivors], axis=0)
    assert np.all(np.abs(result.total - plain) <= len(ids) * 2.0**-16)


@pytest.mark.parametrize("dropped", [(), (3,), (0, 4, 5), (0, 1, 2, 3)])
@pytest.mark.parametrize("bits", [32, 64])
def test_no_one_and_several_dropouts(dropped, bits):
    rng = np.random.default_rng(7)
    updates = rng.normal(scale=3.0, size=(10, 40))
    result = secure_aggregate(updates, threshold=6, dropped=dropped, bits=bits, rng=1)
    survivors = [u for u in range(10) if u not in dropped]
    by_row = dict(enumerate(updates))
    assert np.array_equal(result.ring_total, ring_sum(by_row, survivors, bits))
    assert np.allclose(result.total, updates[survivors].sum(axis=0), rtol=0, atol=10 * 2.0**-16)
    assert result.total.dtype == np.float64
    assert result.ring_total.dtype == RING[bits]


def test_devices_that_leave_after_sending_are_in_the_sum():
    updates = {"a": [1.0, 2.0], "b": [0.5, 0.5], "c": [-1.0, 4.0], "d": [2.0, -8.0], "e": [0, 1]}
    result = secure_aggregate(
        updates, threshold=2, dropped=["d"], dropped_after_sending=["a", "c"], rng=3
    )
    assert np.array_equal(result.total, [0.5, 7.5])
    assert result.survivors == ("a", "b", "c", "e")
    assert result.dropped_after_sending == ("a", "c")
    view = result.server_view
    assert view.responders == ("b", "e")
    assert set(view.self_seed_shares) == {"a", "b", "c", "e"}  # the late devices' seeds too
    assert set(view.mask_key_shares) == {"d"}


def test_scale_bits_and_rounding():
    updates = np.array([[0.3, -0.7], [0.1, 0.2]])
    result = secure_aggregate(updates, threshold=2, scale_bits=4, rng=0)
    expected = decode(encode(updates[0], 32, 4) + encode(updates[1], 32, 4), 32, 4)
    assert np.array_equal(result.total, expected)  # multiples of 1/16
    assert np.all(np.abs(result.total - updates.sum(axis=0)) <= 2 * 2.0**-4)


def test_a_seed_repeats_a_run_and_no_seed_never_does():
    updates = np.arange(12.0).reshape(3, 4)
    first = secure_aggregate(updates, threshold=2, rng=5)
    again = secure_aggregate(updates, threshold=2, rng=5)
    fresh = [secure_aggregate(updates, threshold=2) for _ in range(2)]
    assert all(np.array_equal(first.masked[u], again.masked[u]) for u in range(3))
    assert not np.array_equal(fresh[0].masked[0], fresh[1].masked[0])
    for result in [first, *fresh]:
        assert np.array_equal(result.total, updates.sum(axis=0))


def test_result_fields_stats_and_repr():
    updates = np.zeros((5, 3))
    result = secure_aggregate(updates, threshold=3, dropped=[1], dropped_after_sending=[4], rng=0)
    assert isinstance(result, SecAggResult)
    assert (result.threshold, result.bits, result.scale_bits) == (3, 32, 16)
    survivors, responders = 4, 3
    # keys up and down, shares up and down, masked inputs, survivor lists, signatures up,
    # signatures forwarded, answers
    messages = 5 + 5 + 5 + 5 + survivors + survivors + 3 * responders
    assert result.stats["messages"] == messages
    assert result.stats["rounds"] == 5
    assert set(result.masked) == {0, 2, 3, 4}
    assert all(vector.dtype == np.uint32 and vector.size == 3 for vector in result.masked.values())
    assert "sum of 4 of 5 devices" in repr(result) and "dropped: 1" in repr(result)
    assert "ServerView(5 devices" in repr(result.server_view)
    with pytest.raises(AttributeError):
        result.total = None  # frozen


def test_100_devices_with_dropouts():
    """The size of lesson 05: 100 phones, 650 parameters (about a second)."""
    updates = np.random.default_rng(0).normal(scale=0.1, size=(100, 650))
    dropped = list(range(0, 100, 10))
    result = secure_aggregate(updates, threshold=51, dropped=dropped, rng=1)
    survivors = [u for u in range(100) if u not in dropped]
    assert np.array_equal(result.ring_total, ring_sum(dict(enumerate(updates)), survivors, 32))


# --- fixed point -----------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1000, 1000, allow_nan=False), min_size=1, max_size=20),
    st.sampled_from([32, 64]),
    st.integers(0, 16),
)
def test_encode_decode_round_trip(values, bits, scale_bits):
    values = np.array(values)
    encoded = encode(values, bits, scale_bits)
    assert encoded.dtype == RING[bits]
    assert np.array_equal(
        decode(encoded, bits, scale_bits), np.round(values * 2.0**scale_bits) / 2.0**scale_bits
    )


def test_negative_values_wrap_around_and_sums_fit():
    assert encode([-1.0]).tolist() == [2**32 - 2**16]
    assert decode(np.array([2**31], dtype=np.uint32)).tolist() == [-(2**15)]
    assert decode(np.array([2**31 - 1])).tolist() == [(2**31 - 1) / 2**16]
    limit = 2**31 / 10 / 2**16  # 10 devices
    encode([limit - 0.001], devices=10)
    with pytest.raises(InvalidParameterError, match=r"magnitude below 3276\.8"):
        encode([limit], devices=10)
    with pytest.raises(InvalidParameterError, match=r"updates\[1\] must have every value"):
        secure_aggregate({0: [0.0], 1: [limit]} | {u: [0.0] for u in range(2, 10)}, threshold=2)


# --- masks -----------------------------------------------------------------------------------


def test_pairwise_mask_is_the_same_from_both_sides():
    u, v, w = keys(3)
    for bits in (32, 64):
        from_u = pairwise_mask(u, v.public_key, 100, bits=bits)
        from_v = pairwise_mask(bytes(v), bytes(u.public_key), 100, bits=bits)
        assert np.array_equal(from_u, from_v)
        assert from_u.dtype == RING[bits]
        assert not np.array_equal(from_u, pairwise_mask(u, w.public_key, 100, bits=bits))
    shared = bindings.crypto_scalarmult(bytes(u), bytes(v.public_key))
    assert np.array_equal(
        pairwise_mask(u, v.public_key, 5), expand_mask(mask_seed(shared, purpose="pairwise"), 5)
    )


@pytest.mark.parametrize("bits", [32, 64])
def test_pairwise_masks_cancel_in_the_sum(bits):
    private = keys(6, seed=1)
    public = [key.public_key for key in private]
    seeds = [bytes([u]) * KEY_BYTES for u in range(6)]
    zero = np.zeros(50, dtype=RING[bits])
    pairwise_parts = [
        mask_update(zero, u, private[u], public, seeds[u], bits=bits)
        - self_mask(seeds[u], 50, bits=bits)
        for u in range(6)
    ]
    assert not np.any(pairwise_parts[0] == 0)  # each part is a mask...
    assert np.array_equal(np.sum(pairwise_parts, axis=0, dtype=RING[bits]), zero)  # ...sum 0


@pytest.mark.parametrize("bits", [32, 64])
def test_masked_updates_look_uniform_whatever_the_update(bits):
    length = 50_000
    flat = np.zeros((3, length))  # all zeros: the masked vector is the mask alone
    ramp = np.tile(np.linspace(-50.0, 50.0, length), (3, 1))  # far from uniform
    masked_flat = secure_aggregate(flat, threshold=2, bits=bits, rng=9).masked[0]
    masked_ramp = secure_aggregate(ramp, threshold=2, bits=bits, rng=9).masked[0]
    assert top_bits_chi_square(encode(ramp[0], bits), bits) > 1_000  # the update is not
    assert top_bits_chi_square(masked_flat, bits) < CHI_SQUARE_CRITICAL
    assert top_bits_chi_square(masked_ramp, bits) < CHI_SQUARE_CRITICAL
    # The same seed gives the same masks: one-time pads used twice show the difference.
    # That is why a real run never reuses keys (and rng=None draws fresh ones).
    assert np.array_equal(masked_ramp - masked_flat, encode(ramp[0], bits))


def test_split_and_join_secret():
    secret = bytes(range(100, 132))
    chunks = split_secret(secret)
    assert chunks.shape == (16,) and chunks.max() < 2**16
    assert join_secret(chunks) == secret
    assert join_secret(list(chunks)) == secret


# --- what the server sees --------------------------------------------------------------------


def test_server_never_holds_both_kinds_of_shares_of_a_device():
    updates = np.random.default_rng(2).normal(size=(8, 6))
    result = secure_aggregate(updates, threshold=5, dropped=[1, 6], rng=4)
    view = result.server_view
    assert not set(view.mask_key_shares) & set(view.self_seed_shares)
    assert set(view.mask_key_shares) == {1, 6} == set(view.recovered_mask_keys)
    assert set(view.self_seed_shares) == {0, 2, 3, 4, 5, 7} == set(view.recovered_self_seeds)
    for shares in [*view.mask_key_shares.values(), *view.self_seed_shares.values()]:
        assert [share.x - 1 for share in shares] == list(view.responders)
    for device, key in view.recovered_mask_keys.items():  # it rebuilt the right keys
        assert bytes(PrivateKey(key).public_key) == view.public_keys[device].mask


def test_fewer_than_threshold_shares_rebuild_nothing_and_any_threshold_do():
    result = secure_aggregate(np.ones((6, 2)), threshold=4, dropped=[0], rng=8)
    shares = result.server_view.mask_key_shares[0]
    key = result.server_view.recovered_mask_keys[0]
    assert join_secret(shamir_reconstruct(shares[1:5])) == key
    assert join_secret(shamir_reconstruct(shares[::-1])) == key
    with pytest.raises(NotEnoughSharesError):
        shamir_reconstruct(shares[:3])


def test_shares_travel_encrypted():
    result = secure_aggregate(np.ones((4, 2)), threshold=3, rng=6)
    view = result.server_view
    assert len(view.encrypted_shares) == 4 * 3
    ciphertext = view.encrypted_shares[0, 1]
    assert len(ciphertext) == Box.NONCE_SIZE + 16 + 4 * (2 + 32)  # nonce, tag, 34 uint32
    outsider = PrivateKey(bytes(range(32)))
    with pytest.raises(CryptoError):
        Box(outsider, PublicKey(view.public_keys[0].encryption)).decrypt(ciphertext)
    assert view.masked is result.masked
    assert len(view.masked) == 4


# --- broken variants -------------------------------------------------------------------------


def test_without_dropout_recovery_the_sum_is_wrong():
    """Rebuild the server's last step from its view, with and without the dropped keys."""
    updates = np.random.default_rng(3).normal(size=(6, 30))
    result = secure_aggregate(updates, threshold=3, dropped=[2], rng=2)
    view = result.server_view
    total = np.sum(list(view.masked.values()), axis=0, dtype=np.uint32)
    for seed in view.recovered_self_seeds.values():
        total = total - self_mask(seed, 30)
    assert not np.array_equal(total, result.ring_total)  # the dropped device's masks remain
    for survivor in view.survivors:
        mask = pairwise_mask(view.recovered_mask_keys[2], view.public_keys[survivor].mask, 30)
        total = total - mask if 2 > survivor else total + mask
    assert np.array_equal(total, result.ring_total)


def test_a_wrongly_derived_pairwise_seed_breaks_cancellation():
    private = keys(4, seed=3)
    public = [key.public_key for key in private]
    seeds = [bytes([9 + u]) * KEY_BYTES for u in range(4)]
    updates = [encode(np.full(20, u + 0.5)) for u in range(4)]
    masked = [mask_update(x, u, private[u], public, seeds[u]) for u, x in enumerate(updates)]
    # device 0 derives its pairwise seeds with the self-mask purpose: the masks no longer match
    wrong = updates[0] + self_mask(seeds[0], 20)
    for other in range(1, 4):
        shared = bindings.crypto_scalarmult(bytes(private[0]), bytes(public[other]))
        wrong = wrong + expand_mask(mask_seed(shared, purpose="self"), 20)
    self_masks = sum(self_mask(seed, 20) for seed in seeds)
    right_sum = np.sum(masked, axis=0, dtype=np.uint32) - self_masks
    wrong_sum = np.sum([wrong, *masked[1:]], axis=0, dtype=np.uint32) - self_masks
    assert np.array_equal(decode(right_sum), np.full(20, 8.0))
    assert not np.any(decode(wrong_sum) == 8.0)


def test_both_kinds_of_shares_would_reveal_an_update():
    """A server that got device 0's mask key AND seed reads its update; the key alone does not."""
    private = keys(5, seed=4)
    public = [key.public_key for key in private]
    seed = bytes(range(32))
    update = encode(np.linspace(-2.0, 2.0, 20_000))
    masked = mask_update(update, 0, private[0], public, seed)
    key_only = strip_pairwise(masked, 0, private[0], public)  # device 0 wrongly declared dropped
    assert top_bits_chi_square(key_only, 32) < CHI_SQUARE_CRITICAL  # still hidden
    both = key_only - self_mask(seed, update.size)
    assert np.array_equal(both, update)  # both kinds: the update in the clear


# --- too few survivors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dropped", "late", "left"),
    [([0, 1], [], 3), ([0], [1, 2], 2), ([], [0, 1, 2, 3, 4], 0), ([0, 1, 2, 3, 4], [], 0)],
)
def test_fewer_survivors_than_threshold(dropped, late, left):
    with pytest.raises(NotEnoughSharesError) as raised:
        secure_aggregate(
            np.ones((5, 3)), threshold=4, dropped=dropped, dropped_after_sending=late, rng=0
        )
    message = str(raised.value)
    assert f"only {left} of 5 devices" in message
    assert "threshold is 4" in message
    assert "cannot be recovered" in message and "Nothing is revealed" in message


def test_exactly_threshold_survivors_are_enough():
    result = secure_aggregate(np.ones((5, 3)), threshold=4, dropped=[2], rng=0)
    assert np.array_equal(result.total, [4.0, 4.0, 4.0])


# --- bad arguments ---------------------------------------------------------------------------

GOOD = {"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]}
KEY = PrivateKey(bytes(range(32)))
OTHER = PrivateKey(bytes(range(1, 33)))
PUBLIC = [KEY.public_key, OTHER.public_key]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: secure_aggregate({"a": [1.0]}, threshold=2), "updates"),
        (lambda: secure_aggregate(np.ones(4), threshold=2), "updates"),
        (lambda: secure_aggregate(np.ones((3, 0)), threshold=2), "updates"),
        (lambda: secure_aggregate("abc", threshold=2), "updates"),
        (lambda: secure_aggregate({"a": [1.0], "b": [1.0, 2.0]}, threshold=2), "updates"),
        (lambda: secure_aggregate({"a": [1.0], "b": [np.nan]}, threshold=2), "updates['b']"),
        (lambda: secure_aggregate({"a": [1.0], "b": [[1.0]]}, threshold=2), "updates['b']"),
        (lambda: secure_aggregate({"a": [1.0], 1.5: [1.0]}, threshold=2), "updates"),
        (lambda: secure_aggregate({"a": [1.0], True: [1.0]}, threshold=2), "updates"),
        (lambda: secure_aggregate({"a": [1e9], "b": [1.0]}, threshold=2), "updates['a']"),
        (lambda: secure_aggregate(GOOD, threshold=1), "threshold"),
        (lambda: secure_aggregate(GOOD, threshold=4), "threshold"),
        (lambda: secure_aggregate(GOOD, threshold=2.0), "threshold"),
        (lambda: secure_aggregate(GOOD, threshold=True), "threshold"),
        (lambda: secure_aggregate(GOOD, threshold=2, dropped=["z"]), "dropped"),
        (lambda: secure_aggregate(GOOD, threshold=2, dropped="a"), "dropped"),
        (lambda: secure_aggregate(GOOD, threshold=2, dropped=["a", "a"]), "dropped"),
        (lambda: secure_aggregate(np.ones((3, 1)), threshold=2, dropped=[1.0]), "dropped"),
        (lambda: secure_aggregate(np.ones((3, 1)), threshold=2, dropped=[True]), "dropped"),
        (lambda: secure_aggregate(GOOD, threshold=2, dropped_after_sending=[7]), "dropped_after"),
        (
            lambda: secure_aggregate(GOOD, threshold=2, dropped=["a"], dropped_after_sending=["a"]),
            "dropped_after_sending",
        ),
        (lambda: secure_aggregate(GOOD, threshold=2, bits=16), "bits"),
        (lambda: secure_aggregate(GOOD, threshold=2, bits=True), "bits"),
        (lambda: secure_aggregate(GOOD, threshold=2, scale_bits=-1), "scale_bits"),
        (lambda: secure_aggregate(GOOD, threshold=2, scale_bits=31), "scale_bits"),
        (lambda: secure_aggregate(GOOD, threshold=2, rng="seed"), "rng"),
        (lambda: encode([np.inf]), "update"),
        (lambda: encode(["a"]), "update"),
        (lambda: encode([1.0], bits=128), "bits"),
        (lambda: encode([1.0], scale_bits=2.5), "scale_bits"),
        (lambda: encode([1.0], devices=0), "devices"),
        (lambda: decode([-1]), "total"),
        (lambda: decode([1.5]), "total"),
        (lambda: decode(np.array([2**32], dtype=np.uint64)), "total"),
        (lambda: decode([1], bits=48), "bits"),
        (lambda: mask_seed("text", purpose="self"), "secret"),
        (lambda: mask_seed(b"", purpose="self"), "secret"),
        (lambda: mask_seed(b"x", purpose="other"), "purpose"),
        (lambda: expand_mask(b"short", 3), "seed"),
        (lambda: expand_mask(bytes(32), 0), "length"),
        (lambda: expand_mask(bytes(32), 3, bits=8), "bits"),
        (lambda: pairwise_mask("key", OTHER.public_key, 3), "private_key"),
        (lambda: pairwise_mask(KEY, bytes(31), 3), "public_key"),
        (lambda: pairwise_mask(KEY, bytes(32), 3), "public_key"),  # a low-order point
        (lambda: self_mask(bytes(31), 3), "self_seed"),
        (lambda: mask_update(np.zeros((2, 2), np.uint32), 0, KEY, PUBLIC, bytes(32)), "encoded"),
        (lambda: mask_update([-1], 0, KEY, PUBLIC, bytes(32)), "encoded"),
        (lambda: mask_update([1], 2, KEY, PUBLIC, bytes(32)), "position"),
        (lambda: mask_update([1], 0, KEY, PUBLIC[:1], bytes(32)), "public_keys"),
        (lambda: mask_update([1], 0, KEY, [PUBLIC[0], "x"], bytes(32)), "public_keys[1]"),
        (lambda: mask_update([1], 1, KEY, PUBLIC, bytes(32)), "public_keys[1]"),
        (lambda: mask_update([1], 0, KEY, PUBLIC, b"seed"), "self_seed"),
        (lambda: split_secret(b"too short"), "secret"),
        (lambda: join_secret([1, 2, 3]), "chunks"),
        (lambda: join_secret([2**16] * 16), "chunks"),
        (lambda: join_secret([0.5] * 16), "chunks"),
    ],
)
def test_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError) as raised:
        call()
    assert str(raised.value).startswith(name), str(raised.value)
