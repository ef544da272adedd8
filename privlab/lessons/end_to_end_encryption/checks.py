"""Checks for lesson 06, "End-to-end encrypted messaging".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. The test cases are fixed: two messages
encrypted with a reused nonce, chain keys drawn from a seeded generator, safety
numbers of seeded identities, a seeded conversation through the Double Ratchet,
and message lengths around the padding blocks.

Three helpers give the learner the data of an exercise: :func:`reused_nonce_pair`
(exercise 1), :func:`two_phones` (exercise 2) and :func:`stolen_device_scenario`
(exercise 4).
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import math
import string
from functools import lru_cache
from typing import Any

import numpy as np

from privlab.crypto.keys import Identity
from privlab.crypto.pitfalls import stream_encrypt, xor_bytes
from privlab.crypto.ratchet import OVERHEAD_BYTES
from privlab.crypto.relay import DEFAULT_BLOCK, pad
from privlab.crypto.safety import format_safety_number, safety_number
from privlab.crypto.theft import thief_reads
from privlab.lessons.kit.feedback import (
    Feedback,
    LearnerCodeError,
    _NotAttempted,
    answer_items,
    as_number,
    call_learner,
    check,
)
from privlab.lessons.kit.feedback import listing as _listing
from privlab.lessons.kit.feedback import shown as _shown

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


def _hex(key: bytes) -> str:
    """The first 8 hex digits of a key, for a message: ``3f2a1b0c…``."""
    return f"{bytes(key).hex()[:8]}…"


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
    """Two messages encrypted with the bare stream under the same key and nonce (exercise 1).

    Both were encrypted with :func:`~privlab.crypto.pitfalls.stream_encrypt`
    (XChaCha20 without its tag) and the *same* key and nonce: the mistake. The
    first plaintext is known (a greeting, a guess, a message the attacker
    asked the victim to send); the second is secret and a little longer.

    Returns
    -------
    dict
        ``c1`` and ``c2``: the two ciphertexts, as long as their plaintexts;
        ``m1``: the plaintext of ``c1``, :data:`KNOWN_PLAINTEXT`.

    Examples
    --------
    >>> pair = reused_nonce_pair()
    >>> pair["m1"]
    b'Meet me at the station at 6 pm'
    >>> len(pair["c1"]), len(pair["c2"])
    (30, 38)
    """
    first, second = _nonce_pair()
    return {"c1": first, "c2": second, "m1": KNOWN_PLAINTEXT}


def _as_message_bytes(value: Any) -> tuple[bytes | None, str]:
    """The learner's message as bytes (text is encoded as UTF-8), or (None, why not)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), ""
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogatepass"), ""
    if isinstance(value, (list, tuple, np.ndarray)) and not isinstance(value, bool):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError, OverflowError):
            array = np.zeros(0, dtype=object)
        if (
            array.ndim == 1
            and array.size
            and array.dtype.kind in "iu"
            and int(array.min()) >= 0
            and int(array.max()) <= 255
        ):
            return bytes(array.astype(np.uint8)), ""
    return None, (
        f"second_message should be the second plaintext, as bytes or text; got {_shown(value)}."
    )


def _repr_of_bytes(text: str) -> bytes | None:
    """The bytes behind ``str(some_bytes)``, such as ``"b'abc'"``, or None."""
    if len(text) < 3 or text[0] != "b" or text[1] not in "'\"" or text[-1] != text[1]:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, bytes) else None


def _nonce_mistakes(c1: bytes, c2: bytes, m1: bytes) -> list[tuple[bytes, str, str]]:
    """(value, what it is, hint) for each typical wrong answer."""
    return [
        (
            xor_bytes(c1, c2),
            "That is c1 ⊕ c2: the keystream has cancelled out, but what is left is m1 ⊕ m2, the "
            "two messages mixed together.",
            "XOR once more, with the known m1: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        (
            xor_bytes(c2, m1),
            "That is c2 ⊕ m1, which still holds the keystream: m2 ⊕ s ⊕ m1. Only c1 cancels it.",
            "Use all three: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        (
            xor_bytes(c1, m1),
            "That is c1 ⊕ m1: the keystream s itself (m1 ⊕ s ⊕ m1). Useful, but not yet the "
            "message.",
            "XOR that keystream with c2: m2 = c2 ⊕ s.",
        ),
        (
            c2,
            "That is the second ciphertext c2 as it is.",
            "Undo the keystream without the key: m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        (
            c1,
            "That is the first ciphertext c1.",
            "The second message is m2 = c1 ⊕ c2 ⊕ m1.",
        ),
        (
            m1,
            "That is the first message, the one that was known already.",
            "The second message is m2 = c1 ⊕ c2 ⊕ m1.",
        ),
    ]


