"""Checks for lesson 07, "Encrypted backups and disappearing messages".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. The cases are fixed: backups
sealed with seeded salts and nonces at small Argon2id costs (so that checks run
in a fraction of a second), a scripted chat on a fake clock, and the round
figures of :mod:`privlab.crypto.guessing`. :func:`sample_backup` and
:func:`disappearing_chat` give the learner an exercise's data.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import nacl.bindings
import nacl.pwhash.argon2id as argon2id
import numpy as np
from nacl.exceptions import CryptoError
from nacl.secret import Aead, SecretBox

from privlab.crypto import backup as _backup_module
from privlab.crypto import history as _history_module
from privlab.crypto.backup import COSTS, HEADER_SIZE, new_backup_key, read_header, seal_backup
from privlab.crypto.guessing import (
    ATTACKERS,
    TYPICAL_SECONDS,
    crack_seconds,
    human_duration,
    search_space,
    vault_success_chance,
)
from privlab.crypto.history import DAY, HOUR, TIMERS, ChatStore, FakeClock
from privlab.errors import BackupFormatError, DecryptionError
from privlab.lessons.kit.checks import Exercise, Rule, mistake, right
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
    "CHAT_DEFAULT_TIMER",
    "SAMPLE_PASSWORD",
    "check_crack_time",
    "check_open_with_pynacl",
    "check_read_fields",
    "check_survivors",
    "check_ten_guesses",
    "disappearing_chat",
    "sample_backup",
]


def _number(value: Any) -> float | None:
    """A learner's number as a finite float, or None (also for ints too big for a float)."""
    try:
        return as_number(value)
    except OverflowError:
        return None


def _near(value: float, target: float, tolerance: float) -> bool:
    return math.isclose(value, target, rel_tol=tolerance, abs_tol=0.0)


def _as_bytes(value: Any) -> bytes | None:
    """bytes, bytearray or memoryview as bytes; None for anything else."""
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else None


# --------------------------------------------------------------------------
# Exercise 3: expected time to crack
# --------------------------------------------------------------------------

_CRACK_CASES = (  # (length, alphabet size, guesses per second): the lesson's example first
    (6, 10, 80.0),  # a 6-digit PIN, Argon2id "interactive", a laptop's 8 cores
    (8, 26, 1e4),
    (10, 62, 5120.0),
    (12, 36, 2e8),
    (16, 94, 1.6e11),  # 16 keyboard characters, a fast hash, a GPU rig
)

_CRACK_TOLERANCE = 1e-4  # (N + 1) / 2 guesses, the exact mean, is fine too: N >= 10^6 here

_YEAR = 365.25 * DAY

_IN_SECONDS = "Leave out the conversion: the lesson turns seconds into words with human_duration."

_CRACK_MISTAKES: tuple[tuple[Callable[[int, int, float], float], str, str], ...] = (
    (
        lambda n, a, r: a**n / r,
        "That is the time to try every password, the worst case. On average the attacker finds "
        "a password drawn at random halfway through, after half the guesses.",
        "Divide by 2: alphabet_size ** length / 2 / guesses_per_second.",
    ),
    (
        lambda n, a, r: n**a / 2 / r,
        "That raises the length to the power of the alphabet size: length and alphabet_size "
        "are the other way round. Each of the `length` positions can hold any of the "
        "`alphabet_size` symbols, so there are alphabet_size × alphabet_size × ... (length "
        "times) passwords.",
        "alphabet_size ** length, not length ** alphabet_size.",
    ),
    (
        lambda n, a, r: a * n / 2 / r,
        "That multiplies the alphabet size by the length. Each position multiplies the number "
        "of passwords by the alphabet size: one more character makes the search "
        "alphabet_size times longer, not a little longer.",
        "alphabet_size ** length (a power) counts the passwords.",
    ),
    (
        lambda n, a, r: a**n / 2 * r,
        "That multiplies by the guessing speed: a faster attacker would take longer.",
        "Time = guesses / speed: divide by guesses_per_second.",
    ),
    (
        lambda n, a, r: a**n / 2 / r / r,
        "That divides by the guessing speed twice: the result is no longer in seconds.",
        "Divide by guesses_per_second once.",
    ),
    *(
        (
            lambda n, a, r, off=off: a ** (n + off) / 2 / r,
            f"That counts passwords of one character {word} than `length`: alphabet_size ** "
            f"(length {sign} 1). A 6-digit PIN has 10 ** 6 = 1,000,000 possibilities, not 10 ** "
            f"{6 + off}.",
            "Use alphabet_size ** length.",
        )
        for off, word, sign in ((-1, "fewer", "-"), (1, "more", "+"))
    ),
    (
        lambda n, a, r: a**n / 2,
        "That is the number of guesses needed on average, not the time they take.",
        "Divide by guesses_per_second to get seconds.",
    ),
    (
        lambda n, a, r: float(a**n),
        "That is the number of possible passwords, not a time.",
        "On average half of them are tried: alphabet_size ** length / 2 / guesses_per_second.",
    ),
    *(
        (
            lambda n, a, r, size=size: a**n / 2 / r / size,
            f"That is in {unit}; the function should return seconds.",
            _IN_SECONDS,
        )
        for unit, size in (("minutes", 60), ("hours", HOUR), ("days", DAY), ("years", _YEAR))
    ),
    (  # what NumPy's 64-bit integers make of a**n: it wraps around past 2**63 - 1
        lambda n, a, r: ((a**n + 2**63) % 2**64 - 2**63) / 2 / r,
        "The number of passwords overflowed: NumPy's whole numbers have 64 bits and wrap "
        "around past 9.2 × 10**18 without a warning, and 94 ** 16 is about 3.7 × 10**31.",
        "Use Python's own ** on the arguments (Python's ints have no limit), not np.power.",
    ),
)

_CRACK_HINT = (
    "alphabet_size ** length passwords, half of them tried on average, at guesses_per_second: "
    "alphabet_size ** length / 2 / guesses_per_second."
)


def _explains(wrong_time: Callable[..., float], values: list[float], wrong: list[int]) -> bool:
    """Whether the mistaken formula ``wrong_time`` gives every wrong result."""
    try:
        times = [float(wrong_time(*_CRACK_CASES[i])) for i in wrong]
    except OverflowError:
        return False
    return all(_near(values[i], t, _CRACK_TOLERANCE) for i, t in zip(wrong, times, strict=True))


def _seconds(value: float) -> str:
    """Seconds for a message: ``6,250 s`` or ``1.2e+20 s``."""
    return f"{value:,.0f} s" if 1 <= value < 1e9 else f"{value:.3g} s"


def _result_or_none(function: Any, *arguments: Any) -> Any:
    try:
        return call_learner(function, *arguments)
    except _NotAttempted:
        return None


