"""The Double Ratchet: a fresh key for every message, and healing after a theft.

After X3DH (:mod:`privlab.crypto.x3dh`) both sides share :math:`SK`, the first
root key. :meth:`RatchetSession.decrypt` is the whole idea, in Signal's terms:

* **The DH ratchet step.** A message with a new ratchet public key mixes a new
  Diffie-Hellman value into the root key (:func:`kdf_root`), and our reply
  comes from a new key pair: a thief who copied the state is locked out again
  (healing, post-compromise security).
* **The symmetric step.** Each message moves its chain one step (:func:`kdf_chain`).
  HMAC does not run backwards and each message key is deleted once used: a
  thief cannot read earlier messages (forward secrecy), but for keys kept for
  messages still on their way (at most ``max_skip``).

A header that claims a number far ahead is refused before any key is derived
(more than ``max_skip`` in a chain, :data:`MAX_JUMP` in all). Every step makes
a new immutable :class:`RatchetState`, kept only once the tag checks out: a
rejected message changes nothing. Message format: :mod:`privlab.crypto.wire`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from dataclasses import replace
from typing import Any

import nacl.bindings
import numpy as np
from nacl.public import PrivateKey

from .._guard import BYTES, KEY, SECRETS, guard, instance
from ..errors import DecryptionError, InvalidParameterError, PrivlabError
from .keys import (
    KEY_BYTES,
    Identity,  # noqa: F401  (for the examples)
    _private_bytes,
    _random_secret,
    hkdf_sha256,
    x25519,
)
from .wire import (
    _SKIP_LIMIT,
    MAX_SKIP,
    OVERHEAD_BYTES,
    Header,
    Message,
    RatchetState,
    _first_state,
    _message,
    _open,
    _plaintext,
    _seal,
)

MAX_JUMP = 1_000
"""Most message keys one received message can make a session derive, whatever ``max_skip``."""

ROOT_INFO = b"privlab Double Ratchet"
_RETIRED_KEYS_KEPT = 20  # the other side's last ratchet public keys, for clear replay errors


@guard(root_key=KEY, dh_output=KEY)
def kdf_root(root_key: bytes, dh_output: bytes) -> tuple[bytes, bytes]:
    """A step of the root chain: :math:`RK' \\| CK = \\mathrm{HKDF}(salt=RK, ikm=DH, 64)`.

    >>> root, chain = kdf_root(bytes(32), bytes(range(32)))
    >>> len(root), len(chain), root != chain
    (32, 32, True)
    """
    output = hkdf_sha256(dh_output, salt=root_key, info=ROOT_INFO, length=2 * KEY_BYTES)
    return output[:KEY_BYTES], output[KEY_BYTES:]


@guard(chain_key=KEY)
def kdf_chain(chain_key: bytes) -> tuple[bytes, bytes]:
    """A step of a chain: :math:`CK' = \\mathrm{HMAC}(CK, 2)`, :math:`MK = \\mathrm{HMAC}(CK, 1)`.

    >>> chain_key = bytes(32)
    >>> next_chain_key, message_key = kdf_chain(chain_key)
    >>> message_key == hmac.new(chain_key, b"\\x01", hashlib.sha256).digest()
    True
    """
    return _hmac(chain_key, b"\x02"), _hmac(chain_key, b"\x01")


_ratchet_state = instance(RatchetState, "a RatchetState")


class RatchetSession:
    """One side of a chat: encrypts outgoing and decrypts incoming messages.

    Make one with :func:`start_chat` (both sides at once, through X3DH),
    :meth:`initiator` and :meth:`responder` from a shared key, or
    :meth:`from_state` from a copied state.

    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
    >>> bob_chat.decrypt(alice_chat.encrypt(b"Lunch at noon?"))
    b'Lunch at noon?'
    >>> alice_chat.decrypt(bob_chat.encrypt(b"Yes!"))
    b'Yes!'
    """

    @guard(state=_ratchet_state, rng=SECRETS)
    def __init__(self, state: RatchetState, *, rng: np.random.Generator | int | None = None):
        self._state = replace(state)
        self._generator = rng

    @guard(message=_message)
    def decrypt(self, message: Message | bytes) -> bytes:
        """Open one message (or its wire bytes); its key is deleted afterwards.

        A message changed, cut, replayed, of another chat or skipping too far
        raises DecryptionError: no plaintext, and the session is unchanged.

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
        state, header = self._state, message.header
        new_chain = False
        if (header.ratchet_public, header.number) in state.skipped_keys:  # a late message
            skipped = dict(state.skipped_keys)
            message_key = skipped.pop((header.ratchet_public, header.number))
            state = replace(state, skipped_keys=skipped)
        else:
            _refuse_old_message(state, header)
            new_chain = header.ratchet_public != state.their_ratchet_public
            _refuse_long_jumps(state, header, new_chain)  # before deriving anything
            if new_chain:  # the DH ratchet step: their new key starts a new receiving chain
                state = _skip_message_keys(state, header.previous_chain_length)
                state = _start_receiving_chain(state, header.ratchet_public)
            state = _skip_message_keys(state, header.number)
            chain_key, message_key = kdf_chain(state.receiving_chain_key)  # the symmetric step
            state = replace(state, receiving_chain_key=chain_key, received_count=header.number + 1)
        plaintext = _open(message_key, state.associated_data, message)  # raises if not genuine
        if new_chain:  # the sending half of the DH ratchet step: a new key pair for our replies
            state = _start_sending_chain(state, _random_secret(self._generator))
        self._state = state
        return plaintext

    @guard(plaintext=_plaintext)
    def encrypt(self, plaintext: bytes) -> Message:
        """Encrypt one message (bytes) with the next key of the sending chain, then delete that key.

        :math:`(CK_s, MK) = \\mathrm{KDF\\_CK}(CK_s)`; header
        :math:`(\\text{our ratchet public key}, PN, N_s)`; ciphertext
        :math:`= \\mathrm{AEAD}(MK, \\mathit{plaintext}, AD \\| \\mathrm{header})`.
        The responder cannot send before a message has arrived (PrivlabError).
        """
        state = self._state
        if state.sending_chain_key is None:
            raise PrivlabError(
                "this side cannot send yet: it has not received a message, so it does not know "
                "the other side's ratchet key (in X3DH the initiator writes first)"
            )
        chain_key, message_key = kdf_chain(state.sending_chain_key)
        header = Header(state.our_ratchet_public, state.previous_chain_length, state.sent_count)
        ciphertext = _seal(message_key, state.associated_data, header, plaintext)
        self._state = replace(state, sending_chain_key=chain_key, sent_count=state.sent_count + 1)
        return Message(header, ciphertext)

    @classmethod
    @guard(
        shared_key=KEY,
        their_ratchet_public=KEY,
        associated_data=BYTES,
        max_skip=_SKIP_LIMIT,
        rng=SECRETS,
    )
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

        :math:`(RK, CK_s) = \\mathrm{KDF\\_RK}(SK, \\mathrm{DH}(\\text{ours}, \\text{theirs}))`
        with a new ratchet key pair of ours. ``shared_key`` is :math:`SK` and
        ``associated_data`` :math:`AD = IK_A \\| IK_B`, from X3DH; ``max_skip``
        (0 to 100000) the most message keys kept for late messages; ``rng`` for
        new ratchet key pairs (see :mod:`privlab.randomness`).
        """
        private = _random_secret(rng)
        state = _first_state(shared_key, private, associated_data, max_skip)
        try:
            state = replace(state, their_ratchet_public=their_ratchet_public)
            state = _start_sending_chain(state, private)
        except InvalidParameterError as error:
            raise InvalidParameterError(
                "their_ratchet_public must be a valid X25519 public key (not of small order); "
                f"got {their_ratchet_public.hex()}."
            ) from error
        return cls(state, rng=rng)

    @classmethod
    @guard(
        shared_key=KEY,
        our_ratchet_keypair=_private_bytes,
        associated_data=BYTES,
        max_skip=_SKIP_LIMIT,
        rng=SECRETS,
    )
    def responder(
        cls,
        shared_key: bytes,
        our_ratchet_keypair: PrivateKey | bytes,
        associated_data: bytes,
        *,
        max_skip: int = MAX_SKIP,
        rng: np.random.Generator | int | None = None,
    ) -> RatchetSession:
        """Bob's session: his signed prekey is his first ratchet key; he replies once Alice wrote.

        >>> from privlab.crypto.keys import new_private_key
        >>> bob = RatchetSession.responder(bytes(32), new_private_key(rng=2), b"AD")
        >>> bob.encrypt(b"too early")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.PrivlabError: this side cannot send yet: ...
        """
        state = _first_state(shared_key, our_ratchet_keypair, associated_data, max_skip)
        return cls(state, rng=rng)

    @classmethod
    @guard(state=_ratchet_state, rng=SECRETS)
    def from_state(
        cls, state: RatchetState, *, rng: np.random.Generator | int | None = None
    ) -> RatchetSession:
        """A session that carries on from a copied state: a restored backup, or a thief's copy.

        >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
        >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
        >>> thief = RatchetSession.from_state(bob_chat.export_state())
        >>> thief.decrypt(alice_chat.encrypt(b"the thief reads this"))
        b'the thief reads this'
        """
        return cls(state, rng=rng)

    def export_state(self) -> RatchetState:
        """A copy of the whole state, secrets included: what stealing the device gives."""
        return replace(self._state)

    def state_summary(self) -> dict[str, Any]:
        """What this side holds, for teaching: chain numbers and counts, no secrets.

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


def _start_sending_chain(state: RatchetState, private: bytes) -> RatchetState:
    """The sending half of a DH ratchet step: a new key pair (``private``), a new chain."""
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
    """Refuse a header that skips over ``max_skip`` in a chain or MAX_JUMP in all, first."""
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
    """Keep the keys of messages ``received_count .. until - 1``; the oldest beyond max_skip go."""
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


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _short(key: bytes | None) -> str | None:
    return None if key is None else f"{key.hex()[:8]}…"


from .chat import accept_chat, start_chat  # noqa: E402  (chat builds on the session)

__all__ = [
    "MAX_JUMP",
    "MAX_SKIP",
    "OVERHEAD_BYTES",
    "Header",
    "Message",
    "RatchetSession",
    "RatchetState",
    "accept_chat",
    "kdf_chain",
    "kdf_root",
    "start_chat",
]
