"""Tests of privlab.crypto.vault: a key released for its password, destroyed after 10 wrong ones.

* The right password releases the key; a wrong one says how many attempts
  are left; after exactly ``attempts`` wrong ones in a row the key is gone,
  for the right password too.
* A right password resets the count; users are independent.
* End to end: a backup sealed with a random key kept in the vault opens with
  the password until the lockout, and with nothing after it.
* Every bad argument raises InvalidParameterError naming it.
"""

from __future__ import annotations

import pytest

from privlab.crypto.backup import derive_key, new_backup_key, open_backup, read_header
from privlab.crypto.history import ChatStore, FakeClock
from privlab.crypto.vault import DEFAULT_ATTEMPTS, KeyVault
from privlab.errors import (
    BackupFormatError,
    DecryptionError,
    InvalidParameterError,
    VaultLockedError,
    WrongPasswordError,
)

TINY = (1, 8192)
KEY = bytes(range(32))
OTHER_KEY = bytes(range(32, 64))


def vault(**options) -> KeyVault:
    """A fast vault holding alice's key under "tulip-7" and bob's under "rose-3"."""
    keys = KeyVault(cost=TINY, **options)
    keys.store("alice", "tulip-7", KEY)
    keys.store("bob", "rose-3", OTHER_KEY)
    return keys


def test_the_right_password_releases_the_key():
    """As often as it is asked, as bytes, from a str or bytes password or 64-digit key."""
    keys = vault()
    assert keys.release("alice", "tulip-7") == KEY
    assert keys.release("alice", b"tulip-7") == KEY
    assert keys.release("bob", "rose-3") == OTHER_KEY
    keys.store("carol", "pw", KEY.hex())
    assert keys.release("carol", "pw") == KEY
    assert keys.attempts_left("alice") == DEFAULT_ATTEMPTS == 10
    assert not keys.is_locked("alice")


def test_wrong_passwords_count_down_then_the_key_is_destroyed():
    """Wrong password n says 10 - n attempts left; the 10th destroys the key for good."""
    keys = vault()
    for n in range(1, DEFAULT_ATTEMPTS):
        left = DEFAULT_ATTEMPTS - n
        said = f"{left} attempts left" if left > 1 else "1 attempt left"
        with pytest.raises(WrongPasswordError, match=f"wrong password for 'alice': {said}") as e:
            keys.release("alice", f"guess {n}")
        assert isinstance(e.value, DecryptionError)
        assert "tulip" not in str(e.value)
        assert keys.attempts_left("alice") == left
        assert not keys.is_locked("alice")

    with pytest.raises(VaultLockedError, match="destroyed after 10 wrong passwords"):
        keys.release("alice", "guess 10")
    assert keys.is_locked("alice")
    assert keys.attempts_left("alice") == 0
    with pytest.raises(VaultLockedError):
        keys.release("alice", "tulip-7")  # not even the right password
    with pytest.raises(VaultLockedError):
        keys.release("alice", "another guess")  # and no more counting
    assert keys.attempts_left("alice") == 0


@pytest.mark.parametrize("attempts", [1, 3])
def test_the_limit_is_exactly_attempts(attempts):
    """With attempts=a, a-1 wrong passwords leave the key; the a-th destroys it."""
    keys = vault(attempts=attempts)
    for _ in range(attempts - 1):
        with pytest.raises(WrongPasswordError):
            keys.release("alice", "wrong")
    assert keys.release("alice", "tulip-7") == KEY  # still there (and the count is reset)
    for _ in range(attempts - 1):
        with pytest.raises(WrongPasswordError):
            keys.release("alice", "wrong")
    with pytest.raises(VaultLockedError):
        keys.release("alice", "wrong")
    assert keys.is_locked("alice")


def test_a_right_password_resets_the_count():
    """9 wrong, 1 right, 9 wrong: still not locked, one attempt left."""
    keys = vault()
    for _ in range(9):
        with pytest.raises(WrongPasswordError):
            keys.release("alice", "wrong")
    assert keys.attempts_left("alice") == 1
    assert keys.release("alice", "tulip-7") == KEY
    assert keys.attempts_left("alice") == 10
    for _ in range(9):
        with pytest.raises(WrongPasswordError):
            keys.release("alice", "wrong")
    assert not keys.is_locked("alice")
    assert keys.attempts_left("alice") == 1
    assert keys.release("alice", "tulip-7") == KEY


def test_users_are_independent():
    """Locking alice out leaves bob's key and count alone; bob's password is not alice's."""
    keys = vault(attempts=3)
    with pytest.raises(WrongPasswordError):
        keys.release("alice", "rose-3")  # bob's password is wrong for alice
    with pytest.raises(WrongPasswordError):
        keys.release("bob", "wrong")
    for _ in range(2):
        with pytest.raises((WrongPasswordError, VaultLockedError)):
            keys.release("alice", "wrong")
    assert keys.is_locked("alice")
    assert not keys.is_locked("bob")
    assert keys.attempts_left("bob") == 2
    assert keys.release("bob", "rose-3") == OTHER_KEY


def test_storing_again_replaces_the_key_and_the_password():
    """A second store for a user replaces the old key and password."""
    keys = vault()
    keys.store("alice", "new password", OTHER_KEY)
    assert keys.release("alice", "new password") == OTHER_KEY
    with pytest.raises(WrongPasswordError):
        keys.release("alice", "tulip-7")


