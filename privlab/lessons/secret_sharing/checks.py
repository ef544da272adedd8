"""Checks for lesson 03, "Secret sharing and secure computation".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. Random checks use fixed seeds; the
uniformity check of exercise 1 tests every bit of every share, with tolerances
of 6 standard errors.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from privlab import mpc
from privlab.lessons.kit.checks import Exercise, FunctionExercise, mistake, right
from privlab.lessons.kit.feedback import Feedback, as_number, call_learner, check, close, listing

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

_SHARINGS = 4_000
"""How many times exercise 1's check shares each secret to test that the shares are uniform."""

_UNIFORM_CASES = ((42, 3), (2**63 + 12_345, 3))  # (secret, parties): a small and a large secret

_BIT_TOLERANCE = 6 * 0.5 / math.sqrt(_SHARINGS)
"""How far from 1/2 the fraction of sharings with a bit set may be: 6 standard errors, 0.047.

A fair bit is 1 in a fraction of the sharings with standard error 0.5 / sqrt(4,000),
about 0.0079; a right answer is off by more than 6 of them with probability 2e-9 per bit.
"""

_CHI_SQUARE_15_CRITICAL = 70.0  # 15 degrees of freedom: false-alarm rate 4.5e-9 per test

_BITS = np.arange(64, dtype=np.uint64)


def _bit_shares(values: np.ndarray) -> np.ndarray:
    """For each of the 64 bits (bit 0 the lowest), the fraction of ``values`` in which it is 1."""
    return ((values[:, None] >> _BITS) & np.uint64(1)).mean(axis=0)


def _worst_nibble(values: np.ndarray) -> tuple[int, float]:
    """The group of 4 bits (0 for bits 0 to 3, ... 15 for bits 60 to 63) least like uniform.

    Returns the group and its chi-square statistic against 1/16 for each of its 16 values.
    """
    expected = values.size / 16
    statistics = []
    for group in range(16):
        nibbles = ((values >> np.uint64(4 * group)) & np.uint64(15)).astype(int)
        counts = np.bincount(nibbles, minlength=16)
        statistics.append(float(np.sum((counts - expected) ** 2 / expected)))
    worst = int(np.argmax(statistics))
    return worst, statistics[worst]


def _bits_words(bits: np.ndarray) -> str:
    """``bit 0``, ``bits 0 to 31``, ``bits 3, 7 and 9``, or ``12 of its 64 bits (3, 7, 9, ...)``."""
    bits = [int(bit) for bit in bits]
    if len(bits) == 1:
        return f"bit {bits[0]}"
    if bits == list(range(bits[0], bits[-1] + 1)):
        return f"bits {bits[0]} to {bits[-1]}"
    if len(bits) <= 6:
        return f"bits {listing(bits)}"
    return f"{len(bits)} of its 64 bits ({', '.join(map(str, bits[:3]))}, ...)"


@dataclass(frozen=True)
class _Column:
    """Shares (or a relation of two shares) over many sharings of one secret, and their bits."""

    label: str  # "share 1", "share 1 − share 2", "share 1 XOR share 2"
    kind: str  # "share", "difference" or "xor"
    parts: tuple[int, ...]  # the share numbers, from 1
    values: np.ndarray

    @property
    def ones(self) -> np.ndarray:
        return _bit_shares(self.values)

    @property
    def biased(self) -> np.ndarray:
        """The bits that are 1 in too few or too many sharings."""
        return np.flatnonzero(np.abs(self.ones - 0.5) > _BIT_TOLERANCE)

    @property
    def constant(self) -> bool:
        return bool(np.all(self.values == self.values[0]))


def _columns(sharings: np.ndarray) -> list[_Column]:
    """Every share, and the difference and the XOR of every two, over the sharings (rows)."""
    parties = sharings.shape[1]
    columns = [_Column(f"share {j + 1}", "share", (j + 1,), sharings[:, j]) for j in range(parties)]
    for j, k in itertools.combinations(range(parties), 2):
        pair, one, other = (j + 1, k + 1), sharings[:, j], sharings[:, k]
        columns.append(_Column(f"share {j + 1} − share {k + 1}", "difference", pair, one - other))
        columns.append(_Column(f"share {j + 1} XOR share {k + 1}", "xor", pair, one ^ other))
    return columns


