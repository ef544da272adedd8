"""One engine for the exercises' checks: an exercise is a table, not a program.

An exercise names the answers it asks for (and may ``derive`` values from them,
such as an answer as a number) and lists **rules**, tried in order:
first the forms an answer must have, then the mistakes learners make (the
catalogue is the teaching: each mistake has its own message and hint), and one
rule for a right answer. The first rule that holds gives the feedback; an
answer no rule foresaw gets ``otherwise``. A rule's message and hint are format
strings over the answers and the exercise's ``facts`` (numbers worked out once,
such as the true counts of the lesson's data).

An exercise whose answer is a function (:class:`FunctionExercise`) calls it on
each of its ``cases`` and compares its output with the ``oracle``; on the first
case it gets wrong, its rules see ``got`` and ``expected`` and say why. Two
diagnoses are written here once for every such exercise: a function that gives
the same output whatever its input ignores its arguments, and one that gives
the oracle's output for its arguments in the other order has them swapped.

Where the rules must see each case whole (what the function returned, the
arrays it was given, numbers worked out from them) rather than only ``got``
and ``expected``, a :class:`CaseExercise` runs its rules on every case in turn:
a :func:`passes` rule moves on to the next case, any other rule that holds ends
the check with its feedback.

Stubs (``...``, or a function still returning None) get "not attempted yet",
and errors in the learner's code become feedback (:func:`~.feedback.check`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from .feedback import Feedback, as_number, call_learner, check

Answers = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    """When ``when(answers)`` holds, say ``says`` (and ``hint``): right if ``right``."""

    when: Callable[[Answers], bool]
    says: str
    hint: str = ""
    right: bool = False


def mistake(when: Callable[[Answers], bool], says: str, hint: str) -> Rule:
    return Rule(when, says, hint)


def right(when: Callable[[Answers], bool], says: str) -> Rule:
    return Rule(when, says, right=True)


def _feedback(name: str, rule: Rule, answers: Answers) -> Feedback:
    status = "correct" if rule.right else "incorrect"
    return Feedback(name, status, rule.says.format(**answers), rule.hint.format(**answers))


@dataclass(frozen=True)
class Exercise:
    """Answers by name, rules in order, what to say otherwise, and the facts the rules use."""

    name: str
    answers: Sequence[str]
    rules: Sequence[Rule]
    otherwise: Rule
    facts: Callable[[], Answers] = dict
    derive: Callable[[Answers], Answers] = field(default=lambda answers: {})
    hint_on_error: str = ""

    def checker(self) -> Callable[..., Feedback]:
        """The ``check_*`` function a lesson calls with the learner's answers."""

        @check(self.name, self.hint_on_error)
        def run(*answers: Any) -> Feedback:
            values = {**_facts(self.facts), **dict(zip(self.answers, answers, strict=True))}
            values.update(self.derive(values))
            for rule in self.rules:
                if rule.when(values):
                    return _feedback(self.name, rule, values)
            return _feedback(self.name, self.otherwise, values)

        run.__name__ = run.__qualname__ = f"check_{self.answers[0]}"
        run.__doc__ = f"Check {self.name}: give it {', '.join(self.answers)}."
        return run


