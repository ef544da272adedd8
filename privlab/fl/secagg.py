"""Secure aggregation: the server learns the sum of the devices' updates, and nothing else.

In federated learning every phone sends the server a model update, and one
update can give away the examples it was trained on (:mod:`privlab.fl.attacks`).
The server only needs the *sum* of the updates. Secure aggregation (Bonawitz,
Ivanov, Kreuter, Marcedone, McMahan, Patel, Ramage, Segal and Seth, CCS 2017,
"Practical Secure Aggregation for Privacy-Preserving Machine Learning") lets it
compute that sum from masked updates that each look like random numbers, even
when some phones drop out half-way.

**Fixed point.** Masks are uniform whole numbers, so the float updates are
first turned into whole numbers modulo :math:`2^k` (:func:`encode`, :func:`decode`):

.. math:: x \\mapsto \\mathrm{round}(x \\cdot 2^{s}) \\bmod 2^k,
          \\qquad k \\in \\{32, 64\\}, \\; s = 16 \\text{ by default.}

A sum of :math:`n` encoded updates is the encoded sum, as long as it stays
between :math:`-2^{k-1}` and :math:`2^{k-1}`: every value must have
:math:`n \\cdot |\\mathrm{round}(x \\cdot 2^s)| < 2^{k-1}`.

**Pairwise masks cancel.** Each pair of devices :math:`u < v` (in the order of
the server's list) agrees on a secret with X25519 Diffie-Hellman: :math:`u`
combines its private key with :math:`v`'s public key, :math:`v` does the
opposite, and both get the same 32 bytes. Hashed (BLAKE2b) and stretched
(ChaCha20, libsodium's ``randombytes_buf_deterministic``) it gives a vector
:math:`p_{uv}` (:func:`pairwise_mask`). Device :math:`u` adds :math:`p_{uv}`
and device :math:`v` subtracts it, so in the sum every pairwise mask meets its
negative and vanishes:

.. math:: y_u = x_u + \\mathrm{PRG}(b_u) + \\sum_{v > u} p_{uv} - \\sum_{v < u} p_{vu}
          \\bmod 2^k \\quad (:func:`mask_update`).

**Dropouts.** If device :math:`u` never sends :math:`y_u`, its masks
:math:`\\pm p_{uv}` stay inside the other devices' vectors. So, before
anything is masked, each device Shamir-shares its mask private key among all
devices (any ``threshold`` of them can rebuild it, fewer learn nothing). For a
dropped device the survivors send the server their shares of its key; the
server rebuilds the key and recomputes the masks to remove.

**Self masks.** A device can be slow rather than gone: the server may declare
:math:`u` dropped, get its key, and *then* receive :math:`y_u`, late. Removing
the pairwise masks would show :math:`x_u`. So each device also adds a mask
:math:`\\mathrm{PRG}(b_u)` from a random seed :math:`b_u` of its own
(:func:`self_mask`), shared like the key. For each device whose :math:`y_u`
arrived, the others send shares of :math:`b_u`, and the server removes it.

**Never both kinds for one device.** Each device answers the unmasking round
from the one list of survivors the server sends: shares of the self-mask
seed of every device on the list, shares of the mask key of every device off
it. With both the key and the seed of the same device, the server could
remove *all* of its masks and read its update alone.

**The rounds.** All parties are simulated in one process; only what a party
may know is passed to it. Each device has an Ed25519 identity key that the
others know from enrolment, not from the server:

1. *advertise keys*: each device sends two public keys (one for masks, one to
   encrypt shares), signed with its identity key; the server sends everyone
   the list, and a device refuses to go on if a signature does not check;
2. *share keys*: each device splits its mask private key and self-mask seed
   into ``threshold``-of-``n`` Shamir shares, one per device, and sends each
   share through the server, encrypted for its receiver with
   ``nacl.public.Box`` (the server relays them but cannot read them);
   devices in ``dropped`` leave after this round;
3. *masked input*: every other device sends :math:`y_u`;
4. *consistency check*: the server sends the list of survivors; each device
   still there (not in ``dropped_after_sending``) checks that the list holds
   itself and at least ``threshold`` devices, and signs it (once: it never
   signs a second list);
5. *unmasking*: the server forwards the signatures; a device answers only if
   at least ``threshold`` devices on the list signed that same list, and then
   sends the shares asked for. With fewer than ``threshold`` devices left
   nothing can be rebuilt: :class:`~privlab.errors.NotEnoughSharesError`.

Each device thus sends two keys and a signature, :math:`n - 1` encrypted
shares of 176 bytes, its masked vector, a signature of the list and 64 bytes
per share asked for, and computes :math:`2(n - 1)` key agreements;
``result.stats`` counts every message.

The server then computes

.. math:: \\sum_{u \\in S} x_u = \\sum_{u \\in S} y_u - \\sum_{u \\in S} \\mathrm{PRG}(b_u)
          - \\sum_{d \\in D} \\sum_{v \\in S} \\pm p_{dv} \\bmod 2^k

for the survivors :math:`S` and the dropped devices :math:`D`.

**What the server sees** (:class:`ServerView`): public keys, encrypted shares
it cannot read, one masked vector per survivor (uniformly random on its own),
the shares it asked for, and the secrets they rebuild: keys of devices that
sent nothing and seeds of devices whose update is in the sum. From these it
gets the sum, and no single update.

**The threshold.** ``threshold`` may be any whole number from 2 to ``n``.
Against a server that follows the protocol (honest but curious), each update
stays hidden as long as fewer than ``threshold`` devices collude with the
server. A server that *lies* about who dropped, with :math:`c` devices on its
side, can tell some devices that :math:`u` survived and others that it
dropped, and collect both kinds of shares of :math:`u` from the two groups:
it needs :math:`t - c` honest devices in each, so :math:`2t \\le n + c`. The
consistency round cannot stop that (each group signs its own list, and each
list gets :math:`t` signatures exactly then), but it stops the cheaper lie of
a short list (only :math:`u` and the colluders "survived"), which without it
reads any device at any threshold. So the server reads one honest update
exactly when :math:`2t \\le n + c` or :math:`c \\ge t - 1`
(:mod:`privlab.fl.lying_server` runs both lies; a test checks every setting
up to 10 devices). Bonawitz et al. take :math:`t > 2n/3` and prove security
against a lying server with fewer than :math:`n/3` colluding devices: then
:math:`n + c < 4n/3 < 2t`.

**Shamir over** :data:`~privlab.mpc.shamir.PRIME`. The field has
:math:`p = 2^{31} - 1` elements, too few for a 32-byte secret. So each secret
is cut into 16 chunks of 16 bits (:func:`split_secret`), each below
:math:`2^{16} < p`, and every chunk is shared with its own random polynomial;
:func:`join_secret` puts the chunks back together. Fewer than ``threshold``
shares reveal nothing about any chunk, hence nothing about the secret.

**Randomness.** Every key, seed and nonce comes from the ChaCha20 key stream
(:class:`~privlab.randomness.SecretRandom`) under a key from the operating
system (``rng=None``) or hashed from a seed. A seed makes a run reproducible,
for lessons and tests; the server, which sees public keys, nonces and masked
vectors, learns nothing from them about the stream's key. Anyone who knows
or guesses the seed can recompute every mask.

**Limits.** Devices may collude with the server but send well-formed messages
(a device that sends garbage can spoil the sum, though not read anyone's
update); the identity keys come from enrolment, which the server does not
control; one aggregation per key set (new keys every round: reusing masks on
a second update would show the difference of the two updates).

Examples
--------
>>> updates = {"ana": [0.5, -1.25], "ben": [0.25, 2.0], "chloé": [1.0, 0.5]}
>>> result = secure_aggregate(updates, threshold=2, dropped=["ben"], rng=0)
>>> result
SecAggResult(sum of 2 of 3 devices' updates (2 values); dropped: 'ben'; threshold 2, 32 bits)
>>> result.total  # ana + chloé
array([ 1.5 , -0.75])
>>> result.masked["ana"]  # what the server received from ana
array([1711120222, 3148663294], dtype=uint32)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from nacl import bindings
from nacl import exceptions as nacl_errors
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey
from nacl.utils import randombytes_deterministic

from .. import _guard as check
from ..errors import (
    InvalidParameterError,
    NotEnoughSharesError,
    PrivlabError,
    ProtocolAbortedError,
)
from ..mpc.additive import _randomness
from ..mpc.shamir import PRIME, ShamirShare, random_polynomial, shamir_reconstruct
from ..randomness import SecretRandom

__all__ = [
    "CHUNK_BITS",
    "HASH_PERSON",
    "KEY_BYTES",
    "SCALE_BITS",
    "AdvertisedKeys",
    "DeviceId",
    "SecAggResult",
    "ServerView",
    "decode",
    "encode",
    "expand_mask",
    "join_secret",
    "mask_seed",
    "mask_update",
    "pairwise_mask",
    "secure_aggregate",
    "self_mask",
    "split_secret",
]

DeviceId = int | str
"""A device's name: a whole number or a string."""

