"""Lesson 06's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from notebook_tools import JUNK, assert_incorrect, assert_usable_feedback, raises, stub

from privlab.crypto.keys import Identity
from privlab.crypto.pitfalls import recover_with_crib, xor_bytes
from privlab.crypto.ratchet import OVERHEAD_BYTES, kdf_chain
from privlab.crypto.relay import pad, unpad
from privlab.crypto.safety import fingerprint, format_safety_number, safety_number
from privlab.lessons.end_to_end_encryption import checks as ex

# --------------------------------------------------------------------------
# Exercise 1
# --------------------------------------------------------------------------

PAIR = ex.reused_nonce_pair()
C1, C2, M1 = PAIR["c1"], PAIR["c2"], PAIR["m1"]
RIGHT = xor_bytes(xor_bytes(C1, C2), M1)


def test_the_pair_shares_one_keystream():
    assert M1 == ex.KNOWN_PLAINTEXT == b"Meet me at the station at 6 pm"
    assert len(C1) == len(M1) < len(C2)  # the secret is a little longer than the crib
    keystream = xor_bytes(C1, M1)
    assert xor_bytes(C2, keystream) == RIGHT == ex._SECRET[: len(M1)]
    assert RIGHT == b"Change of plan: bridge at 7 pm"
    assert ex.reused_nonce_pair() == PAIR  # fixed, the same on every call


def test_nonce_reuse_right_answers():
    right = ex.check_nonce_reuse(RIGHT)
    assert right and "Change of plan" in right.message and "last 8 bytes" in right.message
    assert ex.check_nonce_reuse(RIGHT.decode())
    assert ex.check_nonce_reuse(bytearray(RIGHT))
    assert ex.check_nonce_reuse(list(RIGHT))
    assert ex.check_nonce_reuse(np.frombuffer(RIGHT, dtype=np.uint8))
    assert ex.check_nonce_reuse(recover_with_crib(C1, C2, M1))
    assert ex.check_nonce_reuse(bytes(a ^ b ^ m for a, b, m in zip(C1, C2, M1, strict=False)))
    assert ex.check_nonce_reuse(ex._SECRET)  # the whole message, had it been guessed


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (xor_bytes(C1, C2), "That is c1 ⊕ c2"),
        (xor_bytes(C1, C2).decode("latin-1"), "That is c1 ⊕ c2"),
        (xor_bytes(C2, M1), "still holds the keystream"),
        (xor_bytes(C1, M1), "the keystream s itself"),
        (C2, "second ciphertext"),
        (C1, "first ciphertext"),
        (M1, "known already"),
        (M1.decode(), "known already"),
        (RIGHT + C2[len(M1) :], "Only the overlap can be recovered"),
        (RIGHT + b" Alone", "Only the overlap can be recovered"),
        (RIGHT[:12], "but 30 can be read"),
        (RIGHT.decode()[:-1], "but 30 can be read"),
        (str(RIGHT), "`str(...)` wrote them as `b'...'`"),
        (RIGHT.hex(), "hex digits"),
        (RIGHT.upper(), "is not the second message"),
        ("", "is not the second message"),
        (None, "as bytes or text"),
        (3, "as bytes or text"),
        ([300, 1], "as bytes or text"),
    ],
)
def test_nonce_reuse_mistakes(wrong, phrase):
    assert_incorrect(ex.check_nonce_reuse(wrong), phrase)


def test_nonce_reuse_overlap_message_names_the_lengths():
    feedback = ex.check_nonce_reuse(RIGHT + C2[len(M1) :])
    assert "your answer has 38" in feedback.message and "last 8 bytes" in feedback.message
    assert "Change of plan" in feedback.message


def test_nonce_reuse_stub():
    assert ex.check_nonce_reuse(...).status == "not attempted"


# --------------------------------------------------------------------------
# Exercise 2 (file order: the chain step, lesson exercise 3)
# --------------------------------------------------------------------------


def hmac_256(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def good_chain_step(chain_key):
    next_chain_key = hmac_256(chain_key, b"\x02")
    message_key = hmac_256(chain_key, b"\x01")
    return next_chain_key, message_key


def test_chain_step_matches_kdf_chain():
    for chain_key in ex._chain_keys():
        assert good_chain_step(chain_key) == kdf_chain(chain_key) == ex._chain_right(chain_key)
    assert len(set(ex._chain_keys())) == len(ex._chain_keys()) == 5


def test_chain_step_right_answers():
    right = ex.check_chain_step(good_chain_step)
    assert right and "forward secrecy" in right.message and "5 chain keys" in right.message
    assert ex.check_chain_step(kdf_chain)
    assert ex.check_chain_step(lambda ck: [hmac_256(ck, bytes([2])), hmac_256(ck, bytes([1]))])
    assert ex.check_chain_step(
        lambda ck: tuple(bytearray(hmac.digest(ck, c, "sha256")) for c in (b"\x02", b"\x01"))
    )


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda ck: good_chain_step(ck)[::-1], "the other way round"),
        (lambda ck: (hmac_256(ck, b"\x01"), hmac_256(ck, b"\x02")), "the other way round"),
        (lambda ck: (sha(ck + b"\x02"), sha(ck + b"\x01")), "plain SHA-256"),
        (lambda ck: (sha(ck + b"\x01"), sha(ck + b"\x02")), "also the other way round"),
        (lambda ck: (sha(b"\x02" + ck), sha(b"\x01" + ck)), "without a key"),
        (lambda ck: (hmac_256(b"\x02", ck), hmac_256(b"\x01", ck)), "arguments are swapped"),
        (lambda ck: (hmac_256(ck, b"2"), hmac_256(ck, b"1")), "the characters '2' and '1'"),
        (lambda ck: (hmac_256(ck, b"\x02"),) * 2, "Both outputs are the same key"),
        (lambda ck: (hmac_256(ck, b"\x01"),) * 2, "Both outputs are the same key"),
        (lambda ck: (ck, hmac_256(ck, b"\x01")), "the chain never moves"),
        (lambda ck: (hmac_256(ck, b"\x02"), ck), "The message key is the chain key itself"),
        (lambda ck: (hmac_256(ck, b"\x02"), hmac_256(ck, b"\x03")), "next chain key is right"),
        (lambda ck: (hmac_256(ck, b"\x00"), hmac_256(ck, b"\x01")), "message key is right"),
        (lambda ck: (sha(ck), sha(sha(ck))), "but the step gives"),
        (lambda ck: tuple(k.hex() for k in good_chain_step(ck)), "the right keys as hex text"),
        (lambda ck: tuple(k.hex() for k in good_chain_step(ck)[::-1]), "keys as hex text"),
        (lambda ck: good_chain_step(ck)[0] + good_chain_step(ck)[1], "joined into one"),
        (lambda ck: good_chain_step(ck)[0], "one byte string of 32 bytes"),
        (lambda ck: (*good_chain_step(ck), ck), "pair of keys"),
        (lambda ck: "keys", "returned text"),
        (lambda ck: (1, 2), "Each key should be bytes"),
        (lambda ck: ("chain", "message"), "Each key should be bytes"),
        (
            lambda ck: (hmac.new(ck, b"\x02", hashlib.sha512).digest(), hmac_256(ck, b"\x01")),
            "keys of 32 and 64 bytes",
        ),
        (lambda ck: good_chain_step(bytes(32)), "does not use its argument"),
    ],
)
def test_chain_step_mistakes(wrong, phrase):
    assert_incorrect(ex.check_chain_step(wrong), phrase)


def test_chain_step_stub_and_errors():
    assert ex.check_chain_step(...).status == "not attempted"
    assert ex.check_chain_step(stub).status == "not attempted"
    assert ex.check_chain_step(raises).status == "error"
    assert ex.check_chain_step(lambda: 1).status == "error"  # no argument
    assert ex.check_chain_step(lambda ck: hmac.new(ck.hex(), b"\x01")).status == "error"


# --------------------------------------------------------------------------
# Exercise 3 (file order: the man in the middle, lesson exercise 2)
# --------------------------------------------------------------------------


def same_contact(a, b):
    return "".join(a.split()) == "".join(b.split())


def test_two_phones_show_a_man_in_the_middle():
    phones = ex.two_phones()
    alice, bob = phones["alice_phone"], phones["bob_phone"]
    assert alice != bob and alice == format_safety_number(alice)
    assert len(alice.splitlines()) == 3 and len("".join(alice.split())) == 60
    groups_a, groups_b = alice.split(), bob.split()
    assert groups_a[:6] == groups_b[:6] and all(
        x != y for x, y in zip(groups_a[6:], groups_b[6:], strict=True)
    )


def test_two_phones_follow_from_the_keys():
    """Alice's phone hashes the server's key as Bob's; without the swap both phones agree."""
    generator = np.random.default_rng(606)
    alice, bob, server = (Identity(n, one_time_prekeys=0, rng=generator) for n in "ABS")
    alice_half = fingerprint(alice.identity_key, ex._ALICE_ID)
    on_alice = "".join(ex.two_phones()["alice_phone"].split())
    assert on_alice == safety_number(
        alice.identity_key, ex._ALICE_ID, server.identity_key, ex._BOB_ID
    )
    assert on_alice.startswith(alice_half)
    honest = safety_number(alice.identity_key, ex._ALICE_ID, bob.identity_key, ex._BOB_ID)
    assert honest == "".join(ex.two_phones()["bob_phone"].split())


