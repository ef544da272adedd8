"""Two classic mistakes, shown with real primitives: nonce reuse and malleability.

A stream cipher (ChaCha20 here) turns a key and a nonce into a long
pseudorandom *keystream* and encrypts by XOR:

.. math::

    c = m \\oplus \\mathrm{KS}(k, n), \\qquad m = c \\oplus \\mathrm{KS}(k, n).

That is secure only under two conditions, and this module breaks each on
purpose:

1. **Never reuse a nonce with the same key.** Two messages encrypted with the
   same key and nonce share a keystream, which cancels out:
   :math:`c_1 \\oplus c_2 = m_1 \\oplus m_2`. Whoever knows (or guesses) one
   plaintext reads the other: :func:`recover_with_crib`.
2. **Authenticate the ciphertext.** Flipping a bit of :math:`c` flips the same
   bit of the decrypted :math:`m`, and nothing notices: an attacker who knows
   what a message says can change it to anything of the same length without
   the key (:func:`forge`). An AEAD (authenticated encryption with associated
   data) adds a tag that depends on every bit, so a changed message is
   rejected as a whole: :func:`aead_encrypt` and :func:`aead_decrypt`.

**The bare stream is broken on purpose.** PyNaCl offers no raw stream cipher
(a good choice), so :func:`stream_encrypt` takes libsodium's
XChaCha20-Poly1305 (IETF) AEAD and throws its 16-byte tag away. What is left
is exactly the plaintext XOR the XChaCha20 keystream, and that is the unsafe
construction the lesson needs. Never use it for anything but this
demonstration; use :func:`aead_encrypt` (or ``nacl.secret.Aead`` directly),
which picks a fresh random 24-byte nonce for every message.
"""

from __future__ import annotations

from typing import Any

from .. import _guard as check
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

_TAMPERED = "the message was changed: its authentication tag does not match"


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def _as_bytes(name: str, value: Any) -> bytes:
    """``bytes`` (or a ``bytearray``) as ``bytes``; anything else is refused."""
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidParameterError(f"{name} must be bytes; got {value!r}.")
    return bytes(value)


def _fixed_bytes(name: str, value: Any, size: int) -> bytes:
    """Exactly ``size`` bytes (a key, a nonce)."""
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        shown = f"{len(value)} bytes" if isinstance(value, (bytes, bytearray)) else repr(value)
        raise InvalidParameterError(f"{name} must be exactly {size} bytes; got {shown}.")
    return bytes(value)


# --------------------------------------------------------------------------
# XOR and bits
# --------------------------------------------------------------------------


def xor_bytes(a: bytes, b: bytes) -> bytes:
    """XOR two byte strings, byte by byte, up to the shorter length.

    .. math:: (a \\oplus b)_i = a_i \\oplus b_i, \\qquad i < \\min(|a|, |b|).

    The result has the length of the shorter input (as ``zip`` does), which
    is what lining up a known plaintext with a longer ciphertext needs.

    Parameters
    ----------
    a, b : bytes
        The two byte strings.

    Returns
    -------
    bytes
        ``min(len(a), len(b))`` bytes.

    Raises
    ------
    InvalidParameterError
        If ``a`` or ``b`` is not bytes.

    Examples
    --------
    >>> xor_bytes(b"\\x0f\\xf0", b"\\xff\\xff\\x00")
    b'\\xf0\\x0f'
    >>> xor_bytes(xor_bytes(b"secret", b"keykey"), b"keykey")  # XOR undoes itself
    b'secret'
    """
    first = _as_bytes("a", a)
    second = _as_bytes("b", b)
    return bytes(x ^ y for x, y in zip(first, second, strict=False))