@check("Exercise 1 (nonce reuse)")
def check_nonce_reuse(second_message: Any) -> Feedback:
    """``second_message`` must be the readable part of the second plaintext, bytes or text."""
    name = "Exercise 1 (nonce reuse)"
    c1, c2 = _nonce_pair()
    m1 = KNOWN_PLAINTEXT
    overlap = min(len(c1), len(c2), len(m1))
    right = _SECRET[:overlap]
    hint = "m2 = c1 ⊕ c2 ⊕ m1: `xor_bytes(xor_bytes(c1, c2), m1)`."
    if isinstance(second_message, str):
        inner = _repr_of_bytes(second_message)
        if inner is not None and inner in (right, _SECRET):
            return Feedback(
                name,
                "incorrect",
                "The bytes are right, but `str(...)` wrote them as `b'...'`, with the b and the "
                "quotes as part of the text.",
                "Keep the bytes as they are, or turn them into text with `.decode()`.",
            )
        if (
            len(second_message) == 2 * overlap
            and all(c in string.hexdigits for c in second_message)
            and bytes.fromhex(second_message) == right
        ):
            return Feedback(
                name,
                "incorrect",
                "The bytes are right, but written as hex digits.",
                "Return the bytes themselves, or the text: `.decode()`, not `.hex()`.",
            )
    got, problem = _as_message_bytes(second_message)
    if got is None:
        return Feedback(name, "incorrect", problem, hint)
    tail = len(c2) - overlap
    if got in (right, _SECRET):
        return Feedback(
            name,
            "correct",
            f"{right.decode()!r}: read without the key. Encrypting twice with one key and one "
            "nonce repeats the keystream s, so c1 ⊕ c2 = m1 ⊕ m2, and one known message gives "
            f"away the other. The last {tail} bytes of c2 stay hidden only because c1 ends "
            f"after {overlap} bytes: no other message used that part of the keystream. The fix "
            "is never to "
            "reuse a nonce: an AEAD with a fresh random nonce per message, and in the Double "
            "Ratchet a new key for every message.",
        )
    if len(got) > overlap and got[:overlap] == right:
        return Feedback(
            name,
            "incorrect",
            f"The first {overlap} bytes are right, {right.decode()!r}, but your answer has "
            f"{len(got)}. Only the overlap can be recovered: c1 and m1 are {overlap} bytes "
            f"long, so the last {tail} bytes of c2 are still XORed with keystream that nobody "
            "knows. Bytes beyond the overlap are not the message.",
            f"Stop at the shortest of c1, c2 and m1 ({overlap} bytes): `zip` and `xor_bytes` do.",
        )
    if 0 < len(got) < overlap and right.startswith(got):
        return Feedback(
            name,
            "incorrect",
            f"Your {len(got)} bytes are right, but {overlap} can be read: every byte where m1, "
            "c1 and c2 overlap.",
            f"XOR all {overlap} bytes: m2 = c1 ⊕ c2 ⊕ m1.",
        )
    for value, message, mistake_hint in _nonce_mistakes(c1, c2, m1):
        size = min(len(value), overlap)
        if len(got) >= size and got[:size] == value[:size] and len(got) <= len(value):
            return Feedback(name, "incorrect", message, mistake_hint)
    wrong = sum(x != y for x, y in zip(got, right, strict=False)) + abs(len(got) - overlap)
    return Feedback(
        name,
        "incorrect",
        f"Your answer, {_shown(got)}, is not the second message: {wrong} of its bytes differ "
        f"from what c1 ⊕ c2 ⊕ m1 gives ({overlap} bytes).",
        hint,
    )


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


_CHAIN_HINT = (
    "next_chain_key = hmac.new(chain_key, b'\\x02', hashlib.sha256).digest() and "
    "message_key = hmac.new(chain_key, b'\\x01', hashlib.sha256).digest(); return "
    "(next_chain_key, message_key)."
)


