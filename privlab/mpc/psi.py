"""Private set intersection: which customers two parties share, and nothing more.

Exchanging the lists (:func:`naive_join`) would show everything; the
Diffie-Hellman protocol of :func:`private_intersection` shows only
random-looking curve points (Meadows 1986; Huberman, Franklin and Hogg 1999;
the matching step of Google's Private Join and Compute). Each id :math:`x`
becomes a point :math:`H(x)` of edwards25519 (:func:`hash_to_point`), and each
party raises points to its own secret scalar (:func:`blind`). Blinding commutes:

.. math:: \\left(H(x)^{\\alpha}\\right)^{\\beta} = \\left(H(x)^{\\beta}\\right)^{\\alpha}

so a shared id blinds to the same value on both sides, while a point blinded by
the other's secret cannot be linked to any id (decisional Diffie-Hellman). Each
party learns which of its own ids are shared and the length of the other's
list. Semi-honest parties only; a party can test any id by putting it in its list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from nacl import bindings
from nacl import exceptions as nacl_errors

from .._guard import SECRETS, guard
from ..errors import InvalidParameterError
from .network import Network, Party, _name, _string
from .ring import _shown

__all__ = [
    "NaiveJoin",
    "PSIResult",
    "blind",
    "hash_to_point",
    "naive_join",
    "private_intersection",
    "random_scalar",
]

_POINT_BYTES = 32  # an edwards25519 point, compressed
_SCALAR_BYTES = 32  # a number modulo the group order, little-endian
_HASH_PERSON = b"privlab-psi-v1"  # domain separation: no other use of BLAKE2b gives these hashes
_MY_IDS = "my ids, blinded by me"  # the labels of rounds 1 and 2
_YOUR_IDS = "your ids, blinded by both of us"

_ZERO_SCALAR = bytes(_SCALAR_BYTES)


@guard(identifier=_string)
def hash_to_point(identifier: str) -> bytes:
    """Map an id to a point of the curve, the same point for everyone: :math:`H(x)`.

    BLAKE2b of the id's UTF-8 bytes, then Elligator 2 into the prime-order group
    (a teaching choice, not RFC 9380's hash-to-curve): nobody knows the point's
    discrete logarithm. Ids are compared exactly as strings.

    >>> point = hash_to_point("customer 42")
    >>> len(point), point == hash_to_point("customer 42"), point == hash_to_point("customer 43")
    (32, True, False)
    """
    # "surrogatepass": even a string holding a lone surrogate has UTF-8 bytes.
    data = identifier.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(data, digest_size=32, person=_HASH_PERSON).digest()
    return bindings.crypto_core_ed25519_from_uniform(digest)


@guard(rng=SECRETS)
def random_scalar(rng: np.random.Generator | int | None = None) -> bytes:
    """A secret scalar: a random nonzero number modulo the group order :math:`\\ell`.

    64 random bytes reduced modulo :math:`\\ell \\approx 2^{252}`: almost exactly
    uniform; zero is drawn again.

    >>> random_scalar(rng=3) == random_scalar(rng=3)
    True
    """
    while True:
        scalar = bindings.crypto_core_ed25519_scalar_reduce(rng.bytes(64))
        if scalar != _ZERO_SCALAR:
            return scalar


def _check_scalar(name: str, scalar: Any) -> bytes:
    if not isinstance(scalar, bytes) or len(scalar) != _SCALAR_BYTES:
        raise InvalidParameterError(
            f"{name} must be {_SCALAR_BYTES} bytes (from random_scalar); got {_shown(scalar)}."
        )
    reduced = bindings.crypto_core_ed25519_scalar_reduce(scalar + bytes(32))
    if scalar == _ZERO_SCALAR or reduced != scalar:
        raise InvalidParameterError(
            f"{name} must be a nonzero number below the group order (from random_scalar); "
            f"got {scalar.hex()}."
        )
    return scalar


def _check_points(name: str, points: Any) -> list[bytes]:
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
        raise InvalidParameterError(
            f"{name} must be a list of {_POINT_BYTES}-byte points; got {_shown(points)}."
        )
    for position, point in enumerate(points):
        if not isinstance(point, bytes) or len(point) != _POINT_BYTES:
            raise InvalidParameterError(
                f"{name} must be a list of {_POINT_BYTES}-byte points; "
                f"got {_shown(point)} at position {position}."
            )
    return list(points)


@guard(scalar=_check_scalar, points=_check_points)
def blind(points: Sequence[bytes], scalar: bytes) -> list[bytes]:
    """Raise every point to a secret scalar: :math:`P \\mapsto P^{s}` (scalar multiplication).

    >>> alpha, beta = random_scalar(), random_scalar()
    >>> point = [hash_to_point("ana")]
    >>> blind(blind(point, alpha), beta) == blind(blind(point, beta), alpha)
    True
    """
    multiply = bindings.crypto_scalarmult_ed25519_noclamp
    try:
        return [multiply(scalar, point) for point in points]
    except nacl_errors.RuntimeError:
        position = _first_invalid(points)
        raise InvalidParameterError(
            "points must be points of the curve's prime-order group; "
            f"got {points[position].hex()} at position {position}."
        ) from None


def _first_invalid(points: list[bytes]) -> int:
    """Position of the first point not in the prime-order group (0 if none is found)."""
    for position, point in enumerate(points):
        if not bindings.crypto_core_ed25519_is_valid_point(point):
            return position
    return 0


def _identifiers(name: str, ids: Any) -> list[str]:
    """A list of distinct strings, from a list, tuple or 1-d numpy array."""
    allowed = "a list of id strings (a list, tuple or 1-d numpy array)"
    if isinstance(ids, np.ndarray):
        if ids.ndim != 1:
            raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(ids)}.")
    elif isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(ids)}.")
    ids = list(ids)
    for position, identifier in enumerate(ids):
        if not isinstance(identifier, str):
            raise InvalidParameterError(
                f"{name} must hold only strings; got {_shown(identifier)} at position {position}."
            )
    seen: set[str] = set()
    for identifier in ids:
        if identifier in seen:
            raise InvalidParameterError(
                f"{name} must hold each id once (keep one row per id first, for example "
                f"with list(dict.fromkeys({name}))); got {identifier!r} more than once."
            )
        seen.add(identifier)
    return ids


def _two_names(name: str, names: Any) -> tuple[str, str]:
    """Two different party names."""
    if isinstance(names, str) or not isinstance(names, Sequence) or len(names) != 2:
        raise InvalidParameterError(
            f"{name} must be a pair of party names, such as ('publisher', 'advertiser'); "
            f"got {_shown(names)}."
        )
    first, second = (_name(name, value) for value in names)
    if first == second:
        raise InvalidParameterError(
            f"{name} must be two different party names; got {first!r} twice."
        )
    return first, second


@dataclass(frozen=True, eq=False)
class PSIResult:
    """The outcome of :func:`private_intersection`: ``ids_a[matched_a[k]] == ids_b[matched_b[k]]``.

    Each party works out only its own half; the ``network`` shows what each received.
    """

    matched_a: np.ndarray
    matched_b: np.ndarray
    network: Network
    parties: tuple[str, str]

    @property
    def size(self) -> int:
        return len(self.matched_a)

    @property
    def stats(self) -> dict[str, int]:
        return self.network.stats()

    def __repr__(self) -> str:
        stats = self.stats
        first, second = self.parties
        return (
            f"PSIResult({self.size} shared ids between {first!r} and {second!r}; "
            f"{stats['rounds']} rounds, {stats['messages']} messages, {stats['bytes']} bytes)"
        )


@guard(ids_a=_identifiers, ids_b=_identifiers, names=_two_names, rng=SECRETS)
def private_intersection(
    ids_a: Sequence[str],
    ids_b: Sequence[str],
    *,
    names: Sequence[str] = ("publisher", "advertiser"),
    rng: np.random.Generator | int | None = None,
) -> PSIResult:
    """Find the ids two parties share, showing each only random-looking points.

    1. **Round 1.** A sends :math:`\\{H(a)^{\\alpha}\\}` for its ids, sorted (the
       order says nothing about the rows); B sends :math:`\\{H(b)^{\\beta}\\}`.
    2. **Round 2.** Each blinds the points it received with its own scalar and
       sends them back in the order received.
    3. **Local.** Each party knows the double-blinded values of its own ids and
       of the other's: its ids whose values appear on both sides are shared. Both
       sort them by that value, so both list the shared customers in one order.

    Parameters
    ----------
    ids_a, ids_b : sequence of str
        Each party's ids (a list, tuple or 1-d array of strings), each once
        (equal ids blind to equal points: the other would see the repeats).
    names : pair of str, default ("publisher", "advertiser")
        The parties' names on the network: the holder of ``ids_a`` first.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic. A seed: for lessons and tests only.

    Returns
    -------
    PSIResult
        ``matched_a`` and ``matched_b``, the positions of the shared ids in each
        list, in the common order; ``size``; the ``network``.

    >>> publisher = ["ana", "ben", "chloé", "dan"]
    >>> advertiser = ["dan", "eve", "ana"]
    >>> result = private_intersection(publisher, advertiser, rng=7)
    >>> result.size, result.stats
    (2, {'rounds': 2, 'messages': 4, 'bytes': 448})
    >>> sorted(publisher[row] for row in result.matched_a)
    ['ana', 'dan']
    >>> [publisher[row] for row in result.matched_a]  # the order is random, the same on both sides
    ['dan', 'ana']
    >>> [advertiser[row] for row in result.matched_b]
    ['dan', 'ana']
    >>> [(row["from"], row["label"]) for row in result.network.table("publisher")]
    [('advertiser', 'my ids, blinded by me'), ('advertiser', 'your ids, blinded by both of us')]
    """
    name_a, name_b = names
    network = Network()
    first = network.join(Party(name_a, ids_a))
    second = network.join(Party(name_b, ids_b))
    for party in (first, second):
        party.memory["secret scalar"] = random_scalar(rng)

    # Round 1: each party sends its own ids, blinded by itself, sorted.
    _send_own_ids_blinded(first, second, network)
    _send_own_ids_blinded(second, first, network)
    network.next_round()
    # Round 2: each party blinds the other's points too and sends them back, same order.
    _send_back_blinded_by_both(first, second, network)
    _send_back_blinded_by_both(second, first, network)
    network.next_round()
    # Local: each party finds its shared rows, in the order of their double-blinded values.
    matched_a = _shared_rows(first)
    matched_b = _shared_rows(second)
    return PSIResult(matched_a, matched_b, network, (name_a, name_b))


def _send_own_ids_blinded(party: Party, other: Party, network: Network) -> None:
    """Round 1: send ``{H(x)^s}`` for the party's ids, sorted; remember each point's row."""
    points = [hash_to_point(identifier) for identifier in party.input]
    blinded = blind(points, party.memory["secret scalar"])
    rows_in_sent_order = sorted(range(len(blinded)), key=blinded.__getitem__)
    party.memory["row of each point sent"] = rows_in_sent_order
    party.send(
        network, other.name, _as_payload([blinded[row] for row in rows_in_sent_order]), _MY_IDS
    )


def _send_back_blinded_by_both(party: Party, other: Party, network: Network) -> None:
    """Round 2: blind the other party's points with the party's own scalar; send them back."""
    (their_points,) = party.received(_MY_IDS)
    blinded_by_both = blind(_as_points(their_points), party.memory["secret scalar"])
    party.memory["their ids, blinded by both"] = set(blinded_by_both)
    party.send(network, other.name, _as_payload(blinded_by_both), _YOUR_IDS)


def _shared_rows(party: Party) -> np.ndarray:
    """The party's rows whose double-blinded value the other party has too, sorted by that value."""
    (my_points,) = party.received(_YOUR_IDS)
    theirs = party.memory["their ids, blinded by both"]
    rows = party.memory["row of each point sent"]
    shared = sorted(
        (point, row)
        for point, row in zip(_as_points(my_points), rows, strict=True)
        if point in theirs
    )
    matched = np.array([row for _, row in shared], dtype=np.int64)
    matched.flags.writeable = False
    return matched


def _as_payload(points: list[bytes]) -> np.ndarray:
    """Points as a message: one row of :data:`_POINT_BYTES` bytes (``uint8``) per point."""
    return np.frombuffer(b"".join(points), dtype=np.uint8).reshape(len(points), _POINT_BYTES)


def _as_points(payload: np.ndarray) -> list[bytes]:
    """A received message back as a list of points."""
    raw = payload.tobytes()
    return [raw[start : start + _POINT_BYTES] for start in range(0, len(raw), _POINT_BYTES)]


@dataclass(frozen=True, eq=False)
class NaiveJoin:
    """What each party learns by sending its list: the ``shared`` ids, and by party name the
    ids it has ``seen`` (the other's list) and ``leaked`` (those not shared)."""

    shared: frozenset[str]
    seen: dict[str, frozenset[str]]
    leaked: dict[str, frozenset[str]]

    def __repr__(self) -> str:
        leaks = ", ".join(f"{name} sees {len(ids)} more" for name, ids in self.leaked.items())
        return f"NaiveJoin({len(self.shared)} shared ids; {leaks})"


@guard(ids_a=_identifiers, ids_b=_identifiers, names=_two_names)
def naive_join(
    ids_a: Sequence[str],
    ids_b: Sequence[str],
    *,
    names: Sequence[str] = ("publisher", "advertiser"),
) -> NaiveJoin:
    """The baseline without privacy: the parties exchange their lists and intersect them.

    Each also sees every id of the other that is *not* shared: the publisher's
    users who never bought, the advertiser's customers who never saw the campaign.

    Parameters
    ----------
    ids_a, ids_b, names
        As for :func:`private_intersection`.

    Returns
    -------
    NaiveJoin
        ``shared``, and what each party ``seen`` and ``leaked``, by name.

    >>> join = naive_join(["ana", "ben", "chloé", "dan"], ["dan", "eve", "ana"])
    >>> join
    NaiveJoin(2 shared ids; publisher sees 1 more, advertiser sees 2 more)
    >>> sorted(join.leaked["publisher"]), sorted(join.leaked["advertiser"])
    (['eve'], ['ben', 'chloé'])
    """
    set_a, set_b = frozenset(ids_a), frozenset(ids_b)
    name_a, name_b = names
    shared = set_a & set_b
    return NaiveJoin(
        shared=shared,
        seen={name_a: set_b, name_b: set_a},
        leaked={name_a: set_b - shared, name_b: set_a - shared},
    )
