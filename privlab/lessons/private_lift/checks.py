"""Checks for lesson 04, "Private Lift".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. The test cases are fixed: hand-made
totals, curve points blinded with seeded scalars, timestamps at the edges of
the attribution window, and the shipped study of :func:`~privlab.lift.study.lift_study`.

Two helpers give the learner the data of an exercise: :func:`psi_views`
(exercise 2) and :func:`differencing_reports` (exercise 4).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from privlab.lessons.kit.feedback import (
    Feedback,
    LearnerCodeError,
    as_number,
    call_learner,
    check,
    close,
)
from privlab.lessons.kit.feedback import shown as _shown
from privlab.lift.metrics import (
    DEFAULT_ATTRIBUTION_WINDOW,
    GRACE,
    is_attributed,
    lift_estimate,
    lift_metrics,
)
from privlab.lift.report import RELEASED_METRICS, audience_gate, lift_sensitivities
from privlab.lift.study import CAMPAIGN_START, lift_study
from privlab.mpc.psi import blind, hash_to_point, random_scalar

__all__ = [
    "NOISE_EPSILON",
    "NOISE_MAX_PURCHASES",
    "NOISE_VALUE_CAP",
    "check_attribution_terms",
    "check_differencing",
    "check_lift",
    "check_shared_rows",
    "check_value_noise",
    "differencing_reports",
    "psi_views",
]


def _near(value: float, target: float, tolerance: float = 1e-3) -> bool:
    """Whether ``value`` is ``target`` to a relative ``tolerance`` (exact for a target of 0)."""
    return math.isclose(value, target, rel_tol=tolerance, abs_tol=0.0)


def _cents(amount: float) -> str:
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"


def _euros(cents: float) -> str:
    """Cents as euros: ``€86.06``, or ``€3,000`` for whole euros."""
    euros = abs(cents) / 100
    shown = f"{euros:,.0f}" if euros == int(euros) else f"{euros:,.2f}"
    return f"{'−' if cents < 0 else ''}€{shown}"


# --------------------------------------------------------------------------
# Exercise 1: the lift from the totals
# --------------------------------------------------------------------------

_LIFT_TOTALS: tuple[dict[str, dict[str, int]], ...] = (
    # Groups of different sizes: the converters alone would give the wrong lift.
    {
        "test": {
            "population": 8_000,
            "matched": 3_000,
            "converters": 400,
            "conversions": 700,
            "value": 2_450_000,
        },
        "control": {
            "population": 2_000,
            "matched": 900,
            "converters": 80,
            "conversions": 100,
            "value": 390_000,
        },
    },
    # A smaller test group, and an ad that put people off.
    {
        "test": {
            "population": 1_500,
            "matched": 700,
            "converters": 30,
            "conversions": 41,
            "value": 120_000,
        },
        "control": {
            "population": 6_000,
            "matched": 2_900,
            "converters": 150,
            "conversions": 190,
            "value": 640_000,
        },
    },
)


def _lift_cases() -> list[dict[str, dict[str, int]]]:
    """The totals exercise 1 tries, the shipped study's second (its groups are almost equal)."""
    first, *others = _LIFT_TOTALS
    return [first, _differencing()[1], *others]


def _lift_mistakes(metrics: dict[str, dict[str, int]]) -> list[tuple[float, str, str]]:
    """(value, what it is, hint) for each typical wrong lift on ``metrics``."""
    test, control = metrics["test"], metrics["control"]
    p_t = test["converters"] / test["population"]
    p_c = control["converters"] / control["population"]
    rates = "test rate = test converters / test population, and the same for control"
    return [
        (
            test["converters"] / control["converters"] - 1,
            "That is the ratio of the converters alone, c_t / c_c − 1: it ignores that the "
            "groups differ in size. A group twice as large has twice as many buyers without "
            "any ad.",
            f"Compare rates, not counts: {rates}.",
        ),
        (
            p_t - p_c,
            "That is the difference of the rates, p_t − p_c: how many more buyers per user, in "
            "percentage points. The lift is relative: how many times more, minus 1.",
            "Divide the rates instead of subtracting them, then subtract 1.",
        ),
        (
            p_t / p_c,
            "That is the ratio of the rates, p_t / p_c, without the − 1: an ad that changes "
            "nothing would have a lift of 1 instead of 0.",
            "Subtract 1 from the ratio of the rates.",
        ),
        (
            (test["converters"] / test["matched"]) / (control["converters"] / control["matched"])
            - 1,
            "That uses `matched` instead of `population`. `matched` counts only the users "
            "found in the advertiser's sales log; a buying rate is per user of the group, "
            "whether they are customers or not.",
            "Divide each group's converters by its `population`.",
        ),
        (
            (test["conversions"] / test["population"])
            / (control["conversions"] / control["population"])
            - 1,
            "That uses `conversions` (purchases) instead of `converters` (buyers): the lift in "
            "purchases, not in buyers.",
            "Count buyers: use each group's `converters`.",
        ),
        (
            p_c / p_t - 1,
            "Test and control are swapped: that is p_c / p_t − 1.",
            "The test group's rate goes on top: p_t / p_c − 1.",
        ),
    ]


