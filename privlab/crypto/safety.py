"""Safety numbers: 60 digits that two people compare to catch a man in the middle.

End-to-end encryption protects a message only if it is encrypted to the right
key. The server hands out the keys, so a dishonest server could hand Alice its
own key instead of Bob's and read everything (and the chat would still
"work"). A safety number is computed from *both* parties' public identity keys;
Alice and Bob each compute it on their own phone and compare it in person or
over a call. If the server swapped a key, the two numbers differ.

This module follows Signal's numeric fingerprint (libsignal's
``NumericFingerprintGenerator``, iteration format version 0):

1. For each party, hash its public key and a stable id (a phone number, say)
   over and over with SHA-512, 5,200 times in total. The first round hashes
   ``0x0000 || public key || stable id || public key``, and every later round
   hashes ``previous hash || public key``. The repetitions make finding a
   second key with the same digits (for a forger) about 5,200 times slower.
2. Read the first 30 bytes of the final hash as six 5-byte big-endian
   numbers, take each modulo 100,000 and print it with 5 digits: a 30-digit
   *fingerprint* of one party.
3. Put the two parties' fingerprints in order (the smaller first) and join
   them: the 60-digit *safety number*, the same on both phones.

**Keys.** Signal writes a Curve25519 public key as 33 bytes: a type byte
``0x05`` and the 32 bytes of the key, and the fingerprint hashes those 33
bytes. A 32-byte key (an X25519 or Ed25519 public key from PyNaCl) gets the
``0x05`` prefix added here, so the same key gives the same digits whichever
form is passed.

**Order.** Both fingerprints are 30 digits long, so comparing them as text,
as the byte strings of their digits or as numbers gives the same order; the
smaller is written first, as libsignal's ``DisplayableFingerprint`` does. Who
computes the number does not matter.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._guard import guard, whole
from ..errors import InvalidParameterError

__all__ = [
    "DEFAULT_ITERATIONS",
    "KEY_TYPE_BYTE",
    "fingerprint",
    "format_safety_number",
    "safety_number",
]

DEFAULT_ITERATIONS = 5200
MAX_ITERATIONS = 100_000  # at about 1 microsecond each, a tenth of a second
"""SHA-512 rounds per fingerprint in Signal's safety numbers."""

KEY_TYPE_BYTE = b"\x05"
"""Signal's type byte for a Curve25519 public key (written before its 32 bytes)."""

_VERSION = b"\x00\x00"  # iteration format version 0, two bytes
_CHUNKS = 6  # 5-byte pieces of the hash, 5 digits each
_CHUNK_BYTES = 5
_FINGERPRINT_DIGITS = _CHUNKS * 5
_SAFETY_NUMBER_DIGITS = 2 * _FINGERPRINT_DIGITS


def _public_key(name: str, public_key: Any) -> bytes:
    """The 33 bytes that get hashed: ``0x05`` and the 32 bytes of the key.

    Accepts 32 bytes (the prefix is added), 33 bytes starting with ``0x05``,
    or a PyNaCl public key object (``nacl.public.PublicKey`` or
    ``nacl.signing.VerifyKey``).
    """
    if not isinstance(public_key, (bytes, bytearray)):
        from nacl.public import PublicKey  # loaded on first use only
        from nacl.signing import VerifyKey

        if isinstance(public_key, (PublicKey, VerifyKey)):
            public_key = bytes(public_key)
    allowed = (
        "a public key: 32 bytes, or 33 bytes starting with the type byte 0x05, "
        "or a nacl.public.PublicKey / nacl.signing.VerifyKey"
    )
    if not isinstance(public_key, (bytes, bytearray)):
        raise InvalidParameterError(f"{name} must be {allowed}; got {public_key!r}.")
    key = bytes(public_key)
    if len(key) == 32:
        return KEY_TYPE_BYTE + key
    if len(key) == 33 and key[:1] == KEY_TYPE_BYTE:
        return key
    start = f"starting with 0x{key[:1].hex()}" if key else "(empty)"
    raise InvalidParameterError(f"{name} must be {allowed}; got {len(key)} bytes {start}.")


def _stable_id(name: str, stable_id: Any) -> str:
    """The stable id: a phone number or user name."""
    if not isinstance(stable_id, str) or not stable_id:
        raise InvalidParameterError(
            f"{name} must be a non-empty string (a phone number or user name); got {stable_id!r}."
        )
    return stable_id


def _safety_digits(name: str, number: Any) -> str:
    """60 digits, spaces and line breaks ignored."""
    digits = "".join(number.split()) if isinstance(number, str) else None
    if (
        digits is None
        or len(digits) != _SAFETY_NUMBER_DIGITS
        or not digits.isascii()
        or not digits.isdigit()
    ):
        raise InvalidParameterError(
            f"number must be a string of {_SAFETY_NUMBER_DIGITS} digits (spaces allowed); "
            f"got {number!r}."
        )
    return digits


_ITERATIONS = whole(1, MAX_ITERATIONS)


