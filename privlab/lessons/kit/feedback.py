"""Checks for the lessons' exercises, with feedback a learner can act on.

A check never raises at the learner. It returns a :class:`Feedback`, shown as
a coloured box in Jupyter and as one line of text elsewhere, which says one of:

* **correct**, with a word on why;
* **not quite**, with what is wrong and a hint;
* **not attempted yet**, when the stub still holds ``...``;
* **your code raised an error**, naming the error, without a traceback.

Each lesson's checks live in a module of this package named after the lesson,
for example :mod:`privlab.lessons.noisy_counts.checks`.
"""

from __future__ import annotations

import ast
import functools
import html
import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Feedback",
    "Folded",
    "LearnerCodeError",
    "answer_items",
    "as_number",
    "call_learner",
    "check",
    "close",
    "is_stub",
    "not_attempted",
    "shown",
]

_STYLE = {
    # status: (plain-text mark, heading, Okabe-Ito colour). The marks are ASCII and the
    # boxes are drawn with CSS, so they show in any font (emoji need an emoji font).
    "correct": ("[ok]", "Correct", "#009E73"),
    "incorrect": ("[x]", "Not quite", "#D55E00"),
    "not attempted": ("[...]", "Not attempted yet", "#E69F00"),
    "error": ("[!]", "Your code raised an error", "#CC79A7"),
}


@dataclass(frozen=True)
class Feedback:
    """The result of one check: a status, a message and, when wrong, a hint.

    ``bool(feedback)`` is true only when the answer is correct.

    Examples
    --------
    >>> Feedback("Exercise 1", "incorrect", "The scale is too small.", "Divide, do not multiply.")
    [x] Exercise 1, not quite: The scale is too small. Hint: Divide, do not multiply.
    """

    exercise: str
    status: str
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        if self.status not in _STYLE:
            raise ValueError(f"status must be one of {sorted(_STYLE)}; got {self.status!r}.")

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        symbol, heading, _ = _STYLE[self.status]
        text = f"{symbol} {self.exercise}, {heading.lower()}: {self.message}"
        return f"{text} Hint: {self.hint}" if self.hint else text

    def _repr_html_(self) -> str:
        _, heading, colour = _STYLE[self.status]
        hint = f"<br><b>Hint:</b> {_html(self.hint)}" if self.hint else ""
        badge = (
            f'<span style="background: {colour}; color: white; border-radius: 3px; '
            f'padding: 0 6px; margin-right: 6px;">{heading}</span>'
        )
        return (
            f'<div class="privlab-feedback" role="status" style="border-left: 6px solid {colour}; '
            f'padding: 6px 12px; margin: 4px 0;">{badge}<b>{html.escape(self.exercise)}.</b> '
            f"{_html(self.message)}{hint}</div>"
        )


def _html(text: str) -> str:
    """Escape text for HTML, showing `code` in backticks as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


class LearnerCodeError(Exception):
    """The learner's function raised; carries a readable description."""


def as_number(value: Any) -> float | None:
    """A learner's answer as a finite float, or ``None`` if it is not a real number.

    A NumPy array with one number in it counts as that number.
    """
    if getattr(value, "size", None) == 1 and getattr(value, "dtype", None) is not None:
        if value.dtype.kind in "iuf":
            value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def shown(value: Any) -> str:
    """A learner's value for a feedback message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def answer_items(value: Any, name: str, form: str, one: str) -> tuple[list[Any] | None, str]:
    """The items of a learner's collection (list, set, tuple, range, dict keys, 1-D array).

    Returns ``(items, "")``, NumPy scalars turned into Python ones, or
    ``(None, why not)``: a message naming ``name`` and the ``form`` wanted.
    ``one`` tells a learner who gave a single number how to wrap it.

    >>> answer_items(3, "readable", "a set of numbers", "Put it in a set: {n}.")
    (None, 'readable should be a set of numbers; got one number, 3. Put it in a set: {n}.')
    """
    if isinstance(value, dict):
        value = list(value)
    if hasattr(value, "ravel") and hasattr(value, "ndim"):  # a NumPy array
        value = value.ravel().tolist() if value.ndim <= 1 else None
    if not isinstance(value, (set, frozenset, list, tuple, range)):
        single = as_number(value)
        if single is not None and single == int(single):
            return None, f"{name} should be {form}; got one number, {int(single)}. {one}"
        return None, f"{name} should be {form}; got {shown(value)}."
    return [item.item() if getattr(item, "ndim", None) == 0 else item for item in value], ""


def listing(items: Any) -> str:
    """Items in words, for feedback: ``"3"``, ``"3 and 5"``, ``"3, 5 and 8"``.

    >>> listing([8]), listing([8, 10]), listing([8, 9, 10])
    ('8', '8 and 10', '8, 9 and 10')
    """
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    """Whether two numbers agree to ``tolerance`` (relative, or absolute near zero)."""
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def is_stub(value: Any) -> bool:
    """True for what an untouched stub gives.

    That is ``...``, or ``None`` from a function whose body is still ``...``.
    """
    return value is Ellipsis or value is None


class _NotAttempted(Exception):
    pass


def call_learner(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function; turn a stub or an exception into feedback-ready errors."""
    if not callable(function):
        raise LearnerCodeError(f"expected a function, but got {type(function).__name__}.")
    try:
        result = function(*args, **kwargs)
    except NotImplementedError as error:
        raise _NotAttempted from error
    except Exception as error:
        shown = ", ".join([*map(_short, args), *(f"{k}={_short(v)}" for k, v in kwargs.items())])
        raise LearnerCodeError(
            f"calling {getattr(function, '__name__', 'your function')}({shown}) raised "
            f"{type(error).__name__}: {error}"
        ) from error
    if is_stub(result):
        raise _NotAttempted
    return result