_ROUNDED_ENOUGH = 3
"""Exercise 1 accepts a lift rounded to 3 or more decimals (at most 0.0005 off)."""


def _rounded_to(got: float, right: float) -> int | None:
    """The number of decimals (0 to 9) ``got`` is ``right`` rounded to, if it is, else None.

    ``got`` must be on the grid of that many decimals, and at most half a step
    from ``right``: what ``round(right, k)`` or ``f"{right:.3f}"`` give.

    >>> _rounded_to(0.111, 0.11105527), _rounded_to(0.1111, 0.11105527), _rounded_to(0.2, 0.26)
    (3, 4, None)
    """
    if not abs(got - right) <= 0.5:  # farther than rounding to a whole number goes
        return None
    for decimals in range(10):
        scaled = got * 10**decimals
        on_grid = abs(scaled - round(scaled)) <= 1e-6
        if on_grid and abs(got - right) <= 0.5 * 10.0**-decimals + 1e-12:
            return decimals
    return None


@check("Exercise 1 (lift from totals)", "Make lift_from_totals(metrics) return one number.")
def check_lift(lift_from_totals: Any) -> Feedback:
    """``lift_from_totals(metrics)`` must give ``lift_estimate(metrics)["lift"]``.

    A lift rounded to 3 or more decimals is right too; rounded to fewer, the
    check says so.
    """
    name = "Exercise 1 (lift from totals)"
    answers = set()
    for metrics in _lift_cases():
        result = call_learner(lift_from_totals, copy.deepcopy(metrics))
        got = as_number(result)
        if got is None:
            return Feedback(
                name,
                "incorrect",
                f"lift_from_totals should return one number; got {_shown(result)}.",
                "Return test rate / control rate − 1, a float.",
            )
        answers.add(got)
        right = lift_estimate(metrics)["lift"]
        if close(got, right, 1e-9):
            continue
        shown = _shown_totals(metrics)
        study_lift = lift_estimate(_lift_cases()[1])["lift"]
        if close(got, study_lift, 1e-3) and not close(right, study_lift, 1e-3):
            return Feedback(
                name,
                "incorrect",
                f"For {shown} you return {got:.4g}, the lift of the lesson's study, not of "
                "these totals: the function does not use its `metrics` argument.",
                'Read the totals from `metrics`, e.g. `metrics["test"]["converters"]`.',
            )
        if len(answers) == 1 and len(_lift_cases()) > 1 and not _first_case(metrics):
            return Feedback(
                name,
                "incorrect",
                f"Your function returns {got:.4g} for different totals: it does not use its "
                "`metrics` argument.",
                'Read the totals from `metrics`, e.g. `metrics["test"]["converters"]`, not '
                "from a variable outside the function.",
            )
        decimals = _rounded_to(got, right)
        if decimals is not None and decimals >= _ROUNDED_ENOUGH:
            continue  # rounded to 3 decimals or more: at most 0.0005 off, far from any mistake
        if decimals is not None:
            places = "a whole number" if decimals == 0 else f"{decimals} decimal"
            places += "s" * (decimals > 1)
            return Feedback(
                name,
                "incorrect",
                f"For {shown} you return {got!r}: that is the lift, {right!r}, rounded to "
                f"{places}, which is too coarse to tell lifts apart.",
                "Return the full number, or round it to 3 decimals or more.",
            )
        if close(got, right, 5e-3):
            return Feedback(
                name,
                "incorrect",
                f"For {shown} you return {got!r}, close to the lift {right!r} but "
                f"{abs(got - right):.2g} off, and not the lift rounded to some number of "
                "decimals.",
                "Compute from the totals without rounding on the way (rounded rates give a "
                "slightly wrong lift); round only the result, if at all.",
            )
        percent = _rounded_to(got / 100, right)
        if _near(got, 100 * right, 1e-6) or (percent is not None and percent >= _ROUNDED_ENOUGH):
            return Feedback(
                name,
                "incorrect",
                f"For {shown} you return {got:.4g}, the lift as a percentage. Return it as a "
                f"fraction, {right:.4g} (which reads as {100 * right:.4g}%).",
                "Do not multiply by 100.",
            )
        for value, message, hint in _lift_mistakes(metrics):
            if close(got, value, 1e-9):
                return Feedback(
                    name, "incorrect", f"For {shown} you return {got:.4g}. {message}", hint
                )
        return Feedback(
            name,
            "incorrect",
            f"For {shown} you return {got:.4g}, but the lift is {right:.4g}.",
            "rate = converters / population for each group; lift = test rate / control rate − 1.",
        )
    return Feedback(
        name,
        "correct",
        "You compare the buying rates, not the counts, so groups of different sizes do not "
        "fool you: the lift says how much more often the people shown the ad bought than those "
        "held out (0.25 means 25% more buyers).",
    )