@dataclass(frozen=True)
class FunctionExercise:
    """A function to write: called on ``cases``, compared with ``oracle`` on each.

    ``cases()`` gives dicts of named facts; ``arguments`` names the facts passed
    to the function, in order. ``output(value)`` turns its result into what is
    compared (None when it is not of the right form: then ``bad_output`` says so).
    ``same(got, expected)`` says whether they agree. ``rules`` see the case's
    facts with ``got`` and ``expected``.
    """

    name: str
    cases: Callable[[], list[Answers]]
    arguments: Sequence[str]
    oracle: Callable[..., Any]
    bad_output: Rule
    rules: Sequence[Rule]
    otherwise: Rule
    correct: str
    output: Callable[[Any], Any] = field(default=lambda value: value)
    same: Callable[[Any, Any], bool] = field(default=lambda got, expected: got == expected)
    hint_on_error: str = ""

    def checker(self, answer_name: str) -> Callable[..., Feedback]:
        """The ``check_*`` function a lesson calls with the learner's function."""

        @check(self.name, self.hint_on_error)
        def run(function: Any) -> Feedback:
            for case in _cases(self.cases):
                arguments = [_fresh(case[name]) for name in self.arguments]
                result = call_learner(function, *arguments)
                # The oracle gets copies of its own: a function that changes its arguments
                # is still graded against the case as it was given.
                got = self.output(result)
                expected = self.oracle(*[_fresh(case[name]) for name in self.arguments])
                seen = {**case, "got": got, "expected": expected, "result": result}
                if got is None:
                    return _feedback(self.name, self.bad_output, seen)
                if self.same(got, expected):
                    continue
                for rule in self.rules:
                    if rule.when(seen):
                        return _feedback(self.name, rule, seen)
                general = self._general_mistake(function, seen)
                return _feedback(self.name, general or self.otherwise, seen)
            return Feedback(self.name, "correct", self.correct)

        run.__name__ = run.__qualname__ = f"check_{answer_name}"
        run.__doc__ = f"Check {self.name}: give it your function {answer_name}."
        return run

    def _general_mistake(self, function: Any, seen: Answers) -> Rule | None:
        """The two diagnoses every function exercise shares, or None."""
        arguments = [seen[name] for name in self.arguments]
        cases = _cases(self.cases)
        if len(arguments) == 2:
            try:
                swapped = self.oracle(*reversed([_fresh(a) for a in arguments]))
            except Exception:  # the oracle refuses its arguments the other way round
                swapped = None
            if swapped is not None and _agrees(self.same, seen["got"], swapped):
                return mistake(
                    lambda _: True,
                    f"It gives the right answer for its arguments the other way round "
                    f"({self.arguments[1]}, {self.arguments[0]}).",
                    f"Use the arguments in the order given: ({', '.join(self.arguments)}).",
                )
        try:  # the learner's function on every case, quietly: only to compare its outputs
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                outputs = [
                    self.output(call_learner(function, *[_fresh(case[n]) for n in self.arguments]))
                    for case in cases
                ]
        except Exception:
            return None
        oracle = [self.oracle(*[_fresh(case[n]) for n in self.arguments]) for case in cases]
        if len(cases) > 1 and _all_equal(outputs) and not _all_equal(oracle):
            return mistake(
                lambda _: True,
                "It gives the same answer, {got}, whatever its input: does it use its arguments?",
                "Compute the answer from the arguments, not from fixed numbers.",
            )
        return None


def passes(when: Callable[[Answers], bool]) -> Rule:
    """The case is passed when ``when`` holds: on to the next case."""
    return right(when, "")


@dataclass(frozen=True)
class CaseExercise:
    """A function to write, called on each case; the first rule that holds says what it did.

    Each case is a dict of facts; ``arguments`` names those passed to the
    function (copied, so that it can change them freely). The rules see the
    case with ``number``, ``function``, ``given`` (the copies) and ``result``,
    and what ``derive`` adds; a :func:`passes` rule sends the check to the next
    case. ``correct`` is formatted with what ``finish`` makes of the passed cases.
    """

    name: str
    cases: Callable[[], list[Answers]]
    arguments: Sequence[str]
    derive: Callable[[Answers], Answers]
    rules: Sequence[Rule]
    otherwise: Rule
    correct: str
    finish: Callable[[Any, list[Answers]], Answers] = field(default=lambda function, seen: {})
    call: Callable[..., Any] = call_learner
    hint_on_error: str = ""

    def checker(self, answer_name: str) -> Callable[..., Feedback]:
        @check(self.name, self.hint_on_error)
        def run(function: Any) -> Feedback:
            passed = []
            for number, case in enumerate(self.cases()):
                given = [_fresh(case[name]) for name in self.arguments]
                seen = {**case, "number": number, "function": function, "given": given}
                seen["result"] = self.call(function, *given)
                seen.update(self.derive(seen))
                rule = next((rule for rule in self.rules if rule.when(seen)), self.otherwise)
                if not rule.right:
                    says, hint = rule.says.format(**seen), rule.hint.format(**seen)
                    return Feedback(self.name, "incorrect", says, hint)
                passed.append(seen)
            return Feedback(
                self.name, "correct", self.correct.format(**self.finish(function, passed))
            )

        run.__name__ = run.__qualname__ = f"check_{answer_name}"
        run.__doc__ = f"Check {self.name}: give it your function {answer_name}."
        return run


def _agrees(same: Callable[[Any, Any], bool], got: Any, expected: Any) -> bool:
    try:
        return bool(same(got, expected))
    except (TypeError, ValueError):
        return False


def _all_equal(outputs: list) -> bool:
    first = outputs[0]
    try:
        return all(bool(np.all(other == first)) for other in outputs[1:])
    except (TypeError, ValueError):
        return False


def _fresh(value: Any) -> Any:
    """A deep copy of arrays, and of the dicts and lists that hold them."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value.copy() if isinstance(value, np.ndarray) else value


@cache
def _facts(make: Callable[[], Answers]) -> Answers:
    return make()


@cache
def _cases(make: Callable[[], list[Answers]]) -> list[Answers]:
    return make()


def number_of(value: Any) -> float | None:
    """One finite number, from a number or an array holding one; None otherwise."""
    if np.size(value) == 1 and not isinstance(value, (str, bytes)):
        value = np.asarray(value).item() if isinstance(value, np.ndarray) else value
    return as_number(value)


def near(a: float | None, b: float, within: float = 1e-9) -> bool:
    """``a`` is a number at most ``within`` away from ``b``."""
    return a is not None and abs(a - b) <= within