SCALE_BITS = 16
"""Default bits after the binary point: a decimal ``x`` is stored as ``round(x * 2**16)``."""

KEY_BYTES = 32
"""Size of an X25519 key, of a self-mask seed and of a PRG seed."""

SIGNATURE_BYTES = 64
"""Size of an Ed25519 signature (of a device's keys, or of the list of survivors)."""

CHUNK_BITS = 16
"""Bits per Shamir chunk of a 32-byte secret: 16 chunks, each below ``2**16 < PRIME``."""

HASH_PERSON = b"privlab-secagg"
"""Domain separation for BLAKE2b: no other use of the hash in privlab gives the same seeds."""

_CHUNKS = KEY_BYTES * 8 // CHUNK_BITS
_RING_TYPES = {32: np.dtype(np.uint32), 64: np.dtype(np.uint64)}
_SIGNED_TYPES = {32: np.dtype(np.int32), 64: np.dtype(np.int64)}
_PURPOSES = {"pairwise": b"pairwise mask", "self": b"self mask"}
_SHARE_WORDS = 2 + 2 * _CHUNKS  # sender, receiver, key chunks, seed chunks (uint32 each)


# --------------------------------------------------------------------------
# Fixed point in Z_{2^k}
# --------------------------------------------------------------------------


def encode(
    update: Any, bits: int = 32, scale_bits: int = SCALE_BITS, *, devices: int = 1
) -> np.ndarray:
    """Fixed-point encoding of float values as whole numbers modulo ``2**bits``.

    .. math:: x \\mapsto \\mathrm{round}(x \\cdot 2^{s}) \\bmod 2^{k}

    Negative numbers wrap around (two's complement): :math:`-1` is :math:`2^k - 2^s`.

    Parameters
    ----------
    update : array-like
        Finite real numbers.
    bits : {32, 64}
        :math:`k`, the size of the ring.
    scale_bits : int
        :math:`s`, bits after the binary point, from 0 to ``bits - 2``.
    devices : int
        How many such updates will be added, >= 1. Every value must have
        ``devices * |round(x * 2**scale_bits)| < 2**(bits - 1)``, so that
        the sum cannot wrap around.

    Returns
    -------
    numpy.ndarray
        ``uint32`` or ``uint64`` array, the shape of ``update``.

    Examples
    --------
    >>> encode([1.5, -1.0])
    array([     98304, 4294901760], dtype=uint32)
    >>> encode([1.5, -1.0], bits=64)
    array([               98304, 18446744073709486080], dtype=uint64)
    >>> encode([500.0], devices=100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: update must have every value of magnitude below 327.68 ...
    """
    bits = _check_bits(bits)
    scale_bits = _check_scale_bits(scale_bits, bits)
    devices = check.integer("devices", devices, low=1)
    return _to_ring("update", update, bits, scale_bits, devices)


def decode(total: Any, bits: int = 32, scale_bits: int = SCALE_BITS) -> np.ndarray:
    """Float values of fixed-point numbers modulo ``2**bits``; from ``2**(bits-1)`` up, negative.

    .. math:: r \\mapsto \\frac{r - 2^k \\, [r \\ge 2^{k-1}]}{2^{s}}

    Parameters
    ----------
    total : array-like
        Whole numbers from 0 to ``2**bits - 1``, such as an encoded sum.
    bits : {32, 64}
        :math:`k`, the size of the ring.
    scale_bits : int
        :math:`s`, bits after the binary point, from 0 to ``bits - 2``.

    Returns
    -------
    numpy.ndarray
        ``float64`` values (exact for 32 bits; rounded to 53 bits for 64).

    Examples
    --------
    >>> decode(encode([1.5, -1.0]) + encode([0.25, 0.5]))  # a sum in the ring
    array([ 1.75, -0.5 ])
    """
    bits = _check_bits(bits)
    scale_bits = _check_scale_bits(scale_bits, bits)
    ring = _ring_elements("total", total, bits)
    return ring.view(_SIGNED_TYPES[bits]).astype(np.float64) / 2.0**scale_bits


def _to_ring(name: str, values: Any, bits: int, scale_bits: int, devices: int) -> np.ndarray:
    """``round(x * 2**s) mod 2**k``, refusing values whose sum over ``devices`` could wrap."""
    scaled = np.round(check.real_array(name, values) * 2.0**scale_bits)
    too_big = np.abs(scaled) * devices >= 2.0 ** (bits - 1)
    if np.any(too_big):
        limit = 2.0 ** (bits - 1) / devices / 2.0**scale_bits
        worst = float(np.asarray(values, dtype=float)[too_big].flat[0])
        raise InvalidParameterError(
            f"{name} must have every value of magnitude below {limit:.6g} "
            f"(2**{bits - 1} / {devices} devices / 2**{scale_bits}), so that the sum of "
            f"{devices} updates fits {bits}-bit fixed point; got {worst:.6g}. "
            "Clip the updates, or use fewer scale_bits or bits=64."
        )
    # |scaled| < 2**63: int64 holds it exactly; the cast to unsigned wraps modulo 2**bits
    return scaled.astype(np.int64).astype(_RING_TYPES[bits])


