"""Lesson 07's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import json
import math
import sys
import time

import nacl.bindings
import nacl.pwhash.argon2i
import nacl.pwhash.argon2id
import nacl.secret
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from notebook_tools import JUNK, assert_incorrect, assert_usable_feedback, raises, stub

import privlab.crypto.backup
from privlab.crypto.backup import COSTS, derive_key, open_backup, read_header
from privlab.crypto.guessing import (
    ATTACKERS,
    crack_seconds,
    search_space,
    vault_success_chance,
)
from privlab.crypto.history import DAY, ChatStore, FakeClock
from privlab.lessons.backups import checks as ex

# --------------------------------------------------------------------------
# Exercise 3: expected time to crack
# --------------------------------------------------------------------------


def crack_time(length, alphabet_size, guesses_per_second):
    return alphabet_size**length / 2 / guesses_per_second


def test_crack_time_right_answers():
    right = ex.check_crack_time(crack_time)
    assert right and "6,250 s" in right.message and "2 hours" in right.message
    assert "trillion years" in right.message
    assert ex.check_crack_time(lambda n, a, r: math.pow(a, n) / (2 * r))
    assert ex.check_crack_time(lambda n, a, r: crack_seconds(search_space(n, a), r))
    assert ex.check_crack_time(lambda n, a, r: (a**n + 1) / 2 / r)  # the exact mean, fine
    assert ex.check_crack_time(lambda n, a, r: a**n // 2 // r)
    assert ex.check_crack_time(lambda n, a, r: np.float64(a) ** n / 2 / r)
    assert ex.check_crack_time(lambda n, a, r: np.array([crack_time(n, a, r)]))


def only_for_pins(length, alphabet_size, guesses_per_second):
    if alphabet_size == 10:
        return crack_time(length, alphabet_size, guesses_per_second)


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda n, a, r: a**n / r, "the worst case"),
        (lambda n, a, r: n**a / 2 / r, "the other way round"),
        (lambda n, a, r: a * n / 2 / r, "multiplies the alphabet size by the length"),
        (lambda n, a, r: a**n / 2 * r, "a faster attacker would take longer"),
        (lambda n, a, r: a**n / 2 / r / r, "divides by the guessing speed twice"),
        (lambda n, a, r: a ** (n - 1) / 2 / r, "one character fewer"),
        (lambda n, a, r: a ** (n + 1) / 2 / r, "one character more"),
        (lambda n, a, r: a**n / 2, "not the time they take"),
        (lambda n, a, r: a**n, "number of possible passwords"),
        (lambda n, a, r: crack_time(n, a, r) / 60, "in minutes"),
        (lambda n, a, r: crack_time(n, a, r) / 3600, "in hours"),
        (lambda n, a, r: crack_time(n, a, r) / 86400, "in days"),
        (lambda n, a, r: crack_time(n, a, r) / (365.25 * 86400), "in years"),
        (lambda n, a, r: np.power(a, n) / 2 / r, "NumPy's whole numbers have 64 bits"),
        (lambda n, a, r: 6250.0, "does not use its arguments"),
        (lambda n, a, r: crack_time(n, a, r) * 3, "returns 18750, but the expected time is 6250"),
        (only_for_pins, "crack_time(8, 26, 10000) returns None"),
        (lambda n, a, r: "6250", "should return a number of seconds; got '6250'"),
        (lambda n, a, r: True, "got True"),
        (lambda n, a, r: 10**400, "got 1000000000000"),
        (lambda n, a, r: float("inf"), "got inf"),
    ],
)
def test_crack_time_mistakes(wrong, phrase):
    assert_incorrect(ex.check_crack_time(wrong), phrase)


def test_crack_time_mistakes_are_told_apart():
    """No two typical mistakes give the same results, and none gives the right ones."""
    rows = [
        tuple(round(math.log10(mistake(*case)), 6) for case in ex._CRACK_CASES)
        for mistake, *_ in ex._CRACK_MISTAKES
    ]
    right = tuple(round(math.log10(crack_time(*case)), 6) for case in ex._CRACK_CASES)
    assert len(set(rows)) == len(rows) and right not in rows


def test_crack_time_stub_and_errors():
    assert ex.check_crack_time(...).status == "not attempted"
    assert ex.check_crack_time(stub).status == "not attempted"
    assert ex.check_crack_time(raises).status == "error"
    assert ex.check_crack_time(lambda n, a: a**n).status == "error"
    assert ex.check_crack_time(lambda n, a, r: a**n / 2 / (r - 80)).status == "error"


# --------------------------------------------------------------------------
# The sample backup
# --------------------------------------------------------------------------


def test_the_sample_backup():
    backup = ex.sample_backup()
    assert backup == ex.sample_backup()  # seeded: the same file every time
    header = read_header(backup)
    assert header.kdf == "argon2id"
    assert (header.opslimit, header.memlimit) == COSTS["interactive"]
    history = json.loads(open_backup(backup, password=ex.SAMPLE_PASSWORD))
    assert history["format"] == "privlab-chat-history" and len(history["messages"]) == 3
    assert ex.SAMPLE_PASSWORD.isdigit() and len(ex.SAMPLE_PASSWORD) == 6


# --------------------------------------------------------------------------
# Exercise 1: read the header
# --------------------------------------------------------------------------


def read_fields(backup):
    return {
        "kdf": backup[9:17].rstrip(b"\x00").decode("ascii"),
        "opslimit": int.from_bytes(backup[17:21], "big"),
        "memlimit": int.from_bytes(backup[21:29], "big"),
        "salt": backup[29:45],
        "nonce": backup[45:69],
    }


def test_header_cases_cover_both_kinds_and_two_costs():
    cases = ex._header_cases()
    headers = [read_header(backup) for _, backup in cases]
    assert [h.kdf for h in headers] == ["argon2id", "rawkey", "argon2id"]
    assert headers[0].opslimit != headers[2].opslimit
    assert headers[0].memlimit != headers[2].memlimit
    assert cases[0][1] == ex.sample_backup()
    for (_, backup), header in zip(cases, headers, strict=True):
        expected = {key: value for key, value in vars(header).items() if key != "version"}
        assert read_fields(backup) == expected == ex._expected_fields(backup)


def with_field(name, value_of):
    return lambda backup: {**read_fields(backup), name: value_of(backup)}


def test_read_fields_right_answers():
    right = ex.check_read_fields(read_fields)
    assert right and "2 passes over 64 MiB" in right.message and "rawkey" in right.message
    assert ex.check_read_fields(
        lambda b: {k: v for k, v in vars(read_header(b)).items() if k != "version"}
    )
    assert ex.check_read_fields(lambda b: {**read_fields(b), "magic": b[:8], "version": b[8]})
    assert ex.check_read_fields(with_field("opslimit", lambda b: np.int64(read_header(b).opslimit)))
    assert ex.check_read_fields(with_field("salt", lambda b: bytearray(b[29:45])))
    assert ex.check_read_fields(with_field("kdf", lambda b: b[9:17].decode().strip("\x00")))


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (with_field("opslimit", lambda b: int.from_bytes(b[17:21], "little")), "little-endian"),
        (with_field("memlimit", lambda b: int.from_bytes(b[21:29], "little")), "little-endian"),
        (with_field("kdf", lambda b: b[9:17].decode()), "zero bytes that pad 'rawkey'"),
        (with_field("kdf", lambda b: b[9:17]), "bytes; the name should be text"),
        (
            lambda b: {**read_fields(b), "kdf": b[9:17]} if b[9] == ord("r") else read_fields(b),
            "with the zero bytes that pad the name",
        ),
        (with_field("kdf", lambda b: str(b[9:17])), "str() of bytes"),
        (with_field("kdf", lambda b: b[10:18].decode().strip("\x00")), "from offset 10"),
        (with_field("kdf", lambda b: "argon2"), "should be the name of the key derivation"),
        (with_field("salt", lambda b: b[28:44]), "starts at offset 28, 1 byte too early"),
        (with_field("salt", lambda b: b[30:46]), "starts at offset 30, 1 byte too late"),
        (with_field("nonce", lambda b: b[44:68]), "offset 44, 1 byte too early"),
        (with_field("nonce", lambda b: b[46:70]), "offset 46, 1 byte too late"),
        (with_field("salt", lambda b: b[29:44]), "salt has 15 bytes (the bytes from offset 29)"),
        (with_field("nonce", lambda b: b[45:]), "the nonce is 24 bytes"),
        (with_field("salt", lambda b: b[45:69]), "salt holds the nonce"),
        (with_field("salt", lambda b: b[29:45].hex()), "hex digits"),
        (with_field("salt", lambda b: str(b[29:45])), "str() of the bytes"),
        (with_field("nonce", lambda b: list(b[45:69])), "should be bytes"),
        (with_field("opslimit", lambda b: b[17:21]), "opslimit is still bytes"),
        (
            with_field("opslimit", lambda b: int.from_bytes(b[17:25], "big")),
            "the 8 bytes from offset 17",
        ),
        (with_field("memlimit", lambda b: int.from_bytes(b[20:28], "big")), "offset 20"),
        (with_field("opslimit", lambda b: int.from_bytes(b[21:29], "big")), "swapped"),
        (with_field("memlimit", lambda b: float(read_header(b).memlimit)), "a float"),
        (with_field("memlimit", lambda b: "64 MiB"), "should be a whole number"),
        (with_field("opslimit", lambda b: 3), "opslimit should be 2; got 3"),
        (with_field("salt", lambda b: bytes(16)), "salt is not the 16 bytes of the salt field"),
        (lambda b: {**read_fields(b), "kdf": None}, "got None"),
        (lambda b: {k: v for k, v in read_fields(b).items() if k != "nonce"}, "no 'nonce'"),
        (lambda b: {"KDF": 1}, "no 'kdf', 'opslimit', 'memlimit', 'salt', 'nonce' (keys)"),
        (lambda b: tuple(read_fields(b).values()), "in a sequence"),
        (lambda b: read_header(b), "should return a dict"),
        (lambda b: read_fields(ex.sample_backup()), "does not read the backup it is given"),
        (lambda b: "fields", "should return a dict"),
    ],
)
def test_read_fields_mistakes(wrong, phrase):
    assert_incorrect(ex.check_read_fields(wrong), phrase)


def test_read_fields_names_the_backup():
    sample = ex.check_read_fields(with_field("salt", lambda b: b[28:44]))
    assert sample.message.startswith("For `ex.sample_backup()`: ")
    raw = ex.check_read_fields(with_field("kdf", lambda b: b[9:17].decode()))
    assert raw.message.startswith("For a backup sealed with a random key: ")


def test_read_fields_stub_and_errors():
    assert ex.check_read_fields(...).status == "not attempted"
    assert ex.check_read_fields(stub).status == "not attempted"
    assert ex.check_read_fields(raises).status == "error"
    assert ex.check_read_fields(lambda: {}).status == "error"
    assert ex.check_read_fields(lambda b: {"kdf": b[9:17].decode()[20]}).status == "error"


# --------------------------------------------------------------------------
# Exercise 2: open a backup with PyNaCl alone
# --------------------------------------------------------------------------


def open_with_pynacl(backup, password):
    opslimit = int.from_bytes(backup[17:21], "big")
    memlimit = int.from_bytes(backup[21:29], "big")
    salt, nonce = backup[29:45], backup[45:69]
    key = nacl.pwhash.argon2id.kdf(
        32, password.encode(), salt, opslimit=opslimit, memlimit=memlimit
    )
    return nacl.secret.Aead(key).decrypt(backup[69:], aad=backup[:69], nonce=nonce)


def mistaken_open(
    *,
    salt=slice(29, 45),
    nonce=slice(45, 69),
    aad=slice(0, 69),
    start=69,
    cost=None,
    kdf=nacl.pwhash.argon2id.kdf,
    password=None,
    secretbox=False,
    implicit_nonce=False,
    encoding="utf-8",
):
    """open_with_pynacl with one typical mistake (slices of the file, or fixed values)."""

    def part(backup, where):
        return backup[where] if isinstance(where, slice) else where

    def opener(backup, given_password):
        header = read_header(backup)
        little = int.from_bytes(backup[17:21], "little"), int.from_bytes(backup[21:29], "little")
        passes, memory = {
            None: (header.opslimit, header.memlimit),
            "little": little,
            "little passes": (little[0], header.memlimit),
            "swapped": (header.memlimit, header.opslimit),
        }.get(cost, cost)
        secret = (password or given_password).encode(encoding)
        key = kdf(32, secret, part(backup, salt), opslimit=passes, memlimit=memory)
        if secretbox:
            return nacl.secret.SecretBox(key).decrypt(backup[69:], part(backup, nonce))
        box = nacl.secret.Aead(key)
        if implicit_nonce:
            return box.decrypt(backup[start:], aad=part(backup, aad))
        return box.decrypt(backup[start:], aad=part(backup, aad), nonce=part(backup, nonce))

    return opener


SAMPLE_HEADER = read_header(ex.sample_backup())
SAMPLE_HISTORY = open_backup(ex.sample_backup(), password=ex.SAMPLE_PASSWORD)

# Mistakes in using the key: the diagnosis finds them with files sealed the mistaken way.
OPEN_MISTAKES = {
    "sample nonce": (mistaken_open(nonce=SAMPLE_HEADER.nonce), "nonce of the sample"),
    "no aad": (mistaken_open(aad=b""), "without associated data"),
    "aad 68": (mistaken_open(aad=slice(0, 68)), "backup[:68], one byte short"),
    "aad 70": (mistaken_open(aad=slice(0, 70)), "backup[:70], one byte more"),
    "no nonce": (mistaken_open(implicit_nonce=True), "without the nonce"),
    "nonce 44": (mistaken_open(nonce=slice(44, 68)), "backup[44:68], one byte too early"),
    "nonce 29": (mistaken_open(nonce=slice(29, 53)), "where the salt is"),
    "whole file": (mistaken_open(start=0), "the whole file, header included"),
    "nonce and ciphertext": (mistaken_open(start=45), "backup[45:], nonce and ciphertext"),
    "start 68": (mistaken_open(start=68), "backup[68:], which starts one byte before"),
    "start 70": (mistaken_open(start=70), "backup[70:], which misses the first byte"),
    "secretbox": (mistaken_open(secretbox=True), "SecretBox"),
}

# Mistakes in deriving the key: the check stops Argon2id at once and names the wrong input.
KEY_MISTAKES = {
    "interactive cost": (
        mistaken_open(cost=COSTS["interactive"]),
        "For a backup sealed at 1 pass over 8 KiB",
        "runs Argon2id at 2 passes over 64 MiB, but the header names 1 pass over 8 KiB: it uses "
        "the interactive cost whatever the header says, so it opens the sample but no backup",
    ),
    "moderate cost": (
        mistaken_open(cost=COSTS["moderate"]),
        "For `ex.sample_backup()`",
        "privlab's default for derive_key",
    ),
    "PyNaCl's default cost": (
        lambda b, p: nacl.secret.Aead(nacl.pwhash.argon2id.kdf(32, p.encode(), b[29:45])).decrypt(
            b[69:], aad=b[:69], nonce=b[45:69]
        ),
        "For `ex.sample_backup()`",
        "4 passes over 1,024 MiB, but the header names 2 passes over 64 MiB: that is PyNaCl's "
        "default",
    ),
    "little-endian": (
        mistaken_open(cost="little"),
        "For `ex.sample_backup()`",
        "runs Argon2id at 33,554,432 passes over 16,384 MiB",
    ),
    "little-endian passes": (
        mistaken_open(cost="little passes"),
        "For `ex.sample_backup()`",
        "read little-endian. (The check stopped Argon2id there",
    ),
    "swapped": (mistaken_open(cost="swapped"), "For `ex.sample_backup()`", "are swapped"),
    "sample password": (
        mistaken_open(password=ex.SAMPLE_PASSWORD),
        "For a backup sealed at 1 pass",
        "gives Argon2id the password the sample's password",
    ),
    "Latin-1": (mistaken_open(encoding="latin-1"), "password 'blåbær-42'", "encoded as Latin-1"),
    "other password": (mistaken_open(password="hunter2"), "`ex.sample_backup()`", "b'hunter2'"),
    "sample salt": (
        mistaken_open(salt=SAMPLE_HEADER.salt),
        "For a backup sealed at 1 pass",
        "a salt that is the salt of the sample backup",
    ),
    "salt 28": (mistaken_open(salt=slice(28, 44)), "sample", "backup[28:44], 1 byte too early"),
    "salt 30": (mistaken_open(salt=slice(30, 46)), "sample", "backup[30:46], 1 byte too late"),
    "argon2i": (mistaken_open(kdf=nacl.pwhash.argon2i.kdf), "sample", "with Argon2i"),
    "other salt": (mistaken_open(salt=bytes(16)), "sample", "a salt that is not the salt of"),
    "other cost": (mistaken_open(cost=(3, 2**20)), "sample", "not the cost the header names"),
}


def test_open_cases_open_and_differ_in_cost():
    cases = ex._open_cases()
    assert cases[0].file == ex.sample_backup()
    costs = {(read_header(c.file).opslimit, read_header(c.file).memlimit) for c in cases}
    assert len(costs) == 3 and COSTS["interactive"] in costs
    assert any(not case.password.isascii() for case in cases)
    for case in cases:
        assert open_backup(case.file, password=case.password) == case.history
        assert open_with_pynacl(case.file, case.password) == case.history


def test_each_variant_is_opened_by_its_mistake_only():
    """The files the diagnosis uses: each opens with one mistaken function, not the right one."""
    assert len(OPEN_MISTAKES) == len(ex._VARIANTS)
    case = ex._open_cases()[-1]
    files = [ex._variant_file(index) for index in range(len(ex._VARIANTS))]
    assert len({file for file, _ in files}) == len(files)
    for file, _ in files:
        assert file[:69] == case.file[:69] and file != case.file
        assert not ex._opens(open_with_pynacl, case, file, case.history)
    for (opener, phrase), variant, (file, output) in zip(
        OPEN_MISTAKES.values(), ex._VARIANTS, files, strict=True
    ):
        assert phrase in variant.message
        assert ex._opens(opener, case, file, output), phrase
        assert not ex._opens(opener, case, case.file, case.history), phrase


def test_open_right_answers():
    right = ex.check_open_with_pynacl(open_with_pynacl)
    assert right and "3 messages" in right.message and "authenticated" in right.message
    # reading the header with privlab's read_header is exercise 1's work, and welcome
    assert ex.check_open_with_pynacl(mistaken_open())
    assert ex.check_open_with_pynacl(lambda b, p: open_with_pynacl(b, p).decode())
    assert ex.check_open_with_pynacl(lambda b, p: bytearray(open_with_pynacl(b, p)))
    assert ex.check_open_with_pynacl(mistaken_open(start=45, implicit_nonce=True))


def restore_on_a_phone(backup, password):
    phone = ChatStore("me", clock=FakeClock())
    phone.restore(backup, password=password)
    return phone.export()


PRIVLAB_OPENERS = {
    "open_backup": (lambda b, p: open_backup(b, password=p), "(`open_backup`)"),
    "open_backup from the module": (
        lambda b, p: privlab.crypto.backup.open_backup(b, password=p),
        "(`open_backup`)",
    ),
    "derive_key": (
        lambda b, p: nacl.secret.Aead(
            derive_key(
                p, read_header(b).salt, cost=(read_header(b).opslimit, read_header(b).memlimit)
            )
        ).decrypt(b[69:], aad=b[:69], nonce=b[45:69]),
        "(`derive_key`)",
    ),
    "ChatStore.restore": (restore_on_a_phone, "(`ChatStore.restore`)"),
}


@pytest.mark.parametrize("opener", list(PRIVLAB_OPENERS), ids=list(PRIVLAB_OPENERS))
def test_open_refuses_privlabs_own_backup_code(opener):
    """PyNaCl alone: an answer that opens the file with privlab's code is kindly refused."""
    function, called = PRIVLAB_OPENERS[opener]
    feedback = ex.check_open_with_pynacl(function)
    assert_incorrect(feedback, f"Your function calls privlab's backup code {called}")
    assert "with PyNaCl alone" in feedback.message and "argon2id.kdf" in feedback.hint
    assert sys.getprofile() is None  # the watch is removed


