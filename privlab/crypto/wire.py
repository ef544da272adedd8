"""The Double Ratchet's data: messages as the server sees them, the state a device holds.

**Wire format** (:meth:`Message.to_bytes`; what the server stores and forwards):

======  =====  ==========================================================
offset  bytes  field
======  =====  ==========================================================
0       1      format version, 1
1       32     the sender's ratchet public key
33      4      previous chain length PN (big-endian): messages in the
               sender's previous sending chain
37      4      message number N in this chain (big-endian)
41      rest   ciphertext: as long as the plaintext, plus a 16-byte tag
======  =====  ==========================================================

So the server sees who sends, when, how long each message is and when the
ratchet turns, but not what is said.

**Encryption.** XChaCha20-Poly1305, with key and nonce both from the message key:
:math:`(k, n) = \\mathrm{HKDF}(MK,\\ \\mathit{info} = \\texttt{"privlab message key"},\\ 56)`.
A message key encrypts one message, so the nonce never repeats. The header is
authenticated with :math:`AD = IK_A \\| IK_B` from X3DH: one changed bit, and
the message fails to open.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import nacl.bindings
import nacl.exceptions

from .. import _guard as check
from .._guard import BYTES, KEY, guard, instance, key_bytes, shown, whole
from ..errors import DecryptionError, InvalidParameterError
from .keys import KEY_BYTES, hkdf_sha256

__all__ = [
    "FORMAT_VERSION",
    "HEADER_BYTES",
    "MAX_SKIP",
    "OVERHEAD_BYTES",
    "TAG_BYTES",
    "Header",
    "Message",
    "RatchetState",
]

FORMAT_VERSION = 1
"""The first byte of every message on the wire."""

HEADER_BYTES = 40
"""A header: ratchet public key (32 bytes), PN (4 bytes), N (4 bytes)."""

TAG_BYTES = 16
"""The Poly1305 authentication tag at the end of every ciphertext."""

OVERHEAD_BYTES = 1 + HEADER_BYTES + TAG_BYTES
"""How many bytes a message has beyond its plaintext: 57."""

MESSAGE_KEY_INFO = b"privlab message key"
_NONCE_BYTES = 24
_MAX_COUNTER = 2**32 - 1  # N and PN travel as 4-byte numbers
_SKIP_LIMIT = whole(0, 100_000)

MAX_SKIP = 100
"""Default cap on message keys kept for messages that have not arrived yet."""
_HEADER_FORMAT = ">32sII"


@dataclass(frozen=True)
class Header:
    """The unencrypted (but authenticated) part of a message: the sender's ratchet key, PN, N.

    >>> header = Header(bytes(32), previous_chain_length=2, number=5)
    >>> header
    Header(ratchet_public=00000000…, previous_chain_length=2, number=5)
    >>> len(header.to_bytes())
    40
    """

    ratchet_public: bytes
    previous_chain_length: int
    number: int

    def __post_init__(self) -> None:
        key_bytes("ratchet_public", self.ratchet_public)
        check.integer("previous_chain_length", self.previous_chain_length, low=0, high=_MAX_COUNTER)
        check.integer("number", self.number, low=0, high=_MAX_COUNTER)

    def to_bytes(self) -> bytes:
        """``ratchet_public (32) | PN (4, big-endian) | N (4, big-endian)``: 40 bytes."""
        return struct.pack(
            _HEADER_FORMAT, self.ratchet_public, self.previous_chain_length, self.number
        )

    def __repr__(self) -> str:
        return (
            f"Header(ratchet_public={self.ratchet_public.hex()[:8]}…, "
            f"previous_chain_length={self.previous_chain_length}, number={self.number})"
        )


@dataclass(frozen=True)
class Message:
    """One encrypted message: a header and the ciphertext (with its 16-byte tag)."""

    header: Header
    ciphertext: bytes

    def __post_init__(self) -> None:
        instance(Header, "a Header")("header", self.header)
        BYTES("ciphertext", self.ciphertext)

    def to_bytes(self) -> bytes:
        """The wire format: ``version (1) | header (40) | ciphertext and tag``."""
        return bytes([FORMAT_VERSION]) + self.header.to_bytes() + bytes(self.ciphertext)

    @classmethod
    @guard(data=BYTES)
    def from_bytes(cls, data: bytes) -> Message:
        """Read a message in the format of :meth:`to_bytes`; only the layout is checked here.

        >>> Message.from_bytes(b"\\x01 too short")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.DecryptionError: a message is at least 57 bytes ...; got 11: it was cut ...
        """
        if len(data) < OVERHEAD_BYTES:
            raise DecryptionError(
                f"a message is at least {OVERHEAD_BYTES} bytes (version, header and tag); "
                f"got {len(data)}: it was cut short in transit"
            )
        if data[0] != FORMAT_VERSION:
            raise DecryptionError(
                f"a message starts with format version {FORMAT_VERSION}; got {data[0]}: "
                "it was changed in transit, or is not a message of this app"
            )
        ratchet_public, previous_length, number = struct.unpack(
            _HEADER_FORMAT, data[1 : 1 + HEADER_BYTES]
        )
        return cls(Header(ratchet_public, previous_length, number), data[1 + HEADER_BYTES :])

    def __repr__(self) -> str:
        header = self.header
        return (
            f"Message(Header(ratchet_public=…, previous_chain_length="
            f"{header.previous_chain_length}, number={header.number}), "
            f"{len(self.ciphertext)} bytes of ciphertext)"
        )


def _message(name: str, value: Any) -> Message:
    """A :class:`Message`, or its wire bytes (read with :meth:`Message.from_bytes`)."""
    if isinstance(value, (bytes, bytearray)):
        return Message.from_bytes(value)
    if not isinstance(value, Message):
        raise InvalidParameterError(f"{name} must be a Message or its bytes; got {shown(value)}.")
    return value


def _plaintext(name: str, value: Any) -> bytes:
    """Bytes to encrypt; text is refused with a hint to encode it."""
    if not isinstance(value, (bytes, bytearray)):
        hint = " (encode text first: text.encode())" if isinstance(value, str) else ""
        raise InvalidParameterError(f"{name} must be bytes{hint}; got {shown(value)}.")
    return bytes(value)


def _cipher_key_and_nonce(message_key: bytes) -> tuple[bytes, bytes]:
    """The AEAD key (32 bytes) and nonce (24 bytes), both from the message key."""
    output = hkdf_sha256(message_key, info=MESSAGE_KEY_INFO, length=KEY_BYTES + _NONCE_BYTES)
    return output[:KEY_BYTES], output[KEY_BYTES:]


def _seal(message_key: bytes, associated_data: bytes, header: Header, plaintext: bytes) -> bytes:
    key, nonce = _cipher_key_and_nonce(message_key)
    aad = associated_data + header.to_bytes()
    return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def _open(message_key: bytes, associated_data: bytes, message: Message) -> bytes:
    key, nonce = _cipher_key_and_nonce(message_key)
    aad = associated_data + message.header.to_bytes()
    try:
        if len(message.ciphertext) < TAG_BYTES:
            raise nacl.exceptions.CryptoError("shorter than a tag")
        return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            message.ciphertext, aad, nonce, key
        )
    except nacl.exceptions.CryptoError as error:
        raise DecryptionError(
            f"message {message.header.number + 1} of its chain failed authentication (its tag "
            "is wrong): it was changed or cut in transit, or belongs to another chat; nothing "
            "was decrypted and the session is unchanged"
        ) from error


@dataclass(frozen=True, repr=False)
class RatchetState:
    """Everything one side of a chat holds: what a thief gets by copying the device.

    Immutable: each ratchet step makes a new state, so a session can try a
    message on a copy and keep it only if the message is genuine. The names
    follow Signal's specification: ``root_key`` (RK), our ratchet key pair
    (DHs), ``their_ratchet_public`` (DHr; ``None`` until Bob hears from Alice),
    the chain keys (CKs, CKr; ``None`` until that chain starts), the counts
    (Ns, Nr, PN), ``skipped_keys`` (MKSKIPPED, by (ratchet public key, N),
    oldest first, at most ``max_skip``). ``associated_data`` is :math:`AD` from
    X3DH; the chain counts and retired keys are for teaching and clear errors.
    ``repr`` hides the secrets.
    """

    associated_data: bytes
    root_key: bytes
    our_ratchet_private: bytes
    our_ratchet_public: bytes
    their_ratchet_public: bytes | None
    sending_chain_key: bytes | None
    receiving_chain_key: bytes | None
    sent_count: int
    received_count: int
    previous_chain_length: int
    skipped_keys: Mapping[tuple[bytes, int], bytes] = field(default_factory=dict)
    max_skip: int = MAX_SKIP
    sending_chains: int = 0
    receiving_chains: int = 0
    retired_ratchet_keys: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        BYTES("associated_data", self.associated_data)
        for name in ("root_key", "our_ratchet_private", "our_ratchet_public"):
            KEY(name, getattr(self, name))
        for name in ("their_ratchet_public", "sending_chain_key", "receiving_chain_key"):
            if getattr(self, name) is not None:
                KEY(name, getattr(self, name))
        for name in ("sent_count", "received_count", "previous_chain_length"):
            check.integer(name, getattr(self, name), low=0, high=_MAX_COUNTER)
        for name in ("sending_chains", "receiving_chains"):
            check.integer(name, getattr(self, name), low=0)
        _SKIP_LIMIT("max_skip", self.max_skip)
        instance(Mapping, "a mapping of (key, number) to bytes")("skipped_keys", self.skipped_keys)
        # a read-only copy: a state (and any copy of it) never changes afterwards
        object.__setattr__(self, "skipped_keys", MappingProxyType(dict(self.skipped_keys)))
        object.__setattr__(self, "retired_ratchet_keys", tuple(self.retired_ratchet_keys))

    def __repr__(self) -> str:
        return (
            f"RatchetState(sent {self.sent_count} in chain {self.sending_chains}, "
            f"received {self.received_count} in chain {self.receiving_chains}, "
            f"{len(self.skipped_keys)} skipped keys, secrets hidden)"
        )


def _first_state(
    shared_key: bytes, our_private: bytes, associated_data: bytes, max_skip: int
) -> RatchetState:
    """The state before any chain: the root key is X3DH's shared key."""
    return RatchetState(
        associated_data=associated_data,
        root_key=shared_key,
        our_ratchet_private=our_private,
        our_ratchet_public=nacl.bindings.crypto_scalarmult_base(our_private),
        their_ratchet_public=None,
        sending_chain_key=None,
        receiving_chain_key=None,
        sent_count=0,
        received_count=0,
        previous_chain_length=0,
        max_skip=max_skip,
    )
