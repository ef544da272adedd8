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
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from privlab.lessons.kit.checks import Exercise, FunctionExercise, mistake, right
from privlab.lessons.kit.feedback import Feedback, as_number, call_learner, close
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

# --------------------------------------------------------------------------
# Could move to the kit:
# --------------------------------------------------------------------------


class _Worked(str):
    """A rule's text with fields worked out, when it is said, from what the rule sees."""

    def __new__(cls, text: str, derive: Callable[[dict[str, Any]], dict[str, Any]]) -> _Worked:
        worked = super().__new__(cls, text)
        worked.derive = derive
        return worked

    def format(self, /, **seen: Any) -> str:
        return str.format(self, **{**seen, **self.derive(seen)})


def _on_copies(function: Any) -> Any:
    """The learner's function, given deep copies of its arguments: it cannot change the cases."""
    if not callable(function):
        return function

    @functools.wraps(function)
    def on_copies(*arguments: Any) -> Any:
        return function(*copy.deepcopy(arguments))

    return on_copies


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


def _guessed(answer: Any) -> dict[str, Any]:
    """An answer that should be one number: as ``guess``, as ``cents`` and as ``shown``."""
    guess = as_number(answer)
    return {
        "guess": guess,
        "cents": "" if guess is None else _cents(guess),
        "shown": _shown(answer),
    }


def _no_number(answer: str, hint: str) -> Any:
    """The rule for an ``answer`` of cents that is not one number."""
    return mistake(
        lambda a: a["guess"] is None,
        f"{answer} should be one number of cents; got {{shown}}.",
        hint,
    )


# --------------------------------------------------------------------------
# Exercise 1: the lift from the totals
# --------------------------------------------------------------------------

_COLUMNS = ("population", "matched", "converters", "conversions", "value")
_LIFT_TOTALS = (  # (test, control) totals, in the order of _COLUMNS
    # Groups of different sizes: the converters alone would give the wrong lift.
    ((8_000, 3_000, 400, 700, 2_450_000), (2_000, 900, 80, 100, 390_000)),
    # A smaller test group, and an ad that put people off.
    ((1_500, 700, 30, 41, 120_000), (6_000, 2_900, 150, 190, 640_000)),
)


def _lift_cases() -> list[dict[str, Any]]:
    """The totals exercise 1 tries, the shipped study's second (its groups are almost equal)."""
    first, *others = (
        {
            "test": dict(zip(_COLUMNS, test, strict=True)),
            "control": dict(zip(_COLUMNS, control, strict=True)),
        }
        for test, control in _LIFT_TOTALS
    )
    totals = [first, _differencing()[1], *others]
    lifts = [lift_estimate(metrics)["lift"] for metrics in totals]
    return [
        {
            "metrics": metrics,
            "totals": _shown_totals(metrics),
            "study": lifts[1],
            "earlier": lifts[:i],
            "percent": 100 * lifts[i],
        }
        for i, metrics in enumerate(totals)
    ]


def _shown_totals(metrics: dict[str, dict[str, int]]) -> str:
    test, control = metrics["test"], metrics["control"]
    return (
        f"test {test['converters']:,} converters of {test['population']:,} and control "
        f"{control['converters']:,} of {control['population']:,}"
    )


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


def _lift_agrees(got: float, lift: float) -> bool:
    """The lift, or the lift rounded to 3 decimals or more."""
    return close(got, lift, 1e-9) or (_rounded_to(got, lift) or 0) >= _ROUNDED_ENOUGH


def _as_percentage(seen: dict[str, Any]) -> bool:
    percent = _rounded_to(seen["got"] / 100, seen["expected"])
    return _near(seen["got"], 100 * seen["expected"], 1e-6) or (percent or 0) >= _ROUNDED_ENOUGH


def _rate(group: dict[str, int], count: str = "converters", per: str = "population") -> float:
    return group[count] / group[per]


