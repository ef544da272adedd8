"""Checks for lesson 01, "Noisy counts".

Each ``check_*`` function takes the learner's answers and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. Checks of random answers draw from fixed
seeds, so the same answer always gets the same feedback, and compare with
tolerances of many standard errors, so a right answer never fails by bad luck.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from privlab import data, dp
from privlab.lessons.kit.checks import Exercise, FunctionExercise, mistake, near, number_of, right
from privlab.lessons.kit.feedback import (
    Feedback,
    LearnerCodeError,
    as_number,
    call_learner,
    check,
    close,
)
from privlab.lessons.kit.feedback import shown as _shown

__all__ = [
    "check_differencing",
    "check_epsilon_for_error",
    "check_laplace_mechanism",
    "check_rr_estimator",
    "check_scales",
]


# --------------------------------------------------------------------------
# Exercise 1: the differencing attack
# --------------------------------------------------------------------------


def _buyer_counts() -> dict[str, int]:
    people = data.ad_campaign()
    alice = people["name"] == "Alice"
    return {
        "everyone": int(people["bought"].sum()),
        "without": int(people["bought"][~alice].sum()),
        "customers": len(people["name"]),
    }


def _truth(value: Any) -> Any:
    """True or False from a bool, a one-element bool array, or 1 and 0; else the value itself."""
    if getattr(getattr(value, "dtype", None), "kind", "") == "b" and value.size == 1:
        return bool(value.item())
    if not isinstance(value, (bool, np.bool_)) and as_number(value) in (0.0, 1.0):
        return as_number(value) == 1.0
    return value


check_differencing = Exercise(
    "Exercise 1 (differencing attack)",
    answers=["count_all", "count_without_alice", "alice_bought"],
    facts=_buyer_counts,
    derive=lambda a: {"bought": _truth(a["alice_bought"])},
    rules=[
        mistake(
            lambda a: a["count_all"] is None or a["count_without_alice"] is None,
            "A count is None: the dashboard refused that group because it had fewer than 10 "
            "customers.",
            "To leave Alice out, select everyone EXCEPT her: put ~ in front of her mask.",
        ),
        mistake(
            lambda a: (
                as_number(a["count_all"]) is None or as_number(a["count_without_alice"]) is None
            ),
            "Both counts should be whole numbers.",
            "Use the numbers the dashboard returned.",
        ),
        mistake(
            lambda a: not isinstance(a["bought"], (bool, np.bool_)),
            "alice_bought should be True or False; got {alice_bought!r}.",
            "Compare the two counts: what does a difference of 1 (or 0) mean?",
        ),
        mistake(
            lambda a: a["count_all"] == a["customers"],
            "{customers} is the number of customers, not of buyers.",
            "The dashboard counts buyers among the customers you select.",
        ),
        mistake(
            lambda a: a["count_all"] != a["everyone"],
            "count_all is {count_all}, but the dashboard says {everyone} buyers among all "
            "customers.",
            "Select every customer: a mask that is True for everyone.",
        ),
        mistake(
            lambda a: a["count_without_alice"] != a["without"],
            "count_without_alice is {count_without_alice}; select every customer except the "
            "one aged 67 in postcode 1017.",
            "Combine two conditions: ~((age == 67) & (postcode == '1017')).",
        ),
        mistake(
            lambda a: not a["bought"],
            "The counts are {everyone} and {without}: taking Alice out removed one buyer.",
            "If the counts differ by one, the person left out is a buyer.",
        ),
    ],
    otherwise=right(
        None,
        "{everyone} - {without} = 1, so Alice bought. Both queries covered over a thousand "
        "people, so the dashboard's 'no small groups' rule did not help.",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 2: sensitivity and the Laplace scale
# --------------------------------------------------------------------------

check_scales = Exercise(
    "Exercise 2 (noise scales)",
    answers=["count_scale", "sum_scale"],
    derive=lambda a: {"count": as_number(a["count_scale"]), "total": as_number(a["sum_scale"])},
    rules=[
        mistake(
            lambda a: a["count"] is None or a["total"] is None,
            "Both scales should be numbers.",
            "The scale is b = sensitivity / ε.",
        ),
        mistake(
            lambda a: close(a["count"], 0.5),
            "count_scale is ε / sensitivity, upside down.",
            "b = sensitivity / ε: smaller ε must give MORE noise.",
        ),
        mistake(
            lambda a: not close(a["count"], 2.0),
            "count_scale = {count:g} is not right for a count.",
            "One person changes a count by at most 1: sensitivity 1, ε = 0.5.",
        ),
        mistake(
            lambda a: close(a["total"], 25.0),
            "sum_scale multiplies by ε; it should divide.",
            "b = sensitivity / ε = 50 / 0.5.",
        ),
        mistake(
            lambda a: close(a["total"], 2.0),
            "sum_scale uses the sensitivity of a count, but one person can change the sum by "
            "up to 50 euros.",
            "The sensitivity of the capped sum is the cap.",
        ),
        mistake(
            lambda a: not close(a["total"], 100.0),
            "sum_scale = {total:g} is not right.",
            "One person changes the capped sum by at most 50; divide by ε.",
        ),
    ],
    otherwise=right(
        None,
        "A count needs noise of scale 2, the capped sum noise of scale 100: the bigger one "
        "person's possible effect, the more noise hides it.",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 3: write the Laplace mechanism
# --------------------------------------------------------------------------

_DRAWS = 4000


def _draws(
    function: Any, value: float, sensitivity: float, epsilon: float, seed: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty(_DRAWS)
    for i in range(_DRAWS):
        result = call_learner(function, value, sensitivity, epsilon, rng)
        number = as_number(np.asarray(result).item()) if np.size(result) == 1 else None
        if number is None:
            raise LearnerCodeError(
                f"your function returned {_shown(result)}; it should return one finite number."
            )
        out[i] = number
    return out


@check(
    "Exercise 3 (Laplace mechanism)",
    hint_on_error="numpy draws Laplace noise with rng.laplace(loc=0.0, scale=b).",
)
def check_laplace_mechanism(laplace_release: Any) -> Feedback:
    """Test the learner's mechanism statistically against the scale ``sensitivity / epsilon``.

    For each setting the check draws 4,000 releases from a fixed seed and
    compares their mean with the true value and their mean absolute deviation
    (for Laplace noise, exactly the scale b) with b, within 10%: more than
    six standard errors, so a correct mechanism passes with certainty for
    these seeds while half or double the noise fails.
    """
    name = "Exercise 3 (Laplace mechanism)"
    first = call_learner(laplace_release, 118.0, 1.0, 0.5, np.random.default_rng(5))
    again = call_learner(laplace_release, 118.0, 1.0, 0.5, np.random.default_rng(5))
    if as_number(np.asarray(first).item() if np.size(first) == 1 else None) is None:
        return Feedback(
            name,
            "incorrect",
            f"It returned {_shown(first)}; expected one number.",
            "Return value + noise.",
        )
    if first != again:
        return Feedback(
            name,
            "incorrect",
            "Two calls with the same seed gave different answers, so the noise does "
            "not come from the rng argument.",
            "Draw with rng.laplace(...), not np.random.laplace(...).",
        )
    for value, sensitivity, epsilon, seed in ((118.0, 1.0, 0.5, 11), (2000.0, 50.0, 2.0, 12)):
        draws = _draws(laplace_release, value, sensitivity, epsilon, seed)
        scale = sensitivity / epsilon
        noise = draws - value
        size = float(np.mean(np.abs(noise)))
        setting = f"(value={value:g}, sensitivity={sensitivity:g}, epsilon={epsilon:g})"
        if np.all(noise == 0):
            return Feedback(
                name,
                "incorrect",
                f"No noise was added {setting}.",
                "Add a draw of rng.laplace(0.0, b) to the value.",
            )
        if abs(np.mean(draws)) < 0.2 * value and abs(np.mean(noise)) > 0.5 * value:
            return Feedback(
                name,
                "incorrect",
                f"The releases centre on {np.mean(draws):.3g}, not on the value "
                f"{value:g}: it returns the noise alone.",
                "Return value + noise.",
            )
        if abs(np.mean(noise)) > 0.3 * scale:
            return Feedback(
                name,
                "incorrect",
                f"The releases centre on {np.mean(draws):.4g}, not on {value:g} "
                f"{setting}: the noise should average to zero.",
                "Laplace noise has loc=0.",
            )
        # std / mean |noise| is sqrt(2) = 1.41 for Laplace noise of any scale, 1.25 for Gaussian
        if float(np.std(noise) / size) < 1.33:
            return Feedback(
                name,
                "incorrect",
                "The noise has the wrong shape: its tails are too thin for Laplace noise "
                "(is it Gaussian, or uniform?).",
                "Draw it with rng.laplace(loc=0.0, scale=b).",
            )
        if not 0.9 * scale <= size <= 1.1 * scale:
            return Feedback(
                name,
                "incorrect",
                f"The noise is {size:.3g} on average {setting}; it should be about "
                f"b = sensitivity / ε = {scale:g}.",
                _scale_hint(size, scale, sensitivity, epsilon),
            )
    return Feedback(
        name,
        "correct",
        "Releases centre on the true value, with noise of average size "
        "sensitivity / ε, drawn from the rng you were given.",
    )


def _scale_hint(size: float, scale: float, sensitivity: float, epsilon: float) -> str:
    if math.isclose(size, scale / 2, rel_tol=0.1):
        return "It is half the right size: numpy's scale argument is b itself."
    if math.isclose(size, scale * 2, rel_tol=0.1):
        return "It is twice the right size: numpy's scale argument is b itself."
    if math.isclose(size, epsilon / sensitivity, rel_tol=0.1):
        return "The scale is upside down: b = sensitivity / ε."
    return "Use scale b = sensitivity / ε, from the arguments (not fixed numbers)."


# --------------------------------------------------------------------------
# Exercise 4: choosing epsilon for a target error
# --------------------------------------------------------------------------


def _error_at(epsilon: Any) -> float:
    """The average error of a count at ``epsilon``: 1 / epsilon."""
    return 1 / (as_number(epsilon) or 1)


check_epsilon_for_error = Exercise(
    "Exercise 4 (choosing ε)",
    answers=["epsilon"],
    derive=lambda a: {
        "value": as_number(a["epsilon"]),
        "error": 1 / (as_number(a["epsilon"]) or 1),
    },
    rules=[
        mistake(
            lambda a: a["value"] is None or a["value"] <= 0,
            "ε must be a positive number; got {epsilon!r}.",
            "The average error of Laplace noise is b = 1 / ε for a count.",
        ),
        right(
            lambda a: close(a["value"], 0.2),
            "At ε = 0.2 the noise has scale b = 1 / 0.2 = 5 people: the most privacy that "
            "still keeps the typical error at 5.",
        ),
        mistake(
            lambda a: close(a["value"], 5.0),
            "At ε = 5 the error is only 0.2 people: accurate, but little privacy.",
            "Smaller ε means more noise. Solve 1 / ε = 5.",
        ),
        mistake(
            lambda a: a["value"] > 0.2,
            "At ε = {value:g} the error is {error:.3g} people: within 5, but you could "
            "protect people more.",
            "Lower ε until the average error 1 / ε reaches 5.",
        ),
    ],
    otherwise=mistake(
        None,
        "At ε = {value:g} the average error is {error:.3g} people, more than 5.",
        "The average error of a count is 1 / ε.",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 5: the randomized-response estimator
# --------------------------------------------------------------------------


def _surveys() -> list[dict[str, Any]]:
    cases = []
    for share, epsilon, size, seed in (
        (0.05, 2.0, 300, 23),
        (0.7, 0.5, 1000, 22),
        (0.25, 1.0, 400, 21),
    ):
        rng = np.random.default_rng(seed)
        reports = dp.randomized_response(rng.random(size) < share, epsilon, rng=rng)
        cases.append({"reports": reports, "epsilon": epsilon, "size": size})
    return cases


check_rr_estimator = FunctionExercise(
    "Exercise 5 (randomized response)",
    cases=_surveys,
    arguments=["reports", "epsilon"],
    oracle=dp.estimate_proportion,
    output=number_of,
    same=lambda got, expected: near(got, expected, 1e-3),
    bad_output=mistake(
        None,
        "It returned {result!r:.60}; expected one number.",
        "Return the estimated share as a float (one number between about 0 and 1).",
    ),
    rules=[
        mistake(
            lambda a: near(a["got"], 100 * a["expected"], 0.1),
            "It gave {got:.4g}, a percentage; the exercise asks for a share.",
            "Return a number between 0 and 1: do not multiply by 100.",
        ),
        mistake(
            lambda a: near(a["got"], a["size"] * a["expected"], 0.5),
            "It gave {got:.4g}, a number of people; the exercise asks for a share.",
            "Use the share of 'yes' reports, reports.mean(), not their count.",
        ),
        mistake(
            lambda a: near(a["got"], float(a["reports"].mean()), 1e-3),
            "That is the raw share of 'yes' reports. The coin flips pull it towards 50%, so it "
            "needs correcting.",
            "Solve reported = p * true + (1 - p) * (1 - true) for true.",
        ),
    ],
    otherwise=mistake(
        None,
        "For {size} reports at ε = {epsilon:g}, it gave {got:.4f}; the unbiased estimate is "
        "{expected:.4f}.",
        "p = e^ε / (1 + e^ε); estimate = (reported - (1 - p)) / (2p - 1).",
    ),
    correct="It undoes the coin's pull towards 50%, so on average it hits the true share.",
    hint_on_error="reports is a numpy array of True/False; reports.mean() is the share of yes.",
).checker("estimate_yes_share")
