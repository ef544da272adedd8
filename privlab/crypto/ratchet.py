"""The Double Ratchet: a fresh key for every message, and healing after a theft.

After X3DH (:mod:`privlab.crypto.x3dh`) Alice and Bob share a 32-byte key
:math:`SK`. The Double Ratchet (Signal's specification, with the functions
named there) turns it into one key per message, with three chains of keys:

* **The root chain.** Whenever a message arrives with a new *ratchet public
  key*, both sides mix a new Diffie-Hellman value into the root key:

  .. math:: (RK, CK) = \\mathrm{KDF\\_RK}(RK, \\mathrm{DH}(\\ldots))
     = \\mathrm{HKDF}(\\mathit{salt} = RK,\\ \\mathit{ikm} = \\text{DH output},\\
     \\mathit{info} = \\texttt{"privlab Double Ratchet"},\\ 64 \\text{ bytes})

  split into a new root key and a new chain key (:func:`kdf_root`). This is
  the *DH ratchet step*: the sender of the next message makes a new ratchet
  key pair, so a thief who copied the state earlier is locked out again
  ("healing", or post-compromise security).
* **The sending and receiving chains.** Each message moves its chain one
  step (:func:`kdf_chain`):

  .. math:: MK = \\mathrm{HMAC\\text{-}SHA256}(CK, \\mathtt{0x01}), \\qquad
     CK' = \\mathrm{HMAC\\text{-}SHA256}(CK, \\mathtt{0x02})

  HMAC cannot be run backwards, and every message key :math:`MK` is deleted
  once used, so a thief who copies the state cannot read earlier messages
  (forward secrecy). The exception: keys of messages that have not arrived
  yet (out of order) are kept until they do, at most ``max_skip`` of them,
  and a thief gets those.

**Bounded work per message.** A message's key is found by stepping its chain
up to its number, so a header that claims a number far ahead would make the
receiver compute a key for every message in between *before* it can tell
that the message is forged. The specification's cap, MAX_SKIP (here
``max_skip``), limits the skip in each chain; on top of it, one message may
make a session derive at most :data:`MAX_JUMP` keys in all, whatever
``max_skip`` is. A header asking for more is refused before anything is
derived, so a forged message costs at most about 2,000 HMACs; ``max_skip``
still caps the skipped keys a session keeps, gathered over several messages.

**Encryption.** XChaCha20-Poly1305 (``crypto_aead_xchacha20poly1305_ietf``).
Its 32-byte key and 24-byte nonce both come from the message key:
:math:`(k, n) = \\mathrm{HKDF}(MK,\\ \\mathit{info} = \\texttt{"privlab message key"},\\ 56)`.
A message key encrypts exactly one message, so the nonce never repeats and
need not be sent. The header is not encrypted, but it is authenticated:
the associated data is :math:`AD \\| \\mathrm{header}`, where :math:`AD = IK_A \\| IK_B`
comes from X3DH. Changing one bit anywhere makes the message fail to open.

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

**Rejected messages change nothing.** :meth:`RatchetSession.decrypt` works
on a copy of the state (the state is immutable: every step returns a new
one) and keeps the copy only once the tag has checked out. A tampered,
truncated, replayed or misaddressed message raises
:class:`~privlab.errors.DecryptionError`, returns no plaintext at all, and a
later genuine message still opens.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import nacl.bindings
import nacl.exceptions
import numpy as np
from nacl.public import PrivateKey

from .. import _guard as check
from ..errors import DecryptionError, InvalidParameterError, PrivlabError
from .keys import (
    KEY_BYTES,
    Identity,
    _bytes,
    _key_bytes,
    _private_bytes,
    _random_secret,
    _randomness,
    _shown,
    hkdf_sha256,
    x25519,
)
from .x3dh import X3DHHeader, x3dh_complete, x3dh_initiate, x3dh_respond

__all__ = [
    "FORMAT_VERSION",
    "HEADER_BYTES",
    "MAX_JUMP",
    "MAX_SKIP",
    "OVERHEAD_BYTES",
    "TAG_BYTES",
    "Header",
    "Message",
    "RatchetSession",
    "RatchetState",
    "accept_chat",
    "kdf_chain",
    "kdf_root",
    "start_chat",
]

MAX_SKIP = 100
"""Default cap on message keys kept for messages that have not arrived yet."""

MAX_JUMP = 1_000
"""Most message keys that one received message can make a session derive, whatever ``max_skip``.

