"""Parties that talk only through a network that records every message.

A protocol's security is a statement about what each party sees: its input, its
randomness and the messages it receives (its **view**). Every protocol of
:mod:`privlab.mpc` runs on a :class:`Network` that keeps the transcript:
:meth:`Network.view` lists what one party received, :meth:`Network.stats` counts
rounds, messages and bytes (the cost :func:`~privlab.mpc.protocols.protocol_cost`
predicts). Messages of one round travel at the same time, so a message may depend
only on what its sender received in earlier rounds; the number of rounds is what
makes a protocol slow over a real network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._guard import LABEL, guard, instance, optional, whole
from ..errors import InvalidParameterError
from .ring import _short_value, _shown

__all__ = ["Message", "Network", "Party"]


@dataclass(frozen=True, eq=False)
class Message:
    """One message: its round (from 1), sender, receiver, label, read-only payload and size."""

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


def _name(name: str, value: Any) -> str:
    """A party name: a non-empty string, or a Party (its name)."""
    if isinstance(value, Party):
        return value.name
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            f"{name} must be a party name (a non-empty string) or a Party; got {value!r}."
        )
    return value


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, (str, Party)) or not isinstance(value, Iterable):
        raise InvalidParameterError(f"{name} must be a list of party names; got {value!r}.")
    return [_name(f"{name}[{i}]", receiver) for i, receiver in enumerate(value)]


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(f"{name} must be a string; got {_shown(value)}.")
    return value


def _payload(name: str, payload: Any) -> Any:
    """A number or an array of numbers (copied when sent)."""
    try:
        kind = np.array(payload).dtype.kind
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"{name} must be a number or an array of numbers; got {_shown(payload)}."
        ) from error
    if kind not in "biuf":
        raise InvalidParameterError(
            f"{name} must be a number or an array of numbers; got {_shown(payload)}."
        )
    return payload


def _to_another_party(arguments: dict[str, Any]) -> None:
    sender = arguments["sender"] if "sender" in arguments else arguments["self"].name
    if arguments["receiver"] == sender:
        raise InvalidParameterError(
            f"receiver must be another party than the sender; got {sender!r} for both."
        )


def _addressed_to_me(arguments: dict[str, Any]) -> None:
    me, receiver = arguments["self"].name, arguments["message"].receiver
    if receiver != me:
        raise InvalidParameterError(
            f"message must be addressed to {me!r}; got one for {receiver!r}."
        )


def _new_name(name: str, party: Party, taken: Iterable[str]) -> None:
    if party.name in taken:
        raise InvalidParameterError(
            f"{name} must have a name not yet on the network; got {party.name!r} again."
        )


def _parties(name: str, value: Any) -> list[Party]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidParameterError(f"{name} must be a list of Party; got {value!r:.60}.")
    parties = [_party("party", party) for party in value]
    for i, party in enumerate(parties):
        _new_name("party", party, [other.name for other in parties[:i]])
    return parties


def _joins(arguments: dict[str, Any]) -> None:
    _new_name("party", arguments["party"], arguments["self"]._parties)


_message = instance(Message, "a Message")


def _network(name: str, network: Any) -> Network:
    if not isinstance(network, Network):
        raise InvalidParameterError(f"{name} must be a Network; got {network!r:.60}.")
    return network


def _this_round(network: Network, name: str, label: str) -> list[np.ndarray]:
    """The payloads ``name`` received with this label in the network's current round."""
    return [
        message.payload
        for message in network.view(name)
        if message.label == label and message.round == network.current_round
    ]


