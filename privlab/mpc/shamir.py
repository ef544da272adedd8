"""Shamir's t-of-n secret sharing over a prime field.

Draw a random polynomial of degree :math:`t - 1` whose constant term is the
secret, and give party :math:`i` the point :math:`(i, f(i))`:

.. math::

    f(X) = s + a_1 X + \\dots + a_{t-1} X^{t-1} \\bmod p,
    \\qquad a_k \\sim \\mathrm{Uniform}\\{0, \\dots, p - 1\\}.

Any :math:`t` points fix the polynomial, and Lagrange interpolation gives
:math:`s = f(0)`; :math:`t - 1` points leave every secret equally likely. Shares
at the same point add up to a share of the sum. Arithmetic is modulo
:data:`PRIME` :math:`= 2^{31} - 1`, so products fit ``int64``; a lesson can pass
a small prime such as 97. Randomness: see :mod:`privlab.randomness`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .. import _guard as check
from .._guard import SECRETS, TIED, guard, whole
from ..errors import InvalidParameterError, MixedSharesError, NotEnoughSharesError
from .additive import MAX_PARTIES, _frozen, _list_of, _new_sharing_id, _repeated, _Share
from .ring import _short_value, _shown

__all__ = [
    "PRIME",
    "ShamirShare",
    "evaluate_polynomial",
    "lagrange_coefficients",
    "random_polynomial",
    "shamir_reconstruct",
    "shamir_share",
]

PRIME = 2**31 - 1  # a Mersenne prime, the largest prime whose products fit int64


def _prime(name: str, value: Any) -> int:
    allowed = "a prime number from 2 to 2**31 - 1 (so that products fit int64)"
    prime = check.integer(name, value)
    if not 2 <= prime <= PRIME or not _is_prime(prime):
        raise InvalidParameterError(f"{name} must be {allowed}; got {prime}.")
    return prime


def _sharing(arguments: dict[str, Any]) -> None:
    """A prime above parties, a threshold from 1 to parties, secrets below the prime."""
    parties, prime = arguments["parties"], arguments["prime"]
    if prime <= parties:
        raise InvalidParameterError(
            f"prime must be a prime greater than parties ({parties}), so that every party "
            f"gets its own nonzero point; got {prime}."
        )
    threshold = arguments["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral):
        threshold = None
    if threshold is None or not 1 <= threshold <= parties:
        raise InvalidParameterError(
            "threshold must be a whole number from 1 to parties "
            f"({parties}); got {arguments['threshold']!r}."
        )
    arguments["threshold"] = int(threshold)
    arguments["secrets"] = _field_elements("secrets", arguments["secrets"], prime)


@guard(
    parties=whole(1, MAX_PARTIES),
    prime=_prime,
    threshold=TIED,
    secrets=TIED,
    rng=SECRETS,
    where=_sharing,
)
def shamir_share(
    secrets: Any,
    threshold: int,
    parties: int,
    *,
    prime: int = PRIME,
    rng: np.random.Generator | int | None = None,
) -> list[ShamirShare]:
    """Split secrets into ``parties`` Shamir shares, any ``threshold`` of which rebuild them.

    .. math:: \\text{share}_i = (i, f(i)), \\quad i = 1, \\dots, n

    Parameters
    ----------
    secrets : int or array-like
        Whole numbers from 0 to ``prime - 1``, each shared separately.
    threshold : int
        ``t``, from 1 to ``parties`` (1 gives every party the secret itself).
    parties : int
        ``n >= 1``, below ``prime`` (each party needs its own nonzero point).
    prime : int, default PRIME
        The field size, a prime up to ``2**31 - 1``.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic. A seed: for lessons and tests only.

    Returns
    -------
    list of ShamirShare
        Share ``i - 1`` is the point ``x = i``.

    >>> shares = shamir_share(42, threshold=2, parties=3, prime=97, rng=0)
    >>> [(share.x, int(share.y)) for share in shares]  # points of f(X) = 42 + 85 X mod 97
    [(1, 30), (2, 18), (3, 6)]
    >>> shamir_reconstruct([shares[0], shares[2]])
    array(42)
    """
    coefficients = random_polynomial(secrets, threshold, prime=prime, rng=rng)
    sharing_id = _new_sharing_id()
    return [
        ShamirShare(
            x, evaluate_polynomial(coefficients, x, prime=prime), threshold, prime, sharing_id
        )
        for x in range(1, parties + 1)
    ]


def _one_sharing(name: str, shares: Any) -> list[ShamirShare]:
    """Shares of one sharing at different points, and at least ``threshold`` of them."""
    _list_of(name, shares, ShamirShare)
    kinds = {(s.sharing_id, s.prime, s.threshold, s.shape) for s in shares}
    if len(kinds) > 1:
        described = "; ".join(
            f"sharing {sid} (prime {p}, threshold {t}, shape {shape})"
            for sid, p, t, shape in sorted(kinds)
        )
        raise MixedSharesError(f"{name} must all come from one sharing; got {described}.")
    repeated = _repeated([share.x for share in shares])
    if repeated is not None:
        raise InvalidParameterError(
            f"{name} must be at different points x; got x = {repeated} twice."
        )
    needed = shares[0].threshold
    if len(shares) < needed:
        raise NotEnoughSharesError(
            f"got {len(shares)} shares, but this sharing needs {needed} (its threshold)."
        )
    return list(shares)


@guard(shares=_one_sharing)
def shamir_reconstruct(shares: Any) -> np.ndarray:
    """Rebuild the secrets from ``threshold`` shares by Lagrange interpolation at 0.

    .. math:: s = f(0) = \\sum_{i=1}^{t} \\lambda_i \\, y_i \\bmod p

    Parameters
    ----------
    shares : list of ShamirShare
        At least ``threshold`` shares of one sharing at different points; the
        first ``threshold`` are used (any such subset gives the same secret).

    Returns
    -------
    numpy.ndarray
        ``int64`` secrets in ``[0, prime)``.

    Raises
    ------
    NotEnoughSharesError, MixedSharesError, InvalidParameterError
        Fewer shares than the threshold, shares of different sharings, or two at one point.

    >>> shares = shamir_share([7, 8, 9], threshold=3, parties=5, rng=0)
    >>> shamir_reconstruct([shares[4], shares[0], shares[2]])
    array([7, 8, 9])
    """
    return _interpolate(shares[: shares[0].threshold], at=0)


def _at_and_xs(arguments: dict[str, Any]) -> None:
    prime = arguments["prime"]
    arguments["at"] = check.integer("at", arguments["at"], low=0, high=prime - 1)
    arguments["xs"] = _distinct_points("xs", arguments["xs"], prime)


@guard(prime=_prime, at=TIED, xs=TIED, where=_at_and_xs)
def lagrange_coefficients(xs: Any, *, at: int = 0, prime: int = PRIME) -> list[int]:
    """Weights that turn values at the points ``xs`` into the value at ``at``.

    .. math:: \\lambda_i = \\prod_{j \\ne i} \\frac{at - x_j}{x_i - x_j} \\bmod p,
              \\qquad f(at) = \\sum_i \\lambda_i f(x_i)

    for every polynomial :math:`f` of degree below ``len(xs)``; division is
    multiplication by the modular inverse, ``pow(d, -1, p)``.

    Parameters
    ----------
    xs : sequence of int
        Different points from 0 to ``prime - 1``.
    at : int, default 0
        Where to evaluate (0: the secret).
    prime : int, default PRIME
        The field size.

    Returns
    -------
    list of int
        One weight per point, from 0 to ``prime - 1``.

    >>> lagrange_coefficients([1, 2], prime=97)  # f(0) = 2 f(1) - f(2)
    [2, 96]
    """
    weights = []
    for i, x_i in enumerate(xs):
        numerator, denominator = 1, 1
        for j, x_j in enumerate(xs):
            if j != i:
                numerator = numerator * (at - x_j) % prime
                denominator = denominator * (x_i - x_j) % prime
        weights.append(numerator * pow(denominator, -1, prime) % prime)
    return weights


def _interpolate(shares: list[ShamirShare], at: int) -> np.ndarray:
    """Value at ``at`` of the polynomial of degree below ``len(shares)`` through the shares."""
    prime = shares[0].prime
    weights = lagrange_coefficients([share.x for share in shares], at=at, prime=prime)
    value = np.zeros(shares[0].shape, dtype=np.int64)
    for weight, share in zip(weights, shares, strict=True):
        # value + weight * y < p + (p - 1)**2 < 2**62: fits int64; reduce at once
        value = (value + np.int64(weight) * share.y) % prime
    return np.asarray(value)


def _secrets_below_prime(arguments: dict[str, Any]) -> None:
    arguments["secrets"] = _field_elements("secrets", arguments["secrets"], arguments["prime"])


@guard(
    prime=_prime,
    threshold=whole(1, MAX_PARTIES),
    secrets=TIED,
    rng=SECRETS,
    where=_secrets_below_prime,
)
def random_polynomial(
    secrets: Any,
    threshold: int,
    *,
    prime: int = PRIME,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Coefficients (row ``k`` of :math:`X^k`) of random polynomials with the secrets at 0.

    .. math:: f(X) = s + a_1 X + \\dots + a_{t-1} X^{t-1},
              \\quad a_k \\sim \\mathrm{Uniform}\\{0, \\dots, p-1\\}

    >>> random_polynomial(5, threshold=3, prime=97, rng=0)
    array([ 5, 85, 87])
    """
    coefficients = np.empty((threshold, *secrets.shape), dtype=np.int64)
    coefficients[0] = secrets
    coefficients[1:] = rng.below(prime, (threshold - 1, *secrets.shape))  # uniform, unbiased
    return coefficients