@check(
    "Exercise 3 (time to crack)",
    "Make crack_time(length, alphabet_size, guesses_per_second) return a number of seconds.",
)
def check_crack_time(crack_time: Any) -> Feedback:
    """``crack_time(length, alphabet_size, guesses_per_second)`` must give A**L / 2 / r seconds."""

    def wrong(message: str, hint: str) -> Feedback:
        return Feedback("Exercise 3 (time to crack)", "incorrect", message, hint)

    results = [_result_or_none(crack_time, *case) for case in _CRACK_CASES]
    if all(result is None for result in results):
        raise _NotAttempted
    values: list[float] = []
    for (length, alphabet, rate), result in zip(_CRACK_CASES, results, strict=True):
        called = f"crack_time({length}, {alphabet}, {rate:g})"
        if result is None:
            return wrong(
                f"{called} returns None: every path through the function needs a `return`.",
                "Return one number, the expected seconds.",
            )
        if _number(result) is None:
            return wrong(
                f"{called} should return a number of seconds; got {_shown(result)}.", _CRACK_HINT
            )
        values.append(_number(result))
    times = [alphabet**length / 2 / rate for length, alphabet, rate in _CRACK_CASES]
    missed = [i for i, t in enumerate(times) if not _near(values[i], t, _CRACK_TOLERANCE)]
    if not missed:
        return Feedback(
            "Exercise 3 (time to crack)",
            "correct",
            f"A 6-digit PIN against a laptop at 80 guesses a second (Argon2id) lasts "
            f"{_seconds(times[0])} on average, {human_duration(times[0])}; 16 random keyboard "
            f"characters against a GPU rig at 160 billion fast hashes a second last "
            f"{human_duration(times[-1])}. Every extra character multiplies the time by the "
            "alphabet size, while a faster attacker only divides it: length beats speed.",
        )
    first = missed[0]
    length, alphabet, rate = _CRACK_CASES[first]
    shown = (
        f"crack_time({length}, {alphabet}, {rate:g}) returns {values[first]:.6g}, but the "
        f"expected time is {times[first]:.6g} s"
    )
    for wrong_time, message, hint in _CRACK_MISTAKES:
        if _explains(wrong_time, values, missed):
            return wrong(f"{shown}. {message}", hint)
    if len(set(values)) == 1:
        return wrong(
            f"{shown}. crack_time returns {values[0]:.6g} whatever it is given: it does not "
            "use its arguments.",
            "Compute from the function's own length, alphabet_size and guesses_per_second.",
        )
    return wrong(f"{shown}.", _CRACK_HINT)


# --------------------------------------------------------------------------
# The sample backup (exercises 1 and 2)
# --------------------------------------------------------------------------

SAMPLE_PASSWORD = "482915"
"""The password of :func:`sample_backup`: a 6-digit PIN, as many phones suggest."""


def _history(owner: str, other: str, texts: tuple[str, ...]) -> bytes:
    """A small chat history, as :meth:`ChatStore.export` writes it (a fixed clock)."""
    clock = FakeClock(start=10 * DAY)
    phone = ChatStore(owner, clock=clock)
    for number, text in enumerate(texts):
        phone.add(other, owner if number % 2 else other, text)
        clock.advance(hours=1)
    return phone.export()


@lru_cache(maxsize=1)
def _sample_parts() -> tuple[bytes, bytes]:
    """(history, file) of the sample backup."""
    history = _history(
        "alice", "bob", ("Did the backup work?", "It did: sealed before upload.", "Good night!")
    )
    return history, seal_backup(history, password=SAMPLE_PASSWORD, cost="interactive", rng=701)


def _sample() -> bytes:
    return _sample_parts()[1]


def sample_backup() -> bytes:
    """A backup sealed with :data:`SAMPLE_PASSWORD` at the ``"interactive"`` cost (exercises 2, 3).

    It holds a short chat history (UTF-8 JSON from
    :meth:`~privlab.crypto.history.ChatStore.export`). Its salt and nonce come
    from a fixed seed, so it is the same file on every run.

    Returns
    -------
    bytes
        The file: a 69-byte header, then the ciphertext and its 16-byte tag.

    Examples
    --------
    >>> backup = sample_backup()
    >>> backup[:8], len(backup) > 69, backup[9:17]
    (b'PLBACKUP', True, b'argon2id')
    """
    return _sample()


# --------------------------------------------------------------------------
# Exercise 1: read the header
# --------------------------------------------------------------------------

_FIELDS: dict[str, tuple[int, int]] = {  # name: (offset, size), as in the format table
    "kdf": (9, 8),
    "opslimit": (17, 4),
    "memlimit": (21, 8),
    "salt": (29, 16),
    "nonce": (45, 24),
}

_FIELDS_HINT = (
    "Each field is backup[offset : offset + size] with the offset and size of the format "
    "table; numbers are big-endian: int.from_bytes(backup[17:21], 'big')."
)

_A_DICT = "return {'kdf': ..., 'opslimit': ..., 'memlimit': ..., 'salt': ..., 'nonce': ...}"


@lru_cache(maxsize=1)
def _header_cases() -> tuple[tuple[str, bytes], ...]:
    """(description, file): the sample, a random-key backup, a password backup at another cost."""
    random_key = seal_backup(
        _history("bob", "carol", ("Photos from the trip?", "Sending them now.")),
        key=new_backup_key(rng=702),
        rng=703,
    )
    other_cost = seal_backup(
        _history("carol", "dave", ("Lunch on Friday?",)),
        password="tulip harbour 9",
        cost=(3, 2**20),
        rng=704,
    )
    return (
        ("`ex.sample_backup()`", _sample()),
        ("a backup sealed with a random key", random_key),
        ("a password backup sealed at 3 passes over 1 MiB", other_cost),
    )


def _expected_fields(backup: bytes) -> dict[str, Any]:
    return {name: getattr(read_header(backup), name) for name in _FIELDS}


def _slice(name: str) -> str:
    offset, size = _FIELDS[name]
    return f"backup[{offset}:{offset + size}]"


def _kdf_problem(value: Any, expected: str, backup: bytes) -> tuple[str, str] | None:
    raw = backup[9:17]
    if isinstance(value, str) and value == expected:
        return None
    as_bytes = _as_bytes(value)
    if as_bytes is not None and as_bytes == raw and raw != expected.encode():
        return (
            f"kdf is {as_bytes!r}: bytes, with the zero bytes that pad the name to 8 bytes.",
            "Strip the padding and turn the bytes into text: "
            "backup[9:17].rstrip(b'\\x00').decode('ascii').",
        )
    if as_bytes is not None and as_bytes.rstrip(b"\x00") == expected.encode():
        return (
            f"kdf is {as_bytes!r}, bytes; the name should be text (a str).",
            "Turn the bytes into text with .decode('ascii').",
        )
    if isinstance(value, str) and value.rstrip("\x00") == expected:
        return (
            f"kdf is {value!r}: the zero bytes that pad {expected!r} to 8 bytes are still "
            "at its end, so it is not equal to the name.",
            "Strip them: .rstrip('\\x00') on the text, or .rstrip(b'\\x00') before .decode().",
        )
    if isinstance(value, str) and value in (repr(raw), repr(raw.rstrip(b"\x00"))):
        return (
            f"kdf is {value!r}: str() of bytes writes them as b'...', with the b and the "
            "quotes as part of the text.",
            "Use .decode('ascii') to turn bytes into text, not str().",
        )
    for shift in (-2, -1, 1, 2):
        nearby = backup[9 + shift : 17 + shift]
        if isinstance(value, str) and value in {
            nearby.decode("latin-1"),
            nearby.rstrip(b"\x00").decode("latin-1"),
        }:
            return (
                f"kdf is {value!r}: the 8 bytes from offset {9 + shift}; the field starts "
                "at offset 9.",
                "backup[9:17] holds the name.",
            )
    return (
        f"kdf should be the name of the key derivation, {expected!r}; got {_shown(value)}.",
        "backup[9:17] holds the name, padded with zero bytes: strip them and decode.",
    )


