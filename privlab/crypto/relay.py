"""A relay server that stores and forwards what it is given, and writes down what it sees.

End-to-end encryption hides the *content* of messages from the server, not
the *metadata*. The server still has to know who a message is for, and it
sees when it arrives and how long it is. :class:`RelayServer` plays that
server for the lesson:

* it keeps each user's prekey bundle (the public keys others need to start a
  chat) and hands it out on request;
* it queues each message (opaque bytes) for its recipient until the recipient
  fetches it;
* it keeps a log of every message: sender, recipient, time, size and the
  bytes themselves. That log is the server's view: :meth:`RelayServer.log_table`
  shows it as a table.

Two switches let the lesson play a server that misbehaves:

* :meth:`RelayServer.replace_bundle` makes it hand out a bundle of its own
  choosing instead of the one a user published: the man in the middle that
  only a comparison of safety numbers (:mod:`privlab.crypto.safety`) reveals;
* :meth:`RelayServer.fetch` can deliver messages in another order, hold some
  back or drop some, as a real network may.

**Padding.** A ciphertext is as long as its plaintext plus a fixed overhead,
so its size gives the message's length away ("yes" or a long paragraph).
:func:`pad` lengthens a plaintext to a multiple of a block size *before*
encryption (ISO/IEC 7816-4: a byte ``0x80``, then zero bytes), and
:func:`unpad` removes it after decryption. Padding hides nothing by itself and
is not a cipher: it only makes lengths coarser.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import _guard as check
from ..errors import DecryptionError, InvalidParameterError

__all__ = ["DEFAULT_BLOCK", "RelayRecord", "RelayServer", "pad", "unpad"]

DEFAULT_BLOCK = 256
"""Default padding block in bytes: every padded message is a multiple of it."""

_MAX_BLOCK = 1 << 20  # 1 MiB; larger blocks waste memory without teaching more


# --------------------------------------------------------------------------
# Padding
# --------------------------------------------------------------------------


def _as_bytes(name: str, value: Any) -> bytes:
    """``bytes`` (or a ``bytearray``) as ``bytes``; anything else is refused."""
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidParameterError(f"{name} must be bytes; got {value!r}.")
    return bytes(value)


def pad(plaintext: bytes, block: int = DEFAULT_BLOCK) -> bytes:
    """Lengthen ``plaintext`` to the next multiple of ``block`` bytes (ISO/IEC 7816-4).

    Steps: append one byte ``0x80``, then zero bytes until the length is a
    multiple of ``block``. The ``0x80`` is always added, so a plaintext that
    already fills whole blocks gains a full block, and every padded message is
    at least one block long. Computed by libsodium's ``sodium_pad``.

    Parameters
    ----------
    plaintext : bytes
        The message, before encryption.
    block : int, default 256
        Block size in bytes, from 1 to 1,048,576.

    Returns
    -------
    bytes
        ``plaintext``, ``0x80`` and zero bytes; a multiple of ``block`` long.

    Raises
    ------
    InvalidParameterError
        If ``plaintext`` is not bytes or ``block`` is not a whole number in range.

    Examples
    --------
    >>> padded = pad(b"yes", block=8)
    >>> padded
    b'yes\\x80\\x00\\x00\\x00\\x00'
    >>> len(pad(b"yes")), len(pad(b"x" * 200)), len(pad(b"x" * 256))
    (256, 256, 512)
    >>> unpad(padded, block=8)
    b'yes'
    """
    data = _as_bytes("plaintext", plaintext)
    size = check.integer("block", block, low=1, high=_MAX_BLOCK)
    from nacl.bindings import sodium_pad  # loaded on first use only

    return sodium_pad(data, size)


def unpad(padded: bytes, block: int = DEFAULT_BLOCK) -> bytes:
    """Remove the padding that :func:`pad` added (ISO/IEC 7816-4).

    Steps: check that the length is a positive multiple of ``block``; skip
    the zero bytes at the end; the byte before them must be ``0x80``, and
    everything before it is the plaintext. The search is libsodium's
    ``sodium_unpad``, which takes the same time whatever the padding.

    Parameters
    ----------
    padded : bytes
        A padded message, after decryption.
    block : int, default 256
        The block size it was padded to, from 1 to 1,048,576.

    Returns
    -------
    bytes
        The plaintext without its padding.

    Raises
    ------
    DecryptionError
        If ``padded`` is not a positive multiple of ``block`` long, or does not
        end with ``0x80`` followed by zero bytes only (within its last block).
    InvalidParameterError
        If ``padded`` is not bytes or ``block`` is not a whole number in range.

    Examples
    --------
    >>> unpad(b"ok\\x80\\x00", block=4)
    b'ok'
    >>> unpad(b"ok\\x00\\x00", block=4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: bad padding: the last block must end with 0x80 and then ...
    """
    data = _as_bytes("padded", padded)
    size = check.integer("block", block, low=1, high=_MAX_BLOCK)
    if not data or len(data) % size:
        raise DecryptionError(
            f"bad padding: a padded message is a positive multiple of {size} bytes long; "
            f"got {len(data)} bytes."
        )
    from nacl.bindings import sodium_unpad
    from nacl.exceptions import CryptoError

    try:
        return sodium_unpad(data, size)
    except CryptoError:
        raise DecryptionError(
            "bad padding: the last block must end with 0x80 and then only zero bytes."
        ) from None


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RelayRecord:
    """One message as the relay server saw it.

    Parameters
    ----------
    time : float
        When it arrived, by the server's clock.
    sender : str
        Who sent it.
    recipient : str
        Who it was for.
    size : int
        Its length in bytes.
    data : bytes
        The bytes themselves (a ciphertext, if the sender encrypted it).
    """

    time: float
    sender: str
    recipient: str
    size: int
    data: bytes


def _counter_clock() -> Callable[[], float]:
    """A clock that reads 1, 2, 3, ...: one tick per message, the same on every run."""
    ticks = itertools.count(1)
    return lambda: next(ticks)


class RelayServer:
    """A store-and-forward server: prekey bundles, message queues and a log of what it sees.

    Steps of a conversation through it: each user publishes a bundle
    (:meth:`publish_bundle`); a sender fetches the recipient's bundle
    (:meth:`fetch_bundle`) to set up a session, then sends bytes
    (:meth:`send`); the recipient collects them (:meth:`fetch`). A user is
    known to the server once it has published a bundle, and only known users
    can send and receive.

    Bundles are opaque to the server: it stores and returns whatever object it
    was given. (A real server also hands out each one-time prekey only once;
    this one leaves that to the bundle's owner.)

    Parameters
    ----------
    clock : callable, optional
        Called with no arguments for the time of each message. By default a
        counter (1, 2, 3, ...) so that a lesson shows the same log on every
        run; pass ``time.time`` for wall-clock seconds.

    Attributes
    ----------
    log : list of RelayRecord
        Every message the server has accepted, oldest first. It keeps them
        after delivery: nothing stops a server from doing so.

    Examples
    --------
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

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        if clock is not None and not callable(clock):
            raise InvalidParameterError(
                f"clock must be None or a function of no arguments returning the time; "
                f"got {clock!r}."
            )
        self._clock = _counter_clock() if clock is None else clock
        self._bundles: dict[str, Any] = {}
        self._replaced: dict[str, Any] = {}
        self._queues: dict[str, list[bytes]] = {}
        self.log: list[RelayRecord] = []

    def __repr__(self) -> str:
        return f"RelayServer(users={sorted(self._bundles)}, messages logged={len(self.log)})"

    # -- users and bundles ---------------------------------------------------

    @property
    def users(self) -> list[str]:
        """Names of the users who have published a bundle, in alphabetical order."""
        return sorted(self._bundles)

    def _name(self, parameter: str, name: Any) -> str:
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(
                f"{parameter} must be a non-empty string (a user name); got {name!r}."
            )
        return name

    def _known(self, parameter: str, name: Any) -> str:
        name = self._name(parameter, name)
        if name not in self._bundles:
            raise InvalidParameterError(
                f"{parameter} must be a user who has published a bundle "
                f"(known: {', '.join(self.users) or 'nobody yet'}); got {name!r}."
            )
        return name

    def publish_bundle(self, name: str, bundle: Any) -> None:
        """Store ``bundle`` as user ``name``'s prekey bundle (replacing an earlier one).

        Publishing also makes ``name`` a user who can send and receive.

        Parameters
        ----------
        name : str
            The user's name.
        bundle : object
            Anything but ``None``: the server does not look inside.

        Raises
        ------
        InvalidParameterError
            If ``name`` is not a non-empty string or ``bundle`` is ``None``.

        Examples
        --------
        >>> server = RelayServer()
        >>> server.publish_bundle("alice", {"identity": b"..."})
        >>> server.users
        ['alice']
        """
        name = self._name("name", name)
        if bundle is None:
            raise InvalidParameterError("bundle must be a prekey bundle (any object); got None.")
        self._bundles[name] = bundle
        self._queues.setdefault(name, [])

    def fetch_bundle(self, name: str) -> Any:
        """The prekey bundle the server hands out for ``name``.

        That is the bundle ``name`` published, unless :meth:`replace_bundle`
        told the server to hand out another one. The caller cannot tell the
        difference: that is the point of the lesson.

        Raises
        ------
        InvalidParameterError
            If ``name`` has not published a bundle.

        Examples
        --------
        >>> server = RelayServer()
        >>> server.publish_bundle("bob", "bob's keys")
        >>> server.fetch_bundle("bob")
        "bob's keys"
        """
        name = self._known("name", name)
        return self._replaced.get(name, self._bundles[name])

    def replace_bundle(self, name: str, bundle: Any) -> None:
        """Play a malicious server: from now on hand out ``bundle`` as ``name``'s bundle.

        The bundle ``name`` published stays stored but is no longer handed
        out, even if ``name`` publishes again. Whoever fetches it sets up a
        session with the owner of ``bundle`` (the server, say) while
        believing it talks to ``name``. To sit fully in the middle, the
        server takes the messages out of ``name``'s queue with :meth:`fetch`,
        reads them, and puts re-encrypted ones back with :meth:`send` (it can
        write any sender's name). :meth:`restore_bundle` undoes the swap.

        Raises
        ------
        InvalidParameterError
            If ``name`` has not published a bundle or ``bundle`` is ``None``.

        Examples
        --------
        >>> server = RelayServer()
        >>> server.publish_bundle("bob", "bob's keys")
        >>> server.replace_bundle("bob", "the server's keys")
        >>> server.fetch_bundle("bob")
        "the server's keys"
        >>> server.restore_bundle("bob")
        >>> server.fetch_bundle("bob")
        "bob's keys"
        """
        name = self._known("name", name)
        if bundle is None:
            raise InvalidParameterError("bundle must be a prekey bundle (any object); got None.")
        self._replaced[name] = bundle

    def restore_bundle(self, name: str) -> None:
        """Stop replacing ``name``'s bundle: hand out the one ``name`` published again."""
        name = self._known("name", name)
        self._replaced.pop(name, None)

    # -- messages --------------------------------------------------------------

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """Accept a message: log it and queue it for ``recipient``.

        Parameters
        ----------
        sender, recipient : str
            Users who have published a bundle.
        data : bytes
            The message as it travels (the server cannot tell whether it is
            encrypted).

        Raises
        ------
        InvalidParameterError
            If a user is unknown or ``data`` is not bytes.

        Examples
        --------
        >>> server = RelayServer()
        >>> server.publish_bundle("alice", "keys")
        >>> server.send("alice", "carol", b"hi")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        privlab.errors.InvalidParameterError: recipient must be a user who ... got 'carol'.
        """
        sender = self._known("sender", sender)
        recipient = self._known("recipient", recipient)
        message = _as_bytes("data", data)
        self.log.append(RelayRecord(self._clock(), sender, recipient, len(message), message))
        self._queues[recipient].append(message)

    def pending(self, recipient: str) -> int:
        """How many messages wait for ``recipient``."""
        return len(self._queues[self._known("recipient", recipient)])

    def fetch(
        self,
        recipient: str,
        order: Iterable[int] | None = None,
        drop: Iterable[int] = (),
    ) -> list[bytes]:
        """Deliver the messages waiting for ``recipient``; by default all, oldest first.

        ``order`` and ``drop`` simulate an unreliable network. Positions count
        the waiting messages from 0 (the oldest).

        Parameters
        ----------
        recipient : str
            A user who has published a bundle.
        order : iterable of int, optional
            Positions of the messages to deliver now, in the order to deliver
            them. Messages not listed (and not dropped) stay queued for a later
            fetch. ``None`` delivers every message that is not dropped, oldest
            first.
        drop : iterable of int, default ()
            Positions of messages that are lost: removed and never delivered.

        Returns
        -------
        list of bytes
            The delivered messages.

        Raises
        ------
        InvalidParameterError
            If ``recipient`` is unknown, or a position is out of range, repeated,
            or both delivered and dropped.

        Examples
        --------
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
        recipient = self._known("recipient", recipient)
        queue = self._queues[recipient]
        dropped = self._positions("drop", drop, len(queue))
        if order is None:
            chosen = [index for index in range(len(queue)) if index not in dropped]
        else:
            chosen = self._positions("order", order, len(queue))
            both = sorted(set(chosen) & set(dropped))
            if both:
                raise InvalidParameterError(
                    f"order and drop must not share positions; got {both} in both."
                )
        delivered = [queue[index] for index in chosen]
        gone = set(chosen) | set(dropped)
        self._queues[recipient] = [data for index, data in enumerate(queue) if index not in gone]
        return delivered

    @staticmethod
    def _positions(parameter: str, positions: Any, waiting: int) -> list[int]:
        """Distinct whole numbers from 0 to ``waiting - 1``, in the order given."""
        allowed = f"distinct positions from 0 to {waiting - 1} (messages waiting: {waiting})"
        if waiting == 0:
            allowed = "empty: no messages are waiting"
        if isinstance(positions, (str, bytes)) or not isinstance(positions, Iterable):
            raise InvalidParameterError(
                f"{parameter} must be a list of {allowed}; got {positions!r}."
            )
        values = list(positions)
        try:
            checked = [check.integer(parameter, value, low=0, high=waiting - 1) for value in values]
        except InvalidParameterError:
            raise InvalidParameterError(
                f"{parameter} must be a list of {allowed}; got {values!r}."
            ) from None
        if len(set(checked)) != len(checked):
            raise InvalidParameterError(f"{parameter} must be a list of {allowed}; got {values!r}.")
        return checked

    # -- the server's view --------------------------------------------------------

    def log_table(self, preview: int = 16) -> list[dict[str, Any]]:
        """The log as a list of rows (dicts), ready for ``pandas.DataFrame`` or printing.

        Parameters
        ----------
        preview : int, default 16
            How many bytes of each message to show, in hexadecimal; longer
            messages end with ``"..."`` (0 shows none).

        Returns
        -------
        list of dict
            One row per message with keys ``time``, ``sender``, ``recipient``,
            ``size`` (bytes) and ``data`` (the first bytes, in hexadecimal).

        Examples
        --------
        >>> server = RelayServer(clock=lambda: 1700000000.0)
        >>> server.publish_bundle("alice", "keys")
        >>> server.send("alice", "alice", bytes(range(20)))  # a note to self
        >>> server.log_table(preview=4)
        [{'time': 1700000000.0, 'sender': 'alice', 'recipient': 'alice', 'size': 20,
          'data': '00010203...'}]
        """
        shown = check.integer("preview", preview, low=0)
        rows = []
        for record in self.log:
            data = record.data[:shown].hex() + ("..." if record.size > shown else "")
            rows.append(
                {
                    "time": record.time,
                    "sender": record.sender,
                    "recipient": record.recipient,
                    "size": record.size,
                    "data": data,
                }
            )
        return rows