def test_open_refuses_privlabs_code_even_when_it_fails():
    def wrong_password(backup, password):
        return open_backup(backup, password="hunter2")

    assert_incorrect(ex.check_open_with_pynacl(wrong_password), "privlab's backup code")


def test_open_does_not_blame_the_learner_for_privlabs_own_helpers():
    def with_the_sample(backup, password):
        ex.sample_backup()  # privlab's helper, which seals with privlab's code
        return open_with_pynacl(backup, password)

    assert ex.check_open_with_pynacl(with_the_sample)


@pytest.mark.parametrize("mistake", list(OPEN_MISTAKES), ids=list(OPEN_MISTAKES))
def test_open_mistakes_found_by_the_variants(mistake):
    opener, phrase = OPEN_MISTAKES[mistake]
    feedback = ex.check_open_with_pynacl(opener)
    assert_incorrect(feedback, phrase)
    assert "decrypt raised CryptoError" in feedback.message


@pytest.mark.parametrize("mistake", list(KEY_MISTAKES), ids=list(KEY_MISTAKES))
def test_key_mistakes_stopped_as_argon2id_starts(mistake):
    opener, where, phrase = KEY_MISTAKES[mistake]
    start = time.perf_counter()
    feedback = ex.check_open_with_pynacl(opener)
    assert time.perf_counter() - start < 2  # no 1 GiB or 33-million-pass Argon2id run
    assert_incorrect(feedback, phrase)
    assert where in feedback.message.split(",")[0]