def _count_problem(name: str, value: Any, expected: dict, backup: bytes) -> tuple[str, str] | None:
    offset, size = _FIELDS[name]
    field, want = backup[offset : offset + size], expected[name]
    value = int(value) if isinstance(value, np.integer) else value
    from_bytes = f"int.from_bytes({_slice(name)}, 'big')."
    if _as_bytes(value) is not None:
        return (
            f"{name} is still bytes, {_shown(_as_bytes(value))}; it should be a whole number.",
            from_bytes,
        )
    if isinstance(value, bool) or not isinstance(value, int):
        if _number(value) is not None and _number(value) == want:
            return (
                f"{name} is {value!r}, a {type(value).__name__}; PyNaCl wants a whole number "
                "(an int) here.",
                "int.from_bytes gives an int: use it as it is.",
            )
        return f"{name} should be a whole number (an int); got {_shown(value)}.", from_bytes
    if value == want:
        return None
    if value == int.from_bytes(field, "little"):
        return (
            f"{name} is {value:,}, the bytes read little-endian (the last byte as the most "
            f"significant). The format stores numbers big-endian: the field's bytes are "
            f"{field.hex(' ')}, which is {want:,}.",
            "int.from_bytes(..., 'big').",
        )
    if name == "memlimit" and want % 2**20 == 0 and value == want // 2**20:
        return (
            f"memlimit is {value:,}: that is the memory in MiB, as the table shows it. The "
            f"field holds bytes: {want:,} ({value} × 1,048,576).",
            "int.from_bytes of the 8 bytes from offset 21, big-endian, as it is.",
        )
    other = "memlimit" if name == "opslimit" else "opslimit"
    if value == expected[other]:
        return (
            f"{name} is {value:,}, which is {other}: the two are swapped.",
            "opslimit (passes) is the 4 bytes from offset 17; memlimit (memory in bytes) the 8 "
            "bytes from offset 21.",
        )
    for start in range(offset - 2, offset + 3):
        for length in sorted({size, 1, 2, 4, 8}):
            read = int.from_bytes(backup[start : start + length], "big")
            if (start, length) != (offset, size) and value == read:
                return (
                    f"{name} is {value:,}, the {length} bytes from offset {start}, read "
                    f"big-endian. The field is the {size} bytes from offset {offset}: "
                    f"{_slice(name)}, which is {want:,}.",
                    _FIELDS_HINT,
                )
    return f"{name} should be {want:,}; got {value:,}.", from_bytes


def _bytes_problem(name: str, value: Any, expected: dict, backup: bytes) -> tuple[str, str] | None:
    offset, size = _FIELDS[name]
    want, got = expected[name], _as_bytes(value)
    if got is None and isinstance(value, str) and value.lower() == want.hex():
        return (
            f"{name} is written as hex digits; it should be the bytes themselves.",
            f"Return {_slice(name)} as it is, without .hex().",
        )
    if got is None and isinstance(value, str) and value == repr(want):
        return (
            f"{name} is str() of the bytes, text that starts with b'; it should be the "
            "bytes themselves.",
            f"Return {_slice(name)} as it is.",
        )
    if got is None:
        return (
            f"{name} should be bytes; got {_shown(value)}.",
            f"{_slice(name)} is a bytes object already.",
        )
    if got == want:
        return None
    other = "nonce" if name == "salt" else "salt"
    if got == expected[other]:
        return (
            f"{name} holds the {other}: the two are swapped.",
            "The salt is the 16 bytes from offset 29, the nonce the 24 bytes from offset 45.",
        )
    start = backup.find(got) if got else -1
    if len(got) != size:
        where = f" (the bytes from offset {start})" if 0 <= start < HEADER_SIZE else ""
        return (
            f"{name} has {len(got)} bytes{where}; the {name} is {size} bytes, from offset "
            f"{offset} to {offset + size}.",
            f"{_slice(name)}.",
        )
    if 0 <= start < HEADER_SIZE + 8 and start != offset:
        off = abs(start - offset)
        return (
            f"{name} has the right size but starts at offset {start}, {off} "
            f"byte{'s' * (off > 1)} too {'early' if start < offset else 'late'}: the field "
            f"starts at offset {offset}.",
            f"{_slice(name)}: the end of a slice is not included, so [a:b] holds b - a bytes.",
        )
    return f"{name} is not the {size} bytes of the {name} field.", f"{_slice(name)}."


def _fields_problem(result: Any, backup: bytes) -> tuple[str, str] | None:
    """(message, hint) for the first wrong field of ``read_fields(backup)``, or None."""
    if not isinstance(result, Mapping):
        if isinstance(result, (tuple, list)) and len(result) == len(_FIELDS):
            return (
                "read_fields returned the five values in a sequence; return a dict, so that "
                "each value has its name.",
                _A_DICT,
            )
        return f"read_fields should return a dict; got {_shown(result)}.", _A_DICT
    missing = [key for key in _FIELDS if key not in result]
    if missing:
        return (
            f"The dict has no {', '.join(repr(key) for key in missing)} "
            f"(key{'s' * (len(missing) > 1)}); its keys are {_shown(list(result))}.",
            "Use exactly the names 'kdf', 'opslimit', 'memlimit', 'salt' and 'nonce'.",
        )
    expected = _expected_fields(backup)
    return (
        _kdf_problem(result["kdf"], expected["kdf"], backup)
        or _count_problem("opslimit", result["opslimit"], expected, backup)
        or _count_problem("memlimit", result["memlimit"], expected, backup)
        or _bytes_problem("salt", result["salt"], expected, backup)
        or _bytes_problem("nonce", result["nonce"], expected, backup)
    )


def _same_fields(a: Any, b: Any) -> bool:
    try:
        return all(a[key] == b[key] for key in _FIELDS)
    except Exception:
        return False


@check("Exercise 1 (read the header)", "Make read_fields(backup) return a dict of five fields.")
def check_read_fields(read_fields: Any) -> Feedback:
    """``read_fields(backup)`` must give kdf (str), opslimit, memlimit (ints), salt, nonce."""
    name = "Exercise 1 (read the header)"
    cases = _header_cases()
    first: Any = None
    for number, (label, backup) in enumerate(cases):
        result = call_learner(read_fields, backup)
        problem = _fields_problem(result, backup)
        if problem and number and _same_fields(result, first):
            return Feedback(
                name,
                "incorrect",
                f"read_fields gives the same fields for {label} as for the sample: it does not "
                "read the backup it is given.",
                "Slice the function's own argument `backup`, not `sample_backup()` or a "
                "variable outside the function.",
            )
        if problem:
            return Feedback(name, "incorrect", f"For {label}: {problem[0]}", problem[1])
        first = first if number else result
    sample = _expected_fields(cases[0][1])
    return Feedback(
        name,
        "correct",
        f"Anyone holding the sample file reads, without the password: Argon2id, "
        f"{sample['opslimit']} passes over {sample['memlimit'] // 2**20} MiB, the salt and "
        "the nonce. None of it is secret: it is what opening the file needs, and the header is "
        "authenticated as associated data, so a cloud that lowered the cost or changed the "
        "salt would make the file fail to open. The random-key backup names 'rawkey' and has "
        "zero Argon2id fields: its 64-digit key needs no stretching.",
    )


# --------------------------------------------------------------------------
# Exercise 2: open a backup with PyNaCl alone
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenCase:
    label: str
    password: str
    history: bytes
    file: bytes


@lru_cache(maxsize=1)
def _open_cases() -> tuple[_OpenCase, ...]:
    """The sample, and two backups at small costs (fast to open), one with a non-ASCII password."""
    history, sample = _sample_parts()
    cases = [_OpenCase("`ex.sample_backup()`", SAMPLE_PASSWORD, history, sample)]
    for password, cost, seed, texts in (
        ("blåbær-42", (1, 8192), 705, ("Hei! Kommer du?", "Ja, om ti minutter.")),
        ("tulip harbour 9", (3, 65536), 706, ("The spare key is under the pot.",)),
    ):
        label = f"a backup sealed at {_cost_words(*cost)} (password {password!r})"
        history = _history("dave", "erin", texts)
        file = seal_backup(history, password=password, cost=cost, rng=seed)
        cases.append(_OpenCase(label, password, history, file))
    return tuple(cases)


class _KeyMismatch(Exception):
    """The learner's function asked Argon2id for a key other than the file's; stopped at once."""

    def __init__(self, what: str, got: Any) -> None:
        super().__init__(f"Argon2id was given another {what} than the file's")
        self.what, self.got = what, got


