"""Secure aggregation with dropouts: the five rounds of Bonawitz et al. (CCS 2017).

Each device Shamir-shares its mask key and self-mask seed, so that any ``threshold``
devices can remove the masks of those that drop out (all parties in one process, each
given only what it may know): (1) advertise signed keys; (2) share keys, encrypted,
through the server; (3) send masked updates; (4) sign the server's list of survivors,
once; (5) send shares of each survivor's seed and of each dropped device's mask key,
never both kinds for one device, which would unmask it. A lying server:
:mod:`privlab.fl.lying_server`. A key set serves one aggregation.

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
from dataclasses import dataclass
from typing import Any

import numpy as np
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from .._guard import SECRETS, TIED, Seed, guard
from ..errors import NotEnoughSharesError, PrivlabError
from ..mpc.ring import _ring_bits
from ..mpc.shamir import PRIME, ShamirShare, shamir_reconstruct
from . import _checks as check
from ._checks import KEY_BYTES
from .secagg import SCALE_BITS, decode, encode, mask_update, pairwise_mask, self_mask
from .secagg_device import (
    _CHUNKS,
    SIGNATURE_BYTES,
    AdvertisedKeys,
    DeviceId,
    _Device,
    _Run,
    join_secret,
)

__all__ = ["SecAggResult", "ServerView", "secure_aggregate"]


@guard(
    updates=check.device_updates(),
    threshold=TIED,
    dropped=TIED,
    dropped_after_sending=TIED,
    bits=_ring_bits,
    scale_bits=TIED,
    rng=SECRETS,
    where=check.protocol_run,
)
def secure_aggregate(
    updates: Mapping[DeviceId, Any] | Any,
    *,
    threshold: int,
    dropped: Iterable[DeviceId] = (),
    dropped_after_sending: Iterable[DeviceId] = (),
    bits: int = 32,
    scale_bits: int = SCALE_BITS,
    rng: Seed = None,
) -> SecAggResult:
    """Sum the devices' updates with secure aggregation: the server sees only masked vectors.

    .. math:: \\sum_{u \\in S} x_u = \\sum_{u \\in S} y_u - \\sum_{u \\in S} \\mathrm{PRG}(b_u)
              - \\sum_{d \\in D} \\sum_{v \\in S} \\pm p_{dv} \\bmod 2^k

    Parameters
    ----------
    updates : dict or 2-d array
        Device id (whole number or string) -> 1-d float update, all of one length; or
        one row per device (ids ``0 .. n - 1``). At least 2 devices.
    threshold : int
        :math:`t`, shares needed to rebuild a key or seed, from 2 to ``n``; with fewer
        devices left to send shares, :class:`~privlab.errors.NotEnoughSharesError`.
    dropped, dropped_after_sending : iterable of device ids
        Devices that leave after sharing their keys (not in the sum), and after
        sending their masked update (in the sum, but they send no shares).
    bits, scale_bits : int
        The ring :math:`2^k` (32 or 64) and fixed-point fraction bits (the sum must fit).

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
        _file(seed_shares, key_shares, seeds, keys, device.position, run.threshold)
        run.count(1, 4 * _CHUNKS * (len(seeds) + len(keys)))
    if key_shares.keys() & seed_shares.keys():  # what makes the protocol safe
        raise PrivlabError("the server must never hold both kinds of shares of one device.")
    return signatures, key_shares, seed_shares


def _file(
    seed_shares: Shares, key_shares: Shares, seeds: dict, keys: dict, holder: int, threshold: int
) -> None:
    """File shares of seeds and keys by owner, one per holder (its point ``x = position + 1``)."""
    for collected, answers, secret in (
        (seed_shares, seeds, "self-mask seed"),
        (key_shares, keys, "mask key"),
    ):
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


@dataclass(frozen=True, eq=False)
class ServerView:
    """Everything the server received or worked out, by device id (no device is in both
    ``mask_key_shares`` and ``self_seed_shares``)."""

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
    """The outcome of :func:`secure_aggregate`: ``total``, the float sum of the survivors'
    updates (fixed-point rounded), ``ring_total``, exactly the sum of their
    :func:`~privlab.fl.secagg.encode` modulo ``2**bits``; ``stats`` counts every message
    to or from the server."""

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
