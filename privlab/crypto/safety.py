"""Safety numbers: 60 digits that two people compare to catch a man in the middle.

The server hands out the keys, so a dishonest one could hand Alice its own key
instead of Bob's. A safety number is computed from *both* identity keys; Alice
and Bob compare it in person, and a swapped key changes it. This follows
Signal's numeric fingerprint (libsignal's ``NumericFingerprintGenerator``,
version 0): each party's key and stable id hashed 5,200 times with SHA-512
give 30 digits (:func:`fingerprint`); the two halves, smaller first, make the
number (:func:`safety_number`). A 32-byte key gets Signal's type byte ``0x05``
in front, so both forms of a key give the same digits.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._guard import guard, whole
from ..errors import InvalidParameterError

__all__ = ["fingerprint", "format_safety_number", "safety_number"]

_KEY_TYPE_BYTE = b"\x05"  # Signal's type byte for a Curve25519 public key

_VERSION = b"\x00\x00"  # iteration format version 0, two bytes
_CHUNKS = 6  # 5-byte pieces of the hash, 5 digits each
_CHUNK_BYTES = 5
_FINGERPRINT_DIGITS = _CHUNKS * 5
_SAFETY_NUMBER_DIGITS = 2 * _FINGERPRINT_DIGITS


def _public_key(name: str, public_key: Any) -> bytes:
    """The 33 bytes that get hashed: ``0x05`` and the 32 bytes of the key (or a PyNaCl key)."""
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
        return _KEY_TYPE_BYTE + key
    if len(key) == 33 and key[:1] == _KEY_TYPE_BYTE:
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


_ITERATIONS = whole(1, 100_000)  # at about 1 microsecond each, a tenth of a second


def _digits(hashed: bytes) -> str:
    """Six 5-byte big-endian numbers, each modulo 100,000, as 5 digits each."""
    chunks = (
        int.from_bytes(hashed[start : start + _CHUNK_BYTES], "big") % 100_000
        for start in range(0, _CHUNKS * _CHUNK_BYTES, _CHUNK_BYTES)
    )
    return "".join(f"{chunk:05d}" for chunk in chunks)


@guard(public_key=_public_key, stable_id=_stable_id, iterations=_ITERATIONS)
def fingerprint(public_key: bytes | Any, stable_id: str, iterations: int = 5200) -> str:
    """One party's half of a safety number: 30 digits from its key :math:`K` and its id.

    .. math::

        h_1 = \\mathrm{SHA512}(\\texttt{0x0000} \\,\\|\\, K \\,\\|\\, \\mathit{id} \\,\\|\\, K),
        \\qquad h_{i+1} = \\mathrm{SHA512}(h_i \\,\\|\\, K),

    up to :math:`h_n` (``iterations``); its first 30 bytes, as six 5-byte
    big-endian numbers, each modulo 100,000, give 5 digits each.

    >>> alice = bytes.fromhex(
    ...     "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868")
    >>> fingerprint(alice, "+14152222222") == fingerprint(alice[1:], "+14152222222")
    True
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
    iterations: int = 5200,
) -> str:
    """The 60-digit safety number of a conversation, the same on both phones.

    Each party's 30-digit :func:`fingerprint` of its identity public key (32
    bytes, 33 starting with ``0x05``, or a PyNaCl key) and stable id (a phone
    number), the smaller first; :func:`format_safety_number` lays it out.
    The published example of libsignal:

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
    """Lay out a safety number (60 digits; spaces ignored) as phones do: 12 groups on 3 lines.

    >>> print(format_safety_number(
    ...     "300354477692869396892869876765458257569162576843440918079131"))
    30035 44776 92869 39689
    28698 76765 45825 75691
    62576 84344 09180 79131
    """
    groups = [number[start : start + 5] for start in range(0, _SAFETY_NUMBER_DIGITS, 5)]
    lines = [" ".join(groups[start : start + 4]) for start in range(0, len(groups), 4)]
    return "\n".join(lines)
