"""Tests of privlab.mpc.psi, Diffie-Hellman private set intersection.

* Output: the shared rows are exactly the plain intersection (hypothesis, with
  empty lists, full and no overlap, unicode ids), lined up in the same order on
  both sides, and that order is not the order of the rows.
* Views: a party's view holds no id text, and nothing it can test a guessed id
  against with its own secret: not H(x), not H(x)^own scalar. The same attack
  succeeds on broken variants (ids hashed but not blinded, or blinded by 1).
* Messages: two rounds, four messages, 32 bytes per point; round 1 depends
  only on the set of ids, not their order.
* Randomness: a seed repeats a run, no seed never does; scalars are valid.
* Every bad argument raises an error that names it.
* Speed: a generous bound for 1,000 x 1,000 ids (the real budget is benchmarked).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl import bindings

from privlab import InvalidParameterError, mpc
from privlab.mpc import psi

SHORT_IDS = st.lists(st.text(max_size=4), max_size=8, unique=True)
ONE = (1).to_bytes(32, "little")


def customers(start: int, stop: int) -> list[str]:
    return [f"customer-{number:05d}" for number in range(start, stop)]


def matched_ids(ids: list[str], rows: np.ndarray) -> list[str]:
    return [ids[row] for row in rows]


def points_in(messages) -> set[bytes]:
    """Every 32-byte point in a list of messages."""
    return {bytes(row) for message in messages for row in message.payload}


def recording_scalars(monkeypatch) -> list[bytes]:
    """Make ``random_scalar`` keep a copy of what it draws (first party's first)."""
    drawn: list[bytes] = []
    real = psi.random_scalar

    def keep(rng=None):
        scalar = real(rng)
        drawn.append(scalar)
        return scalar

    monkeypatch.setattr(psi, "random_scalar", keep)
    return drawn


def can_test_guess(guess: str, view: set[bytes], own_scalar: bytes) -> bool:
    """The receiver's attack: is H(guess), or H(guess) blinded by its own scalar, in its view?"""
    point = mpc.hash_to_point(guess)
    return point in view or mpc.blind([point], own_scalar)[0] in view


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(only_a=SHORT_IDS, only_b=SHORT_IDS, shared=SHORT_IDS, data=st.data())
def test_matches_are_the_plain_intersection_lined_up(only_a, only_b, shared, data):
    ids_a = data.draw(st.permutations(list(dict.fromkeys(only_a + shared))))
    ids_b = data.draw(st.permutations(list(dict.fromkeys(only_b + shared))))
    result = mpc.private_intersection(ids_a, ids_b, rng=data.draw(st.integers(0, 2**32 - 1)))
    expected = set(ids_a) & set(ids_b)
    assert matched_ids(ids_a, result.matched_a) == matched_ids(ids_b, result.matched_b)
    assert set(matched_ids(ids_a, result.matched_a)) == expected
    assert result.size == len(expected) == len(result.matched_b)
    assert len(set(result.matched_a.tolist())) == result.size  # each row once


@pytest.mark.parametrize(
    ("ids_a", "ids_b", "shared"),
    [
        ([], [], set()),
        ([], ["a"], set()),
        (["a", "b"], [], set()),
        (["a", "b", "c"], ["c", "b", "a"], {"a", "b", "c"}),
        (["a", "b"], ["c", "d"], set()),
        (["é", "e\u0301", "名前", "🙂", ""], ["🙂", "é", "x"], {"é", "🙂"}),
        (["Ana", "ana "], ["ana", "Ana"], {"Ana"}),
    ],
    ids=["both empty", "a empty", "b empty", "full", "none", "unicode", "exact strings"],
)
def test_edge_cases(ids_a, ids_b, shared):
    result = mpc.private_intersection(ids_a, ids_b)
    assert set(matched_ids(ids_a, result.matched_a)) == shared
    assert matched_ids(ids_a, result.matched_a) == matched_ids(ids_b, result.matched_b)
    assert result.matched_a.dtype == result.matched_b.dtype == np.int64


def test_common_order_is_random_not_row_order():
    ids = customers(0, 50)
    orders = {
        tuple(mpc.private_intersection(ids, ids[::-1], rng=seed).matched_a) for seed in range(5)
    }
    assert len(orders) == 5
    assert tuple(range(50)) not in orders


def test_result_accepts_tuples_and_numpy_arrays_and_is_read_only():
    result = mpc.private_intersection(("x", "y"), np.array(["y", "z"]))
    assert result.matched_a.tolist() == [1] and result.matched_b.tolist() == [0]
    with pytest.raises(ValueError, match="read-only"):
        result.matched_a[0] = 0
    assert repr(result) == (
        "PSIResult(1 shared ids between 'publisher' and 'advertiser'; "
        "2 rounds, 4 messages, 256 bytes)"
    )


# --------------------------------------------------------------------------
# Views and messages
# --------------------------------------------------------------------------


def test_messages_rounds_and_bytes():
    ids_a, ids_b = customers(0, 100), customers(60, 160)
    result = mpc.private_intersection(ids_a, ids_b, names=("pub", "adv"), rng=1)
    assert result.size == 40
    assert result.stats == {"rounds": 2, "messages": 4, "bytes": 4 * 100 * 32}
    rows = result.network.table()
    assert [(r["round"], r["from"], r["to"], r["label"]) for r in rows] == [
        (1, "pub", "adv", "my ids, blinded by me"),
        (1, "adv", "pub", "my ids, blinded by me"),
        (2, "pub", "adv", "your ids, blinded by both of us"),
        (2, "adv", "pub", "your ids, blinded by both of us"),
    ]
    for message in result.network.messages:
        assert message.payload.shape == (100, 32) and message.payload.dtype == np.uint8


def test_views_hold_no_id_text():
    ids_a, ids_b = customers(0, 30), customers(20, 50)
    network = mpc.private_intersection(ids_a, ids_b).network
    for message in network.messages:
        raw = message.payload.tobytes()
        for identifier in ids_a + ids_b:
            assert identifier.encode() not in raw
            assert identifier.encode("utf-16-le") not in raw


def test_a_party_cannot_test_the_others_ids_with_its_own_secret(monkeypatch):
    drawn = recording_scalars(monkeypatch)
    ids_a, ids_b = customers(0, 30), customers(20, 50)
    result = mpc.private_intersection(ids_a, ids_b, names=("pub", "adv"))
    alpha, beta = drawn
    pub_view, adv_view = (points_in(result.network.view(name)) for name in ("pub", "adv"))
    assert not any(can_test_guess(x, pub_view, alpha) for x in ids_b)
    assert not any(can_test_guess(x, adv_view, beta) for x in ids_a)
    # What the view does hold: the other's ids blinded by the other's secret.
    assert mpc.blind([mpc.hash_to_point(ids_b[-1])], beta)[0] in pub_view


@pytest.mark.parametrize("broken", ["hashed, not blinded", "blinded by 1"])
def test_the_guessing_attack_works_on_a_broken_variant(broken):
    ids_b = customers(20, 50)
    points = [mpc.hash_to_point(x) for x in ids_b]
    sent = points if broken == "hashed, not blinded" else mpc.blind(points, ONE)
    network = mpc.Network()
    network.send("adv", "pub", np.frombuffer(b"".join(sent), np.uint8).reshape(-1, 32), "ids")
    alpha = mpc.random_scalar()
    view = points_in(network.view("pub"))
    guesses = customers(0, 60)
    assert [x for x in guesses if can_test_guess(x, view, alpha)] == ids_b


def test_round_one_depends_only_on_the_set_of_ids():
    ids_a = customers(0, 20)
    first = mpc.private_intersection(ids_a, ["x"], rng=4).network.messages[0]
    shuffled = mpc.private_intersection(ids_a[::-1], ["x"], rng=4).network.messages[0]
    assert np.array_equal(first.payload, shuffled.payload)
    points = [bytes(row) for row in first.payload]
    assert points == sorted(points)


# --------------------------------------------------------------------------
# Randomness and the building blocks
# --------------------------------------------------------------------------


def payloads(result) -> list[bytes]:
    return [message.payload.tobytes() for message in result.network.messages]


def test_a_seed_repeats_a_run_and_no_seed_never_does():
    ids_a, ids_b = customers(0, 10), customers(5, 15)
    seeded = [mpc.private_intersection(ids_a, ids_b, rng=9) for _ in range(2)]
    assert payloads(seeded[0]) == payloads(seeded[1])
    assert seeded[0].matched_a.tolist() == seeded[1].matched_a.tolist()
    fresh = [mpc.private_intersection(ids_a, ids_b) for _ in range(2)]
    assert not set(payloads(fresh[0])) & set(payloads(fresh[1]))
    from_generators = [
        mpc.private_intersection(ids_a, ids_b, rng=np.random.default_rng(9)) for _ in range(2)
    ]
    assert payloads(from_generators[0]) == payloads(from_generators[1])


def test_the_two_parties_get_different_scalars_from_one_seed(monkeypatch):
    drawn = recording_scalars(monkeypatch)
    mpc.private_intersection(["a"], ["b"], rng=0)
    assert len(drawn) == 2 and drawn[0] != drawn[1]


def test_scalars_are_reduced_and_nonzero():
    scalars = [mpc.random_scalar() for _ in range(200)] + [
        mpc.random_scalar(rng=s) for s in range(5)
    ]
    assert len(set(scalars)) == len(scalars)
    for scalar in scalars:
        assert len(scalar) == 32 and scalar != bytes(32)
        assert bindings.crypto_core_ed25519_scalar_reduce(scalar + bytes(32)) == scalar
    assert mpc.random_scalar(rng=2) == mpc.random_scalar(rng=2)
    assert mpc.random_scalar(rng=np.random.default_rng(2)) == mpc.random_scalar(
        rng=np.random.default_rng(2)
    )


def test_hash_to_point_gives_valid_distinct_points():
    points = [mpc.hash_to_point(x) for x in ["", "a", "A", "a ", "é", "e\u0301"]]
    assert len(set(points)) == len(points)
    assert all(bindings.crypto_core_ed25519_is_valid_point(point) for point in points)
    assert mpc.hash_to_point("a") == mpc.hash_to_point("a")


def test_blinding_commutes_and_keeps_points_distinct():
    alpha, beta = mpc.random_scalar(), mpc.random_scalar()
    points = [mpc.hash_to_point(x) for x in customers(0, 20)]
    once = mpc.blind(points, alpha)
    assert mpc.blind(once, beta) == mpc.blind(mpc.blind(points, beta), alpha)
    assert len(set(once)) == 20 and not set(once) & set(points)
    assert mpc.blind(points, ONE) == points  # why a scalar of 1 hides nothing
    assert mpc.blind([], alpha) == []


# --------------------------------------------------------------------------
# Baseline
# --------------------------------------------------------------------------


def test_naive_join_shows_each_party_the_others_whole_list():
    ids_a, ids_b = customers(0, 10), customers(6, 20)
    join = mpc.naive_join(ids_a, ids_b, names=("pub", "adv"))
    assert join.shared == set(customers(6, 10))
    assert join.seen == {"pub": set(ids_b), "adv": set(ids_a)}
    assert join.leaked == {"pub": set(customers(10, 20)), "adv": set(customers(0, 6))}
    assert repr(join) == "NaiveJoin(4 shared ids; pub sees 10 more, adv sees 6 more)"


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids_a", "ids_b", "message"),
    [
        ("abc", ["a"], "ids_a must be a list of id strings"),
        (["a"], {"a", "b"}, "ids_b must be a list of id strings"),
        (None, ["a"], "ids_a must be a list of id strings"),
        (np.array([["a"]]), ["a"], "ids_a must be a list of id strings"),
        (["a", 7], ["a"], "ids_a must hold only strings; got 7 at position 1"),
        (["a"], [b"a"], "ids_b must hold only strings; got b'a' at position 0"),
        (["a"], ["x", "y", "x"], "ids_b must hold each id once .*got 'x' more than once"),
    ],
)
def test_bad_ids_are_named(ids_a, ids_b, message):
    for function in (mpc.private_intersection, mpc.naive_join):
        with pytest.raises(InvalidParameterError, match=message):
            function(ids_a, ids_b)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ("publisher", "names must be a pair of party names"),
        (("publisher",), "names must be a pair of party names"),
        (("a", "b", "c"), "names must be a pair of party names"),
        (("a", "a"), "names must be two different party names; got 'a' twice"),
        (("a", ""), "names must be a party name"),
        (("a", 3), "names must be a party name"),
    ],
)
def test_bad_names_are_named(names, message):
    with pytest.raises(InvalidParameterError, match=message):
        mpc.private_intersection(["a"], ["b"], names=names)