def flip_bit(data: bytes, position: int) -> bytes:
    """A copy of ``data`` with one bit flipped.

    Bits are counted from 0 in reading order: bit ``position`` is bit
    ``7 - position % 8`` (the most significant first) of byte ``position // 8``,
    so flipping bit 0 XORs the first byte with ``0x80``.

    Parameters
    ----------
    data : bytes
        The bytes to change (at least one).
    position : int
        Which bit, from 0 to ``8 * len(data) - 1``.

    Returns
    -------
    bytes
        ``data`` with that bit flipped; ``data`` itself is unchanged.

    Raises
    ------
    InvalidParameterError
        If ``data`` is not non-empty bytes or ``position`` is out of range.

    Examples
    --------
    >>> flip_bit(b"\\x00\\x00", 0)
    b'\\x80\\x00'
    >>> flip_bit(b"a", 2)  # 0x61 XOR 0x20
    b'A'
    """
    original = _as_bytes("data", data)
    if not original:
        raise InvalidParameterError("data must be bytes with at least one byte; got b''.")
    bit = check.integer("position", position, low=0, high=8 * len(original) - 1)
    changed = bytearray(original)
    changed[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(changed)


# --------------------------------------------------------------------------
# The bare stream cipher: broken on purpose
# --------------------------------------------------------------------------


MAX_LENGTH = 2**24  # 16 MB: far more than any demo needs


def keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    """The first ``length`` bytes of the XChaCha20 keystream for ``key`` and ``nonce``.

    Steps: encrypt ``length`` zero bytes with libsodium's XChaCha20-Poly1305
    (IETF) AEAD and drop the 16-byte tag. Since :math:`0 \\oplus s = s`, what
    remains is the keystream itself (the one the AEAD uses for its message
    bytes).

    Parameters
    ----------
    key : bytes
        32 bytes.
    nonce : bytes
        24 bytes.
    length : int
        How many bytes of keystream (>= 0).

    Returns
    -------
    bytes
        ``length`` pseudorandom bytes, the same for the same key and nonce.

    Raises
    ------
    InvalidParameterError
        If the key or nonce has the wrong length or ``length`` is negative.

    Examples
    --------
    >>> key, nonce = bytes(32), bytes(24)  # fixed for the example only
    >>> stream = keystream(key, nonce, 4)
    >>> len(stream), stream == keystream(key, nonce, 8)[:4]
    (4, True)
    """
    secret = _fixed_bytes("key", key, KEY_SIZE)
    once = _fixed_bytes("nonce", nonce, NONCE_SIZE)
    size = check.integer("length", length, low=0, high=MAX_LENGTH)
    from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(size), b"", once, secret)
    return sealed[:size]


