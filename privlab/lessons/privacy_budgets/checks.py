"""Checks for lesson 02, "Privacy budgets and attacks".

Each ``check_*`` function takes the learner's answers and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. Random checks use fixed seeds and
generous tolerances, so a right answer never fails by bad luck.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from privlab import dp
from privlab.lessons.kit.checks import Exercise, mistake, right
from privlab.lessons.kit.feedback import Feedback, as_number, call_learner, check, close

__all__ = [
    "check_audit",
    "check_bill",
    "check_gaussian",
    "check_queries_needed",
    "check_reconstruct",
]


# --------------------------------------------------------------------------
# Exercise 1: how many answers does the averaging attack need?
# --------------------------------------------------------------------------

EPSILON_PER_ANSWER = 0.5


def _averaging_facts() -> dict[str, float]:
    a = math.exp(-EPSILON_PER_ANSWER)
    sd = math.sqrt(2 * a) / (1 - a)  # of one discrete Laplace answer
    needed = math.ceil(sd**2)
    return {
        "sd": sd,
        "needed": needed,
        "per_answer": EPSILON_PER_ANSWER,
        "total": needed * EPSILON_PER_ANSWER,
    }


def _with_off_by(a: dict[str, Any]) -> dict[str, Any]:
    """The answers, with how far an average of k answers is typically off: sd / √k."""
    k = a["k"]
    return {**a, "off_by": a["sd"] / math.sqrt(k) if k is not None and k > 0 else math.inf}


COMPOSITION = "Sequential composition: k answers at ε each spend k × ε."

check_queries_needed = Exercise(
    "Exercise 1 (averaging attack)",
    answers=["queries_needed", "epsilon_spent"],
    facts=_averaging_facts,
    derive=lambda a: _with_off_by(
        {"k": as_number(a["queries_needed"]), "spent": as_number(a["epsilon_spent"]), **a}
    ),
    rules=[
        mistake(
            lambda a: a["k"] is None or a["spent"] is None,
            "Both answers should be numbers.",
            "queries_needed is a whole number of answers; epsilon_spent is a total ε.",
        ),
        mistake(
            lambda a: a["k"] != int(a["k"]),
            "queries_needed = {k:g} is not a whole number: an attacker asks whole questions.",
            "Round up: the smallest whole k with sd / √k ≤ 1.",
        ),
        mistake(
            lambda a: a["k"] < 1,
            "queries_needed = {k:g}: the attacker needs at least one answer.",
            "Find the smallest whole k with sd / √k ≤ 1.",
        ),
        mistake(
            lambda a: close(a["k"], math.ceil(a["sd"])) or close(a["k"], a["sd"]),
            "With k = {k:g} the average is typically off by sd / √k = {off_by:.2f}, still "
            "more than 1.",
            "The error of an average shrinks like 1/√k, so you need k ≥ sd².",
        ),
        mistake(
            lambda a: a["k"] < a["needed"],
            "With k = {k:g} the average is typically off by {off_by:.2f} people, more than 1.",
            "Solve sd / √k ≤ 1 for k, with sd = {sd:.2f}, and round up.",
        ),
        mistake(
            lambda a: a["k"] > a["needed"],
            "k = {k:g} works, but fewer answers would do.",
            "Find the smallest whole k with sd / √k ≤ 1.",
        ),
        mistake(
            lambda a: close(a["spent"], a["per_answer"]),
            "epsilon_spent counts only one answer; every answer spends ε again.",
            COMPOSITION,
        ),
        mistake(
            lambda a: not close(a["spent"], a["total"]),
            "epsilon_spent = {spent:g} is not what {needed} answers at ε = {per_answer:g} spend.",
            COMPOSITION,
        ),
    ],
    otherwise=right(
        None,
        "{needed} answers bring the error below one person, and spend ε = {total:g}: the "
        "guarantee for the people in the data is now only ε = {total:g}. An accountant that "
        "stops at the budget stops this attack.",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 2: write the reconstruction attack
# --------------------------------------------------------------------------

_PEOPLE, _QUERIES, _NOISE = 60, 240, 1.0


@check("Exercise 2 (reconstruction)", "Make reconstruct(queries, answers) return 0/1 guesses.")
def check_reconstruct(reconstruct: Any) -> Feedback:
    """The learner's ``reconstruct(queries, answers)`` must recover >= 90% of the bits."""
    name = "Exercise 2 (reconstruction)"
    generator = np.random.default_rng(20)
    bits = dp.attacks.secret_bits(_PEOPLE, rng=generator)
    queries = dp.attacks.random_subset_queries(_PEOPLE, _QUERIES, rng=generator)
    answers = queries @ bits + generator.laplace(0.0, _NOISE, _QUERIES)
    result = call_learner(reconstruct, queries.copy(), answers.copy())
    if isinstance(result, tuple):
        return Feedback(
            name,
            "incorrect",
            f"reconstruct returned a tuple of {len(result)} things, not one array of guesses.",
            "np.linalg.lstsq returns several results; the solution is the first, [0].",
        )
    try:
        guess = np.asarray(result)
    except ValueError:
        return Feedback(
            name,
            "incorrect",
            "reconstruct should return one array of 0/1 guesses.",
            "Take the estimate with np.linalg.lstsq(queries, answers, rcond=None)[0].",
        )
    if guess.shape != (_PEOPLE,):
        hint = (
            "You returned one value per query; solve for one value per person instead."
            if guess.shape == (_QUERIES,)
            else "np.linalg.lstsq(queries, answers, rcond=None)[0] has one entry per person."
        )
        return Feedback(
            name,
            "incorrect",
            f"reconstruct should return {_PEOPLE} guesses (one per person); got shape "
            f"{guess.shape}.",
            hint,
        )
    if not np.issubdtype(guess.dtype, np.number) and guess.dtype != bool:
        return Feedback(
            name,
            "incorrect",
            f"The guesses should be numbers 0 or 1; got values of type {guess.dtype}.",
            "Compare the estimate with 0.5 and turn the result into integers.",
        )
    if not np.all(np.isin(guess, (0, 1))):
        return Feedback(
            name,
            "incorrect",
            "Some guesses are not 0 or 1, for example "
            f"{float(guess[~np.isin(guess, (0, 1))][0]):.3g}.",
            "The least-squares estimate is a real number per person: round it, "
            "(estimate > 0.5).astype(int).",
        )
    share = float(np.mean(guess.astype(int) == bits))
    if share < 0.9:
        return Feedback(
            name,
            "incorrect",
            f"Your guesses get {share:.0%} of the secrets right; least squares gets almost all "
            f"of them with {_QUERIES} queries and noise of scale {_NOISE:g}.",
            "Solve queries @ x ≈ answers with np.linalg.lstsq, then round each x to 0 or 1 by "
            "comparing it with 0.5, halfway between the two.",
        )
    return Feedback(
        name,
        "correct",
        f"You recovered {share:.0%} of {_PEOPLE} secrets from {_QUERIES} noisy sums. Each answer "
        f"was (1/{_NOISE:g})-DP, but together they spent ε = {_QUERIES / _NOISE:g}.",
    )