def _coefficients_and_x(arguments: dict[str, Any]) -> None:
    prime = arguments["prime"]
    coefficients = _field_elements("coefficients", arguments["coefficients"], prime)
    if coefficients.ndim == 0 or len(coefficients) == 0:
        raise InvalidParameterError(
            f"coefficients must have at least one row (the constant term); got "
            f"{_shown(coefficients)}."
        )
    arguments["coefficients"] = coefficients
    arguments["x"] = check.integer("x", arguments["x"], low=0, high=prime - 1)


@guard(prime=_prime, coefficients=TIED, x=TIED, where=_coefficients_and_x)
def evaluate_polynomial(coefficients: Any, x: int, *, prime: int = PRIME) -> np.ndarray:
    """Value of the polynomial(s) at ``x`` modulo ``prime``, by Horner's rule.

    .. math:: f(x) = (\\dots((a_{t-1} x + a_{t-2}) x + a_{t-3}) \\dots) x + a_0 \\bmod p

    >>> evaluate_polynomial([5, 81, 34], 2, prime=97)  # 5 + 81*2 + 34*4 = 303 = 12 mod 97
    array(12)
    """
    value = coefficients[-1].copy()
    for coefficient in coefficients[-2::-1]:
        # value * x + coefficient < p**2 < 2**62: fits int64; reduce before the next multiply
        value = (value * x + coefficient) % prime
    return np.asarray(value)


