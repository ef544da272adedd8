"""A key vault: it releases a backup key for the right password, destroys it after 10 wrong ones.

A backup sealed with a password can be attacked *offline*, as fast as Argon2id
allows. Sealed with a *random* key kept in a vault, it gets 10 guesses instead
of billions: with a 6-digit PIN, a chance of :math:`10 / 10^6 = 0.001\\%`.
Real vaults (WhatsApp's encrypted backups, for one) are hardware security
modules that not even their operators can read or reset, and the password
never reaches them (the phone runs OPAQUE); this one is a Python object, handed
the password itself, which it checks against an Argon2id hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nacl.pwhash.argon2id as argon2id

from .._guard import LABEL, guard, whole
from ..errors import InvalidParameterError, VaultLockedError, WrongPasswordError
from ._kdf import _cost, _key_bytes, _password

__all__ = ["DEFAULT_ATTEMPTS", "KeyVault"]

DEFAULT_ATTEMPTS = 10
"""Wrong passwords a vault accepts before it destroys the key."""


@dataclass
class _Entry:
    password_hash: bytes
    key: bytes | None
    failures: int = 0


def _guess(name: str, password: Any) -> Any:
    """A password as bytes; anything else is passed on as it is, to count as a wrong attempt."""
    try:
        return _password(name, password)
    except InvalidParameterError:
        return password


class KeyVault:
    """Holds backup keys; releases one only for its password; destroys it after too many failures.

    ``attempts`` wrong passwords in a row (1-1,000) destroy a key; a right one
    resets the count. ``cost`` is the Argon2id cost of the stored password
    hash: the vault counts attempts, so it need not be as slow as a backup's.

    >>> vault = KeyVault(attempts=2, cost=(1, 8192))
    >>> vault.store("alice", "tulip-7", bytes(32))
    >>> vault.release("alice", "tulip-7") == bytes(32)
    True
    >>> vault.release("alice", "tulip-8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.WrongPasswordError: wrong password for 'alice': 1 attempt left before ...
    >>> vault.release("alice", "rose-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.VaultLockedError: the key of 'alice' was destroyed after 2 wrong passwords; ...
    """

    @guard(attempts=whole(1, 1_000), cost=_cost)
    def __init__(self, attempts: int = DEFAULT_ATTEMPTS, cost: Any = "interactive") -> None:
        self.attempts = attempts
        self._passes, self._memory = cost
        self._entries: dict[str, _Entry] = {}

    def __repr__(self) -> str:
        return f"KeyVault(users={sorted(self._entries)}, attempts={self.attempts})"

    @guard(user=LABEL, password=_password, key=_key_bytes)
    def store(self, user: str, password: str | bytes, key: bytes | str) -> None:
        """Keep ``key`` for ``user``, released later for ``password``: a new enrolment.

        It replaces the earlier key, password and count (the service checks
        who is signed in first); a destroyed key stays destroyed.
        """
        hashed = argon2id.str(password, opslimit=self._passes, memlimit=self._memory)
        self._entries[user] = _Entry(hashed, key)

    @guard(user=LABEL, password=_guess)  # not a password: not refused, it counts as a guess
    def release(self, user: str, password: str | bytes) -> bytes:
        """The key of ``user``, if ``password`` is right.

        A wrong one raises WrongPasswordError (saying how many attempts are
        left), or VaultLockedError once the key is destroyed (by this attempt, maybe).
        """
        entry = self._entry(user)
        if entry.key is None:
            raise self._locked(user)
        secret = password if isinstance(password, bytes) and password else None
        if secret is not None and _verify(entry.password_hash, secret):
            entry.failures = 0
            return entry.key
        entry.failures += 1
        if entry.failures >= self.attempts:
            entry.key = None  # gone: no copy is kept anywhere
            raise self._locked(user)
        left = self.attempts - entry.failures
        if secret is None:
            raise InvalidParameterError(
                f"password must be a non-empty string (or bytes); got {type(password).__name__}. "
                f"It counts as a wrong attempt: {left} left before the key is destroyed."
            )
        raise WrongPasswordError(
            f"wrong password for {user!r}: {left} attempt{'s' if left != 1 else ''} left "
            "before the key is destroyed."
        )

    @guard(user=LABEL)
    def attempts_left(self, user: str) -> int:
        """Wrong passwords ``user`` may still give before the key is destroyed (0 once it is)."""
        entry = self._entry(user)
        return 0 if entry.key is None else self.attempts - entry.failures

    @guard(user=LABEL)
    def is_locked(self, user: str) -> bool:
        """True once the key of ``user`` has been destroyed."""
        return self._entry(user).key is None

    def _entry(self, user: str) -> _Entry:
        if user not in self._entries:
            raise InvalidParameterError(
                f"user {user!r} has no key in this vault; users: {sorted(self._entries)}."
            )
        return self._entries[user]

    def _locked(self, user: str) -> VaultLockedError:
        return VaultLockedError(
            f"the key of {user!r} was destroyed after {self.attempts} wrong passwords; "
            "nobody can recover it, and backups sealed with it can no longer be opened."
        )


def _verify(password_hash: bytes, password: bytes) -> bool:
    from nacl.exceptions import InvalidkeyError

    try:
        return argon2id.verify(password_hash, password)
    except InvalidkeyError:
        return False