def test_mitm_cases_are_what_they_say():
    for first, second, same, kind in ex._mitm_cases():
        assert same_contact(first, second) == same, kind
        assert same == (kind in ("same", "layout", "spaces"))
    kinds = {kind for *_, kind in ex._mitm_cases()}
    assert kinds == {"same", "layout", "spaces", "half", "digit", "groups", "other"}


def test_mitm_right_answers():
    right = ex.check_mitm(same_contact)
    assert right and "says False" in right.message and "man in the middle" in right.message
    assert ex.check_mitm(lambda a, b: re.sub(r"\s", "", a) == re.sub(r"\s", "", b))
    assert ex.check_mitm(
        lambda a, b: a.replace(" ", "").replace("\n", "") == b.replace(" ", "").replace("\n", "")
    )
    assert ex.check_mitm(
        lambda a, b: [c for c in a if c.isdigit()] == [c for c in b if c.isdigit()]
    )
    assert ex.check_mitm(lambda a, b: np.bool_(same_contact(a, b)))


def only_if_same(a, b):
    if same_contact(a, b):
        return True


OTHER_CHAT = ex._mitm_cases()[-1][:2]


def clean(number):
    return "".join(number.split())


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda a, b: a == b, "laid out differently"),
        (lambda a, b: a.split() == b.split(), "laid out differently"),
        (lambda a, b: a.replace(" ", "") == b.replace(" ", ""), "not the line breaks"),
        (lambda a, b: not same_contact(a, b), "the other way round"),
        (lambda a, b: clean(a)[:30] == clean(b)[:30], "compares only part"),
        (lambda a, b: clean(a)[:25] == clean(b)[:25], "compares only part"),
        (lambda a, b: sorted(clean(a)) == sorted(clean(b)), "in another order"),
        (lambda a, b: set(re.findall(r"\d{5}", a)) == set(re.findall(r"\d{5}", b)), "a set"),
        (
            lambda a, b: sum(x != y for x, y in zip(clean(a), clean(b), strict=True)) <= 1,
            "differ in one digit",
        ),
        (lambda a, b: clean(a)[:40] == clean(b)[:40], "differ in one digit"),
        (lambda a, b: True, "True for every pair"),
        (lambda a, b: False, "False for every pair"),
        (only_if_same, "returns None when they differ"),
        (lambda a, b: None if same_contact(a, b) else False, "returns None when the numbers"),
        (lambda a, b: "yes" if same_contact(a, b) else "no", "True or False; got 'yes'"),
        (lambda a, b: int(same_contact(a, b)), "True or False; got 1"),
        (lambda a, b: same_contact(a, b) and a != b, "two identical numbers"),
        (lambda a, b: same_contact(a, b) or (a, b) == OTHER_CHAT, "two different chats"),
    ],
)
def test_mitm_mistakes(wrong, phrase):
    assert_incorrect(ex.check_mitm(wrong), phrase)


