"""Shamir's t-of-n secret sharing over a prime field.

To share a secret :math:`s` so that any :math:`t` of :math:`n` parties can
rebuild it, but :math:`t - 1` of them learn nothing, draw a random polynomial
of degree :math:`t - 1` whose constant term is the secret, and give party
:math:`i` the point :math:`(i, f(i))`:

.. math::

    f(X) = s + a_1 X + \\dots + a_{t-1} X^{t-1} \\bmod p,
    \\qquad a_1, \\dots, a_{t-1} \\sim \\mathrm{Uniform}\\{0, \\dots, p - 1\\}.

* **Any t points rebuild the secret.** :math:`t` points fix a polynomial of
  degree :math:`t - 1`, and Lagrange interpolation gives its value at 0:
  :math:`s = f(0) = \\sum_i \\lambda_i f(x_i)` (:func:`lagrange_coefficients`).
* **t - 1 points reveal nothing.** For every candidate secret there are
  exactly as many polynomials through those points (:func:`consistent_secrets`
  counts them), so every secret is equally likely.
* **Shares add.** Adding the shares at the same point gives a share of the sum
  (the polynomials add), with no messages needed.
* **t shares cannot catch a lie; more can.** Any :math:`t` points lie on some
  polynomial of degree :math:`t - 1`, so a changed share among exactly :math:`t`
  gives a wrong secret and no error. :math:`n > t` shares of a sharing form a
  Reed-Solomon codeword: :func:`shamir_reconstruct_checked` detects up to
  :math:`n - t` changed shares and corrects up to :math:`\\lfloor (n - t)/2 \\rfloor`.

Arithmetic is modulo the prime :data:`PRIME` :math:`= 2^{31} - 1`. Values below
:math:`p` fit ``int64``, and so does a product of two of them plus another value
(:math:`(p-1)^2 + p < 2^{62}`). So the code reduces modulo :math:`p` after every
multiplication (and the addition that goes with it), before multiplying again:
``int64`` never overflows. Modular inverses use Python integers:
``pow(d, -1, p)``. A lesson can pass a small prime such as 97 to draw pictures.

Randomness comes from the same single source as additive sharing
(:func:`privlab.mpc.additive._random_ring`): cryptographic by default, a seed
for lessons and tests only.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import (
    InconsistentSharesError,
    InvalidParameterError,
    MixedSharesError,
    NotEnoughSharesError,
)
from ..randomness import SecretRandom
from .additive import (
    MAX_PARTIES,
    _check_same_shape,
    _derived_id,
    _fits_share,
    _frozen,
    _new_sharing_id,
    _randomness,
)
from .ring import _short_value, _shown

__all__ = [
    "PRIME",
    "ShamirShare",
    "consistent_secrets",
    "evaluate_polynomial",
    "lagrange_coefficients",
    "random_polynomial",
    "shamir_reconstruct",
    "shamir_reconstruct_checked",
    "shamir_share",
]

PRIME = 2**31 - 1
"""The default field size: a Mersenne prime, the largest prime whose products fit int64."""

_LARGEST_PRIME = PRIME  # (p - 1)**2 must stay below 2**63
_COUNTING_PRIME_LIMIT = 10_000  # consistent_secrets lists every candidate secret


# --------------------------------------------------------------------------
# One party's share
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ShamirShare:
    """The point ``(x, f(x))`` that one party holds of a Shamir sharing.

    Parameters
    ----------
    x : int
        The party's point, from 1 to ``prime - 1`` (party ``i`` of ``n`` gets ``x = i``).
    y : numpy.ndarray
        ``f(x) mod prime`` as ``int64``, one value per shared secret.
    threshold : int
        How many shares rebuild the secret (the polynomial has degree ``threshold - 1``).
    prime : int
        The field size.
    sharing_id : str
        Label of the sharing; shares of different sharings do not go together.

    Examples
    --------
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

    # numpy arrays on the left (array + share) hand the operation over to the share
    __array_ufunc__ = None

    def __post_init__(self) -> None:
        prime = _check_prime(self.prime)
        x = check.integer("x", self.x, low=1, high=prime - 1)
        threshold = check.integer("threshold", self.threshold, low=1)
        if not isinstance(self.sharing_id, str) or not self.sharing_id:
            raise InvalidParameterError(
                f"sharing_id must be a non-empty string; got {self.sharing_id!r}."
            )
        y = _field_elements("y", self.y, prime)  # a fresh copy nobody else can change
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "prime", prime)
        object.__setattr__(self, "y", _frozen(y))

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the shared secret (``()`` for one number)."""
        return self.y.shape

    def __add__(self, other: Any) -> ShamirShare:
        """This party's share of ``s + r`` (another share at the same x) or ``s + c`` (public).

        Unlike additive sharing, *every* party adds a public number: the constant
        term of every party's polynomial moves by ``c``.
        """
        if isinstance(other, ShamirShare):
            self._check_partner(other)
            return self._with((self.y + other.y) % self.prime, "+", other.sharing_id)
        public = self._public(other)
        return self._with((self.y + public) % self.prime, "+ public", public)

    __radd__ = __add__

    def __sub__(self, other: Any) -> ShamirShare:
        """This party's share of ``s - r`` (another share at the same x) or ``s - c`` (public)."""
        if isinstance(other, ShamirShare):
            self._check_partner(other)
            return self._with((self.y - other.y) % self.prime, "-", other.sharing_id)
        public = self._public(other)
        return self._with((self.y - public) % self.prime, "- public", public)

    def __rsub__(self, other: Any) -> ShamirShare:
        """This party's share of ``c - s`` for a public number ``c``."""
        return -self + other

    def __neg__(self) -> ShamirShare:
        """This party's share of ``-s`` (every party negates its point)."""
        return self._with((-self.y) % self.prime, "negate")

    def __mul__(self, other: Any) -> ShamirShare:
        """This party's share of ``c * s`` for a public whole number ``c`` (taken mod prime)."""
        if isinstance(other, ShamirShare):
            raise InvalidParameterError(
                "other must be a public whole number: multiplying two shared values "
                "needs a protocol; got another ShamirShare."
            )
        public = self._public(other)
        return self._with((self.y * public) % self.prime, "* public", public)

    __rmul__ = __mul__

    def _with(self, y: np.ndarray, operation: str, *parts: str | np.ndarray) -> ShamirShare:
        new_id = _derived_id(operation, self.sharing_id, *parts)
        return ShamirShare(self.x, _frozen(np.asarray(y)), self.threshold, self.prime, new_id)

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
        _check_same_shape(self.shape, other.shape)

    def _public(self, value: Any) -> np.ndarray:
        """A public whole number (or array) reduced modulo the prime."""
        public = np.asarray(check.integer_array("public value", value) % self.prime)
        return _fits_share(public, self.shape)

    def __repr__(self) -> str:
        return (
            f"ShamirShare(x={self.x}, y={_short_value(self.y)}, "
            f"threshold {self.threshold}, mod {self.prime}, "
            f"sharing {self.sharing_id})"
        )


