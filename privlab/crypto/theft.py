"""What a thief who copies a phone's ratchet state can read: forward secrecy and healing, measured.

:func:`thief_reads` runs a real chat (:func:`~privlab.crypto.ratchet.start_chat`),
copies Bob's state after one message, and tries every message of the chat
with the copy, as a thief who also has every ciphertext (from the server's
log) would:

* messages **to Bob** go to a session carried on from the copy, which
  follows Bob's receiving chains and Diffie-Hellman steps as far as the copied
  keys allow;
* messages **from Bob** go to a session whose receiving chain is the copy's
  *sending* chain: the rest of Bob's current chain.

Every message is delivered and read at once, so no key waits in the copy for
a late message (keys that do wait are readable by a thief too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError, PrivlabError
from .keys import Identity
from .ratchet import Message, RatchetSession, RatchetState, start_chat

__all__ = ["thief_reads"]

PEOPLE = ("Alice", "Bob")
MAX_MESSAGES = 1_000


def _conversation(
    senders: tuple[str, ...], stolen_after: int, seed: int
) -> tuple[list[tuple[str, Message]], RatchetState]:
    """Run the chat, every message read at once; Bob's state right after ``stolen_after``."""
    generator = np.random.default_rng(seed)
    alice, bob = Identity("Alice", rng=generator), Identity("Bob", rng=generator)
    sessions = dict(zip(PEOPLE, start_chat(alice, bob, rng=generator), strict=True))
    stolen = sessions["Bob"].export_state()
    sent = []
    for number, sender in enumerate(senders, start=1):
        receiver = "Bob" if sender == "Alice" else "Alice"
        message = sessions[sender].encrypt(f"message {number}".encode())
        sessions[receiver].decrypt(message)
        sent.append((sender, message))
        if number == stolen_after:
            stolen = sessions["Bob"].export_state()
    return sent, stolen


def thief_reads(senders: Sequence[str], stolen_after: int, *, seed: int = 606) -> frozenset[int]:
    """The numbers (from 1) of the messages a thief with a copy of Bob's state can read.

    Parameters
    ----------
    senders : sequence of "Alice" or "Bob"
        Who sends each message, message 1 first. Alice writes first.
    stolen_after : int
        The copy is made right after Bob has read (or sent) this message; 0:
        before the first.
    seed : int
        The chat's keys, for reproducible lessons.

    Examples
    --------
    >>> chat = ["Alice", "Alice", "Bob", "Alice", "Bob", "Bob", "Alice", "Alice", "Bob",
    ...         "Alice", "Bob", "Alice"]
    >>> sorted(thief_reads(chat, 7))
    [8, 9, 10]
    """
    senders = tuple(senders) if isinstance(senders, (list, tuple)) else senders
    if (
        not isinstance(senders, tuple)
        or not senders
        or len(senders) > MAX_MESSAGES
        or senders[0] != "Alice"
        or any(s not in PEOPLE for s in senders)
    ):
        raise InvalidParameterError(
            f"senders must be a list of at most {MAX_MESSAGES} 'Alice' and 'Bob', Alice first; "
            f"got {senders!r}."
        )
    if (
        isinstance(stolen_after, bool)
        or not isinstance(stolen_after, int)
        or not (0 <= stolen_after <= len(senders))
    ):
        raise InvalidParameterError(
            f"stolen_after must be a whole number from 0 to {len(senders)}; got {stolen_after!r}."
        )
    return _readable(senders, stolen_after, check.integer("seed", seed, low=0))


@lru_cache(maxsize=64)
def _readable(senders: tuple[str, ...], stolen_after: int, seed: int) -> frozenset[int]:
    sent, stolen = _conversation(senders, stolen_after, seed)
    thief = RatchetSession.from_state(stolen, rng=seed + 1)
    mirror = None
    if stolen.sending_chain_key is not None:
        bob_chain = replace(
            stolen,
            their_ratchet_public=stolen.our_ratchet_public,
            receiving_chain_key=stolen.sending_chain_key,
            received_count=stolen.sent_count,
            skipped_keys={},
            retired_ratchet_keys=(),
        )
        mirror = RatchetSession.from_state(bob_chain, rng=seed + 2)
    readable = set()
    for number, (sender, message) in enumerate(sent, start=1):
        session = thief if sender == "Alice" else mirror
        if session is None:
            continue
        try:
            session.decrypt(message)
        except PrivlabError:
            continue
        readable.add(number)
    return frozenset(readable)
