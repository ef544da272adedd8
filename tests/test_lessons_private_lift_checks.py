"""Lesson 04's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from notebook_tools import JUNK, assert_incorrect, raises, stub

from privlab import mpc
from privlab.lessons.kit.feedback import Feedback
from privlab.lessons.private_lift import checks as ex
from privlab.lift.metrics import is_attributed
from privlab.lift.report import audience_gate
from privlab.lift.study import lift_study

# --------------------------------------------------------------------------
# Exercise 1
# --------------------------------------------------------------------------


def rates(metrics, key="population", count="converters"):
    return [metrics[group][count] / metrics[group][key] for group in ("test", "control")]


def good_lift(metrics):
    test, control = rates(metrics)
    return test / control - 1


def test_lift_right_answers():
    assert ex.check_lift(good_lift)
    assert ex.check_lift(lambda m: np.float64(good_lift(m)))
    assert ex.check_lift(lambda m: np.array(good_lift(m)))  # a 0-d array is one number
    assert ex.check_lift(lambda m: np.divide(*rates(m)) - 1)


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda m: m["test"]["converters"] / m["control"]["converters"] - 1, "differ in size"),
        (lambda m: rates(m)[0] - rates(m)[1], "difference of the rates"),
        (lambda m: rates(m)[0] / rates(m)[1], "without the − 1"),
        (lambda m: np.divide(*rates(m, key="matched")) - 1, "`matched` instead of `population`"),
        (lambda m: 100 * good_lift(m), "as a percentage"),
        (lambda m: np.divide(*rates(m, count="conversions")) - 1, "`conversions` (purchases)"),
        (lambda m: rates(m)[1] / rates(m)[0] - 1, "swapped"),
        (lambda m: good_lift(m) + 0.01, "but the lift is"),
        (lambda m: {"lift": good_lift(m)}, "should return one number"),
    ],
)
def test_lift_mistakes(wrong, phrase):
    assert_incorrect(ex.check_lift(wrong), phrase)


def test_lift_stub_and_errors():
    assert ex.check_lift(...).status == "not attempted"
    assert ex.check_lift(stub).status == "not attempted"
    assert ex.check_lift(raises).status == "error"
    assert ex.check_lift(lambda m: m["test"]["buyers"]).status == "error"


# --------------------------------------------------------------------------
# Exercise 2
# --------------------------------------------------------------------------


def good_rows(mine_by_both, theirs_by_both):
    theirs = set(theirs_by_both)
    return [row for row, point in enumerate(mine_by_both) if point in theirs]


def numpy_rows(mine_by_both, theirs_by_both):
    mine = np.array(mine_by_both, dtype="S32").reshape(-1)
    return np.flatnonzero(np.isin(mine, np.array(theirs_by_both, dtype="S32")))


def test_psi_views_are_the_protocols_points():
    views = ex.psi_views()
    assert views == ex.psi_views()  # a fixed seed
    mine, theirs = views["mine_by_both"], views["theirs_by_both"]
    assert len(mine) == 5 and len(theirs) == 4
    assert all(isinstance(point, bytes) and len(point) == 32 for point in mine + theirs)
    assert all(point not in (mpc.hash_to_point(x) for x in views["my_ids"]) for point in mine)
    expected = mpc.private_intersection(views["my_ids"], ["dan", "fay", "ana", "gus"], rng=1)
    assert good_rows(mine, theirs) == sorted(expected.matched_a.tolist()) == [0, 3]


def test_shared_rows_right_answers():
    assert ex.check_shared_rows(good_rows)
    assert ex.check_shared_rows(numpy_rows)
    assert ex.check_shared_rows(lambda m, t: tuple(np.int64(row) for row in good_rows(m, t)))
    assert ex.check_shared_rows(lambda m, t: np.array(good_rows(m, t), dtype=float))


def by_point(mine, theirs):
    return sorted(good_rows(mine, theirs), key=mine.__getitem__)


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda m, t: [point for point in m if point in set(t)], "not row numbers"),
        (lambda m, t: sorted(i for i, point in enumerate(t) if point in set(m)), "other party"),
        (lambda m, t: [i for i, point in enumerate(m) if point not in set(t)], "not shared"),
        (lambda m, t: good_rows(m, t)[::-1], "not in increasing order"),
        (by_point, "sorted by their double-blinded points"),
        (lambda m, t: good_rows(m, t) * 2, "more than once"),
        (lambda m, t: [row + 1 for row in good_rows(m, t)], "counted from 1"),
        (lambda m, t: np.isin(np.array(m, dtype="S32"), np.array(t, dtype="S32")), "mask"),
        (lambda m, t: good_rows(m, t)[:1], "but the shared rows are"),
        (lambda m, t: [[row] for row in good_rows(m, t)], "whole numbers"),
        (lambda m, t: [0.5], "whole numbers"),
        (lambda m, t: len(good_rows(m, t)), "list of row numbers"),
    ],
)
def test_shared_rows_mistakes(wrong, phrase):
    assert_incorrect(ex.check_shared_rows(wrong), phrase)


def test_shared_rows_stub_and_errors():
    assert ex.check_shared_rows(...).status == "not attempted"
    assert ex.check_shared_rows(stub).status == "not attempted"
    assert ex.check_shared_rows(raises).status == "error"
    assert ex.check_shared_rows(lambda m: []).status == "error"  # one argument too few


# --------------------------------------------------------------------------
# Exercise 3
# --------------------------------------------------------------------------


def good_terms(opportunity_ts, event_ts, window, grace):
    return event_ts + grace - opportunity_ts, window + grace + 1


def test_attribution_terms_right_answers():
    assert ex.check_attribution_terms(good_terms)
    assert ex.check_attribution_terms(lambda o, e, w, g: [e + g - o, np.int64(w + g + 1)])
    assert ex.check_attribution_terms(
        lambda o, e, w, g: ((e + g - o).tolist(), np.full(o.shape, w + g + 1))
    )
    assert ex.check_attribution_terms(lambda o, e, w, g: ((e + g - o).astype(float), w + g + 1.0))


def test_the_trick_is_the_rule():
    """The right a and C reproduce is_attributed on every case the check tries."""
    for o, e, window, grace in ex._attribution_cases():
        a, c = good_terms(o, e, window, grace)
        rule = is_attributed(o, e, attribution_window=window, grace=grace)
        assert np.array_equal(a * (c - a) > 0, rule)
        assert np.array_equal(ex._in_window(a.astype(float), np.full(a.shape, float(c))), rule)


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda o, e, w, g: (e + g - o, w + g), "end of the window is missed"),
        (lambda o, e, w, g: (e + g - o, w + 1), "last"),
        (lambda o, e, w, g: (e + g - o, w), "both the grace and the + 1"),
        (lambda o, e, w, g: (e - o, w + 1), "before the opportunity"),
        (lambda o, e, w, g: (e - o, w + g + 1), "forgets the grace"),
        (lambda o, e, w, g: (o - e, w + g + 1), "wrong sign"),
        (lambda o, e, w, g: (o - e - g, w + g + 1), "wrong sign"),
        (lambda o, e, w, g: (e - g - o, w + g + 1), "subtracts the grace"),
        (lambda o, e, w, g: (e + 10 - o, w + 10 + 1), "argument `grace`"),
        (lambda o, e, w, g: (e + g - o, 7 * 86_400 + 11), "does not change with the arguments"),
        (lambda o, e, w, g: (2 * (e + g - o), 2 * (w + g + 1)), "not the ones asked for"),
        (lambda o, e, w, g: (e + g - o, w + g + 2), "the opposite"),
        (lambda o, e, w, g: (e + g - o, w + g + 1, 0), "pair (a, C)"),
        (lambda o, e, w, g: e + g - o, "pair (a, C)"),
        (lambda o, e, w, g: ("a", "C"), "whole numbers"),
        (lambda o, e, w, g: (e + g - o, None), "whole numbers"),
        (lambda o, e, w, g: ((e + g - o)[:3], w + g + 1), "one entry per purchase"),
        (lambda o, e, w, g: is_attributed(o, e, attribution_window=w, grace=g), "decision"),
    ],
)
def test_attribution_terms_mistakes(wrong, phrase):
    assert_incorrect(ex.check_attribution_terms(wrong), phrase)


def test_attribution_terms_stub_and_errors():
    assert ex.check_attribution_terms(...).status == "not attempted"
    assert ex.check_attribution_terms(stub).status == "not attempted"
    assert ex.check_attribution_terms(raises).status == "error"
    wrong_hint = ex.check_attribution_terms(lambda o, e, w, g: (e + g - o, w + g + 2)).hint
    assert "o < e + g" in wrong_hint and "e ≤ o + w" in wrong_hint


# --------------------------------------------------------------------------
# Exercise 4
# --------------------------------------------------------------------------


def bob_attributed_value() -> int:
    """Bob's attributed purchases, straight from the shipped tables."""
    study = lift_study()
    bob = ex.differencing_reports()["bob"]
    (row,) = np.flatnonzero(study.publisher["id"] == bob)
    assert study.publisher["test_flag"][row]
    mine = study.advertiser["id"] == bob
    counted = is_attributed(
        study.publisher["opportunity_ts"][row], study.advertiser["event_ts"][mine]
    )
    assert counted.sum() == 2
    return int(study.advertiser["value"][mine][counted].sum())


