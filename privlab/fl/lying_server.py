"""A server that lies about who dropped out, and what it can read: the attack on secure aggregation.

Secure aggregation (:mod:`privlab.fl.secagg`) unmasks with one list of
survivors: shares of the self-mask seed :math:`b_u` of every device on it,
shares of the mask key :math:`s_u` of every device off it. A server that
holds *both* for one honest device :math:`v` removes all its masks and reads
:math:`x_v` alone. It can try two lies, with ``c`` devices on its side (they
hand it every share they hold, of both kinds):

* **Split**: tell a group :math:`A` of honest devices that :math:`v` survived
  (they send shares of :math:`b_v`) and a group :math:`B` that it dropped (they
  send shares of :math:`s_v`). Each group plus the ``c`` colluders must reach
  the threshold :math:`t`, and the groups are disjoint, so it needs
  :math:`2(t - c) \\le n - c`, that is :math:`2t \\le n + c`. The consistency
  round does not change this count: each honest device signs one list, and
  both lists can gather :math:`t` signatures exactly when
  :math:`(t - c) + (t - c) \\le n - c`.
* **Short list**: tell every device that only :math:`v` and the colluders
  survived. Every honest device then sends shares of :math:`b_v` and of every
  other honest device's mask key, and the "sum" over the list, minus the
  colluders' known updates, is :math:`x_v`. The consistency round stops this:
  a device signs only a list that holds itself and at least :math:`t`
  devices, and only devices on the list answer. What is left is the limit of
  any sum: a list of :math:`t` devices with :math:`t - 1` colluders.

So with the consistency round the server reads one honest update exactly
when :math:`2t \\le n + c` (split) or :math:`c \\ge t - 1` (short list). Bonawitz
et al. choose :math:`t > 2n/3` and prove security for fewer than :math:`n/3`
colluders: both conditions then fail, since :math:`n + c < 4n/3 < 2t`.

Examples
--------
>>> import numpy as np
>>> updates = np.arange(18.0).reshape(9, 2) / 4
>>> lying_server(updates, threshold=5, colluders=2).read  # 2t = 10 <= n + c = 11
array([0.  , 0.25])
>>> lying_server(updates, threshold=6, colluders=2).read is None  # 12 > 11: every lie fails
True
>>> lying_server(updates, threshold=6, colluders=0, consistency=False).strategy
'short list'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError, ProtocolAbortedError
from ..mpc.additive import _randomness
from ..mpc.shamir import PRIME, ShamirShare, shamir_reconstruct
from .secagg import (
    _CHUNKS,
    AdvertisedKeys,
    _advertise_keys,
    _check_threshold,
    _checked_updates,
    _Device,
    _masked_input,
    _new_device,
    _session_id,
    _share_keys,
    _survivor_message,
    _to_ring,
    decode,
    join_secret,
    pairwise_mask,
    self_mask,
)

__all__ = ["LyingServerResult", "lying_server"]

_STRATEGIES = ("split", "short list")


@dataclass(frozen=True, eq=False)
class LyingServerResult:
    """What a lying server got out of one run.

    Parameters
    ----------
    read : numpy.ndarray or None
        The victim's update, as the server rebuilt it; ``None`` if every lie failed.
    strategy : str or None
        The lie that worked: ``"split"`` or ``"short list"``.
    refused : dict
        Lie -> the honest devices (positions) that refused to go on.
    """

    read: np.ndarray | None
    strategy: str | None
    refused: dict[str, tuple[int, ...]]


def lying_server(
    updates: Any,
    *,
    threshold: int,
    colluders: int,
    consistency: bool = True,
    rng: np.random.Generator | int | None = None,
) -> LyingServerResult:
    """Run secure aggregation against a server that lies, helped by ``colluders`` devices.

    Device 0 is the victim; the last ``colluders`` devices are on the server's
    side. No device drops out. The server tries the split lie, then the short
    list (see the module's description).

    Parameters
    ----------
    updates : 2-d array
        One row per device, at least 2 devices.
    threshold : int
        :math:`t`, from 2 to the number of devices :math:`n`.
    colluders : int
        :math:`c`, from 0 to :math:`n - 1` (the victim is honest).
    consistency : bool
        Run the consistency round (signed lists of survivors, as privlab's
        :func:`~privlab.fl.secagg.secure_aggregate` does). ``False``: the
        protocol without it, where a device answers any list it is sent.
    rng : numpy.random.Generator, int or None
        Keys the stream of secrets (:mod:`privlab.randomness`).

    Returns
    -------
    LyingServerResult
        ``read`` is the victim's update if a lie worked, else ``None``.
    """
    ids, rows = _checked_updates(updates)
    n = len(ids)
    threshold = _check_threshold(threshold, n)
    colluders = check.integer("colluders", colluders, low=0, high=n - 1)
    if not isinstance(consistency, bool):
        raise InvalidParameterError(f"consistency must be True or False; got {consistency!r}.")
    encoded = [
        _to_ring(f"updates[{i!r}]", row, 32, 16, n) for i, row in zip(ids, rows, strict=True)
    ]
    secrets = _randomness(rng)
    devices = [
        _new_device(i, p, x, secrets) for p, (i, x) in enumerate(zip(ids, encoded, strict=True))
    ]
    traffic = {"messages": 0, "bytes": 0}
    enrolled = [bytes(device.identity.verify_key) for device in devices]
    directory = _advertise_keys(devices, traffic)
    _share_keys(devices, directory, enrolled, threshold, secrets, traffic)
    masked = _masked_input(devices, directory, 32, traffic)
    session = _session_id(directory)
    side = devices[n - colluders :]
    honest = devices[1 : n - colluders]  # the victim, devices[0], is honest too

    everyone = frozenset(range(n))
    without_victim = everyone - {0}
    group_a = [devices[0], *honest[: max(0, threshold - colluders - 1)]]
    group_b = honest[max(0, threshold - colluders - 1) :]
    lies = {
        "split": [(group_a, everyone), (group_b, without_victim)],
        "short list": [([devices[0], *honest], frozenset({0}) | {d.position for d in side})],
    }
    refused: dict[str, tuple[int, ...]] = {}
    for strategy in _STRATEGIES:
        for device in devices:
            device.signed_list = None  # each lie is tried on a fresh run
        seed_shares, key_shares, refusing = _ask(
            lies[strategy], side, directory, enrolled, session, threshold, consistency
        )
        refused[strategy] = refusing
        known = {c.position: bytes(c.mask_key) for c in side}
        read = _unmask_victim(seed_shares, key_shares, masked, directory, n, threshold, known)
        if read is not None:
            return LyingServerResult(read, strategy, refused)
    return LyingServerResult(None, None, refused)


def _ask(
    groups: list[tuple[list[_Device], frozenset[int]]],
    side: list[_Device],
    directory: list[AdvertisedKeys],
    enrolled: list[bytes],
    session: bytes,
    threshold: int,
    consistency: bool,
) -> tuple[dict[int, list[ShamirShare]], dict[int, list[ShamirShare]], tuple[int, ...]]:
    """Show each group its list; collect what honest devices send and all the colluders hold."""
    seed_shares: dict[int, list[ShamirShare]] = {}
    key_shares: dict[int, list[ShamirShare]] = {}
    refusing: set[int] = set()
    for group, survivors in groups:
        signatures: dict[int, bytes] | None = None
        answering = group
        if consistency:  # only devices on the list sign it; colluders sign anything
            message = _survivor_message(survivors, session)
            signatures = {c.position: c.identity.sign(message).signature for c in side}
            answering = []
            for device in (d for d in group if d.position in survivors):
                try:
                    signatures[device.position] = device.sign_survivors(
                        survivors, session, threshold
                    )
                    answering.append(device)
                except ProtocolAbortedError:
                    refusing.add(device.position)
        for device in answering:
            try:
                seeds, keys = device.unmasking_shares(
                    directory, survivors, signatures, enrolled, session, threshold
                )
            except ProtocolAbortedError:
                refusing.add(device.position)
                continue
            _file(seed_shares, seeds, device.position, threshold)
            _file(key_shares, keys, device.position, threshold)
    for colluder in side:  # hands over both kinds of every share it holds
        for owner in range(len(directory)):
            share = colluder._open_share(owner, directory)
            _file(seed_shares, {owner: share[_CHUNKS:]}, colluder.position, threshold)
            _file(key_shares, {owner: share[:_CHUNKS]}, colluder.position, threshold)
    return seed_shares, key_shares, tuple(sorted(refusing))


def _file(
    collected: dict[int, list[ShamirShare]],
    answers: dict[int, np.ndarray],
    holder: int,
    threshold: int,
) -> None:
    """File shares by owner, one per holder (its point is ``x = position + 1``)."""
    for owner, values in answers.items():
        shares = collected.setdefault(owner, [])
        if all(share.x != holder + 1 for share in shares):
            shares.append(ShamirShare(holder + 1, values, threshold, PRIME, f"secret of {owner}"))


def _unmask_victim(
    seed_shares: dict[int, list[ShamirShare]],
    key_shares: dict[int, list[ShamirShare]],
    masked: dict[int, np.ndarray],
    directory: list[AdvertisedKeys],
    n: int,
    threshold: int,
    known_keys: dict[int, bytes],
) -> np.ndarray | None:
    """Device 0's update, if the server holds ``threshold`` shares of both its seed and its key."""
    if len(seed_shares.get(0, [])) < threshold:
        return None
    seed = _rebuild(seed_shares[0], threshold)
    y = masked[0] - self_mask(seed, masked[0].size)
    if len(key_shares.get(0, [])) >= threshold:  # split: the victim's own mask key
        key = _rebuild(key_shares[0], threshold)
        for other in range(1, n):
            y = y - pairwise_mask(key, directory[other].mask, y.size)
        return decode(y)
    for other in range(1, n):  # short list: every other device's mask key, or none
        if other in known_keys:  # a colluder's own key
            key = known_keys[other]
        elif len(key_shares.get(other, [])) >= threshold:
            key = _rebuild(key_shares[other], threshold)
        else:
            return None
        y = y - pairwise_mask(key, directory[0].mask, y.size)
    return decode(y)


def _rebuild(shares: list[ShamirShare], threshold: int) -> bytes:
    return join_secret(shamir_reconstruct(shares[:threshold]))