def test_the_watch_is_removed_after_every_check():
    original = nacl.bindings.crypto_pwhash_alg
    for opener in (open_with_pynacl, raises, KEY_MISTAKES["little-endian passes"][0]):
        ex.check_open_with_pynacl(opener)
        assert nacl.bindings.crypto_pwhash_alg is original


def sample_history_always(backup, password):
    return open_with_pynacl(ex.sample_backup(), ex.SAMPLE_PASSWORD)


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (mistaken_open(encoding="ascii"), "letters beyond ASCII"),
        (
            lambda b, p: nacl.secret.Aead(p.encode().ljust(32, b"0")).decrypt(
                b[69:], b[:69], b[45:69]
            ),
            "never ran Argon2id",
        ),
        (lambda b, p: b[:69] + open_with_pynacl(b, p), "the header followed by the history"),
        (lambda b, p: json.loads(open_with_pynacl(b, p)), "parsed from JSON"),
        (lambda b, p: b[69:], "still encrypted"),
        (lambda b, p: b, "still encrypted"),
        (
            lambda b, p: nacl.pwhash.argon2id.kdf(
                32, p.encode(), b[29:45], read_header(b).opslimit, read_header(b).memlimit
            ),
            "returns 32 bytes: the key",
        ),
        (sample_history_always, "derives the key of the sample backup"),
        (lambda b, p, h=SAMPLE_HISTORY: h, "returns the sample's history for another backup"),
        (lambda b, p: open_with_pynacl(b, p)[:-1], "which is not the history"),
        (lambda b, p: len(open_with_pynacl(b, p)), "should return the decrypted bytes; got"),
        (
            mistaken_open(aad=slice(0, 69), nonce=bytes(24)),
            "The key is right (the check watched Argon2id), so the nonce",
        ),
    ],
)
def test_open_mistakes(wrong, phrase):
    assert_incorrect(ex.check_open_with_pynacl(wrong), phrase)