def test_differencing_reports():
    reports = ex.differencing_reports()
    monday, tuesday = reports["monday"], reports["tuesday"]
    assert tuesday == lift_study().truth.metrics  # Tuesday: the whole shipped table
    assert audience_gate(monday).passed and audience_gate(tuesday).passed
    value = bob_attributed_value()
    assert value % 100  # not whole euros, so cents and euros differ
    assert tuesday["test"]["value"] - monday["test"]["value"] == value
    assert tuesday["test"]["converters"] - monday["test"]["converters"] == 1
    assert tuesday["test"]["conversions"] - monday["test"]["conversions"] == 2
    assert tuesday["control"] == monday["control"]
    monday["test"]["value"] = 0  # the reports are copies: changing them changes nothing
    assert ex.differencing_reports()["monday"]["test"]["value"] != 0


def test_differencing():
    reports = ex.differencing_reports()
    monday, tuesday = reports["monday"], reports["tuesday"]
    value = tuesday["test"]["value"] - monday["test"]["value"]
    right = ex.check_differencing(value)
    assert right and "not privacy" in right.message
    assert ex.check_differencing(np.int64(value))
    assert ex.check_differencing(float(value))
    assert_incorrect(ex.check_differencing(-value), "sign flipped")
    assert_incorrect(ex.check_differencing(value / 100), "euros")
    assert_incorrect(ex.check_differencing(1), "converters")
    assert_incorrect(ex.check_differencing(2), "conversions")
    assert_incorrect(ex.check_differencing(0), "control group")
    assert_incorrect(ex.check_differencing(value**2), "`value_squared`")
    assert_incorrect(ex.check_differencing(tuesday["test"]["value"]), "Tuesday's total")
    assert_incorrect(ex.check_differencing(monday["test"]["value"]), "Monday's total")
    assert_incorrect(ex.check_differencing(value + 1), "not the value")
    assert_incorrect(ex.check_differencing("8606"), "one number of cents")
    assert ex.check_differencing(...).status == "not attempted"


