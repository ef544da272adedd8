"""Public-key encryption with PyNaCl's ``Box`` and ``SealedBox``, with clear errors.

``Box`` (:func:`box_encrypt`): X25519 between the sender's private key and the
recipient's public key gives a shared key; XSalsa20-Poly1305 encrypts and
authenticates, under a fresh random nonce sent in front. The recipient knows
who sent it. ``SealedBox`` (:func:`seal`): a fresh sender key pair for every
message, so the box is anonymous. The byte formats are PyNaCl's own.
"""

from __future__ import annotations

from typing import Any

from nacl import exceptions as nacl_errors
from nacl.public import Box, PrivateKey, PublicKey, SealedBox

from .._guard import BYTES, guard
from ..errors import DecryptionError, InvalidParameterError

__all__ = ["box_decrypt", "box_encrypt", "seal", "unseal"]


def _nacl_key(kind: type) -> Any:
    """A ``nacl.public`` key of ``kind``, or its 32 bytes."""

    def check(name: str, key: Any) -> Any:
        if isinstance(key, kind):
            return key
        if isinstance(key, bytes) and len(key) == 32:
            return kind(key)
        raise InvalidParameterError(
            f"{name} must be a nacl.public.{kind.__name__} or 32 bytes; got {type(key).__name__}."
        )

    return check


_private, _public = _nacl_key(PrivateKey), _nacl_key(PublicKey)


@guard(sender_private=_private, recipient_public=_public, plaintext=BYTES)
def box_encrypt(sender_private: Any, recipient_public: Any, plaintext: bytes) -> bytes:
    """Encrypt for one recipient, authenticated as from the sender: nonce, ciphertext and tag.

    >>> alice, bob = PrivateKey(bytes([1] * 32)), PrivateKey(bytes([2] * 32))
    >>> sealed = box_encrypt(alice, bob.public_key, b"hi Bob")
    >>> len(sealed), box_decrypt(bob, alice.public_key, sealed)
    (46, b'hi Bob')
    """
    return bytes(Box(sender_private, recipient_public).encrypt(plaintext))


@guard(recipient_private=_private, sender_public=_public, message=BYTES)
def box_decrypt(recipient_private: Any, sender_public: Any, message: bytes) -> bytes:
    """Open a :func:`box_encrypt` message; a wrong key or a changed byte raises DecryptionError."""
    box = Box(recipient_private, sender_public)
    if len(message) < Box.NONCE_SIZE + 16:
        raise DecryptionError(
            f"a Box message is at least 40 bytes (nonce and tag); got {len(message)}: it was cut"
        )
    try:
        return box.decrypt(message)
    except nacl_errors.CryptoError:
        raise DecryptionError(
            "the message failed authentication: it was changed, or the keys are not the ones "
            "it was made with; nothing was decrypted"
        ) from None


@guard(recipient_public=_public, plaintext=BYTES)
def seal(recipient_public: Any, plaintext: bytes) -> bytes:
    """Encrypt anonymously for one recipient (``SealedBox``): 48 bytes longer than the text.

    >>> bob = PrivateKey(bytes([2] * 32))
    >>> sealed = seal(bob.public_key, b"who sent this?")
    >>> len(sealed), unseal(bob, sealed)
    (62, b'who sent this?')
    """
    return bytes(SealedBox(recipient_public).encrypt(plaintext))


@guard(recipient_private=_private, message=BYTES)
def unseal(recipient_private: Any, message: bytes) -> bytes:
    """Open a :func:`seal` message; a wrong key or a changed byte raises DecryptionError."""
    try:
        return SealedBox(recipient_private).decrypt(message)
    except nacl_errors.CryptoError:
        raise DecryptionError(
            "the sealed message failed authentication: it was changed, cut, or sealed for "
            "another key; nothing was decrypted"
        ) from None
