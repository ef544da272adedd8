"""Checks for lesson 03, "Secret sharing and secure computation".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.exercises.Feedback`. Random checks use fixed seeds; the
uniformity check uses a chi-square test at a false-alarm rate of about 1e-6.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import mpc
from . import Feedback, as_number, call_learner, check, close

__all__ = [
    "check_beaver",
    "check_lagrange",
    "check_messages",
    "check_output_leak",
    "check_share",
    "pooled_shares",
]

RING = 2**64


def _as_ring_array(value: Any, expected: int) -> tuple[np.ndarray | None, str]:
    """The learner's shares as a uint64 array of ``expected`` entries, or why not."""
    if isinstance(value, (list, tuple)):  # Python ints of any size: reduce them exactly
        try:
            value = np.array([int(v) % RING for v in value], dtype=np.uint64)
        except (TypeError, ValueError):
            return None, "the shares should be whole numbers."
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None, "shares should be a NumPy array of whole numbers."
    if array.shape != (expected,):
        return None, f"there should be {expected} shares in a 1-d array; got shape {array.shape}."
    if array.dtype == object:
        try:
            return np.array([int(v) % RING for v in array], dtype=np.uint64), ""
        except (TypeError, ValueError):
            return None, "the shares should be whole numbers."
    if not np.issubdtype(array.dtype, np.integer):
        return None, f"the shares should be whole numbers (np.uint64); got type {array.dtype}."
    return array.astype(np.uint64), ""


# --------------------------------------------------------------------------
# Exercise 1: additive sharing
# --------------------------------------------------------------------------

_CHI_SQUARE_15_CRITICAL = 56.0  # 15 degrees of freedom, false-alarm rate about 1e-6 per test


def _top_bits_chi_square(values: np.ndarray) -> float:
    """Chi-square statistic of the top 4 bits of ring elements against the uniform 1/16 each."""
    counts = np.bincount((values >> np.uint64(60)).astype(int), minlength=16)
    expected = values.size / 16
    return float(np.sum((counts - expected) ** 2 / expected))


@check("Exercise 1 (share a secret)", "Make share(secret, parties, rng) return a uint64 array.")
def check_share(share: Any) -> Feedback:
    """Shares must add up to the secret modulo 2**64, and the first must be uniform on the ring."""
    name = "Exercise 1 (share a secret)"
    with np.errstate(over="ignore"):  # single np.uint64 numbers warn when they wrap round
        return _check_share(name, share)


def _check_share(name: str, share: Any) -> Feedback:
    rng = np.random.default_rng(2026)
    for secret, parties in ((42, 3), (0, 2), (RING - 1, 5), (2**63, 4)):
        shares, problem = _as_ring_array(call_learner(share, secret, parties, rng), parties)
        if shares is None:
            return Feedback(name, "incorrect", f"share({secret}, {parties}, rng): {problem}", "")
        total = int(shares.sum(dtype=np.uint64))
        if total != secret:
            return Feedback(
                name,
                "incorrect",
                f"share({secret}, {parties}, rng) gives shares that add up to {total:,} modulo "
                f"2⁶⁴, not {secret:,}.",
                "Draw parties − 1 random shares, then make the last one secret minus their sum.",
            )
    # Every share, and the difference of every two shares, must be uniform on the ring:
    # a share that is constant, or stays in a small range, or repeats another, leaks.
    sharings = np.empty((4000, 3), dtype=np.uint64)
    for i in range(sharings.shape[0]):
        sharings[i], _ = _as_ring_array(call_learner(share, 42, 3, rng), 3)
    if np.any(np.all(sharings == np.uint64(42), axis=0)):
        party = int(np.flatnonzero(np.all(sharings == np.uint64(42), axis=0))[0]) + 1
        return Feedback(
            name,
            "incorrect",
            f"Share {party} is always the secret itself: whoever holds it knows the secret.",
            "Every share must look random; only all of them together give the secret.",
        )
    columns = {f"share {j + 1}": sharings[:, j] for j in range(3)}
    columns |= {
        f"share {j + 1} − share {k + 1}": sharings[:, j] - sharings[:, k]
        for j in range(3)
        for k in range(j + 1, 3)
    }
    for what, values in columns.items():
        chi_square = _top_bits_chi_square(values)
        if chi_square > _CHI_SQUARE_15_CRITICAL:
            return Feedback(
                name,
                "incorrect",
                f"The shares add up, but {what} is not spread evenly over the ring over 4,000 "
                f"sharings (its largest value was {int(values.max()):,}; chi-square of its top "
                f"bits {chi_square:.0f} > {_CHI_SQUARE_15_CRITICAL}). A share that is constant, "
                "stays in a small range or repeats another tells an observer about the secret.",
                "Draw parties − 1 shares over the whole ring, "
                "rng.integers(0, 2**64, size=..., dtype=np.uint64), and compute the last one "
                "from the secret.",
            )
    return Feedback(
        name,
        "correct",
        "Your shares add up to the secret modulo 2⁶⁴, and every share (and every difference of "
        "two shares) is uniform over the ring, checked over 4,000 sharings: any one share, on "
        "its own, says nothing.",
    )


