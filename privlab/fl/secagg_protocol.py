"""Secure aggregation with dropouts: the five rounds of Bonawitz et al. (CCS 2017).

The masks of :mod:`privlab.fl.secagg` cancel only if every device sends its
masked update. So, before anything is masked, each device Shamir-shares its
mask private key and its self-mask seed among all devices (any ``threshold``
of them rebuild a secret, fewer learn nothing). All parties are simulated in
one process; only what a party may know is passed to it. Each device has an
Ed25519 identity key the others know from enrolment, not from the server.

1. *advertise keys*: two public keys (masks, and encrypting shares), signed;
2. *share keys*: the ``threshold``-of-``n`` shares, each encrypted for its
   receiver (``nacl.public.Box``) and relayed by the server, which cannot read
   them; devices in ``dropped`` leave after this round;
3. *masked input*: every other device sends :math:`y_u`;
4. *consistency check*: each device still there signs the server's list of
   survivors, once, if it holds itself and at least ``threshold`` devices;
5. *unmasking*: once ``threshold`` devices on the list signed it, each sends
   shares of the self-mask seed of every survivor and of the mask key of every
   device off the list: **never both kinds for one device**, which would let
   the server remove all its masks. With fewer than ``threshold`` devices left
   nothing can be rebuilt (:class:`~privlab.errors.NotEnoughSharesError`).

The server then subtracts the survivors' self masks and the dropped devices'
pairwise masks from the sum. It sees (:class:`ServerView`) public keys, shares
it cannot read, one uniformly random vector per survivor and the secrets it
rebuilds: the sum, and no single update, as long as fewer than ``threshold``
devices collude with it. A server that lies about who dropped, with ``c``
devices on its side, reads one update exactly when :math:`2t \\le n + c` or
:math:`c \\ge t - 1` (:mod:`privlab.fl.lying_server`); Bonawitz et al. take
:math:`t > 2n/3`. Devices must send well-formed messages, and a key set serves
one aggregation only. A seed (``rng``) makes a run reproducible, for lessons.

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from nacl import exceptions as nacl_errors
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from .._guard import SECRETS, guard
from ..errors import NotEnoughSharesError, PrivlabError, ProtocolAbortedError
from ..mpc.ring import _ring_bits
from ..mpc.shamir import PRIME, ShamirShare, shamir_reconstruct, shamir_share
from . import _checks as check
from ._checks import KEY_BYTES
from .secagg import _PERSON, SCALE_BITS, decode, encode, mask_update, pairwise_mask, self_mask

__all__ = [
    "SIGNATURE_BYTES",
    "AdvertisedKeys",
    "SecAggResult",
    "ServerView",
    "join_secret",
    "secure_aggregate",
    "split_secret",
]

SIGNATURE_BYTES = 64
"""Size of an Ed25519 signature (of a device's keys, or of the list of survivors)."""

DeviceId = int | str
_CHUNKS = check.CHUNKS  # a 32-byte secret in 16 chunks of 16 bits, each below PRIME
_SHARE_WORDS = 2 + 2 * _CHUNKS  # sender, receiver, key chunks, seed chunks (uint32 each)


@guard(updates=check.device_updates, bits=_ring_bits, rng=SECRETS, where=check.protocol_run)
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

    Parameters
    ----------
    updates : dict or 2-d array
        Device id (whole number or string) -> 1-d float update, all the same
        length; or a 2-d array, one row per device (ids ``0 .. n - 1``).
        At least 2 devices.
    threshold : int
        :math:`t`, shares needed to rebuild a key or seed, from 2 to ``n``.
    dropped, dropped_after_sending : iterable of device ids
        Devices that leave after sharing their keys (not in the sum), and after
        sending their masked update (in the sum, but they send no shares).
    bits : {32, 64}
        Size of the ring :math:`2^k`.
    scale_bits : int
        Fixed-point fraction bits, from 0 to ``bits - 2``. Every value must
        have ``n * |round(x * 2**scale_bits)| < 2**(bits - 1)``.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons only.

    Returns
    -------
    SecAggResult
        ``total``, ``survivors``, ``masked``, ``server_view``, ``stats``. Raises
        :class:`~privlab.errors.NotEnoughSharesError` when fewer than
        ``threshold`` devices are left to send shares (no sum, nothing revealed).

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
    ids = tuple(updates)
    devices, run, relayed = _enrol(updates, bits, scale_bits, threshold, rng)
    survivors = [device for device in devices if device.position not in dropped]
    masked = _masked_input(survivors, run, bits)
    responders = [device for device in survivors if device.position not in dropped_after_sending]
    signatures, key_shares, seed_shares = _unmasking(responders, frozenset(masked), len(ids), run)
    keys = {u: join_secret(shamir_reconstruct(s)) for u, s in key_shares.items()}
    seeds = {u: join_secret(shamir_reconstruct(s)) for u, s in seed_shares.items()}
    ring_total = _unmasked_sum(masked, run, keys, seeds, bits)
    ring_total.flags.writeable = False

    def by_id(values: dict[int, Any]) -> dict[DeviceId, Any]:
        return {ids[position]: values[position] for position in sorted(values)}

    view = ServerView(
        devices=ids,
        public_keys=dict(zip(ids, run.directory, strict=True)),
        encrypted_shares={(ids[s], ids[r]): c for (s, r), c in relayed.items()},
        masked=by_id(masked),
        survivors=tuple(ids[u] for u in masked),
        dropped=tuple(ids[u] for u in sorted(dropped)),
        responders=tuple(device.id for device in responders),
        identity_keys=dict(zip(ids, run.enrolled, strict=True)),
        survivor_signatures=by_id(signatures),
        mask_key_shares=by_id(key_shares),
        self_seed_shares=by_id(seed_shares),
        recovered_mask_keys=by_id(keys),
        recovered_self_seeds=by_id(seeds),
    )
    return SecAggResult(
        total=decode(ring_total, bits, scale_bits),
        ring_total=ring_total,
        survivors=view.survivors,
        dropped=view.dropped,
        dropped_after_sending=tuple(ids[u] for u in sorted(dropped_after_sending)),
        masked=view.masked,
        server_view=view,
        stats={"rounds": 5, **run.traffic},
        threshold=threshold,
        bits=bits,
        scale_bits=scale_bits,
    )


# --------------------------------------------------------------------------
# The rounds, as the server runs them
# --------------------------------------------------------------------------


@dataclass(eq=False)
class _Run:
    """What every party of one run knows: the advertised keys, the identity keys, the threshold."""

    directory: list[AdvertisedKeys]  # round 1, in the server's order
    enrolled: list[bytes]  # every device's Ed25519 verify key, known from enrolment
    threshold: int
    traffic: dict[str, int] = field(default_factory=lambda: {"messages": 0, "bytes": 0})

    @cached_property
    def session(self) -> bytes:
        """A name for this run, the hash of every advertised key: a signature is for it only."""
        keys = b"".join(entry.mask + entry.encryption for entry in self.directory)
        return blake2b(keys, digest_size=16, person=_PERSON, encoder=RawEncoder)

    def survivor_message(self, survivors: frozenset[int]) -> bytes:
        """What a device signs in round 4: this run, and the survivors' positions."""
        positions = np.array(sorted(survivors), dtype="<u4").tobytes()
        return b"privlab-secagg survivors" + self.session + positions

    def count(self, messages: int, nbytes_each: int) -> None:
        """Every message to or from the server."""
        self.traffic["messages"] += messages
        self.traffic["bytes"] += messages * nbytes_each


def _enrol(
    updates: Mapping[DeviceId, np.ndarray], bits: int, scale_bits: int, threshold: int, rng: Any
) -> tuple[list[_Device], _Run, dict[tuple[int, int], bytes]]:
    """New devices (their updates encoded), and rounds 1 and 2: advertise keys, share keys."""
    n = len(updates)
    devices = []
    for position, (device, update) in enumerate(updates.items()):
        mask, encryption, seed, identity = (rng.bytes(KEY_BYTES) for _ in range(4))
        x = encode(update, bits, scale_bits, devices=n)
        keys = PrivateKey(mask), PrivateKey(encryption), seed, SigningKey(identity)
        devices.append(_Device(device, position, x, *keys))
    enrolled = [bytes(device.identity.verify_key) for device in devices]
    run = _Run([device.advertise_keys() for device in devices], enrolled, threshold)
    run.count(n, 2 * KEY_BYTES + SIGNATURE_BYTES)  # device -> server
    run.count(n, (2 * KEY_BYTES + SIGNATURE_BYTES) * n)  # server -> device: the whole list
    relayed: dict[tuple[int, int], bytes] = {}
    for device in devices:
        for receiver, ciphertext in device.share_keys(run, rng).items():
            relayed[device.position, receiver] = ciphertext
            devices[receiver].received[device.position] = ciphertext  # the server forwards it
    size = (n - 1) * len(next(iter(relayed.values())))  # one message of n - 1 ciphertexts
    run.count(n, size)  # device -> server
    run.count(n, size)  # server -> device
    return devices, run, relayed


def _masked_input(survivors: list[_Device], run: _Run, bits: int) -> dict[int, np.ndarray]:
    """Round 3: each device still there sends its masked update."""
    public = [keys.mask for keys in run.directory]
    masked = {}
    for device in survivors:
        vector = mask_update(
            device.update, device.position, device.mask_key, public, device.self_seed, bits=bits
        )
        vector.flags.writeable = False  # what arrived cannot be changed afterwards
        masked[device.position] = vector
        run.count(1, vector.nbytes)
    return masked


Shares = dict[int, list[ShamirShare]]


def _unmasking(
    responders: list[_Device], survivors: frozenset[int], n: int, run: _Run
) -> tuple[dict[int, bytes], Shares, Shares]:
    """Rounds 4 and 5: the devices still there sign the list of survivors, then send shares."""
    run.count(len(survivors), 4 * len(survivors))  # the list, one uint32 per survivor
    if len(responders) < run.threshold:
        raise NotEnoughSharesError(
            f"only {len(responders)} of {n} devices were left to send shares, but threshold "
            f"is {run.threshold}: with fewer than {run.threshold} shares no mask key or seed "
            "can be rebuilt, so the masks cannot be removed and the sum cannot be recovered. "
            "Nothing is revealed either: each masked update still looks like random numbers."
        )
    signatures = {device.position: device.sign_survivors(survivors, run) for device in responders}
    run.count(len(signatures), SIGNATURE_BYTES)  # device -> server
    run.count(len(responders), (4 + SIGNATURE_BYTES) * len(signatures))  # forwarded to each
    key_shares: Shares = {}
    seed_shares: Shares = {}
    for device in responders:
        seeds, keys = device.unmasking_shares(survivors, signatures, run)
        _file(seed_shares, seeds, device.position, run.threshold, "self-mask seed")
        _file(key_shares, keys, device.position, run.threshold, "mask key")
        run.count(1, 4 * _CHUNKS * (len(seeds) + len(keys)))
    if key_shares.keys() & seed_shares.keys():  # what makes the protocol safe
        raise PrivlabError("the server must never hold both kinds of shares of one device.")
    return signatures, key_shares, seed_shares


def _file(
    collected: Shares, answers: dict[int, np.ndarray], holder: int, threshold: int, secret: str
) -> None:
    """File shares by owner, one per holder (its point is ``x = position + 1``)."""
    for owner, values in answers.items():
        shares = collected.setdefault(owner, [])
        if all(share.x != holder + 1 for share in shares):
            label = f"{secret} of device {owner}"
            shares.append(ShamirShare(holder + 1, values, threshold, PRIME, label))


def _unmasked_sum(
    masked: dict[int, np.ndarray],
    run: _Run,
    keys: dict[int, bytes],
    seeds: dict[int, bytes],
    bits: int,
) -> np.ndarray:
    """The server's last step: add the masked updates, then take the leftover masks out."""
    total = sum(masked.values())
    for seed in seeds.values():
        total = total - self_mask(seed, total.size, bits=bits)
    for gone, key in keys.items():
        for survivor in masked:
            mask = pairwise_mask(key, run.directory[survivor].mask, total.size, bits=bits)
            # the survivor added p when the dropped device comes after it, else subtracted it
            total = total - mask if gone > survivor else total + mask
    return total


# --------------------------------------------------------------------------
# Shamir sharing of 32-byte secrets, in 16-bit chunks (each below PRIME)
# --------------------------------------------------------------------------


@guard(secret=check.key)
def split_secret(secret: bytes) -> np.ndarray:
    """Cut a 32-byte secret into 16 chunks of 16 bits, each a field element below ``PRIME``.

    .. math:: \\text{secret} = \\sum_{i=0}^{15} c_i \\, 2^{16 i}, \\qquad 0 \\le c_i < 2^{16}

    >>> split_secret(bytes([1, 2]) + bytes(30))[:3]  # 0x0201 = 513
    array([513,   0,   0])
    """
    return np.frombuffer(secret, dtype="<u2").astype(np.int64)


@guard(chunks=check.chunks)
def join_secret(chunks: Any) -> bytes:
    """Put 16 chunks of 16 bits back together into the 32-byte secret (:func:`split_secret` undone).

    >>> secret = bytes(range(32))
    >>> join_secret(split_secret(secret)) == secret
    True
    """
    return np.asarray(chunks).astype("<u2").tobytes()


# --------------------------------------------------------------------------
# The parties
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AdvertisedKeys:
    """A device's public keys of round 1, signed by its identity key: the server cannot swap them.

    ``mask`` for the pairwise masks, ``encryption`` for the shares it receives (another key:
    rebuilding a dropped device's mask key must not open them).
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

    def advertise_keys(self) -> AdvertisedKeys:  # round 1
        mask, encryption = self.mask_key.public_key, self.encryption_key.public_key
        keys = AdvertisedKeys(bytes(mask), bytes(encryption))
        return AdvertisedKeys(
            keys.mask, keys.encryption, self.identity.sign(keys.signed_bytes()).signature
        )

    def share_keys(self, run: _Run, rng: Any) -> dict[int, bytes]:
        """Round 2: one encrypted message per other device, its shares of my key and my seed."""
        for other, keys in enumerate(run.directory):  # swapped keys would read my shares
            if not _signed_by(run.enrolled[other], keys.signed_bytes(), keys.signature):
                raise ProtocolAbortedError(
                    f"device {self.id!r} refuses to share its keys: the public keys of device "
                    f"{other} are not signed by that device's identity key."
                )
        secrets = np.concatenate([split_secret(bytes(self.mask_key)), split_secret(self.self_seed)])
        shares = [s.y for s in shamir_share(secrets, run.threshold, len(run.directory), rng=rng)]
        self.kept_share = shares[self.position]
        messages = {}
        for receiver, share in enumerate(shares):
            if receiver != self.position:  # sender and receiver inside: no one else can use it
                words = np.concatenate([[self.position, receiver], share]).astype("<u4")
                box = self._box(receiver, run)
                messages[receiver] = bytes(box.encrypt(words.tobytes(), rng.bytes(Box.NONCE_SIZE)))
        return messages

    def _box(self, other: int, run: _Run) -> Box:
        """Authenticated encryption with ``other`` (the same key from both sides)."""
        if other not in self.boxes:
            self.boxes[other] = Box(self.encryption_key, PublicKey(run.directory[other].encryption))
        return self.boxes[other]

    def sign_survivors(self, survivors: frozenset[int], run: _Run) -> bytes:
        """Round 4: sign the server's list of survivors, once; refuse a list that cannot be true."""
        if self.position not in survivors or len(survivors) < run.threshold:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses the list of survivors: it must hold this device "
                f"and at least threshold = {run.threshold} devices; got {len(survivors)} "
                f"{'with' if self.position in survivors else 'without'} this device."
            )
        if self.signed_list is not None and self.signed_list != survivors:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses to sign a second, different list of survivors."
            )
        self.signed_list = survivors
        return self.identity.sign(run.survivor_message(survivors)).signature

    def unmasking_shares(
        self, survivors: frozenset[int], signatures: Mapping[int, bytes] | None, run: _Run
    ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Round 5: shares of each survivor's self-mask seed, and of each other device's mask key.

        Only for the list it signed, once ``threshold`` devices on it signed it
        too (``signatures=None`` skips that: the protocol without its
        consistency round, for :mod:`privlab.fl.lying_server`).
        """
        if signatures is not None:
            message = run.survivor_message(survivors)
            valid = [
                signer
                for signer, signature in signatures.items()
                if signer in survivors and _signed_by(run.enrolled[signer], message, signature)
            ]
            if survivors != self.signed_list or len(valid) < run.threshold:
                raise ProtocolAbortedError(
                    f"device {self.id!r} refuses to unmask: the server's list of survivors is "
                    f"not the one it signed, or fewer than threshold = {run.threshold} of the "
                    f"devices on it signed it ({len(valid)} valid signatures). The server may "
                    "be showing different devices different lists."
                )
        seed_shares, key_shares = {}, {}
        for sender in range(len(run.directory)):
            share = self.open_share(sender, run)
            if sender in survivors:  # its update is in the sum: only its self mask must go
                seed_shares[sender] = share[_CHUNKS:]
            else:  # it sent nothing: only its pairwise masks must go
                key_shares[sender] = share[:_CHUNKS]
        return seed_shares, key_shares

    def open_share(self, sender: int, run: _Run) -> np.ndarray:
        """The share of ``sender``'s secrets this device holds (key chunks, then seed chunks)."""
        if sender == self.position:
            return self.kept_share
        try:
            plain = self._box(sender, run).decrypt(self.received[sender])
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


def _signed_by(verify_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(verify_key).verify(message, signature)
    except (nacl_errors.BadSignatureError, ValueError, TypeError):
        return False
    return True


# --------------------------------------------------------------------------
# What the server sees, and the result
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ServerView:
    """Everything the server received or worked out, by device id.

    No device is in both ``mask_key_shares`` and ``self_seed_shares``.
    """

    devices: tuple[DeviceId, ...]  # every device id, in the server's order
    public_keys: dict[DeviceId, AdvertisedKeys]  # round 1
    encrypted_shares: dict[tuple[DeviceId, DeviceId], bytes]  # (sender, receiver): round 2
    masked: dict[DeviceId, np.ndarray]  # survivor -> y_u, round 3
    survivors: tuple[DeviceId, ...]  # whose masked update arrived: in the sum
    dropped: tuple[DeviceId, ...]  # who sent no masked update
    responders: tuple[DeviceId, ...]  # who signed the list (round 4) and sent shares (round 5)
    identity_keys: dict[DeviceId, bytes]  # Ed25519 verify keys, known from enrolment
    survivor_signatures: dict[DeviceId, bytes]  # responder -> its signature of the list
    mask_key_shares: dict[DeviceId, list[ShamirShare]]  # dropped -> shares of its mask key
    self_seed_shares: dict[DeviceId, list[ShamirShare]]  # survivor -> shares of its seed
    recovered_mask_keys: dict[DeviceId, bytes]  # dropped -> its mask private key
    recovered_self_seeds: dict[DeviceId, bytes]  # survivor -> its self-mask seed

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

    ``total`` is the float sum of the survivors' updates (fixed-point rounded),
    ``ring_total`` the same sum in the ring (exactly the sum of their
    :func:`~privlab.fl.secagg.encode` modulo ``2**bits``), ``stats`` counts
    every message to or from the server.
    """

    total: np.ndarray
    ring_total: np.ndarray
    survivors: tuple[DeviceId, ...]
    dropped: tuple[DeviceId, ...]  # left after sharing their keys: not in the sum
    dropped_after_sending: tuple[DeviceId, ...]  # in the sum, but sent no shares
    masked: dict[DeviceId, np.ndarray]
    server_view: ServerView
    stats: dict[str, int]
    threshold: int
    bits: int
    scale_bits: int

    def __repr__(self) -> str:
        dropped = ", ".join(repr(device) for device in self.dropped) or "none"
        late = ", ".join(repr(device) for device in self.dropped_after_sending)
        late = f"; left before unmasking: {late}" if late else ""
        return (
            f"SecAggResult(sum of {len(self.survivors)} of {len(self.server_view.devices)} "
            f"devices' updates ({self.total.size} values); dropped: {dropped}{late}; "
            f"threshold {self.threshold}, {self.bits} bits)"
        )