_EVERY_BIT = (
    "Every one of the 64 bits must be random (no floats, no shifts): "
    "rng.integers(0, 2**64, size=parties - 1, dtype=np.uint64)."
)

_WHOLE_RING = (
    "Draw parties − 1 shares over the whole ring, "
    "rng.integers(0, 2**64, size=parties - 1, dtype=np.uint64), and compute the last one: the "
    "secret minus their sum."
)


def _constant_problem(columns: list[_Column], secret: int) -> tuple[str, str] | None:
    """(message, hint) when a share, or a relation of two shares, never changes."""
    shares = [column for column in columns if column.kind == "share"]
    runs = f"all {_SHARINGS:,} sharings of the secret {secret:,}"
    fresh = (
        "Draw the random shares afresh on every call, with the `rng` you are given, and compute "
        "only the last one from the secret: the secret minus their sum."
    )
    if all(column.constant for column in shares):
        return (
            f"share({secret:,}, {len(shares)}, rng) gives the same shares in {runs}: each share "
            "is then a fixed function of the secret, and whoever has seen it once recognises "
            "the secret the next time. The function does not draw from the `rng` it is given "
            "(a generator made inside the function, with a fixed seed, repeats itself on every "
            "call).",
            "Draw with the `rng` argument: rng.integers(0, 2**64, size=parties - 1, "
            "dtype=np.uint64).",
        )
    for column in shares:
        if column.constant:
            value = int(column.values[0])
            party = column.parts[0]
            if value == secret:
                return (
                    f"Share {party} is always the secret itself: whoever holds it knows the "
                    "secret.",
                    "Every share must look random; only all of them together give the secret.",
                )
            if party == len(shares):
                offset = (secret - value) % RING
                why = (
                    f"it is the secret minus the fixed number {offset:,} (modulo 2⁶⁴), so "
                    f"whoever holds it works the secret out by adding {offset:,} back"
                )
            else:
                why = (
                    "it hides nothing, and the other shares add up to the secret minus "
                    f"{value:,} on their own: their holders can rebuild the secret without "
                    f"party {party}"
                )
            return (
                f"Share {party} is the same number, {value:,}, in {runs}: {why}. A share must "
                "not be a function of the secret: it must change from one sharing to the next, "
                "covering the whole ring.",
                fresh,
            )
    for column in columns:
        if column.kind == "share" or not column.constant:
            continue
        j, k = column.parts
        value = int(column.values[0])
        if column.kind == "difference" and value == 0:
            tied = f"Share {j} and share {k} are equal in every sharing"
        elif column.kind == "difference":
            tied = f"Share {j} − share {k} is {value:,} in every sharing (modulo 2⁶⁴)"
        else:
            tied = f"Share {j} XOR share {k} is {value:,} in every sharing"
        return (
            f"{tied}: the two shares are tied together, so whoever holds one knows the other, "
            "and fewer shares than all of them can give the secret away.",
            "Draw each random share on its own: rng.integers(0, 2**64, size=parties - 1, "
            "dtype=np.uint64) draws parties − 1 independent ones at once.",
        )
    return None


