"""Lesson 02's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from notebook_tools import JUNK, assert_incorrect

from privlab import data, dp
from privlab.lessons.kit.feedback import Feedback
from privlab.lessons.privacy_budgets import checks as ex

AMOUNTS = data.campaign_purchases()["amount_eur"]


def least_squares(queries, answers):
    return (np.linalg.lstsq(queries, answers, rcond=None)[0] > 0.5).astype(int)


def test_queries_needed():
    assert ex.check_queries_needed(8, 4.0)
    assert ex.check_queries_needed(np.int64(8), np.float64(4.0))
    mistakes = {
        (3, 1.5): "still more than 1",  # forgot to square
        (7, 3.5): "more than 1",  # rounded down
        (20, 10.0): "fewer answers would do",
        (8, 0.5): "only one answer",
        (8, 16.0): "is not what 8 answers",
        (7.8, 3.9): "not a whole number",
    }
    for (k, spent), words in mistakes.items():
        feedback = ex.check_queries_needed(k, spent)
        assert feedback.status == "incorrect" and words in feedback.message, (k, spent, feedback)
        assert feedback.hint


def test_reconstruct():
    assert ex.check_reconstruct(least_squares)
    assert ex.check_reconstruct(lambda q, a: least_squares(q, a).astype(bool))
    unrounded = ex.check_reconstruct(lambda q, a: np.linalg.lstsq(q, a, rcond=None)[0])
    assert "not 0 or 1" in unrounded.message
    per_query = ex.check_reconstruct(lambda q, a: (a > a.mean()).astype(int))
    assert "one value per query" in per_query.hint
    guessing = ex.check_reconstruct(lambda q, a: np.zeros(q.shape[1], dtype=int))
    assert guessing.status == "incorrect" and "%" in guessing.message
    crashing = ex.check_reconstruct(lambda q, a: q.nonexistent)
    assert crashing.status == "error" and "AttributeError" in crashing.message
    assert ex.check_reconstruct(lambda q, a: ...).status == "not attempted"
    assert ex.check_reconstruct(lambda q, a: ["a"] * q.shape[1]).status == "incorrect"


@pytest.mark.parametrize(
    ("total", "words"),
    [
        (1.3, "each re-run"),
        (1.4, "once per campaign"),
        (1.8, "re-runs of the same release, and ε once per campaign"),
        (0.6, "different labels"),
        (2.0, "is not the total"),
    ],
)
def test_bill_mistakes(total, words):
    feedback = ex.check_bill(total)
    assert feedback.status == "incorrect" and words in feedback.message


def test_bill_right_answer_and_the_accountant_agree():
    assert ex.check_bill(0.9)
    budget = dp.PrivacyAccountant(epsilon=5, rng=0)
    for _ in range(3):
        budget.release("customers", dp.noisy_count, 2000, epsilon=0.2)
    budget.release("per campaign", dp.noisy_histogram, [870, 549, 370, 159, 42, 10], epsilon=0.1)
    budget.release("mean", dp.clipped_mean, AMOUNTS, epsilon=0.3, lower=0, upper=200)
    budget.release("mean, again", dp.clipped_mean, AMOUNTS, epsilon=0.3, lower=0, upper=200)
    assert ex.check_bill(budget.spent_epsilon)


def test_gaussian():
    sigma = dp.gaussian.analytic_gaussian_sigma(5, 1.0, 1e-6)
    assert ex.check_gaussian(25, 5, sigma)
    assert (
        "sized to the L1"
        in ex.check_gaussian(25, 5, dp.analytic_gaussian_sigma(25, 1, 1e-6)).message
    )
    assert (
        "for one count" in ex.check_gaussian(25, 5, dp.analytic_gaussian_sigma(1, 1, 1e-6)).message
    )
    assert "added the changes" in ex.check_gaussian(25, 25, sigma).message
    assert "one count" in ex.check_gaussian(1, 5, sigma).message
    assert ex.check_gaussian(25, 5, sigma * 1.5).status == "incorrect"


def test_audit_check():
    with_collector = AMOUNTS
    without = AMOUNTS[AMOUNTS != AMOUNTS.max()]
    assert ex.check_audit(with_collector, without)
    assert ex.check_audit(without, with_collector[::-1])  # order does not matter
    small = ex.check_audit(with_collector, AMOUNTS[1:])
    assert small.status == "incorrect" and "does not change the bound" in small.message
    far = ex.check_audit(with_collector, AMOUNTS[2:])
    assert "not neighbours" in far.message
    same = ex.check_audit(with_collector, with_collector)
    assert "not neighbours" in same.message and "added or removed" in same.message
    swapped = AMOUNTS.copy()
    swapped[np.argmax(swapped)] = 10.0  # the collector's order changed: substitution
    for a, b in ((with_collector, swapped), (swapped[::-1], with_collector)):
        substitution = ex.check_audit(a, b)
        assert_incorrect(substitution, "That is substitution (one person's data changed)")
        assert "this lesson uses add/remove" in substitution.message
        assert "€5,200.00" in substitution.message and "€10.00" in substitution.message
    assert ex.check_audit(..., without).status == "not attempted"


def test_neighbours_helper():
    a = np.array([3.0, 1.0, 2.0])
    assert ex._neighbours(a, np.array([1.0, 2.0]))
    assert ex._neighbours(np.array([2.0, 3.0]), a)
    assert not ex._neighbours(a, np.array([1.0, 5.0]))
    assert not ex._neighbours(a, a)


@settings(max_examples=40, deadline=None)
@given(a=JUNK, b=JUNK, c=JUNK)
def test_checks_never_raise_on_any_answer(a, b, c):
    for feedback in (
        ex.check_queries_needed(a, b),
        ex.check_reconstruct(a),
        ex.check_bill(a),
        ex.check_gaussian(a, b, c),
        ex.check_audit(a, b),
    ):
        assert isinstance(feedback, Feedback)
        assert repr(feedback) and feedback._repr_html_()
        assert "could not use this answer" not in feedback.message, feedback


def test_audit_check_refuses_negative_orders_with_feedback():
    feedback = ex.check_audit([-1], [0, -1])  # a bound below 0 would give a negative scale
    assert feedback.status == "incorrect" and "0 or more" in feedback.message