class Party:
    """A participant: a name, a private input, an ``inbox`` the network fills and a ``memory``.

    A protocol lets a party use only its own input, memory and inbox: everything
    else it learns comes as a message, where the transcript shows it.

    >>> network = Network()
    >>> alice, bob = network.join(Party("alice", 30)), network.join(Party("bob", 12))
    >>> alice.send(network, "bob", 7, "a number")
    >>> bob.received("a number")
    [array(7)]
    >>> bob
    Party('bob', input hidden, 1 message(s) received)
    """

    @guard(name=_name)
    def __init__(self, name: str, input: Any = None) -> None:
        self.name = name
        self.input = input
        self.inbox: list[Message] = []
        self.memory: dict[str, Any] = {}

    @guard(network=_network, receiver=_name, label=LABEL, payload=_payload, where=_to_another_party)
    def send(self, network: Network, receiver: str | Party, payload: Any, label: str) -> None:
        """Send ``payload`` to one party through ``network``."""
        network.send(self.name, receiver, payload, label)

    @guard(network=_network, receivers=_names, label=LABEL, payload=_payload)
    def broadcast(
        self, network: Network, receivers: Iterable[str | Party], payload: Any, label: str
    ) -> None:
        """Send the same ``payload`` to every party in ``receivers`` but itself."""
        network.broadcast(self.name, receivers, payload, label)

    @guard(message=_message, where=_addressed_to_me)
    def receive(self, message: Message) -> None:
        """Put a message in the inbox (the network calls it)."""
        self.inbox.append(message)

    @guard(label=_string, round=optional(whole(1)))
    def received(self, label: str, *, round: int | None = None) -> list[np.ndarray]:
        """Payloads of the messages in the inbox with this label (and round), oldest first."""
        return [
            message.payload
            for message in self.inbox
            if message.label == label and (round is None or message.round == round)
        ]

    def __repr__(self) -> str:
        return f"Party({self.name!r}, input hidden, {len(self.inbox)} message(s) received)"


_party = instance(Party, "a Party")


class Network:
    """A network that delivers messages between parties and records every one of them.

    Messages to a name that has not joined are recorded but delivered to no inbox.

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

    @guard(parties=_parties)
    def __init__(self, parties: Iterable[Party] = ()) -> None:
        self._messages: list[Message] = []
        self._parties = {party.name: party for party in parties}
        self._round = 1

    @guard(party=_party, where=_joins)
    def join(self, party: Party) -> Party:
        """Connect a party, so that its inbox receives its messages; returns the party."""
        self._parties[party.name] = party
        return party

    @property
    def current_round(self) -> int:
        """The round that messages sent now belong to."""
        return self._round

    def next_round(self) -> int:
        """Start a new round (unless nothing was sent in this one) and return its number."""
        if any(message.round == self._round for message in self._messages[-1:]):
            self._round += 1
        return self._round

    @guard(sender=_name, receiver=_name, label=LABEL, payload=_payload, where=_to_another_party)
    def send(self, sender: str | Party, receiver: str | Party, payload: Any, label: str) -> None:
        """Record a message and deliver it; the payload is copied, read-only, as it was sent."""
        copy = np.array(payload)
        copy.flags.writeable = False
        message = Message(self._round, sender, receiver, label, copy, int(copy.nbytes))
        self._messages.append(message)
        if receiver in self._parties:
            self._parties[receiver].receive(message)

    @guard(sender=_name, receivers=_names, label=LABEL, payload=_payload)
    def broadcast(
        self, sender: str | Party, receivers: Iterable[str | Party], payload: Any, label: str
    ) -> None:
        """Send the same payload to every receiver but the sender (one message each)."""
        for receiver in receivers:
            if receiver != sender:
                self.send(sender, receiver, payload, label)

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
        return len(self._messages)

    @property
    def bytes_sent(self) -> int:
        return sum(message.nbytes for message in self._messages)

    def stats(self) -> dict[str, int]:
        """Cost so far: ``{"rounds": ..., "messages": ..., "bytes": ...}``."""
        return {"rounds": self.rounds, "messages": self.message_count, "bytes": self.bytes_sent}

    @guard(party_name=_name)
    def view(self, party_name: str | Party) -> tuple[Message, ...]:
        """Exactly the messages ``party_name`` received: what the network showed that party."""
        return tuple(message for message in self._messages if message.receiver == party_name)

    @guard(party_name=optional(_name))
    def table(self, party_name: str | Party | None = None) -> list[dict[str, Any]]:
        """Rows for a lesson table (round, from, to, label, short value); with ``party_name``,
        its view only."""
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