def test_bad_rng_is_named():
    with pytest.raises(InvalidParameterError, match="rng must be None, a seed"):
        mpc.private_intersection(["a"], ["b"], rng=-1)
    with pytest.raises(InvalidParameterError, match="rng must be"):
        mpc.random_scalar(rng="secret")


def test_bad_building_block_arguments_are_named():
    point = mpc.hash_to_point("a")
    order = (2**252 + 27742317777372353535851937790883648493).to_bytes(32, "little")
    with pytest.raises(InvalidParameterError, match="identifier must be a string; got 5"):
        mpc.hash_to_point(5)
    with pytest.raises(InvalidParameterError, match="scalar must be 32 bytes"):
        mpc.blind([point], b"short")
    for bad in (bytes(32), order, b"\xff" * 32):
        with pytest.raises(InvalidParameterError, match="scalar must be a nonzero number below"):
            mpc.blind([point], bad)
    with pytest.raises(InvalidParameterError, match="points must be a list"):
        mpc.blind(point, ONE)
    with pytest.raises(InvalidParameterError, match="got b'ab' at position 1"):
        mpc.blind([point, b"ab"], ONE)
    identity = (1).to_bytes(32, "little")
    with pytest.raises(InvalidParameterError, match=r"prime-order group; got 0100.* at position 1"):
        mpc.blind([point, identity], ONE)


# --------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------


def test_a_thousand_by_a_thousand_is_quick():
    ids_a, ids_b = customers(0, 1000), customers(500, 1500)
    start = time.perf_counter()
    result = mpc.private_intersection(ids_a, ids_b)
    elapsed = time.perf_counter() - start
    assert result.size == 500
    assert elapsed < 5, f"PSI on 1,000 x 1,000 ids took {elapsed:.1f} s"