def test_open_stub_and_errors():
    assert ex.check_open_with_pynacl(...).status == "not attempted"
    assert ex.check_open_with_pynacl(stub).status == "not attempted"
    assert ex.check_open_with_pynacl(raises).status == "error"
    assert ex.check_open_with_pynacl(lambda b: b).status == "error"
    text_password = ex.check_open_with_pynacl(
        lambda b, p: nacl.pwhash.argon2id.kdf(32, p, b[29:45], 2, 2**26)
    )
    assert text_password.status == "error" and "wants bytes" in text_password.message
    short_nonce = ex.check_open_with_pynacl(mistaken_open(nonce=slice(45, 60)))
    assert short_nonce.status == "error" and "24 bytes" in short_nonce.message


# --------------------------------------------------------------------------
# Exercise 5: which messages survive?
# --------------------------------------------------------------------------


def test_the_chat_as_the_learner_sees_it():
    chat = ex.disappearing_chat()
    messages = [event for event in chat["events"] if "text" in event]
    changes = [event for event in chat["events"] if "timer" in event]
    assert [m["number"] for m in messages] == list(range(1, 7))
    assert changes == [{"day": 5, "time": "10:00", "who": "Bob", "timer": "24 hours"}]
    assert chat["default_timer"] == ex.CHAT_DEFAULT_TIMER == "7 days"
    assert chat["now"] == {"day": 10, "time": "12:00"}
    chat["events"].clear()  # a copy: the check's chat stays as it was
    assert len(ex.disappearing_chat()["events"]) == 7