A message further ahead (counting the skips in both chains of a DH ratchet
step) is refused before any key is derived: at most ``MAX_JUMP + 1`` chain
steps, two HMACs each, before a forged message is found out.
"""

FORMAT_VERSION = 1
"""The first byte of every message on the wire."""

HEADER_BYTES = 40
"""A header: ratchet public key (32 bytes), PN (4 bytes), N (4 bytes)."""

TAG_BYTES = 16
"""The Poly1305 authentication tag at the end of every ciphertext."""

OVERHEAD_BYTES = 1 + HEADER_BYTES + TAG_BYTES
"""How many bytes a message has beyond its plaintext: 57."""

ROOT_INFO = b"privlab Double Ratchet"
MESSAGE_KEY_INFO = b"privlab message key"
_NONCE_BYTES = 24
_MAX_COUNTER = 2**32 - 1  # N and PN travel as 4-byte numbers
_MAX_MAX_SKIP = 100_000
_RETIRED_KEYS_KEPT = 20  # the other side's last ratchet public keys, for clear replay errors
_HEADER_FORMAT = ">32sII"


# --------------------------------------------------------------------------
# The two key derivation functions
# --------------------------------------------------------------------------


def kdf_root(root_key: bytes, dh_output: bytes) -> tuple[bytes, bytes]:
    """One step of the root chain: mix a Diffie-Hellman output into the root key.

    .. math:: RK' \\| CK = \\mathrm{HKDF}(\\mathit{salt} = RK,\\
       \\mathit{ikm} = \\mathit{dh\\_output},\\
       \\mathit{info} = \\texttt{"privlab Double Ratchet"},\\ 64 \\text{ bytes})

    Parameters
    ----------
    root_key : bytes
        The current root key :math:`RK` (32 bytes).
    dh_output : bytes
        :math:`\\mathrm{DH}(\\text{our ratchet key}, \\text{their ratchet key})`, 32 bytes.

    Returns
    -------
    root_key : bytes
        The next root key.
    chain_key : bytes
        The first key of a new sending or receiving chain.

    Examples
    --------
    >>> root, chain = kdf_root(bytes(32), bytes(range(32)))
    >>> len(root), len(chain), root != chain
    (32, 32, True)
    """
    root_key = _key_bytes("root_key", root_key)
    dh_output = _key_bytes("dh_output", dh_output)
    output = hkdf_sha256(dh_output, salt=root_key, info=ROOT_INFO, length=2 * KEY_BYTES)
    return output[:KEY_BYTES], output[KEY_BYTES:]


def kdf_chain(chain_key: bytes) -> tuple[bytes, bytes]:
    """One step of a sending or receiving chain: the next chain key and a message key.

    .. math:: CK' = \\mathrm{HMAC\\text{-}SHA256}(CK, \\mathtt{0x02}), \\qquad
       MK = \\mathrm{HMAC\\text{-}SHA256}(CK, \\mathtt{0x01})

    Knowing :math:`CK'` reveals neither :math:`CK` nor :math:`MK`: the chain
    only turns forwards.

    Parameters
    ----------
    chain_key : bytes
        The current chain key (32 bytes).

    Returns
    -------
    chain_key : bytes
        The next chain key.
    message_key : bytes
        The key for one message, deleted once that message is encrypted or read.

    Examples
    --------
    >>> import hashlib, hmac
    >>> chain_key = bytes(32)
    >>> next_chain_key, message_key = kdf_chain(chain_key)
    >>> message_key == hmac.new(chain_key, b"\\x01", hashlib.sha256).digest()
    True
    """
    chain_key = _key_bytes("chain_key", chain_key)
    return _hmac(chain_key, b"\x02"), _hmac(chain_key, b"\x01")


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The unencrypted (but authenticated) part of a message.

    Parameters
    ----------
    ratchet_public : bytes
        The sender's current ratchet public key (32 bytes). A new one starts a
        new chain, and the receiver takes a DH ratchet step.
    previous_chain_length : int
        PN: how many messages the sender sent in its previous sending chain,
        so the receiver knows which ones of it are still to come.
    number : int
        N: the message's number in its chain, from 0.

    Examples
    --------
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
        _key_bytes("ratchet_public", self.ratchet_public)
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
    """One encrypted message: a header and the ciphertext (with its 16-byte tag).

    Parameters
    ----------
    header : Header
    ciphertext : bytes
        XChaCha20-Poly1305 output: as long as the plaintext, plus :data:`TAG_BYTES`.

    Examples
    --------
    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
    >>> message = alice_chat.encrypt(b"hi Bob")
    >>> message
    Message(Header(ratchet_public=…, previous_chain_length=0, number=0), 22 bytes of ciphertext)
    >>> wire = message.to_bytes()
    >>> len(wire) == OVERHEAD_BYTES + len(b"hi Bob"), Message.from_bytes(wire) == message
    (True, True)
    """

    header: Header
    ciphertext: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.header, Header):
            raise InvalidParameterError(f"header must be a Header; got {_shown(self.header)}.")
        _bytes("ciphertext", self.ciphertext)

    def to_bytes(self) -> bytes:
        """The wire format: ``version (1) | header (40) | ciphertext and tag``.

        This is what the server stores and forwards (see the module docstring).
        """
        return bytes([FORMAT_VERSION]) + self.header.to_bytes() + bytes(self.ciphertext)

    @classmethod
    def from_bytes(cls, data: bytes) -> Message:
        """Read a message in the format of :meth:`to_bytes`.

        Only the layout is checked here; whether the message is genuine is
        decided by :meth:`RatchetSession.decrypt`.

        Parameters
        ----------
        data : bytes
            The message as it came from the server.

        Returns
        -------
        Message

        Raises
        ------
        InvalidParameterError
            If ``data`` is not bytes.
        DecryptionError
            If ``data`` is shorter than a header and a tag, or has another format version.

        Examples
        --------
        >>> Message.from_bytes(b"\\x01 too short")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.DecryptionError: a message is at least 57 bytes ...; got 11: it was cut ...
        """
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidParameterError(f"data must be bytes; got {_shown(data)}.")
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
            _HEADER_FORMAT, bytes(data[1 : 1 + HEADER_BYTES])
        )
        header = Header(ratchet_public, previous_length, number)
        return cls(header, bytes(data[1 + HEADER_BYTES :]))

    def __repr__(self) -> str:
        header = self.header
        return (
            f"Message(Header(ratchet_public=…, previous_chain_length="
            f"{header.previous_chain_length}, number={header.number}), "
            f"{len(self.ciphertext)} bytes of ciphertext)"
        )


# --------------------------------------------------------------------------
# The state, and the steps that change it
# --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RatchetState:
    """Everything one side of a chat holds: what a thief gets by copying the device.

    Immutable: each step of the ratchet makes a new state, so a session can
    try a message on a copy and keep it only if the message is genuine.
    The names follow Signal's specification (in brackets). ``repr`` hides the secrets.

    Parameters
    ----------
    associated_data : bytes
        :math:`AD = IK_A \\| IK_B` from X3DH, authenticated with every message.
    root_key : bytes
        The root key (RK).
    our_ratchet_private, our_ratchet_public : bytes
        Our current ratchet key pair (DHs).
    their_ratchet_public : bytes or None
        Their current ratchet public key (DHr); ``None`` until Bob hears from Alice.
    sending_chain_key, receiving_chain_key : bytes or None
        The chain keys (CKs, CKr); ``None`` while that chain has not started.
    sent_count, received_count : int
        Messages sent and received in the current chains (Ns, Nr).
    previous_chain_length : int
        Messages in our previous sending chain (PN), sent in every header.
    skipped_keys : Mapping of (bytes, int) to bytes
        Message keys of messages not yet arrived (MKSKIPPED), by (ratchet public key, N),
        oldest first.
    max_skip : int
        At most this many skipped keys are kept (MAX_SKIP), and no message may
        skip more than this many in one chain.
    sending_chains, receiving_chains : int
        How many sending and receiving chains there have been (for teaching only).
    retired_ratchet_keys : tuple of bytes
        Their last few ratchet public keys, to name replays of old chains clearly.
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
        _bytes("associated_data", self.associated_data)
        for name in ("root_key", "our_ratchet_private", "our_ratchet_public"):
            _key_bytes(name, getattr(self, name))
        for name in ("their_ratchet_public", "sending_chain_key", "receiving_chain_key"):
            if getattr(self, name) is not None:
                _key_bytes(name, getattr(self, name))
        for name in ("sent_count", "received_count", "previous_chain_length"):
            check.integer(name, getattr(self, name), low=0, high=_MAX_COUNTER)
        for name in ("sending_chains", "receiving_chains"):
            check.integer(name, getattr(self, name), low=0)
        _max_skip(self.max_skip)
        if not isinstance(self.skipped_keys, Mapping):
            raise InvalidParameterError(
                f"skipped_keys must be a mapping of (key, number) to bytes; "
                f"got {_shown(self.skipped_keys)}."
            )
        # a read-only copy: a state (and any copy of it) never changes afterwards
        object.__setattr__(self, "skipped_keys", MappingProxyType(dict(self.skipped_keys)))
        object.__setattr__(self, "retired_ratchet_keys", tuple(self.retired_ratchet_keys))

    def __repr__(self) -> str:
        return (
            f"RatchetState(sent {self.sent_count} in chain {self.sending_chains}, "
            f"received {self.received_count} in chain {self.receiving_chains}, "
            f"{len(self.skipped_keys)} skipped keys, secrets hidden)"
        )