_RATES = "test rate = test converters / test population, and the same for control"
_LIFT_MISTAKES = (  # (the wrong lift, from the test and control totals; what it is; hint)
    (
        lambda t, c: t["converters"] / c["converters"] - 1,
        "That is the ratio of the converters alone, c_t / c_c − 1: it ignores that the groups "
        "differ in size. A group twice as large has twice as many buyers without any ad.",
        f"Compare rates, not counts: {_RATES}.",
    ),
    (
        lambda t, c: _rate(t) - _rate(c),
        "That is the difference of the rates, p_t − p_c: how many more buyers per user, in "
        "percentage points. The lift is relative: how many times more, minus 1.",
        "Divide the rates instead of subtracting them, then subtract 1.",
    ),
    (
        lambda t, c: _rate(t) / _rate(c),
        "That is the ratio of the rates, p_t / p_c, without the − 1: an ad that changes "
        "nothing would have a lift of 1 instead of 0.",
        "Subtract 1 from the ratio of the rates.",
    ),
    (
        lambda t, c: _rate(t, per="matched") / _rate(c, per="matched") - 1,
        "That uses `matched` instead of `population`. `matched` counts only the users "
        "found in the advertiser's sales log; a buying rate is per user of the group, "
        "whether they are customers or not.",
        "Divide each group's converters by its `population`.",
    ),
    (
        lambda t, c: _rate(t, "conversions") / _rate(c, "conversions") - 1,
        "That uses `conversions` (purchases) instead of `converters` (buyers): the lift in "
        "purchases, not in buyers.",
        "Count buyers: use each group's `converters`.",
    ),
    (
        lambda t, c: _rate(c) / _rate(t) - 1,
        "Test and control are swapped: that is p_c / p_t − 1.",
        "The test group's rate goes on top: p_t / p_c − 1.",
    ),
)
_USE_METRICS = 'Read the totals from `metrics`, e.g. `metrics["test"]["converters"]`'

_check_lift = FunctionExercise(
    "Exercise 1 (lift from totals)",
    cases=_lift_cases,
    arguments=["metrics"],
    oracle=lambda metrics: lift_estimate(metrics)["lift"],
    output=as_number,
    same=_lift_agrees,
    bad_output=mistake(
        None,
        _Worked(
            "lift_from_totals should return one number; got {shown}.",
            lambda a: {"shown": _shown(a["result"])},
        ),
        "Return test rate / control rate − 1, a float.",
    ),
    rules=[
        mistake(
            lambda a: (
                close(a["got"], a["study"], 1e-3) and not close(a["expected"], a["study"], 1e-3)
            ),
            "For {totals} you return {got:.4g}, the lift of the lesson's study, not of these "
            "totals: the function does not use its `metrics` argument.",
            f"{_USE_METRICS}.",
        ),
        mistake(  # the same answer as for every case before, which it got right
            lambda a: a["earlier"] and all(_lift_agrees(a["got"], lift) for lift in a["earlier"]),
            "Your function returns {got:.4g} for different totals: it does not use its "
            "`metrics` argument.",
            f"{_USE_METRICS}, not from a variable outside the function.",
        ),
        *(
            mistake(
                lambda a, d=decimals: _rounded_to(a["got"], a["expected"]) == d,
                "For {totals} you return {got!r}: that is the lift, {expected!r}, rounded to "
                + places
                + ", which is too coarse to tell lifts apart.",
                "Return the full number, or round it to 3 decimals or more.",
            )
            for decimals, places in enumerate(("a whole number", "1 decimal", "2 decimals"))
        ),
        mistake(
            lambda a: close(a["got"], a["expected"], 5e-3),
            _Worked(
                "For {totals} you return {got!r}, close to the lift {expected!r} but {off:.2g} "
                "off, and not the lift rounded to some number of decimals.",
                lambda a: {"off": abs(a["got"] - a["expected"])},
            ),
            "Compute from the totals without rounding on the way (rounded rates give a "
            "slightly wrong lift); round only the result, if at all.",
        ),
        mistake(
            _as_percentage,
            "For {totals} you return {got:.4g}, the lift as a percentage. Return it as a "
            "fraction, {expected:.4g} (which reads as {percent:.4g}%).",
            "Do not multiply by 100.",
        ),
        *(
            mistake(
                lambda a, wrong=wrong: close(
                    a["got"], wrong(a["metrics"]["test"], a["metrics"]["control"]), 1e-9
                ),
                "For {totals} you return {got:.4g}. " + what,
                hint,
            )
            for wrong, what, hint in _LIFT_MISTAKES
        ),
    ],
    otherwise=mistake(
        None,
        "For {totals} you return {got:.4g}, but the lift is {expected:.4g}.",
        "rate = converters / population for each group; lift = test rate / control rate − 1.",
    ),
    correct="You compare the buying rates, not the counts, so groups of different sizes do not "
    "fool you: the lift says how much more often the people shown the ad bought than those "
    "held out (0.25 means 25% more buyers).",
    hint_on_error="Make lift_from_totals(metrics) return one number.",
).checker("lift_from_totals")