def _first_case(metrics: dict[str, dict[str, int]]) -> bool:
    """Whether ``metrics`` is the first case checked (a constant answer cannot show there)."""
    return metrics == _lift_cases()[0]


def _shown_totals(metrics: dict[str, dict[str, int]]) -> str:
    test, control = metrics["test"], metrics["control"]
    return (
        f"test {test['converters']:,} converters of {test['population']:,} and control "
        f"{control['converters']:,} of {control['population']:,}"
    )


# --------------------------------------------------------------------------
# Exercise 2: the local last step of private set intersection
# --------------------------------------------------------------------------

_PSI_PUBLISHER = ("ana", "ben", "chloé", "dan", "eve")
_PSI_ADVERTISER = ("dan", "fay", "ana", "gus")


def _double_blinded(
    mine: Sequence[str], theirs: Sequence[str], seed: int
) -> tuple[list[bytes], list[bytes]]:
    """Both lists blinded by both parties' secret scalars, as one party sees them.

    ``mine`` stays in row order; ``theirs`` comes in the order the other party
    sent it in round 1 (sorted by its singly blinded points), as in
    :func:`~privlab.mpc.private_intersection`.
    """
    generator = np.random.default_rng(seed)
    alpha, beta = random_scalar(generator), random_scalar(generator)
    mine_by_both = blind(blind([hash_to_point(x) for x in mine], alpha), beta)
    theirs_once = sorted(blind([hash_to_point(x) for x in theirs], beta))
    return mine_by_both, blind(theirs_once, alpha)


def psi_views() -> dict[str, list]:
    """The publisher's view at the end of a small private set intersection (exercise 2).

    The publisher holds ``["ana", "ben", "chloé", "dan", "eve"]``, the
    advertiser ``["dan", "fay", "ana", "gus"]``; their secret scalars come
    from a fixed seed.

    Returns
    -------
    dict
        ``my_ids``: the publisher's ids, in its row order; ``mine_by_both``: the
        same ids blinded by both parties (32-byte points, same order);
        ``theirs_by_both``: the advertiser's ids blinded by both parties, in
        the order the advertiser sent them.

    Examples
    --------
    >>> views = psi_views()
    >>> views["my_ids"]
    ['ana', 'ben', 'chloé', 'dan', 'eve']
    >>> len(views["mine_by_both"]), len(views["theirs_by_both"]), len(views["theirs_by_both"][0])
    (5, 4, 32)
    """
    mine, theirs = _double_blinded(_PSI_PUBLISHER, _PSI_ADVERTISER, seed=4)
    return {"my_ids": list(_PSI_PUBLISHER), "mine_by_both": mine, "theirs_by_both": theirs}


def _psi_cases() -> list[tuple[str, list[bytes], list[bytes]]]:
    """(description, mine_by_both, theirs_by_both) for the check, the lesson's example first."""
    generator = np.random.default_rng(44)
    people = [f"u{number:07d}" for number in generator.choice(10**7, size=120, replace=False)]
    views = psi_views()
    cases = [("the example of `ex.psi_views()`", views["mine_by_both"], views["theirs_by_both"])]
    lists = [
        ("40 ids against 30, 12 of them shared", people[:40], people[28:58]),
        ("25 ids against 25, none shared", people[60:85], people[85:110]),
        (
            "8 ids, all shared (the other list has 3 more)",
            people[:8],
            people[5:8] + people[:5] + people[110:113],
        ),
        ("an empty list of your own", [], people[:4]),
        ("5 ids against an empty list", people[:5], []),
    ]
    for seed, (what, mine, theirs) in enumerate(lists, start=45):
        cases.append((what, *_double_blinded(mine, theirs, seed)))
    return cases