def _start_sending_chain(state: RatchetState, private: bytes) -> RatchetState:
    """The sending half of a DH ratchet step: a new ratchet key pair and a new sending chain.

    ``private`` is the new ratchet private key: 32 fresh random bytes.
    """
    dh_output = x25519(private, state.their_ratchet_public)
    root_key, chain_key = kdf_root(state.root_key, dh_output)
    return replace(
        state,
        root_key=root_key,
        our_ratchet_private=private,
        our_ratchet_public=nacl.bindings.crypto_scalarmult_base(private),
        sending_chain_key=chain_key,
        previous_chain_length=state.sent_count,
        sent_count=0,
        sending_chains=state.sending_chains + 1,
    )


def _start_receiving_chain(state: RatchetState, their_public: bytes) -> RatchetState:
    """The receiving half of a DH ratchet step: their new key starts a new receiving chain."""
    try:
        dh_output = x25519(state.our_ratchet_private, their_public)
    except InvalidParameterError as error:
        raise DecryptionError(
            "the message's ratchet public key has small order: it was forged or damaged"
        ) from error
    root_key, chain_key = kdf_root(state.root_key, dh_output)
    retired = state.retired_ratchet_keys
    if state.their_ratchet_public is not None:
        retired = (*retired, state.their_ratchet_public)[-_RETIRED_KEYS_KEPT:]
    return replace(
        state,
        root_key=root_key,
        their_ratchet_public=their_public,
        receiving_chain_key=chain_key,
        received_count=0,
        receiving_chains=state.receiving_chains + 1,
        retired_ratchet_keys=retired,
    )