def check_lift(lift_from_totals: Any) -> Feedback:
    """``lift_from_totals(metrics)`` must give the lift, full or rounded to 3 decimals or more."""
    return _check_lift(_on_copies(lift_from_totals))


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


def _shared(mine: Sequence[bytes], theirs: Sequence[bytes]) -> list[int]:
    """The rows of ``mine`` whose point ``theirs`` holds too, in increasing order."""
    theirs_set = set(theirs)
    return [row for row, point in enumerate(mine) if point in theirs_set]


@functools.cache
def _psi_cases() -> list[dict[str, Any]]:
    """The lists exercise 2 tries, the lesson's example first."""
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
    return [
        {
            "what": what,
            "mine": mine,
            "theirs": theirs,
            "positions": _shared(theirs, mine),
            "others": sorted(set(range(len(mine))) - set(_shared(mine, theirs))),
        }
        for what, mine, theirs in cases
    ]


def _row_numbers(result: Any, rows: int = 0) -> tuple[np.ndarray | None, str, str]:
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


_ROWS_HINT = (
    "Put theirs_by_both in a set; keep each row of mine_by_both whose point is in it, "
    "in increasing order."
)


def _rows_problem(seen: dict[str, Any]) -> dict[str, str]:
    _, problem, hint = _row_numbers(seen["result"], len(seen["mine"]))
    return {"problem": problem, "fix": hint or _ROWS_HINT}


def _said(text: str) -> _Worked:
    """``text`` after "On <the case>, shared_rows returns <the rows>"."""
    return _Worked(
        "On {what}, shared_rows returns {rows}" + text,
        lambda a: {"rows": _shown(a["got"].tolist())},
    )


def _right_rows(seen: dict[str, Any]) -> bool:
    return set(seen["got"].tolist()) == set(seen["expected"])


def _sorts_by_point(shared_rows: Any) -> bool:
    """Whether ``shared_rows`` lists the shared rows by their double-blinded points.

    Only cases with three shared rows or more tell that order from others
    (two rows sorted by point may just be two rows in reverse).
    """
    for case in _psi_cases():
        mine, theirs = case["mine"], case["theirs"]
        right_rows = _shared(mine, theirs)
        if len(right_rows) < 3:
            continue
        got, _, _ = _row_numbers(call_learner(shared_rows, mine, theirs), len(mine))
        if got is None or got.tolist() != sorted(right_rows, key=mine.__getitem__):
            return False
    return True