# --------------------------------------------------------------------------
# Exercise 2: the output of a two-party average leaks
# --------------------------------------------------------------------------

_ANA, _BEN = 52_300.00, 48_750.50


def _euros(amount: float) -> str:
    return f"{'−' if amount < 0 else ''}€{abs(amount):,.2f}"


@check("Exercise 2 (the output leaks)")
def check_output_leak(ben_salary: Any) -> Feedback:
    """Ana's salary and the two-party average give Ben's salary exactly."""
    name = "Exercise 2 (the output leaks)"
    guess = as_number(ben_salary)
    if guess is None:
        return Feedback(name, "incorrect", "ben_salary should be a number of euros.", "")
    average = (_ANA + _BEN) / 2
    if close(guess, average, 1e-9):
        return Feedback(
            name,
            "incorrect",
            "That is the average itself, not Ben's salary.",
            "The average of two salaries is (Ana + Ben) / 2. Solve for Ben.",
        )
    if close(guess, average - _ANA, 1e-6) or close(guess, _ANA - average, 1e-6):
        return Feedback(
            name,
            "incorrect",
            f"{_euros(guess)} is the difference between the average and Ana's salary.",
            "Ana + Ben = 2 × average, so Ben = 2 × average − Ana.",
        )
    if not close(guess, _BEN, 1e-6):
        return Feedback(
            name,
            "incorrect",
            f"{_euros(guess)} is not Ben's salary.",
            "Ana + Ben = 2 × average, so Ben = 2 × average − Ana.",
        )
    return Feedback(
        name,
        "correct",
        f"Ben earns €{_BEN:,.2f}: the protocol kept every message secret, yet its output, "
        "with Ana's own input, gives Ben away. No protocol can hide what the output says; "
        "noise on the output (differential privacy) can.",
    )


# --------------------------------------------------------------------------
# Exercise 3: Lagrange interpolation modulo 97
# --------------------------------------------------------------------------

_PRIME, _THRESHOLD, _SECRET = 97, 3, 61
_POOLED_PARTIES = (1, 3, 4)


def _sharing() -> list:
    return mpc.shamir_share(np.array([_SECRET]), _THRESHOLD, 5, prime=_PRIME, rng=12)


def pooled_shares() -> list[tuple[int, int]]:
    """The three points that parties 1, 3 and 4 pool in exercise 3: ``[(x, y), ...]``."""
    return [(share.x, int(share.y[0])) for share in _sharing() if share.x in _POOLED_PARTIES]


@check("Exercise 3 (reconstruct a Shamir secret)")
def check_lagrange(secret: Any) -> Feedback:
    """The secret behind the pooled points, modulo 97."""
    name = "Exercise 3 (reconstruct a Shamir secret)"
    value = as_number(secret)
    if value is None or value != int(value):
        return Feedback(
            name,
            "incorrect",
            f"secret should be a single whole number from 0 to 96; got {secret!r}.",
            "If your result is an array with one entry, take it out with int(...).",
        )
    value = int(value)
    points = pooled_shares()
    ys = [y for _, y in points]
    if not 0 <= value < _PRIME:
        if value % _PRIME == _SECRET:
            return Feedback(
                name,
                "incorrect",
                f"{value} is right modulo {_PRIME}, but a secret modulo {_PRIME} lies between 0 "
                f"and {_PRIME - 1}.",
                f"Take the result % {_PRIME}.",
            )
        return Feedback(
            name,
            "incorrect",
            f"{value} is outside 0 to {_PRIME - 1}, and not the secret modulo {_PRIME} either.",
            "Do every step modulo 97, including the weights (mpc.lagrange_coefficients).",
        )
    if value in ys:
        return Feedback(
            name,
            "incorrect",
            f"{value} is one of the shares, not the secret.",
            "The secret is the polynomial's value at x = 0: combine all three shares.",
        )
    two_point = {
        int(sum(w * y for w, (_, y) in zip(weights, pair, strict=True)) % _PRIME)
        for pair in ((points[0], points[1]), (points[0], points[2]), (points[1], points[2]))
        for weights in [mpc.lagrange_coefficients([x for x, _ in pair], prime=_PRIME)]
    }
    if value in two_point:
        return Feedback(
            name,
            "incorrect",
            "That comes from two of the three points: a line through them, not the parabola.",
            "With threshold 3 the polynomial has degree 2: use all three points.",
        )
    if value != _SECRET:
        return Feedback(
            name,
            "incorrect",
            f"{value} is not the secret.",
            "secret = (sum of weight × y) % 97, weights = mpc.lagrange_coefficients(xs, prime=97).",
        )
    return Feedback(
        name,
        "correct",
        f"The secret is {_SECRET}: three points of a degree-2 polynomial fix it, and its value "
        "at 0 is the secret. Any two of them would leave every value from 0 to 96 equally likely.",
    )