# --------------------------------------------------------------------------
# Exercise 5
# --------------------------------------------------------------------------


def test_value_noise():
    epsilon, purchases, cap = ex.NOISE_EPSILON, ex.NOISE_MAX_PURCHASES, ex.NOISE_VALUE_CAP
    assert (epsilon, purchases, cap) == (0.6, 3, 20_000)
    right = ex.check_value_noise(purchases * cap / (epsilon / 3))
    assert right and "300,000" in right.message
    assert ex.check_value_noise(300_000)
    assert ex.check_value_noise(np.float64(3e5))
    forgot_one = ex.check_value_noise(100_000)
    assert_incorrect(forgot_one, "ε was not split")
    assert "max_purchases was forgotten" in forgot_one.message
    assert_incorrect(ex.check_value_noise(20_000 / 0.6), "forgets both")
    assert_incorrect(ex.check_value_noise(33_333), "forgets both")
    assert_incorrect(ex.check_value_noise(3_000), "euros")
    assert_incorrect(ex.check_value_noise(60_000), "sensitivity")
    for product in (60_000 * 0.2, 60_000 * 0.6, 20_000 * 0.2):
        assert_incorrect(ex.check_value_noise(product), "multiplies")
    assert_incorrect(ex.check_value_noise(2**0.5 * 300_000), "standard deviation")
    assert_incorrect(ex.check_value_noise(0.2 / 60_000), "upside down")
    assert_incorrect(ex.check_value_noise(250_000), "not the scale")
    assert_incorrect(ex.check_value_noise([300_000]), "one number of cents")
    assert ex.check_value_noise(...).status == "not attempted"


# --------------------------------------------------------------------------
# All checks
# --------------------------------------------------------------------------

