"""Two classic mistakes, shown with real primitives: nonce reuse and malleability.

A stream cipher encrypts by XOR with a keystream, :math:`c = m \\oplus \\mathrm{KS}(k, n)`.
Reuse a nonce and the keystream cancels out, :math:`c_1 \\oplus c_2 = m_1 \\oplus m_2`
(:func:`recover_with_crib`); leave the ciphertext unauthenticated and flipped bits
go unnoticed (:func:`forge`). An AEAD adds a tag over every bit (:func:`aead_encrypt`).

**The bare stream is broken on purpose.** PyNaCl offers no raw stream cipher,
so :func:`stream_encrypt` takes libsodium's XChaCha20-Poly1305 (IETF) AEAD and
throws its 16-byte tag away: what is left is the plaintext XOR the keystream.
Never use it but for this demonstration.
"""

from __future__ import annotations

from typing import Any

from .. import _guard as check
from .._guard import BYTES, KEY, TIED, exact_bytes, guard, whole
from ..errors import DecryptionError, InvalidParameterError

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "TAG_SIZE",
    "aead_decrypt",
    "aead_encrypt",
    "flip_bit",
    "forge",
    "keystream",
    "recover_with_crib",
    "stream_decrypt",
    "stream_encrypt",
    "xor_bytes",
]

KEY_SIZE = 32
"""Bytes in an XChaCha20-Poly1305 key."""

NONCE_SIZE = 24
"""Bytes in an XChaCha20-Poly1305 nonce (long enough to be drawn at random)."""

TAG_SIZE = 16
"""Bytes in a Poly1305 authentication tag."""

_NONCE = exact_bytes(NONCE_SIZE)
_MAX_LENGTH = 2**24  # 16 MB: far more than any demo needs


@guard(a=BYTES, b=BYTES)
def xor_bytes(a: bytes, b: bytes) -> bytes:
    """XOR two byte strings, byte by byte, up to the shorter length (as ``zip`` does).

    .. math:: (a \\oplus b)_i = a_i \\oplus b_i, \\qquad i < \\min(|a|, |b|).

    >>> xor_bytes(b"\\x0f\\xf0", b"\\xff\\xff\\x00")
    b'\\xf0\\x0f'
    >>> xor_bytes(xor_bytes(b"secret", b"keykey"), b"keykey")  # XOR undoes itself
    b'secret'
    """
    return bytes(x ^ y for x, y in zip(a, b, strict=False))


def _bit_in(arguments: dict[str, Any]) -> None:
    data = arguments["data"]
    if not data:
        raise InvalidParameterError("data must be bytes with at least one byte; got b''.")
    arguments["position"] = check.integer(
        "position", arguments["position"], low=0, high=8 * len(data) - 1
    )