_SHARED_ROWS = FunctionExercise(
    "Exercise 2 (shared rows)",
    cases=_psi_cases,
    arguments=["mine", "theirs"],
    oracle=_shared,
    output=lambda result: _row_numbers(result)[0],
    same=lambda got, expected: got.tolist() == expected,
    bad_output=mistake(None, _Worked("{problem}", _rows_problem), _Worked("{fix}", _rows_problem)),
    rules=[  # check_shared_rows puts the order by points second
        mistake(
            lambda a: _right_rows(a) and a["got"].size > len(set(a["got"].tolist())),
            _said(": the right rows, but some more than once."),
            "Each of your rows is shared or not: list each one once.",
        ),
        mistake(
            _right_rows,
            _said(": the right rows, but not in increasing order."),
            "Go through mine_by_both in order, or sort the rows at the end.",
        ),
        mistake(
            lambda a: set(a["got"].tolist()) == set(a["positions"]),
            _said(
                ": positions in the other party's list, theirs_by_both. The rows asked for are "
                "your own: positions in mine_by_both."
            ),
            "Loop over enumerate(mine_by_both), not over theirs_by_both.",
        ),
        mistake(
            lambda a: set(a["got"].tolist()) == set(a["others"]),
            _said(
                ": the rows that are not shared. You want the rows whose point the other party "
                "has too."
            ),
            "Keep a row when its point is in theirs_by_both, not when it is missing.",
        ),
        mistake(
            lambda a: a["got"].tolist() == [row + 1 for row in a["expected"]],
            _said(": counted from 1. Python numbers rows from 0."),
            "enumerate(mine_by_both) gives the row numbers, starting at 0.",
        ),
    ],
    otherwise=mistake(None, _said(", but the shared rows are {expected}."), _ROWS_HINT),
    correct="You found the shared rows from random-looking points alone: a shared id gives the "
    "same point H(x)^αβ on both sides, and the other party's other points cannot be linked "
    "to any id. `private_intersection` then sorts these rows by their point, so that both "
    "parties list the shared customers in the same order.",
    hint_on_error="Make shared_rows(mine_by_both, theirs_by_both) return a list.",
)


def check_shared_rows(shared_rows: Any) -> Feedback:
    """``shared_rows`` must give, sorted, the rows of ``mine_by_both`` in ``theirs_by_both``."""
    learner = _on_copies(shared_rows)
    by_point = mistake(  # this rule calls the learner's function on the other cases
        lambda a: _right_rows(a) and _sorts_by_point(learner),
        _said(
            ": the right rows, sorted by their double-blinded points. That is the order "
            "`private_intersection` uses to line up both parties' rows, but here the rows "
            "should be in increasing order."
        ),
        "Sort the row numbers themselves: sorted(rows).",
    )
    rules = list(_SHARED_ROWS.rules)
    rules.insert(1, by_point)
    return replace(_SHARED_ROWS, rules=rules).checker("shared_rows")(learner)


# --------------------------------------------------------------------------
# Exercise 3: attribution in one comparison
# --------------------------------------------------------------------------

_DAY = 86_400


def _edges(w: int, g: int) -> tuple[int, ...]:
    """event_ts − opportunity_ts at the edges of window ``w`` with grace ``g``."""
    return (-g - 1, -g, -g + 1, 0, 1, w, w + 1)


_TERM_CASES = ((DEFAULT_ATTRIBUTION_WINDOW, GRACE), (3_600, 0), (_DAY, 30), (60, 5))