def _row_numbers(result: Any, rows: int) -> tuple[np.ndarray | None, str, str]:
    """The learner's rows as a 1-d int array, or (None, why not, hint)."""
    if isinstance(result, (bytes, str)) or (
        isinstance(result, (list, tuple, np.ndarray))
        and any(isinstance(item, (bytes, str)) for item in result)
    ):
        return (
            None,
            "shared_rows returned points (or ids), not row numbers.",
            "Return the row number of each of your points that the other list has too: "
            "enumerate(mine_by_both) gives (row, point) pairs.",
        )
    if isinstance(result, (set, frozenset)):
        return (
            None,
            f"shared_rows returned a set, {_shown(result)}: a set has no order, and both "
            "parties must list the shared rows in the same order.",
            "Return sorted(...) of your rows, a list.",
        )
    if isinstance(result, tuple) and len(result) == 1 and isinstance(result[0], np.ndarray):
        return (
            None,
            "shared_rows returned a tuple holding one array, as np.where(...) gives.",
            "Take its first element, np.where(mask)[0], or use np.flatnonzero(mask).",
        )
    try:
        array = np.asarray(result)
    except (TypeError, ValueError):
        return None, f"shared_rows should return a list of row numbers; got {_shown(result)}.", ""
    if array.dtype == bool and array.shape == (rows,) and rows:
        return (
            None,
            "shared_rows returned a True/False mask, one entry per row, not the row numbers.",
            "np.flatnonzero(mask) turns a mask into the row numbers where it is True.",
        )
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iuf"):
        return (
            None,
            f"shared_rows should return a list of row numbers (whole numbers); got "
            f"{_shown(result)}.",
            "Return a list such as [0, 3], or a NumPy array of ints.",
        )
    if array.size and (
        not np.all(np.isfinite(array)) or not np.array_equal(array, np.round(array))
    ):
        return None, f"row numbers are whole numbers; got {_shown(result)}.", ""
    return array.astype(np.int64) if array.size else np.zeros(0, dtype=np.int64), "", ""


def _sorts_by_point(shared_rows: Any, cases: list[tuple[str, list[bytes], list[bytes]]]) -> bool:
    """Whether ``shared_rows`` lists the shared rows by their double-blinded points.

    Only cases with three shared rows or more tell that order from others
    (two rows sorted by point may just be two rows in reverse).
    """
    for _, mine, theirs in cases:
        theirs_set = set(theirs)
        right = [row for row, point in enumerate(mine) if point in theirs_set]
        if len(right) < 3:
            continue
        got, _, _ = _row_numbers(call_learner(shared_rows, list(mine), list(theirs)), len(mine))
        if got is None or got.tolist() != sorted(right, key=mine.__getitem__):
            return False
    return True


@check("Exercise 2 (shared rows)", "Make shared_rows(mine_by_both, theirs_by_both) return a list.")
def check_shared_rows(shared_rows: Any) -> Feedback:
    """``shared_rows`` must give, sorted, the rows of ``mine_by_both`` in ``theirs_by_both``."""
    name = "Exercise 2 (shared rows)"
    hint = (
        "Put theirs_by_both in a set; keep each row of mine_by_both whose point is in it, "
        "in increasing order."
    )
    cases = _psi_cases()
    for what, mine, theirs in cases:
        result = call_learner(shared_rows, list(mine), list(theirs))
        got, problem, problem_hint = _row_numbers(result, len(mine))
        if got is None:
            return Feedback(name, "incorrect", problem, problem_hint or hint)
        theirs_set = set(theirs)
        right = [row for row, point in enumerate(mine) if point in theirs_set]
        if got.tolist() == right:
            continue
        rows = got.tolist()
        shown = f"On {what}, shared_rows returns {_shown(rows)}"
        if set(rows) == set(right):
            if len(rows) > len(set(rows)):
                return Feedback(
                    name,
                    "incorrect",
                    f"{shown}: the right rows, but some more than once.",
                    "Each of your rows is shared or not: list each one once.",
                )
            if _sorts_by_point(shared_rows, cases):
                return Feedback(
                    name,
                    "incorrect",
                    f"{shown}: the right rows, sorted by their double-blinded points. That is the "
                    "order `private_intersection` uses to line up both parties' rows, but here "
                    "the rows should be in increasing order.",
                    "Sort the row numbers themselves: sorted(rows).",
                )
            return Feedback(
                name,
                "incorrect",
                f"{shown}: the right rows, but not in increasing order.",
                "Go through mine_by_both in order, or sort the rows at the end.",
            )
        mine_set = set(mine)
        positions = sorted(place for place, point in enumerate(theirs) if point in mine_set)
        if set(rows) == set(positions):
            return Feedback(
                name,
                "incorrect",
                f"{shown}: positions in the other party's list, theirs_by_both. The rows asked "
                "for are your own: positions in mine_by_both.",
                "Loop over enumerate(mine_by_both), not over theirs_by_both.",
            )
        others = [row for row in range(len(mine)) if row not in right]
        if set(rows) == set(others):
            return Feedback(
                name,
                "incorrect",
                f"{shown}: the rows that are not shared. You want the rows whose point the other "
                "party has too.",
                "Keep a row when its point is in theirs_by_both, not when it is missing.",
            )
        if rows == [row + 1 for row in right]:
            return Feedback(
                name,
                "incorrect",
                f"{shown}: counted from 1. Python numbers rows from 0.",
                "enumerate(mine_by_both) gives the row numbers, starting at 0.",
            )
        return Feedback(
            name,
            "incorrect",
            f"{shown}, but the shared rows are {right}.",
            hint,
        )
    return Feedback(
        name,
        "correct",
        "You found the shared rows from random-looking points alone: a shared id gives the "
        "same point H(x)^αβ on both sides, and the other party's other points cannot be linked "
        "to any id. `private_intersection` then sorts these rows by their point, so that both "
        "parties list the shared customers in the same order.",
    )


