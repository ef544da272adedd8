"""Where privlab's randomness comes from: one rule for noise, one for secrets.

**Noise and public draws** (DP noise, which phones train, simulated data) come
from a ``numpy.random.Generator``. A seed gives the same numbers on every run,
which is what a lesson wants when its text quotes one. ``rng=None`` gives
:func:`unpredictable_generator`: numpy's interface on the ChaCha20 stream
cipher under a key from the operating system. numpy's default generator
(PCG64) is fast but not cryptographic: from enough of its outputs its state
can be worked out, and then every later draw. Noise that an observer can
predict from earlier releases is no noise, so privlab never uses PCG64 unless
the learner asks for it with a seed or a Generator.

**Secrets** (shares, masks, keys, nonces) come from :class:`SecretRandom`:
libsodium's ChaCha20 key stream (``randombytes_buf_deterministic``) under a
32-byte key. The key is fresh from the operating system (``rng=None``), or
hashed from a seed, so that a seeded lesson is reproducible and yet nothing
the other parties see (public keys, nonces, masked values) tells them the key.
Anyone who knows or guesses the seed can recompute every secret, so a seed
is for lessons and tests only; small seeds are easy to guess.

Examples
--------
>>> SecretRandom.from_rng(7).bytes(4).hex() == SecretRandom.from_rng(7).bytes(4).hex()
True
>>> stream = SecretRandom.from_rng(7)
>>> stream.bytes(4) == stream.bytes(4)  # the key moves on after every draw
False
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np

from . import _guard
from .errors import InvalidParameterError

__all__ = ["KEY_BYTES", "SecretRandom", "secret_random", "unpredictable_generator"]

KEY_BYTES = 32
"""Size of a ChaCha20 key."""

_SEED_PERSON = b"privlab-secrets"  # domain separation: no other hash in privlab gives this key


class SecretRandom:
    """Cryptographic random bytes and numbers from ChaCha20, with a key that moves on.

    Each draw of ``size`` bytes takes the first ``32 + size`` bytes of the
    ChaCha20 stream under the current key: the first 32 become the next key,
    the rest are the output ("fast key erasure", Bernstein 2017). So no two
    draws share stream bytes, and whoever steals the generator's state later
    cannot recompute what it gave out before.

    Parameters
    ----------
    key : bytes
        32 secret bytes. Use :meth:`from_rng` rather than choosing them.

    Examples
    --------
    >>> stream = SecretRandom(bytes(32))
    >>> stream.uint64((2,)).dtype, int(stream.below(10, (1000,)).max()) < 10
    (dtype('uint64'), True)
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            shown = f"{len(key)} bytes" if isinstance(key, bytes) else type(key).__name__
            raise InvalidParameterError(f"key must be {KEY_BYTES} bytes; got {shown}.")
        self._key = key

    def __repr__(self) -> str:  # never print the key
        return "SecretRandom(ChaCha20)"

    @classmethod
    def from_rng(cls, rng: Any) -> SecretRandom:
        """A stream keyed by the operating system (``None``), a seed, or a Generator.

        A seed ``s`` gives the key :math:`\\mathrm{BLAKE2b}_{256}(s)`, so the same
        seed gives the same secrets. A ``numpy.random.Generator`` gives 32 of
        its bytes as the key: the secrets are then only as safe as that
        generator's state, which its public draws can give away. A
        ``SecretRandom`` is returned as it is, so one stream can be passed on.
        """
        if rng is None:
            return cls(os.urandom(KEY_BYTES))
        if isinstance(rng, SecretRandom):
            return rng
        if isinstance(rng, np.random.Generator):
            return cls(rng.bytes(KEY_BYTES))
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
            from nacl.encoding import RawEncoder
            from nacl.hash import blake2b

            seed = int(rng).to_bytes(-(-int(rng).bit_length() // 8) or 1, "little")
            key = blake2b(seed, digest_size=KEY_BYTES, person=_SEED_PERSON, encoder=RawEncoder)
            return cls(key)
        raise InvalidParameterError(
            "rng must be None, a seed (whole number >= 0) or a numpy.random.Generator; "
            f"got {rng!r}. (None: cryptographic randomness; a seed: for lessons and tests.)"
        )

    def bytes(self, size: int) -> bytes:
        """``size`` random bytes; the key moves on."""
        return self._draw(_guard.integer("size", size, low=0, high=8 * _guard.MAX_ITEMS))

    def _draw(self, size: int) -> bytes:
        from nacl.utils import randombytes_deterministic

        block = randombytes_deterministic(KEY_BYTES + size, self._key)
        self._key = block[:KEY_BYTES]
        return block[KEY_BYTES:]

    def uint64(self, shape: tuple[int, ...]) -> np.ndarray:
        """Uniform whole numbers from 0 to ``2**64 - 1`` (little-endian 8-byte words)."""
        shape = _guard.shape("shape", shape)
        return self._words(math.prod(shape)).reshape(shape)

    def _words(self, count: int) -> np.ndarray:
        return np.frombuffer(self._draw(8 * count), dtype="<u8").astype(np.uint64, copy=False)

    def below(self, bound: int, shape: tuple[int, ...]) -> np.ndarray:
        """Uniform whole numbers from 0 to ``bound - 1`` (``2 <= bound <= 2**63``), as ``int64``.

        Keep the top :math:`L` bits of each 64-bit word, where :math:`2^{L-1} < b
        \\le 2^L`, and draw again where the number is ``bound`` or more: every
        accepted value is equally likely (unlike ``word % bound``), and more than
        half are accepted.
        """
        bound = _guard.integer("bound", bound, low=2, high=2**63)
        shape = _guard.shape("shape", shape)
        count = math.prod(shape)
        shift = np.uint64(64 - (bound - 1).bit_length())
        out = np.empty(count, dtype=np.int64)
        filled = 0
        while filled < count:
            draws = (self._words(count - filled) >> shift).astype(np.int64)
            kept = draws[draws < bound]
            out[filled : filled + kept.size] = kept
            filled += kept.size
        return out.reshape(shape)

    def generator(self) -> np.random.Generator:
        """numpy's Generator on ChaCha20 keyed from this stream: noise as secret as the stream.

        For a protocol that adds DP noise with the same ``rng`` as its secrets.
        """
        return _chacha_generator(self._draw(KEY_BYTES))


def _chacha_generator(key: bytes) -> np.random.Generator:
    from randomgen import ChaCha  # loaded on first use: import privlab stays light

    return np.random.Generator(ChaCha(key=int.from_bytes(key, "little"), rounds=20))


def secret_random(rng: Any) -> SecretRandom:
    """The stream of secrets for one public call: see :meth:`SecretRandom.from_rng`.

    Examples
    --------
    >>> secret_random(None)
    SecretRandom(ChaCha20)
    """
    return SecretRandom.from_rng(rng)


_SHARED: list[np.random.Generator] = []  # one per process, made on first use


def unpredictable_generator() -> np.random.Generator:
    """numpy's Generator on ChaCha20 (20 rounds) under a key from the operating system.

    What ``rng=None`` means for noise: every distribution numpy offers, drawn
    from a cryptographic stream (``randomgen.ChaCha``). One generator serves
    the whole process; a child process made by ``fork`` gets a fresh key, so
    two processes never add the same noise.

    Examples
    --------
    >>> unpredictable_generator() is unpredictable_generator()
    True
    >>> type(unpredictable_generator().bit_generator).__name__
    'ChaCha'
    """
    if not _SHARED:
        _SHARED.append(_chacha_generator(os.urandom(KEY_BYTES)))
    return _SHARED[0]


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_SHARED.clear)