def test_the_phone_agrees_with_the_rules():
    """ChatStore, replayed from what the learner sees, keeps messages 3, 5 and 6."""
    chat = ex.disappearing_chat()
    clock = FakeClock()
    phone = ChatStore("Alice", clock=clock, default_timer=chat["default_timer"])

    def go(event):
        hours, minutes = map(int, event["time"].split(":"))
        clock.advance(seconds=event["day"] * DAY + hours * 3600 + minutes * 60 - clock.now)

    for event in chat["events"]:
        go(event)
        if "timer" in event:
            phone.set_timer("Bob", event["timer"])
        else:
            phone.add("Bob", event["sender"], event["text"])
    go(chat["now"])
    kept = {message.id for message in phone.messages("Bob")}
    assert kept == ex._survivors_on_phone() == ex._survivors() == {3, 5, 6}


def test_each_mistaken_rule_gives_another_answer():
    answers = [
        ex._survivors(),
        ex._survivors(at_boundary=True),
        ex._survivors(retroactive=True),
        ex._survivors(no_default=True),
    ]
    assert len(set(answers)) == 4


TEXTS = {
    event["number"]: event["text"] for event in ex.disappearing_chat()["events"] if "text" in event
}


def test_survivors_right_answers():
    right = ex.check_survivors([3, 5, 6])
    assert right and "Messages 3, 5 and 6" in right.message and "exactly" in right.message
    assert ex.check_survivors({6, 5, 3})
    assert ex.check_survivors((3, 5, 6, 6))
    assert ex.check_survivors(np.array([3, 5, 6]))
    assert ex.check_survivors([np.int64(3), 5.0, 6])
    assert ex.check_survivors([TEXTS[3], TEXTS[5], TEXTS[6]])
    assert ex.check_survivors([3, TEXTS[5].upper(), f"  {TEXTS[6]} "])
    assert ex.check_survivors({3: "x", 5: "y", 6: "z"})


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        ([2, 3, 5, 6], "Message 2 ('Got it! Dinner at mine next week?') was sent on day 3"),
        ([2, 3, 5, 6], "the moment its timer runs out"),
        ([5, 6], "Bob's new timer applies only to messages sent after he set it"),
        ([1, 2, 3, 5, 6], "Alice's default for new chats, 7 days"),
        ([1, 2, 3, 4, 5, 6], "every message"),
        ([], "Some messages are still there"),
        ([2, 4, 5], "counted from 0"),
        ([3, 5, 6, 7], "your answer holds 7"),
        ([0, 3, 5, 6], "your answer holds 0"),
        ([3, 5], "Message 6 ('Could you bring my salad bowl back?') was sent on day 10"),
        ([3, 4, 5, 6], "when the chat's timer was 24 hours, so it expires on day 6 at 11:00: gone"),
        ([1, 3, 5, 6], "expires on day 9 at 09:00: gone"),
        ([3, 6], "expires on day 10 at 21:00: still there"),
        (3, "got one number, 3"),
        (TEXTS[3], "got one text"),
        ("3, 5, 6", "not one string"),
        (["3", "5", "6"], "a number written as text"),
        (["Hello"], "not the text of a message"),
        ([3.5], "it holds 3.5"),
        ([True], "it holds True"),
        (None, "got None"),
        (np.zeros((2, 2)), "got None"),
    ],
)
def test_survivors_mistakes(wrong, phrase):
    assert_incorrect(ex.check_survivors(wrong), phrase)


