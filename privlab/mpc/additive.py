"""Additive secret sharing over the ring :math:`\\mathbb{Z}_{2^{64}}`.

Draw :math:`n - 1` shares uniformly and choose the last so that all add up to the
secret :math:`s`. Any :math:`n - 1` shares are uniform whatever the secret, so
they reveal nothing. Shares of two secrets add up locally to shares of the sum;
a public number is added by party 0 alone and multiplied by every party;
multiplying two shared numbers needs :func:`privlab.mpc.beaver.beaver_multiply`.
Randomness: see :mod:`privlab.randomness`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _guard as check
from .._guard import SECRETS, guard, whole
from ..errors import InvalidParameterError, MixedSharesError, NotEnoughSharesError
from ..randomness import SecretRandom
from .ring import _encode, _ring_elements, _short_value, _shown, ring_subtract, ring_sum

__all__ = ["AdditiveShare", "reconstruct_additive", "share_additive"]

MAX_PARTIES = 1_000  # a classroom or a consortium; each party gets a share of every value


def _ring_secrets(name: str, secrets: Any) -> np.ndarray:
    """``uint64`` ring elements as they are; whole numbers encoded."""
    if isinstance(secrets, (np.ndarray, np.generic)) and secrets.dtype == np.uint64:
        return np.asarray(secrets)
    return _encode(name, secrets, fixed_point=False)


def _list_of(name: str, shares: Any, kind: type) -> None:
    """A non-empty list (or tuple) of ``kind`` shares."""
    if (
        not isinstance(shares, (list, tuple))
        or not shares
        or not all(isinstance(share, kind) for share in shares)
    ):
        raise InvalidParameterError(
            f"{name} must be a non-empty list of {kind.__name__} objects; got {_shown(shares)}."
        )


def _repeated(values: list[Any]) -> Any:
    """The first value that comes again, or None."""
    return next((value for i, value in enumerate(values) if value in values[:i]), None)


def _complete_sharing(name: str, shares: Any) -> list[AdditiveShare]:
    """Check that ``shares`` is one full sharing; return it sorted by party."""
    _list_of(name, shares, AdditiveShare)
    sharing_ids = sorted({share.sharing_id for share in shares})
    party_counts = sorted({share.parties for share in shares})
    if len(sharing_ids) > 1 or len(party_counts) > 1:
        raise MixedSharesError(
            f"{name} must all come from one sharing; got shares of {len(sharing_ids)} "
            f"sharings ({', '.join(sharing_ids)}) among {' and '.join(map(str, party_counts))} "
            "parties."
        )
    repeated = _repeated([share.party for share in shares])
    if repeated is not None:
        raise InvalidParameterError(
            f"{name} must come from different parties; got party {repeated} twice."
        )
    needed = shares[0].parties
    if len(shares) < needed:
        raise NotEnoughSharesError(
            f"got {len(shares)} shares, but this sharing needs all {needed} "
            "(additive sharing needs every party's share)."
        )
    return sorted(shares, key=lambda share: share.party)


@guard(parties=whole(2, MAX_PARTIES), rng=SECRETS, secrets=_ring_secrets)
def share_additive(
    secrets: Any, parties: int, *, rng: np.random.Generator | int | None = None
) -> list[AdditiveShare]:
    """Split secrets into ``parties`` additive shares that add up to them modulo 2^64.

    .. math::

        r_0, \\dots, r_{n-2} \\sim \\mathrm{Uniform}(\\mathbb{Z}_{2^{64}}),
        \\qquad r_{n-1} = s - \\sum_{i < n-1} r_i \\bmod 2^{64}

    Parameters
    ----------
    secrets : int, array-like or numpy.ndarray of uint64
        ``uint64`` values are ring elements, as :func:`~privlab.mpc.ring.encode`
        returns them (use it for decimals); whole numbers are encoded for you.
        An array shares each element separately.
    parties : int
        Number of shares, >= 2.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic. A seed: for lessons and tests only.

    Returns
    -------
    list of AdditiveShare
        Share ``i`` is for party ``i``.

    >>> from privlab.mpc import decode
    >>> shares = share_additive(42, parties=3, rng=0)
    >>> [int(share.value) for share in shares]  # each looks like a random number
    [12376120290675959231, 14885767569892266369, 9631600286850877674]
    >>> sum(int(share.value) for share in shares) % 2**64  # together: the secret
    42
    >>> decode(reconstruct_additive(shares))
    array(42)
    """
    masks = _random_ring((parties - 1, *secrets.shape), rng)
    last = ring_subtract(secrets, np.sum(masks, axis=0, dtype=np.uint64))
    sharing_id = _new_sharing_id()
    values = [*masks, last]
    return [
        AdditiveShare(party, parties, _frozen(value), sharing_id)
        for party, value in enumerate(values)
    ]


@guard(shares=_complete_sharing)
def reconstruct_additive(shares: Any) -> np.ndarray:
    """Add up every party's share to get the secrets back, as ring elements.

    .. math:: s = \\sum_{i=0}^{n-1} r_i \\bmod 2^{64}

    Parameters
    ----------
    shares : list of AdditiveShare
        Every party's share of one sharing, in any order.

    Returns
    -------
    numpy.ndarray
        ``uint64`` ring elements; :func:`~privlab.mpc.ring.decode` reads them.

    Raises
    ------
    NotEnoughSharesError, MixedSharesError, InvalidParameterError
        A share missing, shares of different sharings, or two of one party.

    >>> from privlab.mpc import decode, encode
    >>> shares = share_additive(encode(-3.75, fixed_point=True), parties=4, rng=5)
    >>> decode(reconstruct_additive(shares), fixed_point=True)
    array(-3.75)
    """
    return ring_sum([share.value for share in shares])


def _random_ring(shape: tuple[int, ...], rng: SecretRandom) -> np.ndarray:
    """Uniform ring elements from the call's one secret stream: the only random step here."""
    return rng.uint64(shape)