def _share_bits_problem(column: _Column, secret: int) -> tuple[str, str] | None:
    """(message, hint) when some bits of one share are not fair coins."""
    biased, ones = column.biased, column.ones
    if not biased.size:
        return None
    party = column.parts[0]
    used = int(column.values.max()).bit_length()  # the share stays below 2**used
    every = int(np.bitwise_or.reduce(column.values))  # the bits that are ever 1
    zeros = (every & -every).bit_length() - 1  # the lowest bits that are always 0
    if used < 64:
        top = 64 - used
        bits = f"{top} bits are" if top > 1 else "bit is"
        why = ""
        if used == 63:
            why = (
                " rng.integers(0, 2**63) draws from half the ring only: without "
                "dtype=np.uint64, NumPy draws int64 numbers, which stop below 2⁶³."
            )
        elif used == 32:
            why = " That is the range of rng.integers(0, 2**32)."
        return (
            f"Share {party} stays below 2^{used}: its top {bits} 0 in all {_SHARINGS:,} "
            f"sharings (its largest value was {int(column.values.max()):,}).{why} Shares from "
            "part of the ring "
            "leave the last share, the secret minus their sum, uneven too, and where it leans "
            "depends on the secret: it tells its holder about the secret.",
            _WHOLE_RING + " (The dtype matters: the default int64 stops at 2⁶³.)",
        )
    if zeros == 1:
        return (
            f"Share {party} is always even: its lowest bit is 0 in all {_SHARINGS:,} "
            "sharings. If every drawn share is even, the last share is odd exactly when the "
            "secret is: its holder learns the secret's lowest bit.",
            _EVERY_BIT,
        )
    if zeros > 1:
        why = ""
        if zeros == 11:
            why = (
                " (That is what floats give: a float has 53 significant bits, so "
                "rng.random() * 2**64 leaves the lowest 11 bits 0.)"
            )
        return (
            f"The lowest {zeros} bits of share {party} are 0 in all {_SHARINGS:,} sharings: "
            f"only its top {64 - zeros} bits are random.{why} If every drawn share ends in "
            f"{zeros} zero bits, the last share ends in the secret's own lowest {zeros} bits: "
            "its holder reads them off.",
            _EVERY_BIT,
        )
    count = biased.size
    low, high = float(ones[biased].min()), float(ones[biased].max())
    spread = f"{low:.1%}" if low == high else f"{low:.1%} to {high:.1%}"
    return (
        f"Share {party} is not uniform on the ring: {_bits_words(biased)} "
        f"{'is' if count == 1 else 'are'} 1 in {spread} of {_SHARINGS:,} sharings of "
        f"{secret:,}, not about half (the check allows 50% ± {_BIT_TOLERANCE:.1%}, 6 standard "
        "errors). Every bit of a uniform share is a fair coin; a biased one gives its holder, "
        "or the holder of the last share, a hint about the secret.",
        _WHOLE_RING,
    )


def _uniformity_problem(sharings: np.ndarray, secret: int) -> tuple[str, str] | None:
    """(message, hint) when the shares of ``secret`` (one sharing a row) are not uniform.

    In order: a share or a relation that never changes; a share with biased
    bits (the first share first: it is drawn, the last is computed); a
    relation of two shares with biased bits; 4 bits of a share or relation
    whose 16 values are not uniform together, though each bit is fair.
    """
    columns = _columns(sharings)
    problem = _constant_problem(columns, secret)
    if problem:
        return problem
    for column in columns:
        if column.kind == "share":
            problem = _share_bits_problem(column, secret)
            if problem:
                return problem
    for column in columns:
        if column.biased.size:
            return (
                f"Each share on its own looks uniform, but {column.label} does not: "
                f"{_bits_words(column.biased)} {'is' if column.biased.size == 1 else 'are'} 1 "
                f"in {float(column.ones[column.biased].min()):.1%} to "
                f"{float(column.ones[column.biased].max()):.1%} of {_SHARINGS:,} sharings, not "
                "about half. The shares depend on each other, so two of them together tell "
                "more than either alone.",
                "Draw each random share on its own, over the whole ring: "
                "rng.integers(0, 2**64, size=parties - 1, dtype=np.uint64).",
            )
    for column in columns:
        group, statistic = _worst_nibble(column.values)
        if statistic > _CHI_SQUARE_15_CRITICAL:
            return (
                f"Every bit of {column.label} is 1 about half the time, but bits {4 * group} to "
                f"{4 * group + 3} together are not uniform over their 16 values (chi-square "
                f"{statistic:.0f} > {_CHI_SQUARE_15_CRITICAL:.0f} over {_SHARINGS:,} sharings): "
                "the bits of a share must be independent coin flips.",
                _WHOLE_RING,
            )
    return None


@check("Exercise 1 (share a secret)", "Make share(secret, parties, rng) return a uint64 array.")
def check_share(share: Any) -> Feedback:
    """Shares must add up to the secret modulo 2**64, and be uniform and independent of it.

    The shares of a few secrets must add up; then 4,000 sharings each of a
    small and a large secret among 3 parties must give shares of which every
    one of the 64 bits, of every share and of the difference and the XOR of
    every two shares, is 1 in about half the sharings (within 6 standard
    errors), and whose 4-bit groups are uniform (chi-square, 15 degrees of
    freedom). A right answer fails one of these 1,440 tests with probability
    about 4e-6, and the seed is fixed, so it never does.
    """
    name = "Exercise 1 (share a secret)"
    with np.errstate(over="ignore"):  # single np.uint64 numbers warn when they wrap round
        return _check_share(name, share)