def _chain_mistakes(chain_key: bytes) -> list[tuple[tuple[bytes, bytes], str, str]]:
    """((next, message key), what it is, hint) for each typical wrong chain step."""
    one, two = _hmac(chain_key, b"\x01"), _hmac(chain_key, b"\x02")
    no_key = (
        "That hashes the chain key and the constant with plain SHA-256, without a key. HMAC "
        "is not SHA-256 of the two joined: it hashes twice with the key mixed in, which makes it "
        "a keyed function that cannot be computed without the chain key."
    )
    no_key_hint = "Use hmac.new(chain_key, b'\\x02', hashlib.sha256).digest(), the key first."
    return [
        (
            (one, two),
            "The two outputs are the other way round: the next chain key is HMAC(CK, 0x02) and "
            "the message key HMAC(CK, 0x01), returned as (next_chain_key, message_key), the "
            "order of kdf_chain and of Signal's KDF_CK.",
            "Swap either the two constants or the two values you return.",
        ),
        ((_sha(chain_key + b"\x02"), _sha(chain_key + b"\x01")), no_key, no_key_hint),
        (
            (_sha(chain_key + b"\x01"), _sha(chain_key + b"\x02")),
            f"{no_key} The two outputs are also the other way round.",
            no_key_hint,
        ),
        (
            (_sha(b"\x02" + chain_key), _sha(b"\x01" + chain_key)),
            no_key,
            no_key_hint,
        ),
        (
            (_hmac(b"\x02", chain_key), _hmac(b"\x01", chain_key)),
            "That uses the constant as the HMAC key and the chain key as the message: the two "
            "arguments are swapped. The secret must be the key.",
            "hmac.new(key, message, hashlib.sha256): the key is chain_key, the message b'\\x02' "
            "or b'\\x01'.",
        ),
        (
            (_hmac(chain_key, b"2"), _hmac(chain_key, b"1")),
            "That uses the characters '2' and '1' (the bytes 0x32 and 0x31) instead of the bytes "
            "0x02 and 0x01.",
            "Write the constants as b'\\x02' and b'\\x01' (or bytes([2]) and bytes([1])).",
        ),
        (
            (two, two),
            "Both outputs are the same key, HMAC(CK, 0x02): the message key would also be the "
            "next chain key, so whoever obtains one message key could follow the chain "
            "forwards forever.",
            "Use two different constants: 0x02 for the next chain key, 0x01 for the message key.",
        ),
        (
            (one, one),
            "Both outputs are the same key, HMAC(CK, 0x01): the message key would also be the "
            "next chain key, so whoever obtains one message key could follow the chain "
            "forwards forever.",
            "Use two different constants: 0x02 for the next chain key, 0x01 for the message key.",
        ),
        (
            (chain_key, one),
            "The next chain key is the chain key itself: the chain never moves, so every "
            "message would get the same key, and a thief holding it could read all of them.",
            "The next chain key is HMAC(CK, 0x02), a new key.",
        ),
        (
            (two, chain_key),
            "The message key is the chain key itself: whoever obtains it also holds the chain "
            "and can compute every later key.",
            "The message key is HMAC(CK, 0x01), a key of its own.",
        ),
    ]


