"""Secure aggregation's masks: the server learns the sum of the devices' updates, and nothing else.

Bonawitz et al. (CCS 2017). Updates are fixed-point numbers modulo :math:`2^k`
(:func:`encode`). Each pair of devices :math:`u < v` agrees on a mask :math:`p_{uv}` by
X25519 (:func:`pairwise_mask`); :math:`u` adds it and :math:`v` subtracts it, so the
pairwise masks cancel in the sum; a self mask :math:`\\mathrm{PRG}(b_u)` (:func:`self_mask`)
hides the update of a device that was slow, not gone. The rest of the protocol (shared
keys, dropouts, :func:`secure_aggregate`) is in :mod:`privlab.fl.secagg_protocol`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from nacl import bindings
from nacl import exceptions as nacl_errors
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey
from nacl.utils import randombytes_deterministic

from .._guard import MAX_ITEMS, REALS, TIED, guard, integer, whole
from ..errors import InvalidParameterError
from ..mpc import ring
from ..mpc.ring import _UNSIGNED, _ring_bits, _ring_elements
from . import _checks as check
from ._checks import KEY_BYTES

__all__ = [
    "KEY_BYTES",
    "SCALE_BITS",
    "decode",
    "encode",
    "expand_mask",
    "mask_seed",
    "mask_update",
    "pairwise_mask",
    "self_mask",
]

SCALE_BITS = 16
"""Default bits after the binary point: a decimal ``x`` is stored as ``round(x * 2**16)``."""

_PERSON = b"privlab-secagg"  # BLAKE2b domain separation: no other hash in privlab gives these
_PURPOSES = {"pairwise": b"pairwise mask", "self": b"self mask"}
_LENGTH = whole(1, MAX_ITEMS)


def _own_key_at_position(arguments: dict[str, Any]) -> None:
    arguments["encoded"] = check.ring_vector("encoded", arguments["encoded"], arguments["bits"])
    public, private = arguments["public_keys"], arguments["private_key"]
    position = integer("position", arguments["position"], low=0, high=len(public) - 1)
    if bytes(PrivateKey(private).public_key) != public[position]:
        raise InvalidParameterError(
            f"public_keys[{position}] must be the public key of private_key (this device's "
            "own key, at its position); got another key."
        )
    arguments["position"] = position


@guard(
    encoded=TIED,
    position=TIED,
    bits=_ring_bits,
    public_keys=check.public_keys,
    private_key=check.key,
    self_seed=check.key,
    where=_own_key_at_position,
)
def mask_update(
    encoded: Any,
    position: int,
    private_key: PrivateKey | bytes,
    public_keys: Sequence[PublicKey | bytes],
    self_seed: bytes,
    *,
    bits: int = 32,
) -> np.ndarray:
    """What device ``u = position`` sends the server: its encoded update under all its masks.

    .. math:: y_u = x_u + \\mathrm{PRG}(b_u) + \\sum_{v > u} p_{uv} - \\sum_{v < u} p_{vu}
              \\bmod 2^k

    ``public_keys``: every device's mask public key in the server's order, its own at ``position``.

    >>> keys = [PrivateKey(bytes([i]) * 32) for i in (1, 2, 3)]
    >>> public = [key.public_key for key in keys]
    >>> updates = [encode([1.0, 2.0]), encode([0.5, -1.0]), encode([0.25, 0.0])]
    >>> seeds = [bytes([i]) * 32 for i in (7, 8, 9)]
    >>> masked = [mask_update(x, u, keys[u], public, seeds[u]) for u, x in enumerate(updates)]
    >>> total = sum(masked) - sum(self_mask(seed, 2) for seed in seeds)  # pairwise masks cancel
    >>> decode(total)
    array([1.75, 1.  ])
    """
    length = encoded.size
    masked = encoded + self_mask(self_seed, length, bits=bits)
    for other, their_key in enumerate(public_keys):
        if other == position:
            continue
        mask = pairwise_mask(private_key, their_key, length, bits=bits)
        masked = masked + mask if other > position else masked - mask
    return masked


@guard(private_key=check.key, public_key=check.key, length=_LENGTH, bits=_ring_bits)
def pairwise_mask(
    private_key: PrivateKey | bytes, public_key: PublicKey | bytes, length: int, *, bits: int = 32
) -> np.ndarray:
    """The mask :math:`p_{uv}` that two devices agree on without ever sending it.

    .. math:: p_{uv} = \\mathrm{PRG}(\\mathrm{BLAKE2b}(\\mathrm{X25519}(sk_u, pk_v)))
              = \\mathrm{PRG}(\\mathrm{BLAKE2b}(\\mathrm{X25519}(sk_v, pk_u))) = p_{vu}

    >>> u, v = PrivateKey(bytes(range(32))), PrivateKey(bytes(range(1, 33)))
    >>> bool((pairwise_mask(u, v.public_key, 4) == pairwise_mask(v, u.public_key, 4)).all())
    True
    """
    try:
        shared = bindings.crypto_scalarmult(bytes(private_key), bytes(public_key))
    except nacl_errors.RuntimeError as error:  # a low-order point gives the all-zero secret
        raise InvalidParameterError(
            "public_key must be a valid X25519 public key; got a low-order point, "
            "which gives every device the same shared secret."
        ) from error
    return expand_mask(mask_seed(shared, purpose="pairwise"), length, bits=bits)


@guard(self_seed=check.key, length=_LENGTH, bits=_ring_bits)
def self_mask(self_seed: bytes, length: int, *, bits: int = 32) -> np.ndarray:
    """The device's own mask :math:`\\mathrm{PRG}(b_u)`, from its random 32-byte seed :math:`b_u`.

    >>> self_mask(bytes(32), 2)
    array([2012439961, 2593344591], dtype=uint32)
    """
    return expand_mask(mask_seed(self_seed, purpose="self"), length, bits=bits)


@guard(seed=check.key, length=_LENGTH, bits=_ring_bits)
def expand_mask(seed: bytes, length: int, *, bits: int = 32) -> np.ndarray:
    """A pseudo-random mask: ``length`` ring elements from the ChaCha20 stream under a seed.

    >>> expand_mask(bytes(32), 3)
    array([ 311369633, 1936689104, 3532598637], dtype=uint32)
    """
    stream = randombytes_deterministic(length * bits // 8, seed)
    return np.frombuffer(stream, dtype=_UNSIGNED[bits].newbyteorder("<")).astype(_UNSIGNED[bits])


@guard(secret=check.secret, purpose=check.one_of(*_PURPOSES))
def mask_seed(secret: bytes, *, purpose: str) -> bytes:
    """A 32-byte seed for a mask, hashed from a secret (BLAKE2b keyed by the purpose).

    >>> seed = mask_seed(bytes(32), purpose="self")
    >>> len(seed), seed == mask_seed(bytes(32), purpose="pairwise")
    (32, False)
    """
    key = _PURPOSES[purpose]
    return blake2b(secret, digest_size=KEY_BYTES, key=key, person=_PERSON, encoder=RawEncoder)


def _fits_the_sum(arguments: dict[str, Any]) -> None:
    check.scale_bits(arguments)
    bits, scale, devices = arguments["bits"], arguments["scale_bits"], arguments["devices"]
    check.fits_the_sum("update", arguments["update"], bits, scale, devices)


@guard(update=REALS, bits=_ring_bits, scale_bits=TIED, devices=whole(low=1), where=_fits_the_sum)
def encode(
    update: Any, bits: int = 32, scale_bits: int = SCALE_BITS, *, devices: int = 1
) -> np.ndarray:
    """Fixed-point encoding of float values as whole numbers modulo ``2**bits``.

    .. math:: x \\mapsto \\mathrm{round}(x \\cdot 2^{s}) \\bmod 2^{k}

    Negatives wrap around; a sum of ``devices`` updates must fit.

    >>> encode([1.5, -1.0])
    array([     98304, 4294901760], dtype=uint32)
    >>> encode([1.5, -1.0], bits=64)
    array([               98304, 18446744073709486080], dtype=uint64)
    >>> encode([500.0], devices=100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: update must have every value of magnitude below 327.68 ...
    """
    return ring.encode(update, fixed_point=True, bits=bits, scale_bits=scale_bits)


def _ring_total(arguments: dict[str, Any]) -> None:
    check.scale_bits(arguments)
    bits = arguments["bits"]
    allowed = f"whole numbers from 0 to 2**{bits} - 1"
    arguments["total"] = _ring_elements("total", arguments["total"], bits, allowed)


@guard(total=TIED, bits=_ring_bits, scale_bits=TIED, where=_ring_total)
def decode(total: Any, bits: int = 32, scale_bits: int = SCALE_BITS) -> np.ndarray:
    """Float values of fixed-point numbers modulo ``2**bits``; from ``2**(bits-1)`` up, negative.

    .. math:: r \\mapsto \\frac{r - 2^k \\, [r \\ge 2^{k-1}]}{2^{s}}

    >>> decode(encode([1.5, -1.0]) + encode([0.25, 0.5]))  # a sum in the ring
    array([ 1.75, -0.5 ])
    """
    return ring.decode(total, fixed_point=True, bits=bits, scale_bits=scale_bits)


# The protocol's names, from the modules that use these masks (loaded when asked for).
_ELSEWHERE = dict.fromkeys(("SecAggResult", "ServerView", "secure_aggregate"), ".secagg_protocol")
_ELSEWHERE |= dict.fromkeys(
    ("SIGNATURE_BYTES", "AdvertisedKeys", "join_secret", "split_secret"), ".secagg_device"
)


def __getattr__(name: str) -> Any:
    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name], __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