def test_mitm_stub_and_errors():
    assert ex.check_mitm(...).status == "not attempted"
    assert ex.check_mitm(stub).status == "not attempted"
    assert ex.check_mitm(raises).status == "error"
    assert ex.check_mitm(lambda a, b: int(a) == int(b)).status == "error"  # spaces in a number
    assert ex.check_mitm(lambda a: a).status == "error"


# --------------------------------------------------------------------------
# Exercise 4
# --------------------------------------------------------------------------


def test_the_scenario():
    scenario = ex.stolen_device_scenario()
    assert scenario == {"senders": list(ex.CONVERSATION), "stolen_after": ex.STOLEN_AFTER}
    assert len(scenario["senders"]) == 12 and scenario["senders"][0] == "Alice"
    assert scenario["senders"][ex.STOLEN_AFTER - 1] == "Alice"  # Bob has just read it
    scenario["senders"].append("Eve")  # a copy: the check's scenario stays as it was
    assert len(ex.stolen_device_scenario()["senders"]) == 12


def test_the_thief_reads_the_rest_of_the_chain_and_one_turn_more():
    assert ex._readable(ex.CONVERSATION, ex.STOLEN_AFTER) == {8, 9, 10}


@pytest.mark.parametrize("stolen_after", range(13))
def test_forward_secrecy_and_healing_for_every_moment_of_theft(stolen_after):
    """No message up to the theft is readable; the readable ones are consecutive and few."""
    readable = ex._readable(ex.CONVERSATION, stolen_after)
    assert all(number > stolen_after for number in readable)
    if readable:
        assert min(readable) == stolen_after + 1
        assert sorted(readable) == list(range(min(readable), max(readable) + 1))
    assert len(readable) <= 4  # healed within about one round trip
    assert ex._readable(ex.CONVERSATION, stolen_after, seed=7) == readable  # not luck


