"""Protocols on additive shares: secure sum and mean, Beaver multiplication, dot products.

Every protocol runs its parties on a recording :class:`~privlab.mpc.network.Network`
and returns a :class:`ProtocolResult`: the output, plus the network with every
message, so a lesson can show who sent what to whom, and what each party saw.

* :func:`secure_sum` and :func:`secure_mean`: each party shares its input among
  all parties; each adds up the shares it holds; the partial sums are
  announced. Two rounds; nobody sees anything but random-looking shares and
  the total.
* :func:`beaver_multiply`: multiplying two *shared* numbers, with a Beaver
  triple :math:`(a, b, c = ab)` from a trusted :class:`Dealer`. One round of
  openings per multiplication (all elements of an array at once).
* :func:`secure_product` and :func:`secure_dot_product`: the whole story,
  from private inputs to the opened result.
* :func:`open_shares`: every party announces its share, so everyone learns the value.
* :func:`protocol_cost`: rounds, messages and bytes in closed form.

With :math:`n` parties and :math:`m` numbers per message, the costs are:

==============  ======  =============================  ==========================================
protocol        rounds  messages                       bytes
==============  ======  =============================  ==========================================
sum, mean       2       :math:`2n(n-1)`                :math:`8m \\cdot 2n(n-1)`
product         3       :math:`3n(n-1) + 2(n-1) + 3n`  :math:`8m` times the messages
dot (length m)  3       :math:`3n(n-1) + 2(n-1) + 3n`  :math:`8m(2n(n-1) + 2(n-1) + 3n) + 8n(n-1)`
==============  ======  =============================  ==========================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError
from ..randomness import SecretRandom
from .additive import (
    MAX_PARTIES,
    AdditiveShare,
    _complete_sharing,
    _random_ring,
    _randomness,
    share_additive,
)
from .network import Network, Party, _name
from .ring import _encode, _shown, decode, encode, ring_add, ring_multiply, ring_sum

__all__ = [
    "BeaverTriple",
    "Dealer",
    "ProtocolResult",
    "beaver_multiply",
    "open_shares",
    "protocol_cost",
    "secure_dot_product",
    "secure_mean",
    "secure_product",
    "secure_sum",
]

_WORD = 8  # bytes per ring element


@dataclass(frozen=True, eq=False)
class ProtocolResult:
    """What a protocol run produced.

    Parameters
    ----------
    output : int, float or numpy.ndarray
        The result every party learns (a Python number for a single value).
    network : Network
        The network, with every message that was sent.
    parties : tuple of str
        The parties' names, in order (party ``i`` holds share ``i``).
    """

    output: Any
    network: Network
    parties: tuple[str, ...]

    @property
    def stats(self) -> dict[str, int]:
        """Rounds, messages and bytes sent: ``network.stats()``."""
        return self.network.stats()


# --------------------------------------------------------------------------
# Secure sum and mean
# --------------------------------------------------------------------------


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

    Every share a party receives is uniformly random whatever the inputs, so
    its view reveals nothing beyond the total (which the partial sums add up to).

    Parameters
    ----------
    inputs : dict of str to number or array-like
        Each party's name and private input, all of one shape; arrays are
        summed element by element. Whole numbers, or decimals with ``fixed_point=True``.
    fixed_point : bool, default False
        Encode decimals in fixed point (16 fraction bits).
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.
    label : str, default "input"
        What the inputs are, for the message labels (``"share of <label>"``).
    tamper : dict of str to number, optional
        For showing the protocol's limits: amounts that the named parties
        secretly add to the partial sum they announce, as a *malicious* party
        would. Nobody notices, and the output is off by the total: this protocol
        is secure only against parties that follow it (semi-honest).

    Returns
    -------
    ProtocolResult
        ``output`` is the sum. It must fit the range of :func:`~privlab.mpc.ring.encode`,
        or it wraps around modulo 2^64.

    Examples
    --------
    >>> result = secure_sum({"alice": 30, "bob": 12, "carol": -2}, rng=0)
    >>> result.output
    40
    >>> result.stats
    {'rounds': 2, 'messages': 12, 'bytes': 96}
    >>> [(row["from"], row["label"]) for row in result.network.table("alice")]
    [('bob', 'share of input'), ('carol', 'share of input'),
     ('bob', 'partial sum'), ('carol', 'partial sum')]
    """
    names, ring_inputs, was_scalar = _check_inputs(inputs, fixed_point)
    label = _label(label)
    generator = _randomness(rng)
    network = Network()
    parties = [network.join(Party(name, inputs[name])) for name in names]
    for party, ring_input in zip(parties, ring_inputs, strict=True):
        party.memory["input in the ring"] = ring_input

    # Round 1: each party shares its input among all parties.
    for party in parties:
        _share_own_input(party, names, network, generator, f"share of {label}")
    network.next_round()
    # Local: each party adds the shares it holds, one of every input.
    for party in parties:
        held = [party.memory["own share"], *party.received(f"share of {label}")]
        party.memory["partial sum"] = ring_sum(held)
    for name, amount in _tampering(tamper, names, fixed_point).items():
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


