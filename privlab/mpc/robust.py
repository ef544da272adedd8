"""More shares than the threshold: catching and correcting changed ones, and what colluders learn.

The :math:`n > t` shares of one Shamir sharing form a Reed-Solomon codeword:
:func:`shamir_reconstruct_checked` detects up to :math:`n - t` changed shares and
corrects up to :math:`\\lfloor (n - t)/2 \\rfloor` (Berlekamp-Welch). Fewer than
:math:`t` shares leave every secret possible: :func:`consistent_secrets` counts
the polynomials through the colluders' points for each candidate secret.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _guard as check
from .._guard import TIED, guard, whole
from ..errors import InconsistentSharesError, InvalidParameterError, NotEnoughSharesError
from .shamir import PRIME, ShamirShare, _distinct_points, _interpolate, _one_sharing, _prime

__all__ = ["consistent_secrets", "shamir_reconstruct_checked"]

_COUNTING_PRIME_LIMIT = 10_000  # consistent_secrets lists every candidate secret


def _checkable(name: str, shares: Any) -> list[ShamirShare]:
    """One sharing, with more than ``threshold`` shares (exactly ``t`` always look right)."""
    shares = _one_sharing(name, shares)
    n, t = len(shares), shares[0].threshold
    if n == t:
        raise NotEnoughSharesError(
            f"got {n} shares, but checking them needs at least threshold + 1 = {t + 1}: any "
            f"{t} points lie on some polynomial of degree {t - 1}, so a changed share goes unseen."
        )
    return shares


def _correctable(arguments: dict[str, Any]) -> None:
    shares, correct = arguments["shares"], arguments["correct"]
    n, t = len(shares), shares[0].threshold
    most = (n - t) // 2
    if correct > most:
        raise InvalidParameterError(
            f"correct must be a whole number from 0 to (n - threshold) // 2 = {most} (correcting "
            f"e shares needs n >= threshold + 2e; here n = {n}, threshold {t}); got {correct!r}."
        )


@guard(shares=_checkable, correct=whole(0), where=_correctable)
def shamir_reconstruct_checked(shares: Any, *, correct: int = 0) -> np.ndarray:
    """Rebuild the secrets from more than ``threshold`` shares, refusing shares that were changed.

    The :math:`n` shares lie on one polynomial of degree :math:`t - 1`: a
    Reed-Solomon codeword (McEliece and Sarwate, 1981). With ``correct=0`` up to
    :math:`n - t` changed shares are **detected**; with ``correct=e`` and
    :math:`n \\ge t + 2e`, up to :math:`e` are **corrected** (Berlekamp-Welch)
    and up to :math:`n - t - e` detected. Among exactly :math:`t` shares nothing
    can be detected. Each secret of an array is checked on its own.

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
        The shares do not lie on one polynomial, even with ``correct`` changed back.
    NotEnoughSharesError, MixedSharesError, InvalidParameterError
        ``threshold`` shares or fewer, not one sharing, or ``correct`` too large.

    >>> import dataclasses
    >>> from privlab.mpc import shamir_reconstruct, shamir_share
    >>> shares = shamir_share(42, threshold=2, parties=4, prime=97, rng=0)
    >>> shares[1] = dataclasses.replace(shares[1], y=shares[1].y + 5)  # party 2 lies
    >>> shamir_reconstruct(shares[:2])  # plain reconstruction: wrong, and no error
    array(37)
    >>> shamir_reconstruct_checked(shares, correct=1)  # 4 shares >= t + 2: corrected
    array(42)
    """
    t, prime = shares[0].threshold, shares[0].prime
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


def _counting_prime(name: str, value: Any) -> int:
    prime = _prime(name, value)
    if prime >= _COUNTING_PRIME_LIMIT:
        raise InvalidParameterError(
            f"prime must be a prime below {_COUNTING_PRIME_LIMIT:,} (the answer lists every "
            f"candidate secret); got {prime}."
        )
    return prime


def _countable(arguments: dict[str, Any]) -> None:
    """Counts that fit int64, and the colluders' points as two lists."""
    prime, threshold = arguments["prime"], arguments["threshold"]
    too_many = (threshold - 1) * math.log2(prime) > 64  # so the power below stays small
    if too_many or prime ** (threshold - 1) > np.iinfo(np.int64).max:
        raise InvalidParameterError(
            "threshold must be small enough that prime ** (threshold - 1) counts fit int64 "
            f"(prime {prime}); got {threshold}."
        )
    arguments["points"] = _known_points(arguments["points"], prime)


@guard(prime=_counting_prime, threshold=whole(1), points=TIED, where=_countable)
def consistent_secrets(points: Any, threshold: int, *, prime: int = PRIME) -> np.ndarray:
    """For each candidate secret, how many sharing polynomials pass through the colluders' points.

    Each point :math:`f(x_i) = y_i` is a linear equation in the :math:`t`
    coefficients, and :math:`r` independent ones leave :math:`p^{t - r}`
    polynomials. With :math:`k < t` points every secret keeps
    :math:`p^{t - 1 - k}` of them (the colluders learn nothing); with :math:`t`
    points one secret has one and the others none. Returns an ``int64`` array of
    length ``prime`` (a prime below 10,000).

    >>> from privlab.mpc import shamir_share
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
    xs, ys = points
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
    """Reduced row echelon form modulo ``prime`` (last column: the right-hand side), and the
    pivot column of each of the first ``len(pivots)`` rows."""
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