def _sharings(
    share: Any, secret: int, parties: int, count: int, rng: np.random.Generator
) -> tuple[np.ndarray | None, str]:
    """``count`` sharings of ``secret`` as rows of a uint64 array, or (None, why not)."""
    sharings = np.empty((count, parties), dtype=np.uint64)
    for i in range(count):
        shares, problem = _as_ring_array(call_learner(share, secret, parties, rng), parties)
        if shares is None:
            return None, f"share({secret}, {parties}, rng), called again: {problem}"
        sharings[i] = shares
    return sharings, ""


def _check_share(name: str, share: Any, seed: int = 2026) -> Feedback:
    rng = np.random.default_rng(seed)
    for secret, parties in ((42, 3), (0, 2), (RING - 1, 5), (2**63, 4)):
        shares, problem = _as_ring_array(call_learner(share, secret, parties, rng), parties)
        if shares is None:
            return Feedback(name, "incorrect", f"share({secret}, {parties}, rng): {problem}", "")
        total = int(shares.sum(dtype=np.uint64))
        if total != secret and int(np.bitwise_xor.reduce(shares)) == secret and parties > 1:
            return Feedback(
                name,
                "incorrect",
                f"The shares of share({secret:,}, {parties}, rng) XOR to the secret, but add up "
                f"to {total:,} modulo 2⁶⁴. XOR sharing is secure too (it is sharing bit by bit), "
                "but this lesson's protocols add shares: they must add up to the secret modulo "
                "2⁶⁴.",
                "Make the last share secret minus the sum of the others (with -, not ^).",
            )
        if total != secret:
            return Feedback(
                name,
                "incorrect",
                f"share({secret:,}, {parties}, rng) gives shares that add up to {total:,} "
                f"modulo 2⁶⁴, not {secret:,}.",
                "Draw parties − 1 random shares, then make the last one secret minus their sum.",
            )
    for secret, parties in _UNIFORM_CASES:
        sharings, problem = _sharings(share, secret, parties, _SHARINGS, rng)
        if sharings is None:
            return Feedback(name, "incorrect", problem, "")
        totals = sharings.sum(axis=1, dtype=np.uint64)
        if np.any(totals != np.uint64(secret)):
            wrong = int(np.argmax(totals != np.uint64(secret)))
            return Feedback(
                name,
                "incorrect",
                f"In sharing {wrong + 1:,} of {_SHARINGS:,} of the secret {secret:,}, the shares "
                f"add up to {int(totals[wrong]):,} modulo 2⁶⁴: every sharing must add up.",
                "Compute the last share from the shares drawn in the same call.",
            )
        problem = _uniformity_problem(sharings, secret)
        if problem:
            return Feedback(name, "incorrect", f"The shares add up. {problem[0]}", problem[1])
    return Feedback(
        name,
        "correct",
        "Your shares add up to the secret modulo 2⁶⁴, and each of the 64 bits of every share "
        "(and of every difference and XOR of two shares) is a fair coin over 4,000 sharings "
        "of a small and of a large secret: any one share, on its own, says nothing.",
    )


# --------------------------------------------------------------------------
# Exercise 2: the output of a two-party average leaks
# --------------------------------------------------------------------------

_ANA, _BEN = 52_300.00, 48_750.50


def _euros(amount: float) -> str:
    return f"{'−' if amount < 0 else ''}€{abs(amount):,.2f}"


def _leak_facts() -> dict[str, float]:
    average = (_ANA + _BEN) / 2
    return {"average": average, "difference": average - _ANA, "ben": _BEN}


BEN = "Ana + Ben = 2 × average, so Ben = 2 × average − Ana."

