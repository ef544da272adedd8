"""A relay server that stores and forwards what it is given, and writes down what it sees.

End-to-end encryption hides the *content* of messages from the server, not the
*metadata*: who a message is for, when it arrives, how long it is.
:class:`RelayServer` keeps prekey bundles, queues messages and logs them all;
it can also misbehave: hand out a bundle of its own (:meth:`RelayServer.replace_bundle`,
the man in the middle that safety numbers reveal) or deliver out of order and drop.

**Padding.** A ciphertext's size gives the message's length away. :func:`pad`
lengthens a plaintext to a multiple of a block *before* encryption (ISO/IEC
7816-4: a byte ``0x80``, then zero bytes); it only makes lengths coarser.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import _guard as check
from .._guard import BYTES, CLOCK, LABEL, TIED, guard, whole
from ..errors import DecryptionError, InvalidParameterError

__all__ = ["DEFAULT_BLOCK", "RelayRecord", "RelayServer", "pad", "unpad"]

DEFAULT_BLOCK = 256
"""Default padding block in bytes: every padded message is a multiple of it."""

_BLOCK = whole(1, 1 << 20)  # up to 1 MiB; larger blocks waste memory without teaching more


@guard(plaintext=BYTES, block=_BLOCK)
def pad(plaintext: bytes, block: int = DEFAULT_BLOCK) -> bytes:
    """Lengthen ``plaintext`` to the next multiple of ``block`` bytes (ISO/IEC 7816-4).

    Append one byte ``0x80``, then zero bytes up to a multiple of ``block``
    (1 to 1,048,576), with libsodium's ``sodium_pad``. The ``0x80`` is always
    added, so a plaintext that fills whole blocks gains a full block.

    >>> pad(b"yes", block=8)
    b'yes\\x80\\x00\\x00\\x00\\x00'
    >>> len(pad(b"yes")), len(pad(b"x" * 200)), len(pad(b"x" * 256))
    (256, 256, 512)
    """
    from nacl.bindings import sodium_pad  # loaded on first use only

    return sodium_pad(plaintext, block)


@guard(padded=BYTES, block=_BLOCK)
def unpad(padded: bytes, block: int = DEFAULT_BLOCK) -> bytes:
    """Remove what :func:`pad` added (libsodium's ``sodium_unpad``); bad padding raises.

    >>> unpad(b"ok\\x80\\x00", block=4)
    b'ok'
    >>> unpad(b"ok\\x00\\x00", block=4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: bad padding: the last block must end with 0x80 and then ...
    """
    if not padded or len(padded) % block:
        raise DecryptionError(
            f"bad padding: a padded message is a positive multiple of {block} bytes long; "
            f"got {len(padded)} bytes."
        )
    from nacl.bindings import sodium_unpad
    from nacl.exceptions import CryptoError

    try:
        return sodium_unpad(padded, block)
    except CryptoError:
        raise DecryptionError(
            "bad padding: the last block must end with 0x80 and then only zero bytes."
        ) from None


@dataclass(frozen=True)
class RelayRecord:
    """One message as the server saw it: arrival time, sender, recipient, size and bytes."""

    time: float
    sender: str
    recipient: str
    size: int
    data: bytes


def _bundle(name: str, bundle: Any) -> Any:
    if bundle is None:
        raise InvalidParameterError(f"{name} must be a prekey bundle (any object); got None.")
    return bundle


def _known(*parameters: str) -> Callable[[dict[str, Any]], None]:
    """A ``where=`` check: each of ``parameters`` names a user who has published a bundle."""

    def where(arguments: dict[str, Any]) -> None:
        users = arguments["self"].users
        for parameter in parameters:
            if arguments[parameter] not in users:
                raise InvalidParameterError(
                    f"{parameter} must be a user who has published a bundle "
                    f"(known: {', '.join(users) or 'nobody yet'}); got {arguments[parameter]!r}."
                )

    return where


def _positions(parameter: str, positions: Any, waiting: int) -> list[int]:
    """Distinct whole numbers from 0 to ``waiting - 1``, in the order given."""
    allowed = f"distinct positions from 0 to {waiting - 1} (messages waiting: {waiting})"
    if waiting == 0:
        allowed = "empty: no messages are waiting"
    refused = InvalidParameterError(f"{parameter} must be a list of {allowed}; got {positions!r}.")
    if isinstance(positions, (str, bytes)) or not isinstance(positions, Iterable):
        raise refused
    values = list(positions)
    refused = InvalidParameterError(f"{parameter} must be a list of {allowed}; got {values!r}.")
    try:
        checked = [check.integer(parameter, value, low=0, high=waiting - 1) for value in values]
    except InvalidParameterError:
        raise refused from None
    if len(set(checked)) != len(checked):
        raise refused
    return checked


def _deliverable(arguments: dict[str, Any]) -> None:
    _known("recipient")(arguments)
    waiting = len(arguments["self"]._queues[arguments["recipient"]])
    dropped = _positions("drop", arguments["drop"], waiting)
    order = arguments["order"]
    if order is None:
        chosen = [index for index in range(waiting) if index not in dropped]
    else:
        chosen = _positions("order", order, waiting)
        both = sorted(set(chosen) & set(dropped))
        if both:
            raise InvalidParameterError(
                f"order and drop must not share positions; got {both} in both."
            )
    arguments["order"], arguments["drop"] = chosen, dropped


class RelayServer:
    """A store-and-forward server: prekey bundles, message queues and a log of what it sees.

    Publishing a bundle (any object: the server does not look inside) makes a
    user known, to send and receive. ``clock`` gives each message's time (by
    default 1, 2, 3, ...); ``log`` keeps every message, after delivery too.

    >>> server = RelayServer()
    >>> server.publish_bundle("alice", "alice's keys")
    >>> server.publish_bundle("bob", "bob's keys")
    >>> server.fetch_bundle("bob")
    "bob's keys"
    >>> server.send("alice", "bob", b"\\x8f\\x02\\x11")
    >>> server.send("alice", "bob", b"\\x55\\xe0")
    >>> server.fetch("bob")
    [b'\\x8f\\x02\\x11', b'U\\xe0']
    >>> server.fetch("bob")  # delivered messages leave the queue ...
    []
    >>> server.log_table()  # ... but not the log
    [{'time': 1, 'sender': 'alice', 'recipient': 'bob', 'size': 3, 'data': '8f0211'},
     {'time': 2, 'sender': 'alice', 'recipient': 'bob', 'size': 2, 'data': '55e0'}]
    """

    @guard(clock=CLOCK)
    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = itertools.count(1).__next__ if clock is None else clock
        self._bundles: dict[str, Any] = {}
        self._replaced: dict[str, Any] = {}
        self._queues: dict[str, list[bytes]] = {}
        self.log: list[RelayRecord] = []

    def __repr__(self) -> str:
        return f"RelayServer(users={sorted(self._bundles)}, messages logged={len(self.log)})"

    @property
    def users(self) -> list[str]:
        """Names of the users who have published a bundle, in alphabetical order."""
        return sorted(self._bundles)

    @guard(name=LABEL, bundle=_bundle)
    def publish_bundle(self, name: str, bundle: Any) -> None:
        """Store ``bundle`` (not ``None``) as ``name``'s; ``name`` may then send and receive."""
        self._bundles[name] = bundle
        self._queues.setdefault(name, [])

    @guard(name=LABEL, where=_known("name"))
    def fetch_bundle(self, name: str) -> Any:
        """The bundle handed out for ``name``: the one published, unless :meth:`replace_bundle`."""
        return self._replaced.get(name, self._bundles[name])

    @guard(name=LABEL, bundle=_bundle, where=_known("name"))
    def replace_bundle(self, name: str, bundle: Any) -> None:
        """Play a malicious server: hand out ``bundle`` as ``name``'s, until :meth:`restore_bundle`.

        >>> server = RelayServer()
        >>> server.publish_bundle("bob", "bob's keys")
        >>> server.replace_bundle("bob", "the server's keys")
        >>> server.fetch_bundle("bob")
        "the server's keys"
        >>> server.restore_bundle("bob")
        >>> server.fetch_bundle("bob")
        "bob's keys"
        """
        self._replaced[name] = bundle

    @guard(name=LABEL, where=_known("name"))
    def restore_bundle(self, name: str) -> None:
        """Hand out the bundle ``name`` published again."""
        self._replaced.pop(name, None)

    @guard(sender=LABEL, recipient=LABEL, data=BYTES, where=_known("sender", "recipient"))
    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """Accept a message from one known user to another: log it and queue it.

        >>> server = RelayServer()
        >>> server.publish_bundle("alice", "keys")
        >>> server.send("alice", "carol", b"hi")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.InvalidParameterError: recipient must be a user who ... got 'carol'.
        """
        self.log.append(RelayRecord(self._clock(), sender, recipient, len(data), data))
        self._queues[recipient].append(data)

    @guard(recipient=LABEL, where=_known("recipient"))
    def pending(self, recipient: str) -> int:
        """How many messages wait for ``recipient``."""
        return len(self._queues[recipient])

    @guard(recipient=LABEL, order=TIED, drop=TIED, where=_deliverable)
    def fetch(
        self,
        recipient: str,
        order: Iterable[int] | None = None,
        drop: Iterable[int] = (),
    ) -> list[bytes]:
        """Deliver the messages waiting for ``recipient``: all, oldest first, or as a network may.

        Positions count the waiting messages from 0. ``order`` lists those to
        deliver now, in that order (the rest stay queued); ``drop`` those lost.

        >>> server = RelayServer()
        >>> for name in ("alice", "bob"):
        ...     server.publish_bundle(name, f"{name}'s keys")
        >>> for data in (b"one", b"two", b"three", b"four"):
        ...     server.send("alice", "bob", data)
        >>> server.fetch("bob", order=[2, 0], drop=[3])  # "two" is held back
        [b'three', b'one']
        >>> server.fetch("bob")
        [b'two']
        """
        queue = self._queues[recipient]
        gone = set(order) | set(drop)
        self._queues[recipient] = [data for index, data in enumerate(queue) if index not in gone]
        return [queue[index] for index in order]

    @guard(preview=whole(0))
    def log_table(self, preview: int = 16) -> list[dict[str, Any]]:
        """The log as rows of time, sender, recipient, size and the first ``preview`` bytes in hex.

        >>> server = RelayServer(clock=lambda: 1700000000.0)
        >>> server.publish_bundle("alice", "keys")
        >>> server.send("alice", "alice", bytes(range(20)))  # a note to self
        >>> server.log_table(preview=4)
        [{'time': 1700000000.0, 'sender': 'alice', 'recipient': 'alice', 'size': 20,
          'data': '00010203...'}]
        """
        return [
            {
                "time": record.time,
                "sender": record.sender,
                "recipient": record.recipient,
                "size": record.size,
                "data": record.data[:preview].hex() + ("..." if record.size > preview else ""),
            }
            for record in self.log
        ]
