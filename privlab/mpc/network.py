"""Parties that talk only through a network that records every message.

A protocol's security is a statement about *what each party sees*: its own
input, its randomness, and the messages it receives (its **view**). To make
that visible, every protocol in :mod:`privlab.mpc.protocols` runs its parties
on a :class:`Network` that keeps a transcript:

* :meth:`Network.send` and :meth:`Network.broadcast` record each message
  (round, sender, receiver, label, a copy of the payload, its size in bytes)
  and drop it in the receiver's inbox;
* :meth:`Network.view` lists exactly the messages one party received;
* :meth:`Network.stats` counts rounds, messages and bytes: the cost of the
  protocol, which :func:`privlab.mpc.protocols.protocol_cost` predicts;
* :meth:`Network.table` gives rows for a lesson table.

**Rounds.** Messages sent in the same round travel at the same time, so a
message may depend only on what its sender received in *earlier* rounds.
Protocols call :meth:`Network.next_round` between steps. The number of rounds
is what makes a protocol slow over a real network (each round waits for the
slowest message), more than the number of bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError
from .ring import _short_value, _shown

__all__ = ["Message", "Network", "Party"]


@dataclass(frozen=True, eq=False)
class Message:
    """One message on the network.

    Parameters
    ----------
    round : int
        The round it was sent in (from 1).
    sender, receiver : str
        Party names.
    label : str
        What it is, for people reading the transcript (e.g. ``"share of salary"``).
    payload : numpy.ndarray
        A read-only copy of what was sent.
    nbytes : int
        Size of the payload in bytes (8 per 64-bit number).
    """

    round: int
    sender: str
    receiver: str
    label: str
    payload: np.ndarray
    nbytes: int

    def __repr__(self) -> str:
        return (
            f"Message(round {self.round}: {self.sender} -> {self.receiver}, {self.label!r}, "
            f"{_short_value(self.payload)}, {self.nbytes} bytes)"
        )


class Party:
    """A participant: a name, a private input, and an inbox the network fills.

    Protocols only let a party use its own ``input``, its own ``memory`` and
    the messages in its ``inbox``; everything else it learns must come as a
    message through the :class:`Network`, where the transcript shows it.

    Parameters
    ----------
    name : str
        The party's name on the network.
    input : object, optional
        Its private data. It never leaves the party except as shares.

    Attributes
    ----------
    inbox : list of Message
        What the party has received, filled by the network.
    memory : dict
        What the party has worked out locally (for example the share it kept).

    Examples
    --------
    >>> network = Network()
    >>> alice, bob = network.join(Party("alice", 30)), network.join(Party("bob", 12))
    >>> alice.send(network, "bob", 7, "a number")
    >>> bob.received("a number")
    [array(7)]
    >>> bob
    Party('bob', input hidden, 1 message(s) received)
    """

    def __init__(self, name: str, input: Any = None) -> None:
        self.name = _name("name", name)
        self.input = input
        self.inbox: list[Message] = []
        self.memory: dict[str, Any] = {}

    def send(self, network: Network, receiver: str | Party, payload: Any, label: str) -> None:
        """Send ``payload`` to one party through ``network``."""
        _network("network", network).send(self, receiver, payload, label)

    def broadcast(
        self, network: Network, receivers: Iterable[str | Party], payload: Any, label: str
    ) -> None:
        """Send the same ``payload`` to every party in ``receivers`` (except itself)."""
        _network("network", network).broadcast(self, receivers, payload, label)

    def receive(self, message: Message) -> None:
        """Put a message in the inbox (called by the network)."""
        if not isinstance(message, Message):
            raise InvalidParameterError(f"message must be a Message; got {message!r:.60}.")
        if message.receiver != self.name:
            raise InvalidParameterError(
                f"message must be addressed to {self.name!r}; got one for {message.receiver!r}."
            )
        self.inbox.append(message)

    def received(self, label: str, *, round: int | None = None) -> list[np.ndarray]:
        """Payloads of the messages in the inbox with this label (and round), oldest first."""
        if not isinstance(label, str):
            raise InvalidParameterError(f"label must be a string; got {label!r:.60}.")
        if round is not None:
            round = check.integer("round", round, low=1)
        return [
            message.payload
            for message in self.inbox
            if message.label == label and (round is None or message.round == round)
        ]

    def __repr__(self) -> str:
        return f"Party({self.name!r}, input hidden, {len(self.inbox)} message(s) received)"


class Network:
    """A network that delivers messages between parties and records every one of them.

    Parameters
    ----------
    parties : iterable of Party, optional
        Parties whose inboxes it fills (more can :meth:`join` later). Messages
        to a name that has not joined are recorded but delivered to no inbox.

    Examples
    --------
    >>> network = Network()
    >>> network.broadcast("alice", ["alice", "bob", "carol"], [1, 2], "share of salary")
    >>> network.next_round()
    2
    >>> network.send("bob", "alice", 5, "partial sum")
    >>> network.stats()
    {'rounds': 2, 'messages': 3, 'bytes': 40}
    >>> [message.label for message in network.view("alice")]
    ['partial sum']
    >>> network.table("carol")
    [{'round': 1, 'from': 'alice', 'to': 'carol', 'label': 'share of salary', 'value': '[1, 2]'}]
    """

    def __init__(self, parties: Iterable[Party] = ()) -> None:
        self._messages: list[Message] = []
        self._parties: dict[str, Party] = {}
        self._round = 1
        if isinstance(parties, (str, bytes)) or not isinstance(parties, Iterable):
            raise InvalidParameterError(f"parties must be a list of Party; got {parties!r:.60}.")
        for party in parties:
            self.join(party)

    def join(self, party: Party) -> Party:
        """Connect a party, so that its inbox receives its messages; returns the party."""
        if not isinstance(party, Party):
            raise InvalidParameterError(f"party must be a Party; got {party!r}.")
        if party.name in self._parties:
            raise InvalidParameterError(
                f"party must have a name not yet on the network; got {party.name!r} again."
            )
        self._parties[party.name] = party
        return party

    # -- sending -----------------------------------------------------------

    @property
    def current_round(self) -> int:
        """The round that messages sent now belong to."""
        return self._round

    def next_round(self) -> int:
        """Start a new round and return its number.

        Does nothing if nothing was sent in the current round, so no round is empty.
        """
        if any(message.round == self._round for message in self._messages[-1:]):
            self._round += 1
        return self._round

    def send(self, sender: str | Party, receiver: str | Party, payload: Any, label: str) -> None:
        """Record a message from ``sender`` to ``receiver`` and deliver it.

        The payload is copied (and made read-only): changing the original later
        does not change what was sent.
        """
        sender, receiver = _name("sender", sender), _name("receiver", receiver)
        if sender == receiver:
            raise InvalidParameterError(
                f"receiver must be another party than the sender; got {receiver!r} for both."
            )
        if not isinstance(label, str) or not label.strip():
            raise InvalidParameterError(f"label must be a non-empty string; got {label!r}.")
        copy = _payload(payload)
        message = Message(self._round, sender, receiver, label, copy, int(copy.nbytes))
        self._messages.append(message)
        if receiver in self._parties:
            self._parties[receiver].receive(message)

    def broadcast(
        self, sender: str | Party, receivers: Iterable[str | Party], payload: Any, label: str
    ) -> None:
        """Send the same payload to every receiver except the sender itself (one message each)."""
        if isinstance(receivers, (str, Party)) or not isinstance(receivers, Iterable):
            raise InvalidParameterError(
                f"receivers must be a list of party names; got {receivers!r}."
            )
        sender_name = _name("sender", sender)
        for i, receiver in enumerate(receivers):
            if _name(f"receivers[{i}]", receiver) != sender_name:
                self.send(sender_name, receiver, payload, label)

    # -- reading the transcript ------------------------------------------

    @property
    def messages(self) -> tuple[Message, ...]:
        """Every message so far, in the order sent."""
        return tuple(self._messages)

    @property
    def rounds(self) -> int:
        """Number of rounds in which something was sent."""
        return len({message.round for message in self._messages})

    @property
    def message_count(self) -> int:
        """Number of messages sent."""
        return len(self._messages)

    @property
    def bytes_sent(self) -> int:
        """Total size of all payloads, in bytes."""
        return sum(message.nbytes for message in self._messages)

    def view(self, party_name: str | Party) -> tuple[Message, ...]:
        """Exactly the messages ``party_name`` received: what the network showed that party."""
        name = _name("party_name", party_name)
        return tuple(message for message in self._messages if message.receiver == name)

    def stats(self) -> dict[str, int]:
        """Cost of everything sent so far: ``{"rounds": ..., "messages": ..., "bytes": ...}``."""
        return {"rounds": self.rounds, "messages": self.message_count, "bytes": self.bytes_sent}

    def table(self, party_name: str | Party | None = None) -> list[dict[str, Any]]:
        """Rows for a lesson table: round, from, to, label, value (shortened).

        With ``party_name``, only the messages that party received (its view).
        """
        shown = self._messages if party_name is None else self.view(party_name)
        return [
            {
                "round": message.round,
                "from": message.sender,
                "to": message.receiver,
                "label": message.label,
                "value": _short_value(message.payload),
            }
            for message in shown
        ]

    def __repr__(self) -> str:
        stats = self.stats()
        return (
            f"Network({stats['rounds']} round(s), {stats['messages']} message(s), "
            f"{stats['bytes']} bytes)"
        )


def _network(name: str, network: Any) -> Network:
    if not isinstance(network, Network):
        raise InvalidParameterError(f"{name} must be a Network; got {network!r:.60}.")
    return network


def _name(name: str, value: Any) -> str:
    """A party name: a non-empty string, or a Party (its name)."""
    if isinstance(value, Party):
        return value.name
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            f"{name} must be a party name (a non-empty string) or a Party; got {value!r}."
        )
    return value


def _payload(payload: Any) -> np.ndarray:
    """A read-only copy of a numeric payload."""
    try:
        copy = np.array(payload)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"payload must be a number or an array of numbers; got {_shown(payload)}."
        ) from error
    if copy.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"payload must be a number or an array of numbers; got {_shown(payload)}."
        )
    copy.flags.writeable = False
    return copy