def secure_mean(
    inputs: dict[str, Any],
    *,
    fixed_point: bool = True,
    rng: np.random.Generator | int | None = None,
    label: str = "input",
) -> ProtocolResult:
    """The average of the parties' private inputs: a secure sum divided by the number of parties.

    .. math:: \\bar{x} = \\frac{1}{n} \\sum_{j=1}^{n} x_j

    The class-average example: each student's salary stays private, the
    average is learnt by all. The number of parties :math:`n` is public (everyone
    knows who takes part), so dividing by it reveals nothing new. Salaries in
    euros with cents are decimals, hence ``fixed_point=True`` by default: each
    input is rounded to a multiple of :math:`2^{-16}` before it is shared.

    Parameters
    ----------
    inputs : dict of str to number or array-like
        As for :func:`secure_sum`.
    fixed_point : bool, default True
        Encode the inputs in fixed point (``False`` for whole numbers only).
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.
    label : str, default "input"
        What the inputs are, for the message labels.

    Returns
    -------
    ProtocolResult
        ``output`` is the mean (a float, or an array of floats); the network
        is that of the secure sum.

    Examples
    --------
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


def _share_own_input(
    party: Party,
    names: Sequence[str],
    network: Network,
    rng: SecretRandom,
    label: str,
) -> None:
    """One party splits its (encoded) input into shares, keeps its own and sends the rest."""
    shares = share_additive(party.memory["input in the ring"], len(names), rng=rng)
    for receiver, share in zip(names, shares, strict=True):
        if receiver == party.name:
            party.memory["own share"] = share.value
        else:
            party.send(network, receiver, share.value, label)


# --------------------------------------------------------------------------
# Multiplication with Beaver triples
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BeaverTriple:
    """One party's shares of a Beaver triple: random ``a`` and ``b``, and ``c = a * b`` mod 2^64."""

    a: AdditiveShare
    b: AdditiveShare
    c: AdditiveShare


