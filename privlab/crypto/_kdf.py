"""The arguments of backups and vaults: keys, passwords, salts and Argon2id costs."""

from __future__ import annotations

from typing import Any

import nacl.pwhash.argon2id as argon2id

from .. import _guard as check
from ..errors import InvalidParameterError

KEY_BYTES = 32
"""A backup key is 256 bits."""

KEY_DIGITS = 2 * KEY_BYTES
"""A backup key is shown as 64 hexadecimal digits."""

SALT_BYTES = argon2id.SALTBYTES  # 16

COSTS: dict[str, tuple[int, int]] = {
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}
"""libsodium's named Argon2id costs: (passes, memory in bytes)."""

DEFAULT_COST = "moderate"
"""The cost for real use: 3 passes over 256 MiB. Lessons pass ``"interactive"``."""

# A file names its own cost, so a damaged or hostile header could ask for
# terabytes of memory. Opening refuses anything above these limits.
MAX_OPSLIMIT = 16
MAX_MEMLIMIT = argon2id.MEMLIMIT_SENSITIVE  # 1 GiB
MIN_OPSLIMIT = argon2id.OPSLIMIT_MIN  # 1
MIN_MEMLIMIT = argon2id.MEMLIMIT_MIN  # 8 KiB


def _one_of(arguments: dict[str, Any]) -> None:
    key, password = arguments["key"], arguments["password"]
    if (key is None) == (password is None):
        raise InvalidParameterError(
            "give exactly one of key= (the random key or its 64 digits) and password=; "
            f"got key={'None' if key is None else '...'}, "
            f"password={'None' if password is None else '...'}."
        )


def _key_text(name: str, key: Any) -> str:
    if not isinstance(key, str):
        raise InvalidParameterError(f"key must be a string of 64 digits or 32 bytes; got {key!r}.")
    return key


def _key_bytes(name: str, key: Any) -> bytes:
    if isinstance(key, str):
        return _parse_digits(key)
    if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_BYTES:
        shown = f"{len(key)} bytes" if isinstance(key, (bytes, bytearray)) else repr(key)
        raise InvalidParameterError(
            f"{name} must be {KEY_BYTES} bytes or a string of {KEY_DIGITS} hexadecimal digits; "
            f"got {shown}."
        )
    return bytes(key)


def _password(name: str, password: Any) -> bytes:
    if isinstance(password, str):
        password = password.encode("utf-8")
    if not isinstance(password, (bytes, bytearray)) or not password:
        raise InvalidParameterError(
            f"password must be a non-empty string (or bytes); got {password!r}."
        )
    return bytes(password)


def _salt(name: str, salt: Any) -> bytes:
    if not isinstance(salt, (bytes, bytearray)) or len(salt) != SALT_BYTES:
        raise InvalidParameterError(f"salt must be {SALT_BYTES} bytes; got {salt!r}.")
    return bytes(salt)


def _cost(name: str, cost: Any) -> tuple[int, int]:
    if isinstance(cost, str):
        if cost not in COSTS:
            raise InvalidParameterError(
                f"cost must be one of {sorted(COSTS)} or (passes, memory_bytes); got {cost!r}."
            )
        return COSTS[cost]
    if not isinstance(cost, (tuple, list)) or len(cost) != 2:
        raise InvalidParameterError(
            f"cost must be one of {sorted(COSTS)} or (passes, memory_bytes); got {cost!r}."
        )
    passes = check.integer("cost passes", cost[0], low=MIN_OPSLIMIT, high=MAX_OPSLIMIT)
    memory = check.integer("cost memory_bytes", cost[1], low=MIN_MEMLIMIT, high=MAX_MEMLIMIT)
    return passes, memory


def _parse_digits(key: str) -> bytes:
    digits = "".join(ch for ch in key.lower() if ch not in " -\t\n")
    for position, ch in enumerate(digits, start=1):
        if ch not in "0123456789abcdef":
            raise InvalidParameterError(
                f"key digit {position} is {ch!r}; a key has only the digits 0-9 and a-f "
                "(spaces and dashes are ignored)."
            )
    if len(digits) != KEY_DIGITS:
        raise InvalidParameterError(
            f"key must have {KEY_DIGITS} hexadecimal digits; got {len(digits)}."
        )
    return bytes.fromhex(digits)