@contextlib.contextmanager
def _watch_argon2(case: _OpenCase, calls: list[int]) -> Iterator[None]:
    """While the learner's function opens ``case``, stop Argon2id calls that cannot give its key.

    Every Argon2id call of PyNaCl (and of privlab) goes through
    ``nacl.bindings.crypto_pwhash_alg``. A call with another algorithm, cost,
    salt or password than the file's can only give a wrong key: stopping it at
    once says which input differs, and keeps the learner's kernel alive (a cost
    read little-endian asks for 33 million passes, PyNaCl's default for 1 GiB).
    Arguments of the wrong type go on to PyNaCl, which says what it wants.
    """
    header, sample = read_header(case.file), read_header(_sample())
    password = case.password.encode("utf-8")
    original = nacl.bindings.crypto_pwhash_alg

    def watched(size: Any, passwd: Any, salt: Any, opslimit: Any, memlimit: Any, alg: Any):
        calls.append(1)
        if alg != nacl.bindings.crypto_pwhash_ALG_ARGON2ID13:
            raise _KeyMismatch("algorithm", alg)
        if salt == sample.salt != header.salt and (opslimit, memlimit) == (
            sample.opslimit,
            sample.memlimit,
        ):
            raise _KeyMismatch("file", salt)
        if isinstance(opslimit, numbers.Integral) and isinstance(memlimit, numbers.Integral):
            if (int(opslimit), int(memlimit)) != (header.opslimit, header.memlimit):
                raise _KeyMismatch("cost", (int(opslimit), int(memlimit)))
        if isinstance(salt, bytes) and len(salt) == len(header.salt) and salt != header.salt:
            raise _KeyMismatch("salt", salt)
        if isinstance(passwd, bytes) and passwd != password:
            raise _KeyMismatch("password", passwd)
        return original(size, passwd, salt, opslimit, memlimit, alg)

    nacl.bindings.crypto_pwhash_alg = watched
    try:
        yield
    finally:
        nacl.bindings.crypto_pwhash_alg = original


_PRIVLAB = os.path.dirname(os.path.dirname(os.path.dirname(__file__))) + os.sep
"""The privlab package's folder: code in it is privlab's, not the learner's."""

_HEADER_READERS = frozenset({"read_header", "file_layout", "BackupHeader.describe"})
"""privlab's functions that only read a header: exercise 1's work, welcome in exercise 2."""


def _opens_backups(code: Any) -> bool:
    """Whether ``code`` is privlab's backup code (not a header reader) or ChatStore.restore."""
    if code.co_filename == _backup_module.__file__:
        return code.co_qualname not in _HEADER_READERS
    return code.co_filename == _history_module.__file__ and code.co_qualname == "ChatStore.restore"


@contextlib.contextmanager
def _watch_privlab_backup(used: list[str]) -> Iterator[None]:
    """Note in ``used`` each function of privlab's backup code that the learner's code calls.

    Python's profiler hook sees every call of a Python function, however its
    name was imported; privlab calling its own code (the exercise's helpers
    making the sample, say) is not noted.
    """

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event != "call" or not _opens_backups(frame.f_code):
            return
        caller = frame.f_back
        if caller is None or not caller.f_code.co_filename.startswith(_PRIVLAB):
            used.append(frame.f_code.co_qualname)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


@dataclass(frozen=True)
class _Outcome:
    """What the learner's function did with one file: its result or its error."""

    result: Any = None
    error: LearnerCodeError | None = None
    argon2_calls: int = 0
    privlab_calls: tuple[str, ...] = ()


def _run(function: Any, case: _OpenCase, file: bytes | None = None) -> _Outcome:
    """Call ``function(file, case.password)`` (the case's own file by default), watched."""
    calls: list[int] = []
    used: list[str] = []
    result, error = None, None
    with _watch_argon2(case, calls), _watch_privlab_backup(used):
        try:
            result = call_learner(function, case.file if file is None else file, case.password)
        except LearnerCodeError as raised:
            error = raised
    return _Outcome(result, error, len(calls), tuple(used))


def _tag_failure(error: LearnerCodeError) -> bool:
    """Whether the function failed as the tag did not match (PyNaCl's plain CryptoError)."""
    cause = error.__cause__
    if isinstance(cause, DecryptionError):
        return not isinstance(cause, BackupFormatError)
    return type(cause) is CryptoError


def _same_history(result: Any, expected: bytes) -> bool:
    """Whether ``result`` is ``expected``, as bytes or as the text they encode."""
    if isinstance(result, str):
        try:
            return result.encode("utf-8") == expected
        except UnicodeEncodeError:
            return False
    return _as_bytes(result) == expected


def _opens(function: Any, case: _OpenCase, file: bytes, expected: bytes) -> bool:
    """Whether the learner's function returns ``expected`` for ``file`` (errors count as no)."""
    try:
        outcome = _run(function, case, file)
    except _NotAttempted:
        return False
    return outcome.error is None and _same_history(outcome.result, expected)


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    """The first ``size`` bytes of XChaCha20's keystream for a message (what XOR adds)."""
    return Aead(key).encrypt(bytes(size), b"", nonce).ciphertext[:size]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=False))


@dataclass(frozen=True)
class _Variant:
    """A file sealed wrongly, the way one typical mistake would open it.

    The key is the right one (a wrong key is caught as it is derived); if the
    learner's function opens the variant's file, it has the variant's mistake.
    """

    message: str
    hint: str
    nonce: str | None = None  # "sample", "44", "29", or "implicit": taken from the ciphertext
    aad: str | None = None  # "none", "68", "70": other bytes as associated data
    start: int = HEADER_SIZE  # where the learner's ciphertext starts
    box: str = "aead"  # "secretbox": sealed with SecretBox instead of Aead

    def seal(self, case: _OpenCase) -> tuple[bytes, bytes]:
        """(file, what the mistaken function returns for it), with the case's header."""
        header, fields = case.file[:HEADER_SIZE], read_header(case.file)
        key = argon2id.kdf(
            32,
            case.password.encode("utf-8"),
            fields.salt,
            opslimit=fields.opslimit,
            memlimit=fields.memlimit,
        )
        nonce = {
            None: fields.nonce,
            "implicit": bytes(range(100, 124)),
            "sample": read_header(_sample()).nonce,
            "44": header[44:68],
            "29": header[29:53],
        }[self.nonce]
        if self.box == "secretbox":
            return header + SecretBox(key).encrypt(case.history, nonce).ciphertext, case.history
        if self.aad == "70":
            aad = header + _xor(case.history[:1], _keystream(key, nonce, 1))
        else:
            aad = {None: header, "none": b"", "68": header[:68]}[self.aad]
        sealed = Aead(key).encrypt
        if self.nonce == "implicit":
            return header + nonce + sealed(case.history, aad, nonce).ciphertext, case.history
        if self.start < HEADER_SIZE:  # the learner decrypts part of the header too
            lead = header[self.start :]
            plain = _xor(lead, _keystream(key, nonce, len(lead))) + case.history
            body = sealed(plain, aad, nonce).ciphertext
            return header[: self.start] + body, plain  # body starts with `lead`
        filler = bytes(self.start - HEADER_SIZE)
        return header + filler + sealed(case.history, aad, nonce).ciphertext, case.history


_DECRYPT = "nacl.secret.Aead(key).decrypt(backup[69:], aad=backup[:69], nonce=backup[45:69])"
_DERIVE = "key = nacl.pwhash.argon2id.kdf(32, password.encode(), salt, opslimit=..., memlimit=...)"
_OPEN_HINT = (
    "Take salt = backup[29:45], nonce = backup[45:69], the cost from bytes 17 to 29 "
    f"(big-endian); {_DERIVE}; then nacl.secret.Aead(key).decrypt(backup[69:], "
    "aad=backup[:69], nonce=nonce)."
)
_NONCE_AT_45 = "The nonce is the 24 bytes from offset 45: backup[45:69]."
_AAD_69 = "The header is 69 bytes: aad=backup[:69]."
_AFTER_HEADER = "The ciphertext starts after the 69-byte header: backup[69:]."