def test_survivors_stub():
    assert ex.check_survivors(...).status == "not attempted"


# --------------------------------------------------------------------------
# Exercise 4: ten guesses or ten billion
# --------------------------------------------------------------------------

PIN = search_space(6, 10)
RIG_SECONDS = crack_seconds(PIN, ATTACKERS[1].rate("interactive"))
MINUTES = RIG_SECONDS / 60
CHANCE = vault_success_chance(PIN, 10)


def test_ten_guesses_right_answers():
    assert math.isclose(RIG_SECONDS, 97.65625) and CHANCE == 1e-5
    right = ex.check_ten_guesses(MINUTES, CHANCE)
    assert right and "98 seconds" in right.message and "1,024" in right.message
    assert ex.check_ten_guesses(1.63, 0.00001)
    assert ex.check_ten_guesses(np.float64(MINUTES), np.array([CHANCE]))
    assert ex.check_ten_guesses(MINUTES, 1 - (1 - 1 / PIN) ** 10)
    assert ex.check_ten_guesses(PIN / 2 / 5120 / 60, 10 / PIN)


@pytest.mark.parametrize(
    ("minutes", "chance", "phrase"),
    [
        (crack_seconds(PIN, ATTACKERS[0].rate("interactive")) / 60, CHANCE, "laptop's speed"),
        (crack_seconds(PIN, ATTACKERS[2].rate("interactive")) / 60, CHANCE, "botnet's speed"),
        (crack_seconds(PIN, ATTACKERS[1].rate("none")) / 60, CHANCE, "against a fast hash"),
        (crack_seconds(PIN, ATTACKERS[1].rate("moderate")) / 60, CHANCE, "the moderate cost"),
        (PIN / 2 * 0.1 / 60, CHANCE, "one guess at a time on one core"),
        (PIN / 2 / 5 / 60, CHANCE, "one of the rig's cores"),
        (2 * MINUTES, CHANCE, "the worst case"),
        (RIG_SECONDS, CHANCE, "it is in seconds, not minutes"),
        (RIG_SECONDS / 86400, CHANCE, "in days"),
        (RIG_SECONDS / 3600, CHANCE, "in hours"),
        (RIG_SECONDS / 86400 / 365.25, CHANCE, "in years"),
        (
            crack_seconds(PIN, ATTACKERS[0].rate("interactive")),
            CHANCE,
            "laptop's speed (ATTACKERS[0]), not the GPU rig's (ATTACKERS[1]); it is in seconds",
        ),
        (2 * RIG_SECONDS / 3600, CHANCE, "the worst case; on average half are tried; it is in"),
        (0.5, CHANCE, "offline_minutes = 0.5, but the rig needs 1.628 minutes."),
        (0.5, CHANCE, "measure_kdf"),
        ("1.63", CHANCE, "should be a number of minutes; got '1.63'"),
        (None, CHANCE, "got None"),
        (MINUTES, 1e-3, "the chance for a 4-digit PIN"),
        (MINUTES, 1e-6, "the chance of one guess"),
        (MINUTES, 2e-5, "divides by half the PINs"),
        (MINUTES, 1 - 1e-5, "all 10 guesses fail"),
        (MINUTES, 1e5, "upside down"),
        (MINUTES, 0.5, "vault_chance = 0.5, but 10 guesses find"),
        (MINUTES, "1e-5", "should be a probability"),
        (MINUTES, None, "got None"),
    ],
)
def test_ten_guesses_mistakes(minutes, chance, phrase):
    assert_incorrect(ex.check_ten_guesses(minutes, chance), phrase)


