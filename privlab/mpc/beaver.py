"""Beaver multiplication: the product of two *shared* numbers, with a triple from a dealer.

Adding shares is local; multiplying them is not. A trusted :class:`Dealer` hands
the parties shares of a random triple :math:`(a, b, c = ab)`; the parties open
:math:`d = x - a` and :math:`e = y - b` (a one-time pad on :math:`x` and
:math:`y`), and each computes its share of :math:`xy` locally. One round of
openings per multiplication, all elements of an array at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _guard as check
from .._guard import LABEL, SECRETS, SHAPE, TIED, guard
from ..errors import InvalidParameterError
from .additive import MAX_PARTIES, AdditiveShare, _complete_sharing, _random_ring, share_additive
from .network import Network, _name, _network, _this_round
from .ring import ring_multiply, ring_sum

__all__ = ["BeaverTriple", "Dealer", "beaver_multiply", "open_shares"]


def _dealer(name: str, value: Any) -> Dealer:
    if not isinstance(value, Dealer):
        raise InvalidParameterError(f"{name} must be a Dealer; got {value!r}.")
    return value


def _two_sharings(arguments: dict[str, Any]) -> None:
    """y_shares shared like x_shares; names, one per party."""
    x_shares, y_shares = arguments["x_shares"], arguments["y_shares"]
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
    _names_of(arguments, len(x_shares))


@guard(
    x_shares=_complete_sharing,
    y_shares=_complete_sharing,
    dealer=_dealer,
    network=_network,
    rng=SECRETS,
    names=TIED,
    where=_two_sharings,
)
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
       network's current round: they do not depend on the inputs);
    2. **one round**: each party broadcasts its shares of :math:`d = x - a` and
       :math:`e = y - b`, so everyone learns :math:`d` and :math:`e`. They reveal
       nothing: :math:`a` and :math:`b` are uniform and unknown to the parties;
    3. **local**: party :math:`i` computes
       :math:`z_i = c_i + d\\,b_i + e\\,a_i` (party 0 also adds :math:`de`).

    Then :math:`\\sum_i z_i = ab + (x-a)b + (y-b)a + (x-a)(y-b) = xy`, modulo
    :math:`2^{64}` (whole numbers: a fixed-point product would need rescaling).

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
    triples = dealer.triples(x_shares[0].shape, names, network=network, rng=rng)
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


@dataclass(frozen=True, eq=False)
class BeaverTriple:
    """One party's shares of a Beaver triple: random ``a`` and ``b``, and ``c = a * b`` mod 2^64."""

    a: AdditiveShare
    b: AdditiveShare
    c: AdditiveShare


_optional_network = check.optional(check.instance(Network, "None or a Network"))


def _not_the_dealer(arguments: dict[str, Any]) -> None:
    dealer, names = arguments["self"].name, arguments["parties"]
    if dealer in names:
        raise InvalidParameterError(
            f"parties must not include the dealer's name {dealer!r}; got {names!r}."
        )


class Dealer:
    """A trusted third party that hands out Beaver triples before the inputs are known.

    **The trust assumption**: the dealer knows :math:`a` and :math:`b`, so with the
    opened :math:`d` and :math:`e` it could recover :math:`x` and :math:`y`. It must
    collude with no party; its messages go through the network, so the transcript shows it.

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

    @guard(name=_name)
    def __init__(self, name: str = "dealer") -> None:
        self.name = name

    @guard(
        shape=SHAPE,
        parties=lambda name, value: _party_names(value, name=name),
        network=_optional_network,
        rng=SECRETS,
        where=_not_the_dealer,
    )
    def triples(
        self,
        shape: Any,
        parties: int | Sequence[str],
        *,
        network: Network | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> list[BeaverTriple]:
        """Beaver triples of ``shape``, shared among ``parties`` (a number, or their names);
        with a ``network``, sent through it (three messages per party, this round).

        >>> [type(t).__name__ for t in Dealer().triples(3, parties=2, rng=0)]
        ['BeaverTriple', 'BeaverTriple']
        """
        a = _random_ring(shape, rng)
        b = _random_ring(shape, rng)
        c = ring_multiply(a, b)
        a_shares, b_shares, c_shares = (
            share_additive(value, len(parties), rng=rng) for value in (a, b, c)
        )
        triples = [BeaverTriple(*held) for held in zip(a_shares, b_shares, c_shares, strict=True)]
        if network is not None:
            for name, triple in zip(parties, triples, strict=True):
                network.send(self.name, name, triple.a.value, "share of a (Beaver triple)")
                network.send(self.name, name, triple.b.value, "share of b (Beaver triple)")
                network.send(self.name, name, triple.c.value, "share of c = a·b (Beaver triple)")
        return triples

    def __repr__(self) -> str:
        return f"Dealer({self.name!r})"


def _one_name_each(arguments: dict[str, Any]) -> None:
    _names_of(arguments, len(arguments["shares"]))


@guard(shares=_complete_sharing, network=_network, label=LABEL, names=TIED, where=_one_name_each)
def open_shares(
    shares: Sequence[AdditiveShare],
    network: Network,
    label: str,
    *,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Reveal a shared value to every party: each broadcasts its share (one round).

    .. math:: s = \\sum_i r_i \\bmod 2^{64}

    >>> from privlab.mpc import decode
    >>> network = Network()
    >>> opened = open_shares(share_additive([5, -5], 3, rng=0), network, "result")
    >>> decode(opened), network.stats()
    (array([ 5, -5]), {'rounds': 1, 'messages': 6, 'bytes': 96})
    """
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
    return ring_sum([own.value, *_this_round(network, name, label)])


def _names_of(arguments: dict[str, Any], count: int) -> None:
    names = arguments["names"]
    arguments["names"] = _party_names(count if names is None else names, count=count)


def _party_names(parties: Any, *, count: int | None = None, name: str = "names") -> list[str]:
    """``"party 0"``, ``"party 1"``, ... for a number; the names themselves for a list."""
    if isinstance(parties, int) and not isinstance(parties, bool):
        names = [
            f"party {i}" for i in range(check.integer("parties", parties, low=2, high=MAX_PARTIES))
        ]
    elif isinstance(parties, Sequence) and not isinstance(parties, (str, bytes)):
        names = [_name(f"each of {name}", party) for party in parties]
        if len(set(names)) != len(names) or len(names) < 2:
            raise InvalidParameterError(
                f"{name} must be at least 2 different party names; got {list(parties)!r}."
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
