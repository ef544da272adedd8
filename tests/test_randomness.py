"""Secrets come from ChaCha20, also when seeded; noise without a seed comes from ChaCha20 too.

The attack these tests close: with a seed, secrets used to be numpy's PCG64
draws. PCG64 is not cryptographic: from enough outputs (the Box nonces a
server relays, say) its state can be worked out, and with it every key drawn
from the same generator. Here a seeded run's secrets must not be PCG64 draws
at all, and nothing a party sees may repeat another secret.
"""

from __future__ import annotations

import math
import os

import nacl.bindings
import numpy as np
import pytest
from nacl.public import PrivateKey

from privlab import _guard as check
from privlab import dp, mpc
from privlab.errors import InvalidParameterError
from privlab.fl.secagg import secure_aggregate
from privlab.randomness import SecretRandom, secret_random, unpredictable_generator

SEEDS = range(12)


def pcg64_stream(seed: int, size: int = 1 << 16) -> bytes:
    """What numpy's default generator gives for this seed: what an attacker would try first."""
    return np.random.default_rng(seed).bytes(size)


def windows(data: bytes, width: int = 8) -> set[bytes]:
    return {data[i : i + width] for i in range(0, len(data) - width + 1)}


# --- the attack: seeded secrets must not be PCG64 draws ---------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_secure_aggregation_draws_nothing_from_pcg64(seed):
    updates = np.arange(12, dtype=float).reshape(4, 3) / 7
    result = secure_aggregate(updates, threshold=3, dropped=[3], rng=seed)
    view = result.server_view
    nonces = [ciphertext[:24] for ciphertext in view.encrypted_shares.values()]
    keys = list(view.recovered_mask_keys.values()) + list(view.recovered_self_seeds.values())
    stream = windows(pcg64_stream(seed))
    for secret in nonces + keys:
        assert not windows(secret) & stream, "a seeded secret came from numpy's PCG64"
    again = secure_aggregate(updates, threshold=3, dropped=[3], rng=seed)
    assert all((again.masked[d] == result.masked[d]).all() for d in result.masked)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_shares_and_triples_draw_nothing_from_pcg64(seed):
    stream = windows(pcg64_stream(seed))
    shares = mpc.share_additive(np.zeros(64, dtype=np.int64), 3, rng=seed)
    triples = mpc.Dealer().triples((64,), ("a", "b", "c"), rng=seed)
    first = triples[0]
    for array in [shares[0].value, first.a.value, first.b.value, first.c.value]:
        assert not windows(np.asarray(array).tobytes()) & stream
    polynomial = mpc.random_polynomial(np.zeros(64, dtype=np.int64), threshold=3, rng=seed)
    pcg_polynomial = np.random.default_rng(seed).integers(0, mpc.PRIME, size=(2, 64))
    assert not (polynomial[1:] == pcg_polynomial).any(axis=1).all()


def test_every_private_key_of_a_seeded_chat_is_off_the_pcg64_stream():
    from privlab.crypto.keys import Identity

    for seed in SEEDS:
        identity = Identity("Alice", one_time_prekeys=2, rng=seed)
        stream = windows(pcg64_stream(seed))
        secrets = [
            bytes(identity.signing_key),
            bytes(identity.signed_prekey.private_key),
            *(bytes(key) for key in identity.one_time_prekeys.values()),
        ]
        for secret in secrets:
            assert not windows(secret) & stream


def test_a_seed_keys_the_stream_through_a_hash_and_gives_the_same_secrets():
    assert secret_random(5).bytes(32) == secret_random(5).bytes(32)
    assert secret_random(5).bytes(32) != secret_random(6).bytes(32)
    assert secret_random(None).bytes(32) != secret_random(None).bytes(32)
    generator = np.random.default_rng(5)
    assert secret_random(generator).bytes(32) != secret_random(generator).bytes(32)
    stream = SecretRandom.from_rng(3)
    assert SecretRandom.from_rng(stream) is stream
    assert "key" not in repr(stream) and repr(stream) == "SecretRandom(ChaCha20)"


def test_the_key_moves_on_so_no_two_draws_share_stream_bytes():
    key = bytes(range(32))
    stream = SecretRandom(key)
    first, second = stream.bytes(64), stream.bytes(64)
    from nacl.utils import randombytes_deterministic

    block = randombytes_deterministic(96, key)
    assert first == block[32:]  # the first 32 bytes became the next key
    assert second == randombytes_deterministic(96, block[:32])[32:]
    assert not windows(first) & windows(second)


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True, b"seed", object()])
def test_a_bad_rng_is_named(bad):
    with pytest.raises(InvalidParameterError, match="rng must be None, a seed"):
        secret_random(bad)


# --- the stream is uniform, and "below" is unbiased ---------------------------------------------