def test_ten_guesses_fewest_mistakes_are_named():
    """Seconds from the rig are one mistake, not some stranger combination of three."""
    assert ex._offline_mistake(RIG_SECONDS) == [
        "it is in seconds, not minutes (one minute is 60 s)"
    ]


def test_ten_guesses_stub():
    assert ex.check_ten_guesses(..., ...).status == "not attempted"
    assert ex.check_ten_guesses(MINUTES, ...).status == "not attempted"
    assert ex.check_ten_guesses(..., CHANCE).status == "not attempted"


# --------------------------------------------------------------------------
# All checks
# --------------------------------------------------------------------------

ONE_ANSWER_CHECKS = (
    ex.check_crack_time,
    ex.check_read_fields,
    ex.check_open_with_pynacl,
    ex.check_survivors,
)
FUNCTION_CHECKS = (ex.check_crack_time, ex.check_read_fields, ex.check_open_with_pynacl)


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_answer(a):
    for check in ONE_ANSWER_CHECKS:
        assert_usable_feedback(check(a))


@settings(max_examples=40, deadline=None)
@given(a=JUNK, b=JUNK)
def test_ten_guesses_never_raises_on_any_answers(a, b):
    assert_usable_feedback(ex.check_ten_guesses(a, b), ("incorrect", "not attempted"))


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_returned_value(a):
    """Functions that return junk get feedback too, never an exception."""
    for check in FUNCTION_CHECKS:
        assert_usable_feedback(check(lambda *args, a=a: a), ("incorrect", "not attempted"))