def _refuse_long_jumps(state: RatchetState, header: Header, new_chain: bool) -> None:
    """Refuse, before any key is derived, a header that would skip too many messages.

    The skips: on a new chain, the rest of the previous chain (up to PN) and
    then the new chain up to N; otherwise the current chain up to N. Each may
    be at most ``max_skip`` (the specification's MAX_SKIP), and together at
    most :data:`MAX_JUMP`, so one message (forged or not) costs a bounded
    amount of work whatever ``max_skip`` is.
    """
    if new_chain:
        skips = [max(0, header.previous_chain_length - state.received_count), header.number]
    else:
        skips = [header.number - state.received_count]
    for skip in skips:
        if skip > state.max_skip:
            raise DecryptionError(
                f"this message would skip {skip} messages of a chain, but at most "
                f"max_skip = {state.max_skip} skipped keys are kept: it is refused "
                "(it may also be forged); the session is unchanged"
            )
    if sum(skips) > MAX_JUMP:
        raise DecryptionError(
            f"this message would make us derive {sum(skips)} keys of skipped messages, but "
            f"one message may cost at most MAX_JUMP = {MAX_JUMP}: it is refused before any "
            "key is derived (it may also be forged); the session is unchanged"
        )


def _skip_message_keys(state: RatchetState, until: int) -> RatchetState:
    """Keep the keys of messages ``received_count .. until - 1`` of the current receiving chain.

    The caller has checked the length of the skip (:func:`_refuse_long_jumps`).
    When more than ``max_skip`` keys are then held, the oldest go.
    """
    if state.receiving_chain_key is None or until <= state.received_count:
        return state
    skipped = dict(state.skipped_keys)
    chain_key = state.receiving_chain_key
    for number in range(state.received_count, until):
        chain_key, skipped[(state.their_ratchet_public, number)] = kdf_chain(chain_key)
    excess = len(skipped) - state.max_skip
    for oldest in list(itertools.islice(skipped, max(excess, 0))):
        del skipped[oldest]  # the oldest keys go: those messages can no longer open
    return replace(state, receiving_chain_key=chain_key, received_count=until, skipped_keys=skipped)


def _message_key_for(state: RatchetState, header: Header) -> tuple[RatchetState, bytes, bool]:
    """The state after receiving ``header``, its message key, and whether a new chain started.

    Nothing is kept yet: the caller keeps the new state only if the message opens.
    """
    slot = (header.ratchet_public, header.number)
    if slot in state.skipped_keys:  # a message that arrived late
        skipped = dict(state.skipped_keys)
        message_key = skipped.pop(slot)
        return replace(state, skipped_keys=skipped), message_key, False
    _refuse_old_message(state, header)
    new_chain = header.ratchet_public != state.their_ratchet_public
    _refuse_long_jumps(state, header, new_chain)  # before deriving anything
    if new_chain:
        state = _skip_message_keys(state, header.previous_chain_length)
        state = _start_receiving_chain(state, header.ratchet_public)
    state = _skip_message_keys(state, header.number)
    chain_key, message_key = kdf_chain(state.receiving_chain_key)
    state = replace(state, receiving_chain_key=chain_key, received_count=header.number + 1)
    return state, message_key, new_chain


def _refuse_old_message(state: RatchetState, header: Header) -> None:
    """A message whose key was already used (and deleted), or that cannot be on this chain."""
    number = header.number
    if header.ratchet_public == state.their_ratchet_public:
        if state.receiving_chain_key is None:
            raise DecryptionError(
                f"message {number + 1} of its chain claims a chain that the other side has not "
                "started: it was forged"
            )
        if number < state.received_count:
            raise DecryptionError(
                f"message {number + 1} of this chain was already opened and its key deleted "
                "(a replay?), or its key was dropped; the session is unchanged"
            )
    if header.ratchet_public in state.retired_ratchet_keys:
        raise DecryptionError(
            f"message {number + 1} of its chain belongs to an earlier chain whose keys were "
            "deleted: it was already opened (a replay?) or its key was dropped; the session is "
            "unchanged"
        )


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