def _short(value: Any) -> str:
    text = repr(value)
    if "Generator" in text:
        return "rng"
    return text if len(text) <= 30 else text[:27] + "..."


def check(exercise: str, hint_on_error: str = "") -> Callable[..., Callable[..., Feedback]]:
    """Make a checking function safe: stubs and learner exceptions become feedback.

    The wrapped function receives the learner's answers and returns a
    :class:`Feedback`. Any answer that is still ``...`` or ``None`` gives
    "not attempted yet"; a :class:`LearnerCodeError` gives "your code raised".
    """

    def decorate(function: Callable[..., Feedback]) -> Callable[..., Feedback]:
        @functools.wraps(function)
        def run(*answers: Any) -> Feedback:
            # Only `...` marks an answer not yet attempted: None can be a real (wrong) answer.
            if not answers or any(answer is Ellipsis for answer in answers):
                return not_attempted(exercise)
            try:
                return function(*answers)
            except _NotAttempted:
                return not_attempted(
                    exercise,
                    "Your function still returns nothing (None): if you wrote code, check that "
                    "it ends with a `return` statement. ",
                )
            except LearnerCodeError as error:
                return Feedback(exercise, "error", f"{error}", hint_on_error)
            except Exception as error:  # an answer of a kind the check did not foresee
                return Feedback(
                    exercise,
                    "incorrect",
                    f"The check could not use this answer ({type(error).__name__}: {error}).",
                    "Compare the type of your answer with what the exercise asks for.",
                )

        return run

    return decorate


def not_attempted(exercise: str, prefix: str = "") -> Feedback:
    """The friendly note for a stub that still holds ``...``."""
    return Feedback(
        exercise,
        "not attempted",
        prefix + "Replace each `...` in the exercise cell with your answer, run that cell, "
        "then run this check again.",
    )


# --------------------------------------------------------------------------
# The %%solution cell magic
# --------------------------------------------------------------------------


def run_solution(cell: str, namespace: dict[str, Any]) -> Any:
    """Run a solution cell's code in a copy of ``namespace``; return its last expression.

    The copy lets the solution read everything the lesson defined, while the
    names it defines (``laplace_release``, ``count_scale``, ...) do not replace
    the learner's own: running all cells never overwrites the learner's work.

    Examples
    --------
    >>> learner = {"x": 1}
    >>> run_solution("x = 41; x + 1", learner), learner["x"]
    (42, 1)
    """
    tree = ast.parse(cell)
    scope = dict(namespace)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<solution>", "exec"), scope)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<solution>", "eval"), scope)


class Folded:
    """A solution's result, shown folded: nothing of it is visible until the learner opens it.

    Run All runs the solution cells too; folding their output keeps the answer
    (a check saying "Correct: 118 - 117 = 1 ...") off the screen, in JupyterLab,
    Voila and any static view, until the learner clicks to open it.

    Examples
    --------
    >>> Folded(42)
    [solution's output, folded] 42
    """

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"[solution's output, folded] {self.value!r}"

    def _repr_html_(self) -> str:
        shown = getattr(self.value, "_repr_html_", None)
        inner = shown() if shown else f"<pre>{html.escape(repr(self.value))}</pre>"
        return (
            '<details class="privlab-solution-output"><summary>The solution\'s check '
            "(folded: open it after you have tried the exercise)</summary>"
            f"{inner}</details>"
        )


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext privlab.lessons`` registers the ``%%solution`` cell magic.

    A solution cell starts with ``%%solution``; its code runs in a copy of the
    notebook's variables, and its result (the check's feedback) is shown folded.
    """

    def solution(line: str, cell: str) -> Any:
        result = run_solution(cell, ipython.user_ns)
        return None if result is None else Folded(result)

    ipython.register_magic_function(solution, magic_kind="cell", magic_name="solution")