def test_healing_by_hand():
    """Theft after message 7 (Alice): Bob's key pair for his reply 9 is already in the copy.

    8 is the rest of Alice's chain, 9 Bob's chain with that key pair, 10 Alice's
    chain that answers it. Bob's reply 11 uses a key pair made on reading 10.
    """
    senders = ex.CONVERSATION
    assert [senders[n - 1] for n in (8, 9, 10, 11, 12)] == ["Alice", "Bob", "Alice", "Bob", "Alice"]
    assert ex._readable(senders, 5) == {6, 7, 8}  # theft just after Bob sent message 5
    assert ex._readable(senders, 12) == frozenset()


def test_thief_right_answers():
    right = ex.check_thief({8, 9, 10})
    assert right and "Messages 8, 9 and 10" in right.message and "healed" in right.message
    assert ex.check_thief([10, 9, 8])
    assert ex.check_thief((8, 9, 10, 10))
    assert ex.check_thief(range(8, 11))
    assert ex.check_thief(frozenset({8, 9, 10}))
    assert ex.check_thief(np.array([8, 9, 10]))
    assert ex.check_thief({np.int64(8), 9.0, 10})
    assert ex.check_thief({8: "Alice", 9: "Bob", 10: "Alice"})


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (set(range(1, 13)), "one fixed key"),
        (set(), "The thief can read some messages"),
        ([], "The thief can read some messages"),
        (set(range(8, 13)), "follow the chat forever"),
        ({7, 8, 9, 10}, "Message 7 was already read"),
        ({7, 8, 9}, "counted from 0"),
        ({8, 9, 10, 11}, "Message 11 is one too many"),
        ({8, 10}, "readable messages to Bob"),
        ({8}, "reads on after message 8"),
        ({8, 9}, "reads on after message 9: message 10"),
        ({0, 8, 9, 10}, "numbered 1 to 12; your answer holds 0"),
        ({8, 9, 10, 13}, "your answer holds 13"),
        ({3, 8, 9, 10}, "from before the copy (3)"),
        ({9}, "It can read 2 more messages"),
        ({9, 11}, "cannot read message 11; it can read 2 more"),
        ({8, 9, 11, 12}, "cannot read messages 11 and 12; it can read 1 more message"),
        ("8, 9, 10", "not text"),
        (9, "got one number, 9"),
        ({8.5}, "it holds 8.5"),
        ([True], "it holds True"),
        (None, "got None"),
        (np.zeros((2, 2)), "got None"),
    ],
)
def test_thief_mistakes(wrong, phrase):
    assert_incorrect(ex.check_thief(wrong), phrase)