@guard(data=BYTES, position=TIED, where=_bit_in)
def flip_bit(data: bytes, position: int) -> bytes:
    """A copy of ``data`` with bit ``position`` flipped, counting from the first byte's top bit.

    >>> flip_bit(b"\\x00\\x00", 0), flip_bit(b"a", 2)  # 0x61 XOR 0x20
    (b'\\x80\\x00', b'A')
    """
    changed = bytearray(data)
    changed[position // 8] ^= 0x80 >> (position % 8)
    return bytes(changed)


@guard(key=KEY, nonce=_NONCE, length=whole(0, _MAX_LENGTH))
def keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    """The first ``length`` bytes of the XChaCha20 keystream: the encryption of zero bytes.

    >>> key, nonce = bytes(32), bytes(24)  # fixed for the example only
    >>> keystream(key, nonce, 4) == keystream(key, nonce, 8)[:4]
    True
    """
    return stream_encrypt(key, nonce, bytes(length))  # 0 XOR s = s


@guard(key=KEY, nonce=_NONCE, plaintext=BYTES)
def stream_encrypt(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """UNSAFE on purpose: XChaCha20 unauthenticated, :math:`c = m \\oplus \\mathrm{KS}(k, n)`.

    >>> key, nonce = bytes(range(32)), bytes(24)  # fixed for the example only
    >>> ciphertext = stream_encrypt(key, nonce, b"pay 100")
    >>> len(ciphertext), stream_decrypt(key, nonce, ciphertext)  # no tag: nothing to check
    (7, b'pay 100')
    """
    from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, b"", nonce, key)
    return sealed[: len(plaintext)]  # the tag is dropped: this is the mistake


@guard(key=KEY, nonce=_NONCE, ciphertext=BYTES)
def stream_decrypt(key: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    """UNSAFE on purpose: :math:`m = c \\oplus \\mathrm{KS}(k, n)`; any bytes decrypt to something.

    >>> key, nonce = bytes(range(32)), bytes(24)  # fixed for the example only
    >>> stream_decrypt(key, nonce, stream_encrypt(key, nonce, b"hello"))
    b'hello'
    """
    return xor_bytes(ciphertext, keystream(key, nonce, len(ciphertext)))


@guard(c1=BYTES, c2=BYTES, known_plaintext_1=BYTES)
def recover_with_crib(c1: bytes, c2: bytes, known_plaintext_1: bytes) -> bytes:
    """Read a second message encrypted with a reused nonce, given (part of) the first one's text.

    .. math:: m_2 = c_1 \\oplus c_2 \\oplus m_1, \\text{ since }
        c_1 \\oplus c_2 = (m_1 \\oplus s) \\oplus (m_2 \\oplus s) = m_1 \\oplus m_2.

    >>> key, nonce = bytes(range(32)), bytes(24)  # the same nonce twice: the mistake
    >>> c1 = stream_encrypt(key, nonce, b"meet at noon")
    >>> c2 = stream_encrypt(key, nonce, b"the code: 42")
    >>> recover_with_crib(c1, c2, b"meet at noon")
    b'the code: 42'
    """
    return xor_bytes(xor_bytes(c1, c2), known_plaintext_1)


def _fits(arguments: dict[str, Any]) -> None:
    data, old, new = arguments["ciphertext"], arguments["known"], arguments["wanted"]
    if len(new) != len(old):
        raise InvalidParameterError(
            f"wanted must be as long as known ({len(old)} bytes); got {len(new)} bytes."
        )
    start = check.integer("offset", arguments["offset"], low=0, high=max(len(data) - len(old), 0))
    if start + len(old) > len(data):
        raise InvalidParameterError(
            f"known must fit in ciphertext ({len(data)} bytes) at offset {start}; "
            f"got {len(old)} bytes."
        )
    arguments["offset"] = start


@guard(ciphertext=BYTES, known=BYTES, wanted=BYTES, offset=TIED, where=_fits)
def forge(ciphertext: bytes, known: bytes, wanted: bytes, offset: int = 0) -> bytes:
    """Change a bare-stream ciphertext to decrypt to ``wanted`` where it said ``known``; no key.

    .. math:: c' = c \\oplus (\\mathit{known} \\oplus \\mathit{wanted})

    >>> key, nonce = bytes(range(32)), bytes(24)  # fixed for the example only
    >>> changed = forge(stream_encrypt(key, nonce, b"pay 100 euros"), b"100", b"900", offset=4)
    >>> stream_decrypt(key, nonce, changed)  # no error: nothing can tell
    b'pay 900 euros'
    """
    end = offset + len(known)
    changed = xor_bytes(ciphertext[offset:end], xor_bytes(known, wanted))
    return ciphertext[:offset] + changed + ciphertext[end:]


@guard(key=KEY, plaintext=BYTES, aad=BYTES)
def aead_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt and authenticate with XChaCha20-Poly1305: ``nonce || ciphertext || tag``.

    A fresh random 24-byte nonce for every message; the 16-byte Poly1305 tag
    covers the associated data ``aad`` (authenticated, not encrypted: the
    recipient passes the same bytes) and the ciphertext. The format is
    ``nacl.secret.Aead``'s.

    >>> import nacl.utils
    >>> key = nacl.utils.random(KEY_SIZE)
    >>> sealed = aead_encrypt(key, b"pay 100", aad=b"to: bob")
    >>> len(sealed), aead_decrypt(key, sealed, aad=b"to: bob")  # nonce, 7 bytes, tag
    (47, b'pay 100')
    """
    from nacl.secret import Aead

    return bytes(Aead(key).encrypt(plaintext, aad))


@guard(key=KEY, ciphertext=BYTES, aad=BYTES)
def aead_decrypt(key: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
    """Check and open what :func:`aead_encrypt` made; a changed message raises DecryptionError.

    >>> import nacl.utils
    >>> key = nacl.utils.random(KEY_SIZE)
    >>> sealed = aead_encrypt(key, b"pay 100")
    >>> aead_decrypt(key, flip_bit(sealed, 8 * NONCE_SIZE))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: the message was changed: its authentication tag ... match ...
    """
    if len(ciphertext) < NONCE_SIZE + TAG_SIZE:
        raise DecryptionError(
            f"the message is too short: it needs at least {NONCE_SIZE + TAG_SIZE} bytes "
            f"(a {NONCE_SIZE}-byte nonce and a {TAG_SIZE}-byte tag); got {len(ciphertext)} bytes."
        )
    from nacl.exceptions import CryptoError
    from nacl.secret import Aead

    try:
        return Aead(key).decrypt(ciphertext, aad)
    except CryptoError:
        raise DecryptionError(
            "the message was changed: its authentication tag does not match "
            "(a wrong key or wrong associated data fails the same way)."
        ) from None