def _new_sharing_id() -> str:
    """A fresh label for one sharing (a name, not a secret)."""
    return os.urandom(6).hex()


def _derived_id(operation: str, *parts: str | np.ndarray) -> str:
    """The label of a result computed from shares: every party derives the same one."""
    digest = hashlib.sha256(operation.encode())
    for part in parts:
        if isinstance(part, str):
            digest.update(b"|" + part.encode())
        else:  # a public value
            array = np.asarray(part)
            digest.update(str(array.shape).encode() + array.tobytes())
    return digest.hexdigest()[:12]


def _frozen(array: np.ndarray) -> np.ndarray:
    """Mark a freshly computed array read-only, so a share cannot be changed by accident."""
    array = np.asarray(array)  # a numpy scalar becomes a 0-d array
    array.flags.writeable = False
    return array


class _Share:
    """The local steps of a share (additive or Shamir): ``+``, ``-``, negation, public ``*``.

    A subclass names its number field (``_field``), says how numbers combine
    (``_apply``), who adds a public number (``_adds_public``), which shares go
    together (``_check_partner``) and what a public number is (``_encoded``).
    """

    _field = "value"
    __array_ufunc__ = None  # numpy arrays on the left (array + share) hand over to the share

    @property
    def shape(self) -> tuple[int, ...]:
        return getattr(self, self._field).shape

    def __add__(self, other: Any) -> Any:
        """This party's share of ``x + y`` (another share) or ``x + c`` (a public number)."""
        return self._combine(other, "+", np.add)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        """This party's share of ``x - y`` (another share) or ``x - c`` (a public number)."""
        return self._combine(other, "-", np.subtract)

    def __rsub__(self, other: Any) -> Any:
        """This party's share of ``c - x`` for a public number ``c``."""
        return -self + other

    def __neg__(self) -> Any:
        """This party's share of ``-x``: every party negates its share."""
        mine = getattr(self, self._field)
        return self._with(self._apply(np.subtract, np.zeros_like(mine), mine), "negate")

    def __mul__(self, other: Any) -> Any:
        """This party's share of ``c * x`` for a public whole number ``c`` (every party)."""
        if isinstance(other, _Share):
            raise InvalidParameterError(
                "other must be a public whole number: multiplying two shared values needs a "
                f"protocol (beaver_multiply, for additive shares); got another "
                f"{type(other).__name__}."
            )
        public = self._public(other)
        value = self._apply(np.multiply, getattr(self, self._field), public)
        return self._with(value, "* public", public)

    __rmul__ = __mul__

    def _combine(self, other: Any, sign: str, operation: np.ufunc) -> Any:
        mine = getattr(self, self._field)
        if isinstance(other, type(self)):
            self._check_partner(other)
            if other.shape != self.shape:
                raise InvalidParameterError(
                    "shares must have the same shape to be combined; "
                    f"got {self.shape} and {other.shape}."
                )
            theirs = getattr(other, other._field)
            return self._with(self._apply(operation, mine, theirs), sign, other.sharing_id)
        public = self._public(other)
        value = self._apply(operation, mine, public) if self._adds_public else mine
        return self._with(value, f"{sign} public", public)

    def _public(self, value: Any) -> np.ndarray:
        public = self._encoded(value)
        if np.broadcast_shapes(public.shape, self.shape) != self.shape:
            raise InvalidParameterError(
                f"public value must have the shape of the share {self.shape} or fewer "
                f"dimensions; got {_shown(public)}."
            )
        return public

    def _with(self, value: np.ndarray, operation: str, *parts: str | np.ndarray) -> Any:
        new_id = _derived_id(operation, self.sharing_id, *parts)
        return dataclasses.replace(self, **{self._field: _frozen(value)}, sharing_id=new_id)