# --------------------------------------------------------------------------
# Exercise 3: add up the bill
# --------------------------------------------------------------------------

_BILL = {"count": 0.2, "reruns": 3, "histogram": 0.1, "campaigns": 6, "mean": 0.3, "means": 2}


def _bills() -> dict[str, float]:
    """The total, and the totals that each counting mistake gives."""
    b = _BILL
    count, reruns = b["count"], b["reruns"] * b["count"]
    histogram, per_campaign = b["histogram"], b["campaigns"] * b["histogram"]
    means, mean_once = b["means"] * b["mean"], b["mean"]
    return {
        "right": count + histogram + means,
        "reruns_counted": reruns + histogram + means,
        "per_campaign": count + per_campaign + means,
        "both": reruns + per_campaign + means,
        "mean_once": count + histogram + mean_once,
        "reruns_mean_once": reruns + histogram + mean_once,
        **b,
    }


def _paid(total: str) -> Callable[[dict[str, Any]], bool]:
    return lambda a: close(a["spent"], a[total])


check_bill = Exercise(
    "Exercise 3 (the privacy bill)",
    answers=["total_epsilon"],
    facts=_bills,
    derive=lambda a: {"spent": as_number(a["total_epsilon"])},
    rules=[
        mistake(
            lambda a: a["spent"] is None, "total_epsilon should be a number.", "Add the ε's up."
        ),
        mistake(
            _paid("both"),
            "You counted the re-runs of the same release, and ε once per campaign.",
            "A re-run with the same label returns the same answer (free); the campaigns hold "
            "different customers (parallel composition).",
        ),
        mistake(
            _paid("reruns_counted"),
            "You paid for each re-run of the count cell.",
            "With the same label, the accountant hands back the answer it already published.",
        ),
        mistake(
            _paid("per_campaign"),
            "You paid ε once per campaign.",
            "Each customer is in one campaign only, so one person changes one count: the whole "
            "histogram costs ε once.",
        ),
        mistake(
            _paid("reruns_mean_once"),
            "You paid for each re-run of the count, and for only one of the two means.",
            "Same label: same answer, free. New label: fresh noise, paid again.",
        ),
        mistake(
            _paid("mean_once"),
            "The two means had different labels, so each drew fresh noise.",
            "Fresh noise spends again, even for the same question.",
        ),
        right(
            _paid("right"),
            "ε = {count:g} + {histogram:g} + 2 × {mean:g} = {right:g}. Re-running a labelled "
            "release is free, a histogram over disjoint groups costs ε once, and fresh noise "
            "always costs again.",
        ),
    ],
    otherwise=mistake(
        None,
        "{spent:g} is not the total.",
        "Go through the three releases one by one: what does each cost the first time, and "
        "what does running it again cost?",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 4: L1, L2 and the Gaussian noise level
# --------------------------------------------------------------------------

_CAMPAIGNS_PER_PERSON, _EPSILON, _DELTA = 25, 1.0, 1e-6


def _noise_levels() -> dict[str, float]:
    k, sigma = _CAMPAIGNS_PER_PERSON, dp.gaussian.analytic_gaussian_sigma
    return {
        "k": k,
        "right": sigma(math.sqrt(k), _EPSILON, _DELTA),
        "by_l1": sigma(k, _EPSILON, _DELTA),
        "one_count": sigma(1, _EPSILON, _DELTA),
        "classic": dp.gaussian.classic_gaussian_sigma(math.sqrt(k), 0.999999, _DELTA),
        "laplace_sd": math.sqrt(2) * k / _EPSILON,
    }


def _numbers(a: dict[str, Any]) -> dict[str, Any]:
    return {"one": as_number(a["l1"]), "two": as_number(a["l2"]), "noise": as_number(a["sigma"])}


check_gaussian = Exercise(
    "Exercise 4 (Laplace or Gaussian?)",
    answers=["l1", "l2", "sigma"],
    facts=_noise_levels,
    derive=_numbers,
    rules=[
        mistake(
            lambda a: None in (a["one"], a["two"], a["noise"]),
            "l1, l2 and sigma should all be numbers.",
            "",
        ),
        mistake(
            lambda a: close(a["one"], 60),
            "60 is the number of campaigns, but one customer is in at most 25 of them.",
            "L1 adds up the changes one customer can make: 25 counts, each by 1.",
        ),
        mistake(
            lambda a: close(a["one"], 1),
            "l1 = 1 is the sensitivity of one count, but one customer changes 25 of them.",
            "L1 adds up the changes: 1 + 1 + ... (25 times).",
        ),
        mistake(
            lambda a: not close(a["one"], a["k"]),
            "l1 = {one:g} is not right.",
            "Add up 25 changes of 1.",
        ),
        mistake(
            lambda a: close(a["two"], a["k"]),
            "l2 equals l1: you added the changes instead of their squares.",
            "L2 is the square root of the sum of squared changes: √(25 × 1²).",
        ),
        mistake(
            lambda a: not close(a["two"], math.sqrt(a["k"])),
            "l2 = {two:g} is not right.",
            "√(sum of squared changes).",
        ),
        mistake(
            lambda a: close(a["noise"], a["by_l1"], 1e-4),
            "sigma is sized to the L1 sensitivity.",
            "Gaussian noise is sized to the L2 sensitivity: pass l2.",
        ),
        mistake(
            lambda a: close(a["noise"], a["one_count"], 1e-4),
            "sigma is sized for one count (sensitivity 1), but the release is all 60 counts.",
            "Pass the L2 sensitivity of the whole vector, l2.",
        ),
        mistake(
            lambda a: close(a["noise"], a["classic"], 0.01),
            "sigma looks like the classic formula, which holds only for ε < 1.",
            "Use dp.gaussian.analytic_gaussian_sigma(l2, 1.0, 1e-6).",
        ),
        right(  # a value rounded to one decimal is fine
            lambda a: close(a["noise"], a["right"], 5e-3),
            "Gaussian noise of σ = {right:.1f} per count against Laplace noise of standard "
            "deviation {laplace_sd:.1f}: when one person touches many numbers, L2 beats L1.",
        ),
    ],
    otherwise=mistake(
        None,
        "sigma = {noise:g} is not the analytic Gaussian noise level for these settings.",
        "dp.gaussian.analytic_gaussian_sigma(l2, 1.0, 1e-6).",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 5: audit a sum whose bound comes from the data
# --------------------------------------------------------------------------


def _leaky_sum(values: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    bound = values.max()
    return np.clip(values, 0, bound).sum() + rng.laplace(0, bound / _EPSILON, size)


def _neighbours(a: np.ndarray, b: np.ndarray) -> bool:
    """True when one array is the other with exactly one value added (in any order)."""
    small, large = (a, b) if a.size < b.size else (b, a)
    if large.size != small.size + 1:
        return False
    large = np.sort(large)
    small = np.sort(small)
    # Sorted, the larger array is the smaller one with one extra value slotted in somewhere.
    first_difference = int(np.argmax(np.append(large[:-1] != small, True)))
    return bool(np.array_equal(np.delete(large, first_difference), small))


def _substitution(a: np.ndarray, b: np.ndarray) -> tuple[float, float] | None:
    """(value in a, value in b) when ``b`` is ``a`` with one value changed (in any order)."""
    if a.size != b.size:
        return None
    only_a = Counter(a.tolist()) - Counter(b.tolist())
    only_b = Counter(b.tolist()) - Counter(a.tolist())
    if sum(only_a.values()) != 1 or sum(only_b.values()) != 1:
        return None
    return next(iter(only_a)), next(iter(only_b))


@check("Exercise 5 (audit the leaky sum)")
def check_audit(data_a: Any, data_b: Any) -> Feedback:
    """Two neighbouring data sets on which an audit disproves the leaky sum's epsilon = 1."""
    name = "Exercise 5 (audit the leaky sum)"
    try:
        a = np.asarray(data_a, dtype=float).ravel()
        b = np.asarray(data_b, dtype=float).ravel()
    except (TypeError, ValueError):
        return Feedback(
            name, "incorrect", "data_a and data_b should be arrays of order values.", ""
        )
    if a.size == 0 or b.size == 0:
        return Feedback(name, "incorrect", "A data set is empty.", "Start from shop['amount_eur'].")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or min(a.min(), b.min()) < 0:
        return Feedback(
            name,
            "incorrect",
            "data_a and data_b should hold order values: amounts in euros, 0 or more.",
            "Start from shop['amount_eur'].",
        )
    changed = _substitution(a, b)
    if changed is not None:
        return Feedback(
            name,
            "incorrect",
            f"data_a and data_b both hold {a.size} values and differ in one: one person's "
            f"order is €{changed[0]:,.2f} in data_a and €{changed[1]:,.2f} in data_b. That is "
            "substitution (one person's data changed), the other common definition of "
            "neighbours; this lesson uses add/remove: one data set is the other with one "
            "person added or removed.",
            "Take all orders, and all orders without one of them.",
        )
    if not _neighbours(a, b):
        return Feedback(
            name,
            "incorrect",
            f"data_a ({a.size} values) and data_b ({b.size} values) are not neighbours: one "
            "should be the other with exactly one person added or removed.",
            "Take all orders, and all orders without one of them.",
        )
    audit = dp.audit.audit_epsilon(_leaky_sum, a, b, rng=1)
    if audit.consistent_with(_EPSILON):
        extra = np.setdiff1d(np.concatenate([a, b]), np.intersect1d(a, b))
        removed = f" (the order of €{extra[0]:,.2f})" if extra.size else ""
        return Feedback(
            name,
            "incorrect",
            f"On these neighbours the audit finds only ε ≥ {audit.epsilon_lower_bound:.2f}, "
            f"no more than the claimed 1: that person{removed} does not change the bound.",
            "The leak is the bound itself: remove the person with the largest order.",
        )
    return Feedback(
        name,
        "correct",
        f"The audit shows ε ≥ {audit.epsilon_lower_bound:.1f} with 99.9% confidence, far above "
        f"the claimed 1 (it watched the event '{audit.event}'): the noise scale itself tells "
        "whether the person who sets the bound is in the data.",
    )