# --------------------------------------------------------------------------
# Polynomials modulo a prime
# --------------------------------------------------------------------------


def random_polynomial(
    secrets: Any,
    threshold: int,
    *,
    prime: int = PRIME,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Coefficients of random polynomials of degree ``threshold - 1`` with the secrets at 0.

    .. math:: f(X) = s + a_1 X + \\dots + a_{t-1} X^{t-1},
              \\quad a_k \\sim \\mathrm{Uniform}\\{0, \\dots, p-1\\}

    Parameters
    ----------
    secrets : int or array-like
        Whole numbers from 0 to ``prime - 1``; one polynomial per secret.
    threshold : int
        ``t >= 1``: the number of coefficients.
    prime : int, default PRIME
        The field size.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(threshold, *secrets.shape)``; row ``k`` holds
        the coefficients of :math:`X^k`, row 0 the secrets.

    Examples
    --------
    >>> random_polynomial(5, threshold=3, prime=97, rng=0)
    array([ 5, 85, 87])
    """
    prime = _check_prime(prime)
    threshold = check.integer("threshold", threshold, low=1, high=MAX_PARTIES)
    secrets = _field_elements("secrets", secrets, prime)
    return _random_polynomial(secrets, threshold, prime, _randomness(rng))


def evaluate_polynomial(coefficients: Any, x: int, *, prime: int = PRIME) -> np.ndarray:
    """Value of the polynomial(s) at ``x`` modulo ``prime``, by Horner's rule.

    .. math:: f(x) = (\\dots((a_{t-1} x + a_{t-2}) x + a_{t-3}) \\dots) x + a_0 \\bmod p

    Each step :math:`v x + a_k` is below :math:`p^2 < 2^{62}` and is reduced
    before the next multiplication, so ``int64`` never overflows.

    Parameters
    ----------
    coefficients : array-like
        Whole numbers from 0 to ``prime - 1``, shape ``(t, ...)``; row ``k``
        holds the coefficients of :math:`X^k`.
    x : int
        The point, from 0 to ``prime - 1``.
    prime : int, default PRIME
        The field size.

    Returns
    -------
    numpy.ndarray
        ``int64`` values in ``[0, prime)``, of shape ``coefficients.shape[1:]``.

    Examples
    --------
    >>> evaluate_polynomial([5, 81, 34], 2, prime=97)  # 5 + 81*2 + 34*4 = 303 = 12 mod 97
    array(12)
    >>> evaluate_polynomial([5, 81, 34], 0, prime=97)  # the secret
    array(5)
    """
    prime = _check_prime(prime)
    coefficients = _field_elements("coefficients", coefficients, prime)
    if coefficients.ndim == 0 or len(coefficients) == 0:
        raise InvalidParameterError(
            f"coefficients must have at least one row (the constant term); got "
            f"{_shown(coefficients)}."
        )
    x = check.integer("x", x, low=0, high=prime - 1)
    return _horner(coefficients, x, prime)


def _random_polynomial(
    secrets: np.ndarray, threshold: int, prime: int, rng: SecretRandom
) -> np.ndarray:
    coefficients = np.empty((threshold, *secrets.shape), dtype=np.int64)
    coefficients[0] = secrets
    coefficients[1:] = rng.below(prime, (threshold - 1, *secrets.shape))  # uniform, unbiased
    return coefficients


def _horner(coefficients: np.ndarray, x: int, prime: int) -> np.ndarray:
    value = coefficients[-1].copy()
    for coefficient in coefficients[-2::-1]:
        # value * x + coefficient < p**2 < 2**62: fits int64; reduce before the next multiply
        value = (value * x + coefficient) % prime
    return np.asarray(value)


# --------------------------------------------------------------------------
# Sharing and reconstructing
# --------------------------------------------------------------------------


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
        Whole numbers from 0 to ``prime - 1``; an array shares each element separately.
    threshold : int
        ``t``, from 1 to ``parties``. ``t = 1`` gives every party the secret itself.
    parties : int
        ``n >= 1``, below ``prime`` (each party needs its own nonzero point).
    prime : int, default PRIME
        The field size, a prime up to ``2**31 - 1``.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.

    Returns
    -------
    list of ShamirShare
        Share ``i - 1`` is the point ``x = i``.

    Examples
    --------
    >>> shares = shamir_share(42, threshold=2, parties=3, prime=97, rng=0)
    >>> [(share.x, int(share.y)) for share in shares]  # points of f(X) = 42 + 85 X mod 97
    [(1, 30), (2, 18), (3, 6)]
    >>> shamir_reconstruct([shares[0], shares[2]])
    array(42)
    """
    parties = check.integer("parties", parties, low=1, high=MAX_PARTIES)
    prime = _check_prime(prime, parties=parties)
    threshold = _check_threshold(threshold, parties)
    secrets = _field_elements("secrets", secrets, prime)
    coefficients = _random_polynomial(secrets, threshold, prime, _randomness(rng))
    sharing_id = _new_sharing_id()
    return [
        ShamirShare(x, _frozen(_horner(coefficients, x, prime)), threshold, prime, sharing_id)
        for x in range(1, parties + 1)
    ]


def lagrange_coefficients(xs: Any, *, at: int = 0, prime: int = PRIME) -> list[int]:
    """Weights that turn values at the points ``xs`` into the value at ``at``.

    .. math:: \\lambda_i = \\prod_{j \\ne i} \\frac{at - x_j}{x_i - x_j} \\bmod p,
              \\qquad f(at) = \\sum_i \\lambda_i f(x_i)

    for every polynomial :math:`f` of degree below ``len(xs)``. Division is
    multiplication by the modular inverse, ``pow(d, -1, p)``.

    Parameters
    ----------
    xs : sequence of int
        Different points, each from 0 to ``prime - 1``.
    at : int, default 0
        Where to evaluate (0: the secret).
    prime : int, default PRIME
        The field size.

    Returns
    -------
    list of int
        Python integers from 0 to ``prime - 1``, one per point.

    Examples
    --------
    >>> lagrange_coefficients([1, 2], prime=97)  # f(0) = 2 f(1) - f(2)
    [2, 96]
    """
    prime = _check_prime(prime)
    at = check.integer("at", at, low=0, high=prime - 1)
    xs = _distinct_points("xs", xs, prime)
    return _lagrange(xs, at, prime)


def _lagrange(xs: list[int], at: int, prime: int) -> list[int]:
    weights = []
    for i, x_i in enumerate(xs):
        numerator, denominator = 1, 1
        for j, x_j in enumerate(xs):
            if j != i:
                numerator = numerator * (at - x_j) % prime
                denominator = denominator * (x_i - x_j) % prime
        weights.append(numerator * pow(denominator, -1, prime) % prime)
    return weights


def shamir_reconstruct(shares: Any) -> np.ndarray:
    """Rebuild the secrets from ``threshold`` shares by Lagrange interpolation at 0.

    .. math:: s = f(0) = \\sum_{i=1}^{t} \\lambda_i \\, y_i \\bmod p

    Parameters
    ----------
    shares : list of ShamirShare
        At least ``threshold`` shares of one sharing, at different points, in
        any order. Exactly the first ``threshold`` of them are used; any such
        subset gives the same secret.

    Returns
    -------
    numpy.ndarray
        ``int64`` secrets in ``[0, prime)``.

    Raises
    ------
    NotEnoughSharesError
        Fewer shares than the threshold.
    MixedSharesError
        The shares come from different sharings.
    InvalidParameterError
        Not a list of shares, or two shares at the same point.

    Examples
    --------
    >>> shares = shamir_share([7, 8, 9], threshold=3, parties=5, rng=0)
    >>> shamir_reconstruct([shares[4], shares[0], shares[2]])
    array([7, 8, 9])
    """
    shares = _one_sharing(shares)
    return _interpolate(shares[: shares[0].threshold], at=0)


def _interpolate(shares: list[ShamirShare], at: int) -> np.ndarray:
    """Value at ``at`` of the polynomial of degree below ``len(shares)`` through the shares."""
    prime = shares[0].prime
    weights = _lagrange([share.x for share in shares], at, prime)
    value = np.zeros(shares[0].shape, dtype=np.int64)
    for weight, share in zip(weights, shares, strict=True):
        # value + weight * y < p + (p - 1)**2 < 2**62: fits int64; reduce at once
        value = (value + np.int64(weight) * share.y) % prime
    return np.asarray(value)


# --------------------------------------------------------------------------
# Changed shares: detecting and correcting them (Reed-Solomon decoding)
# --------------------------------------------------------------------------


def shamir_reconstruct_checked(shares: Any, *, correct: int = 0) -> np.ndarray:
    """Rebuild the secrets from more than ``threshold`` shares, refusing shares that were changed.

    The :math:`n` shares of a sharing with threshold :math:`t` lie on one
    polynomial of degree :math:`t - 1`: they are a Reed-Solomon codeword
    (McEliece and Sarwate, "On sharing secrets and Reed-Solomon codes",
    Communications of the ACM 24(9), 1981). A changed share leaves that
    polynomial, so checking needs :math:`n \\ge t + 1`. The limits are exact:

    * ``correct=0``: every share must lie on the polynomial through the first
      :math:`t`; up to :math:`n - t` changed shares are always **detected**.
    * ``correct=e`` with :math:`n \\ge t + 2e`: up to :math:`e` changed shares
      are found and **corrected** (the Berlekamp-Welch algorithm: Welch and
      Berlekamp, US patent 4,633,470, 1986), and up to :math:`n - t - e`
      detected. So :math:`\\lfloor (n - t)/2 \\rfloor` at most are corrected.
    * Among exactly :math:`t` shares a change cannot be detected at all (any
      :math:`t` points lie on some polynomial of degree :math:`t - 1`), and more
      changed shares than the limits allow can be made to look consistent.

    Each secret of an array is checked, and corrected, on its own. The check
    runs on all of them at once; correcting runs in Python, once per secret
    whose shares disagree.

    Parameters
    ----------
    shares : list of ShamirShare
        At least ``threshold + 1`` shares of one sharing, at different points.
    correct : int, default 0
        How many changed shares to correct, from 0 to ``(n - threshold) // 2``.

    Returns
    -------
    numpy.ndarray
        ``int64`` secrets in ``[0, prime)``.

    Raises
    ------
    InconsistentSharesError
        The shares do not lie on one polynomial of degree ``threshold - 1``,
        even with ``correct`` of them changed back.
    NotEnoughSharesError
        ``threshold`` shares or fewer: they always look consistent.
    MixedSharesError, InvalidParameterError
        Not shares of one sharing at different points, or ``correct`` too large.

    Examples
    --------
    >>> import dataclasses
    >>> shares = shamir_share(42, threshold=2, parties=4, prime=97, rng=0)
    >>> shares[1] = dataclasses.replace(shares[1], y=shares[1].y + 5)  # party 2 lies
    >>> shamir_reconstruct(shares[:2])  # plain reconstruction: wrong, and no error
    array(37)
    >>> shamir_reconstruct_checked(shares, correct=1)  # 4 shares >= t + 2: corrected
    array(42)
    """
    shares = _one_sharing(shares)
    n, t, prime = len(shares), shares[0].threshold, shares[0].prime
    if n == t:
        raise NotEnoughSharesError(
            f"got {n} shares, but checking them needs at least threshold + 1 = {t + 1}: any "
            f"{t} points lie on some polynomial of degree {t - 1}, so a changed share goes unseen."
        )
    correct, most = check.integer("correct", correct, low=0), (n - t) // 2
    if correct > most:
        raise InvalidParameterError(
            f"correct must be a whole number from 0 to (n - threshold) // 2 = {most} (correcting "
            f"e shares needs n >= threshold + 2e; here n = {n}, threshold {t}); got {correct!r}."
        )
    # All secrets at once: does the polynomial through the first t shares pass through the rest?
    agree = np.ones(shares[0].shape, dtype=bool)
    for share in shares[t:]:
        agree &= _interpolate(shares[:t], at=share.x) == share.y
    secrets = _interpolate(shares[:t], at=0)
    for index in map(tuple, np.argwhere(~agree)):  # index () for a single secret
        points = [int(share.y[index]) for share in shares]
        polynomial = _berlekamp_welch([share.x for share in shares], points, t, correct, prime)
        if polynomial is None:
            raise InconsistentSharesError(_inconsistent(shares, correct, index))
        secrets[index] = polynomial[0]
    return secrets


def _berlekamp_welch(
    xs: list[int], ys: list[int], threshold: int, errors: int, prime: int
) -> list[int] | None:
    """The polynomial of degree below ``threshold`` through all but ``errors`` points, or None.

    Unknowns: an error locator :math:`E(X) = X^e + b_{e-1} X^{e-1} + \\dots + b_0`
    (zero at the changed points) and :math:`Q = f E` of degree :math:`t - 1 + e`.
    Every point gives one linear equation, :math:`Q(x_i) = y_i E(x_i)`, true
    whether or not :math:`y_i` was changed. With :math:`n \\ge t + 2e` equations
    every solution has :math:`Q / E = f`; if there is none, or :math:`E` does not
    divide :math:`Q`, more than :math:`e` points are off every such polynomial.
    """
    q_size = threshold + errors  # coefficients of Q
    rows = [
        [pow(x, k, prime) for k in range(q_size)]  # Q(x) ...
        + [-y * pow(x, k, prime) % prime for k in range(errors)]  # ... - y (b_0 + ... )
        + [y * pow(x, errors, prime) % prime]  # = y x^e
        for x, y in zip(xs, ys, strict=True)
    ]
    rows, pivots = _row_reduce(rows, q_size + errors, prime)
    if any(not any(row[:-1]) and row[-1] for row in rows):
        return None  # no solution
    solution = [0] * (q_size + errors)  # free unknowns at 0: any solution will do
    for row, column in zip(rows, pivots, strict=False):
        solution[column] = row[-1]
    quotient, remainder = _divide(solution[:q_size], [*solution[q_size:], 1], prime)
    return None if any(remainder) else quotient


def _divide(numerator: list[int], monic: list[int], prime: int) -> tuple[list[int], list[int]]:
    """Quotient and remainder of polynomial long division by a monic polynomial (lowest first)."""
    remainder = numerator[:]
    degree = len(monic) - 1
    quotient = [0] * (len(numerator) - degree)
    for k in reversed(range(len(quotient))):
        quotient[k] = remainder[k + degree]
        for j, coefficient in enumerate(monic):
            remainder[k + j] = (remainder[k + j] - quotient[k] * coefficient) % prime
    return quotient, remainder[:degree]


def _inconsistent(shares: list[ShamirShare], correct: int, index: tuple[int, ...]) -> str:
    n, t = len(shares), shares[0].threshold
    where = f" for secret {tuple(map(int, index))}" if index else ""
    xs = ", ".join(str(share.x) for share in shares)
    if correct == 0:
        found = "at least one of them was changed"
        if n >= t + 2:
            found += "; correct=1 would find and correct one"
    else:
        found = (
            f"more than {correct} of them were changed ({n} shares correct {correct} "
            f"and detect up to {n - t - correct})"
        )
    return (
        f"the {n} shares (x = {xs}) do not lie on one polynomial of degree {t - 1} "
        f"(threshold {t}){where}: {found}."
    )


# --------------------------------------------------------------------------
# What colluders learn: counting the polynomials they cannot rule out
# --------------------------------------------------------------------------


def consistent_secrets(points: Any, threshold: int, *, prime: int = PRIME) -> np.ndarray:
    """For each candidate secret, how many sharing polynomials pass through the colluders' points.

    A polynomial of degree below :math:`t` is its :math:`t` coefficients. Each
    known point :math:`f(x_i) = y_i` is one linear equation in them, and the
    candidate secret :math:`f(0) = s` is one more. A consistent system of
    :math:`r` independent equations in :math:`t` unknowns modulo :math:`p`
    has exactly :math:`p^{t - r}` solutions. Row reduction (Gaussian
    elimination modulo :math:`p`) finds :math:`r`, and whether the equation
    :math:`f(0) = s` is already implied by the points:

    * with fewer than :math:`t` points, it is not: every secret has
      :math:`p^{t - 1 - k}` polynomials (:math:`k` points). All secrets are
      equally likely, so the colluders learn nothing;
    * with :math:`t` or more points, it is: one secret has one polynomial,
      all others none.

    Parameters
    ----------
    points : sequence of (x, y) pairs
        The colluders' shares: different ``x`` from 0 to ``prime - 1``
        (``x = 0`` would be the secret itself), ``y`` from 0 to ``prime - 1``.
    threshold : int
        ``t >= 1``, the threshold of the sharing.
    prime : int
        The field size: a prime below 10,000 (the answer lists every candidate
        secret), with ``prime ** (threshold - 1)`` small enough to count in int64.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``prime``: entry ``s`` counts the polynomials
        with ``f(0) = s`` through all the points (all zero if no polynomial
        passes through them).

    Examples
    --------
    >>> shares = shamir_share(4, threshold=3, parties=5, prime=7, rng=0)
    >>> two = [(share.x, int(share.y)) for share in shares[:2]]
    >>> consistent_secrets(two, threshold=3, prime=7)  # one polynomial for every secret
    array([1, 1, 1, 1, 1, 1, 1])
    >>> consistent_secrets([], threshold=3, prime=7)
    array([49, 49, 49, 49, 49, 49, 49])
    >>> three = [(share.x, int(share.y)) for share in shares[:3]]
    >>> consistent_secrets(three, threshold=3, prime=7)  # the secret, 4, is pinned down
    array([0, 0, 0, 0, 1, 0, 0])
    """
    prime = _check_prime(prime)
    if prime >= _COUNTING_PRIME_LIMIT:
        raise InvalidParameterError(
            f"prime must be a prime below {_COUNTING_PRIME_LIMIT:,} (the answer lists every "
            f"candidate secret); got {prime}."
        )
    threshold = check.integer("threshold", threshold, low=1)
    too_many = (threshold - 1) * math.log2(prime) > 64  # so the power below stays small
    if too_many or prime ** (threshold - 1) > np.iinfo(np.int64).max:
        raise InvalidParameterError(
            "threshold must be small enough that prime ** (threshold - 1) counts fit int64 "
            f"(prime {prime}); got {threshold}."
        )
    xs, ys = _known_points(points, prime)
    # One equation per point: [1, x, x**2, ..., x**(t-1) | y].
    rows = [[pow(x, k, prime) for k in range(threshold)] + [y] for x, y in zip(xs, ys, strict=True)]
    rows, pivots = _row_reduce(rows, threshold, prime)
    counts = np.zeros(prime, dtype=np.int64)
    if any(not any(row[:threshold]) and row[threshold] for row in rows):
        return counts  # the points contradict each other: no polynomial at all
    rank = len(pivots)
    implied, secret = _implied_constant_term(rows, pivots, threshold, prime)
    if implied:
        counts[secret] = prime ** (threshold - rank)
    else:
        counts[:] = prime ** (threshold - rank - 1)
    return counts


def _row_reduce(
    rows: list[list[int]], unknowns: int, prime: int
) -> tuple[list[list[int]], list[int]]:
    """Reduced row echelon form modulo ``prime`` (the last column is the right-hand side).

    Returns the reduced rows and the pivot column of each of the first ``len(pivots)`` rows.
    """
    rows = [row[:] for row in rows]
    pivots: list[int] = []
    for column in range(unknowns):
        below = range(len(pivots), len(rows))
        pivot = next((i for i in below if rows[i][column] % prime), None)
        if pivot is None:
            continue
        top = len(pivots)
        rows[top], rows[pivot] = rows[pivot], rows[top]
        inverse = pow(rows[top][column], -1, prime)
        rows[top] = [value * inverse % prime for value in rows[top]]
        for i, row in enumerate(rows):
            if i != top and row[column]:
                factor = row[column]
                rows[i] = [(a - factor * b) % prime for a, b in zip(row, rows[top], strict=True)]
        pivots.append(column)
    return rows, pivots


def _implied_constant_term(
    rows: list[list[int]], pivots: list[int], unknowns: int, prime: int
) -> tuple[bool, int]:
    """Whether the equations fix :math:`f(0) = a_0`, and if so its value.

    Write :math:`a_0 = e_0 \\cdot a` and remove from :math:`e_0` each pivot row
    in turn, tracking the right-hand sides. If nothing is left of :math:`e_0`,
    it is a combination of the rows, and :math:`a_0` is the same combination
    of their right-hand sides.
    """
    left = [1] + [0] * unknowns  # e_0, with right-hand side 0
    for row, column in zip(rows, pivots, strict=False):
        factor = left[column]
        if factor:
            left = [(a - factor * b) % prime for a, b in zip(left, row, strict=True)]
    if any(left[:unknowns]):
        return False, 0
    return True, (-left[unknowns]) % prime


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _is_prime(n: int) -> bool:
    """Trial division by 2 and odd numbers up to the square root (fast below 2**31)."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    return all(n % divisor for divisor in range(3, math.isqrt(n) + 1, 2))


def _check_prime(prime: Any, *, parties: int | None = None) -> int:
    allowed = "a prime number from 2 to 2**31 - 1 (so that products fit int64)"
    prime = check.integer("prime", prime)
    if not 2 <= prime <= _LARGEST_PRIME or not _is_prime(prime):
        raise InvalidParameterError(f"prime must be {allowed}; got {prime}.")
    if parties is not None and prime <= parties:
        raise InvalidParameterError(
            f"prime must be a prime greater than parties ({parties}), so that every party "
            f"gets its own nonzero point; got {prime}."
        )
    return prime


def _check_threshold(threshold: Any, parties: int) -> int:
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Integral)
        or not 1 <= threshold <= parties
    ):
        raise InvalidParameterError(
            f"threshold must be a whole number from 1 to parties ({parties}); got {threshold!r}."
        )
    return int(threshold)


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
    repeated = next((x for i, x in enumerate(points) if x in points[:i]), None)
    if repeated is not None:
        raise InvalidParameterError(f"{name} must be different points; got x = {repeated} twice.")
    return points


def _known_points(points: Any, prime: int) -> tuple[list[int], list[int]]:
    allowed = "a list of (x, y) pairs of whole numbers"
    if isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
        raise InvalidParameterError(f"points must be {allowed}; got {points!r}.")
    pairs = list(points)
    if not all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in pairs):
        raise InvalidParameterError(f"points must be {allowed}; got {points!r}.")
    xs = _distinct_points("the points' x", [x for x, _ in pairs], prime)
    ys = [check.integer("each point's y", y, low=0, high=prime - 1) for _, y in pairs]
    return xs, ys


def _one_sharing(shares: Any) -> list[ShamirShare]:
    """Check that ``shares`` belong to one sharing at different points, and are enough."""
    if (
        not isinstance(shares, (list, tuple))
        or not shares
        or not all(isinstance(share, ShamirShare) for share in shares)
    ):
        raise InvalidParameterError(
            f"shares must be a non-empty list of ShamirShare objects; got {_shown(shares)}."
        )
    kinds = {(s.sharing_id, s.prime, s.threshold, s.shape) for s in shares}
    if len(kinds) > 1:
        described = "; ".join(
            f"sharing {sid} (prime {p}, threshold {t}, shape {shape})"
            for sid, p, t, shape in sorted(kinds)
        )
        raise MixedSharesError(f"shares must all come from one sharing; got {described}.")
    xs = [share.x for share in shares]
    repeated = next((x for i, x in enumerate(xs) if x in xs[:i]), None)
    if repeated is not None:
        raise InvalidParameterError(
            f"shares must be at different points x; got x = {repeated} twice."
        )
    needed = shares[0].threshold
    if len(shares) < needed:
        raise NotEnoughSharesError(
            f"got {len(shares)} shares, but this sharing needs {needed} (its threshold)."
        )
    return list(shares)