# --------------------------------------------------------------------------
# A chat session
# --------------------------------------------------------------------------


class RatchetSession:
    """One side of a chat: encrypts outgoing and decrypts incoming messages.

    Make one with :func:`start_chat` (both sides at once, through X3DH), or
    :meth:`initiator` and :meth:`responder` from a shared key, or
    :meth:`from_state` from a copied state.

    Parameters
    ----------
    state : RatchetState
        The state to start from (copied).
    rng : numpy.random.Generator, int or None
        For new ratchet key pairs. ``None`` (default): cryptographic
        randomness; a seed or Generator for lessons and tests only.

    Examples
    --------
    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
    >>> bob_chat.decrypt(alice_chat.encrypt(b"Lunch at noon?"))
    b'Lunch at noon?'
    >>> alice_chat.decrypt(bob_chat.encrypt(b"Yes!"))
    b'Yes!'
    """

    def __init__(
        self, state: RatchetState, *, rng: np.random.Generator | int | None = None
    ) -> None:
        if not isinstance(state, RatchetState):
            raise InvalidParameterError(f"state must be a RatchetState; got {_shown(state)}.")
        self._state = replace(state)
        self._generator = _randomness(rng)

    @classmethod
    def initiator(
        cls,
        shared_key: bytes,
        their_ratchet_public: bytes,
        associated_data: bytes,
        *,
        max_skip: int = MAX_SKIP,
        rng: np.random.Generator | int | None = None,
    ) -> RatchetSession:
        """Alice's session: she knows Bob's first ratchet key (his signed prekey) and sends first.

        Steps: make a ratchet key pair; :math:`(RK, CK_s) = \\mathrm{KDF\\_RK}(SK,
        \\mathrm{DH}(\\text{ours}, \\text{theirs}))`.

        Parameters
        ----------
        shared_key : bytes
            :math:`SK` from X3DH (32 bytes).
        their_ratchet_public : bytes
            Bob's first ratchet public key: his signed prekey from the bundle.
        associated_data : bytes
            :math:`AD = IK_A \\| IK_B` from X3DH.
        max_skip : int
            Most message keys kept for late messages (0 to 100000; default 100).
            One message may still skip at most :data:`MAX_JUMP` in all.
        rng : numpy.random.Generator, int or None
            For new ratchet key pairs; ``None`` for cryptographic randomness.

        Returns
        -------
        RatchetSession

        Examples
        --------
        >>> from privlab.crypto.keys import new_private_key, public_key_of
        >>> bob_ratchet = new_private_key(rng=2)
        >>> alice = RatchetSession.initiator(bytes(32), public_key_of(bob_ratchet), b"AD", rng=1)
        >>> bob = RatchetSession.responder(bytes(32), bob_ratchet, b"AD", rng=3)
        >>> bob.decrypt(alice.encrypt(b"hello"))
        b'hello'
        """
        shared_key = _key_bytes("shared_key", shared_key)
        their_public = _key_bytes("their_ratchet_public", their_ratchet_public)
        generator = _randomness(rng)
        private = _random_secret(generator)
        state = _first_state(shared_key, private, associated_data, max_skip)
        try:
            state = _start_sending_chain(replace(state, their_ratchet_public=their_public), private)
        except InvalidParameterError as error:
            raise InvalidParameterError(
                "their_ratchet_public must be a valid X25519 public key (not of small order); "
                f"got {their_public.hex()}."
            ) from error
        return cls(state, rng=generator)

    @classmethod
    def responder(
        cls,
        shared_key: bytes,
        our_ratchet_keypair: PrivateKey | bytes,
        associated_data: bytes,
        *,
        max_skip: int = MAX_SKIP,
        rng: np.random.Generator | int | None = None,
    ) -> RatchetSession:
        """Bob's session: his signed prekey is his first ratchet key; he can reply once Alice wrote.

        Parameters
        ----------
        shared_key : bytes
            :math:`SK` from X3DH (32 bytes): the first root key.
        our_ratchet_keypair : nacl.public.PrivateKey or bytes
            Bob's first ratchet key pair: his signed prekey's private key.
        associated_data : bytes
            :math:`AD = IK_A \\| IK_B` from X3DH.
        max_skip : int
            Most message keys kept for late messages (0 to 100000; default 100).
            One message may still skip at most :data:`MAX_JUMP` in all.
        rng : numpy.random.Generator, int or None
            For new ratchet key pairs; ``None`` for cryptographic randomness.

        Returns
        -------
        RatchetSession

        Examples
        --------
        >>> from privlab.crypto.keys import new_private_key
        >>> bob = RatchetSession.responder(bytes(32), new_private_key(rng=2), b"AD")
        >>> bob.encrypt(b"too early")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.PrivlabError: this side cannot send yet: ...
        """
        shared_key = _key_bytes("shared_key", shared_key)
        private = _private_bytes("our_ratchet_keypair", our_ratchet_keypair)
        state = _first_state(shared_key, private, associated_data, max_skip)
        return cls(state, rng=rng)

    @classmethod
    def from_state(
        cls, state: RatchetState, *, rng: np.random.Generator | int | None = None
    ) -> RatchetSession:
        """A session that carries on from a copied state: a restored backup, or a thief's copy.

        Parameters
        ----------
        state : RatchetState
            As :meth:`export_state` returned it.
        rng : numpy.random.Generator, int or None
            For new ratchet key pairs (not part of the state); ``None`` for
            cryptographic randomness.

        Returns
        -------
        RatchetSession

        Examples
        --------
        >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
        >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
        >>> thief = RatchetSession.from_state(bob_chat.export_state())
        >>> thief.decrypt(alice_chat.encrypt(b"the thief reads this"))
        b'the thief reads this'
        """
        return cls(state, rng=rng)

    def encrypt(self, plaintext: bytes) -> Message:
        """Encrypt one message with the next key of the sending chain, then delete that key.

        Steps: :math:`(CK_s, MK) = \\mathrm{KDF\\_CK}(CK_s)`; header
        :math:`(\\text{our ratchet public key}, PN, N_s)`; ciphertext
        :math:`= \\mathrm{AEAD}(MK, \\mathit{plaintext}, AD \\| \\mathrm{header})`; :math:`N_s + 1`.

        Parameters
        ----------
        plaintext : bytes
            The message (any length, empty included). Encode text first: ``"hi".encode()``.

        Returns
        -------
        Message

        Raises
        ------
        PrivlabError
            If this is the responder and no message has arrived yet (it has no
            sending chain: it does not know the other side's ratchet key).

        Examples
        --------
        >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
        >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
        >>> first, second = alice_chat.encrypt(b"same"), alice_chat.encrypt(b"same")
        >>> first.header.number, second.header.number, first.ciphertext != second.ciphertext
        (0, 1, True)
        """
        if not isinstance(plaintext, (bytes, bytearray)):
            hint = " (encode text first: text.encode())" if isinstance(plaintext, str) else ""
            raise InvalidParameterError(f"plaintext must be bytes{hint}; got {_shown(plaintext)}.")
        state = self._state
        if state.sending_chain_key is None:
            raise PrivlabError(
                "this side cannot send yet: it has not received a message, so it does not know "
                "the other side's ratchet key (in X3DH the initiator writes first)"
            )
        chain_key, message_key = kdf_chain(state.sending_chain_key)
        header = Header(state.our_ratchet_public, state.previous_chain_length, state.sent_count)
        ciphertext = _seal(message_key, state.associated_data, header, bytes(plaintext))
        self._state = replace(state, sending_chain_key=chain_key, sent_count=state.sent_count + 1)
        return Message(header, ciphertext)

    def decrypt(self, message: Message | bytes) -> bytes:
        """Open one message; its key is deleted afterwards.

        Steps: a late message uses its kept (skipped) key. Otherwise, a
        header that would skip too many messages is refused before any key
        is derived (``max_skip`` in a chain, :data:`MAX_JUMP` in all); a new
        ratchet public key in the header means a DH ratchet step: keep the
        keys of the previous chain's missing messages (up to PN), start a new
        receiving chain. Keep the keys of skipped messages up to N, take the
        next key, open the ciphertext. Only then, if the message was genuine,
        keep the new state (and, after a DH ratchet step, make a new ratchet
        key pair for our replies).

        Parameters
        ----------
        message : Message or bytes
            A message, or its wire bytes (:meth:`Message.to_bytes`).

        Returns
        -------
        bytes
            The plaintext.

        Raises
        ------
        DecryptionError
            If the message was changed, cut, replayed, belongs to another chat,
            or is more than ``max_skip`` messages ahead in a chain (or
            :data:`MAX_JUMP` in all). No plaintext is
            returned and the session is unchanged.

        Examples
        --------
        >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
        >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
        >>> wire = alice_chat.encrypt(b"meet at 6").to_bytes()
        >>> tampered = wire[:-1] + bytes([wire[-1] ^ 1])
        >>> bob_chat.decrypt(tampered)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.DecryptionError: message 1 of its chain failed authentication ...
        >>> bob_chat.decrypt(wire)
        b'meet at 6'
        """
        if isinstance(message, (bytes, bytearray)):
            message = Message.from_bytes(message)
        if not isinstance(message, Message):
            raise InvalidParameterError(
                f"message must be a Message or its bytes; got {_shown(message)}."
            )
        state, message_key, new_chain = _message_key_for(self._state, message.header)
        plaintext = _open(message_key, state.associated_data, message)
        if new_chain:  # the sending half of the DH ratchet step, for genuine messages only
            state = _start_sending_chain(state, _random_secret(self._generator))
        self._state = state
        return plaintext

    def export_state(self) -> RatchetState:
        """A copy of the whole state, secrets included: what stealing the device gives.

        Returns
        -------
        RatchetState
            Immutable; :meth:`from_state` carries on from it.

        Examples
        --------
        >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
        >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
        >>> bob_chat.export_state()
        RatchetState(sent 0 in chain 0, received 0 in chain 0, 0 skipped keys, secrets hidden)
        """
        return replace(self._state)

    def state_summary(self) -> dict[str, Any]:
        """What this side holds, for teaching: chain numbers and counts, no secrets.

        Public keys are shown by their first 8 hex digits.

        Returns
        -------
        dict
            ``our_ratchet_key``, ``their_ratchet_key`` (or ``None``);
            ``sending_chain`` and ``receiving_chain`` (how many chains so far,
            so 1 is the first), ``sent_in_chain`` (Ns), ``received_in_chain``
            (Nr), ``previous_chain_length`` (PN); ``secret_keys_held`` (which kinds);
            ``skipped_message_keys``: (ratchet key, N) of the messages still awaited.

        Examples
        --------
        >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
        >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
        >>> for text in (b"one", b"two", b"three"):
        ...     message = alice_chat.encrypt(text)
        >>> _ = bob_chat.decrypt(message)  # the first two are still on their way
        >>> summary = bob_chat.state_summary()
        >>> summary["receiving_chain"], summary["received_in_chain"], summary["secret_keys_held"]
        (1, 3, ['root key', 'our ratchet private key', 'sending chain key', 'receiving chain key'])
        >>> [number for _, number in summary["skipped_message_keys"]]
        [0, 1]
        """
        state = self._state
        held = {
            "root key": state.root_key,
            "our ratchet private key": state.our_ratchet_private,
            "sending chain key": state.sending_chain_key,
            "receiving chain key": state.receiving_chain_key,
        }
        return {
            "our_ratchet_key": _short(state.our_ratchet_public),
            "their_ratchet_key": _short(state.their_ratchet_public),
            "sending_chain": state.sending_chains,
            "sent_in_chain": state.sent_count,
            "previous_chain_length": state.previous_chain_length,
            "receiving_chain": state.receiving_chains,
            "received_in_chain": state.received_count,
            "secret_keys_held": [name for name, key in held.items() if key is not None],
            "skipped_message_keys": [(_short(key), number) for key, number in state.skipped_keys],
        }

    def __repr__(self) -> str:
        state = self._state
        return (
            f"<RatchetSession: sending chain {state.sending_chains} ({state.sent_count} sent), "
            f"receiving chain {state.receiving_chains} ({state.received_count} received), "
            f"{len(state.skipped_keys)} skipped keys held>"
        )