CHECKS = (
    ex.check_lift,
    ex.check_shared_rows,
    ex.check_attribution_terms,
    ex.check_differencing,
    ex.check_value_noise,
)


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_answer(a):
    for check in CHECKS:
        feedback = check(a)
        assert isinstance(feedback, Feedback)
        assert repr(feedback) and feedback._repr_html_()
        assert "could not use this answer" not in feedback.message, feedback


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_returned_value(a):
    """Functions that return junk get feedback too, never an exception."""
    for check in (ex.check_lift, ex.check_shared_rows, ex.check_attribution_terms):
        feedback = check(lambda *args, a=a: a)
        assert isinstance(feedback, Feedback)
        assert feedback.status in ("incorrect", "not attempted"), feedback
        assert "could not use this answer" not in feedback.message, feedback


def test_exercise_names():
    names = [check(...).exercise for check in CHECKS]
    assert names == [
        "Exercise 1 (lift from totals)",
        "Exercise 2 (shared rows)",
        "Exercise 3 (attribution in one comparison)",
        "Exercise 4 (differencing attack)",
        "Exercise 5 (noise on the value total)",
    ]


def exact_lift(metrics):
    test, control = metrics["test"], metrics["control"]
    return (test["converters"] / test["population"]) / (
        control["converters"] / control["population"]
    ) - 1


@pytest.mark.parametrize("decimals", [3, 4, 6])
def test_lift_rounded_to_3_decimals_or_more_is_right(decimals):
    assert ex.check_lift(lambda m: round(exact_lift(m), decimals))
    assert ex.check_lift(lambda m: float(f"{exact_lift(m):.{decimals}f}"))
    assert ex.check_lift(lambda m: np.round(exact_lift(m), decimals))


def test_lift_feedback_for_rounding_and_ignoring_the_argument():
    for decimals, places in ((2, "2 decimals"), (1, "1 decimal,"), (0, "a whole number")):
        rounded = ex.check_lift(lambda m, d=decimals: round(exact_lift(m), d))
        assert_incorrect(rounded, f"rounded to {places}")
        assert "3 decimals or more" in rounded.hint
    near = ex.check_lift(lambda m: exact_lift(m) + 0.0004)  # close, but no rounding gives it
    assert_incorrect(near, "not the lift rounded")
    assert_incorrect(ex.check_lift(lambda m: round(exact_lift(m) + 0.001, 3)), "0.001 off")
    assert_incorrect(ex.check_lift(lambda m: round(100 * exact_lift(m), 1)), "as a percentage")
    study_lift = ex.check_lift(lambda m: 0.1111)
    assert "does not use its `metrics` argument" in study_lift.message
    remembered = {}

    def constant(metrics):
        return remembered.setdefault("lift", exact_lift(metrics))

    assert "for different totals" in ex.check_lift(constant).message


def test_shared_rows_feedback_for_sets_and_np_where():
    def as_set(mine, theirs):
        return {row for row, point in enumerate(mine) if point in set(theirs)}

    def with_where(mine, theirs):
        return np.where(np.array([point in set(theirs) for point in mine]))

    assert "a set has no order" in ex.check_shared_rows(as_set).message
    assert "np.where" in ex.check_shared_rows(with_where).message


def test_attribution_with_if_on_arrays_gets_a_tailored_error():
    def with_if(opportunity_ts, event_ts, window, grace):
        if event_ts + grace - opportunity_ts > 0:
            return 1, 2
        return 0, 2

    feedback = ex.check_attribution_terms(with_if)
    assert feedback.status == "error" and "NumPy array" in feedback.message


def test_value_noise_feedback_for_twice_the_scale():
    assert "parallel composition" in ex.check_value_noise(600_000).message


def test_a_function_that_changes_its_arguments_spoils_no_case():
    def spoils_totals(metrics):
        metrics["test"]["converters"] = 1
        return good_lift(metrics)

    def spoils_lists(mine_by_both, theirs_by_both):
        mine_by_both.clear()
        return []

    def spoils_times(opportunity_ts, event_ts, window, grace):
        opportunity_ts[0] = 0
        return good_terms(opportunity_ts, event_ts, window, grace)

    for check, spoils, good in (
        (ex.check_lift, spoils_totals, good_lift),
        (ex.check_shared_rows, spoils_lists, good_rows),
        (ex.check_attribution_terms, spoils_times, good_terms),
    ):
        assert check(spoils).status == "incorrect"
        assert check(good)


def test_shared_rows_feedback_for_rows_that_are_not_whole_numbers():
    feedback = ex.check_shared_rows(lambda m, t: [0.5])
    assert_incorrect(feedback, "row numbers are whole numbers; got [0.5]")
    assert_incorrect(
        ex.check_attribution_terms(lambda o, e, w, g: (e + g - o, w + 1)), "leaves out the grace"
    )