check_output_leak = Exercise(
    "Exercise 2 (the output leaks)",
    answers=["ben_salary"],
    facts=_leak_facts,
    derive=lambda a: {
        "guess": as_number(a["ben_salary"]),
        "euros": _euros(as_number(a["ben_salary"]) or 0.0),
    },
    rules=[
        mistake(lambda a: a["guess"] is None, "ben_salary should be a number of euros.", ""),
        mistake(
            lambda a: close(a["guess"], a["average"], 1e-9),
            "That is the average itself, not Ben's salary.",
            "The average of two salaries is (Ana + Ben) / 2. Solve for Ben.",
        ),
        mistake(
            lambda a: close(abs(a["guess"]), abs(a["difference"]), 1e-6),
            "{euros} is the difference between the average and Ana's salary.",
            BEN,
        ),
        right(
            lambda a: close(a["guess"], a["ben"], 1e-6),
            "Ben earns €{ben:,.2f}: the protocol kept every message secret, yet its output, "
            "with Ana's own input, gives Ben away. No protocol can hide what the output says; "
            "noise on the output (differential privacy) can.",
        ),
    ],
    otherwise=mistake(None, "{euros} is not Ben's salary.", BEN),
).checker()


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


def _lagrange_facts() -> dict[str, Any]:
    """The pooled shares, and what each pair of them gives (a line, not the parabola)."""
    points = pooled_shares()
    two_point = {
        int(sum(w * y for w, (_, y) in zip(weights, pair, strict=True)) % _PRIME)
        for pair in ((points[0], points[1]), (points[0], points[2]), (points[1], points[2]))
        for weights in [mpc.lagrange_coefficients([x for x, _ in pair], prime=_PRIME)]
    }
    return {
        "ys": [y for _, y in points],
        "two_point": two_point,
        "p": _PRIME,
        "top": _PRIME - 1,
        "right_secret": _SECRET,
    }


def _whole(value: Any) -> int | None:
    number = as_number(value)
    return int(number) if number is not None and number == int(number) else None