def _attribution_cases() -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(opportunity_ts, event_ts, window, grace): the edges of the window, then random times."""
    generator = np.random.default_rng(404)
    cases = []
    for window, grace in _TERM_CASES:
        # the edges, each at two opportunities
        starts = CAMPAIGN_START + generator.integers(0, 30 * _DAY, 2)
        offsets = np.array(_edges(window, grace))
        opportunity = np.repeat(starts, offsets.size)
        event = opportunity + np.tile(offsets, starts.size)
        cases.append((opportunity.astype(np.int64), event.astype(np.int64), window, grace))
    for window, grace in _TERM_CASES:
        opportunity = CAMPAIGN_START + generator.integers(0, 30 * _DAY, 200)
        event = opportunity + generator.integers(-window - grace - 20, 2 * window + 20, 200)
        cases.append((opportunity.astype(np.int64), event.astype(np.int64), window, grace))
    return cases


def _term_cases() -> list[dict[str, Any]]:
    return [
        {
            "o": o,
            "e": e,
            "window": window,
            "grace": grace,
            "where": f"(window = {window:,} s, grace = {grace} s)",
            "missed": grace + 1,
            "right_c": window + grace + 1,
        }
        for o, e, window, grace in _attribution_cases()
    ]


def _terms_problem(result: Any, shape: tuple[int, ...] | None) -> str:
    """Why ``result`` is not a pair (a, C) of numbers, each one or one per purchase; "" if it is.

    With ``shape`` None, any shapes do.
    """
    if isinstance(result, np.ndarray) and result.dtype == bool and result.shape == shape:
        return (
            "attribution_terms returned the decision itself (True/False per purchase); "
            "return the two numbers a and C instead."
        )
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return f"attribution_terms should return a pair (a, C); got {_shown(result)}."
    for which, value in zip(("a", "C"), result, strict=True):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            array = np.asarray(None)
        if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
            return f"{which} should be whole numbers; got {_shown(value)}."
        if shape is None:
            continue
        try:
            np.broadcast_to(array, shape)
        except ValueError:
            return (
                f"{which} should have one entry per purchase (shape {shape}) or be a single "
                f"number; got shape {array.shape}."
            )
    return ""


def _one_per_purchase(terms: Any, shape: tuple[int, ...]) -> list[np.ndarray]:
    """A valid pair (a, C) as float arrays of ``shape``."""
    return [np.broadcast_to(np.asarray(value), shape).astype(float) for value in terms]


def _same_terms(got: Any, expected: tuple[np.ndarray, int]) -> bool:
    shape = expected[0].shape
    if _terms_problem(got, shape):
        return False
    a, c = _one_per_purchase(got, shape)
    return np.array_equal(a, expected[0]) and bool(np.all(c == expected[1]))


def _in_window(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a * (C - a) > 0``, from the signs of the factors (no overflow)."""
    rest = c - a
    return ((a > 0) & (rest > 0)) | ((a < 0) & (rest < 0))


def _terms_rule(test: Callable[..., Any], says: str, hint: str) -> Any:
    """A mistake in the learner's a and C: ``test(a, C, o, e, w, g)`` holds."""

    def holds(seen: dict[str, Any]) -> bool:
        a, c = _one_per_purchase(seen["got"], seen["o"].shape)
        return bool(test(a, c, seen["o"], seen["e"], seen["window"], seen["grace"]))

    return mistake(holds, says, hint)


def _first_wrong_decision(seen: dict[str, Any]) -> dict[str, Any]:
    """The first purchase that a·(C − a) > 0 decides wrongly, for the message (or nothing)."""
    o, e, window, grace = seen["o"], seen["e"], seen["window"], seen["grace"]
    a, c = _one_per_purchase(seen["got"], o.shape)
    expected = is_attributed(o, e, attribution_window=window, grace=grace)
    wrong = np.flatnonzero(_in_window(a, c) != expected)
    if not wrong.size:
        return {}
    row = int(wrong[0])
    return {
        "gap": int(e[row] - o[row]),
        "said": "counts" if expected[row] else "does not count",
        "a": _cents(a[row]),
        "c": _cents(c[row]),
    }


def _a_right(a: np.ndarray, o: np.ndarray, e: np.ndarray, g: int) -> bool:
    return np.array_equal(a, e + g - o)


_TERMS_HINT = (
    "A purchase counts when o < e + g and e ≤ o + w. Make a > 0 say the first and C − a > 0 the "
    "second: a = e + g − o, and, since times are whole seconds, e ≤ o + w means e < o + w + 1."
)
_FIRST_CONDITION = "The first condition is o < e + g: a = e + g − o."

_NOT_TERMS = mistake(  # also what the check says when the output is not a pair of numbers
    lambda a: bool(_terms_problem(a["result"], a["o"].shape)),
    _Worked("{problem}", lambda a: {"problem": _terms_problem(a["result"], a["o"].shape)}),
    "Return a tuple: `return a, C`.",
)

