"""The exercise checks: right answers pass, typical mistakes get a hint, nothing ever raises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from notebook_tools import JUNK

from privlab import dp
from privlab.lessons.kit.feedback import Feedback, Folded, load_ipython_extension, run_solution
from privlab.lessons.noisy_counts import checks as ex
from privlab.lessons.start_here import checks as start_here


def laplace_right(value, sensitivity, epsilon, rng):
    return value + rng.laplace(0.0, sensitivity / epsilon)


def laplace_stub(value, sensitivity, epsilon, rng): ...


def laplace_not_implemented(value, sensitivity, epsilon, rng):
    raise NotImplementedError


WRONG_LAPLACE = {
    "half the noise": lambda v, s, e, rng: v + rng.laplace(0.0, s / e / 2),
    "double the noise": lambda v, s, e, rng: v + rng.laplace(0.0, 2 * s / e),
    "scale upside down": lambda v, s, e, rng: v + rng.laplace(0.0, e / s),
    "fixed scale": lambda v, s, e, rng: v + rng.laplace(0.0, 2.0),
    "gaussian noise": lambda v, s, e, rng: v + rng.normal(0.0, 1.2533 * s / e),
    "global numpy rng": lambda v, s, e, rng: v + np.random.laplace(0.0, s / e),  # noqa: NPY002
    "noise only": lambda v, s, e, rng: rng.laplace(0.0, s / e),
    "no noise": lambda v, s, e, rng: v,
    "biased noise": lambda v, s, e, rng: v + 1 + rng.laplace(0.0, s / e),
    "returns a list": lambda v, s, e, rng: [v, v],
    "returns text": lambda v, s, e, rng: "118",
}


def test_laplace_check_accepts_a_right_answer():
    feedback = ex.check_laplace_mechanism(laplace_right)
    assert feedback, feedback
    # a vectorised or numpy-scalar returning answer is right too
    assert ex.check_laplace_mechanism(lambda v, s, e, rng: dp.laplace_mechanism(v, s, e, rng=rng))


@pytest.mark.parametrize("mistake", sorted(WRONG_LAPLACE))
def test_laplace_check_rejects_mistakes_with_a_hint(mistake):
    feedback = ex.check_laplace_mechanism(WRONG_LAPLACE[mistake])
    assert feedback.status == "incorrect", (mistake, feedback)
    assert feedback.hint


@pytest.mark.parametrize("stub", [..., laplace_stub, laplace_not_implemented])
def test_stubs_are_not_attempted_not_errors(stub):
    assert ex.check_laplace_mechanism(stub).status == "not attempted"


def test_none_is_an_answer_not_a_stub():
    feedback = ex.check_laplace_mechanism(None)
    assert feedback.status == "error" and "expected a function" in feedback.message


@pytest.mark.parametrize("spread", [1.0, 1.41])
def test_gaussian_noise_gets_the_shape_message_whatever_its_size(spread):
    def gaussian(value, sensitivity, epsilon, rng):
        return value + rng.normal(0.0, spread * sensitivity / epsilon)

    feedback = ex.check_laplace_mechanism(gaussian)
    assert "wrong shape" in feedback.message, feedback


def test_learner_exceptions_become_feedback():
    feedback = ex.check_laplace_mechanism(lambda v, s, e, rng: v / 0)
    assert feedback.status == "error"
    assert "ZeroDivisionError" in feedback.message
    assert ex.check_laplace_mechanism(lambda v: v).status == "error"  # wrong arity
    assert ex.check_laplace_mechanism(42).status == "error"  # not a function


def test_differencing_check():
    assert ex.check_differencing(118, 117, True)
    assert ex.check_differencing(118, 117, 1)  # 1 for True is fine
    assert ex.check_differencing(118, 117, 1.0)  # and so is a float equal to 1
    assert ex.check_differencing(118, 117, np.float64(1.0))
    assert ex.check_differencing(118, 117, np.array(True))
    assert ex.check_differencing(np.int64(118), np.int64(117), np.int64(118) - np.int64(117) == 1)
    assert "removed one buyer" in ex.check_differencing(118, 117, 0.0).message  # 0.0 is False
    assert "True or False" in ex.check_differencing(118, 117, 0.5).message
    assert "True or False" in ex.check_differencing(118, 117, 2).message
    refused = ex.check_differencing(118, None, True)  # the dashboard refused Alice's group
    assert refused.status == "incorrect" and "~" in refused.hint
    assert ex.check_differencing(118, 117, False).status == "incorrect"
    assert "customers" in ex.check_differencing(1500, 117, True).message
    assert ex.check_differencing(118, 118, True).status == "incorrect"
    assert ex.check_differencing(118, 117, "yes").status == "incorrect"
    assert ex.check_differencing(..., 117, True).status == "not attempted"


def test_scales_check():
    assert ex.check_scales(2, 100)
    assert ex.check_scales(2.0, 100.0)
    assert "upside down" in ex.check_scales(0.5, 100).message
    assert "divide" in ex.check_scales(2, 25).message
    assert "sensitivity of a count" in ex.check_scales(2, 2).message
    assert ex.check_scales(2, ...).status == "not attempted"


def test_epsilon_check():
    assert ex.check_epsilon_for_error(0.2)
    assert ex.check_epsilon_for_error(1 / 5)
    assert "little privacy" in ex.check_epsilon_for_error(5).message
    assert "protect people more" in ex.check_epsilon_for_error(0.5).message
    assert "more than 5" in ex.check_epsilon_for_error(0.1).message
    assert ex.check_epsilon_for_error(-1).status == "incorrect"


def test_randomized_response_check():
    assert ex.check_rr_estimator(dp.estimate_proportion)
    assert ex.check_rr_estimator(
        lambda r, e: (r.mean() - 1 / (1 + np.exp(e))) / (2 / (1 + np.exp(-e)) - 1)
    )
    rounded = ex.check_rr_estimator(lambda r, e: round(dp.estimate_proportion(r, e), 3))
    assert rounded, rounded
    percent = ex.check_rr_estimator(lambda r, e: 100 * dp.estimate_proportion(r, e))
    assert "percentage" in percent.message
    count = ex.check_rr_estimator(lambda r, e: len(r) * dp.estimate_proportion(r, e))
    assert "number of people" in count.message
    per_report = ex.check_rr_estimator(lambda r, e: r.astype(float))
    assert per_report.status == "incorrect" and len(per_report.message) < 200
    raw = ex.check_rr_estimator(lambda r, e: r.mean())
    assert raw.status == "incorrect" and "raw share" in raw.message
    assert ex.check_rr_estimator(lambda r, e: (r.mean() - (1 - e)) / (2 * e - 1)).hint


@settings(max_examples=60, deadline=None)
@given(a=JUNK, b=JUNK, c=JUNK)
def test_checks_never_raise_on_any_answer(a, b, c):
    for feedback in (
        ex.check_scales(a, b),
        ex.check_epsilon_for_error(a),
        ex.check_differencing(a, b, c),
        ex.check_laplace_mechanism(a),
        ex.check_rr_estimator(a),
    ):
        assert isinstance(feedback, Feedback)
        assert repr(feedback) and feedback._repr_html_()
        # each check handles odd answers itself; the catch-all is only a safety net
        assert "could not use this answer" not in feedback.message, feedback


def test_an_unforeseen_answer_gets_feedback_not_a_traceback():
    class Weird:
        def __float__(self):
            raise RuntimeError("no")

    feedback = ex.check_scales(Weird(), 1)
    assert isinstance(feedback, Feedback) and not feedback


def test_warm_up_check():
    assert start_here.check_more_private(0.1)
    assert start_here.check_more_private(5).hint
    assert start_here.check_more_private("0.1").status == "incorrect"
    assert start_here.check_more_private(...).status == "not attempted"
    assert start_here.check_more_private(float("nan")).status == "incorrect"


def test_solutions_run_in_a_copy_of_the_learners_variables():
    learner = {"answer": ..., "helper": lambda: 40}
    assert run_solution("answer = helper() + 2\nanswer", learner) == 42
    assert learner["answer"] is Ellipsis
    assert run_solution("answer = 1", learner) is None


def test_solution_magic_is_registered():
    registered = {}

    class FakeShell:
        def __init__(self):
            self.user_ns = {"x": 1}

        def register_magic_function(self, function, magic_kind, magic_name):
            registered[magic_name] = (magic_kind, function)

    load_ipython_extension(FakeShell())
    kind, magic = registered["solution"]
    assert kind == "cell"
    folded = magic("", "x = 5\nx * 2")
    assert isinstance(folded, Folded) and folded.value == 10
    assert magic("", "x = 5") is None
    html = folded._repr_html_()
    assert "<details" in html and "open" not in html.split(">")[0]


def test_feedback_html_shows_backticks_as_code():
    assert "<code>...</code>" in Feedback("Ex", "not attempted", "Replace `...`")._repr_html_()


def test_feedback_html_escapes_learner_text():
    feedback = Feedback("Ex", "incorrect", "<script>", "<b>")
    assert "<script>" not in feedback._repr_html_()
    with pytest.raises(ValueError, match="status must be one of"):
        Feedback("Ex", "great", "")
