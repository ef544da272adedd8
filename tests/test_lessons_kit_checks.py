"""The check engine: rules in order, facts and derived values, and the shared diagnoses."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from notebook_tools import JUNK

from privlab.lessons.kit.checks import (
    Exercise,
    FunctionExercise,
    mistake,
    near,
    number_of,
    right,
)

HALF = Exercise(
    "Half",
    answers=["half"],
    facts=lambda: {"whole": 10},
    derive=lambda a: {"value": number_of(a["half"])},
    rules=[
        mistake(lambda a: a["value"] is None, "half should be a number.", "Write 5."),
        mistake(lambda a: near(a["value"], 20), "That doubles {whole}.", "Divide by 2."),
        right(lambda a: near(a["value"], 5), "{whole} / 2 = {value:g}."),
    ],
    otherwise=mistake(None, "{value:g} is not half of {whole}.", "Divide {whole} by 2."),
).checker()


def difference(a, b):
    return a - b


DIFFERENCE = FunctionExercise(
    "Difference",
    cases=lambda: [{"a": 5, "b": 3}, {"a": 10, "b": 1}, {"a": -2, "b": 4}],
    arguments=["a", "b"],
    oracle=difference,
    output=number_of,
    same=near,
    bad_output=mistake(None, "It returned {result!r}; expected a number.", "Return a - b."),
    rules=[mistake(lambda c: near(c["got"], c["a"] + c["b"]), "It adds.", "Subtract.")],
    otherwise=mistake(None, "For {a} and {b} it gave {got:g}, not {expected:g}.", "a - b."),
    correct="It subtracts.",
).checker("difference")


def test_the_first_rule_that_holds_speaks_with_facts_and_derived_values():
    assert HALF(5) and HALF(5).message == "10 / 2 = 5."
    assert HALF(20).message == "That doubles 10." and HALF(20).hint == "Divide by 2."
    assert HALF("5").message == "half should be a number."
    assert HALF(7).message == "7 is not half of 10." and HALF(7).hint == "Divide 10 by 2."
    assert HALF(...).status == "not attempted"


def test_a_function_exercise_finds_the_catalogued_mistake_on_the_first_wrong_case():
    assert DIFFERENCE(difference)
    assert DIFFERENCE(lambda a, b: a + b).message == "It adds."
    assert DIFFERENCE(lambda a, b: "x").message == "It returned 'x'; expected a number."
    assert DIFFERENCE(lambda a, b: a - b + 1).message == "For 5 and 3 it gave 3, not 2."


def test_every_function_exercise_knows_swapped_and_ignored_arguments():
    swapped = DIFFERENCE(lambda a, b: b - a)
    assert "other way round" in swapped.message and "(a, b)" in swapped.hint
    fixed = DIFFERENCE(lambda a, b: 2)  # right on the first case, then the same answer always
    assert "whatever its input" in fixed.message


def test_stubs_and_errors_become_feedback():
    def stub(a, b): ...

    assert DIFFERENCE(stub).status == "not attempted"
    assert DIFFERENCE(lambda a, b: a / 0).status == "error"
    assert DIFFERENCE(42).status == "error"


@settings(max_examples=80, deadline=None)
@given(answer=JUNK)
def test_junk_gets_feedback_never_an_exception(answer):
    assert HALF(answer).status in {"correct", "incorrect", "not attempted", "error"}
    assert DIFFERENCE(answer).status in {"incorrect", "not attempted", "error"}


def total(values):
    return float(sum(values))


TOTAL = FunctionExercise(
    "Total",
    cases=lambda: [{"values": np.array([1.0, 2.0, 3.0])}, {"values": np.array([4.0, -1.0])}],
    arguments=["values"],
    oracle=total,
    output=number_of,
    same=near,
    bad_output=mistake(None, "It returned {result!r}.", "Return a number."),
    rules=[],
    otherwise=mistake(None, "It gave {got:g}, not {expected:g}.", "Add them up."),
    correct="It adds them up.",
).checker("total")


def test_a_function_that_changes_its_arguments_is_graded_against_the_case_as_given():
    def total_then_zero(values):
        result = float(sum(values))
        values[:] = 0  # the oracle must not see this
        return result

    def one_off_then_zero(values):
        result = float(sum(values)) - 1
        values[:] = 0
        return result

    assert TOTAL(total_then_zero)
    assert TOTAL(one_off_then_zero).message == "It gave 5, not 6."