@settings(max_examples=40, deadline=None)
@given(a=JUNK, b=JUNK)
def test_checks_never_raise_on_any_returned_pair_or_dict(a, b):
    for check in FUNCTION_CHECKS:
        for value in ((a, b), {"kdf": a, "opslimit": b, "memlimit": a, "salt": b, "nonce": a}):
            assert_usable_feedback(check(lambda *args, value=value: value), ("incorrect",))


@settings(max_examples=40, deadline=None)
@given(
    a=st.one_of(
        JUNK,
        st.binary(max_size=40),
        st.sets(st.integers(-2, 9), max_size=7),
        st.lists(st.sampled_from([*TEXTS.values(), "nope", "4"]), max_size=4),
    )
)
def test_survivors_never_raises_on_sets_and_texts(a):
    assert_usable_feedback(ex.check_survivors(a), ("correct", "incorrect"))


def test_stubs_of_the_notebook_are_not_attempted():
    def crack_time(length, alphabet_size, guesses_per_second): ...

    def read_fields(backup): ...

    def open_with_pynacl(backup, password): ...

    still_there = offline_minutes = vault_chance = ...
    for feedback in (
        ex.check_crack_time(crack_time),
        ex.check_read_fields(read_fields),
        ex.check_open_with_pynacl(open_with_pynacl),
        ex.check_survivors(still_there),
        ex.check_ten_guesses(offline_minutes, vault_chance),
    ):
        assert feedback.status == "not attempted", feedback


def test_exercise_names():
    names = [check(...).exercise for check in (*ONE_ANSWER_CHECKS, ex.check_ten_guesses)]
    assert names == [
        "Exercise 3 (time to crack)",
        "Exercise 1 (read the header)",
        "Exercise 2 (open a backup with PyNaCl)",
        "Exercise 5 (which messages survive?)",
        "Exercise 4 (ten guesses or ten billion)",
    ]


def test_read_fields_memory_in_mebibytes_is_named():
    def in_mib(backup):
        return {
            "kdf": backup[9:17].rstrip(b"\x00").decode("ascii"),
            "opslimit": int.from_bytes(backup[17:21], "big"),
            "memlimit": int.from_bytes(backup[21:29], "big") // 2**20,
            "salt": backup[29:45],
            "nonce": backup[45:69],
        }

    assert_incorrect(ex.check_read_fields(in_mib), "the memory in MiB")