@dataclass(frozen=True, eq=False)
class ShamirShare(_Share):
    """The point ``(x, f(x))`` one party holds (``y`` as ``int64``, one value per secret).

    Unlike additive sharing, *every* party adds a public number to its point.

    >>> a = shamir_share(20, threshold=2, parties=3, rng=1)
    >>> b = shamir_share(22, threshold=2, parties=3, rng=2)
    >>> total = [a_i + b_i for a_i, b_i in zip(a, b, strict=True)]  # each party adds its own shares
    >>> shamir_reconstruct(total[1:])  # any 2 of the 3 sums give the sum
    array(42)
    >>> shamir_reconstruct([2 * a_i + 1 for a_i in a])  # every party applies public steps
    array(41)
    """

    x: int
    y: np.ndarray
    threshold: int
    prime: int
    sharing_id: str

    _field = "y"
    _adds_public = True

    def __post_init__(self) -> None:
        prime = _prime("prime", self.prime)
        x = check.integer("x", self.x, low=1, high=prime - 1)
        threshold = check.integer("threshold", self.threshold, low=1)
        check.label("sharing_id", self.sharing_id)
        y = _field_elements("y", self.y, prime)  # a fresh copy nobody else can change
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "prime", prime)
        object.__setattr__(self, "y", _frozen(y))

    def _apply(self, operation: np.ufunc, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(operation(a, b) % self.prime)  # a * b < p**2 < 2**62: fits int64

    def _encoded(self, value: Any) -> np.ndarray:
        return np.asarray(check.integer_array("public value", value) % self.prime)

    def _check_partner(self, other: ShamirShare) -> None:
        if (other.prime, other.threshold) != (self.prime, self.threshold):
            raise MixedSharesError(
                "shares must come from sharings with the same prime and threshold; got "
                f"prime {self.prime}, threshold {self.threshold} and prime {other.prime}, "
                f"threshold {other.threshold}."
            )
        if other.x != self.x:
            raise MixedSharesError(
                "a party can only combine its own shares (the same point x); got "
                f"x = {self.x} and x = {other.x}."
            )

    def __repr__(self) -> str:
        return (
            f"ShamirShare(x={self.x}, y={_short_value(self.y)}, threshold {self.threshold}, "
            f"mod {self.prime}, sharing {self.sharing_id})"
        )


@lru_cache(maxsize=64)
def _is_prime(n: int) -> bool:
    """Trial division up to the square root (fast below 2**31)."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    return all(n % divisor for divisor in range(3, math.isqrt(n) + 1, 2))


def _field_elements(name: str, values: Any, prime: int) -> np.ndarray:
    """Whole numbers from 0 to ``prime - 1`` as a fresh ``int64`` array."""
    allowed = f"whole numbers from 0 to prime - 1 = {prime - 1}"
    raw = np.asarray(values) if isinstance(values, np.ndarray) else values
    if isinstance(raw, np.ndarray) and raw.dtype == np.uint64 and np.any(raw >= prime):
        first = raw[raw >= prime][0]
        raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(first)}.")
    array = check.integer_array(name, values, allowed)
    outside = (array < 0) | (array >= prime)
    if np.any(outside):
        raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(array[outside][0])}.")
    return array


def _distinct_points(name: str, xs: Any, prime: int) -> list[int]:
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__iter__"):
        raise InvalidParameterError(f"{name} must be a list of different points; got {xs!r}.")
    points = [check.integer(f"each of {name}", x, low=0, high=prime - 1) for x in xs]
    repeated = _repeated(points)
    if repeated is not None:
        raise InvalidParameterError(f"{name} must be different points; got x = {repeated} twice.")
    return points