def test_thief_stub():
    assert ex.check_thief(...).status == "not attempted"


# --------------------------------------------------------------------------
# Exercise 5
# --------------------------------------------------------------------------


def good_padded_size(length, block):
    return (length // block + 1) * block


@settings(max_examples=60, deadline=None)
@given(length=st.integers(0, 3000), block=st.integers(1, 600))
def test_padded_size_is_the_length_of_pad(length, block):
    padded = pad(bytes(length), block)
    assert len(padded) == ex._padded(length, block) == good_padded_size(length, block)
    assert unpad(padded, block) == bytes(length)


def test_padded_size_right_answers():
    right = ex.check_padded_size(good_padded_size)
    assert right and "512 bytes" in right.message and "569" in right.message
    assert f"adds {OVERHEAD_BYTES}" in right.message
    assert ex.check_padded_size(lambda n, b: len(pad(bytes(n), b)))
    assert ex.check_padded_size(lambda n, b: math.ceil((n + 1) / b) * b)
    assert ex.check_padded_size(lambda n, b: float(good_padded_size(n, b)))
    assert ex.check_padded_size(lambda n, b: np.int64(good_padded_size(n, b)))
    assert ex.check_padded_size(lambda n, b: n + 1 + (-(n + 1)) % b)
    assert ex._pad_matches()
    assert ex.PAD_BLOCK == 256


def padded_only_when_not_a_multiple(length, block):
    if length % block:
        return good_padded_size(length, block)


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda n, b: math.ceil(n / b) * b, "forgets the byte 0x80"),
        (lambda n, b: max(math.ceil(n / b) * b, b), "forgets the byte 0x80"),
        (lambda n, b: n // b * b, "rounds down"),
        (lambda block, length: good_padded_size(length, block), "length and block are swapped"),
        (
            lambda n, b: good_padded_size(b, n) if n else 2 * b,
            "That is the answer with length and block swapped",
        ),
        (lambda n, b: n + b, "adds a whole block"),
        (lambda n, b: n // b + 1, "number of blocks"),
        (lambda n, b: good_padded_size(n, b) + OVERHEAD_BYTES, "57 bytes of version"),
        (lambda n, b: good_padded_size(n, b) - n, "how many bytes the padding adds"),
        (lambda n, b: n + 1, "adds only the byte 0x80"),
        (lambda n, b: 512, "does not use its arguments"),
        (lambda n, b: good_padded_size(n, b) + b, "returns 768, but pad makes it 512 bytes."),
        (padded_only_when_not_a_multiple, "padded_size(256, 256) returns None"),
        (lambda n, b: "512", "whole number of bytes; got '512'"),
        (lambda n, b: good_padded_size(n, b) + 0.5, "whole number of bytes; got 512.5"),
        (lambda n, b: True, "whole number of bytes; got True"),
    ],
)
def test_padded_size_mistakes(wrong, phrase):
    assert_incorrect(ex.check_padded_size(wrong), phrase)


def test_padded_size_names_the_first_wrong_case():
    feedback = ex.check_padded_size(lambda n, b: math.ceil(n / b) * b)
    assert feedback.message.startswith("padded_size(256, 256) returns 256, but pad makes it 512")