def test_the_vault_keeps_only_a_salted_argon2id_hash_of_the_password():
    """What the vault stores is an Argon2id hash string at its cost, not the password."""
    keys = vault()
    stored = keys._entries["alice"].password_hash
    assert stored.startswith(b"$argon2id$") and b"tulip-7" not in stored
    assert b"m=8,t=1" in stored  # 8 KiB, 1 pass
    assert "tulip" not in repr(keys)
    assert repr(keys) == "KeyVault(users=['alice', 'bob'], attempts=10)"


def test_end_to_end_backup_key_in_the_vault():
    """Sealed with a random key kept in the vault: opens with the password, then never again."""
    clock = FakeClock(1_000.0)
    phone = ChatStore("alice", clock=clock)
    phone.add("bob", "bob", "the door code is 4711")
    backup_key = new_backup_key()
    sealed = phone.backup(key=backup_key)
    assert read_header(sealed).kdf == "rawkey"  # the file alone gives nothing to guess at
    keys = KeyVault(cost=TINY)
    keys.store("alice", "4711-pin", backup_key)

    new_phone = ChatStore("alice", clock=clock)
    assert new_phone.restore(sealed, key=keys.release("alice", "4711-pin")) == 1
    assert [m.text for m in new_phone.messages()] == ["the door code is 4711"]

    for n in range(DEFAULT_ATTEMPTS):
        with pytest.raises((WrongPasswordError, VaultLockedError)):
            keys.release("alice", f"{n:04d}-pin")
    with pytest.raises(VaultLockedError):
        keys.release("alice", "4711-pin")
    # Whoever holds only the password (and the file) can open nothing now:
    with pytest.raises(BackupFormatError, match="pass key="):
        open_backup(sealed, password="4711-pin")
    guessed_key = derive_key("4711-pin", bytes(16), TINY)
    with pytest.raises(DecryptionError, match="wrong key"):
        open_backup(sealed, key=guessed_key)
    assert open_backup(sealed, key=backup_key)  # only the destroyed key would open it


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: KeyVault(attempts=0), "attempts must be a whole number from 1 to 1000"),
        (lambda: KeyVault(attempts=1001), "attempts"),
        (lambda: KeyVault(attempts=2.5), "attempts"),
        (lambda: KeyVault(attempts=True), "attempts"),
        (lambda: KeyVault(cost="cheap"), "cost must be one of"),
        (lambda: KeyVault(cost=(1, 10)), "cost memory_bytes"),
        (lambda: vault().store("", "pw", KEY), "user must be a non-empty string"),
        (lambda: vault().store("  ", "pw", KEY), "user must be a non-empty string"),
        (lambda: vault().store(7, "pw", KEY), "user must be a non-empty string"),
        (lambda: vault().store("carol", "", KEY), "password must be a non-empty"),
        (lambda: vault().store("carol", "pw", bytes(31)), "key must be 32 bytes"),
        (lambda: vault().store("carol", "pw", "abc"), "key must have 64 hexadecimal digits"),
        (lambda: vault().release("carol", "pw"), "user 'carol' has no key in this vault"),
        (lambda: vault().release("", "pw"), "user must be a non-empty string"),
        (lambda: vault().release("alice", ""), "password must be a non-empty"),
        (lambda: vault().attempts_left("carol"), "user 'carol'"),
        (lambda: vault().is_locked("carol"), "user 'carol'"),
    ],
)
def test_bad_arguments_name_the_parameter(call, named):
    """Each bad argument raises InvalidParameterError (a ValueError) that names it."""
    with pytest.raises(InvalidParameterError, match=named) as caught:
        call()
    assert isinstance(caught.value, ValueError)


def test_an_unknown_user_is_refused_without_counting():
    keys = vault()
    with pytest.raises(InvalidParameterError, match="has no key in this vault"):
        keys.release("mallory", "guess")
    assert keys.attempts_left("alice") == DEFAULT_ATTEMPTS


@pytest.mark.parametrize("wrong_type", [None, 1234, 12.5, ["pw"], b"", ""])
def test_every_attempt_counts_whatever_its_type(wrong_type):
    """Arguments of the wrong type used to be refused before they were counted: unlimited tries."""
    keys = KeyVault(attempts=3, cost=(1, 8192))
    keys.store("alice", "correct horse", bytes(32))
    for left in (2, 1):
        with pytest.raises(InvalidParameterError, match=f"counts as a wrong attempt: {left} left"):
            keys.release("alice", wrong_type)
        assert keys.attempts_left("alice") == left
    with pytest.raises(VaultLockedError):
        keys.release("alice", wrong_type)
    with pytest.raises(VaultLockedError):
        keys.release("alice", "correct horse")  # the key is gone


def test_store_starts_a_new_enrolment_and_never_brings_the_old_key_back():
    keys = KeyVault(attempts=2, cost=(1, 8192))
    keys.store("alice", "old password", bytes(32))
    for _ in range(2):
        with pytest.raises((WrongPasswordError, VaultLockedError)):
            keys.release("alice", "guess")
    assert keys.is_locked("alice")
    keys.store("alice", "new password", bytes([1]) * 32)  # a new enrolment, a new key
    with pytest.raises(WrongPasswordError):
        keys.release("alice", "old password")
    assert keys.release("alice", "new password") == bytes([1]) * 32