_VARIANTS: tuple[_Variant, ...] = (
    _Variant(
        "it uses the nonce of the sample backup, not the nonce of the file it is given.",
        "Read the nonce from the function's own argument: backup[45:69].",
        nonce="sample",
    ),
    _Variant(
        "decrypt is called without associated data. The whole 69-byte header is "
        "authenticated as associated data: the tag covers it, so that nobody can change the "
        "cost or the salt unnoticed, and the tag only matches when decrypt gets the header too.",
        "Pass aad=backup[:69] to decrypt.",
        aad="none",
    ),
    _Variant(
        "the associated data is backup[:68], one byte short of the header.", _AAD_69, aad="68"
    ),
    _Variant(
        "the associated data is backup[:70], one byte more than the header.", _AAD_69, aad="70"
    ),
    _Variant(
        "decrypt is called without the nonce: PyNaCl then takes the first 24 bytes of the "
        "ciphertext as the nonce, but in this format the nonce is in the header.",
        "Pass nonce=backup[45:69] to decrypt.",
        nonce="implicit",
    ),
    _Variant("the nonce is backup[44:68], one byte too early.", _NONCE_AT_45, nonce="44"),
    _Variant("the nonce starts at offset 29, where the salt is.", _NONCE_AT_45, nonce="29"),
    _Variant(
        "decrypt is given the whole file, header included, as the ciphertext.",
        "The ciphertext starts after the header: backup[69:].",
        start=0,
    ),
    _Variant(
        "decrypt is given backup[45:], nonce and ciphertext, and the nonce as well: PyNaCl "
        "then reads the nonce's 24 bytes as the start of the ciphertext.",
        "Either backup[69:] with nonce=backup[45:69], or backup[45:] without nonce=.",
        start=45,
    ),
    _Variant(
        "decrypt is given backup[68:], which starts one byte before the ciphertext.",
        _AFTER_HEADER,
        start=68,
    ),
    _Variant(
        "decrypt is given backup[70:], which misses the first byte of the ciphertext.",
        _AFTER_HEADER,
        start=70,
    ),
    _Variant(
        "it decrypts with nacl.secret.SecretBox (XSalsa20-Poly1305, which has no associated "
        "data); the file is sealed with nacl.secret.Aead (XChaCha20-Poly1305).",
        f"Use {_DECRYPT}.",
        box="secretbox",
    ),
)


@cache
def _variant_file(index: int) -> tuple[bytes, bytes]:
    """The file of variant ``index``, made from the last case (the fastest to open)."""
    return _VARIANTS[index].seal(_open_cases()[-1])


def _diagnose_tag_failure(function: Any, failed: _OpenCase, outcome: _Outcome) -> tuple[str, str]:
    """(message, hint) when decrypt refused a file: which typical mistake opens a variant?"""
    where = f"For {failed.label}, decrypt raised CryptoError: the tag does not match"
    if not outcome.argon2_calls:
        return (
            f"{where}: your function never ran Argon2id, so its key cannot be the one "
            "derived from the password.",
            f"{_DERIVE} with salt and cost from the header.",
        )
    for index, variant in enumerate(_VARIANTS):
        file, output = _variant_file(index)
        if _opens(function, _open_cases()[-1], file, output):
            return f"{where}: {variant.message}", variant.hint
    return (
        f"{where}. The key is right (the check watched Argon2id), so the nonce, the "
        "associated data or the ciphertext is not what sealing used: any one byte off and "
        "the tag refuses the file, without saying which.",
        f"{_DECRYPT}.",
    )


def _cost_words(passes: int, memory: int) -> str:
    """``2 passes over 64 MiB``, or over a number of bytes when not whole MiB or KiB."""
    if memory % 2**20 == 0:
        size = f"{memory // 2**20:,} MiB"
    elif memory % 1024 == 0:
        size = f"{memory // 1024:,} KiB"
    else:
        size = f"{memory:,} bytes"
    return f"{passes:,} pass{'es' * (passes != 1)} over {size}"