def chi_square_p(counts: np.ndarray) -> float:
    """Upper tail of the chi-square statistic for equal expected counts (Wilson-Hilferty)."""
    expected = counts.sum() / counts.size
    statistic = float(((counts - expected) ** 2 / expected).sum())
    k = counts.size - 1
    z = ((statistic / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_stream_bytes_are_uniform():
    data = np.frombuffer(SecretRandom(bytes(32)).bytes(1 << 20), dtype=np.uint8)
    assert chi_square_p(np.bincount(data, minlength=256)) > 1e-3


def test_below_is_unbiased_and_the_modulo_shortcut_is_caught():
    bound = 3 << 61  # 2**64 mod bound = 2**62: the modulo shortcut makes the lowest third 2x likely
    stream = SecretRandom(bytes(range(32)))
    fair = stream.below(bound, (60_000,))
    assert fair.min() >= 0 and fair.max() < bound
    assert chi_square_p(np.bincount(fair // (1 << 61), minlength=3)) > 1e-3
    shortcut = (stream.uint64((60_000,)) % np.uint64(bound)).astype(np.int64)
    assert chi_square_p(np.bincount(shortcut // (1 << 61), minlength=3)) < 1e-9


def test_below_covers_small_bounds_exactly():
    stream = SecretRandom(bytes(32))
    for bound in (2, 3, 97, mpc.PRIME):
        values = stream.below(bound, (5_000,))
        assert values.dtype == np.int64 and 0 <= values.min() and values.max() < bound


# --- noise without a seed: ChaCha20, never PCG64 --------------------------------------------------


def test_rng_none_is_chacha20_with_20_rounds():
    generator = check.rng(None)
    assert type(generator.bit_generator).__name__ == "ChaCha"
    assert generator.bit_generator.state["state"]["rounds"] == 20
    assert generator is unpredictable_generator()


def test_the_noise_generator_is_the_chacha20_of_rfc_8439():
    """Its stream equals libsodium's ChaCha20 (block 1 on, as the AEAD's ciphertext of zeros)."""
    from randomgen import ChaCha

    key = bytes(range(32))
    ours = ChaCha(key=int.from_bytes(key, "little"), rounds=20).random_raw(40)
    keystream = nacl.bindings.crypto_aead_chacha20poly1305_ietf_encrypt(
        bytes(256), None, bytes(12), key
    )[:256]
    assert ours.astype("<u8").tobytes()[64:320] == keystream


def test_noise_without_a_seed_creates_no_pcg64(monkeypatch):
    """Release paths with rng=None: counts, Laplace, randomized response, DP-FedAvg, lift."""
    from privlab.fl.dp import dp_fedavg_average
    from privlab.lift.report import secure_dp_lift
    from privlab.lift.study import lift_study

    study = lift_study(population=300, rng=1)  # public data: seeded

    def no_pcg64(*args, **kwargs):
        raise AssertionError("numpy's PCG64 was created for noise without a seed")

    monkeypatch.setattr(np.random, "default_rng", no_pcg64)
    monkeypatch.setattr(np.random, "PCG64", no_pcg64)
    dp.noisy_count([118, 20], epsilon=0.5)
    dp.laplace_mechanism(3.0, sensitivity=1, epsilon=1.0)
    dp.randomized_response([True, False], epsilon=1.0)
    dp_fedavg_average(np.ones((4, 3)), clip_norm=1.0, noise_multiplier=1.0, expected_devices=4)
    budget = dp.PrivacyAccountant(epsilon=3.0)
    secure_dp_lift(study.publisher, study.advertiser, accountant=budget, epsilon=3.0,
                   max_purchases=4, value_cap=20_000)  # fmt: skip


def test_noise_without_a_seed_is_drawn_from_the_shared_chacha20(monkeypatch):
    from randomgen import ChaCha

    import privlab.randomness as randomness

    key = int.from_bytes(bytes(range(32)), "little")
    monkeypatch.setattr(randomness, "_SHARED", [np.random.Generator(ChaCha(key=key, rounds=20))])
    drawn = dp.noisy_count(np.full(50, 118), epsilon=0.5)
    expected = dp.noisy_count(
        np.full(50, 118), epsilon=0.5, rng=np.random.Generator(ChaCha(key=key, rounds=20))
    )
    assert (drawn == expected).all()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is not on this system")
def test_a_forked_child_adds_different_noise():
    unpredictable_generator()  # made before the fork
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, check.rng(None).bytes(32))
        os._exit(0)
    os.waitpid(child, 0)
    theirs = os.read(read, 32)
    assert len(theirs) == 32 and theirs != check.rng(None).bytes(32)


def test_a_seed_or_generator_for_noise_stays_numpy_reproducible():
    assert dp.noisy_count(118, epsilon=0.5, rng=0) == dp.noisy_count(118, epsilon=0.5, rng=0)
    assert isinstance(check.rng(np.random.default_rng(1)).bit_generator, np.random.PCG64)
    assert PrivateKey(secret_random(1).bytes(32))  # any 32 bytes make an X25519 key