class Dealer:
    """A trusted third party that hands out Beaver triples before the inputs are known.

    The dealer draws random :math:`a` and :math:`b`, computes :math:`c = ab`
    modulo :math:`2^{64}` and sends each party additive shares of all three.
    The triples do not depend on the inputs, so they can be made in advance.

    **The trust assumption.** The dealer knows :math:`a` and :math:`b`. Anyone
    who learns them and sees the opened :math:`d = x - a` and :math:`e = y - b`
    gets :math:`x` and :math:`y`. So the dealer must be honest and must not
    collude with any party. Its messages go through the network (sender
    ``"dealer"``) so that this assumption is visible in the transcript. Real
    systems make triples without a dealer, with oblivious transfer or
    homomorphic encryption, at a much higher cost.

    Parameters
    ----------
    name : str, default "dealer"
        The dealer's name on the network.

    Examples
    --------
    >>> from privlab.mpc import decode, reconstruct_additive
    >>> triples = Dealer().triples((), parties=2, rng=0)
    >>> a = reconstruct_additive([t.a for t in triples])
    >>> b = reconstruct_additive([t.b for t in triples])
    >>> c = reconstruct_additive([t.c for t in triples])
    >>> bool(c == a * b)  # uint64 arrays multiply modulo 2**64
    True
    """

    def __init__(self, name: str = "dealer") -> None:
        self.name = _name("name", name)

    def triples(
        self,
        shape: Any,
        parties: int | Sequence[str],
        *,
        network: Network | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> list[BeaverTriple]:
        """Make Beaver triples (one per element of ``shape``) and share them among the parties.

        Parameters
        ----------
        shape : int or tuple of int
            Shape of the arrays to multiply (``()`` for one number).
        parties : int or sequence of str
            The number of parties (named ``"party 0"``, ``"party 1"``, ...) or their names.
        network : Network, optional
            If given, each party's shares of ``a``, ``b`` and ``c`` are sent
            through it (three messages per party, in the network's current round).
        rng : numpy.random.Generator, int or None
            ``None``: cryptographic randomness. A seed: for lessons and tests only.

        Returns
        -------
        list of BeaverTriple
            Entry ``i`` is what party ``i`` receives.
        """
        shape = check.shape("shape", shape)
        names = _party_names(parties)
        if network is not None and not isinstance(network, Network):
            raise InvalidParameterError(f"network must be None or a Network; got {network!r:.60}.")
        if self.name in names:
            raise InvalidParameterError(
                f"parties must not include the dealer's name {self.name!r}; got {names!r}."
            )
        generator = _randomness(rng)
        a = _random_ring(shape, generator)
        b = _random_ring(shape, generator)
        c = ring_multiply(a, b)
        a_shares, b_shares, c_shares = (
            share_additive(value, len(names), rng=generator) for value in (a, b, c)
        )
        triples = [BeaverTriple(*held) for held in zip(a_shares, b_shares, c_shares, strict=True)]
        if network is not None:
            for name, triple in zip(names, triples, strict=True):
                network.send(self.name, name, triple.a.value, "share of a (Beaver triple)")
                network.send(self.name, name, triple.b.value, "share of b (Beaver triple)")
                network.send(self.name, name, triple.c.value, "share of c = a·b (Beaver triple)")
        return triples

    def __repr__(self) -> str:
        return f"Dealer({self.name!r})"


def beaver_multiply(
    x_shares: Sequence[AdditiveShare],
    y_shares: Sequence[AdditiveShare],
    dealer: Dealer,
    network: Network,
    *,
    rng: np.random.Generator | int | None = None,
    names: Sequence[str] | None = None,
) -> list[AdditiveShare]:
    """The parties' shares of :math:`xy` from their shares of :math:`x` and :math:`y`.

    With a Beaver triple :math:`(a, b, c = ab)` shared among the parties:

    1. the dealer sends each party its shares of :math:`a, b, c` (in the
       network's current round: they do not depend on the inputs, so they can
       travel alongside the input shares);
    2. **one round**: each party broadcasts its shares of :math:`d = x - a` and
       :math:`e = y - b`, so everyone learns :math:`d` and :math:`e` (the
       "opening"). They reveal nothing: :math:`a` and :math:`b` are uniform
       and unknown to the parties, a one-time pad on :math:`x` and :math:`y`;
    3. **local**: party :math:`i` computes
       :math:`z_i = c_i + d\\,b_i + e\\,a_i` (party 0 also adds :math:`de`).

    Then :math:`\\sum_i z_i = ab + (x-a)b + (y-b)a + (x-a)(y-b) = xy`.

    Everything is modulo :math:`2^{64}`: whole numbers, not fixed point (a
    fixed-point product would need rescaling).

    Parameters
    ----------
    x_shares, y_shares : list of AdditiveShare
        One full sharing each, of the same shape; arrays are multiplied element by element.
    dealer : Dealer
        Who makes the triple.
    network : Network
        Where the messages go.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: for lessons and tests only.
    names : sequence of str, optional
        Names of the parties on the network (default ``"party 0"``, ``"party 1"``, ...).

    Returns
    -------
    list of AdditiveShare
        Party ``i``'s share of ``x * y`` mod 2^64 at index ``i``.

    Examples
    --------
    >>> from privlab.mpc import decode, reconstruct_additive
    >>> network = Network()
    >>> x = share_additive(-6, parties=2, rng=1)
    >>> y = share_additive(7, parties=2, rng=2)
    >>> z = beaver_multiply(x, y, Dealer(), network, rng=3)
    >>> decode(reconstruct_additive(z))
    array(-42)
    >>> network.stats()  # the dealer's round, then the opening round
    {'rounds': 2, 'messages': 10, 'bytes': 80}
    """
    x_shares = _complete_sharing("x_shares", x_shares)
    y_shares = _complete_sharing("y_shares", y_shares)
    _check_same_sharing_shape(x_shares, y_shares)
    if not isinstance(dealer, Dealer):
        raise InvalidParameterError(f"dealer must be a Dealer; got {dealer!r}.")
    if not isinstance(network, Network):
        raise InvalidParameterError(f"network must be a Network; got {network!r}.")
    names = _party_names(len(x_shares) if names is None else names, count=len(x_shares))
    generator = _randomness(rng)

    triples = dealer.triples(x_shares[0].shape, names, network=network, rng=generator)
    network.next_round()
    d_shares = [x - triple.a for x, triple in zip(x_shares, triples, strict=True)]
    e_shares = [y - triple.b for y, triple in zip(y_shares, triples, strict=True)]
    _announce(d_shares, network, "d = x − a (opened)", names)
    _announce(e_shares, network, "e = y − b (opened)", names)
    products = []
    for d_i, e_i, triple, name in zip(d_shares, e_shares, triples, names, strict=True):
        d = _opened_by(name, d_i, network, "d = x − a (opened)")
        e = _opened_by(name, e_i, network, "e = y − b (opened)")
        products.append(triple.c + triple.b * d + triple.a * e + ring_multiply(d, e))
    network.next_round()
    return products


def open_shares(
    shares: Sequence[AdditiveShare],
    network: Network,
    label: str,
    *,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Reveal a shared value to every party: each broadcasts its share (one round).

    .. math:: s = \\sum_i r_i \\bmod 2^{64}

    Costs :math:`n(n-1)` messages. Every party adds its own share to the
    ones it received; all get the same ring elements.

    Parameters
    ----------
    shares : list of AdditiveShare
        One full sharing.
    network : Network
        Where the messages go.
    label : str
        Label of the messages.
    names : sequence of str, optional
        Names of the parties (default ``"party 0"``, ``"party 1"``, ...).

    Returns
    -------
    numpy.ndarray
        The opened ``uint64`` ring elements (decode them with :func:`~privlab.mpc.ring.decode`).

    Examples
    --------
    >>> from privlab.mpc import decode
    >>> network = Network()
    >>> opened = open_shares(share_additive([5, -5], 3, rng=0), network, "result")
    >>> decode(opened), network.stats()
    (array([ 5, -5]), {'rounds': 1, 'messages': 6, 'bytes': 96})
    """
    shares = _complete_sharing("shares", shares)
    if not isinstance(network, Network):
        raise InvalidParameterError(f"network must be a Network; got {network!r}.")
    label = _label(label)
    names = _party_names(len(shares) if names is None else names, count=len(shares))
    _announce(shares, network, label, names)
    opened = [
        _opened_by(name, share, network, label) for name, share in zip(names, shares, strict=True)
    ]
    network.next_round()
    return opened[0]


def _announce(
    shares: list[AdditiveShare], network: Network, label: str, names: Sequence[str]
) -> None:
    """Each party broadcasts its share to all the others (in the current round)."""
    for share in shares:
        network.broadcast(names[share.party], names, share.value, label)


def _opened_by(name: str, own: AdditiveShare, network: Network, label: str) -> np.ndarray:
    """What one party computes: its own share plus the shares it received this round."""
    received = [
        message.payload
        for message in network.view(name)
        if message.label == label and message.round == network.current_round
    ]
    return ring_sum([own.value, *received])


# --------------------------------------------------------------------------
# Products and dot products, from private inputs to the opened result
# --------------------------------------------------------------------------


def secure_product(
    x: Any,
    y: Any,
    *,
    parties: int = 2,
    rng: np.random.Generator | int | None = None,
) -> ProtocolResult:
    """Multiply party 0's private ``x`` by party 1's private ``y``, with a Beaver triple.

    * **Round 1.** Party 0 shares :math:`x`, party 1 shares :math:`y` among
      all parties; the dealer sends the triple's shares.
    * **Round 2.** The opening of :math:`d = x - a` and :math:`e = y - b`
      (:func:`beaver_multiply`).
    * **Round 3.** Everyone announces its share of :math:`xy` (:func:`open_shares`).

    Parameters
    ----------
    x, y : int or array-like
        Whole numbers of one shape (multiplied element by element). The
        product is computed modulo :math:`2^{64}`: it is exact when it fits
        the signed 64-bit range, and wraps around otherwise.
    parties : int, default 2
        Number of parties (>= 2): ``"party 0"`` owns ``x``, ``"party 1"``
        owns ``y``, any others only help.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.

    Returns
    -------
    ProtocolResult
        ``output`` is ``x * y``; the network records every step.

    Examples
    --------
    >>> result = secure_product(6, -7, rng=0)
    >>> result.output
    -42
    >>> result.stats
    {'rounds': 3, 'messages': 14, 'bytes': 112}
    >>> sorted({row["label"] for row in result.network.table() if row["round"] == 2})
    ['d = x − a (opened)', 'e = y − b (opened)']
    """
    parties = check.integer("parties", parties, low=2, high=MAX_PARTIES)
    x_ring, y_ring = _encode("x", x, False), _encode("y", y, False)
    if x_ring.shape != y_ring.shape:
        raise InvalidParameterError(
            f"y must have the shape of x {x_ring.shape}; got shape {y_ring.shape}."
        )
    network, names, x_shares, y_shares, generator = _share_two_inputs(x_ring, y_ring, parties, rng)
    z_shares = beaver_multiply(x_shares, y_shares, Dealer(), network, rng=generator, names=names)
    product = decode(open_shares(z_shares, network, "x·y (opened)", names=names))
    return ProtocolResult(_scalar_or_array(product, x_ring.ndim == 0), network, tuple(names))


def secure_dot_product(
    x_vector: Any,
    y_vector: Any,
    *,
    parties: int = 2,
    rng: np.random.Generator | int | None = None,
) -> ProtocolResult:
    """The dot product :math:`\\sum_k x_k y_k` of party 0's and party 1's private vectors.

    All the elementwise products are computed at once with :func:`beaver_multiply`
    (one round of openings for the whole vector); each party then adds up its
    shares of the products (a local step), and only the sum is opened.

    Parameters
    ----------
    x_vector, y_vector : array-like
        1-d arrays of whole numbers, of the same length. The result is
        computed modulo :math:`2^{64}` (exact when it fits the signed 64-bit range).
    parties : int, default 2
        Number of parties (>= 2).
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.

    Returns
    -------
    ProtocolResult
        ``output`` is the dot product, a Python int.

    Examples
    --------
    >>> result = secure_dot_product([1, 2, 3], [4, -5, 6], rng=0)
    >>> result.output
    12
    >>> result.stats
    {'rounds': 3, 'messages': 14, 'bytes': 304}
    """
    parties = check.integer("parties", parties, low=2, high=MAX_PARTIES)
    x_ring, y_ring = _encode("x_vector", x_vector, False), _encode("y_vector", y_vector, False)
    for name, ring in (("x_vector", x_ring), ("y_vector", y_ring)):
        if ring.ndim != 1 or ring.size == 0:
            raise InvalidParameterError(
                f"{name} must be a non-empty 1-d array of whole numbers; got shape {ring.shape}."
            )
    if x_ring.shape != y_ring.shape:
        raise InvalidParameterError(
            f"y_vector must have the length of x_vector ({x_ring.size}); got {y_ring.size}."
        )
    network, names, x_shares, y_shares, generator = _share_two_inputs(x_ring, y_ring, parties, rng)
    z_shares = beaver_multiply(x_shares, y_shares, Dealer(), network, rng=generator, names=names)
    sums = [z.sum() for z in z_shares]  # local: each party adds its shares of the products
    dot = decode(open_shares(sums, network, "x·y (opened)", names=names))
    return ProtocolResult(dot.item(), network, tuple(names))


def _share_two_inputs(
    x_ring: np.ndarray, y_ring: np.ndarray, parties: int, rng: Any
) -> tuple[Network, list[str], list[AdditiveShare], list[AdditiveShare], Any]:
    """Round 1 of a product: party 0 shares x, party 1 shares y (the round stays open).

    ``x_shares[i]`` is what party ``i`` then holds: party 0 kept its share of
    x, the others received theirs.
    """
    generator = _randomness(rng)
    names = _party_names(parties)
    network = Network()
    inputs = [x_ring, y_ring] + [None] * (parties - 2)
    members = [network.join(Party(name, value)) for name, value in zip(names, inputs, strict=True)]
    held = []
    for owner, label in ((members[0], "share of x"), (members[1], "share of y")):
        shares = share_additive(owner.input, parties, rng=generator)
        for receiver, share in zip(names, shares, strict=True):
            if receiver != owner.name:
                owner.send(network, receiver, share.value, label)
        held.append(shares)
    return network, names, held[0], held[1], generator


# --------------------------------------------------------------------------
# Costs in closed form
# --------------------------------------------------------------------------

PROTOCOLS = ("sum", "mean", "product", "dot")


def protocol_cost(protocol: str, parties: int, values: int) -> dict[str, int]:
    """Rounds, messages and bytes a protocol sends, in closed form.

    With :math:`n` parties, :math:`P = n(n-1)` ordered pairs, and :math:`m`
    values (8 bytes each) per message:

    * ``"sum"`` and ``"mean"``: 2 rounds; shares (:math:`P`) and partial sums
      (:math:`P`): :math:`2P` messages, :math:`16 m P` bytes.
    * ``"product"``: 3 rounds; input shares :math:`2(n-1)`, the dealer's
      :math:`3n`, openings of :math:`d, e` :math:`2P`, opening of the product
      :math:`P`; every message carries :math:`m` values.
    * ``"dot"`` (vectors of length :math:`m`): the same messages, but the
      final opening carries one value.

    These are exactly the counts :class:`~privlab.mpc.network.Network` records
    when the protocols run.

    Parameters
    ----------
    protocol : {"sum", "mean", "product", "dot"}
        Which protocol.
    parties : int
        Number of parties, >= 2.
    values : int
        Numbers per input (the vector length for ``"dot"``), >= 1.

    Returns
    -------
    dict
        ``{"rounds": ..., "messages": ..., "bytes": ...}``.

    Examples
    --------
    >>> protocol_cost("sum", parties=5, values=1)
    {'rounds': 2, 'messages': 40, 'bytes': 320}
    >>> protocol_cost("dot", parties=2, values=10)
    {'rounds': 3, 'messages': 14, 'bytes': 976}
    """
    if protocol not in PROTOCOLS:
        raise InvalidParameterError(
            f"protocol must be one of {', '.join(map(repr, PROTOCOLS))}; got {protocol!r}."
        )
    n = check.integer("parties", parties, low=2)
    m = check.integer("values", values, low=1)
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


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


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


def _check_same_sharing_shape(x_shares: list[AdditiveShare], y_shares: list[AdditiveShare]) -> None:
    if x_shares[0].parties != y_shares[0].parties:
        raise InvalidParameterError(
            f"y_shares must be shared among as many parties as x_shares ({x_shares[0].parties}); "
            f"got {y_shares[0].parties}."
        )
    if x_shares[0].shape != y_shares[0].shape:
        raise InvalidParameterError(
            f"y_shares must have the shape of x_shares {x_shares[0].shape}; "
            f"got {y_shares[0].shape}."
        )


def _party_names(parties: Any, *, count: int | None = None) -> list[str]:
    """``"party 0"``, ``"party 1"``, ... for a number; the names themselves for a list."""
    if isinstance(parties, int) and not isinstance(parties, bool):
        names = [
            f"party {i}" for i in range(check.integer("parties", parties, low=2, high=MAX_PARTIES))
        ]
    elif _is_list(parties):
        names = [_name("each party name", name) for name in parties]
        if len(set(names)) != len(names) or len(names) < 2:
            raise InvalidParameterError(
                f"names must be at least 2 different party names; got {list(parties)!r}."
            )
    else:
        raise InvalidParameterError(
            f"parties must be a number of parties or a list of names; got {parties!r}."
        )
    if count is not None and len(names) != count:
        raise InvalidParameterError(
            f"names must name each of the {count} parties; got {len(names)} names."
        )
    return names


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise InvalidParameterError(f"label must be a non-empty string; got {label!r}.")
    return label


def _scalar_or_array(array: np.ndarray, was_scalar: bool) -> Any:
    """A plain Python number when the inputs were single numbers."""
    return array.item() if was_scalar else array
