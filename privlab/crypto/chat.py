"""Starting a chat: X3DH (:mod:`privlab.crypto.x3dh`), then a Double Ratchet on each side."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._guard import BOOLEAN, SECRETS, guard, instance
from .keys import _IDENTITY, Identity
from .ratchet import _SKIP_LIMIT, MAX_SKIP, RatchetSession
from .wire import Message, _message
from .x3dh import X3DHHeader, x3dh_complete, x3dh_initiate, x3dh_respond

__all__ = ["accept_chat", "start_chat"]


def _bobs_session(bob: Identity, header: X3DHHeader, max_skip: int, rng: Any) -> RatchetSession:
    """Bob's side: the X3DH key, his signed prekey as his first ratchet key pair."""
    return RatchetSession.responder(
        x3dh_respond(bob, header),
        bob.signed_prekey.private_key.encode(),
        header.associated_data,
        max_skip=max_skip,
        rng=rng,
    )


@guard(
    alice=_IDENTITY,
    bob=_IDENTITY,
    one_time_prekey=BOOLEAN,
    max_skip=_SKIP_LIMIT,
    rng=SECRETS,
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

    Both phones in one call: the header comes straight from Alice's side, so
    Bob deletes the one-time prekey (if ``one_time_prekey``) at once; a first
    message that arrives over the network goes through :func:`accept_chat`.
    Alice writes first. ``max_skip``: most message keys kept for late
    messages, on each side; ``rng``: for every key (see :mod:`privlab.randomness`).

    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=1, rng=2)
    >>> alice_chat, bob_chat = start_chat(alice, bob, rng=3)
    >>> bob_chat.decrypt(alice_chat.encrypt(b"hello")), bob.one_time_prekeys
    (b'hello', {})
    """
    bundle = bob.prekey_bundle(one_time_prekey=one_time_prekey)
    shared_key, header = x3dh_initiate(alice, bundle, rng=rng)
    alice_session = RatchetSession.initiator(
        shared_key, bundle.signed_prekey, header.associated_data, max_skip=max_skip, rng=rng
    )
    bob_session = _bobs_session(bob, header, max_skip, rng)
    x3dh_complete(bob, header)  # the header is Alice's own: nothing to authenticate
    return alice_session, bob_session


@guard(
    bob=_IDENTITY,
    header=instance(X3DHHeader, "an X3DHHeader"),
    first_message=_message,
    max_skip=_SKIP_LIMIT,
    rng=SECRETS,
)
def accept_chat(
    bob: Identity,
    header: X3DHHeader,
    first_message: Message | bytes,
    *,
    max_skip: int = MAX_SKIP,
    rng: np.random.Generator | int | None = None,
) -> tuple[RatchetSession, bytes]:
    """Bob receives a first message: X3DH, his Double Ratchet, and the one-time prekey's deletion.

    Returns Bob's session and the first message's text. Only if that message
    authenticates under :math:`SK` does Bob delete the one-time prekey (X3DH,
    section 3.4): a forged first message raises DecryptionError and uses up
    nothing; a replayed one names a prekey that is gone.

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
    session = _bobs_session(bob, header, max_skip, rng)
    plaintext = session.decrypt(first_message)  # raises if forged: nothing is deleted
    x3dh_complete(bob, header)
    return session, plaintext