@dataclass(frozen=True, eq=False)
class AdditiveShare(_Share):
    """Party ``party``'s share (``uint64`` ``value``) of a secret shared among ``parties``.

    Shares of different ``sharing_id`` do not go together.

    >>> from privlab.mpc import decode
    >>> x = share_additive(20, parties=3, rng=1)
    >>> y = share_additive(22, parties=3, rng=2)
    >>> total = [x_i + y_i for x_i, y_i in zip(x, y)]  # each party adds its own shares
    >>> decode(reconstruct_additive(total))
    array(42)
    >>> decode(reconstruct_additive([3 * x_i + 100 for x_i in x]))  # party 0 alone adds 100
    array(160)
    """

    party: int
    parties: int
    value: np.ndarray
    sharing_id: str

    def __post_init__(self) -> None:
        parties = check.integer("parties", self.parties, low=2)
        party = check.integer("party", self.party, low=0, high=parties - 1)
        check.label("sharing_id", self.sharing_id)
        value = _ring_elements("value", self.value)
        if value.flags.writeable:  # keep a private copy nobody else can change
            value = _frozen(value.copy())
        object.__setattr__(self, "party", party)
        object.__setattr__(self, "parties", parties)
        object.__setattr__(self, "value", value)

    def sum(self) -> AdditiveShare:
        """This party's share of the sum of all the shared secrets (a local step).

        >>> shares = share_additive([1, 2, 3, 4], parties=2, rng=0)
        >>> int(reconstruct_additive([share.sum() for share in shares]))
        10
        """
        return self._with(np.sum(self.value, dtype=np.uint64), "sum")  # uint64 wraps: mod 2**64

    @property
    def _adds_public(self) -> bool:
        return self.party == 0  # a public number is added once, by party 0

    @staticmethod
    def _apply(operation: np.ufunc, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(operation(a, b))  # uint64 arrays wrap around: modulo 2**64

    def _encoded(self, value: Any) -> np.ndarray:
        return _ring_secrets("public value", value)

    def _check_partner(self, other: AdditiveShare) -> None:
        if other.parties != self.parties:
            raise MixedSharesError(
                "shares must come from sharings among the same number of parties; "
                f"got {self.parties} and {other.parties} parties."
            )
        if other.party != self.party:
            raise MixedSharesError(
                "a party can only combine its own shares; got a share of party "
                f"{self.party} and a share of party {other.party} (parties count from 0). To "
                "get the secret back from all parties' shares, use reconstruct_additive(shares)."
            )

    def __repr__(self) -> str:
        return (
            f"AdditiveShare(party {self.party} of {self.parties}, "
            f"value={_short_value(self.value)}, sharing {self.sharing_id})"
        )