def _cost_problem(got: tuple[int, int], case: _OpenCase) -> tuple[str, str]:
    """(why, hint) for Argon2id run at another cost than the header's."""
    header, raw = read_header(case.file), case.file[17:29]
    little = (int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little"))
    read_cost = "Read opslimit and memlimit from the header of the file you are given (exercise 1)."
    if got[0] == little[0] or got[1] == little[1]:
        return (
            "the numbers were read little-endian. (The check stopped Argon2id there: at that "
            "cost it would run for hours.)",
            "Read them big-endian, as in exercise 1: int.from_bytes(backup[17:21], 'big') and "
            "int.from_bytes(backup[21:29], 'big').",
        )
    if got == (header.memlimit, header.opslimit):
        return (
            "opslimit and memlimit are swapped.",
            "kdf(32, password, salt, opslimit=passes, memlimit=memory): name the arguments.",
        )
    if got == (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE):
        return (
            "that is PyNaCl's default, the sensitive cost, which nacl.pwhash.argon2id.kdf uses "
            "when it is not given opslimit and memlimit.",
            read_cost,
        )
    tails = {
        "interactive": ", so it opens the sample but no backup sealed at another cost",
        "moderate": " (privlab's default for derive_key)",
    }
    for cost_name, cost in COSTS.items():
        if got == cost:
            return (
                f"it uses the {cost_name} cost whatever the header says"
                f"{tails.get(cost_name, '')}. The cost is part of the file: a phone that raises "
                "it for new backups must still open the old ones.",
                read_cost,
            )
    return "that is not the cost the header names.", read_cost


_OTHER_SALT = "The salt is the 16 bytes from offset 29: backup[29:45]."


def _key_problem(mismatch: _KeyMismatch, case: _OpenCase) -> tuple[str, str]:
    """(message, hint) when the function asked Argon2id for another key than the file's."""
    stopped, got = f"For {case.label}, your function", mismatch.got
    if mismatch.what == "algorithm":
        return (
            f"{stopped} derives the key with Argon2i (nacl.pwhash.argon2i), not Argon2id: "
            "another function, another key.",
            "Use nacl.pwhash.argon2id.kdf: the file names 'argon2id'.",
        )
    if mismatch.what == "file":
        return (
            f"{stopped} derives the key of the sample backup, with its salt and cost: it does "
            "not read the file it is given.",
            "Read salt and cost from the function's own argument `backup`, not from "
            "`sample_backup()` or a variable outside the function.",
        )
    if mismatch.what == "cost":
        header = read_header(case.file)
        why, hint = _cost_problem(got, case)
        return (
            f"{stopped} runs Argon2id at {_cost_words(*got)}, but the header names "
            f"{_cost_words(header.opslimit, header.memlimit)}: {why}",
            hint,
        )
    if mismatch.what == "salt":
        start = case.file.find(got)
        if got == read_header(_sample()).salt and case.file != _sample():
            why = "the salt of the sample backup, not of the file it is given."
            hint = "Read the salt from the function's own argument: backup[29:45]."
        elif 0 <= start < HEADER_SIZE:
            off = abs(start - 29)
            why = f"backup[{start}:{start + len(got)}], {off} byte{'s' * (off > 1)} too "
            why += f"{'early' if start < 29 else 'late'}."
            hint = _OTHER_SALT
        else:
            why, hint = "not the salt of the file.", _OTHER_SALT
        return f"{stopped} gives Argon2id a salt that is {why}", hint
    if got == SAMPLE_PASSWORD.encode() and case.password != SAMPLE_PASSWORD:
        why = "the sample's password, not the `password` it is given."
        hint = "Derive the key from the function's own argument `password`."
    elif got == case.password.encode("latin-1", errors="replace"):
        why = "the password encoded as Latin-1; the format encodes it as UTF-8."
        hint = "password.encode('utf-8'), or simply password.encode()."
    else:
        why = f"{_shown(got)}, not the `password` it is given, encoded as UTF-8."
        hint = "password.encode() gives the bytes Argon2id needs."
    return f"{stopped} gives Argon2id the password {why}", hint


def _result_problem(result: Any, case: _OpenCase, first: bytes | None) -> tuple[str, str] | None:
    """(message, hint) when the learner's function returned something else than the history."""
    history, got = case.history, _as_bytes(result)
    if _same_history(result, history):
        return None
    if isinstance(result, (dict, list)) and result == json.loads(history):
        return (
            "open_with_pynacl returns the history parsed from JSON; return the bytes that "
            "decrypt gives, as they are.",
            "Return the bytes as decrypt gives them; json.loads can read them afterwards.",
        )
    if got is None:
        return (
            f"open_with_pynacl should return the decrypted bytes; got {_shown(result)}.",
            "Return what nacl.secret.Aead(key).decrypt(...) gives.",
        )
    if got == case.file[:HEADER_SIZE] + history:
        return (
            "open_with_pynacl returns the header followed by the history; return the history "
            "alone.",
            "Return what decrypt gives, without adding the header back.",
        )
    if got in (case.file, case.file[HEADER_SIZE:], case.file[45:]):
        return (
            "open_with_pynacl returns (part of) the file as it is, still encrypted.",
            f"Decrypt it: {_DECRYPT}.",
        )
    if len(got) == 32:
        return (
            "open_with_pynacl returns 32 bytes: the key, perhaps, rather than the history it "
            "opens.",
            "Use the key to decrypt: nacl.secret.Aead(key).decrypt(...).",
        )
    if first is not None and got == first:
        return (
            "open_with_pynacl returns the sample's history for another backup: it does not "
            "open the file it is given.",
            "Use the function's own arguments `backup` and `password`.",
        )
    return (
        f"open_with_pynacl returns {len(got)} bytes, {_shown(got)}, which is not the history "
        f"sealed in the file ({len(history)} bytes).",
        _OPEN_HINT,
    )


def _error_feedback(name: str, error: LearnerCodeError, case: _OpenCase) -> Feedback:
    """Feedback when the learner's function raised something other than a tag failure."""
    cause = error.__cause__
    text = str(cause) if cause is not None else ""
    if isinstance(cause, _KeyMismatch):
        return Feedback(name, "incorrect", *_key_problem(cause, case))
    if isinstance(cause, UnicodeEncodeError):
        return Feedback(
            name,
            "incorrect",
            f"For {case.label}, encoding the password failed ({text}): it has letters beyond "
            "ASCII.",
            "Encode the password as UTF-8, as the format does: password.encode('utf-8') (or "
            "simply password.encode()).",
        )
    if isinstance(cause, TypeError) and not text:
        return Feedback(
            name,
            "error",
            f"{str(error).rstrip().rstrip(':')}, PyNaCl's TypeError without a message: PyNaCl "
            "was given text (a str), or another type, where it wants bytes.",
            "argon2id.kdf wants the password as bytes: password.encode(); the salt, nonce and "
            "ciphertext are slices of the file, bytes already.",
        )
    return Feedback(name, "error", str(error), _OPEN_HINT)


@check("Exercise 2 (open a backup with PyNaCl)", _OPEN_HINT)
def check_open_with_pynacl(open_with_pynacl: Any) -> Feedback:
    """``open_with_pynacl(backup, password)`` must return the sealed history, for any cost."""
    name = "Exercise 2 (open a backup with PyNaCl)"
    first = None
    for case in _open_cases():
        outcome = _run(open_with_pynacl, case)
        if outcome.privlab_calls:
            called = _listing([f"`{f}`" for f in dict.fromkeys(outcome.privlab_calls)])
            return Feedback(
                name,
                "incorrect",
                f"Your function calls privlab's backup code ({called}): that works, but it "
                "opens the file with the very code this exercise asks you to do without. The "
                "point is that any program can open a backup from the public format and the "
                "password, with PyNaCl alone: your function should derive the key and decrypt "
                "by itself (reading the header with read_header, or your read_fields from "
                "exercise 1, is fine).",
                "Derive the key with nacl.pwhash.argon2id.kdf(32, password.encode(), salt, "
                f"opslimit=..., memlimit=...) and decrypt with {_DECRYPT}.",
            )
        if outcome.error is not None and _tag_failure(outcome.error):
            problem = _diagnose_tag_failure(open_with_pynacl, case, outcome)
            return Feedback(name, "incorrect", *problem)
        if outcome.error is not None:
            return _error_feedback(name, outcome.error, case)
        problem = _result_problem(outcome.result, case, first)
        if problem:
            return Feedback(name, "incorrect", f"For {case.label}: {problem[0]}", problem[1])
        first = first or case.history
    messages = len(json.loads(_open_cases()[0].history)["messages"])
    return Feedback(
        name,
        "correct",
        f"The sample opens ({messages} messages of JSON), and so do backups at other costs: "
        "your function reads everything it needs from the file, as any program must, since "
        "the format is public. Only the password is secret. And the header is authenticated: "
        "had the cloud lowered the cost or swapped the salt, decrypt would have refused.",
    )


# --------------------------------------------------------------------------
# Exercise 5: which messages survive?
# --------------------------------------------------------------------------

CHAT_DEFAULT_TIMER = "7 days"
"""Exercise 5: the default timer of new chats on Alice's phone."""

_CHAT_NOW = (10, 12)
"""Exercise 5: the question is asked on day 10 at 12:00."""

_CHAT_EVENTS: tuple[tuple[int, int, str, str, str], ...] = (
    # (day, hour, who, "message" or "timer", text or timer)
    (2, 9, "Alice", "message", "Hi Bob, this is my new number"),
    (3, 12, "Bob", "message", "Got it! Dinner at mine next week?"),
    (4, 18, "Alice", "message", "Yes please. I'll bring dessert"),
    (5, 10, "Bob", "timer", "24 hours"),
    (5, 11, "Bob", "message", "The door code is 4711"),
    (9, 21, "Alice", "message", "See you tomorrow at 7"),
    (10, 8, "Bob", "message", "Could you bring my salad bowl back?"),
)


def _at(day: int, hour: int) -> float:
    return day * DAY + hour * HOUR


@lru_cache(maxsize=1)
def _survivors_on_phone() -> frozenset[int]:
    """The numbers of the messages still on Alice's phone at :data:`_CHAT_NOW`, by ChatStore."""
    clock = FakeClock()
    phone = ChatStore("Alice", clock=clock, default_timer=CHAT_DEFAULT_TIMER)
    for day, hour, who, kind, what in _CHAT_EVENTS:
        clock.advance(seconds=_at(day, hour) - clock.now)
        if kind == "timer":
            phone.set_timer("Bob", what)
        else:
            phone.add("Bob", who, what)
    clock.advance(seconds=_at(*_CHAT_NOW) - clock.now)
    return frozenset(message.id for message in phone.messages("Bob"))


@dataclass(frozen=True)
class _ChatMessage:
    number: int
    day: int
    hour: int
    sender: str
    text: str
    timer: str  # the chat's timer when it was sent
    default: bool  # True while the chat still has the phone's default timer


def _messages() -> list[_ChatMessage]:
    """The messages of exercise 5, each with the timer the chat had when it was sent."""
    timer, default = CHAT_DEFAULT_TIMER, True
    messages: list[_ChatMessage] = []
    for day, hour, who, kind, what in _CHAT_EVENTS:
        if kind == "timer":
            timer, default = what, False
        else:
            messages.append(_ChatMessage(len(messages) + 1, day, hour, who, what, timer, default))
    return messages


def _survivors(
    *, at_boundary: bool = False, retroactive: bool = False, no_default: bool = False
) -> frozenset[int]:
    """The survivors under the rules of the lesson, or under a typical mistaken rule.

    ``at_boundary``: a message is still there at the very moment it expires;
    ``retroactive``: the last timer set applies to the messages sent before it too;
    ``no_default``: the chat starts without a timer (the phone's default forgotten).

    >>> sorted(_survivors()), sorted(_survivors(at_boundary=True))
    ([3, 5, 6], [2, 3, 5, 6])
    """
    now = _at(*_CHAT_NOW)
    last = CHAT_DEFAULT_TIMER
    for *_, kind, what in _CHAT_EVENTS:
        last = what if kind == "timer" else last
    kept = set()
    for message in _messages():
        timer = message.timer
        if no_default and message.default:
            timer = "off"
        if retroactive:
            timer = last
        seconds = TIMERS[timer]
        expires = None if seconds is None else _at(message.day, message.hour) + seconds
        if expires is None or now < expires or (at_boundary and now == expires):
            kept.add(message.number)
    return frozenset(kept)


def _sentence(text: str) -> str:
    """``text`` with a capital first letter (and nothing else changed)."""
    return text[:1].upper() + text[1:]


def _clock(day: int, hour: int) -> str:
    return f"day {day} at {hour:02d}:00"


def disappearing_chat() -> dict[str, Any]:
    """A scripted chat on Alice's phone, with disappearing messages (exercise 5).

    Alice's phone gives new chats a timer of :data:`CHAT_DEFAULT_TIMER`. Her chat
    with Bob starts on day 2; on day 5 Bob changes the chat's timer (for both
    phones). Time counts in days from day 0 and hours of the day.

    Returns
    -------
    dict
        ``phone``: whose phone; ``default_timer``: the phone's timer for new chats;
        ``events``: in time order, messages ``{"number", "day", "time", "sender",
        "text"}`` and timer changes ``{"day", "time", "who", "timer"}``;
        ``now``: ``{"day", "time"}``, when the question is asked.

    Examples
    --------
    >>> chat = disappearing_chat()
    >>> chat["default_timer"], chat["now"]
    ('7 days', {'day': 10, 'time': '12:00'})
    >>> chat["events"][3]
    {'day': 5, 'time': '10:00', 'who': 'Bob', 'timer': '24 hours'}
    """
    events: list[dict[str, Any]] = []
    number = 0
    for day, hour, who, kind, what in _CHAT_EVENTS:
        time = f"{hour:02d}:00"
        if kind == "timer":
            events.append({"day": day, "time": time, "who": who, "timer": what})
        else:
            number += 1
            events.append({"number": number, "day": day, "time": time, "sender": who, "text": what})
    return {
        "phone": "Alice",
        "default_timer": CHAT_DEFAULT_TIMER,
        "events": events,
        "now": {"day": _CHAT_NOW[0], "time": f"{_CHAT_NOW[1]:02d}:00"},
    }


def _survivor_numbers(value: Any) -> tuple[frozenset[int] | None, str]:
    """The learner's answer as message numbers (texts are looked up), or (None, why not)."""
    messages = _messages()
    count = len(messages)
    form = f"a list of message numbers from 1 to {count}, such as [2, 5], or of their texts"
    texts = {message.text.casefold(): message.number for message in messages}
    if isinstance(value, str):
        if value.strip().casefold() in texts:
            return None, (
                f"still_there should be {form}; got one text. Even if one message is left, "
                "put it in a list: [...]."
            )
        return None, f"still_there should be {form}, not one string; got {_shown(value)}."
    items, why = answer_items(
        value, "still_there", form, "Even if one message is left, put it in a list: [n]."
    )
    if items is None:
        return None, why
    numbers = set()
    for item in items:
        if isinstance(item, str):
            key = item.strip().casefold()
            if key in texts:
                numbers.add(texts[key])
                continue
            if key.isdigit():
                return None, (
                    f"still_there holds {item!r}, a number written as text: write the numbers "
                    "without quotes."
                )
            return None, (
                f"still_there holds {_shown(item)}, which is not the text of a message in the chat."
            )
        number = _number(item)
        if number is None or number != int(number):
            return None, f"still_there should be {form}; it holds {_shown(item)}."
        numbers.add(int(number))
    return frozenset(numbers), ""


def _why(number: int, kept: bool) -> str:
    """Why message ``number`` is (or is not) still on the phone at :data:`_CHAT_NOW`.

    >>> print(_why(2, False))  # doctest: +NORMALIZE_WHITESPACE
    message 2 ('Got it! Dinner at mine next week?') was sent on day 3 at 12:00, when the
    chat's timer was 7 days, so it expires on day 10 at 12:00: gone
    """
    message = _messages()[number - 1]
    sent = f"message {number} ({message.text!r}) was sent on {_clock(message.day, message.hour)}"
    seconds = TIMERS[message.timer]
    if seconds is None:
        return f"{sent}, when the chat's timer was off: it stays"
    expires = _at(message.day, message.hour) + seconds
    end_day, end_hour = int(expires // DAY), round(expires % DAY / HOUR)
    state = "still there" if kept else "gone"
    return (
        f"{sent}, when the chat's timer was {message.timer}, so it expires on "
        f"{_clock(end_day, end_hour)}: {state}"
    )


def _survivors_facts() -> dict[str, Any]:
    survivors = _survivors_on_phone()
    return {
        "right_numbers": survivors,
        "count": len(_messages()),
        "listed": _listing(sorted(survivors)),
        "gone_2": _sentence(_why(2, False)),
        "kept_3": _sentence(_why(3, True)),
        "gone_1": _sentence(_why(1, False)),
    }


def _survivors_answers(a: dict[str, Any]) -> dict[str, Any]:
    numbers, problem = _survivor_numbers(a["still_there"])
    if numbers is None:
        return {"numbers": None, "problem": problem}
    outside = sorted(n for n in numbers if not 1 <= n <= a["count"])
    if outside:
        return {"numbers": numbers, "outside": _listing(outside)}
    extra, missing = sorted(numbers - a["right_numbers"]), sorted(a["right_numbers"] - numbers)
    reasons = [_why(n, False) for n in extra] + [_why(n, True) for n in missing]
    return {"numbers": numbers, "outside": None, "reasons": _sentence("; ".join(reasons))}


def _survivors_are(value: Callable[[dict], Any], says: str, hint: str) -> Rule:
    return mistake(lambda a: a["numbers"] == value(a), says, hint)


_SURVIVORS_HINT = (
    "For each message: which timer did the chat have when it was sent? It expires at "
    "sent time + that timer, and is gone from that moment on."
)

check_survivors = Exercise(
    "Exercise 5 (which messages survive?)",
    answers=["still_there"],
    facts=_survivors_facts,
    derive=_survivors_answers,
    rules=[
        mistake(lambda a: a["numbers"] is None, "{problem}", _SURVIVORS_HINT),
        right(
            lambda a: a["numbers"] == a["right_numbers"],
            "Messages {listed}. Messages 1 to 3 kept the "
            f"{CHAT_DEFAULT_TIMER.replace(' days', '-day')} default they were sent with: Bob's "
            "new timer applies only to messages sent after it. Message 2 expired on day 10 "
            "at 12:00 exactly, so it is gone; message 3 stays until day 11. Gone from the "
            "phone does not mean gone everywhere: a screenshot, a notification preview or a "
            "backup made earlier keeps it.",
        ),
        _survivors_are(
            lambda a: _survivors(at_boundary=True),
            "{gone_2}. A message disappears the moment its timer runs out, not a moment later.",
            "A message sent at s with timer T is gone at every time t ≥ s + T.",
        ),
        _survivors_are(
            lambda a: _survivors(retroactive=True),
            "{kept_3}. Bob's new timer applies only to messages sent after he set it; earlier "
            "messages keep the timer they were sent with.",
            "Give each message the timer the chat had when it was sent.",
        ),
        _survivors_are(
            lambda a: _survivors(no_default=True),
            "Messages 1 and 2 are gone: the chat had a timer before Bob changed it, Alice's "
            f"default for new chats, {CHAT_DEFAULT_TIMER}. " + "{gone_1}.",
            "A new chat starts with the phone's default timer.",
        ),
        _survivors_are(
            lambda a: set(range(1, a["count"] + 1)),
            "That is every message, as if nothing had expired.",
            _SURVIVORS_HINT,
        ),
        _survivors_are(
            lambda a: set(),
            "Some messages are still there: the timer counts from when each one was sent.",
            _SURVIVORS_HINT,
        ),
        _survivors_are(
            lambda a: {n - 1 for n in a["right_numbers"]},
            "Those are the right messages counted from 0; the messages are numbered from 1.",
            "Add 1 to each number.",
        ),
        mistake(
            lambda a: a["outside"],
            "The messages are numbered 1 to {count}; your answer holds {outside}.",
            _SURVIVORS_HINT,
        ),
    ],
    otherwise=mistake(None, "{reasons}.", _SURVIVORS_HINT),
).checker()


# --------------------------------------------------------------------------
# Exercise 4: ten guesses or ten billion
# --------------------------------------------------------------------------

_VAULT_ATTEMPTS = 10
"""Exercise 4: guesses the key vault allows before it destroys the key."""

_PIN_SPACE = search_space(6, 10)
_OFFLINE_TOLERANCE = 0.03  # a rounded answer, to two or three digits, is fine
_CHANCE_TOLERANCE = 0.01


def _rates() -> dict[str, tuple[float, str]]:
    """Guessing speeds to try: (guesses per second, what using it means), the right one first."""
    laptop, rig, botnet = ATTACKERS
    one = TYPICAL_SECONDS["interactive"]
    return {
        "rig": (rig.rate("interactive"), ""),
        "laptop": (
            laptop.rate("interactive"),
            "the laptop's speed (ATTACKERS[0]), not the GPU rig's (ATTACKERS[1])",
        ),
        "botnet": (botnet.rate("interactive"), "the botnet's speed (ATTACKERS[2])"),
        "fast": (
            rig.rate("none"),
            "the rig's speed against a fast hash, but the backup stretches the PIN with "
            "Argon2id: rate('interactive')",
        ),
        "moderate": (
            rig.rate("moderate"),
            "the rig's speed against the moderate cost; the backup uses 'interactive'",
        ),
        "one core": (
            1 / one,
            f"one guess at a time on one core ({one:g} s each); the rig runs "
            f"{rig.parallel(COSTS['interactive'][1]):,} guesses at once",
        ),
        "one rig core": (
            rig.core_speed / one,
            "one guess at a time on one of the rig's cores; it runs "
            f"{rig.parallel(COSTS['interactive'][1]):,} guesses at once",
        ),
    }


_UNITS = {"days": DAY, "seconds": 1.0, "minutes": 60.0, "hours": HOUR, "years": _YEAR}


def _offline_mistake(value: float) -> list[str] | None:
    """The list of mistakes (fewest first) whose combination gives ``value``, or None."""
    found: list[list[str]] = []
    for rate, rate_text in _rates().values():
        for half in (True, False):
            for unit, size in _UNITS.items():
                guesses = _PIN_SPACE / 2 if half else _PIN_SPACE
                if _near(value, guesses / rate / size, _OFFLINE_TOLERANCE):
                    parts = [f"it uses {rate_text}"] if rate_text else []
                    if not half:
                        parts.append(
                            "it counts every PIN, the worst case; on average half are tried"
                        )
                    if unit != "minutes":
                        parts.append(f"it is in {unit}, not minutes (one minute is 60 s)")
                    found.append(parts)
    return min(found, key=len) if found else None


def _ten_guesses_facts() -> dict[str, Any]:
    rig = ATTACKERS[1]
    minutes = crack_seconds(_PIN_SPACE, rig.rate("interactive")) / 60
    return {
        "right_minutes": minutes,
        "seconds": minutes * 60,
        "right_chance": vault_success_chance(_PIN_SPACE, _VAULT_ATTEMPTS),
        "rate": rig.rate("interactive"),
        "parallel": rig.parallel(COSTS["interactive"][1]),
        "typical": TYPICAL_SECONDS["interactive"],
    }


def _ten_guesses_answers(a: dict[str, Any]) -> dict[str, Any]:
    minutes = _number(a["offline_minutes"])
    mistaken = None if minutes is None else _offline_mistake(minutes)
    return {
        "minutes": minutes,
        "chance": _number(a["vault_chance"]),
        "shown_minutes": _shown(a["offline_minutes"]),
        "shown_chance": _shown(a["vault_chance"]),
        "offline_mistake": "; ".join(mistaken) if mistaken else None,
        "offline_wrong": minutes is not None
        and not _near(minutes, a["right_minutes"], _OFFLINE_TOLERANCE),
    }


def _chance_is(value: Callable[[dict], float], says: str, hint: str) -> Rule:
    """The mistake whose vault_chance is ``value(answers)``."""

    def when(a: dict[str, Any]) -> bool:
        target = value(a)
        return _near(a["chance"], target, 1e-6 if target > 0.5 else _CHANCE_TOLERANCE)

    return mistake(when, "vault_chance = {chance:g}. " + says, hint)


_OFFLINE_HINT = (
    "search_space(6, 10) PINs, half of them tried on average, at ATTACKERS[1].rate("
    "'interactive') guesses a second: crack_seconds(space, rate) gives seconds; a minute "
    "has 60 of them."
)
_CHANCE_HINT = (
    "10 guesses out of 1,000,000 equally likely PINs: vault_success_chance(search_space(6, "
    "10), 10), a probability between 0 and 1."
)
_OFFLINE_WRONG = "offline_minutes = {minutes:.4g}, but the rig needs {right_minutes:.4g} minutes"

check_ten_guesses = Exercise(
    "Exercise 4 (ten guesses or ten billion)",
    answers=["offline_minutes", "vault_chance"],
    facts=_ten_guesses_facts,
    derive=_ten_guesses_answers,
    rules=[
        mistake(
            lambda a: a["minutes"] is None,
            "offline_minutes should be a number of minutes; got {shown_minutes}.",
            _OFFLINE_HINT,
        ),
        mistake(
            lambda a: a["offline_wrong"] and a["offline_mistake"],
            _OFFLINE_WRONG + ": {offline_mistake}.",
            _OFFLINE_HINT,
        ),
        mistake(
            lambda a: a["offline_wrong"],
            _OFFLINE_WRONG + ". (If you measured a guess with measure_kdf, use the typical "
            "{typical:g} s instead, the default of rate(), so that the answer is the same "
            "everywhere.)",
            _OFFLINE_HINT,
        ),
        mistake(
            lambda a: a["chance"] is None,
            "vault_chance should be a probability, a number between 0 and 1; got {shown_chance}.",
            _CHANCE_HINT,
        ),
        right(
            lambda a: _near(a["chance"], a["right_chance"], _CHANCE_TOLERANCE),
            "Offline, the rig runs {parallel:,} Argon2id guesses at once, {rate:,.0f} a second, "
            "and finds the PIN after {seconds:.0f} seconds on average ({right_minutes:.2g} "
            "minutes): whoever holds a file sealed with a 6-digit PIN opens it during a coffee "
            f"break, and nobody sees the attack. At the vault, {_VAULT_ATTEMPTS} guesses find it "
            "with chance {right_chance:g} (0.001 %), and then the key is destroyed. The same PIN "
            "is strong only where something counts the guesses.",
        ),
        _chance_is(
            lambda a: 100 * a["right_chance"],
            "That is 10 / 10,000: the chance for a 4-digit PIN like Bob's in section 3 (or the "
            "right chance in percent, 0.001 %). Here the PIN has 6 digits, and vault_chance is a "
            "probability between 0 and 1.",
            "10 guesses out of search_space(6, 10) = 1,000,000 PINs, not in percent.",
        ),
        _chance_is(
            lambda a: 1 / _PIN_SPACE,
            "That is the chance of one guess; the vault allows 10 before it destroys the key.",
            "10 guesses, each a different PIN: 10 / 1,000,000.",
        ),
        _chance_is(
            lambda a: _VAULT_ATTEMPTS / (_PIN_SPACE / 2),
            "That divides by half the PINs: the half belongs to the average time of a search "
            "that goes on until it succeeds. 10 guesses try 10 of all 1,000,000 PINs.",
            "10 / 1,000,000.",
        ),
        _chance_is(
            lambda a: 1 - a["right_chance"],
            "That is the chance that all 10 guesses fail.",
            "The question asks for the chance that the attacker gets in: 10 / 1,000,000.",
        ),
        _chance_is(
            lambda a: _PIN_SPACE / _VAULT_ATTEMPTS,
            "That is upside down: 1,000,000 / 10, the odds against as a number, not a probability.",
            "10 / 1,000,000.",
        ),
    ],
    otherwise=mistake(
        None,
        "vault_chance = {chance:g}, but 10 guesses find a 6-digit PIN with chance "
        "{right_chance:g}.",
        _CHANCE_HINT,
    ),
).checker()