def _digits(hashed: bytes) -> str:
    """Six 5-byte big-endian numbers, each modulo 100,000, as 5 digits each."""
    chunks = (
        int.from_bytes(hashed[start : start + _CHUNK_BYTES], "big") % 100_000
        for start in range(0, _CHUNKS * _CHUNK_BYTES, _CHUNK_BYTES)
    )
    return "".join(f"{chunk:05d}" for chunk in chunks)


@guard(public_key=_public_key, stable_id=_stable_id, iterations=_ITERATIONS)
def fingerprint(
    public_key: bytes | Any, stable_id: str, iterations: int = DEFAULT_ITERATIONS
) -> str:
    """One party's half of a safety number: 30 digits from its key and its id.

    .. math::

        h_1 = \\mathrm{SHA512}(\\texttt{0x0000} \\,\\|\\, K \\,\\|\\, \\mathit{id} \\,\\|\\, K),
        \\qquad h_{i+1} = \\mathrm{SHA512}(h_i \\,\\|\\, K),

    for :math:`i = 1, \\dots, n - 1` with :math:`n` = ``iterations``; then the
    first 30 bytes of :math:`h_n` are read as six 5-byte big-endian numbers,
    each taken modulo 100,000 and printed with 5 digits.

    Parameters
    ----------
    public_key : bytes or PyNaCl public key
        The identity public key :math:`K`: 32 bytes (Signal's type byte
        ``0x05`` is put in front), 33 bytes starting with ``0x05`` (hashed as
        given), or a ``nacl.public.PublicKey`` / ``nacl.signing.VerifyKey``.
    stable_id : str
        What the app shows as the contact (a phone number, a user name),
        hashed as UTF-8.
    iterations : int, default 5200
        SHA-512 rounds in total (>= 1). Signal uses 5,200.

    Returns
    -------
    str
        30 decimal digits.

    Raises
    ------
    InvalidParameterError
        If a key has the wrong length or type byte, ``stable_id`` is not a
        non-empty string, or ``iterations`` is not a whole number from 1 to 100,000.

    Examples
    --------
    >>> alice = bytes.fromhex(
    ...     "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868")
    >>> fingerprint(alice, "+14152222222")
    '300354477692869396892869876765'
    >>> fingerprint(alice[1:], "+14152222222")  # the same key without its type byte
    '300354477692869396892869876765'
    """
    hashed = _VERSION + public_key + stable_id.encode("utf-8")
    for _ in range(iterations):
        hashed = hashlib.sha512(hashed + public_key).digest()
    return _digits(hashed)


@guard(
    key_a=_public_key,
    key_b=_public_key,
    id_a=_stable_id,
    id_b=_stable_id,
    iterations=_ITERATIONS,
)
def safety_number(
    key_a: bytes | Any,
    id_a: str,
    key_b: bytes | Any,
    id_b: str,
    iterations: int = DEFAULT_ITERATIONS,
) -> str:
    """The 60-digit safety number of a conversation, the same on both phones.

    Steps: compute each party's 30-digit :func:`fingerprint`, put the smaller
    one first and join them. Since the order does not depend on who computes
    it, ``safety_number(a, ..., b, ...) == safety_number(b, ..., a, ...)``.

    Parameters
    ----------
    key_a, key_b : bytes or PyNaCl public key
        The two identity public keys (see :func:`fingerprint`).
    id_a, id_b : str
        The two stable ids (phone numbers, user names).
    iterations : int, default 5200
        SHA-512 rounds per fingerprint (>= 1).

    Returns
    -------
    str
        60 decimal digits; :func:`format_safety_number` lays them out as a
        phone shows them.

    Raises
    ------
    InvalidParameterError
        If a key, an id or ``iterations`` is not allowed (the message names which).

    Examples
    --------
    The published example of libsignal (33-byte keys with their type byte):

    >>> alice = bytes.fromhex(
    ...     "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868")
    >>> bob = bytes.fromhex(
    ...     "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b")
    >>> safety_number(alice, "+14152222222", bob, "+14153333333")
    '300354477692869396892869876765458257569162576843440918079131'
    >>> safety_number(bob, "+14153333333", alice, "+14152222222")  # Bob's phone
    '300354477692869396892869876765458257569162576843440918079131'
    """
    halves = sorted([fingerprint(key_a, id_a, iterations), fingerprint(key_b, id_b, iterations)])
    return "".join(halves)


@guard(number=_safety_digits)
def format_safety_number(number: str) -> str:
    """Lay out a safety number as phones show it: 12 groups of 5 digits on 3 lines.

    Spaces and line breaks in ``number`` are ignored, so an already formatted
    number can be passed again.

    Parameters
    ----------
    number : str
        60 decimal digits, as :func:`safety_number` returns them.

    Returns
    -------
    str
        Three lines of four 5-digit groups, separated by single spaces.

    Raises
    ------
    InvalidParameterError
        If ``number`` is not a string of 60 digits.

    Examples
    --------
    >>> print(format_safety_number(
    ...     "300354477692869396892869876765458257569162576843440918079131"))
    30035 44776 92869 39689
    28698 76765 45825 75691
    62576 84344 09180 79131
    """
    groups = [number[start : start + 5] for start in range(0, _SAFETY_NUMBER_DIGITS, 5)]
    lines = [" ".join(groups[start : start + 4]) for start in range(0, len(groups), 4)]
    return "\n".join(lines)