# --------------------------------------------------------------------------
# Exercise 3: attribution in one comparison
# --------------------------------------------------------------------------

_DAY = 86_400
_BOUNDARIES = (  # (event_ts - opportunity_ts as a function of window w and grace g, name)
    (lambda w, g: -g - 1, "{g + 1} s before the opportunity"),
    (lambda w, g: -g, "exactly {g} s before the opportunity"),
    (lambda w, g: -g + 1, "{g - 1} s before the opportunity"),
    (lambda w, g: 0, "at the moment of the opportunity"),
    (lambda w, g: 1, "1 s after the opportunity"),
    (lambda w, g: w, "exactly at the end of the window"),
    (lambda w, g: w + 1, "1 s after the end of the window"),
)
_TERM_CASES = ((DEFAULT_ATTRIBUTION_WINDOW, GRACE), (3_600, 0), (_DAY, 30), (60, 5))


def _attribution_cases() -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(opportunity_ts, event_ts, window, grace): the edges of the window, then random times."""
    generator = np.random.default_rng(404)
    cases = []
    for window, grace in _TERM_CASES:
        # the edges, each at two opportunities
        starts = CAMPAIGN_START + generator.integers(0, 30 * _DAY, 2)
        offsets = np.array([edge(window, grace) for edge, _ in _BOUNDARIES])
        opportunity = np.repeat(starts, offsets.size)
        event = opportunity + np.tile(offsets, starts.size)
        cases.append((opportunity.astype(np.int64), event.astype(np.int64), window, grace))
    for window, grace in _TERM_CASES:
        opportunity = CAMPAIGN_START + generator.integers(0, 30 * _DAY, 200)
        event = opportunity + generator.integers(-window - grace - 20, 2 * window + 20, 200)
        cases.append((opportunity.astype(np.int64), event.astype(np.int64), window, grace))
    return cases


def _terms(result: Any, shape: tuple[int, ...]) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """The learner's ``(a, C)`` as float arrays of ``shape``, or (None, None, why not)."""
    if isinstance(result, np.ndarray) and result.dtype == bool and result.shape == shape:
        return (
            None,
            None,
            "attribution_terms returned the decision itself (True/False per purchase); "
            "return the two numbers a and C instead.",
        )
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return (
            None,
            None,
            f"attribution_terms should return a pair (a, C); got {_shown(result)}.",
        )
    arrays = []
    for which, value in zip(("a", "C"), result, strict=True):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            array = np.asarray(None)
        if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
            return None, None, f"{which} should be whole numbers; got {_shown(value)}."
        try:
            arrays.append(np.broadcast_to(array, shape).astype(float))
        except ValueError:
            return (
                None,
                None,
                f"{which} should have one entry per purchase (shape {shape}) or be a single "
                f"number; got shape {array.shape}.",
            )
    return arrays[0], arrays[1], ""


