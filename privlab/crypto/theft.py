"""What a thief who copies a phone's ratchet state can read: forward secrecy and healing, measured.

:func:`thief_reads` runs a real chat, copies Bob's state after one message and
tries every message with the copy, as a thief who also has every ciphertext
would: messages **to Bob** go to a session carried on from the copy; messages
**from Bob** to one whose receiving chain is the copy's *sending* chain. Every
message is read at once, so no key waits in the copy for a late message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from .. import _guard as check
from .._guard import TIED, guard, whole
from ..errors import InvalidParameterError, PrivlabError
from ..randomness import secret_random
from .keys import Identity
from .ratchet import Message, RatchetSession, RatchetState, start_chat

__all__ = ["thief_reads"]

_PEOPLE = ("Alice", "Bob")
_MAX_MESSAGES = 1_000


def _conversation(
    senders: tuple[str, ...], stolen_after: int, seed: int
) -> tuple[list[tuple[str, Message]], RatchetState]:
    """Run the chat, every message read at once; Bob's state right after ``stolen_after``."""
    # Called inside thief_reads' guard, which skips the inner guards: each rng is turned
    # into its stream of secrets here, as those guards would.
    generator = np.random.default_rng(seed)
    alice = Identity("Alice", rng=secret_random(generator))
    bob = Identity("Bob", rng=secret_random(generator))
    chat = start_chat(alice, bob, rng=secret_random(generator))
    sessions = dict(zip(_PEOPLE, chat, strict=True))
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


def _senders(name: str, senders: Any) -> tuple[str, ...]:
    senders = tuple(senders) if isinstance(senders, (list, tuple)) else senders
    if (
        not isinstance(senders, tuple)
        or not senders
        or len(senders) > _MAX_MESSAGES
        or senders[0] != "Alice"
        or any(s not in _PEOPLE for s in senders)
    ):
        raise InvalidParameterError(
            f"{name} must be a list of at most {_MAX_MESSAGES} 'Alice' and 'Bob', Alice first; "
            f"got {senders!r}."
        )
    return senders


def _stolen_in_chat(arguments: dict[str, Any]) -> None:
    arguments["stolen_after"] = check.integer(
        "stolen_after", arguments["stolen_after"], low=0, high=len(arguments["senders"])
    )


@guard(senders=_senders, stolen_after=TIED, seed=whole(low=0), where=_stolen_in_chat)
def thief_reads(senders: Sequence[str], stolen_after: int, *, seed: int = 606) -> frozenset[int]:
    """The numbers (from 1) of the messages a thief with a copy of Bob's state can read.

    ``senders`` says who sends each message ("Alice" or "Bob", Alice first);
    the copy is made right after message ``stolen_after`` (0: before the
    first); ``seed`` makes the chat's keys.

    >>> chat = ["Alice", "Alice", "Bob", "Alice", "Bob", "Bob", "Alice", "Alice", "Bob",
    ...         "Alice", "Bob", "Alice"]
    >>> sorted(thief_reads(chat, 7))
    [8, 9, 10]
    """
    return _readable(senders, stolen_after, seed)


@lru_cache(maxsize=64)
def _readable(senders: tuple[str, ...], stolen_after: int, seed: int) -> frozenset[int]:
    sent, stolen = _conversation(senders, stolen_after, seed)
    thief = RatchetSession.from_state(stolen, rng=secret_random(seed + 1))
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
        mirror = RatchetSession.from_state(bob_chain, rng=secret_random(seed + 2))
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