def _key_of(value: Any) -> bytes | None:
    """A learner's key as bytes (bytearray too), or None."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return None


def _from_hex(value: Any) -> bytes:
    """The bytes that hex text such as ``"3f2a"`` stands for; ``b""`` for anything else."""
    if not isinstance(value, str) or not value or len(value) % 2:
        return b""
    try:
        return bytes.fromhex(value)
    except ValueError:
        return b""


def _pair_problem(result: Any, right: tuple[bytes, bytes]) -> tuple[str, str] | None:
    """(message, hint) when ``result`` is not two 32-byte keys, or None."""
    hint = "End with `return next_chain_key, message_key`: two keys of 32 bytes each."
    single = _key_of(result)
    if single is not None:
        if single == right[0] + right[1] or single == right[1] + right[0]:
            return (
                "chain_step returned the two keys joined into one 64-byte string; return them "
                "as a pair.",
                hint,
            )
        return f"chain_step returned one byte string of {len(single)} bytes, not a pair.", hint
    if isinstance(result, str):
        return f"chain_step returned text, {_shown(result)}, not a pair of keys.", hint
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return f"chain_step should return a pair of keys; got {_shown(result)}.", hint
    as_bytes = [_from_hex(item) for item in result]
    if all(as_bytes):
        shown = "the right keys" if tuple(as_bytes) == right else "keys"
        return (
            f"chain_step returned {shown} as hex text; the ratchet needs the bytes themselves.",
            "Use `.digest()`, not `.hexdigest()`: 32 bytes each.",
        )
    keys = [_key_of(item) for item in result]
    if any(key is None for key in keys):
        return (
            f"Each key should be bytes; chain_step returned {_shown(result)}.",
            "Use `.digest()`, which gives bytes.",
        )
    sizes = sorted({len(key) for key in keys if key is not None})
    if sizes != [32]:
        return (
            f"HMAC-SHA256 gives 32-byte keys; chain_step returned keys of "
            f"{' and '.join(map(str, sizes))} bytes.",
            "hmac.new(chain_key, ..., hashlib.sha256).digest() is 32 bytes.",
        )
    return None


@check("Exercise 3 (the chain step)", "Make chain_step(chain_key) return two keys.")
def check_chain_step(chain_step: Any) -> Feedback:
    """``chain_step(chain_key)`` must give ``(HMAC(CK, 0x02), HMAC(CK, 0x01))``, as kdf_chain."""
    name = "Exercise 3 (the chain step)"
    keys = _chain_keys()
    first = None
    for number, chain_key in enumerate(keys):
        result = call_learner(chain_step, chain_key)
        right = _chain_right(chain_key)
        problem = _pair_problem(result, right)
        if problem:
            return Feedback(name, "incorrect", *problem)
        got = (bytes(result[0]), bytes(result[1]))
        if number == 0:
            first = got
        if got == right:
            continue
        if number and got == first:
            return Feedback(
                name,
                "incorrect",
                "chain_step returns the same keys whatever chain key it is given: it does not "
                "use its argument.",
                "Compute from the function's own `chain_key`, not from variables outside it.",
            )
        shown = (
            f"For the chain key {_hex(chain_key)}, chain_step returns ({_hex(got[0])}, "
            f"{_hex(got[1])})"
        )
        for value, message, hint in _chain_mistakes(chain_key):
            if got == value:
                return Feedback(name, "incorrect", f"{shown}. {message}", hint)
        if got[0] == right[0] or got[1] == right[1]:
            which = "next chain key" if got[0] == right[0] else "message key"
            return Feedback(
                name,
                "incorrect",
                f"{shown}: the {which} is right, the other one is not.",
                _CHAIN_HINT,
            )
        return Feedback(
            name,
            "incorrect",
            f"{shown}, but the step gives ({_hex(right[0])}, {_hex(right[1])}).",
            _CHAIN_HINT,
        )
    return Feedback(
        name,
        "correct",
        f"Your step matches kdf_chain on {len(keys)} chain keys. Each message key comes from "
        "the chain key by a one-way function, and the old chain key is then replaced: a thief "
        "who copies the phone gets the current chain key, from which no earlier key can be "
        "computed. That is forward secrecy within a chain.",
    )


# --------------------------------------------------------------------------
# Exercise 2: spot the man in the middle
# --------------------------------------------------------------------------

_ALICE_ID = "+447700900101"
_BOB_ID = "+447700900202"


@lru_cache(maxsize=1)
def _phones() -> tuple[str, str, str]:
    """(Alice's phone, Bob's phone, an honest chat's number), all 60 digits unformatted.

    The server gave Alice its own key as Bob's: her phone hashes that key,
    Bob's phone hashes Bob's real one. Alice's half is the first on both.
    """
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
    """The safety numbers that Alice's and Bob's phones show for their chat (exercise 2).

    The server handed Alice a key of its own as Bob's key, so it can read what
    she sends him. Each phone computes the number from the keys it holds
    (:func:`~privlab.crypto.safety.safety_number`) and shows it as 12 groups
    of 5 digits on 3 lines (:func:`~privlab.crypto.safety.format_safety_number`).

    Returns
    -------
    dict
        ``alice_phone``, ``bob_phone``: the two numbers as the phones show them.

    Examples
    --------
    >>> phones = two_phones()
    >>> print(phones["alice_phone"])
    02489 94989 00867 26476
    90336 61380 94053 48359
    79899 27937 36153 59740
    >>> print(phones["bob_phone"])
    02489 94989 00867 26476
    90336 61380 33191 78585
    22060 06690 83101 30747
    """
    on_alice, on_bob, _ = _phones()
    return {
        "alice_phone": format_safety_number(on_alice),
        "bob_phone": format_safety_number(on_bob),
    }


def _groups(number: str) -> list[str]:
    return [number[start : start + 5] for start in range(0, 60, 5)]


def _with_digit_changed(number: str, position: int) -> str:
    digit = (int(number[position]) + 1) % 10
    return number[:position] + str(digit) + number[position + 1 :]


def _reordered(number: str, first: int, second: int) -> str:
    groups = _groups(number)
    groups[first], groups[second] = groups[second], groups[first]
    return "".join(groups)


@lru_cache(maxsize=1)
def _mitm_cases() -> tuple[tuple[str, str, bool, str], ...]:
    """(first number, second number, same?, kind) for the checks of ``same_contact``.

    Kinds: ``same`` (identical text), ``layout`` (the same digits laid out with
    and without line breaks), ``spaces`` (spaces only, no line breaks), ``half``
    (the exercise's two phones: one half differs), ``digit`` (one digit
    differs), ``groups`` (two groups of 5 swapped) and ``other`` (another chat).
    """
    on_alice, on_bob, honest = _phones()
    formatted = format_safety_number(honest)
    one_line = " ".join(_groups(honest))
    late_digit = _with_digit_changed(honest, 47)
    early_digit = _with_digit_changed(honest, 3)
    reordered = _reordered(honest, 2, 9)
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


def _verdict(value: Any) -> bool | None:
    """A learner's True or False (a NumPy bool too), or None for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return None


def _call_each(function: Any, cases: tuple[tuple[Any, ...], ...]) -> list[Any]:
    """The learner's results on each case's first two items; None where it returned None.

    Raises ``_NotAttempted`` if the function returns None for every case.
    """
    results = []
    for case in cases:
        try:
            results.append(call_learner(function, case[0], case[1]))
        except _NotAttempted:
            results.append(None)
    if all(result is None for result in results):
        raise _NotAttempted
    return results


_MITM_HINT = (
    "Remove every space and line break from both numbers (`''.join(number.split())`), then "
    "compare the two strings of 60 digits."
)


def _mitm_layout_problem(
    cases: tuple[tuple[str, str, bool, str], ...], verdicts: list[bool]
) -> tuple[str, str] | None:
    """(message, hint) when equal numbers laid out differently do not match, or None."""
    missed = [
        case
        for case, verdict in zip(cases, verdicts, strict=True)
        if case[3] in ("layout", "spaces") and not verdict
    ]
    if not missed:
        return None
    if all("\n" in case[0] + case[1] for case in missed) and not any(
        case[3] == "spaces" for case in missed
    ):
        return (
            "same_contact says False for one number laid out on 3 lines and the same digits on "
            "one line: it removes the spaces but not the line breaks. The phones may wrap the "
            "number differently; only the digits count.",
            "`''.join(number.split())` removes spaces and line breaks alike (or also "
            "`.replace('\\n', '')`).",
        )
    return (
        "same_contact says False for two numbers with the same 60 digits, laid out "
        "differently (with and without spaces or line breaks). Alice may read hers aloud "
        "in groups while Bob's phone shows one long line: only the digits count.",
        _MITM_HINT,
    )


@check("Exercise 2 (spot the man in the middle)", "Make same_contact(a, b) return True or False.")
def check_mitm(same_contact: Any) -> Feedback:
    """``same_contact(a, b)`` must say whether two safety numbers have the same 60 digits."""
    name = "Exercise 2 (spot the man in the middle)"
    cases = _mitm_cases()
    results = _call_each(same_contact, cases)
    for case, result in zip(cases, results, strict=True):
        if result is None:
            answer = "the numbers match" if case[2] else "they differ"
            return Feedback(
                name,
                "incorrect",
                f"same_contact returns None when {answer}: return False as well as True.",
                "Every path through the function needs a `return`; or simply `return a == b` "
                "after cleaning both.",
            )
        if _verdict(result) is None:
            return Feedback(
                name,
                "incorrect",
                f"same_contact should return True or False; got {_shown(result)}.",
                "A comparison such as `clean_a == clean_b` gives True or False.",
            )
    verdicts = [bool(result) for result in results]
    expected = [case[2] for case in cases]
    if verdicts == expected:
        phones = two_phones()
        on_phones = call_learner(same_contact, phones["alice_phone"], phones["bob_phone"])
        said = "False" if _verdict(on_phones) is False else _shown(on_phones)
        return Feedback(
            name,
            "correct",
            f"For the two phones of `ex.two_phones()` your function says {said}: there is a man "
            "in the middle. The first half, Alice's own key, is the same on both phones; the "
            "second half differs, because the key Alice's phone holds for Bob is not Bob's: the "
            "server swapped it. Every digit counts, in its place: a number that differs in one "
            "digit, or in the order of its groups, comes from other keys.",
        )
    if all(verdicts):
        return Feedback(
            name,
            "incorrect",
            "same_contact says True for every pair, even for numbers that differ.",
            _MITM_HINT,
        )
    if not any(verdicts):
        return Feedback(
            name,
            "incorrect",
            "same_contact says False for every pair, even for two identical numbers.",
            _MITM_HINT,
        )
    if all(v != e for v, e in zip(verdicts, expected, strict=True)):
        return Feedback(
            name,
            "incorrect",
            "same_contact answers the other way round: it says True when the numbers differ "
            "(a man in the middle) and False when they match. The name asks whether Alice and "
            "Bob see the same contact keys.",
            "Return True when the digits are equal.",
        )
    layout = _mitm_layout_problem(cases, verdicts)
    if layout:
        return Feedback(name, "incorrect", *layout)
    accepted = {case[3] for case, verdict in zip(cases, verdicts, strict=True) if verdict}
    if "half" in accepted:
        return Feedback(
            name,
            "incorrect",
            "same_contact says True for the two phones of `ex.two_phones()`, whose first halves "
            "agree but whose second halves differ: it compares only part of the number. The "
            "half that agrees belongs to Alice's key; the man in the middle shows in the other.",
            "Compare all 60 digits.",
        )
    if "groups" in accepted:
        return Feedback(
            name,
            "incorrect",
            "same_contact says True for two numbers with the same groups of 5 digits in another "
            "order (as a set, or sorted): that is another number. Each group stands in its "
            "place; both phones show the same groups in the same order.",
            "Compare the digits in order, as one string, not as a set of groups.",
        )
    if "digit" in accepted:
        return Feedback(
            name,
            "incorrect",
            "same_contact says True for two numbers that differ in one digit: it compares only "
            "part of the number, or allows some difference. One digit is enough: another key "
            "gives a number that may differ anywhere.",
            "Compare all 60 digits, exactly.",
        )
    if "other" in accepted:
        return Feedback(
            name,
            "incorrect",
            "same_contact says True for the numbers of two different chats.",
            _MITM_HINT,
        )
    return Feedback(
        name,
        "incorrect",
        "same_contact says False for two identical numbers, character for character.",
        _MITM_HINT,
    )


# --------------------------------------------------------------------------
# Exercise 4: what the thief can read
# --------------------------------------------------------------------------

CONVERSATION = (
    "Alice",
    "Alice",
    "Bob",
    "Alice",
    "Bob",
    "Bob",
    "Alice",
    "Alice",
    "Bob",
    "Alice",
    "Bob",
    "Alice",
)
"""Who sends each of the 12 messages of exercise 4, message 1 first."""

STOLEN_AFTER = 7
"""Exercise 4: Bob's phone is copied right after he has read message 7."""

_CHAT_SEED = 606


def _readable(
    senders: tuple[str, ...], stolen_after: int, seed: int = _CHAT_SEED
) -> frozenset[int]:
    """The numbers of the messages a thief with Bob's copied state can read (a real chat)."""
    return thief_reads(senders, stolen_after, seed=seed)


def stolen_device_scenario() -> dict[str, Any]:
    """A 12-message chat in which Bob's phone is copied midway (exercise 4).

    Alice and Bob chat through the Double Ratchet
    (:func:`~privlab.crypto.ratchet.start_chat`). Every message is delivered
    and read at once, so no message key waits for a late message. Right after
    Bob has read message :data:`STOLEN_AFTER`, a thief copies his phone's
    whole ratchet state (:meth:`~privlab.crypto.ratchet.RatchetSession.export_state`);
    Bob does not notice and the chat goes on. The thief also has every
    ciphertext of the chat, earlier and later ones, from the server's log.

    Returns
    -------
    dict
        ``senders``: who sends each message, message 1 first (:data:`CONVERSATION`);
        ``stolen_after``: the number of the last message Bob read before the copy.

    Examples
    --------
    >>> scenario = stolen_device_scenario()
    >>> for number, sender in enumerate(scenario["senders"], start=1):
    ...     print(number, sender, "<- Bob's phone is copied" if number == 7 else "")
    1 Alice
    2 Alice
    3 Bob
    4 Alice
    5 Bob
    6 Bob
    7 Alice <- Bob's phone is copied
    8 Alice
    9 Bob
    10 Alice
    11 Bob
    12 Alice
    """
    return {"senders": list(CONVERSATION), "stolen_after": STOLEN_AFTER}


def _message_numbers(value: Any, count: int) -> tuple[frozenset[int] | None, str]:
    """The learner's message numbers as a frozenset, or (None, why not)."""
    hint_form = f"a set of message numbers from 1 to {count}, such as {{2, 5}}"
    if isinstance(value, (str, bytes)):
        return None, f"readable should be {hint_form}, not text; got {_shown(value)}."
    items, why = answer_items(
        value,
        "readable",
        hint_form,
        "Even if the thief can read one message only, put it in a set: {n}.",
    )
    if items is None:
        return None, why
    numbers = set()
    for item in items:
        number = as_number(item)
        if number is None or number != int(number):
            return None, f"readable should be {hint_form}; it holds {_shown(item)}."
        numbers.add(int(number))
    return frozenset(numbers), ""


def _thief_mistakes(
    right: frozenset[int], stolen_after: int, count: int
) -> list[tuple[frozenset[int], str, str]]:
    """(answer, what it shows, hint) for each typical wrong answer to exercise 4."""
    later = frozenset(range(stolen_after + 1, count + 1))
    last = max(right) if right else stolen_after
    heal = "Follow the ratchet keys: the thief holds Bob's ratchet key pairs made before the copy."
    mistakes = [
        (
            frozenset(range(1, count + 1)),
            "That is every message, as if the chat used one fixed key. In the Double Ratchet "
            "each message has its own key, deleted once the message is read, and the ratchet "
            "keeps turning.",
            "Which message keys can the thief compute from what is on the phone at the theft?",
        ),
        (
            frozenset(),
            "The thief can read some messages: the copy holds Bob's current chain keys and his "
            "current ratchet key pair, which are enough until the ratchet has turned with keys "
            "made after the theft.",
            heal,
        ),
        (
            later,
            "That is every message after the theft, as if the thief could follow the chat "
            "forever. But each time the ratchet turns, a fresh key pair enters: once one made "
            "after the theft is in use, the thief is locked out (healing).",
            heal,
        ),
        (
            right | {stolen_after},
            f"Message {stolen_after} was already read when the phone was copied, and its key "
            "deleted: like every earlier message, the copy cannot open it (forward secrecy).",
            "Count only messages after the copy.",
        ),
        (
            frozenset(n - 1 for n in right),
            "Those are the right messages counted from 0; the messages are numbered from 1.",
            "Add 1 to each number.",
        ),
        (
            right | {last + 1},
            f"Message {last + 1} is one too many: it uses a key pair Bob made after the theft "
            "(on reading the message before), which the copy does not hold.",
            "The thief reads until a key pair made after the copy is in use.",
        ),
        (
            frozenset(n for n in right if CONVERSATION[n - 1] == "Alice"),
            "Those are the readable messages to Bob; the copy also holds Bob's sending chain key, "
            "and the thief has Bob's own messages from the server's log.",
            "Which of Bob's messages use the sending chain that was on the phone?",
        ),
    ]
    for stop in sorted(right)[:-1]:
        mistakes.append(
            (
                frozenset(n for n in right if n <= stop),
                f"The thief reads on after message {stop}: message {stop + 1} still depends only "
                f"on keys in the copy. Bob made his next ratchet key pair on reading message "
                f"{stolen_after}, before the theft, so the copy holds it too. The chat heals only "
                "once a key pair made after the theft is in use.",
                heal,
            )
        )
    return mistakes


@check("Exercise 4 (what the thief can read)")
def check_thief(readable: Any) -> Feedback:
    """``readable`` must be the set of messages a thief with Bob's copied state can read."""
    name = "Exercise 4 (what the thief can read)"
    count = len(CONVERSATION)
    right = _readable(CONVERSATION, STOLEN_AFTER)
    numbers, problem = _message_numbers(readable, count)
    hint = (
        "Go through the messages after the copy: which keys do they use, and were those keys "
        "(or the key pairs behind them) on Bob's phone at the theft?"
    )
    if numbers is None:
        return Feedback(name, "incorrect", problem, hint)
    if numbers == right:
        listed = _listing(sorted(right))
        return Feedback(
            name,
            "correct",
            f"Messages {listed}, and no others. Nothing before the copy: each key was deleted "
            f"once used (forward secrecy). Message {min(right)} is the rest of Alice's current "
            "chain; Bob's next message uses the ratchet key pair he made on reading message "
            f"{STOLEN_AFTER}, before the theft, and so does Alice's answer to it. From message "
            f"{max(right) + 1} on, every key depends on a key pair Bob made after the copy: "
            "the chat has healed (post-compromise security), without Bob noticing anything.",
        )
    for value, message, mistake_hint in _thief_mistakes(right, STOLEN_AFTER, count):
        if numbers == value:
            return Feedback(name, "incorrect", message, mistake_hint)
    outside = sorted(n for n in numbers if not 1 <= n <= count)
    if outside:
        return Feedback(
            name,
            "incorrect",
            f"The messages are numbered 1 to {count}; your answer holds {_listing(outside)}.",
            hint,
        )
    early = sorted(n for n in numbers if n <= STOLEN_AFTER)
    if early:
        return Feedback(
            name,
            "incorrect",
            f"Your answer holds messages from before the copy ({_listing(early)}): their keys were "
            "deleted once they were read, and the chain keys only turn forwards (forward "
            "secrecy).",
            "Count only messages after the copy.",
        )
    extra, missing = sorted(numbers - right), len(right - numbers)
    parts = []
    if extra:
        parts.append(f"the thief cannot read message{'s' * (len(extra) > 1)} {_listing(extra)}")
    if missing:
        parts.append(f"it can read {missing} more message{'s' * (missing > 1)} than you listed")
    text = "; ".join(parts)
    return Feedback(name, "incorrect", f"{text[0].upper()}{text[1:]}.", hint)


# --------------------------------------------------------------------------
# Exercise 5: padding and metadata
# --------------------------------------------------------------------------

PAD_BLOCK = DEFAULT_BLOCK
"""The padding block of the lesson's example, 256 bytes."""

_PAD_CASES = (  # (length, block): the lesson's example first
    (300, 256),
    (256, 256),
    (0, 256),
    (255, 256),
    (511, 256),
    (1, 16),
    (16, 16),
    (33, 16),
    (100, 64),
    (1000, 100),
    (7, 1),
    (5000, 1024),
)


def _padded(length: int, block: int) -> int:
    """The length of ``pad(bytes(length), block)``: one 0x80 byte, then up to a multiple."""
    return (length // block + 1) * block


_PAD_MISTAKES = (
    (
        lambda n, b: math.ceil(n / b) * b,
        "That rounds up to a multiple of the block but forgets the byte 0x80 that pad always "
        "adds: a message that fills whole blocks gains a whole block (256 bytes become 512), "
        "and an empty message becomes one block, not 0 bytes.",
        "One byte 0x80 comes first, then zeros: (length // block + 1) * block.",
    ),
    (
        lambda n, b: n // b * b,
        "That rounds down: the padded message would be shorter than the message itself.",
        "Round length + 1 up to a multiple of block: (length // block + 1) * block.",
    ),
    (
        lambda n, b: _padded(b, n) if n else None,  # None: no telling for an empty message
        "That is the answer with length and block swapped: the function's first argument is "
        "the message length, the second the block size.",
        "def padded_size(length, block): ...",
    ),
    (
        lambda n, b: n + b,
        "That adds a whole block to the length: the result is not a multiple of the block "
        "(300 + 256 = 556), so the length still shows.",
        "Round up to the next multiple: (length // block + 1) * block.",
    ),
    (
        lambda n, b: n // b + 1,
        "That is the number of blocks, not the number of bytes.",
        "Multiply by the block size.",
    ),
    (
        lambda n, b: _padded(n, b) + OVERHEAD_BYTES,
        f"That adds the ratchet's {OVERHEAD_BYTES} bytes of version, header and tag. The "
        "server does see those too, but the question asks for the padded plaintext.",
        "Leave out the overhead: (length // block + 1) * block.",
    ),
    (
        lambda n, b: _padded(n, b) - n,
        "That is how many bytes the padding adds, not the length of the padded message.",
        "Add the message's own length back: (length // block + 1) * block.",
    ),
    (
        lambda n, b: n + 1,
        "That adds only the byte 0x80; the zero bytes after it fill up to a multiple of block.",
        "(length // block + 1) * block.",
    ),
)


def _size(value: Any) -> int | None:
    """A learner's size as an int (a NumPy integer or a whole float too), or None."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    number = as_number(value)
    if number is None or number != int(number):
        return None
    return int(number)


@check("Exercise 5 (padding and metadata)", "Make padded_size(length, block) return a number.")
def check_padded_size(padded_size: Any) -> Feedback:
    """``padded_size(length, block)`` must give ``len(pad(bytes(length), block))``."""
    name = "Exercise 5 (padding and metadata)"
    results: list[Any] = []
    failures = []
    for length, block in _PAD_CASES:
        try:
            results.append(call_learner(padded_size, length, block))
        except _NotAttempted:
            results.append(None)
        except LearnerCodeError as error:
            results.append(None)
            failures.append((length, error))
    if failures:
        swapped = all(length == 0 for length, _ in failures) and all(
            _size(result) == _padded(block, length)
            for (length, block), result in zip(_PAD_CASES, results, strict=True)
            if length
        )
        if not swapped:
            raise failures[0][1]
        return Feedback(
            name,
            "incorrect",
            f"padded_size(0, {PAD_BLOCK}) fails, and the other results are those of "
            "padded_size(block, length): length and block are swapped (an empty message has "
            "length 0, which your function divides by). The first argument is the message "
            "length, the second the block size.",
            "def padded_size(length, block): ...",
        )
    if all(result is None for result in results):
        raise _NotAttempted
    sizes = []
    for (length, block), result in zip(_PAD_CASES, results, strict=True):
        if result is None:
            return Feedback(
                name,
                "incorrect",
                f"padded_size({length}, {block}) returns None: every path through the function "
                "needs a `return`.",
                "Return one number, the length of the padded message.",
            )
        size = _size(result)
        if size is None:
            return Feedback(
                name,
                "incorrect",
                f"padded_size({length}, {block}) should return a whole number of bytes; got "
                f"{_shown(result)}.",
                "Return (length // block + 1) * block, an int.",
            )
        sizes.append(size)
    right = [_padded(length, block) for length, block in _PAD_CASES]
    if sizes == right:
        server_sees = _padded(300, PAD_BLOCK) + OVERHEAD_BYTES
        return Feedback(
            name,
            "correct",
            f"A 300-byte message is padded to {right[0]} bytes, and so is every message from "
            f"256 to 511 bytes: on the wire each is {server_sees} bytes (the ratchet adds "
            f"{OVERHEAD_BYTES}). The server learns the length only to within a block. The "
            "byte 0x80 is always added, so that unpad can find where the message ends, even "
            "when it fills whole blocks: 256 bytes become 512.",
        )
    wrong = [i for i, (got, want) in enumerate(zip(sizes, right, strict=True)) if got != want]
    first = wrong[0]
    length, block = _PAD_CASES[first]
    shown = (
        f"padded_size({length}, {block}) returns {sizes[first]}, but pad makes it "
        f"{right[first]} bytes"
    )
    for mistake, message, hint in _PAD_MISTAKES:
        expected = [(sizes[i], mistake(*_PAD_CASES[i])) for i in wrong]
        told = [(size, value) for size, value in expected if value is not None]
        if told and all(size == value for size, value in told):
            return Feedback(name, "incorrect", f"{shown}. {message}", hint)
    if len({sizes[i] for i in range(len(sizes))}) == 1:
        return Feedback(
            name,
            "incorrect",
            f"{shown}. padded_size returns {sizes[0]} whatever it is given: it does not use "
            "its arguments.",
            "Compute from the function's own `length` and `block`.",
        )
    return Feedback(
        name,
        "incorrect",
        f"{shown}.",
        "pad adds one byte 0x80, then zero bytes up to the next multiple of block: "
        "(length // block + 1) * block. You can check with len(pad(bytes(length), block)).",
    )


def _pad_matches() -> bool:
    """Whether :func:`_padded` agrees with the real padding on every case.

    >>> _pad_matches()
    True
    """
    return all(len(pad(bytes(n), b)) == _padded(n, b) for n, b in _PAD_CASES)
