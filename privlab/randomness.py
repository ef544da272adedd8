"""Where privlab's randomness comes from: the three policies, named here once.

* **Public draws and noise** (DP noise, simulated data, which phones train) come
  from a ``numpy.random.Generator``, the ``rng`` argument: a seed gives the same
  numbers on every run; ``None`` gives :func:`unpredictable_generator`, numpy on
  ChaCha20 under a key from the operating system (never PCG64, whose state can be
  worked out from its outputs: noise an observer can predict is no noise).
* **Secrets** (shares, masks, keys, nonces) come from :class:`SecretRandom`,
  ChaCha20 under a key fresh from the operating system for ``None``, or hashed
  from a seed: whoever knows the seed recomputes every secret, so seeds are for
  lessons and tests only.
* **The exact samplers** (:mod:`privlab.dp.exact`) need fair whole numbers:
  :class:`secrets.SystemRandom` for ``None``, ``random.Random(seed)`` for a seed.

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

from ._guard import MAX_ITEMS, SHAPE, guard, whole
from .errors import InvalidParameterError

__all__ = ["SecretRandom", "secret_random", "unpredictable_generator"]

_KEY_BYTES = 32  # a ChaCha20 key
_SEED_PERSON = b"privlab-secrets"  # domain separation: no other hash in privlab gives this key


def _seed(name: str, value: Any) -> Any:
    """What an ``rng`` for secrets may be; :meth:`SecretRandom.from_rng` turns it into a stream."""
    seed = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0
    if not (value is None or seed or isinstance(value, (SecretRandom, np.random.Generator))):
        raise InvalidParameterError(
            "rng must be None, a seed (whole number >= 0) or a numpy.random.Generator; "
            f"got {value!r}. (None: cryptographic randomness; a seed: for lessons and tests.)"
        )
    return value


def _chacha_key(name: str, value: Any) -> bytes:
    if not isinstance(value, bytes) or len(value) != _KEY_BYTES:
        shown = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise InvalidParameterError(f"{name} must be {_KEY_BYTES} bytes; got {shown}.")
    return value


class SecretRandom:
    """Cryptographic random bytes and numbers from ChaCha20, with a key that moves on.

    A draw of ``size`` bytes takes the first ``32 + size`` bytes of the stream under
    the current key: the first 32 become the next key ("fast key erasure",
    Bernstein 2017), so stealing the state later does not give away earlier draws.

    Examples
    --------
    >>> stream = SecretRandom(bytes(32))
    >>> stream.uint64((2,)).dtype, int(stream.below(10, (1000,)).max()) < 10
    (dtype('uint64'), True)
    """

    __slots__ = ("_key",)

    @guard(key=_chacha_key)
    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:  # never print the key
        return "SecretRandom(ChaCha20)"

    @classmethod
    @guard(rng=_seed)
    def from_rng(cls, rng: Any) -> SecretRandom:
        """A stream keyed by the operating system (``None``), a seed, or a Generator.

        A seed ``s`` gives the key :math:`\\mathrm{BLAKE2b}_{256}(s)`; a Generator 32 of
        its bytes (only as safe as its state); a ``SecretRandom`` is returned as it is.
        """
        if rng is None:
            return cls(os.urandom(_KEY_BYTES))
        if isinstance(rng, SecretRandom):
            return rng
        if isinstance(rng, np.random.Generator):
            return cls(rng.bytes(_KEY_BYTES))
        from nacl.encoding import RawEncoder
        from nacl.hash import blake2b

        seed = int(rng).to_bytes(-(-int(rng).bit_length() // 8) or 1, "little")
        key = blake2b(seed, digest_size=_KEY_BYTES, person=_SEED_PERSON, encoder=RawEncoder)
        return cls(key)

    @guard(size=whole(0, 8 * MAX_ITEMS))
    def bytes(self, size: int) -> bytes:
        """``size`` random bytes; the key moves on."""
        from nacl.utils import randombytes_deterministic

        block = randombytes_deterministic(_KEY_BYTES + size, self._key)
        self._key = block[:_KEY_BYTES]
        return block[_KEY_BYTES:]

    @guard(shape=SHAPE)
    def uint64(self, shape: tuple[int, ...]) -> np.ndarray:
        """Uniform whole numbers from 0 to ``2**64 - 1`` (little-endian 8-byte words)."""
        words = np.frombuffer(self.bytes(8 * math.prod(shape)), dtype="<u8")
        return words.astype(np.uint64, copy=False).reshape(shape)

    @guard(bound=whole(2, 2**63), shape=SHAPE)
    def below(self, bound: int, shape: tuple[int, ...]) -> np.ndarray:
        """Uniform whole numbers from 0 to ``bound - 1`` (``2 <= bound <= 2**63``), as ``int64``.

        The top :math:`L` bits of each word (:math:`2^{L-1} < b \\le 2^L`), drawn again
        where ``bound`` or more: unbiased, unlike ``word % bound``.
        """
        count = math.prod(shape)
        shift = np.uint64(64 - (bound - 1).bit_length())
        out = np.empty(count, dtype=np.int64)
        filled = 0
        while filled < count:
            draws = (self.uint64((count - filled,)) >> shift).astype(np.int64)
            kept = draws[draws < bound]
            out[filled : filled + kept.size] = kept
            filled += kept.size
        return out.reshape(shape)

    def generator(self) -> np.random.Generator:
        """numpy's Generator on ChaCha20 keyed from this stream: noise as secret as the stream."""
        return _chacha_generator(self.bytes(_KEY_BYTES))


def _chacha_generator(key: bytes) -> np.random.Generator:
    from randomgen import ChaCha  # loaded on first use: import privlab stays light

    return np.random.Generator(ChaCha(key=int.from_bytes(key, "little"), rounds=20))


@guard(rng=_seed)
def secret_random(rng: Any) -> SecretRandom:
    """The stream of secrets for one public call (:meth:`SecretRandom.from_rng`).

    Turn a seed into a stream once per call and pass the stream on: the same
    seed twice would give two parties the same secrets.

    >>> secret_random(None)
    SecretRandom(ChaCha20)
    """
    return SecretRandom.from_rng(rng)


_SHARED: list[np.random.Generator] = []  # one per process, made on first use


def unpredictable_generator() -> np.random.Generator:
    """What ``rng=None`` means for noise: numpy's Generator on ChaCha20 (20 rounds).

    One generator serves the process; a child made by ``fork`` gets a fresh key.

    >>> unpredictable_generator() is unpredictable_generator()
    True
    >>> type(unpredictable_generator().bit_generator).__name__
    'ChaCha'
    """
    if not _SHARED:
        _SHARED.append(_chacha_generator(os.urandom(_KEY_BYTES)))
    return _SHARED[0]


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_SHARED.clear)
