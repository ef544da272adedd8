"""Checks for lesson 06, "End-to-end encrypted messaging".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. The test cases are fixed: two messages
encrypted with a reused nonce, chain keys drawn from a seeded generator, safety
numbers of seeded identities, a seeded conversation through the Double Ratchet,
and message lengths around the padding blocks. :func:`reused_nonce_pair`,
:func:`two_phones` and :func:`stolen_device_scenario` give the learner the data
of exercises 1, 2 and 4.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import math
import string
from collections.abc import Callable, Sequence
from functools import lru_cache, reduce
from typing import Any

import numpy as np

from privlab.crypto.keys import Identity
from privlab.crypto.pitfalls import stream_encrypt, xor_bytes
from privlab.crypto.ratchet import OVERHEAD_BYTES
from privlab.crypto.relay import DEFAULT_BLOCK, pad
from privlab.crypto.safety import format_safety_number, safety_number
from privlab.crypto.theft import thief_reads
from privlab.lessons.kit.checks import Exercise, mistake, right
from privlab.lessons.kit.feedback import (
    LearnerCodeError,
    _NotAttempted,
    answer_items,
    as_number,
    call_learner,
    listing,
    shown,
)

__all__ = [
    "CONVERSATION",
    "KNOWN_PLAINTEXT",
    "PAD_BLOCK",
    "STOLEN_AFTER",
    "check_chain_step",
    "check_mitm",
    "check_nonce_reuse",
    "check_padded_size",
    "check_thief",
    "reused_nonce_pair",
    "stolen_device_scenario",
    "two_phones",
]

# --------------------------------------------------------------------------
# Could move to the kit:
# --------------------------------------------------------------------------
# A function exercise whose diagnoses look at every case at once (a mistake must
# fit every case the function gets wrong), and in which a function that returns
# None on some cases only is wrong, not a stub: an Exercise whose `derive` calls
# the function on every case with `_outputs`.


def _outputs(function: Any, calls: Sequence[Sequence[Any]]) -> list[Any]:
    """The learner's function on each call's arguments: its result, None, or the error raised.

    Raises ``_NotAttempted`` when it returns None on every call.
    """
    results: list[Any] = []
    for arguments in calls:
        try:
            results.append(call_learner(function, *arguments))
        except _NotAttempted:
            results.append(None)
        except LearnerCodeError as error:
            results.append(error)
    if all(result is None for result in results):
        raise _NotAttempted
    return results


# --------------------------------------------------------------------------
# Exercise 1: nonce reuse
# --------------------------------------------------------------------------

KNOWN_PLAINTEXT = b"Meet me at the station at 6 pm"
"""The first message of exercise 1, which the attacker knows (or guessed)."""

_SECRET = b"Change of plan: bridge at 7 pm. Alone."  # the second message: 8 bytes longer


@lru_cache(maxsize=1)
def _nonce_pair() -> tuple[bytes, bytes]:
    """The two ciphertexts of exercise 1: one key, one nonce, two messages."""
    generator = np.random.default_rng(601)
    key, nonce = generator.bytes(32), generator.bytes(24)
    return stream_encrypt(key, nonce, KNOWN_PLAINTEXT), stream_encrypt(key, nonce, _SECRET)


def reused_nonce_pair() -> dict[str, bytes]:
    """Exercise 1: two messages encrypted under the same key and nonce, the first known.

    ``c1`` and ``c2``, the two ciphertexts of the bare stream
    (:func:`~privlab.crypto.pitfalls.stream_encrypt`, XChaCha20 without its
    tag), as long as their plaintexts; ``m1``, the plaintext of ``c1``. The
    second plaintext is secret and a little longer.

    >>> pair = reused_nonce_pair()
    >>> pair["m1"]
    b'Meet me at the station at 6 pm'
    >>> len(pair["c1"]), len(pair["c2"])
    (30, 38)
    """
    first, second = _nonce_pair()
    return {"c1": first, "c2": second, "m1": KNOWN_PLAINTEXT}


def _as_message_bytes(value: Any) -> bytes | None:
    """The learner's message as bytes (text is encoded as UTF-8), or None."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogatepass")
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError, OverflowError):
            return None
        if array.ndim == 1 and array.size and array.dtype.kind in "iu":
            if 0 <= int(array.min()) and int(array.max()) <= 255:
                return bytes(array.astype(np.uint8))
    return None


def _repr_of_bytes(text: Any) -> bytes | None:
    """The bytes behind ``str(some_bytes)``, such as ``"b'abc'"``, or None."""
    if not isinstance(text, str) or len(text) < 3 or text[:2] not in ("b'", 'b"'):
        return None
    try:
        value = ast.literal_eval(text) if text[-1] == text[1] else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, bytes) else None


def _nonce_facts() -> dict[str, Any]:
    c1, c2 = _nonce_pair()
    overlap = min(len(c1), len(c2), len(KNOWN_PLAINTEXT))
    m2 = _SECRET[:overlap]
    return {"c1": c1, "c2": c2, "m1": KNOWN_PLAINTEXT, "m2": m2, "overlap": overlap,
            "text": repr(m2.decode()), "tail": len(c2) - overlap}  # fmt: skip