# --------------------------------------------------------------------------
# Exercise 4: the last step of Beaver multiplication
# --------------------------------------------------------------------------


@check("Exercise 4 (Beaver's last step)", "Return c_share + d * b_share + e * a_share (+ d * e).")
def check_beaver(beaver_share: Any) -> Feedback:
    """The learner's z_i, summed over parties, must give x * y modulo 2**64."""
    name = "Exercise 4 (Beaver's last step)"
    with np.errstate(over="ignore"):  # single np.uint64 numbers warn when they wrap round
        return _check_beaver(name, beaver_share)


def _check_beaver(name: str, beaver_share: Any) -> Feedback:
    rng = np.random.default_rng(4)
    for parties in (2, 3):
        for _ in range(20):
            x, y = (int(v) for v in rng.integers(-1000, 1000, size=2))
            a, b = rng.integers(0, RING, size=2, dtype=np.uint64)
            c = a * b
            shares = {
                key: _split(value, parties, rng) for key, value in (("a", a), ("b", b), ("c", c))
            }
            d = np.uint64(x % RING) - a
            e = np.uint64(y % RING) - b
            zs = []
            for i in range(parties):
                z = call_learner(
                    beaver_share, d, e, shares["a"][i], shares["b"][i], shares["c"][i], i == 0
                )
                try:
                    zs.append(int(z) % RING)
                except (TypeError, ValueError):
                    return Feedback(
                        name, "incorrect", f"beaver_share returned {z!r}, not a number.", ""
                    )
            total = sum(zs) % RING
            if total == (x * y) % RING:
                continue
            extra = (total - x * y) % RING
            if extra == (int(d) * int(e) * (parties - 1)) % RING:
                return Feedback(
                    name,
                    "incorrect",
                    f"With {parties} parties the product comes out off by {parties - 1} × d·e: "
                    "every party added d·e.",
                    "Only the first party (first_party=True) adds d * e.",
                )
            if extra == (-int(d) * int(e)) % RING:
                return Feedback(
                    name,
                    "incorrect",
                    "The product comes out off by d·e: nobody added it.",
                    "The first party (first_party=True) adds d * e once.",
                )
            return Feedback(
                name,
                "incorrect",
                f"For x = {x}, y = {y} with {parties} parties the shares add up to "
                f"{_signed(total):,} (read as a signed number), not x·y = {x * y}.",
                "z = c_share + d * b_share + e * a_share; the first party also adds d * e.",
            )
    return Feedback(
        name,
        "correct",
        "The z shares add up to x·y for 40 random products with 2 and 3 parties: "
        "c + d·b + e·a + d·e = xy, and d·e is added once.",
    )


def _signed(ring_value: int) -> int:
    return ring_value - RING if ring_value >= RING // 2 else ring_value


def _split(value: np.uint64, parties: int, rng: np.random.Generator) -> list[np.uint64]:
    randoms = rng.integers(0, RING, size=parties - 1, dtype=np.uint64)
    return [*randoms, np.uint64(value - randoms.sum(dtype=np.uint64))]


# --------------------------------------------------------------------------
# Exercise 5: counting messages
# --------------------------------------------------------------------------


@check("Exercise 5 (count the messages)", "Make messages(n) return a whole number.")
def check_messages(messages: Any) -> Feedback:
    """messages(n) must give the secure sum's message count, 2n(n - 1), for every n."""
    name = "Exercise 5 (count the messages)"
    for n in (3, 5, 10, 2):  # 3 first: at n = 2 several wrong formulas agree
        got = as_number(call_learner(messages, n))
        right = mpc.protocol_cost("sum", n, 1)["messages"]
        if got is None:
            return Feedback(name, "incorrect", f"messages({n}) should be a whole number.", "")
        if close(got, right):
            continue
        if close(got, n * (n - 1)):
            hint = "That is round 1 only: in round 2 every party sends its partial sum too."
        elif close(got, 2 * n * n) or close(got, n * n):
            hint = "A party does not send a message to itself."
        elif close(got, 2 * (n - 1)) or close(got, n - 1):
            hint = "That is what one party sends; every party sends as many."
        else:
            hint = "Count per round: each of n parties sends one message to each of the others."
        return Feedback(
            name, "incorrect", f"messages({n}) = {got:g}, but the protocol sends {right}.", hint
        )
    return Feedback(
        name,
        "correct",
        "2n(n − 1): each party sends to each other party twice, once per round. The count grows "
        "with the square of the "
        f"number of parties: 10 parties send {mpc.protocol_cost('sum', 10, 1)['messages']} "
        "messages, 100 parties almost 20,000.",
    )
