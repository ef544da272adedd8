"""Lesson 03's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from notebook_tools import JUNK, assert_incorrect, assert_usable_feedback, raises, stub

from privlab import mpc
from privlab.lessons.kit.feedback import Feedback
from privlab.lessons.secret_sharing import checks as ex


def good_share(secret, parties, rng):
    """The notebook's solution."""
    randoms = rng.integers(0, 2**64, size=parties - 1, dtype=np.uint64)
    last = np.array([secret], dtype=np.uint64) - randoms.sum(dtype=np.uint64, keepdims=True)
    return np.append(randoms, last)


def drawn_with(draw):
    """A sharing whose parties - 1 random shares come from ``draw(rng, k)``: right or mistaken."""

    def share(secret, parties, rng):
        randoms = np.asarray(draw(rng, parties - 1), dtype=np.uint64)
        last = np.array([secret], dtype=np.uint64) - randoms.sum(dtype=np.uint64, keepdims=True)
        return np.append(randoms, last)

    return share


def uint64(rng, k):
    return rng.integers(0, 2**64, size=k, dtype=np.uint64)


def last_share_forgotten(secret, parties, rng):
    return rng.integers(0, 2**64, size=parties, dtype=np.uint64)


def last_is_secret_minus_fixed(secret, parties, rng):
    """The others add up to a fixed number, so the last share is secret - that number."""
    fixed = np.array([123_456_789_123_456_789], dtype=np.uint64)
    randoms = uint64(rng, parties - 2)
    first = fixed - randoms.sum(dtype=np.uint64, keepdims=True)
    return np.concatenate([first, randoms, np.array([secret], dtype=np.uint64) - fixed])


def fixed_seed_inside(secret, parties, rng):
    return good_share(secret, parties, np.random.default_rng(0))


def secret_in_the_clear(secret, parties, rng):
    randoms = uint64(rng, parties - 2)
    cancel = np.uint64(0) - randoms.sum(dtype=np.uint64, keepdims=True)
    return np.concatenate([randoms, cancel, np.array([secret], dtype=np.uint64)])


def repeated_share(secret, parties, rng):
    randoms = uint64(rng, parties - 1)
    randoms[1:] = randoms[0]
    last = np.array([secret], dtype=np.uint64) - randoms.sum(dtype=np.uint64, keepdims=True)
    return np.append(randoms, last)


def xor_sharing(secret, parties, rng):
    randoms = uint64(rng, parties - 1)
    return np.append(randoms, np.bitwise_xor.reduce(randoms) ^ np.uint64(secret))


def good_beaver(d, e, a, b, c, first):
    z = c + d * b + e * a
    return z + d * e if first else z


def test_share_right_answers():
    right = ex.check_share(good_share)
    assert right and "each of the 64 bits" in right.message
    assert ex.check_share(lambda s, n, r: list(good_share(s, n, r)))  # a list of uint64 is fine
    # Python ints of any size (here a negative last share) are reduced modulo 2**64
    assert ex.check_share(
        lambda s, n, r: (lambda rs: [*rs, s - sum(rs)])(uint64(r, n - 1).tolist())
    )
    signed = drawn_with(lambda rng, k: rng.integers(-(2**63), 2**63, size=k, dtype=np.int64))
    assert ex.check_share(signed)  # int64 over its whole range is uniform on the ring too


@pytest.mark.parametrize("seed", range(12))
def test_share_right_answer_passes_at_other_seeds(seed):
    """The tolerances (6 standard errors) leave a right answer room at any seed, not one."""
    assert ex._check_share("Exercise 1", good_share, seed=seed)