def start_chat(
    alice: Identity,
    bob: Identity,
    *,
    one_time_prekey: bool = True,
    max_skip: int = MAX_SKIP,
    rng: np.random.Generator | int | None = None,
) -> tuple[RatchetSession, RatchetSession]:
    """Set up a chat between two identities: X3DH, then a Double Ratchet on each side.

    Steps: Bob's bundle from the "server" (:meth:`Identity.prekey_bundle`);
    :func:`~privlab.crypto.x3dh.x3dh_initiate` for Alice and
    :func:`~privlab.crypto.x3dh.x3dh_respond` for Bob; Alice's session starts
    from Bob's signed prekey as his ratchet key, Bob's from the signed
    prekey's private key. Alice writes first.

    This plays both phones in one call: the X3DH header comes straight from
    Alice's side, not from the network, so it cannot be forged, and Bob
    deletes the one-time prekey at once (:func:`~privlab.crypto.x3dh.x3dh_complete`).
    A first message that arrives over the network goes through
    :func:`accept_chat`, which deletes it only once the message authenticates.

    Parameters
    ----------
    alice : Identity
        The initiator.
    bob : Identity
        The responder (he may be offline: only his bundle is needed for Alice's side).
    one_time_prekey : bool
        Use one of Bob's one-time prekeys if he has any left (default ``True``).
    max_skip : int
        Most message keys kept for late messages, on each side (default 100).
        One message may still skip at most :data:`MAX_JUMP` in all.
    rng : numpy.random.Generator, int or None
        For every key drawn (X3DH ephemeral key, ratchet key pairs). ``None``
        (default): cryptographic randomness; a seed for lessons and tests only.

    Returns
    -------
    alice_session, bob_session : RatchetSession

    Examples
    --------
    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=1, rng=2)
    >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
    >>> bob_chat.decrypt(alice_chat.encrypt(b"hello")), bob.one_time_prekeys
    (b'hello', {})
    """
    for name, value in (("alice", alice), ("bob", bob)):
        if not isinstance(value, Identity):
            raise InvalidParameterError(f"{name} must be an Identity; got {_shown(value)}.")
    max_skip = _max_skip(max_skip)
    generator = _randomness(rng)
    bundle = bob.prekey_bundle(one_time_prekey=one_time_prekey)
    shared_key, header = x3dh_initiate(alice, bundle, rng=generator)
    alice_session = RatchetSession.initiator(
        shared_key, bundle.signed_prekey, header.associated_data, max_skip=max_skip, rng=generator
    )
    bob_session = RatchetSession.responder(
        x3dh_respond(bob, header),
        bob.signed_prekey.private_key,
        header.associated_data,
        max_skip=max_skip,
        rng=generator,
    )
    x3dh_complete(bob, header)  # the header is Alice's own: nothing to authenticate
    return alice_session, bob_session