def _nonce_answer(a: dict[str, Any]) -> dict[str, Any]:
    answer, got = a["second_message"], _as_message_bytes(a["second_message"])
    hex_digits = isinstance(answer, str) and all(c in string.hexdigits for c in answer)
    wrong = sum(x != y for x, y in zip(got or b"", a["m2"], strict=False))
    return {
        "got": got,
        "length": len(got or b""),
        "in_hex": hex_digits and len(answer) == 2 * a["overlap"] and bytes.fromhex(answer),
        "as_shown": shown(got),
        "problem": shown(answer),
        "wrong": wrong + abs(len(got or b"") - a["overlap"]),
    }


def _begins_as(*names: str) -> Callable[[dict[str, Any]], bool]:
    """The answer begins as the XOR of the named texts does, over the overlap, and is no longer."""

    def when(a: dict[str, Any]) -> bool:
        value = reduce(xor_bytes, (a[name] for name in names))
        size = min(len(value), a["overlap"])
        return size <= len(a["got"]) <= len(value) and a["got"][:size] == value[:size]

    return when


_M2 = "The second message is m2 = c1 ⊕ c2 ⊕ m1."

check_nonce_reuse = Exercise(
    "Exercise 1 (nonce reuse)",
    answers=["second_message"],
    facts=_nonce_facts,
    derive=_nonce_answer,
    rules=[
        mistake(
            lambda a: _repr_of_bytes(a["second_message"]) in (a["m2"], _SECRET),
            "The bytes are right, but `str(...)` wrote them as `b'...'`, with the b and the "
            "quotes as part of the text.",
            "Keep the bytes as they are, or turn them into text with `.decode()`.",
        ),
        mistake(
            lambda a: a["in_hex"] == a["m2"],
            "The bytes are right, but written as hex digits.",
            "Return the bytes themselves, or the text: `.decode()`, not `.hex()`.",
        ),
        mistake(
            lambda a: a["got"] is None,
            "second_message should be the second plaintext, as bytes or text; got {problem}.",
            "m2 = c1 ⊕ c2 ⊕ m1: `xor_bytes(xor_bytes(c1, c2), m1)`.",
        ),
        right(
            lambda a: a["got"] in (a["m2"], _SECRET),
            "{text}: read without the key. Encrypting twice with one key and one nonce repeats "
            "the keystream s, so c1 ⊕ c2 = m1 ⊕ m2, and one known message gives away the other. "
            "The last {tail} bytes of c2 stay hidden only because c1 ends after {overlap} bytes: "
            "no other message used that part of the keystream. The fix is never to reuse a "
            "nonce: an AEAD with a fresh random nonce per message, and in the Double Ratchet a "
            "new key for every message.",
        ),
        mistake(
            lambda a: a["length"] > a["overlap"] and a["got"][: a["overlap"]] == a["m2"],
            "The first {overlap} bytes are right, {text}, but your answer has {length}. Only the "
            "overlap can be recovered: c1 and m1 are {overlap} bytes long, so the last {tail} "
            "bytes of c2 are still XORed with keystream that nobody knows. Bytes beyond the "
            "overlap are not the message.",
            "Stop at the shortest of c1, c2 and m1 ({overlap} bytes): `zip` and `xor_bytes` do.",
        ),
        mistake(
            lambda a: 0 < a["length"] < a["overlap"] and a["m2"].startswith(a["got"]),
            "Your {length} bytes are right, but {overlap} can be read: every byte where m1, c1 "
            "and c2 overlap.",
            "XOR all {overlap} bytes: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        mistake(
            _begins_as("c1", "c2"),
            "That is c1 ⊕ c2: the keystream has cancelled out, but what is left is m1 ⊕ m2, the "
            "two messages mixed together.",
            "XOR once more, with the known m1: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        mistake(
            _begins_as("c2", "m1"),
            "That is c2 ⊕ m1, which still holds the keystream: m2 ⊕ s ⊕ m1. Only c1 cancels it.",
            "Use all three: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        mistake(
            _begins_as("c1", "m1"),
            "That is c1 ⊕ m1: the keystream s itself (m1 ⊕ s ⊕ m1). Useful, but not yet the "
            "message.",
            "XOR that keystream with c2: m2 = c2 ⊕ s.",
        ),
        mistake(
            _begins_as("c2"),
            "That is the second ciphertext c2 as it is.",
            "Undo the keystream without the key: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        mistake(_begins_as("c1"), "That is the first ciphertext c1.", _M2),
        mistake(
            _begins_as("m1"), "That is the first message, the one that was known already.", _M2
        ),
    ],
    otherwise=mistake(
        None,
        "Your answer, {as_shown}, is not the second message: {wrong} of its bytes differ from "
        "what c1 ⊕ c2 ⊕ m1 gives ({overlap} bytes).",
        "m2 = c1 ⊕ c2 ⊕ m1: `xor_bytes(xor_bytes(c1, c2), m1)`.",
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 3: the chain step
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _chain_keys() -> tuple[bytes, ...]:
    """Chain keys to try: all zeros, 0 to 31, and three drawn at random (seeded)."""
    generator = np.random.default_rng(602)
    return (bytes(32), bytes(range(32)), *(generator.bytes(32) for _ in range(3)))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _chain_right(chain_key: bytes) -> tuple[bytes, bytes]:
    """(next chain key, message key), as :func:`~privlab.crypto.ratchet.kdf_chain` gives them."""
    return _hmac(chain_key, b"\x02"), _hmac(chain_key, b"\x01")


def _hex(key: bytes) -> str:
    """The first 8 hex digits of a key, for a message: ``3f2a1b0c…``."""
    return f"{bytes(key).hex()[:8]}…"


def _key_of(value: Any) -> bytes | None:
    return bytes(value) if isinstance(value, (bytes, bytearray)) else None


def _from_hex(value: Any) -> bytes:
    """The bytes that hex text such as ``"3f2a"`` stands for; ``b""`` for anything else."""
    try:
        return bytes.fromhex(value) if isinstance(value, str) and len(value) % 2 == 0 else b""
    except ValueError:
        return b""


def _first_wrong_step(a: dict[str, Any]) -> dict[str, Any]:
    """chain_step on each chain key, up to the first it gets wrong: what the rules look at."""
    keys = _chain_keys()
    for chain_key in keys:
        result, right = call_learner(a["chain_step"], chain_key), _chain_right(chain_key)
        pair = result if isinstance(result, (tuple, list)) and len(result) == 2 else ()
        got = tuple(_key_of(item) for item in pair)
        got = got if got and all(key is not None and len(key) == 32 for key in got) else None
        if got != right:
            break
    return {
        "later": chain_key != keys[0],
        "chain_key": chain_key,
        "result": result,
        "shown": shown(result),
        "size": len(_key_of(result) or b""),
        "pair": pair,
        "sizes": " and ".join(map(str, sorted({len(key or b"") for key in map(_key_of, pair)}))),
        "got": got,
        "right": right,
        "count": len(keys),
        "first_right": _chain_right(keys[0]),
        "step": f"For the chain key {_hex(chain_key)}, chain_step returns "
        + (f"({_hex(got[0])}, {_hex(got[1])})" if got else ""),
        "wanted": f"({_hex(right[0])}, {_hex(right[1])})",
        "which": "next chain key" if got and got[0] == right[0] else "message key",
    }


def _gives(step: Callable[[bytes], tuple[bytes, bytes]]) -> Callable[[dict[str, Any]], bool]:
    """The learner's step gives what ``step`` gives for the chain key it got wrong."""
    return lambda a: a["got"] == step(a["chain_key"])


_CHAIN_HINT = (
    "next_chain_key = hmac.new(chain_key, b'\\x02', hashlib.sha256).digest() and "
    "message_key = hmac.new(chain_key, b'\\x01', hashlib.sha256).digest(); return "
    "(next_chain_key, message_key)."
)
_PAIR_HINT = "End with `return next_chain_key, message_key`: two keys of 32 bytes each."
_NO_KEY = (
    "{step}. That hashes the chain key and the constant with plain SHA-256, without a key. "
    "HMAC is not SHA-256 of the two joined: it hashes twice with the key mixed in, which makes "
    "it a keyed function that cannot be computed without the chain key."
)
_NO_KEY_HINT = "Use hmac.new(chain_key, b'\\x02', hashlib.sha256).digest(), the key first."


_ONE_KEY = (
    "{step}. Both outputs are the same key, HMAC(CK, 0x02): the message key would also be the "
    "next chain key, so whoever obtains one message key could follow the chain forwards forever."
)
_TWO_CONSTANTS = (
    "Use two different constants: 0x02 for the next chain key, 0x01 for the message key."
)

check_chain_step = Exercise(
    "Exercise 3 (the chain step)",
    answers=["chain_step"],
    derive=_first_wrong_step,
    hint_on_error="Make chain_step(chain_key) return two keys.",
    rules=[
        mistake(
            lambda a: (
                _key_of(a["result"])
                in (a["right"][0] + a["right"][1], a["right"][1] + a["right"][0])
            ),
            "chain_step returned the two keys joined into one 64-byte string; return them as a "
            "pair.",
            _PAIR_HINT,
        ),
        mistake(
            lambda a: _key_of(a["result"]) is not None,
            "chain_step returned one byte string of {size} bytes, not a pair.",
            _PAIR_HINT,
        ),
        mistake(
            lambda a: isinstance(a["result"], str),
            "chain_step returned text, {shown}, not a pair of keys.",
            _PAIR_HINT,
        ),
        mistake(
            lambda a: not a["pair"],
            "chain_step should return a pair of keys; got {shown}.",
            _PAIR_HINT,
        ),
        mistake(
            lambda a: tuple(map(_from_hex, a["pair"])) == a["right"],
            "chain_step returned the right keys as hex text; the ratchet needs the bytes "
            "themselves.",
            "Use `.digest()`, not `.hexdigest()`: 32 bytes each.",
        ),
        mistake(
            lambda a: all(map(_from_hex, a["pair"])),
            "chain_step returned keys as hex text; the ratchet needs the bytes themselves.",
            "Use `.digest()`, not `.hexdigest()`: 32 bytes each.",
        ),
        mistake(
            lambda a: None in map(_key_of, a["pair"]),
            "Each key should be bytes; chain_step returned {shown}.",
            "Use `.digest()`, which gives bytes.",
        ),
        mistake(
            lambda a: a["got"] is None,
            "HMAC-SHA256 gives 32-byte keys; chain_step returned keys of {sizes} bytes.",
            "hmac.new(chain_key, ..., hashlib.sha256).digest() is 32 bytes.",
        ),
        right(
            lambda a: a["got"] == a["right"],
            "Your step matches kdf_chain on {count} chain keys. Each message key comes from the "
            "chain key by a one-way function, and the old chain key is then replaced: a thief "
            "who copies the phone gets the current chain key, from which no earlier key can be "
            "computed. That is forward secrecy within a chain.",
        ),
        mistake(
            lambda a: a["later"] and a["got"] == a["first_right"],
            "chain_step returns the same keys whatever chain key it is given: it does not use "
            "its argument.",
            "Compute from the function's own `chain_key`, not from variables outside it.",
        ),
        mistake(
            _gives(lambda ck: (_hmac(ck, b"\x01"), _hmac(ck, b"\x02"))),
            "{step}. The two outputs are the other way round: the next chain key is HMAC(CK, "
            "0x02) and the message key HMAC(CK, 0x01), returned as (next_chain_key, "
            "message_key), the order of kdf_chain and of Signal's KDF_CK.",
            "Swap either the two constants or the two values you return.",
        ),
        mistake(_gives(lambda ck: (_sha(ck + b"\x02"), _sha(ck + b"\x01"))), _NO_KEY, _NO_KEY_HINT),
        mistake(
            _gives(lambda ck: (_sha(ck + b"\x01"), _sha(ck + b"\x02"))),
            _NO_KEY + " The two outputs are also the other way round.",
            _NO_KEY_HINT,
        ),
        mistake(_gives(lambda ck: (_sha(b"\x02" + ck), _sha(b"\x01" + ck))), _NO_KEY, _NO_KEY_HINT),
        mistake(
            _gives(lambda ck: (_hmac(b"\x02", ck), _hmac(b"\x01", ck))),
            "{step}. That uses the constant as the HMAC key and the chain key as the message: "
            "the two arguments are swapped. The secret must be the key.",
            "hmac.new(key, message, hashlib.sha256): the key is chain_key, the message b'\\x02' "
            "or b'\\x01'.",
        ),
        mistake(
            _gives(lambda ck: (_hmac(ck, b"2"), _hmac(ck, b"1"))),
            "{step}. That uses the characters '2' and '1' (the bytes 0x32 and 0x31) instead of "
            "the bytes 0x02 and 0x01.",
            "Write the constants as b'\\x02' and b'\\x01' (or bytes([2]) and bytes([1])).",
        ),
        mistake(_gives(lambda ck: (_hmac(ck, b"\x02"),) * 2), _ONE_KEY, _TWO_CONSTANTS),
        mistake(
            _gives(lambda ck: (_hmac(ck, b"\x01"),) * 2),
            _ONE_KEY.replace("0x02", "0x01"),
            _TWO_CONSTANTS,
        ),
        mistake(
            _gives(lambda ck: (ck, _hmac(ck, b"\x01"))),
            "{step}. The next chain key is the chain key itself: the chain never moves, so every "
            "message would get the same key, and a thief holding it could read all of them.",
            "The next chain key is HMAC(CK, 0x02), a new key.",
        ),
        mistake(
            _gives(lambda ck: (_hmac(ck, b"\x02"), ck)),
            "{step}. The message key is the chain key itself: whoever obtains it also holds the "
            "chain and can compute every later key.",
            "The message key is HMAC(CK, 0x01), a key of its own.",
        ),
        mistake(
            lambda a: a["got"][0] == a["right"][0] or a["got"][1] == a["right"][1],
            "{step}: the {which} is right, the other one is not.",
            _CHAIN_HINT,
        ),
    ],
    otherwise=mistake(None, "{step}, but the step gives {wanted}.", _CHAIN_HINT),
).checker()


# --------------------------------------------------------------------------
# Exercise 2: spot the man in the middle
# --------------------------------------------------------------------------

_ALICE_ID = "+447700900101"
_BOB_ID = "+447700900202"


@lru_cache(maxsize=1)
def _phones() -> tuple[str, str, str]:
    """Alice's phone (the server's key as Bob's), Bob's phone, and an honest chat: 60 digits."""
    generator = np.random.default_rng(606)
    alice, bob, server = (
        Identity(who, one_time_prekeys=0, rng=generator) for who in ("Alice", "Bob", "Server")
    )
    on_alice = safety_number(alice.identity_key, _ALICE_ID, server.identity_key, _BOB_ID)
    on_bob = safety_number(bob.identity_key, _BOB_ID, alice.identity_key, _ALICE_ID)
    carol, dave = (Identity(who, one_time_prekeys=0, rng=generator) for who in ("Carol", "Dave"))
    honest = safety_number(carol.identity_key, "+447700900303", dave.identity_key, "+447700900404")
    return on_alice, on_bob, honest


def two_phones() -> dict[str, str]:
    """Exercise 2: the safety numbers on the two phones, ``alice_phone`` and ``bob_phone``.

    The server handed Alice a key of its own as Bob's key, so it can read what
    she sends him. Each phone computes the number from the keys it holds
    (:func:`~privlab.crypto.safety.safety_number`) and shows it as 12 groups
    of 5 digits on 3 lines (:func:`~privlab.crypto.safety.format_safety_number`).

    >>> [phone.splitlines()[1] for phone in two_phones().values()]  # the second halves differ
    ['90336 61380 94053 48359', '90336 61380 33191 78585']
    """
    on_alice, on_bob, _ = _phones()
    return {
        "alice_phone": format_safety_number(on_alice),
        "bob_phone": format_safety_number(on_bob),
    }


def _with_digit_changed(number: str, position: int) -> str:
    return number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]


@lru_cache(maxsize=1)
def _mitm_cases() -> tuple[tuple[str, str, bool, str], ...]:
    """(first number, second number, same?, kind): ``layout`` has line breaks, ``spaces`` not."""
    on_alice, on_bob, honest = _phones()
    formatted = format_safety_number(honest)
    groups = [honest[start : start + 5] for start in range(0, 60, 5)]
    one_line = " ".join(groups)
    groups[2], groups[9] = groups[9], groups[2]
    reordered = "".join(groups)
    late_digit = _with_digit_changed(honest, 47)
    early_digit = _with_digit_changed(honest, 3)
    return (
        (formatted, formatted, True, "same"),
        (formatted, honest, True, "layout"),
        (honest, formatted, True, "layout"),
        (one_line, formatted, True, "layout"),
        (formatted + "\n", one_line, True, "layout"),
        (honest, one_line, True, "spaces"),
        (one_line + " ", honest, True, "spaces"),
        (format_safety_number(on_alice), format_safety_number(on_bob), False, "half"),
        (format_safety_number(on_bob), format_safety_number(on_alice), False, "half"),
        (formatted, format_safety_number(late_digit), False, "digit"),
        (early_digit, honest, False, "digit"),
        (formatted, format_safety_number(reordered), False, "groups"),
        (format_safety_number(on_alice), formatted, False, "other"),
    )


def _verdicts(a: dict[str, Any]) -> dict[str, Any]:
    """same_contact on every pair of numbers, and which pairs it gets wrong."""
    cases = _mitm_cases()
    results = _outputs(a["same_contact"], [case[:2] for case in cases])
    for result in results:
        if isinstance(result, LearnerCodeError):
            raise result
    bad = next((i for i, r in enumerate(results) if not isinstance(r, (bool, np.bool_))), None)
    if bad is not None:
        answer = "the numbers match" if cases[bad][2] else "they differ"
        return {"bad": bad, "result": results[bad], "answer": answer, "shown": shown(results[bad])}
    verdicts = [bool(result) for result in results]
    missed = [
        c for c, v in zip(cases, verdicts, strict=True) if c[3] in ("layout", "spaces") and not v
    ]
    return {
        "bad": None,
        "verdicts": verdicts,
        "expected": [case[2] for case in cases],
        "accepted": {case[3] for case, verdict in zip(cases, verdicts, strict=True) if verdict},
        "missed": missed,
        "breaks_only": all("\n" in case[0] + case[1] and case[3] != "spaces" for case in missed),
    }


_MITM_HINT = (
    "Remove every space and line break from both numbers (`''.join(number.split())`), then "
    "compare the two strings of 60 digits."
)


check_mitm = Exercise(
    "Exercise 2 (spot the man in the middle)",
    answers=["same_contact"],
    derive=_verdicts,
    hint_on_error="Make same_contact(a, b) return True or False.",
    rules=[
        mistake(
            lambda a: a["bad"] is not None and a["result"] is None,
            "same_contact returns None when {answer}: return False as well as True.",
            "Every path through the function needs a `return`; or simply `return a == b` after "
            "cleaning both.",
        ),
        mistake(
            lambda a: a["bad"] is not None,
            "same_contact should return True or False; got {shown}.",
            "A comparison such as `clean_a == clean_b` gives True or False.",
        ),
        mistake(
            lambda a: all(a["verdicts"]),
            "same_contact says True for every pair, even for numbers that differ.",
            _MITM_HINT,
        ),
        mistake(
            lambda a: not any(a["verdicts"]),
            "same_contact says False for every pair, even for two identical numbers.",
            _MITM_HINT,
        ),
        mistake(
            lambda a: all(v != e for v, e in zip(a["verdicts"], a["expected"], strict=True)),
            "same_contact answers the other way round: it says True when the numbers differ (a "
            "man in the middle) and False when they match. The name asks whether Alice and Bob "
            "see the same contact keys.",
            "Return True when the digits are equal.",
        ),
        mistake(
            lambda a: a["missed"] and a["breaks_only"],
            "same_contact says False for one number laid out on 3 lines and the same digits on "
            "one line: it removes the spaces but not the line breaks. The phones may wrap the "
            "number differently; only the digits count.",
            "`''.join(number.split())` removes spaces and line breaks alike (or also "
            "`.replace('\\n', '')`).",
        ),
        mistake(
            lambda a: a["missed"],
            "same_contact says False for two numbers with the same 60 digits, laid out "
            "differently (with and without spaces or line breaks). Alice may read hers aloud in "
            "groups while Bob's phone shows one long line: only the digits count.",
            _MITM_HINT,
        ),
        mistake(
            lambda a: "half" in a["accepted"],
            "same_contact says True for the two phones of `ex.two_phones()`, whose first halves "
            "agree but whose second halves differ: it compares only part of the number. The half "
            "that agrees belongs to Alice's key; the man in the middle shows in the other.",
            "Compare all 60 digits.",
        ),
        mistake(
            lambda a: "groups" in a["accepted"],
            "same_contact says True for two numbers with the same groups of 5 digits in another "
            "order (as a set, or sorted): that is another number. Each group stands in its "
            "place; both phones show the same groups in the same order.",
            "Compare the digits in order, as one string, not as a set of groups.",
        ),
        mistake(
            lambda a: "digit" in a["accepted"],
            "same_contact says True for two numbers that differ in one digit: it compares only "
            "part of the number, or allows some difference. One digit is enough: another key "
            "gives a number that may differ anywhere.",
            "Compare all 60 digits, exactly.",
        ),
        mistake(
            lambda a: "other" in a["accepted"],
            "same_contact says True for the numbers of two different chats.",
            _MITM_HINT,
        ),
        right(
            lambda a: a["verdicts"] == a["expected"],
            "For the two phones of `ex.two_phones()` your function says False: there is a man in "
            "the middle. The first half, Alice's own key, is the same on both phones; the second "
            "half differs, because the key Alice's phone holds for Bob is not Bob's: the server "
            "swapped it. Every digit counts, in its place: a number that differs in one digit, "
            "or in the order of its groups, comes from other keys.",
        ),
    ],
    otherwise=mistake(
        None,
        "same_contact says False for two identical numbers, character for character.",
        _MITM_HINT,
    ),
).checker()


# --------------------------------------------------------------------------
# Exercise 4: what the thief can read
# --------------------------------------------------------------------------

CONVERSATION = ("Alice", "Alice", "Bob", "Alice", "Bob", "Bob",
                "Alice", "Alice", "Bob", "Alice", "Bob", "Alice")  # fmt: skip
"""Who sends each of the 12 messages of exercise 4, message 1 first."""

STOLEN_AFTER = 7
"""Exercise 4: Bob's phone is copied right after he has read message 7."""


def _readable(senders: tuple[str, ...], stolen_after: int, seed: int = 606) -> frozenset[int]:
    """The numbers of the messages a thief with Bob's copied state can read (a real chat)."""
    return thief_reads(senders, stolen_after, seed=seed)


def stolen_device_scenario() -> dict[str, Any]:
    """Exercise 4: who sends each message (``senders``), and after which Bob's phone is copied.

    Alice and Bob chat through the Double Ratchet; every message is read at
    once. Right after Bob has read message ``stolen_after``, a thief copies his
    phone's whole ratchet state, unnoticed, and the chat goes on. The thief also
    has every ciphertext of the chat from the server's log.

    >>> scenario = stolen_device_scenario()
    >>> scenario["senders"][:3], scenario["stolen_after"]
    (['Alice', 'Alice', 'Bob'], 7)
    """
    return {"senders": list(CONVERSATION), "stolen_after": STOLEN_AFTER}


def _message_numbers(value: Any, count: int) -> tuple[frozenset[int] | None, str]:
    """The learner's message numbers as a frozenset, or (None, why not)."""
    form = f"a set of message numbers from 1 to {count}, such as {{2, 5}}"
    if isinstance(value, (str, bytes)):
        return None, f"readable should be {form}, not text; got {shown(value)}."
    one = "Even if the thief can read one message only, put it in a set: {n}."
    items, why = answer_items(value, "readable", form, one)
    if items is None:
        return None, why
    numbers = set()
    for item in items:
        number = as_number(item)
        if number is None or number != int(number):
            return None, f"readable should be {form}; it holds {shown(item)}."
        numbers.add(int(number))
    return frozenset(numbers), ""


def _thief_facts() -> dict[str, Any]:
    readable = _readable(CONVERSATION, STOLEN_AFTER)
    last = max(readable) if readable else STOLEN_AFTER
    return {
        "right": readable,
        "count": len(CONVERSATION),
        "stolen_after": STOLEN_AFTER,
        "listed": listing(sorted(readable)),
        "first": min(readable),
        "after_last": last + 1,
    }


def _thief_answer(a: dict[str, Any]) -> dict[str, Any]:
    numbers, problem = _message_numbers(a["readable"], a["count"])
    if numbers is None:
        return {"numbers": None, "problem": problem}
    right = a["right"]
    extra, missing = sorted(numbers - right), len(right - numbers)
    parts = []
    if extra:
        parts.append(f"the thief cannot read message{'s' * (len(extra) > 1)} {listing(extra)}")
    if missing:
        parts.append(f"it can read {missing} more message{'s' * (missing > 1)} than you listed")
    text = "; ".join(parts)
    stop = max(numbers, default=0)  # is the answer right up to a message, and stops there?
    stops = stop in sorted(right)[:-1] and numbers == {n for n in right if n <= stop}
    outside = sorted(n for n in numbers if not 1 <= n <= a["count"])
    early = sorted(n for n in numbers if n <= a["stolen_after"])
    return {
        "numbers": numbers,
        "stop": stop if stops else None,
        "next": stop + 1,
        "outside": listing(outside) if outside else "",
        "early": listing(early) if early else "",
        "verdict": f"{text[:1].upper()}{text[1:]}.",
    }


def _answer_is(make: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], bool]:
    return lambda a: a["numbers"] == frozenset(make(a))


_THIEF_HINT = (
    "Go through the messages after the copy: which keys do they use, and were those keys (or "
    "the key pairs behind them) on Bob's phone at the theft?"
)
_HEAL = "Follow the ratchet keys: the thief holds Bob's ratchet key pairs made before the copy."

check_thief = Exercise(
    "Exercise 4 (what the thief can read)",
    answers=["readable"],
    facts=_thief_facts,
    derive=_thief_answer,
    rules=[
        mistake(lambda a: a["numbers"] is None, "{problem}", _THIEF_HINT),
        right(
            lambda a: a["numbers"] == a["right"],
            "Messages {listed}, and no others. Nothing before the copy: each key was deleted "
            "once used (forward secrecy). Message {first} is the rest of Alice's current chain; "
            "Bob's next message uses the ratchet key pair he made on reading message "
            "{stolen_after}, before the theft, and so does Alice's answer to it. From message "
            "{after_last} on, every key depends on a key pair Bob made after the copy: the chat "
            "has healed (post-compromise security), without Bob noticing anything.",
        ),
        mistake(
            _answer_is(lambda a: range(1, a["count"] + 1)),
            "That is every message, as if the chat used one fixed key. In the Double Ratchet "
            "each message has its own key, deleted once the message is read, and the ratchet "
            "keeps turning.",
            "Which message keys can the thief compute from what is on the phone at the theft?",
        ),
        mistake(
            _answer_is(lambda a: ()),
            "The thief can read some messages: the copy holds Bob's current chain keys and his "
            "current ratchet key pair, which are enough until the ratchet has turned with keys "
            "made after the theft.",
            _HEAL,
        ),
        mistake(
            _answer_is(lambda a: range(a["stolen_after"] + 1, a["count"] + 1)),
            "That is every message after the theft, as if the thief could follow the chat "
            "forever. But each time the ratchet turns, a fresh key pair enters: once one made "
            "after the theft is in use, the thief is locked out (healing).",
            _HEAL,
        ),
        mistake(
            _answer_is(lambda a: a["right"] | {a["stolen_after"]}),
            "Message {stolen_after} was already read when the phone was copied, and its key "
            "deleted: like every earlier message, the copy cannot open it (forward secrecy).",
            "Count only messages after the copy.",
        ),
        mistake(
            _answer_is(lambda a: (n - 1 for n in a["right"])),
            "Those are the right messages counted from 0; the messages are numbered from 1.",
            "Add 1 to each number.",
        ),
        mistake(
            _answer_is(lambda a: a["right"] | {a["after_last"]}),
            "Message {after_last} is one too many: it uses a key pair Bob made after the theft "
            "(on reading the message before), which the copy does not hold.",
            "The thief reads until a key pair made after the copy is in use.",
        ),
        mistake(
            _answer_is(lambda a: (n for n in a["right"] if CONVERSATION[n - 1] == "Alice")),
            "Those are the readable messages to Bob; the copy also holds Bob's sending chain "
            "key, and the thief has Bob's own messages from the server's log.",
            "Which of Bob's messages use the sending chain that was on the phone?",
        ),
        mistake(
            lambda a: a["stop"],
            "The thief reads on after message {stop}: message {next} still depends only on "
            "keys in the copy. Bob made his next ratchet key pair on reading message "
            "{stolen_after}, before the theft, so the copy holds it too. The chat heals only once "
            "a key pair made after the theft is in use.",
            _HEAL,
        ),
        mistake(
            lambda a: a["outside"],
            "The messages are numbered 1 to {count}; your answer holds {outside}.",
            _THIEF_HINT,
        ),
        mistake(
            lambda a: a["early"],
            "Your answer holds messages from before the copy ({early}): their keys were deleted "
            "once they were read, and the chain keys only turn forwards (forward secrecy).",
            "Count only messages after the copy.",
        ),
    ],
    otherwise=mistake(None, "{verdict}", _THIEF_HINT),
).checker()


# --------------------------------------------------------------------------
# Exercise 5: padding and metadata
# --------------------------------------------------------------------------

PAD_BLOCK = DEFAULT_BLOCK
"""The padding block of the lesson's example, 256 bytes."""

_PAD_CASES = ((300, 256), (256, 256), (0, 256), (255, 256), (511, 256), (1, 16), (16, 16),
              (33, 16), (100, 64), (1000, 100), (7, 1), (5000, 1024))  # fmt: skip
# (length, block): the lesson's example first


def _padded(length: int, block: int) -> int:
    """The length of ``pad(bytes(length), block)``: one 0x80 byte, then up to a multiple."""
    return (length // block + 1) * block


def _pad_matches() -> bool:
    """Whether :func:`_padded` agrees with the real padding on every case.

    >>> _pad_matches()
    True
    """
    return all(len(pad(bytes(n), b)) == _padded(n, b) for n, b in _PAD_CASES)


def _size(value: Any) -> int | None:
    """A learner's size as an int (a NumPy integer or a whole float too), or None."""
    number = as_number(value)
    return int(number) if number is not None and number == int(number) else None


def _pad_facts() -> dict[str, Any]:
    return {
        "right": [_padded(n, b) for n, b in _PAD_CASES],
        "overhead": OVERHEAD_BYTES,
        "block": PAD_BLOCK,
        "on_the_wire": _padded(300, PAD_BLOCK) + OVERHEAD_BYTES,
    }


def _pad_answer(a: dict[str, Any]) -> dict[str, Any]:
    """padded_size on every case: the sizes, the first ill-formed result, the first wrong size."""
    results = _outputs(a["padded_size"], _PAD_CASES)
    failed = [i for i, result in enumerate(results) if isinstance(result, LearnerCodeError)]
    swapped = all(_PAD_CASES[i][0] == 0 for i in failed) and all(
        _size(result) == _padded(b, n)
        for (n, b), result in zip(_PAD_CASES, results, strict=True)
        if n
    )
    if failed and not swapped:
        raise results[failed[0]]
    sizes = [None if i in failed else _size(result) for i, result in enumerate(results)]
    bad = sizes.index(None) if None in sizes else None
    wrong = [i for i, size in enumerate(sizes) if size != a["right"][i]]
    first = bad if bad is not None else (wrong or [0])[0]
    (length, block), result = _PAD_CASES[first], results[first]
    return {
        "failed": failed,
        "bad": bad,
        "result": result,
        "call": f"padded_size({length}, {block})",
        "shown": shown(result),
        "sizes": sizes,
        "wrong": wrong,
        "says": f"padded_size({length}, {block}) returns {sizes[first]}, but pad makes it "
        f"{a['right'][first]} bytes",
    }


def _fits(formula: Callable[[int, int], int | None]) -> Callable[[dict[str, Any]], bool]:
    """Every wrong size the formula tells (None: it does not) is what the formula gives."""

    def when(a: dict[str, Any]) -> bool:
        told = [(a["sizes"][i], formula(*_PAD_CASES[i])) for i in a["wrong"]]
        told = [(size, value) for size, value in told if value is not None]
        return bool(told) and all(size == value for size, value in told)

    return when


_ROUND_UP = "Round up to the next multiple: (length // block + 1) * block."

check_padded_size = Exercise(
    "Exercise 5 (padding and metadata)",
    answers=["padded_size"],
    facts=_pad_facts,
    derive=_pad_answer,
    hint_on_error="Make padded_size(length, block) return a number.",
    rules=[
        mistake(
            lambda a: a["failed"],
            "padded_size(0, {block}) fails, and the other results are those of "
            "padded_size(block, length): length and block are swapped (an empty message has "
            "length 0, which your function divides by). The first argument is the message "
            "length, the second the block size.",
            "def padded_size(length, block): ...",
        ),
        mistake(
            lambda a: a["bad"] is not None and a["result"] is None,
            "{call} returns None: every path through the function needs a `return`.",
            "Return one number, the length of the padded message.",
        ),
        mistake(
            lambda a: a["bad"] is not None,
            "{call} should return a whole number of bytes; got {shown}.",
            "Return (length // block + 1) * block, an int.",
        ),
        right(
            lambda a: not a["wrong"],
            "A 300-byte message is padded to {right[0]} bytes, and so is every message from 256 "
            "to 511 bytes: on the wire each is {on_the_wire} bytes (the ratchet adds "
            "{overhead}). The server learns the length only to within a block. The byte 0x80 is "
            "always added, so that unpad can find where the message ends, even when it fills "
            "whole blocks: 256 bytes become 512.",
        ),
        mistake(
            _fits(lambda n, b: math.ceil(n / b) * b),
            "{says}. That rounds up to a multiple of the block but forgets the byte 0x80 that pad "
            "always adds: a message that fills whole blocks gains a whole block (256 bytes become "
            "512), and an empty message becomes one block, not 0 bytes.",
            "One byte 0x80 comes first, then zeros: (length // block + 1) * block.",
        ),
        mistake(
            _fits(lambda n, b: n // b * b),
            "{says}. That rounds down: the padded message would be shorter than the message "
            "itself.",
            "Round length + 1 up to a multiple of block: (length // block + 1) * block.",
        ),
        mistake(
            _fits(lambda n, b: _padded(b, n) if n else None),  # None: no telling for length 0
            "{says}. That is the answer with length and block swapped: the function's first "
            "argument is the message length, the second the block size.",
            "def padded_size(length, block): ...",
        ),
        mistake(
            _fits(lambda n, b: n + b),
            "{says}. That adds a whole block to the length: the result is not a multiple of the "
            "block (300 + 256 = 556), so the length still shows.",
            _ROUND_UP,
        ),
        mistake(
            _fits(lambda n, b: n // b + 1),
            "{says}. That is the number of blocks, not the number of bytes.",
            "Multiply by the block size.",
        ),
        mistake(
            _fits(lambda n, b: _padded(n, b) + OVERHEAD_BYTES),
            "{says}. That adds the ratchet's {overhead} bytes of version, header and tag. The "
            "server does see those too, but the question asks for the padded plaintext.",
            "Leave out the overhead: (length // block + 1) * block.",
        ),
        mistake(
            _fits(lambda n, b: _padded(n, b) - n),
            "{says}. That is how many bytes the padding adds, not the length of the padded "
            "message.",
            "Add the message's own length back: (length // block + 1) * block.",
        ),
        mistake(
            _fits(lambda n, b: n + 1),
            "{says}. That adds only the byte 0x80; the zero bytes after it fill up to a multiple "
            "of block.",
            "(length // block + 1) * block.",
        ),
        mistake(
            lambda a: len(set(a["sizes"])) == 1,
            "{says}. padded_size returns {sizes[0]} whatever it is given: it does not use its "
            "arguments.",
            "Compute from the function's own `length` and `block`.",
        ),
    ],
    otherwise=mistake(
        None,
        "{says}.",
        "pad adds one byte 0x80, then zero bytes up to the next multiple of block: "
        "(length // block + 1) * block. You can check with len(pad(bytes(length), block)).",
    ),
).checker()