_check_terms = FunctionExercise(
    "Exercise 3 (attribution in one comparison)",
    cases=_term_cases,
    arguments=["o", "e", "window", "grace"],
    oracle=lambda o, e, window, grace: (e + grace - o, window + grace + 1),
    output=lambda result: None if _terms_problem(result, None) else result,
    same=_same_terms,
    bad_output=_NOT_TERMS,
    rules=[
        _NOT_TERMS,
        _terms_rule(
            lambda a, c, o, e, w, g: _a_right(a, o, e, g) and np.all(c == w + g),
            "C = window + grace is off by one {where}: C − a > 0 then means e < o + w, so a "
            "purchase exactly at the end of the window is missed.",
            "Times are whole seconds: e ≤ o + w is the same as e < o + w + 1.",
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: _a_right(a, o, e, g) and np.all(c == w + 1) and g,
            "C leaves out the grace {where}: with a = e + g − o, C − a > 0 then means "
            "e ≤ o + w − g, so purchases in the last {grace} s of the window are missed.",
            "a includes + g, so C must include it too: C = w + g + 1.",
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: _a_right(a, o, e, g) and np.all(c == w) and g,
            "C = window leaves out both the grace and the + 1 {where}: purchases in the last "
            "{missed} s of the window are missed.",
            "C − a > 0 must mean e ≤ o + w: C = w + g + 1.",
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: (
                _a_right(a, o, e, g)
                and (w, g) != (DEFAULT_ATTRIBUTION_WINDOW, GRACE)
                and np.all(c == DEFAULT_ATTRIBUTION_WINDOW + GRACE + 1)
            ),
            "C does not change with the arguments {where}: it uses the lesson's 7 days and 10 s.",
            "Compute C from `window` and `grace`.",
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: g and np.array_equal(a, e - o),
            "a = e − o forgets the grace {where}: a > 0 then means o < e, so purchases in the "
            "{grace} s before the opportunity (clocks that disagree a little) are missed.",
            _FIRST_CONDITION,
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: any(
                np.array_equal(a, wrong) for wrong in (o - e - g, o - e, o - e + g)
            ),
            "a has the wrong sign {where}: with a = o − e (and the grace), a > 0 means the "
            "purchase came before the opportunity, which the ad cannot have caused.",
            "a > 0 must mean o < e + g: a = e + g − o.",
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: g and np.array_equal(a, e - g - o),
            "a subtracts the grace instead of adding it {where}: purchases up to {grace} s "
            "after the opportunity are missed, and none of the grace before it is allowed.",
            _FIRST_CONDITION,
        ),
        _terms_rule(
            lambda a, c, o, e, w, g: g != GRACE and np.array_equal(a, e + GRACE - o),
            "a does not change with the argument `grace` {where}: it uses the lesson's 10 s.",
            "Compute a from the arguments: a = event_ts + grace − opportunity_ts.",
        ),
        mistake(
            lambda a: bool(_first_wrong_decision(a)),
            _Worked(
                "With window = {window:,} s and grace = {grace} s, a purchase at e − o = "
                "{gap:,} s {said}, but a·(C − a) > 0 says the opposite (your a = {a}, C = {c}).",
                _first_wrong_decision,
            ),
            _TERMS_HINT,
        ),
    ],
    otherwise=mistake(
        None,
        "a·(C − a) > 0 gives the right decisions, but a and C are not the ones asked for "
        "(with window = {window:,} s and grace = {grace} s, C should be {right_c:,}).",
        "Return a = e + g − o and C = w + g + 1: `secure_lift` relies on their sizes.",
    ),
    correct="a > 0 means o < e + g, and C − a > 0 means e ≤ o + w. The two add up to C > 0, so "
    "they are never both negative, and a·(C − a) > 0 checks both at once: one secure "
    "comparison of a product instead of two comparisons, about half the work.",
    hint_on_error=_TERMS_HINT,
).checker("attribution_terms")


def check_attribution_terms(attribution_terms: Any) -> Feedback:
    """``(a, C)`` must be ``(e + g - o, w + g + 1)``: ``a * (C - a) > 0`` is then the rule."""
    feedback = _check_terms(_on_copies(attribution_terms))
    if feedback.status == "error" and "truth value of an array" in feedback.message:
        return Feedback(
            feedback.exercise,
            "error",
            "Your function used `if` (or `and`, `or`) on a NumPy array of times, which "
            "Python cannot turn into one True or False.",
            "No decisions are needed: compute a and C with + and − from the arrays and "
            "the numbers window and grace.",
        )
    return feedback