def stream_encrypt(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """UNSAFE on purpose: XChaCha20 encryption without authentication (a bare stream).

    .. math:: c = m \\oplus \\mathrm{KS}(k, n)

    Steps: encrypt with libsodium's XChaCha20-Poly1305 (IETF) AEAD and throw
    away the 16-byte tag. The ciphertext is as long as the plaintext and
    nothing protects it: reusing ``(key, nonce)`` leaks
    :math:`m_1 \\oplus m_2`, and changed bits go unnoticed. For the lesson
    only; real messages use :func:`aead_encrypt`.

    Parameters
    ----------
    key : bytes
        32 bytes.
    nonce : bytes
        24 bytes; the demonstration reuses it, which is the mistake.
    plaintext : bytes
        The message.

    Returns
    -------
    bytes
        The ciphertext, ``len(plaintext)`` bytes.

    Raises
    ------
    InvalidParameterError
        If the key or nonce has the wrong length or ``plaintext`` is not bytes.

    Examples
    --------
    >>> key, nonce = bytes(range(32)), bytes(24)  # fixed for the example only
    >>> ciphertext = stream_encrypt(key, nonce, b"pay 100")
    >>> len(ciphertext)  # no tag: nothing to check
    7
    >>> stream_decrypt(key, nonce, ciphertext)
    b'pay 100'
    """
    secret = _fixed_bytes("key", key, KEY_SIZE)
    once = _fixed_bytes("nonce", nonce, NONCE_SIZE)
    message = _as_bytes("plaintext", plaintext)
    from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(message, b"", once, secret)
    return sealed[: len(message)]  # the tag is dropped: this is the mistake


def stream_decrypt(key: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    """UNSAFE on purpose: undo :func:`stream_encrypt`, with no check of any kind.

    .. math:: m = c \\oplus \\mathrm{KS}(k, n)

    Steps: compute the keystream (:func:`keystream`, the encryption of zero
    bytes under the same key and nonce) and XOR it with the ciphertext. Any
    bytes decrypt to *something*: a changed ciphertext gives a changed
    plaintext without complaint.

    Parameters
    ----------
    key : bytes
        32 bytes.
    nonce : bytes
        24 bytes, the one used to encrypt.
    ciphertext : bytes
        Output of :func:`stream_encrypt` (or anything else).

    Returns
    -------
    bytes
        ``len(ciphertext)`` bytes.

    Raises
    ------
    InvalidParameterError
        If the key or nonce has the wrong length or ``ciphertext`` is not bytes.

    Examples
    --------
    >>> key, nonce = bytes(range(32)), bytes(24)  # fixed for the example only
    >>> stream_decrypt(key, nonce, stream_encrypt(key, nonce, b"hello"))
    b'hello'
    """
    data = _as_bytes("ciphertext", ciphertext)
    return xor_bytes(data, keystream(key, nonce, len(data)))


# --------------------------------------------------------------------------
# The two attacks
# --------------------------------------------------------------------------


def recover_with_crib(c1: bytes, c2: bytes, known_plaintext_1: bytes) -> bytes:
    """Read a second message encrypted with a reused nonce, given the first one's plaintext.

    .. math::

        c_1 \\oplus c_2 = (m_1 \\oplus s) \\oplus (m_2 \\oplus s) = m_1 \\oplus m_2,
        \\qquad m_2 = c_1 \\oplus c_2 \\oplus m_1.

    The keystream :math:`s` cancels out, so no key is needed. A *crib* is a
    known or guessed plaintext (a greeting, a file header); a partial crib
    gives that part of :math:`m_2`.

    Parameters
    ----------
    c1, c2 : bytes
        Two ciphertexts made with the same key and the same nonce.
    known_plaintext_1 : bytes
        The plaintext of ``c1`` (or its beginning).

    Returns
    -------
    bytes
        The plaintext of ``c2``, up to the shortest of the three inputs.

    Raises
    ------
    InvalidParameterError
        If an input is not bytes.

    Examples
    --------
    >>> key, nonce = bytes(range(32)), bytes(24)  # the same nonce twice: the mistake
    >>> c1 = stream_encrypt(key, nonce, b"meet at noon")
    >>> c2 = stream_encrypt(key, nonce, b"the code: 42")
    >>> xor_bytes(c1, c2) == xor_bytes(b"meet at noon", b"the code: 42")
    True
    >>> recover_with_crib(c1, c2, b"meet at noon")
    b'the code: 42'
    """
    first = _as_bytes("c1", c1)
    second = _as_bytes("c2", c2)
    crib = _as_bytes("known_plaintext_1", known_plaintext_1)
    return xor_bytes(xor_bytes(first, second), crib)


def forge(ciphertext: bytes, known: bytes, wanted: bytes, offset: int = 0) -> bytes:
    """Change a bare-stream ciphertext so that it decrypts to ``wanted`` instead of ``known``.

    .. math::

        c' = c \\oplus (\\mathit{known} \\oplus \\mathit{wanted})
        \\;\\Rightarrow\\; c' \\oplus s = \\mathit{known} \\oplus (\\mathit{known}
        \\oplus \\mathit{wanted}) = \\mathit{wanted}.

    Only the bytes from ``offset`` to ``offset + len(known)`` change; no key
    is needed, only a guess of what the message says there. An AEAD rejects
    the result (:func:`aead_decrypt`); the bare stream does not.

    Parameters
    ----------
    ciphertext : bytes
        A ciphertext of :func:`stream_encrypt`.
    known : bytes
        What the plaintext says at ``offset``.
    wanted : bytes
        What it should say instead; as long as ``known``.
    offset : int, default 0
        Where ``known`` starts in the plaintext.

    Returns
    -------
    bytes
        The changed ciphertext, as long as ``ciphertext``.

    Raises
    ------
    InvalidParameterError
        If an input is not bytes, ``known`` and ``wanted`` differ in length,
        or they do not fit in ``ciphertext`` at ``offset``.

    Examples
    --------
    >>> key, nonce = bytes(range(32)), bytes(24)  # fixed for the example only
    >>> ciphertext = stream_encrypt(key, nonce, b"pay 100 euros")
    >>> changed = forge(ciphertext, b"100", b"900", offset=4)
    >>> stream_decrypt(key, nonce, changed)  # no error: nothing can tell
    b'pay 900 euros'
    """
    data = _as_bytes("ciphertext", ciphertext)
    old = _as_bytes("known", known)
    new = _as_bytes("wanted", wanted)
    if len(new) != len(old):
        raise InvalidParameterError(
            f"wanted must be as long as known ({len(old)} bytes); got {len(new)} bytes."
        )
    start = check.integer("offset", offset, low=0, high=max(len(data) - len(old), 0))
    if start + len(old) > len(data):
        raise InvalidParameterError(
            f"known must fit in ciphertext ({len(data)} bytes) at offset {start}; "
            f"got {len(old)} bytes."
        )
    end = start + len(old)
    return data[:start] + xor_bytes(data[start:end], xor_bytes(old, new)) + data[end:]


# --------------------------------------------------------------------------
# The fix: authenticated encryption
# --------------------------------------------------------------------------


def aead_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt and authenticate with XChaCha20-Poly1305 (``nacl.secret.Aead``).

    Steps: draw a fresh random 24-byte nonce, encrypt the plaintext with the
    XChaCha20 keystream, and compute a 16-byte Poly1305 tag over the
    associated data ``aad`` and the ciphertext. The output is
    ``nonce || ciphertext || tag``, the format of ``nacl.secret.Aead``:
    either side can be PyNaCl itself.

    Parameters
    ----------
    key : bytes
        32 bytes, shared by sender and recipient.
    plaintext : bytes
        The message.
    aad : bytes, default b""
        Associated data: authenticated but not encrypted (a header, the
        parties' names); the recipient must pass the same bytes.

    Returns
    -------
    bytes
        ``24 + len(plaintext) + 16`` bytes.

    Raises
    ------
    InvalidParameterError
        If ``key`` is not 32 bytes or ``plaintext`` or ``aad`` is not bytes.

    Examples
    --------
    >>> import nacl.utils
    >>> key = nacl.utils.random(KEY_SIZE)
    >>> sealed = aead_encrypt(key, b"pay 100", aad=b"to: bob")
    >>> len(sealed)  # nonce, 7 bytes of ciphertext, tag
    47
    >>> aead_decrypt(key, sealed, aad=b"to: bob")
    b'pay 100'
    """
    secret = _fixed_bytes("key", key, KEY_SIZE)
    message = _as_bytes("plaintext", plaintext)
    associated = _as_bytes("aad", aad)
    from nacl.secret import Aead

    return bytes(Aead(secret).encrypt(message, associated))


def aead_decrypt(key: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
    """Check and decrypt what :func:`aead_encrypt` (or ``nacl.secret.Aead``) made.

    Steps: split ``nonce || ciphertext || tag``, recompute the tag over
    ``aad`` and the ciphertext, and compare. Only if they match is the
    plaintext computed and returned; otherwise nothing of it is.

    Parameters
    ----------
    key : bytes
        32 bytes, the key it was encrypted with.
    ciphertext : bytes
        ``nonce || ciphertext || tag`` (at least 40 bytes).
    aad : bytes, default b""
        The associated data it was encrypted with.

    Returns
    -------
    bytes
        The plaintext.

    Raises
    ------
    DecryptionError
        If the message is too short or its tag does not match: a changed or
        truncated message, a wrong key or wrong associated data.
    InvalidParameterError
        If ``key`` is not 32 bytes or ``ciphertext`` or ``aad`` is not bytes.

    Examples
    --------
    >>> import nacl.utils
    >>> key = nacl.utils.random(KEY_SIZE)
    >>> sealed = aead_encrypt(key, b"pay 100")
    >>> aead_decrypt(key, flip_bit(sealed, 8 * NONCE_SIZE))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: the message was changed: its authentication tag ... match ...
    """
    secret = _fixed_bytes("key", key, KEY_SIZE)
    sealed = _as_bytes("ciphertext", ciphertext)
    associated = _as_bytes("aad", aad)
    if len(sealed) < NONCE_SIZE + TAG_SIZE:
        raise DecryptionError(
            f"the message is too short: it needs at least {NONCE_SIZE + TAG_SIZE} bytes "
            f"(a {NONCE_SIZE}-byte nonce and a {TAG_SIZE}-byte tag); got {len(sealed)} bytes."
        )
    from nacl.exceptions import CryptoError
    from nacl.secret import Aead

    try:
        return Aead(secret).decrypt(sealed, associated)
    except CryptoError:
        raise DecryptionError(
            f"{_TAMPERED} (a wrong key or wrong associated data fails the same way)."
        ) from None