def test_padded_size_stub_and_errors():
    assert ex.check_padded_size(...).status == "not attempted"
    assert ex.check_padded_size(stub).status == "not attempted"
    assert ex.check_padded_size(raises).status == "error"
    assert ex.check_padded_size(lambda n: n).status == "error"
    assert ex.check_padded_size(lambda n, b: n // (n - 300)).status == "error"


# --------------------------------------------------------------------------
# All checks
# --------------------------------------------------------------------------

CHECKS = (
    ex.check_nonce_reuse,
    ex.check_chain_step,
    ex.check_mitm,
    ex.check_thief,
    ex.check_padded_size,
)
FUNCTION_CHECKS = (ex.check_chain_step, ex.check_mitm, ex.check_padded_size)


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_answer(a):
    for check in CHECKS:
        assert_usable_feedback(check(a))


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_returned_value(a):
    """Functions that return junk get feedback too, never an exception."""
    for check in FUNCTION_CHECKS:
        assert_usable_feedback(check(lambda *args, a=a: a), ("incorrect", "not attempted"))


@settings(max_examples=40, deadline=None)
@given(a=JUNK, b=JUNK)
def test_checks_never_raise_on_any_returned_pair(a, b):
    for check in FUNCTION_CHECKS:
        assert_usable_feedback(check(lambda *args, a=a, b=b: (a, b)), ("incorrect",))


@settings(max_examples=40, deadline=None)
@given(a=st.one_of(JUNK, st.binary(max_size=40), st.sets(st.integers(-2, 14), max_size=6)))
def test_value_checks_never_raise_on_bytes_and_sets(a):
    for check in (ex.check_nonce_reuse, ex.check_thief):
        assert_usable_feedback(check(a), ("correct", "incorrect"))


def test_exercise_names():
    names = [check(...).exercise for check in CHECKS]
    assert names == [
        "Exercise 1 (nonce reuse)",
        "Exercise 3 (the chain step)",
        "Exercise 2 (spot the man in the middle)",
        "Exercise 4 (what the thief can read)",
        "Exercise 5 (padding and metadata)",
    ]


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (ex.check_nonce_reuse, xor_bytes(C1, M1), "XOR that keystream with c2: m2 = c2 ⊕ s."),
        (ex.check_nonce_reuse, RIGHT[:12], "XOR all 30 bytes: m2 = c1 ⊕ c2 ⊕ m1."),
        (ex.check_nonce_reuse, RIGHT + b" Alone", "Stop at the shortest of c1, c2 and m1 (30"),
        (ex.check_chain_step, lambda ck: good_chain_step(ck)[::-1], "Swap either the two"),
        (ex.check_chain_step, lambda ck: (sha(ck + b"\x02"), sha(ck + b"\x01")), "the key first"),
        (ex.check_chain_step, lambda ck: (sha(ck), sha(sha(ck))), "next_chain_key = hmac.new("),
        (ex.check_mitm, lambda a, b: a.replace(" ", "") == b.replace(" ", ""), "alike (or also"),
        (ex.check_mitm, lambda a, b: sorted(clean(a)) == sorted(clean(b)), "not as a set of"),
        (ex.check_mitm, lambda a, b: not same_contact(a, b), "Return True when the digits are"),
        (ex.check_thief, {7, 8, 9}, "Add 1 to each number."),
        (ex.check_thief, {8, 9}, "Follow the ratchet keys"),
        (ex.check_thief, {3, 8, 9, 10}, "Count only messages after the copy."),
        (ex.check_thief, {9}, "Go through the messages after the copy"),
        (ex.check_padded_size, lambda n, b: n // b + 1, "Multiply by the block size."),
        (ex.check_padded_size, lambda n, b: n + b, "Round up to the next multiple"),
        (ex.check_padded_size, lambda n, b: 512, "from the function's own `length` and `block`"),
        (ex.check_padded_size, lambda n, b: "512", "Return (length // block + 1) * block, an int."),
    ],
)
def test_each_mistake_has_its_hint(check, wrong, hint):
    assert_incorrect(check(wrong), hint, where="hint")


def test_errors_in_learner_code_get_the_exercise_hint():
    assert ex.check_chain_step(raises).hint == "Make chain_step(chain_key) return two keys."
    assert ex.check_mitm(raises).hint == "Make same_contact(a, b) return True or False."
    assert ex.check_padded_size(raises).hint == "Make padded_size(length, block) return a number."
