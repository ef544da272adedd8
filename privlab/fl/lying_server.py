"""A server that lies about who dropped out, and what it can read: the attack on secure aggregation.

A server holding both shares of the self-mask seed and of the mask key of one
honest device unmasks it. With ``c`` colluding devices it can try two lies:
**split** (tell one group the victim survived, another that it dropped), which
works when :math:`2t \\le n + c` and which the consistency round cannot stop; and
**short list** (tell everyone only the victim and the colluders survived), which
the consistency round stops unless :math:`c \\ge t - 1`. Bonawitz et al. take
:math:`t > 2n/3` and fewer than :math:`n/3` colluders: both lies then fail.

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

from .._guard import BOOLEAN, SECRETS, TIED, Seed, guard, integer
from ..errors import ProtocolAbortedError
from ..mpc.shamir import shamir_reconstruct
from . import _checks as check
from .secagg import decode, pairwise_mask, self_mask
from .secagg_protocol import (
    _CHUNKS,
    Shares,
    _Device,
    _enrol,
    _file,
    _masked_input,
    _Run,
    join_secret,
)

__all__ = ["LyingServerResult", "lying_server"]


@dataclass(frozen=True, eq=False)
class LyingServerResult:
    """What a lying server got out of one run.

    ``read`` is the victim's update as the server rebuilt it (``None`` if every
    lie failed), ``strategy`` the lie that worked (``"split"`` or ``"short
    list"``), ``refused`` each lie's honest devices (positions) that refused to go on.
    """

    read: np.ndarray | None
    strategy: str | None
    refused: dict[str, tuple[int, ...]]


def _lie(arguments: dict[str, Any]) -> None:
    check.protocol_run(arguments)
    high = len(arguments["updates"]) - 1
    arguments["colluders"] = integer("colluders", arguments["colluders"], low=0, high=high)


@guard(
    updates=check.device_updates(),
    threshold=TIED,
    colluders=TIED,
    consistency=BOOLEAN,
    rng=SECRETS,
    where=_lie,
)
def lying_server(
    updates: Any, *, threshold: int, colluders: int, consistency: bool = True, rng: Seed = None
) -> LyingServerResult:
    """Run secure aggregation against a server that lies, helped by ``colluders`` devices.

    ``updates``: one row per device. Device 0 is the victim, the last ``colluders``
    devices (:math:`c`, 0 to :math:`n - 1`) are on the server's side, no device drops
    out; the server tries the split lie, then the short list. ``consistency`` runs the
    round of signed lists of survivors, as :func:`~privlab.fl.secagg.secure_aggregate`
    does. ``read`` of the result is the victim's update if a lie worked, else ``None``.
    """
    n = len(updates)
    devices, run, _ = _enrol(updates, 32, 16, threshold, rng)
    masked = _masked_input(devices, run, 32)
    side, honest = devices[n - colluders :], devices[1 : n - colluders]  # devices[0]: the victim
    everyone, cut = frozenset(range(n)), max(0, threshold - colluders - 1)
    lies = {
        "split": [([devices[0], *honest[:cut]], everyone), (honest[cut:], everyone - {0})],
        "short list": [([devices[0], *honest], frozenset({0}) | {d.position for d in side})],
    }
    refused: dict[str, tuple[int, ...]] = {}
    for strategy, groups in lies.items():
        for device in devices:
            device.signed_list = None  # each lie is tried on a fresh run
        seed_shares, key_shares, refused[strategy] = _ask(groups, side, run, consistency)
        known = {c.position: bytes(c.mask_key) for c in side}
        read = _unmask_victim(seed_shares, key_shares, masked, run, known)
        if read is not None:
            return LyingServerResult(read, strategy, refused)
    return LyingServerResult(None, None, refused)


def _ask(
    groups: list[tuple[list[_Device], frozenset[int]]],
    side: list[_Device],
    run: _Run,
    consistency: bool,
) -> tuple[Shares, Shares, tuple[int, ...]]:
    """Show each group its list; collect what honest devices send and all the colluders hold."""
    seed_shares: Shares = {}
    key_shares: Shares = {}
    refusing: set[int] = set()
    for group, survivors in groups:
        signatures: dict[int, bytes] | None = None
        answering = group
        if consistency:  # only devices on the list sign it; colluders sign anything
            message = run.survivor_message(survivors)
            signatures = {c.position: c.identity.sign(message).signature for c in side}
            answering = []
            for device in (d for d in group if d.position in survivors):
                try:
                    signatures[device.position] = device.sign_survivors(survivors, run)
                    answering.append(device)
                except ProtocolAbortedError:
                    refusing.add(device.position)
        for device in answering:
            try:
                seeds, keys = device.unmasking_shares(survivors, signatures, run)
            except ProtocolAbortedError:
                refusing.add(device.position)
                continue
            _file(seed_shares, key_shares, seeds, keys, device.position, run.threshold)
    for colluder in side:  # hands over both kinds of every share it holds
        for owner in range(len(run.directory)):
            share = colluder.open_share(owner, run)
            seeds, keys = {owner: share[_CHUNKS:]}, {owner: share[:_CHUNKS]}
            _file(seed_shares, key_shares, seeds, keys, colluder.position, run.threshold)
    return seed_shares, key_shares, tuple(sorted(refusing))


def _unmask_victim(
    seed_shares: Shares,
    key_shares: Shares,
    masked: dict[int, np.ndarray],
    run: _Run,
    known_keys: dict[int, bytes],
) -> np.ndarray | None:
    """Device 0's update, if the server holds ``threshold`` shares of both its seed and its key."""
    t, n = run.threshold, len(run.directory)

    def rebuilt(shares: Shares, owner: int) -> bytes | None:
        enough = len(shares.get(owner, [])) >= t
        return join_secret(shamir_reconstruct(shares[owner][:t])) if enough else None

    seed = rebuilt(seed_shares, 0)
    if seed is None:
        return None
    y = masked[0] - self_mask(seed, masked[0].size)
    key = rebuilt(key_shares, 0)
    if key is not None:  # split: the victim's own mask key
        for other in range(1, n):
            y = y - pairwise_mask(key, run.directory[other].mask, y.size)
        return decode(y)
    for other in range(1, n):  # short list: every other device's mask key, or none
        key = known_keys[other] if other in known_keys else rebuilt(key_shares, other)
        if key is None:
            return None
        y = y - pairwise_mask(key, run.directory[0].mask, y.size)
    return decode(y)