def _ring_elements(name: str, values: Any, bits: int) -> np.ndarray:
    """Whole numbers from 0 to ``2**bits - 1`` as a ``uint32`` or ``uint64`` array."""
    allowed = f"whole numbers from 0 to 2**{bits} - 1"
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as error:
        raise InvalidParameterError(f"{name} must be {allowed}; got {values!r}.") from error
    if array.dtype.kind not in "ui":
        raise InvalidParameterError(f"{name} must be {allowed}; got {_short(values)}.")
    if array.dtype.kind == "i" and np.any(array < 0):
        raise InvalidParameterError(f"{name} must be {allowed}; got {array[array < 0].flat[0]}.")
    if array.dtype.itemsize * 8 > bits and np.any(array.astype(np.uint64) >> np.uint64(bits)):
        too_big = array[array.astype(np.uint64) >> np.uint64(bits) > 0].flat[0]
        raise InvalidParameterError(f"{name} must be {allowed}; got {too_big}.")
    return array.astype(_RING_TYPES[bits])


# --------------------------------------------------------------------------
# Masks: a hash turns a secret into a seed, ChaCha20 stretches the seed
# --------------------------------------------------------------------------


def mask_seed(secret: bytes, *, purpose: str) -> bytes:
    """A 32-byte seed for a mask, hashed from a secret.

    .. math:: \\mathrm{seed} = \\mathrm{BLAKE2b}_{256}(\\text{secret};\\;
              \\text{key} = \\text{purpose}, \\text{person} = \\texttt{privlab-secagg})

    The hash turns a Diffie-Hellman result (a curve point, not uniform bytes)
    into a uniform seed, and the purpose keeps the pairwise and self masks apart.

    Parameters
    ----------
    secret : bytes
        A shared Diffie-Hellman secret, or a device's self-mask seed :math:`b_u`.
    purpose : {"pairwise", "self"}
        Which mask the seed is for.

    Returns
    -------
    bytes
        :data:`KEY_BYTES` bytes.

    Examples
    --------
    >>> seed = mask_seed(bytes(32), purpose="self")
    >>> len(seed), seed == mask_seed(bytes(32), purpose="pairwise")
    (32, False)
    """
    if not isinstance(secret, bytes) or not secret:
        raise InvalidParameterError(f"secret must be non-empty bytes; got {_short(secret)}.")
    if purpose not in _PURPOSES:
        raise InvalidParameterError(f"purpose must be one of {sorted(_PURPOSES)}; got {purpose!r}.")
    return blake2b(
        secret,
        digest_size=KEY_BYTES,
        key=_PURPOSES[purpose],
        person=HASH_PERSON,
        encoder=RawEncoder,
    )


