"""Protocols on additive shares: secure sum and mean, products and dot products, their costs.

Every protocol runs its parties on a recording :class:`~privlab.mpc.network.Network`
and returns a :class:`ProtocolResult`: the output, and the network with every
message, to show who sent what to whom and what each party saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._guard import BOOLEAN, LABEL, SECRETS, TIED, guard, whole
from ..errors import InvalidParameterError
from ..randomness import SecretRandom
from .additive import MAX_PARTIES, AdditiveShare, share_additive
from .beaver import Dealer, _party_names, beaver_multiply, open_shares
from .network import Network, Party, _name
from .ring import _encode, _shown, decode, encode, ring_add, ring_sum

__all__ = [
    "ProtocolResult",
    "protocol_cost",
    "secure_dot_product",
    "secure_mean",
    "secure_product",
    "secure_sum",
]

_WORD = 8  # bytes per ring element


@dataclass(frozen=True, eq=False)
class ProtocolResult:
    """The ``output`` every party learns, the ``network`` with every message, the ``parties``."""

    output: Any
    network: Network
    parties: tuple[str, ...]

    @property
    def stats(self) -> dict[str, int]:
        """Rounds, messages and bytes sent: ``network.stats()``."""
        return self.network.stats()


def _inputs_and_tamper(arguments: dict[str, Any]) -> None:
    names = _check_inputs(arguments["inputs"], arguments["fixed_point"])[0]
    if "tamper" in arguments:
        arguments["tamper"] = _tampering(arguments["tamper"], names, arguments["fixed_point"])


@guard(
    inputs=TIED,
    fixed_point=BOOLEAN,
    rng=SECRETS,
    label=LABEL,
    tamper=TIED,
    where=_inputs_and_tamper,
)
def secure_sum(
    inputs: dict[str, Any],
    *,
    fixed_point: bool = False,
    rng: np.random.Generator | int | None = None,
    label: str = "input",
    tamper: dict[str, Any] | None = None,
) -> ProtocolResult:
    """Add up the parties' private inputs without anyone seeing another's input.

    1. **Round 1.** Each party splits its input :math:`x_j` into additive
       shares :math:`x_j = \\sum_i r_{j,i}`, keeps :math:`r_{j,j}` and sends
       :math:`r_{j,i}` to party :math:`i`.
    2. **Local.** Each party adds the shares it holds, one of every input:
       :math:`p_i = \\sum_j r_{j,i}`.
    3. **Round 2.** Each party announces :math:`p_i`; everyone computes
       :math:`\\sum_i p_i = \\sum_j x_j`.

    Every share a party receives is uniform whatever the inputs, so its view
    reveals nothing beyond the total.

    Parameters
    ----------
    inputs : dict of str to number or array-like
        Each party's name and private input, all of one shape (summed element
        by element): whole numbers, or decimals with ``fixed_point=True``.
    fixed_point : bool, default False
        Encode decimals in fixed point (16 fraction bits).
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic. A seed: for lessons and tests only.
    label : str, default "input"
        What the inputs are, for the message labels (``"share of <label>"``).
    tamper : dict of str to number, optional
        Amounts the named parties secretly add to the partial sum they announce,
        as a *malicious* party would: nobody notices, the output is off. The
        protocol is secure only against parties that follow it (semi-honest).

    Returns
    -------
    ProtocolResult
        ``output`` is the sum (it wraps around modulo 2^64 if it does not fit).

    >>> result = secure_sum({"alice": 30, "bob": 12, "carol": -2}, rng=0)
    >>> result.output
    40
    >>> result.stats
    {'rounds': 2, 'messages': 12, 'bytes': 96}
    >>> [(row["from"], row["label"]) for row in result.network.table("alice")]
    [('bob', 'share of input'), ('carol', 'share of input'),
     ('bob', 'partial sum'), ('carol', 'partial sum')]
    """
    names, ring_inputs, was_scalar = _check_inputs(inputs, fixed_point)  # encoded
    network = Network()
    parties = [network.join(Party(name, inputs[name])) for name in names]
    for party, ring_input in zip(parties, ring_inputs, strict=True):
        party.memory["input in the ring"] = ring_input

    # Round 1: each party shares its input among all parties.
    for owner, party in enumerate(parties):
        ring_input = party.memory["input in the ring"]
        shares = _share_input(ring_input, owner, names, network, f"share of {label}", rng)
        party.memory["own share"] = shares[owner].value  # it keeps its own, sends the rest
    network.next_round()
    # Local: each party adds the shares it holds, one of every input.
    for party in parties:
        held = [party.memory["own share"], *party.received(f"share of {label}")]
        party.memory["partial sum"] = ring_sum(held)
    for name, amount in (tamper or {}).items():  # checked and encoded at the door
        cheater = parties[names.index(name)]
        cheater.memory["partial sum"] = ring_add(cheater.memory["partial sum"], amount)
    # Round 2: each party announces its partial sum, and adds up everyone's.
    for party in parties:
        party.broadcast(network, names, party.memory["partial sum"], "partial sum")
    network.next_round()
    for party in parties:
        party.memory["total"] = ring_sum(
            [party.memory["partial sum"], *party.received("partial sum")]
        )

    total = decode(parties[0].memory["total"], fixed_point=fixed_point)
    return ProtocolResult(_scalar_or_array(total, was_scalar), network, tuple(names))


def _tampering(tamper: Any, names: list[str], fixed_point: bool) -> dict[str, np.ndarray]:
    """Check ``tamper`` (party name to amount) and encode the amounts for the ring."""
    if tamper is None:
        return {}
    if not isinstance(tamper, dict) or not set(tamper) <= set(names):
        raise InvalidParameterError(
            f"tamper must be a dict from party names ({', '.join(names)}) to amounts; "
            f"got {tamper!r}."
        )
    return {name: encode(amount, fixed_point=fixed_point) for name, amount in tamper.items()}


@guard(inputs=TIED, fixed_point=BOOLEAN, rng=SECRETS, label=LABEL, where=_inputs_and_tamper)
def secure_mean(
    inputs: dict[str, Any],
    *,
    fixed_point: bool = True,
    rng: np.random.Generator | int | None = None,
    label: str = "input",
) -> ProtocolResult:
    """The average of the parties' private inputs: a secure sum divided by the number of parties.

    .. math:: \\bar{x} = \\frac{1}{n} \\sum_{j=1}^{n} x_j

    The number of parties :math:`n` is public, so dividing by it reveals nothing
    new. Decimals by default: each input is rounded to a multiple of :math:`2^{-16}`.

    Parameters
    ----------
    inputs, rng, label
        As for :func:`secure_sum`.
    fixed_point : bool, default True
        Encode the inputs in fixed point (``False`` for whole numbers only).

    Returns
    -------
    ProtocolResult
        ``output`` is the mean (a float, or an array of floats).

    >>> salaries = {"ana": 3150.25, "ben": 2890.50, "chloé": 4020.75}
    >>> result = secure_mean(salaries, rng=0, label="salary")
    >>> round(result.output, 2)
    3353.83
    >>> result.network.table("ben")[0]["label"]
    'share of salary'
    """
    summed = secure_sum(inputs, fixed_point=fixed_point, rng=rng, label=label)
    mean = np.asarray(summed.output, dtype=np.float64) / len(summed.parties)
    output = mean.item() if mean.ndim == 0 else mean
    return ProtocolResult(output, summed.network, summed.parties)


def _whole(name: str, value: Any) -> np.ndarray:
    return _encode(name, value, False)


def _same_shape(arguments: dict[str, Any]) -> None:
    x_ring, y_ring = arguments["x"], arguments["y"]
    if x_ring.shape != y_ring.shape:
        raise InvalidParameterError(
            f"y must have the shape of x {x_ring.shape}; got shape {y_ring.shape}."
        )


@guard(parties=whole(2, MAX_PARTIES), x=_whole, y=_whole, rng=SECRETS, where=_same_shape)
def secure_product(
    x: Any, y: Any, *, parties: int = 2, rng: np.random.Generator | int | None = None
) -> ProtocolResult:
    """Multiply party 0's private ``x`` by party 1's ``y`` (element by element, mod 2^64).

    Round 1: both share their input and the dealer sends a triple; round 2: the
    openings of :func:`beaver_multiply`; round 3: :func:`open_shares` of :math:`xy`.

    >>> result = secure_product(6, -7, rng=0)
    >>> result.output
    -42
    >>> result.stats
    {'rounds': 3, 'messages': 14, 'bytes': 112}
    >>> sorted({row["label"] for row in result.network.table() if row["round"] == 2})
    ['d = x − a (opened)', 'e = y − b (opened)']
    """
    network, names, z_shares = _beaver_product(x, y, parties, rng)
    product = decode(open_shares(z_shares, network, "x·y (opened)", names=names))
    return ProtocolResult(_scalar_or_array(product, x.ndim == 0), network, tuple(names))


def _vector(name: str, value: Any) -> np.ndarray:
    ring = _encode(name, value, False)
    if ring.ndim != 1 or ring.size == 0:
        raise InvalidParameterError(
            f"{name} must be a non-empty 1-d array of whole numbers; got shape {ring.shape}."
        )
    return ring


def _same_length(arguments: dict[str, Any]) -> None:
    x_ring, y_ring = arguments["x_vector"], arguments["y_vector"]
    if x_ring.shape != y_ring.shape:
        raise InvalidParameterError(
            f"y_vector must have the length of x_vector ({x_ring.size}); got {y_ring.size}."
        )


@guard(
    parties=whole(2, MAX_PARTIES),
    x_vector=_vector,
    y_vector=_vector,
    rng=SECRETS,
    where=_same_length,
)
def secure_dot_product(
    x_vector: Any, y_vector: Any, *, parties: int = 2, rng: np.random.Generator | int | None = None
) -> ProtocolResult:
    """The dot product :math:`\\sum_k x_k y_k` of party 0's and party 1's private vectors.

    The elementwise products in one :func:`beaver_multiply`; each party adds up its
    shares of them (a local step), and only the sum is opened.

    >>> result = secure_dot_product([1, 2, 3], [4, -5, 6], rng=0)
    >>> result.output
    12
    >>> result.stats
    {'rounds': 3, 'messages': 14, 'bytes': 304}
    """
    network, names, z_shares = _beaver_product(x_vector, y_vector, parties, rng)
    sums = [z.sum() for z in z_shares]  # local: each party adds its shares of the products
    dot = decode(open_shares(sums, network, "x·y (opened)", names=names))
    return ProtocolResult(dot.item(), network, tuple(names))


def _beaver_product(
    x: np.ndarray, y: np.ndarray, parties: int, rng: SecretRandom
) -> tuple[Network, list[str], list[AdditiveShare]]:
    """Party 0 shares x, party 1 shares y (round 1, with the dealer's triple); then the
    shares of x * y by :func:`beaver_multiply`."""
    names = _party_names(parties)
    network = Network()
    for name, value in zip(names, [x, y] + [None] * (parties - 2), strict=True):
        network.join(Party(name, value))
    x_shares = _share_input(x, 0, names, network, "share of x", rng)
    y_shares = _share_input(y, 1, names, network, "share of y", rng)
    z_shares = beaver_multiply(x_shares, y_shares, Dealer(), network, rng=rng, names=names)
    return network, names, z_shares


def _share_input(
    value: np.ndarray, owner: int, names: Sequence[str], network: Network, label: str, rng: Any
) -> list[AdditiveShare]:
    """Party ``owner`` shares ``value``: it keeps its own share and sends the others theirs."""
    shares = share_additive(value, len(names), rng=rng)
    for receiver, share in zip(names, shares, strict=True):
        if receiver != names[owner]:
            network.send(names[owner], receiver, share.value, label)
    return shares


PROTOCOLS = ("sum", "mean", "product", "dot")


def _protocol(name: str, value: Any) -> str:
    if value not in PROTOCOLS:
        raise InvalidParameterError(
            f"{name} must be one of {', '.join(map(repr, PROTOCOLS))}; got {value!r}."
        )
    return value


@guard(protocol=_protocol, parties=whole(2), values=whole(1))
def protocol_cost(protocol: str, parties: int, values: int) -> dict[str, int]:
    """Rounds, messages and bytes a protocol sends, in closed form: what the Network records.

    With :math:`n` parties, :math:`P = n(n-1)` ordered pairs and :math:`m` values
    (8 bytes each) per message: ``"sum"`` and ``"mean"`` take 2 rounds and
    :math:`2P` messages (shares, partial sums); ``"product"`` 3 rounds and
    :math:`2(n-1) + 3n + 2P + P` messages (inputs, dealer, openings of
    :math:`d, e`, of the product), each of :math:`m` values; ``"dot"`` the same,
    with one value in the final opening.

    >>> protocol_cost("sum", parties=5, values=1)
    {'rounds': 2, 'messages': 40, 'bytes': 320}
    >>> protocol_cost("dot", parties=2, values=10)
    {'rounds': 3, 'messages': 14, 'bytes': 976}
    """
    n, m = parties, values
    pairs = n * (n - 1)
    if protocol in ("sum", "mean"):
        return {"rounds": 2, "messages": 2 * pairs, "bytes": _WORD * m * 2 * pairs}
    before_output = 2 * (n - 1) + 3 * n + 2 * pairs  # inputs, dealer, openings of d and e
    output_values = m if protocol == "product" else 1
    return {
        "rounds": 3,
        "messages": before_output + pairs,
        "bytes": _WORD * (m * before_output + output_values * pairs),
    }


def _check_inputs(inputs: Any, fixed_point: bool) -> tuple[list[str], list[np.ndarray], bool]:
    """Names, encoded inputs (all of one shape), and whether they were single numbers."""
    if not isinstance(inputs, dict) or len(inputs) < 2:
        raise InvalidParameterError(
            "inputs must be a dict of at least 2 parties' inputs, {name: value}; "
            f"got {_shown(inputs)}."
        )
    names = [_name("each name in inputs", name) for name in inputs]
    ring_inputs = [
        _encode(f"inputs[{name!r}]", value, fixed_point) for name, value in inputs.items()
    ]
    shapes = {ring.shape for ring in ring_inputs}
    if len(shapes) > 1:
        described = ", ".join(
            f"{name!r}: {ring.shape}" for name, ring in zip(names, ring_inputs, strict=True)
        )
        raise InvalidParameterError(f"inputs must all have the same shape; got {described}.")
    return names, ring_inputs, ring_inputs[0].ndim == 0


def _scalar_or_array(array: np.ndarray, was_scalar: bool) -> Any:
    """A plain Python number when the inputs were single numbers."""
    return array.item() if was_scalar else array