# --------------------------------------------------------------------------
# Exercise 4: the differencing attack on the minimum-audience rule
# --------------------------------------------------------------------------


@functools.cache
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


def _differencing_facts() -> dict[str, Any]:
    monday, tuesday, _, value = _differencing()
    return {
        "value": value,
        "euros": _euros(value),
        "gates": [audience_gate(report) for report in (monday, tuesday)],
        "change": {
            metric: tuesday["test"][metric] - monday["test"][metric] for metric in tuesday["test"]
        },
        "monday": monday["test"]["value"],
        "tuesday": tuesday["test"]["value"],
    }


def _guess_is(target: Callable[[dict[str, Any]], float]) -> Callable[[dict[str, Any]], bool]:
    """The guess is ``target`` exactly (to a relative 1e-9)."""
    return lambda a: _near(a["guess"], target(a), 1e-9)


_BOB_HINT = (
    "Which of the totals would Bob's purchases change, and in which group? "
    "Subtract Monday's from Tuesday's."
)

_BOB_MISTAKES = (  # (when, what the guess is), all with the same hint
    (
        _guess_is(lambda a: -a["value"]),
        "{cents} has the sign flipped: Bob was added on Tuesday, so Tuesday's total is the larger.",
    ),
    (
        _guess_is(lambda a: a["value"] / 100),
        "{cents} is in euros; the totals are in cents, and so is bob_value ({cents} euros "
        "is {value:,} cents).",
    ),
    (
        lambda a: a["guess"] == a["change"]["converters"],
        "{cents} is the difference in converters (or in matched people): it says that Bob "
        "bought, not how much he spent.",
    ),
    (
        lambda a: a["guess"] == a["change"]["conversions"],
        "{cents} is the difference in conversions: how many purchases Bob made, not what "
        "they were worth.",
    ),
    (
        lambda a: a["guess"] == a["change"]["value_squared"],
        "{cents} is the difference in `value_squared`: Bob's value, squared.",
    ),
    (
        lambda a: a["guess"] == 0,
        "0 is the difference of the control group's totals: Bob is in the test group, so "
        "the control totals are the same on both days.",
    ),
    (
        lambda a: a["guess"] == a["tuesday"],
        "{cents} is Tuesday's total value of the test group, not the difference.",
    ),
    (
        lambda a: a["guess"] == a["monday"],
        "{cents} is Monday's total value of the test group, not the difference.",
    ),
)