def expand_mask(seed: bytes, length: int, *, bits: int = 32) -> np.ndarray:
    """A pseudo-random mask vector: ``length`` ring elements stretched from a 32-byte seed.

    .. math:: \\mathrm{PRG}(\\mathrm{seed}) = \\text{the first } k \\cdot \\ell / 8
              \\text{ bytes of the ChaCha20 key stream under the seed}

    read as little-endian ``uint32`` or ``uint64`` numbers (libsodium's
    ``randombytes_buf_deterministic``). The same seed always gives the same
    mask; without the seed it cannot be told from uniform numbers.

    Parameters
    ----------
    seed : bytes
        :data:`KEY_BYTES` bytes, from :func:`mask_seed`.
    length : int
        :math:`\\ell`, the number of values, >= 1.
    bits : {32, 64}
        :math:`k`, the size of the ring.

    Returns
    -------
    numpy.ndarray
        ``uint32`` or ``uint64`` array of length ``length``.

    Examples
    --------
    >>> expand_mask(bytes(32), 3)
    array([ 311369633, 1936689104, 3532598637], dtype=uint32)
    """
    seed = _key_bytes("seed", seed)
    length = check.integer("length", length, low=1, high=check.MAX_ITEMS)
    bits = _check_bits(bits)
    stream = randombytes_deterministic(length * bits // 8, seed)
    little_endian = _RING_TYPES[bits].newbyteorder("<")
    return np.frombuffer(stream, dtype=little_endian).astype(_RING_TYPES[bits])


def pairwise_mask(
    private_key: PrivateKey | bytes,
    public_key: PublicKey | bytes,
    length: int,
    *,
    bits: int = 32,
) -> np.ndarray:
    """The mask :math:`p_{uv}` that two devices agree on without ever sending it.

    .. math:: p_{uv} = \\mathrm{PRG}(\\mathrm{BLAKE2b}(\\mathrm{X25519}(sk_u, pk_v)))
              = \\mathrm{PRG}(\\mathrm{BLAKE2b}(\\mathrm{X25519}(sk_v, pk_u))) = p_{vu}

    Diffie-Hellman gives both devices the same shared secret, so both
    compute the same vector: one adds it, the other subtracts it.

    Parameters
    ----------
    private_key : nacl.public.PrivateKey or bytes
        This device's mask private key (32 bytes).
    public_key : nacl.public.PublicKey or bytes
        The other device's mask public key (32 bytes).
    length : int
        Number of values, >= 1.
    bits : {32, 64}
        :math:`k`, the size of the ring.

    Returns
    -------
    numpy.ndarray
        ``uint32`` or ``uint64`` array of length ``length``.

    Examples
    --------
    >>> u, v = PrivateKey(bytes(range(32))), PrivateKey(bytes(range(1, 33)))
    >>> from_u = pairwise_mask(u, v.public_key, 4)
    >>> from_v = pairwise_mask(v, u.public_key, 4)
    >>> bool((from_u == from_v).all()), bool((from_u + (0 - from_v) == 0).all())
    (True, True)
    """
    private = _key_bytes("private_key", private_key)
    public = _key_bytes("public_key", public_key)
    try:
        shared = bindings.crypto_scalarmult(private, public)
    except nacl_errors.RuntimeError as error:  # a low-order point gives the all-zero secret
        raise InvalidParameterError(
            "public_key must be a valid X25519 public key; got a low-order point, "
            "which gives every device the same shared secret."
        ) from error
    return expand_mask(mask_seed(shared, purpose="pairwise"), length, bits=bits)


def self_mask(self_seed: bytes, length: int, *, bits: int = 32) -> np.ndarray:
    """The device's own mask :math:`\\mathrm{PRG}(b_u)`, from its random seed :math:`b_u`.

    Parameters
    ----------
    self_seed : bytes
        :math:`b_u`, 32 random bytes the device drew.
    length : int
        Number of values, >= 1.
    bits : {32, 64}
        :math:`k`, the size of the ring.

    Returns
    -------
    numpy.ndarray
        ``uint32`` or ``uint64`` array of length ``length``.

    Examples
    --------
    >>> self_mask(bytes(32), 2)
    array([2012439961, 2593344591], dtype=uint32)
    """
    self_seed = _key_bytes("self_seed", self_seed)
    return expand_mask(mask_seed(self_seed, purpose="self"), length, bits=bits)


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

    Over all devices each :math:`p_{uv}` is added once and subtracted once,
    so the pairwise masks cancel in the sum; the self masks do not (the
    server removes them once the devices send it shares of the seeds).

    Parameters
    ----------
    encoded : array-like
        :math:`x_u`, the encoded update (:func:`encode`), 1-d.
    position : int
        :math:`u`, this device's place in ``public_keys``.
    private_key : nacl.public.PrivateKey or bytes
        This device's mask private key.
    public_keys : sequence of nacl.public.PublicKey or bytes
        Every device's mask public key, in the server's order (this device's own included).
    self_seed : bytes
        :math:`b_u`, 32 random bytes.
    bits : {32, 64}
        :math:`k`, the size of the ring.

    Returns
    -------
    numpy.ndarray
        :math:`y_u`, ``uint32`` or ``uint64``, uniformly random on its own.

    Examples
    --------
    >>> keys = [PrivateKey(bytes([i]) * 32) for i in (1, 2, 3)]
    >>> public = [key.public_key for key in keys]
    >>> updates = [encode([1.0, 2.0]), encode([0.5, -1.0]), encode([0.25, 0.0])]
    >>> seeds = [bytes([i]) * 32 for i in (7, 8, 9)]
    >>> masked = [mask_update(x, u, keys[u], public, seeds[u]) for u, x in enumerate(updates)]
    >>> total = sum(masked) - sum(self_mask(seed, 2) for seed in seeds)  # pairwise masks cancel
    >>> decode(total)
    array([1.75, 1.  ])
    """
    bits = _check_bits(bits)
    encoded = _ring_elements("encoded", encoded, bits)
    if encoded.ndim != 1 or encoded.size == 0:
        raise InvalidParameterError(
            f"encoded must be a non-empty 1-d array; got {_short(encoded)}."
        )
    public = _public_key_list("public_keys", public_keys)
    position = check.integer("position", position, low=0, high=len(public) - 1)
    private = _key_bytes("private_key", private_key)
    if bytes(PrivateKey(private).public_key) != public[position]:
        raise InvalidParameterError(
            f"public_keys[{position}] must be the public key of private_key (this device's "
            "own key, at its position); got another key."
        )
    length = encoded.size
    masked = encoded + self_mask(self_seed, length, bits=bits)
    for other, their_key in enumerate(public):
        if other == position:
            continue
        mask = pairwise_mask(private, their_key, length, bits=bits)
        masked = masked + mask if other > position else masked - mask
    return masked


# --------------------------------------------------------------------------
# Shamir sharing of 32-byte secrets, in 16-bit chunks
# --------------------------------------------------------------------------


def split_secret(secret: bytes) -> np.ndarray:
    """Cut a 32-byte secret into 16 chunks of 16 bits, each a field element below ``PRIME``.

    .. math:: \\text{secret} = \\sum_{i=0}^{15} c_i \\, 2^{16 i}, \\qquad 0 \\le c_i < 2^{16}

    Parameters
    ----------
    secret : bytes
        :data:`KEY_BYTES` bytes (a private key or a seed).

    Returns
    -------
    numpy.ndarray
        16 ``int64`` chunks (little-endian: byte pairs in order).

    Examples
    --------
    >>> split_secret(bytes([1, 2]) + bytes(30))[:3]  # 0x0201 = 513
    array([513,   0,   0])
    """
    secret = _key_bytes("secret", secret)
    return np.frombuffer(secret, dtype="<u2").astype(np.int64)


def join_secret(chunks: Any) -> bytes:
    """Put 16 chunks of 16 bits back together into the 32-byte secret (:func:`split_secret` undone).

    Parameters
    ----------
    chunks : array-like
        16 whole numbers from 0 to ``2**16 - 1``.

    Returns
    -------
    bytes
        The secret, :data:`KEY_BYTES` bytes.

    Examples
    --------
    >>> secret = bytes(range(32))
    >>> join_secret(split_secret(secret)) == secret
    True
    """
    allowed = f"{_CHUNKS} whole numbers from 0 to 2**{CHUNK_BITS} - 1"
    values = check.integer_array("chunks", chunks, allowed)
    if values.shape != (_CHUNKS,) or np.any((values < 0) | (values >= 2**CHUNK_BITS)):
        raise InvalidParameterError(f"chunks must be {allowed}; got {_short(values)}.")
    return values.astype("<u2").tobytes()


def _shares_at_points(coefficients: np.ndarray, parties: int) -> np.ndarray:
    """Row ``i``: the polynomials' values at ``x = i + 1``, the share of party ``i``.

    Horner's rule, as :func:`privlab.mpc.shamir.evaluate_polynomial`, at all points at
    once. Each step is below :math:`p \\cdot n + p < 2^{62}`: ``int64`` never overflows.
    """
    points = np.arange(1, parties + 1, dtype=np.int64).reshape(-1, 1)
    values = np.broadcast_to(coefficients[-1], (parties, coefficients.shape[1])).copy()
    for coefficient in coefficients[-2::-1]:
        values = (values * points + coefficient) % PRIME
    return values


# --------------------------------------------------------------------------
# The parties
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AdvertisedKeys:
    """The two public keys a device sends in round 1.

    Parameters
    ----------
    mask : bytes
        X25519 public key for the pairwise masks (:math:`s_u^{PK}` in the paper).
    encryption : bytes
        X25519 public key that shares sent to this device are encrypted for
        (:math:`c_u^{PK}`). A separate key: rebuilding a dropped device's mask
        key must not let the server read the shares that device received.
    signature : bytes
        Ed25519 signature of both keys by the device's identity key, which the
        other devices know from enrolment (not from the server): the server
        cannot swap in keys of its own.
    """

    mask: bytes
    encryption: bytes
    signature: bytes = b""

    def signed_bytes(self) -> bytes:
        """What the device's identity key signs: both public keys."""
        return b"privlab-secagg keys" + self.mask + self.encryption


@dataclass(eq=False)
class _Device:
    """One phone: its encoded update, its secrets, and the encrypted shares it received."""

    id: DeviceId
    position: int
    update: np.ndarray
    mask_key: PrivateKey
    encryption_key: PrivateKey
    self_seed: bytes
    identity: SigningKey
    kept_share: np.ndarray | None = None  # its own share of its own secrets
    signed_list: frozenset[int] | None = None  # the one list of survivors it signed
    received: dict[int, bytes] = field(default_factory=dict)  # sender -> ciphertext
    boxes: dict[int, Box] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print a device's secrets
        return f"_Device({self.id!r}, position {self.position})"

    # Round 1 ---------------------------------------------------------------

    def advertise_keys(self) -> AdvertisedKeys:
        keys = AdvertisedKeys(
            bytes(self.mask_key.public_key), bytes(self.encryption_key.public_key)
        )
        signature = self.identity.sign(keys.signed_bytes()).signature
        return AdvertisedKeys(keys.mask, keys.encryption, signature)

    # Round 2 ---------------------------------------------------------------

    def share_keys(
        self,
        directory: Sequence[AdvertisedKeys],
        enrolled: Sequence[bytes],
        threshold: int,
        rng: SecretRandom,
    ) -> dict[int, bytes]:
        """One encrypted message per other device: its shares of my key and my seed."""
        for other, keys in enumerate(directory):  # keys the server swapped would read my shares
            if not _signed_by(enrolled[other], keys.signed_bytes(), keys.signature):
                raise ProtocolAbortedError(
                    f"device {self.id!r} refuses to share its keys: the public keys of device "
                    f"{other} are not signed by that device's identity key."
                )
        secrets = np.concatenate([split_secret(bytes(self.mask_key)), split_secret(self.self_seed)])
        coefficients = random_polynomial(secrets, threshold, rng=rng)
        shares = _shares_at_points(coefficients, len(directory))
        self.kept_share = shares[self.position]
        return {
            receiver: self._encrypt(receiver, shares[receiver], directory, rng)
            for receiver in range(len(directory))
            if receiver != self.position
        }

    def _box(self, other: int, directory: Sequence[AdvertisedKeys]) -> Box:
        """Authenticated encryption with ``other`` (the same key from both sides)."""
        if other not in self.boxes:
            self.boxes[other] = Box(self.encryption_key, PublicKey(directory[other].encryption))
        return self.boxes[other]

    def _encrypt(
        self,
        receiver: int,
        share: np.ndarray,
        directory: Sequence[AdvertisedKeys],
        rng: SecretRandom,
    ) -> bytes:
        # sender and receiver go inside, so the server cannot hand the message to someone else
        words = np.concatenate([[self.position, receiver], share]).astype("<u4")
        nonce = rng.bytes(Box.NONCE_SIZE)
        return bytes(self._box(receiver, directory).encrypt(words.tobytes(), nonce))

    # Round 3 ---------------------------------------------------------------

    def masked_input(self, directory: Sequence[AdvertisedKeys], bits: int) -> np.ndarray:
        public = [keys.mask for keys in directory]
        return mask_update(
            self.update, self.position, self.mask_key, public, self.self_seed, bits=bits
        )

    # Round 4: consistency check --------------------------------------------

    def sign_survivors(self, survivors: frozenset[int], session: bytes, threshold: int) -> bytes:
        """Sign the list of survivors the server sent, once; refuse a list that cannot be true."""
        if self.position not in survivors or len(survivors) < threshold:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses the list of survivors: it must hold this device "
                f"and at least threshold = {threshold} devices; got {len(survivors)} "
                f"{'with' if self.position in survivors else 'without'} this device."
            )
        if self.signed_list is not None and self.signed_list != survivors:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses to sign a second, different list of survivors."
            )
        self.signed_list = survivors
        return self.identity.sign(_survivor_message(survivors, session)).signature

    # Round 5: unmasking -----------------------------------------------------

    def unmasking_shares(
        self,
        directory: Sequence[AdvertisedKeys],
        survivors: frozenset[int],
        signatures: Mapping[int, bytes] | None,
        enrolled: Sequence[bytes],
        session: bytes,
        threshold: int,
    ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Shares of the self-mask seed of each survivor, and of the mask key of each other device.

        Each device gets exactly one of the two branches, so the server never
        holds both kinds of shares of one device: with both it could remove all
        of that device's masks and read its update. And it answers only for the
        list it signed, once at least ``threshold`` of the devices on that list
        signed it too (``signatures=None`` skips that check: the protocol
        without its consistency round, for :mod:`privlab.fl.lying_server`).
        """
        if signatures is not None:
            self._check_consistency(survivors, signatures, enrolled, session, threshold)
        seed_shares: dict[int, np.ndarray] = {}
        key_shares: dict[int, np.ndarray] = {}
        for sender in range(len(directory)):
            share = self._open_share(sender, directory)
            if sender in survivors:  # its update is in the sum: only its self mask must go
                seed_shares[sender] = share[_CHUNKS:]
            else:  # it sent nothing: only its pairwise masks must go
                key_shares[sender] = share[:_CHUNKS]
        return seed_shares, key_shares

    def _check_consistency(
        self,
        survivors: frozenset[int],
        signatures: Mapping[int, bytes],
        enrolled: Sequence[bytes],
        session: bytes,
        threshold: int,
    ) -> None:
        message = _survivor_message(survivors, session)
        valid = [
            signer
            for signer, signature in signatures.items()
            if signer in survivors and _signed_by(enrolled[signer], message, signature)
        ]
        if survivors != self.signed_list or len(valid) < threshold:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses to unmask: the server's list of survivors is not "
                f"the one it signed, or fewer than threshold = {threshold} of the devices on "
                f"it signed it ({len(valid)} valid signatures). The server may be showing "
                "different devices different lists."
            )

    def _open_share(self, sender: int, directory: Sequence[AdvertisedKeys]) -> np.ndarray:
        if sender == self.position:
            return self.kept_share
        try:
            plain = self._box(sender, directory).decrypt(self.received[sender])
        except nacl_errors.CryptoError as error:
            raise PrivlabError(
                f"device {self.id!r} cannot decrypt the share from device {sender}: "
                "the message was changed on the way."
            ) from error
        words = np.frombuffer(plain, dtype="<u4").astype(np.int64)
        if words.size != _SHARE_WORDS or (words[0], words[1]) != (sender, self.position):
            raise PrivlabError(
                f"device {self.id!r} received a share that is not from device {sender} to it."
            )
        return words[2:]


def _new_device(
    device_id: DeviceId, position: int, update: np.ndarray, rng: SecretRandom
) -> _Device:
    return _Device(
        id=device_id,
        position=position,
        update=update,
        mask_key=PrivateKey(rng.bytes(KEY_BYTES)),
        encryption_key=PrivateKey(rng.bytes(KEY_BYTES)),
        self_seed=rng.bytes(KEY_BYTES),
        identity=SigningKey(rng.bytes(KEY_BYTES)),
    )


def _signed_by(verify_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(verify_key).verify(message, signature)
    except (nacl_errors.BadSignatureError, ValueError, TypeError):
        return False
    return True


def _session_id(directory: Sequence[AdvertisedKeys]) -> bytes:
    """A name for this run: the hash of every advertised key; a signature is for this run only."""
    keys = b"".join(entry.mask + entry.encryption for entry in directory)
    return blake2b(keys, digest_size=16, person=HASH_PERSON, encoder=RawEncoder)


def _survivor_message(survivors: frozenset[int], session: bytes) -> bytes:
    """What a device signs in the consistency round: this run, and the survivors' positions."""
    positions = np.array(sorted(survivors), dtype="<u4").tobytes()
    return b"privlab-secagg survivors" + session + positions


# --------------------------------------------------------------------------
# What the server sees, and the result
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ServerView:
    """Everything the server received or worked out, by device id.

    Parameters
    ----------
    devices : tuple
        Every device id, in the server's order (the order of ``updates``).
    public_keys : dict
        Device id -> :class:`AdvertisedKeys` (round 1).
    encrypted_shares : dict
        ``(sender, receiver)`` -> the ciphertext it relayed (round 2); it cannot read them.
    masked : dict
        Survivor id -> masked update :math:`y_u` (round 3).
    survivors : tuple
        Devices whose masked update arrived: their updates are in the sum.
    dropped : tuple
        Devices that sent no masked update.
    responders : tuple
        Devices that signed the list of survivors (round 4) and sent shares (round 5).
    identity_keys : dict
        Device id -> its Ed25519 identity (verify) key, known from enrolment.
    survivor_signatures : dict
        Responder id -> its signature of the list of survivors (round 4).
    mask_key_shares : dict
        Dropped id -> the shares of its mask private key, one per responder.
    self_seed_shares : dict
        Survivor id -> the shares of its self-mask seed, one per responder.
    recovered_mask_keys : dict
        Dropped id -> its mask private key, rebuilt from ``threshold`` shares.
    recovered_self_seeds : dict
        Survivor id -> its self-mask seed, rebuilt from ``threshold`` shares.

    No device is in both ``mask_key_shares`` and ``self_seed_shares``.
    """

    devices: tuple[DeviceId, ...]
    public_keys: dict[DeviceId, AdvertisedKeys]
    encrypted_shares: dict[tuple[DeviceId, DeviceId], bytes]
    masked: dict[DeviceId, np.ndarray]
    survivors: tuple[DeviceId, ...]
    dropped: tuple[DeviceId, ...]
    responders: tuple[DeviceId, ...]
    identity_keys: dict[DeviceId, bytes]
    survivor_signatures: dict[DeviceId, bytes]
    mask_key_shares: dict[DeviceId, list[ShamirShare]]
    self_seed_shares: dict[DeviceId, list[ShamirShare]]
    recovered_mask_keys: dict[DeviceId, bytes]
    recovered_self_seeds: dict[DeviceId, bytes]

    def __repr__(self) -> str:
        return (
            f"ServerView({len(self.devices)} devices' public keys, "
            f"{len(self.encrypted_shares)} encrypted shares, "
            f"{len(self.masked)} masked updates, "
            f"shares of {len(self.mask_key_shares)} mask keys and "
            f"{len(self.self_seed_shares)} self-mask seeds)"
        )


@dataclass(frozen=True, eq=False)
class SecAggResult:
    """The outcome of :func:`secure_aggregate`.

    Parameters
    ----------
    total : numpy.ndarray
        ``float64`` sum of the survivors' updates (fixed-point rounded).
    ring_total : numpy.ndarray
        The same sum in the ring, ``uint32`` or ``uint64``: exactly the sum of
        the survivors' encoded updates (:func:`encode`) modulo ``2**bits``.
    survivors : tuple
        Devices whose updates are in the sum.
    dropped : tuple
        Devices that left after sharing their keys: not in the sum.
    dropped_after_sending : tuple
        Survivors that left before the unmasking round: in the sum, but sent no shares.
    masked : dict
        Survivor id -> the masked update the server received.
    server_view : ServerView
        Everything the server saw.
    stats : dict
        ``{"rounds": 5, "messages": ..., "bytes": ...}``: every message to or from the server.
    threshold, bits, scale_bits : int
        The parameters used.
    """

    total: np.ndarray
    ring_total: np.ndarray
    survivors: tuple[DeviceId, ...]
    dropped: tuple[DeviceId, ...]
    dropped_after_sending: tuple[DeviceId, ...]
    masked: dict[DeviceId, np.ndarray]
    server_view: ServerView
    stats: dict[str, int]
    threshold: int
    bits: int
    scale_bits: int

    def __repr__(self) -> str:
        dropped = ", ".join(repr(device) for device in self.dropped) or "none"
        late = (
            f"; left before unmasking: {', '.join(repr(d) for d in self.dropped_after_sending)}"
            if self.dropped_after_sending
            else ""
        )
        return (
            f"SecAggResult(sum of {len(self.survivors)} of {len(self.server_view.devices)} "
            f"devices' updates ({self.total.size} values); dropped: {dropped}{late}; "
            f"threshold {self.threshold}, {self.bits} bits)"
        )


# --------------------------------------------------------------------------
# The protocol
# --------------------------------------------------------------------------


def secure_aggregate(
    updates: Mapping[DeviceId, Any] | Any,
    *,
    threshold: int,
    dropped: Iterable[DeviceId] = (),
    dropped_after_sending: Iterable[DeviceId] = (),
    bits: int = 32,
    scale_bits: int = SCALE_BITS,
    rng: np.random.Generator | int | None = None,
) -> SecAggResult:
    """Sum the devices' updates with secure aggregation: the server sees only masked vectors.

    .. math:: \\sum_{u \\in S} x_u = \\sum_{u \\in S} y_u - \\sum_{u \\in S} \\mathrm{PRG}(b_u)
              - \\sum_{d \\in D} \\sum_{v \\in S} \\pm p_{dv} \\bmod 2^k

    Five rounds (advertise keys, share keys, masked input, consistency check,
    unmasking), all parties simulated in one process; see the module's
    description.

    Parameters
    ----------
    updates : dict or 2-d array
        Device id (whole number or string) -> 1-d float update, all the same
        length; or a 2-d array, one row per device (ids ``0 .. n - 1``).
        At least 2 devices.
    threshold : int
        :math:`t`, shares needed to rebuild a key or seed, from 2 to ``n``.
        Against a server that lies about dropouts, with ``c`` devices on its
        side, ``2 t > n + c`` and ``c < t - 1`` are needed (see above).
    dropped : iterable of device ids
        Devices that leave after sharing their keys: they never send their
        masked update, and their updates are not in the sum.
    dropped_after_sending : iterable of device ids
        Devices that send their masked update and then leave: their updates
        are in the sum, but they send no shares (the others' shares remove
        their self masks).
    bits : {32, 64}
        Size of the ring :math:`2^k`.
    scale_bits : int
        Fixed-point fraction bits, from 0 to ``bits - 2``. Every value must
        have ``n * |round(x * 2**scale_bits)| < 2**(bits - 1)``.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible keys and masks,
        for lessons and tests only.

    Returns
    -------
    SecAggResult
        ``total`` (float), ``ring_total``, ``survivors``, ``dropped``,
        ``masked``, ``server_view`` and ``stats``.

    Raises
    ------
    NotEnoughSharesError
        Fewer than ``threshold`` devices are left to send shares: the masks
        cannot be removed, so no sum comes out and nothing is revealed.
    InvalidParameterError
        A bad argument; the message names it.

    Examples
    --------
    >>> import numpy as np
    >>> updates = np.array([[0.5, 1.0], [0.25, -2.0], [1.0, 0.5], [2.0, 0.0]])
    >>> result = secure_aggregate(updates, threshold=3, dropped=[3], rng=1)
    >>> result.total, result.survivors
    (array([ 1.75, -0.5 ]), (0, 1, 2))
    >>> result.stats
    {'rounds': 5, 'messages': 31, 'bytes': 8416}
    >>> secure_aggregate(updates, threshold=3, dropped=[2, 3], rng=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.NotEnoughSharesError: only 2 of 4 devices were left to send shares, ...
    """
    ids, rows = _checked_updates(updates)
    n = len(ids)
    threshold = _check_threshold(threshold, n)
    bits = _check_bits(bits)
    scale_bits = _check_scale_bits(scale_bits, bits)
    gone, late = _dropouts(dropped, dropped_after_sending, ids)
    encoded = [
        _to_ring(f"updates[{i!r}]", row, bits, scale_bits, n)
        for i, row in zip(ids, rows, strict=True)
    ]
    generator = _randomness(rng)
    devices = [
        _new_device(i, p, x, generator) for p, (i, x) in enumerate(zip(ids, encoded, strict=True))
    ]
    traffic = {"messages": 0, "bytes": 0}

    enrolled = [bytes(device.identity.verify_key) for device in devices]  # known to every device
    directory = _advertise_keys(devices, traffic)
    relayed = _share_keys(devices, directory, enrolled, threshold, generator, traffic)
    survivors = [device for device in devices if device.position not in gone]
    masked = _masked_input(survivors, directory, bits, traffic)
    responders = [device for device in survivors if device.position not in late]
    session = _session_id(directory)
    signatures = _consistency_check(responders, frozenset(masked), session, n, threshold, traffic)
    key_shares, seed_shares = _unmasking(
        responders, directory, frozenset(masked), signatures, enrolled, session, threshold, traffic
    )
    recovered_keys = {u: join_secret(shamir_reconstruct(s)) for u, s in key_shares.items()}
    recovered_seeds = {u: join_secret(shamir_reconstruct(s)) for u, s in seed_shares.items()}
    ring_total = _unmasked_sum(masked, directory, recovered_keys, recovered_seeds, bits)
    ring_total.flags.writeable = False

    by_id = _ids_of(ids)
    view = ServerView(
        devices=ids,
        public_keys=dict(zip(ids, directory, strict=True)),
        encrypted_shares={(ids[s], ids[r]): c for (s, r), c in relayed.items()},
        masked=by_id(masked),
        survivors=tuple(ids[u] for u in masked),
        dropped=tuple(ids[u] for u in sorted(gone)),
        responders=tuple(device.id for device in responders),
        identity_keys=dict(zip(ids, enrolled, strict=True)),
        survivor_signatures={ids[u]: signature for u, signature in signatures.items()},
        mask_key_shares=by_id(key_shares),
        self_seed_shares=by_id(seed_shares),
        recovered_mask_keys=by_id(recovered_keys),
        recovered_self_seeds=by_id(recovered_seeds),
    )
    return SecAggResult(
        total=decode(ring_total, bits, scale_bits),
        ring_total=ring_total,
        survivors=view.survivors,
        dropped=view.dropped,
        dropped_after_sending=tuple(ids[u] for u in sorted(late)),
        masked=view.masked,
        server_view=view,
        stats={"rounds": 5, **traffic},
        threshold=threshold,
        bits=bits,
        scale_bits=scale_bits,
    )


def _advertise_keys(devices: list[_Device], traffic: dict[str, int]) -> list[AdvertisedKeys]:
    """Round 1: each device sends its two public keys; the server sends everyone the list."""
    directory = [device.advertise_keys() for device in devices]
    n = len(devices)
    entry = 2 * KEY_BYTES + SIGNATURE_BYTES
    _count(traffic, n, entry)  # device -> server
    _count(traffic, n, entry * n)  # server -> device: the whole list
    return directory


def _share_keys(
    devices: list[_Device],
    directory: list[AdvertisedKeys],
    enrolled: list[bytes],
    threshold: int,
    rng: SecretRandom,
    traffic: dict[str, int],
) -> dict[tuple[int, int], bytes]:
    """Round 2: every device's encrypted shares go through the server to their receivers."""
    relayed: dict[tuple[int, int], bytes] = {}
    for device in devices:
        for receiver, ciphertext in device.share_keys(directory, enrolled, threshold, rng).items():
            relayed[device.position, receiver] = ciphertext
    for (sender, receiver), ciphertext in relayed.items():  # the server forwards each one
        devices[receiver].received[sender] = ciphertext
    n = len(devices)
    size = len(next(iter(relayed.values())))
    _count(traffic, n, (n - 1) * size)  # device -> server, one message with n - 1 ciphertexts
    _count(traffic, n, (n - 1) * size)  # server -> device
    return relayed


def _masked_input(
    survivors: list[_Device],
    directory: list[AdvertisedKeys],
    bits: int,
    traffic: dict[str, int],
) -> dict[int, np.ndarray]:
    """Round 3: each device still there sends its masked update."""
    masked = {device.position: device.masked_input(directory, bits) for device in survivors}
    for vector in masked.values():
        vector.flags.writeable = False  # what arrived cannot be changed afterwards
        _count(traffic, 1, vector.nbytes)
    return masked


def _consistency_check(
    responders: list[_Device],
    survivors: frozenset[int],
    session: bytes,
    n: int,
    threshold: int,
    traffic: dict[str, int],
) -> dict[int, bytes]:
    """Round 4: the server sends the list of survivors; each device still there signs it."""
    _count(traffic, len(survivors), 4 * len(survivors))  # the list, one uint32 per survivor
    if len(responders) < threshold:
        raise NotEnoughSharesError(
            f"only {len(responders)} of {n} devices were left to send shares, but threshold "
            f"is {threshold}: with fewer than {threshold} shares no mask key or seed can be "
            "rebuilt, so the masks cannot be removed and the sum cannot be recovered. Nothing "
            "is revealed either: each masked update still looks like random numbers."
        )
    signatures = {
        device.position: device.sign_survivors(survivors, session, threshold)
        for device in responders
    }
    _count(traffic, len(signatures), SIGNATURE_BYTES)  # device -> server
    return signatures


def _unmasking(
    responders: list[_Device],
    directory: list[AdvertisedKeys],
    survivors: frozenset[int],
    signatures: dict[int, bytes],
    enrolled: list[bytes],
    session: bytes,
    threshold: int,
    traffic: dict[str, int],
) -> tuple[dict[int, list[ShamirShare]], dict[int, list[ShamirShare]]]:
    """Round 5: the server forwards the signatures and collects the shares it asks for."""
    _count(traffic, len(responders), (4 + SIGNATURE_BYTES) * len(signatures))
    key_shares: dict[int, list[ShamirShare]] = {}
    seed_shares: dict[int, list[ShamirShare]] = {}
    for device in responders:
        seeds, keys = device.unmasking_shares(
            directory, survivors, signatures, enrolled, session, threshold
        )
        _collect(seed_shares, seeds, device.position, threshold, "self-mask seed")
        _collect(key_shares, keys, device.position, threshold, "mask key")
        _count(traffic, 1, 4 * _CHUNKS * (len(seeds) + len(keys)))
    if key_shares.keys() & seed_shares.keys():  # what makes the protocol safe; see above
        raise PrivlabError("the server must never hold both kinds of shares of one device.")
    return key_shares, seed_shares


def _collect(
    collected: dict[int, list[ShamirShare]],
    answers: dict[int, np.ndarray],
    holder: int,
    threshold: int,
    secret: str,
) -> None:
    """File the shares one device sent (its point is ``x = position + 1``)."""
    for owner, values in answers.items():
        share = ShamirShare(holder + 1, values, threshold, PRIME, f"{secret} of device {owner}")
        collected.setdefault(owner, []).append(share)


def _unmasked_sum(
    masked: dict[int, np.ndarray],
    directory: list[AdvertisedKeys],
    recovered_keys: dict[int, bytes],
    recovered_seeds: dict[int, bytes],
    bits: int,
) -> np.ndarray:
    """The server's last step: add the masked updates, then take the leftover masks out."""
    length = next(iter(masked.values())).size
    total = np.zeros(length, dtype=_RING_TYPES[bits])
    for vector in masked.values():
        total = total + vector
    for seed in recovered_seeds.values():
        total = total - self_mask(seed, length, bits=bits)
    for gone, key in recovered_keys.items():
        for survivor in masked:
            mask = pairwise_mask(key, directory[survivor].mask, length, bits=bits)
            # the survivor added p when the dropped device comes after it, else subtracted it
            total = total - mask if gone > survivor else total + mask
    return total


def _count(traffic: dict[str, int], messages: int, nbytes_each: int) -> None:
    traffic["messages"] += messages
    traffic["bytes"] += messages * nbytes_each


def _ids_of(ids: tuple[DeviceId, ...]) -> Callable[[dict[int, Any]], dict[DeviceId, Any]]:
    """A function that re-keys a dict from positions to device ids, in position order."""

    def by_id(values: dict[int, Any]) -> dict[DeviceId, Any]:
        return {ids[position]: values[position] for position in sorted(values)}

    return by_id


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def _check_bits(bits: Any) -> int:
    if isinstance(bits, bool) or bits not in _RING_TYPES:
        raise InvalidParameterError(f"bits must be 32 or 64; got {bits!r}.")
    return int(bits)


def _check_scale_bits(scale_bits: Any, bits: int) -> int:
    return check.integer("scale_bits", scale_bits, low=0, high=bits - 2)


def _check_threshold(threshold: Any, n: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral):
        good = False
    else:
        good = 2 <= threshold <= n
    if not good:
        raise InvalidParameterError(
            f"threshold must be a whole number from 2 to the number of devices ({n}); got "
            f"{threshold!r}. (Against a server that lies about who dropped out, helped by c "
            "devices, 2 * threshold must exceed the number of devices plus c.)"
        )
    return int(threshold)


def _key_bytes(name: str, value: Any) -> bytes:
    """32 bytes from bytes, or from a PrivateKey or a PublicKey if ``name`` is a key's."""
    is_key = "key" in name
    if is_key and isinstance(value, (PrivateKey, PublicKey)):
        return bytes(value)
    if not isinstance(value, bytes) or len(value) != KEY_BYTES:
        allowed = f"{KEY_BYTES} bytes" + (" or a nacl.public key" if is_key else "")
        raise InvalidParameterError(f"{name} must be {allowed}; got {_short(value)}.")
    return value


def _public_key_list(name: str, keys: Any) -> list[bytes]:
    if isinstance(keys, (bytes, str)) or not isinstance(keys, Sequence) or len(keys) < 2:
        raise InvalidParameterError(
            f"{name} must be a list of at least 2 public keys; got {_short(keys)}."
        )
    return [_key_bytes(f"{name}[{i}]", key) for i, key in enumerate(keys)]


def _device_id(key: Any) -> DeviceId:
    if isinstance(key, numbers.Integral) and not isinstance(key, (bool, np.bool_)):
        return int(key)
    if isinstance(key, str) and key:
        return key
    raise InvalidParameterError(
        f"updates must have device ids that are whole numbers or non-empty strings; got {key!r}."
    )


def _checked_updates(updates: Any) -> tuple[tuple[DeviceId, ...], list[np.ndarray]]:
    """Device ids and float rows, all the same length, at least 2 devices."""
    if isinstance(updates, Mapping):
        ids = tuple(_device_id(key) for key in updates)
        rows = [check.real_array(f"updates[{key!r}]", value) for key, value in updates.items()]
        for device, row in zip(ids, rows, strict=True):
            if row.ndim != 1 or row.size == 0:
                raise InvalidParameterError(
                    f"updates[{device!r}] must be a non-empty 1-d array; got {_short(row)}."
                )
    else:
        array = check.real_array("updates", updates)
        if array.ndim != 2 or array.shape[1] == 0:
            raise InvalidParameterError(
                "updates must be a dict {device id: 1-d array} or a 2-d array (one row per "
                f"device); got {_short(updates)}."
            )
        ids, rows = tuple(range(len(array))), list(array)
    if len(ids) < 2:
        raise InvalidParameterError(
            "updates must come from at least 2 devices (a sum of one update is the update); "
            f"got {len(ids)}."
        )
    first = rows[0].size
    odd = next((i for i, row in enumerate(rows) if row.size != first), None)
    if odd is not None:
        raise InvalidParameterError(
            f"updates must all have the same length; got length {first} for device "
            f"{ids[0]!r} and {rows[odd].size} for device {ids[odd]!r}."
        )
    return ids, rows


def _dropouts(
    dropped: Any, dropped_after_sending: Any, ids: tuple[DeviceId, ...]
) -> tuple[frozenset[int], frozenset[int]]:
    """Positions of the devices that leave before sending, and after sending."""
    gone = _device_positions("dropped", dropped, ids)
    late = _device_positions("dropped_after_sending", dropped_after_sending, ids)
    both = sorted(gone & late)
    if both:
        raise InvalidParameterError(
            "dropped_after_sending must not name devices in dropped (they never sent their "
            f"masked update); got {ids[both[0]]!r} in both."
        )
    return gone, late


def _device_positions(name: str, chosen: Any, ids: tuple[DeviceId, ...]) -> frozenset[int]:
    """Positions of the devices listed in ``chosen`` (each a known id, at most once)."""
    if isinstance(chosen, (str, bytes)) or not isinstance(chosen, Iterable):
        raise InvalidParameterError(f"{name} must be a list of device ids; got {chosen!r}.")
    position_of = {device: position for position, device in enumerate(ids)}
    positions: list[int] = []
    for item in chosen:
        key = int(item) if isinstance(item, np.integer) else item
        known = isinstance(key, (int, str)) and not isinstance(key, bool) and key in position_of
        if not known:
            raise InvalidParameterError(
                f"{name} must list ids of devices in updates; got {item!r}, which is not one "
                "of them."
            )
        if position_of[key] in positions:
            raise InvalidParameterError(f"{name} must name each device once; got {key!r} twice.")
        positions.append(position_of[key])
    return frozenset(positions)


def _short(value: Any) -> str:
    """A value for an error message: arrays and long values by their shape or type."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    text = repr(value)
    return text if len(text) <= 60 else f"a value of type {type(value).__name__}"