SHARE_MISTAKES = {
    "low 32 bits zero": (
        drawn_with(lambda rng, k: uint64(rng, k) & np.uint64(0xFFFF_FFFF_0000_0000)),
        "The lowest 32 bits of share 1 are 0 in all 4,000 sharings",
    ),
    "always even": (
        drawn_with(lambda rng, k: uint64(rng, k) & ~np.uint64(1)),
        "Share 1 is always even",
    ),
    "high bits only random": (
        drawn_with(lambda rng, k: rng.integers(0, 256, size=k, dtype=np.uint64) << np.uint64(56)),
        "The lowest 56 bits of share 1 are 0 in all 4,000 sharings: only its top 8 bits",
    ),
    "floats": (
        drawn_with(lambda rng, k: (rng.random(k) * 2.0**64).astype(np.uint64)),
        "a float has 53 significant bits",
    ),
    "int64 default": (
        drawn_with(lambda rng, k: rng.integers(0, 2**63, size=k)),
        "Share 1 stays below 2^63: its top bit is 0",
    ),
    "32-bit range": (
        drawn_with(lambda rng, k: rng.integers(0, 2**32, size=k)),
        "That is the range of rng.integers(0, 2**32)",
    ),
    "small range": (
        drawn_with(lambda rng, k: rng.integers(0, 1000, size=k)),
        "Share 1 stays below 2^10",
    ),
    "last share is secret minus a fixed number": (
        last_is_secret_minus_fixed,
        "Share 3 is the same number, 18,323,287,284,586,094,869, in all 4,000 sharings of the "
        "secret 42: it is the secret minus the fixed number 123,456,789,123,456,789",
    ),
    "fixed seed inside": (fixed_seed_inside, "does not draw from the `rng` it is given"),
    "secret in the clear": (secret_in_the_clear, "always the secret itself"),
    "repeated share": (repeated_share, "Share 1 and share 2 are equal in every sharing"),
    "biased bit": (
        drawn_with(lambda rng, k: uint64(rng, k) | (uint64(rng, k) & np.uint64(1 << 40))),
        "Share 1 is not uniform on the ring: bit 40 is 1 in 7",
    ),
    "shares a fixed distance apart": (
        drawn_with(lambda rng, k: uint64(rng, 1) + np.arange(k, dtype=np.uint64) * np.uint64(1000)),
        "Share 1 − share 2 is 18,446,744,073,709,550,616 in every sharing",
    ),
    "shares tied by XOR": (
        drawn_with(lambda rng, k: uint64(rng, 1) ^ np.arange(k, dtype=np.uint64)),
        "Share 1 XOR share 2 is 1 in every sharing",
    ),
    "shares close together": (
        drawn_with(lambda rng, k: uint64(rng, 1) + rng.integers(0, 1000, size=k, dtype=np.uint64)),
        "Each share on its own looks uniform, but share 1 XOR share 2 does not",
    ),
    "xor sharing": (xor_sharing, "XOR to the secret"),
    "last share forgotten": (last_share_forgotten, "add up to"),
}


@pytest.mark.parametrize("mistake", list(SHARE_MISTAKES), ids=list(SHARE_MISTAKES))
def test_share_mistakes(mistake):
    wrong, phrase = SHARE_MISTAKES[mistake]
    feedback = ex.check_share(wrong)
    assert_incorrect(feedback, phrase)
    assert feedback.hint, feedback


def test_share_mistakes_get_their_own_messages():
    messages = [ex.check_share(wrong).message for wrong, _ in SHARE_MISTAKES.values()]
    assert len(set(messages)) == len(messages)


def test_share_wrong_forms_and_junk():
    too_few = ex.check_share(lambda s, n, r: good_share(s, n, r)[:-1])
    assert_incorrect(too_few, "there should be")
    floats = ex.check_share(lambda s, n, r: np.ones(n) / n * s)
    assert_incorrect(floats, "whole numbers")
    later = iter(range(10**6))
    changes = ex.check_share(lambda s, n, r: good_share(s, n, r)[: n - (next(later) > 10)])
    assert_incorrect(changes, "called again: there should be 3 shares")
    assert ex.check_share(lambda s, n, r: ...).status == "not attempted"
    assert ex.check_share(stub).status == "not attempted"
    assert ex.check_share(raises).status == "error"
    for junk in (None, 3, "share", [1, 2, 3], float):
        feedback = ex.check_share(junk)
        assert_usable_feedback(feedback, ("error",))
        assert "expected a function" in feedback.message or "float" in feedback.message


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
    assert_incorrect(ex.check_beaver(lambda d, e, a, b, c, first: a * b), "read as a signed")
    assert_incorrect(
        ex.check_beaver(lambda d, e, a, b, c, first: "z"), "returned 'z', not a number"
    )
    assert ex.check_beaver(lambda d, e, a, b, c: c).status == "error"


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