def accept_chat(
    bob: Identity,
    header: X3DHHeader,
    first_message: Message | bytes,
    *,
    max_skip: int = MAX_SKIP,
    rng: np.random.Generator | int | None = None,
) -> tuple[RatchetSession, bytes]:
    """Bob receives a first message: X3DH, his Double Ratchet, and the one-time prekey's deletion.

    Steps (the X3DH specification, section 3.4):
    :math:`SK` from the header (:func:`~privlab.crypto.x3dh.x3dh_respond`);
    Bob's session from :math:`SK` and his signed prekey; open the first
    message. Only if it authenticates does Bob delete the one-time prekey
    the header named (:func:`~privlab.crypto.x3dh.x3dh_complete`). So a
    forged first message (anyone can write a header) uses up nothing, and a
    replayed one names a prekey that is gone and is refused.

    A first message that used no one-time prekey is accepted again if it is
    replayed, with the same :math:`SK` and plaintext: a known property of
    X3DH (section 4.2). Bob's replies in the replayed chat still come from a
    fresh ratchet key pair, so they reuse no key of the genuine chat (section 4.3).

    Parameters
    ----------
    bob : Identity
        The responder, holding the private prekeys.
    header : X3DHHeader
        The X3DH header that came with the first message.
    first_message : Message or bytes
        Alice's first Double Ratchet message (or its wire bytes).
    max_skip : int
        Most message keys kept for late messages (default 100).
        One message may still skip at most :data:`MAX_JUMP` in all.
    rng : numpy.random.Generator, int or None
        For Bob's ratchet key pairs. ``None`` (default): cryptographic
        randomness; a seed for lessons and tests only.

    Returns
    -------
    session : RatchetSession
        Bob's side of the chat, ready to reply.
    plaintext : bytes
        The first message.

    Raises
    ------
    InvalidParameterError
        If ``bob`` is not an Identity, ``header`` not an X3DHHeader or
        ``first_message`` neither a Message nor bytes.
    DecryptionError
        If the header is refused (another identity's, an unknown or used
        prekey) or the first message does not authenticate under :math:`SK`.
        Bob's one-time prekeys are unchanged then.

    Examples
    --------
    >>> from privlab.crypto.keys import new_private_key, public_key_of
    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=1, rng=2)
    >>> bundle = bob.prekey_bundle()
    >>> key, header = x3dh_initiate(alice, bundle, rng=3)
    >>> alice_chat = RatchetSession.initiator(
    ...     key, bundle.signed_prekey, header.associated_data, rng=4)
    >>> first = alice_chat.encrypt(b"hi Bob")
    >>> forged = Message(first.header, bytes(len(first.ciphertext)))  # a wrong tag
    >>> accept_chat(bob, header, forged)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: message 1 of its chain failed authentication ...
    >>> sorted(bob.one_time_prekeys)  # the forgery used up nothing
    [1]
    >>> bob_chat, text = accept_chat(bob, header, first, rng=5)
    >>> text, bob.one_time_prekeys
    (b'hi Bob', {})
    """
    if isinstance(first_message, (bytes, bytearray)):
        first_message = Message.from_bytes(first_message)
    if not isinstance(first_message, Message):
        raise InvalidParameterError(
            f"first_message must be a Message or its bytes; got {_shown(first_message)}."
        )
    session = RatchetSession.responder(
        x3dh_respond(bob, header),  # checks bob and header
        bob.signed_prekey.private_key,
        header.associated_data,
        max_skip=max_skip,
        rng=rng,
    )
    plaintext = session.decrypt(first_message)  # raises if forged: nothing is deleted
    x3dh_complete(bob, header)
    return session, plaintext


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _first_state(
    shared_key: bytes, our_private: bytes, associated_data: Any, max_skip: Any
) -> RatchetState:
    """The state before any chain: the root key is X3DH's shared key."""
    associated_data = _bytes("associated_data", associated_data)
    max_skip = _max_skip(max_skip)
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


def _max_skip(value: Any) -> int:
    return check.integer("max_skip", value, low=0, high=_MAX_MAX_SKIP)


def _short(key: bytes | None) -> str | None:
    return None if key is None else f"{key.hex()[:8]}…"