check_differencing = Exercise(
    "Exercise 4 (differencing attack)",
    answers=["bob_value"],
    facts=_differencing_facts,
    derive=lambda a: _guessed(a["bob_value"]),
    rules=[
        _no_number("bob_value", _BOB_HINT),
        right(
            _guess_is(lambda a: a["value"]),
            "Bob's attributed purchases were worth {value:,} cents ({euros}). The "
            "minimum-audience rule let both reports through ({gates[0].converters} and "
            "{gates[1].converters} converters, {gates[0].needed} needed): a threshold on exact "
            "totals is not privacy, since two reports that differ in one person give that "
            "person away. Noise on every released total (differential privacy) is the defence.",
        ),
        *(mistake(when, says, _BOB_HINT) for when, says in _BOB_MISTAKES),
    ],
    otherwise=mistake(
        None, "{cents} cents is not the value of Bob's attributed purchases.", _BOB_HINT
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 5: the noise on the value total
# --------------------------------------------------------------------------

NOISE_EPSILON = 0.6
"""Budget of the whole report in exercise 5."""

NOISE_MAX_PURCHASES = 3
"""Purchases counted per person in exercise 5."""

NOISE_VALUE_CAP = 20_000
"""Cents counted per purchase in exercise 5 (€200)."""


def _noise_facts() -> dict[str, Any]:
    sensitivity = lift_sensitivities(NOISE_MAX_PURCHASES, NOISE_VALUE_CAP)["value"]
    share = NOISE_EPSILON / len(RELEASED_METRICS)
    _, tuesday, _, bob = _differencing()
    return {
        "sensitivity": sensitivity,
        "share": share,
        "scale": sensitivity / share,
        "scale_euros": _euros(sensitivity / share),
        "bob_euros": _euros(bob),
        "test_total": round(tuesday["test"]["value"] / 100, -2),
        "epsilon": NOISE_EPSILON,
        "purchases": NOISE_MAX_PURCHASES,
        "cap": NOISE_VALUE_CAP,
        "metrics": len(RELEASED_METRICS),
    }


def _scale_mistake(target: Callable[[dict[str, Any]], float], says: str) -> Any:
    """A guess that is ``target`` (to 0.1%) is the mistake that ``says`` names."""
    return mistake(lambda a: _near(a["guess"], target(a)), says, _SCALE_HINT)


_SCALE_HINT = (
    "b = Δ / ε_share: Δ = max_purchases × value_cap, and ε_share is the value total's "
    "share of ε, split equally over the {metrics} released metrics."
)

check_value_noise = Exercise(
    "Exercise 5 (noise on the value total)",
    answers=["value_noise_scale"],
    facts=_noise_facts,
    derive=lambda a: _guessed(a["value_noise_scale"]),
    rules=[
        _no_number("value_noise_scale", _SCALE_HINT),
        right(
            lambda a: _near(a["guess"], a["scale"], 1e-4),
            "b = {sensitivity:,} / {share:g} = {scale:,.0f} cents ({scale_euros}): the noise "
            "on each group's value total is typically {scale_euros} either way, so Bob's "
            "{bob_euros} is lost in it, and Monday's and Tuesday's reports look alike. The "
            "price is accuracy: the test group's total is only about €{test_total:,.0f}.",
        ),
        _scale_mistake(
            lambda a: a["purchases"] * a["cap"] / a["epsilon"],
            "{cents} cents is a third of the scale: either ε was not split (Δ / ε = "
            "{sensitivity:,} / {epsilon:g}), or max_purchases was forgotten (value_cap / "
            "ε_share = {cap:,} / {share:g}).",
        ),
        _scale_mistake(
            lambda a: 2 * a["scale"],
            "{cents} cents is twice the scale: either ε was split over the two groups as well "
            "(one person is in one group only, so one share of ε covers both groups: parallel "
            "composition), or max_purchases = 6 from the lesson's report was used instead of "
            "this exercise's {purchases}.",
        ),
        _scale_mistake(
            lambda a: a["cap"] / a["epsilon"],
            "{cents} cents forgets both that one person can make {purchases} purchases and "
            "that ε is split over {metrics} metrics.",
        ),
        _scale_mistake(
            lambda a: a["scale"] / 100,
            "{cents} is the scale in euros; the totals, and value_noise_scale, are in cents.",
        ),
        _scale_mistake(
            lambda a: a["sensitivity"],
            "{cents} cents is the sensitivity Δ, how much one person can change the total; "
            "the scale is Δ divided by the ε the total gets.",
        ),
        _scale_mistake(
            lambda a: math.sqrt(2) * a["scale"],
            "{cents} cents is the standard deviation of the noise, √2 · b; the question asks "
            "for the scale b.",
        ),
        _scale_mistake(
            lambda a: a["share"] / a["sensitivity"],
            "{cents} is ε / Δ, upside down: the scale is Δ / ε.",
        ),
        mistake(
            lambda a: any(
                _near(a["guess"], delta * eps)
                for delta in (a["sensitivity"], a["cap"])
                for eps in (a["share"], a["epsilon"])
            ),
            "{cents} cents multiplies by ε; the scale divides by it: less budget, more noise.",
            _SCALE_HINT,
        ),
    ],
    otherwise=mistake(None, "{cents} cents is not the scale of the noise.", _SCALE_HINT),
).checker()
