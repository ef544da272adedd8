"""Lesson 03's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from notebook_tools import JUNK

from privlab import mpc
from privlab.exercises import Feedback
from privlab.exercises import secret_sharing as ex


def good_share(secret, parties, rng):
    randoms = rng.integers(0, 2**64, size=parties - 1, dtype=np.uint64)
    return np.append(randoms, np.uint64(secret) - randoms.sum(dtype=np.uint64))


def small_range_share(secret, parties, rng):
    randoms = rng.integers(0, 1000, size=parties - 1).astype(np.uint64)
    return np.append(randoms, np.uint64(secret) - randoms.sum(dtype=np.uint64))


def last_share_forgotten(secret, parties, rng):
    return rng.integers(0, 2**64, size=parties, dtype=np.uint64)


def good_beaver(d, e, a, b, c, first):
    z = c + d * b + e * a
    return z + d * e if first else z


def test_share():
    assert ex.check_share(good_share)
    assert ex.check_share(lambda s, n, r: list(good_share(s, n, r)))  # a list of uint64 is fine
    skewed = ex.check_share(small_range_share)
    assert skewed.status == "incorrect" and "not spread evenly" in skewed.message
    wrong_sum = ex.check_share(last_share_forgotten)
    assert "add up to" in wrong_sum.message
    too_few = ex.check_share(lambda s, n, r: good_share(s, n, r)[:-1])
    assert "there should be" in too_few.message
    floats = ex.check_share(lambda s, n, r: np.ones(n) / n * s)
    assert "whole numbers" in floats.message
    assert ex.check_share(lambda s, n, r: ...).status == "not attempted"


def test_output_leak():
    assert ex.check_output_leak(48_750.50)
    assert "average itself" in ex.check_output_leak((52_300 + 48_750.5) / 2).message
    assert "difference" in ex.check_output_leak(52_300 - (52_300 + 48_750.5) / 2).message
    assert ex.check_output_leak(48_000).status == "incorrect"


def test_lagrange():
    points = ex.pooled_shares()
    assert len(points) == 3 and all(0 <= y < 97 for _, y in points)
    xs = [x for x, _ in points]
    weights = mpc.lagrange_coefficients(xs, prime=97)
    right = sum(w * y for w, (_, y) in zip(weights, points, strict=True)) % 97
    assert ex.check_lagrange(right)
    assert "% 97" in ex.check_lagrange(right + 97).hint
    assert "one of the shares" in ex.check_lagrange(points[0][1]).message or right == points[0][1]
    two = mpc.lagrange_coefficients(xs[:2], prime=97)
    line = sum(w * y for w, (_, y) in zip(two, points[:2], strict=True)) % 97
    if line != right:
        assert "two of the three points" in ex.check_lagrange(line).message
    assert ex.check_lagrange(2.5).status == "incorrect"


def test_beaver():
    assert ex.check_beaver(good_beaver)
    everyone = ex.check_beaver(lambda d, e, a, b, c, first: c + d * b + e * a + d * e)
    assert "every party added" in everyone.message
    nobody = ex.check_beaver(lambda d, e, a, b, c, first: c + d * b + e * a)
    assert "nobody added it" in nobody.message
    assert ex.check_beaver(lambda d, e, a, b, c, first: a * b).status == "incorrect"
    assert ex.check_beaver(lambda d, e, a, b, c, first: "z").status == "incorrect"


def test_messages():
    assert ex.check_messages(lambda n: 2 * n * (n - 1))
    assert "round 1 only" in ex.check_messages(lambda n: n * (n - 1)).hint
    assert "to itself" in ex.check_messages(lambda n: 2 * n * n).hint
    assert "one party sends" in ex.check_messages(lambda n: 2 * (n - 1)).hint
    assert ex.check_messages(lambda n: 7).status == "incorrect"


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_answer(a):
    for feedback in (
        ex.check_share(a),
        ex.check_output_leak(a),
        ex.check_lagrange(a),
        ex.check_beaver(a),
        ex.check_messages(a),
    ):
        assert isinstance(feedback, Feedback)
        assert repr(feedback) and feedback._repr_html_()
        assert "could not use this answer" not in feedback.message, feedback