check_lagrange = Exercise(
    "Exercise 3 (reconstruct a Shamir secret)",
    answers=["secret"],
    facts=_lagrange_facts,
    derive=lambda a: {"value": _whole(a["secret"])},
    rules=[
        mistake(
            lambda a: a["value"] is None,
            "secret should be a single whole number from 0 to 96; got {secret!r}.",
            "If your result is an array with one entry, take it out with int(...).",
        ),
        mistake(
            lambda a: not 0 <= a["value"] < a["p"] and a["value"] % a["p"] == a["right_secret"],
            "{value} is right modulo {p}, but a secret modulo {p} lies between 0 and {top}.",
            "Take the result % {p}.",
        ),
        mistake(
            lambda a: not 0 <= a["value"] < a["p"],
            "{value} is outside 0 to {top}, and not the secret modulo {p} either.",
            "Do every step modulo 97, including the weights (mpc.lagrange_coefficients).",
        ),
        mistake(
            lambda a: a["value"] in a["ys"],
            "{value} is one of the shares, not the secret.",
            "The secret is the polynomial's value at x = 0: combine all three shares.",
        ),
        mistake(
            lambda a: a["value"] in a["two_point"],
            "That comes from two of the three points: a line through them, not the parabola.",
            "With threshold 3 the polynomial has degree 2: use all three points.",
        ),
        right(
            lambda a: a["value"] == a["right_secret"],
            "The secret is {right_secret}: three points of a degree-2 polynomial fix it, and its "
            "value at 0 is the secret. Any two of them would leave every value from 0 to 96 "
            "equally likely.",
        ),
    ],
    otherwise=mistake(
        None,
        "{value} is not the secret.",
        "secret = (sum of weight × y) % 97, weights = mpc.lagrange_coefficients(xs, prime=97).",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 4: the last step of Beaver multiplication
# --------------------------------------------------------------------------


def _first_wrong_product(answers: dict[str, Any]) -> dict[str, Any]:
    """The first of 40 random products whose z shares do not add up to x·y (nothing if none)."""
    rng = np.random.default_rng(4)
    with np.errstate(over="ignore"):  # single np.uint64 numbers warn when they wrap round
        for parties in (2, 3):
            for _ in range(20):
                x, y = (int(v) for v in rng.integers(-1000, 1000, size=2))
                a, b = rng.integers(0, RING, size=2, dtype=np.uint64)
                shares = [_split(value, parties, rng) for value in (a, b, a * b)]
                d, e = np.uint64(x % RING) - a, np.uint64(y % RING) - b
                zs = []
                for i in range(parties):
                    z = call_learner(
                        answers["beaver_share"], d, e, *(share[i] for share in shares), i == 0
                    )
                    try:
                        zs.append(int(z) % RING)
                    except (TypeError, ValueError):
                        return {"wrong": "form", "z": z}
                total = sum(zs) % RING
                if total != (x * y) % RING:
                    return {
                        "wrong": "product",
                        "x": x,
                        "y": y,
                        "product": x * y,
                        "parties": parties,
                        "others": parties - 1,
                        "total": _signed(total),
                        "extra": (total - x * y) % RING,
                        "de": int(d) * int(e),
                    }
    return {"wrong": ""}


check_beaver = Exercise(
    "Exercise 4 (Beaver's last step)",
    answers=["beaver_share"],
    derive=_first_wrong_product,
    rules=[
        mistake(lambda a: a["wrong"] == "form", "beaver_share returned {z!r}, not a number.", ""),
        right(
            lambda a: not a["wrong"],
            "The z shares add up to x·y for 40 random products with 2 and 3 parties: "
            "c + d·b + e·a + d·e = xy, and d·e is added once.",
        ),
        mistake(
            lambda a: a["extra"] == (a["de"] * a["others"]) % RING,
            "With {parties} parties the product comes out off by {others} × d·e: every party "
            "added d·e.",
            "Only the first party (first_party=True) adds d * e.",
        ),
        mistake(
            lambda a: a["extra"] == (-a["de"]) % RING,
            "The product comes out off by d·e: nobody added it.",
            "The first party (first_party=True) adds d * e once.",
        ),
    ],
    otherwise=mistake(
        None,
        "For x = {x}, y = {y} with {parties} parties the shares add up to {total:,} (read as a "
        "signed number), not x·y = {product}.",
        "z = c_share + d * b_share + e * a_share; the first party also adds d * e.",
    ),
    hint_on_error="Return c_share + d * b_share + e * a_share (+ d * e).",
).checker()


def _signed(ring_value: int) -> int:
    return ring_value - RING if ring_value >= RING // 2 else ring_value


def _split(value: np.uint64, parties: int, rng: np.random.Generator) -> list[np.uint64]:
    randoms = rng.integers(0, RING, size=parties - 1, dtype=np.uint64)
    return [*randoms, np.uint64(value - randoms.sum(dtype=np.uint64))]


# --------------------------------------------------------------------------
# Exercise 5: counting messages
# --------------------------------------------------------------------------


def _messages(n: int) -> int:
    return mpc.protocol_cost("sum", n, 1)["messages"]


check_messages = FunctionExercise(
    "Exercise 5 (count the messages)",
    cases=lambda: [{"n": n} for n in (3, 5, 10, 2)],  # 3 first: at 2 wrong formulas agree
    arguments=["n"],
    oracle=_messages,
    output=as_number,
    same=close,
    bad_output=mistake(None, "messages({n}) should be a whole number.", ""),
    rules=[
        mistake(
            lambda c: close(c["got"], c["n"] * (c["n"] - 1)),
            "messages({n}) = {got:g}, but the protocol sends {expected}.",
            "That is round 1 only: in round 2 every party sends its partial sum too.",
        ),
        mistake(
            lambda c: close(c["got"], 2 * c["n"] ** 2) or close(c["got"], c["n"] ** 2),
            "messages({n}) = {got:g}, but the protocol sends {expected}.",
            "A party does not send a message to itself.",
        ),
        mistake(
            lambda c: close(c["got"], 2 * (c["n"] - 1)) or close(c["got"], c["n"] - 1),
            "messages({n}) = {got:g}, but the protocol sends {expected}.",
            "That is what one party sends; every party sends as many.",
        ),
    ],
    otherwise=mistake(
        None,
        "messages({n}) = {got:g}, but the protocol sends {expected}.",
        "Count per round: each of n parties sends one message to each of the others.",
    ),
    correct="2n(n − 1): each party sends to each other party twice, once per round. The count "
    f"grows with the square of the number of parties: 10 parties send {_messages(10)} messages, "
    "100 parties almost 20,000.",
    hint_on_error="Make messages(n) return a whole number.",
).checker("messages")