def _in_window(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a * (C - a) > 0``, from the signs of the factors (no overflow)."""
    rest = c - a
    return ((a > 0) & (rest > 0)) | ((a < 0) & (rest < 0))


_TERMS_HINT = (
    "A purchase counts when o < e + g and e ≤ o + w. Make a > 0 say the first and C − a > 0 "
    "the second: a = e + g − o, and, since times are whole seconds, e ≤ o + w means "
    "e < o + w + 1."
)


@check("Exercise 3 (attribution in one comparison)", _TERMS_HINT)
def check_attribution_terms(attribution_terms: Any) -> Feedback:
    """``(a, C)`` must be ``(e + g - o, w + g + 1)``: ``a * (C - a) > 0`` is then the rule."""
    name = "Exercise 3 (attribution in one comparison)"
    for o, e, window, grace in _attribution_cases():
        try:
            result = call_learner(attribution_terms, o.copy(), e.copy(), window, grace)
        except LearnerCodeError as error:
            if "truth value of an array" not in str(error):
                raise
            return Feedback(
                name,
                "error",
                "Your function used `if` (or `and`, `or`) on a NumPy array of times, which "
                "Python cannot turn into one True or False.",
                "No decisions are needed: compute a and C with + and − from the arrays and "
                "the numbers window and grace.",
            )
        a, c, problem = _terms(result, o.shape)
        if a is None or c is None:
            return Feedback(name, "incorrect", problem, "Return a tuple: `return a, C`.")
        right_a, right_c = e + grace - o, window + grace + 1
        a_right, c_right = np.array_equal(a, right_a), bool(np.all(c == right_c))
        if a_right and c_right:
            continue
        mistake = _terms_mistake(a, c, o, e, window, grace, a_right)
        if mistake:
            return Feedback(name, "incorrect", *mistake)
        expected = is_attributed(o, e, attribution_window=window, grace=grace)
        wrong = np.flatnonzero(_in_window(a, c) != expected)
        if wrong.size:
            row = int(wrong[0])
            said = "counts" if expected[row] else "does not count"
            return Feedback(
                name,
                "incorrect",
                f"With window = {window:,} s and grace = {grace} s, a purchase at e − o = "
                f"{int(e[row] - o[row]):,} s {said}, but a·(C − a) > 0 says the opposite "
                f"(your a = {_cents(a[row])}, C = {_cents(c[row])}).",
                _TERMS_HINT,
            )
        return Feedback(
            name,
            "incorrect",
            f"a·(C − a) > 0 gives the right decisions, but a and C are not the ones asked for "
            f"(with window = {window:,} s and grace = {grace} s, C should be {right_c:,}).",
            "Return a = e + g − o and C = w + g + 1: `secure_lift` relies on their sizes.",
        )
    return Feedback(
        name,
        "correct",
        "a > 0 means o < e + g, and C − a > 0 means e ≤ o + w. The two add up to C > 0, so "
        "they are never both negative, and a·(C − a) > 0 checks both at once: one secure "
        "comparison of a product instead of two comparisons, about half the work.",
    )


def _terms_mistake(
    a: np.ndarray,
    c: np.ndarray,
    o: np.ndarray,
    e: np.ndarray,
    window: int,
    grace: int,
    a_right: bool,
) -> tuple[str, str] | None:
    """(message, hint) for a typical wrong ``(a, C)``, or None."""
    where = f"(window = {window:,} s, grace = {grace} s)"
    if a_right:
        if np.all(c == window + grace):
            return (
                f"C = window + grace is off by one {where}: C − a > 0 then means e < o + w, so a "
                "purchase exactly at the end of the window is missed.",
                "Times are whole seconds: e ≤ o + w is the same as e < o + w + 1.",
            )
        if np.all(c == window + 1) and grace:
            return (
                f"C leaves out the grace {where}: with a = e + g − o, C − a > 0 then means "
                f"e ≤ o + w − g, so purchases in the last {grace} s of the window are missed.",
                "a includes + g, so C must include it too: C = w + g + 1.",
            )
        if np.all(c == window) and grace:
            return (
                f"C = window leaves out both the grace and the + 1 {where}: purchases in the "
                f"last {grace + 1} s of the window are missed.",
                "C − a > 0 must mean e ≤ o + w: C = w + g + 1.",
            )
        if (window, grace) != (DEFAULT_ATTRIBUTION_WINDOW, GRACE) and np.all(
            c == DEFAULT_ATTRIBUTION_WINDOW + GRACE + 1
        ):
            return (
                f"C does not change with the arguments {where}: it uses the lesson's 7 days and "
                "10 s.",
                "Compute C from `window` and `grace`.",
            )
        return None
    if grace and np.array_equal(a, e - o):
        return (
            f"a = e − o forgets the grace {where}: a > 0 then means o < e, so purchases in the "
            f"{grace} s before the opportunity (clocks that disagree a little) are missed.",
            "The first condition is o < e + g: a = e + g − o.",
        )
    if any(np.array_equal(a, wrong) for wrong in (o - e - grace, o - e, o - e + grace)):
        return (
            f"a has the wrong sign {where}: with a = o − e (and the grace), a > 0 means the "
            "purchase came before the opportunity, which the ad cannot have caused.",
            "a > 0 must mean o < e + g: a = e + g − o.",
        )
    if grace and np.array_equal(a, e - grace - o):
        return (
            f"a subtracts the grace instead of adding it {where}: purchases up to {grace} s "
            "after the opportunity are missed, and none of the grace before it is allowed.",
            "The first condition is o < e + g: a = e + g − o.",
        )
    if grace != GRACE and np.array_equal(a, e + GRACE - o):
        return (
            f"a does not change with the argument `grace` {where}: it uses the lesson's 10 s.",
            "Compute a from the arguments: a = event_ts + grace − opportunity_ts.",
        )
    return None


# --------------------------------------------------------------------------
# Exercise 4: the differencing attack on the minimum-audience rule
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _differencing() -> tuple[dict[str, Any], dict[str, Any], str, int]:
    """Monday's and Tuesday's exact reports, Bob's id and his attributed value (cents).

    Bob is the first test-group user (in the publisher's row order) with
    exactly two attributed purchases worth a total that is not whole euros.
    """
    study = lift_study()
    publisher, advertiser = study.publisher, study.advertiser
    for row in np.flatnonzero(publisher["test_flag"]):
        person = advertiser["id"] == publisher["id"][row]
        counted = is_attributed(publisher["opportunity_ts"][row], advertiser["event_ts"][person])
        value = int(advertiser["value"][person][counted].sum())
        if counted.sum() == 2 and value % 100:
            bob = str(publisher["id"][row])
            break
    else:  # pragma: no cover - the shipped study has such users
        raise RuntimeError("the shipped study has no test user with two attributed purchases")
    others = publisher["id"] != bob
    without_bob = {column: values[others] for column, values in publisher.items()}
    monday = lift_metrics(without_bob, advertiser)
    tuesday = lift_metrics(publisher, advertiser)
    return monday, tuesday, bob, value


def differencing_reports() -> dict[str, Any]:
    """Two exact lift reports that differ in one customer, Bob (exercise 4).

    On Monday the publisher's list lacks Bob; on Tuesday the publisher has
    added him, its user, to the test group. The advertiser's table is the same
    both days, and Bob bought in his attribution window. Both
    reports are :func:`~privlab.lift.metrics.lift_metrics` on the shipped study
    (:func:`~privlab.lift.study.lift_study` with its default seed), and both
    pass :func:`~privlab.lift.report.audience_gate`.

    Returns
    -------
    dict
        ``monday`` and ``tuesday`` (each ``{"test": {...}, "control": {...}}``)
        and ``bob``, his id.

    Examples
    --------
    >>> reports = differencing_reports()
    >>> reports["bob"]
    'u5649820'
    >>> reports["monday"]["test"]["converters"], reports["tuesday"]["test"]["converters"]
    (296, 297)
    """
    monday, tuesday, bob, _ = _differencing()
    return {"monday": copy.deepcopy(monday), "tuesday": copy.deepcopy(tuesday), "bob": bob}


@check("Exercise 4 (differencing attack)")
def check_differencing(bob_value: Any) -> Feedback:
    """Tuesday's test-group value total minus Monday's: Bob's attributed purchases, in cents."""
    name = "Exercise 4 (differencing attack)"
    monday, tuesday, _, value = _differencing()
    guess = as_number(bob_value)
    hint = (
        "Which of the totals would Bob's purchases change, and in which group? "
        "Subtract Monday's from Tuesday's."
    )
    if guess is None:
        return Feedback(
            name,
            "incorrect",
            f"bob_value should be one number of cents; got {_shown(bob_value)}.",
            hint,
        )
    if _near(guess, value, 1e-9):
        gates = [audience_gate(report) for report in (monday, tuesday)]
        return Feedback(
            name,
            "correct",
            f"Bob's attributed purchases were worth {value:,} cents ({_euros(value)}). The "
            f"minimum-audience rule let both reports through ({gates[0].converters} and "
            f"{gates[1].converters} converters, {gates[0].needed} needed): a threshold on exact "
            "totals is not privacy, since two reports that differ in one person give that "
            "person away. Noise on every released total (differential privacy) is the defence.",
        )
    differences = {
        metric: {group: tuesday[group][metric] - monday[group][metric] for group in tuesday}
        for metric in tuesday["test"]
    }
    if _near(guess, -value, 1e-9):
        message = (
            f"{_cents(guess)} has the sign flipped: Bob was added on Tuesday, so "
            "Tuesday's total is the larger."
        )
    elif _near(guess, value / 100, 1e-9):
        message = (
            f"{_cents(guess)} is in euros; the totals are in cents, and so is bob_value "
            f"({_cents(guess)} euros is {value:,} cents)."
        )
    elif guess == differences["converters"]["test"]:
        message = (
            f"{_cents(guess)} is the difference in converters (or in matched people): it says "
            "that Bob bought, not how much he spent."
        )
    elif guess == differences["conversions"]["test"]:
        message = (
            f"{_cents(guess)} is the difference in conversions: how many purchases Bob made, "
            "not what they were worth."
        )
    elif guess == differences["value_squared"]["test"]:
        message = f"{_cents(guess)} is the difference in `value_squared`: Bob's value, squared."
    elif guess == 0:
        message = (
            "0 is the difference of the control group's totals: Bob is in the test group, so "
            "the control totals are the same on both days."
        )
    elif guess in (tuesday["test"]["value"], monday["test"]["value"]):
        day = "Tuesday" if guess == tuesday["test"]["value"] else "Monday"
        message = f"{_cents(guess)} is {day}'s total value of the test group, not the difference."
    else:
        message = f"{_cents(guess)} cents is not the value of Bob's attributed purchases."
    return Feedback(name, "incorrect", message, hint)


# --------------------------------------------------------------------------
# Exercise 5: the noise on the value total
# --------------------------------------------------------------------------

NOISE_EPSILON = 0.6
"""Budget of the whole report in exercise 5."""

NOISE_MAX_PURCHASES = 3
"""Purchases counted per person in exercise 5."""

NOISE_VALUE_CAP = 20_000
"""Cents counted per purchase in exercise 5 (€200)."""


@check("Exercise 5 (noise on the value total)")
def check_value_noise(value_noise_scale: Any) -> Feedback:
    """The Laplace scale of the value total: sensitivity / (epsilon / 3), in cents."""
    name = "Exercise 5 (noise on the value total)"
    sensitivity = lift_sensitivities(NOISE_MAX_PURCHASES, NOISE_VALUE_CAP)["value"]
    share = NOISE_EPSILON / len(RELEASED_METRICS)
    scale = sensitivity / share
    hint = (
        "b = Δ / ε_share: Δ = max_purchases × value_cap, and ε_share is the value total's "
        f"share of ε, split equally over the {len(RELEASED_METRICS)} released metrics."
    )
    guess = as_number(value_noise_scale)
    if guess is None:
        return Feedback(
            name,
            "incorrect",
            f"value_noise_scale should be one number of cents; got {_shown(value_noise_scale)}.",
            hint,
        )
    if _near(guess, scale, 1e-4):
        _, tuesday, _, bob = _differencing()
        return Feedback(
            name,
            "correct",
            f"b = {sensitivity:,} / {share:g} = {scale:,.0f} cents ({_euros(scale)}): the noise "
            f"on each group's value total is typically {_euros(scale)} either way, so Bob's "
            f"{_euros(bob)} is lost in it, and Monday's and Tuesday's reports look alike. The "
            "price is accuracy: the test group's total is only about "
            f"€{round(tuesday['test']['value'] / 100, -2):,.0f}.",
        )
    mistakes = [
        (
            NOISE_MAX_PURCHASES * NOISE_VALUE_CAP / NOISE_EPSILON,
            f"{_cents(guess)} cents is a third of the scale: either ε was not split (Δ / ε = "
            f"{sensitivity:,} / {NOISE_EPSILON:g}), or max_purchases was forgotten (value_cap / "
            f"ε_share = {NOISE_VALUE_CAP:,} / {share:g}).",
        ),
        (
            2 * scale,
            f"{_cents(guess)} cents is twice the scale: either ε was split over the two groups "
            "as well (one person is in one group only, so one share of ε covers both groups: "
            "parallel composition), or max_purchases = 6 from the lesson's report was used "
            f"instead of this exercise's {NOISE_MAX_PURCHASES}.",
        ),
        (
            NOISE_VALUE_CAP / NOISE_EPSILON,
            f"{_cents(guess)} cents forgets both that one person can make "
            f"{NOISE_MAX_PURCHASES} purchases and that ε is split over "
            f"{len(RELEASED_METRICS)} metrics.",
        ),
        (
            scale / 100,
            f"{_cents(guess)} is the scale in euros; the totals, and value_noise_scale, are in "
            "cents.",
        ),
        (
            sensitivity,
            f"{_cents(guess)} cents is the sensitivity Δ, how much one person can change the "
            "total; the scale is Δ divided by the ε the total gets.",
        ),
        (
            math.sqrt(2) * scale,
            f"{_cents(guess)} cents is the standard deviation of the noise, √2 · b; the "
            "question asks for the scale b.",
        ),
        (
            share / sensitivity,
            f"{_cents(guess)} is ε / Δ, upside down: the scale is Δ / ε.",
        ),
    ]
    for target, message in mistakes:
        if _near(guess, target):
            return Feedback(name, "incorrect", message, hint)
    products = {
        delta * eps for delta in (sensitivity, NOISE_VALUE_CAP) for eps in (share, NOISE_EPSILON)
    }
    if any(_near(guess, product) for product in products):
        return Feedback(
            name,
            "incorrect",
            f"{_cents(guess)} cents multiplies by ε; the scale divides by it: less budget, "
            "more noise.",
            hint,
        )
    return Feedback(
        name, "incorrect", f"{_cents(guess)} cents is not the scale of the noise.", hint
    )
