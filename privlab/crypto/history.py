"""The chat history on a phone, with disappearing messages, encrypted backups and restore.

End-to-end encryption protects messages on their way; on the phone they are
kept in plain text, in a store like :class:`ChatStore`. Two features decide how
long they stay there:

**Disappearing messages.** Each chat has a timer: off, 24 hours, 7 days or
90 days (:data:`TIMERS`), and the phone has a default timer for new chats. A
message sent at time :math:`s` in a chat whose timer is :math:`T` expires at
:math:`s + T`: from that moment on it is gone from the store, from every
backup made afterwards, and restoring an older backup does not bring it back.
A new timer applies to messages sent after it is set; earlier messages keep
the timer they were sent with.

**Backups.** :meth:`ChatStore.backup` seals the whole history with
:mod:`privlab.crypto.backup`; :meth:`ChatStore.restore` checks a backup
completely before it changes anything, so a wrong key or a damaged file
leaves the store as it was.

Time comes from a clock passed in (``time.time`` by default), so that lessons
and tests can fast-forward with a :class:`FakeClock`.

What no timer can stop: whoever reads a message can keep it: a screenshot, a
forward into a chat without a timer, a quoted reply, a notification preview,
or a backup taken before the message expired (the file still holds it, even
though a restore drops it). Disappearing messages keep a chat tidy; they are
no protection against the person you are writing to.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import _validate as check
from ..errors import BackupFormatError, InvalidParameterError
from . import backup as _backup

__all__ = [
    "DAY",
    "HOUR",
    "TIMERS",
    "ChatStore",
    "FakeClock",
    "StoredMessage",
]

HOUR = 3600.0
"""Seconds in an hour."""

DAY = 24 * HOUR
"""Seconds in a day."""

TIMERS: dict[str, float | None] = {
    "off": None,
    "24 hours": 1 * DAY,
    "7 days": 7 * DAY,
    "90 days": 90 * DAY,
}
"""The disappearing-message timers a chat can have, in seconds (``None``: messages stay)."""

_HISTORY_FORMAT = "privlab-chat-history"
_MAX_TEXT = 65_536


class FakeClock:
    """A clock for lessons and tests: it reads what it was set to and moves only when told.

    Parameters
    ----------
    start : float, default 0
        The time it reads at first, in seconds.

    Examples
    --------
    >>> clock = FakeClock()
    >>> clock.advance(days=7, hours=1)
    >>> clock(), clock.now / DAY
    (608400.0, 7.041666666666667)
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = check.real_number("start", start)

    def __call__(self) -> float:
        return self.now

    def advance(self, *, days: float = 0, hours: float = 0, seconds: float = 0) -> None:
        """Move time forward (never back: a real clock does not run backwards)."""
        step = (
            check.real_number("days", days) * DAY
            + check.real_number("hours", hours) * HOUR
            + check.real_number("seconds", seconds)
        )
        if step < 0:
            raise InvalidParameterError(
                f"days, hours and seconds must add up to a step ≥ 0 (a clock only moves "
                f"forward); got a step of {step:g} seconds."
            )
        self.now += step

    def __repr__(self) -> str:
        return f"FakeClock(day {self.now / DAY:g})"


@dataclass(frozen=True)
class StoredMessage:
    """One message kept on the phone.

    Attributes
    ----------
    id : int
        Its number on this phone: 1, 2, 3, ...
    chat : str
        The chat it belongs to.
    sender : str
        Who wrote it.
    text : str
        What it says (plain text: the phone has decrypted it).
    sent_at : float
        When it was sent, in seconds on the store's clock.
    expires_at : float or None
        When it disappears (``sent_at`` plus the chat's timer then), or ``None``.
    quote : str or None
        The text of the message it replies to, copied into the reply.
    """

    id: int
    chat: str
    sender: str
    text: str
    sent_at: float
    expires_at: float | None = None
    quote: str | None = None

    def expired(self, now: float) -> bool:
        """True from the moment ``now`` reaches ``expires_at`` (exactly then, not a tick later)."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class _Chat:
    timer: str
    messages: list[StoredMessage] = field(default_factory=list)


class ChatStore:
    """The chats on one phone: messages, disappearing timers, backup and restore.

    Parameters
    ----------
    owner : str
        Whose phone it is; messages from anyone else leave a notification preview.
    clock : callable, optional
        Called with no arguments for the time in seconds; ``time.time`` by
        default. Pass a :class:`FakeClock` to fast-forward.
    default_timer : str, default "off"
        The timer of new chats: a key of :data:`TIMERS`.

    Attributes
    ----------
    notifications : list of str
        The previews the phone's system showed ("bob: see you at 8"). They
        belong to the operating system, not to the store: nothing here deletes them.

    Examples
    --------
    >>> clock = FakeClock()
    >>> phone = ChatStore("alice", clock=clock, default_timer="24 hours")
    >>> first = phone.add("bob", "bob", "the door code is 4711")
    >>> clock.advance(hours=23)
    >>> [m.text for m in phone.messages("bob")]
    ['the door code is 4711']
    >>> clock.advance(hours=1)  # exactly 24 hours after it was sent
    >>> phone.messages("bob")
    []
    >>> phone.notifications  # ... but the preview is still on the lock screen
    ['bob: the door code is 4711']
    """

    def __init__(
        self,
        owner: str,
        *,
        clock: Callable[[], float] | None = None,
        default_timer: str = "off",
    ) -> None:
        self.owner = _name("owner", owner)
        if clock is not None and not callable(clock):
            raise InvalidParameterError(
                "clock must be None or a function of no arguments returning seconds; "
                f"got {clock!r}."
            )
        self._clock = time.time if clock is None else clock
        self._default_timer = _timer("default_timer", default_timer)
        self._chats: dict[str, _Chat] = {}
        self._next_id = 1
        self.notifications: list[str] = []

    def __repr__(self) -> str:
        count = sum(len(chat.messages) for chat in self._chats.values())
        return f"ChatStore({self.owner!r}, chats={len(self._chats)}, messages={count})"

    # -- time and timers -------------------------------------------------------

    def now(self) -> float:
        """The store's clock, in seconds."""
        return check.real_number("the clock's time", self._clock())

    @property
    def default_timer(self) -> str:
        """The timer a new chat starts with."""
        return self._default_timer

    @default_timer.setter
    def default_timer(self, timer: str) -> None:
        self._default_timer = _timer("default_timer", timer)

    @property
    def chats(self) -> list[str]:
        """The chats on this phone, in the order they were opened."""
        return list(self._chats)

    def open_chat(self, chat: str, timer: str | None = None) -> None:
        """Open a chat (if it is new) with ``timer``, or the default timer when ``None``."""
        name = _name("chat", chat)
        if name not in self._chats:
            chosen = self._default_timer if timer is None else _timer("timer", timer)
            self._chats[name] = _Chat(chosen)
        elif timer is not None:
            self.set_timer(name, timer)

    def timer(self, chat: str) -> str:
        """The timer of ``chat`` now."""
        return self._chat(chat).timer

    def set_timer(self, chat: str, timer: str) -> None:
        """Set the timer of ``chat``; it applies to messages sent from now on."""
        self._chat(chat).timer = _timer("timer", timer)

    # -- messages ----------------------------------------------------------------

    def add(self, chat: str, sender: str, text: str, *, quote: int | None = None) -> StoredMessage:
        """Keep a message sent or received now in ``chat`` (opened with the default timer if new).

        Parameters
        ----------
        chat : str
            The chat's name (the other person, or a group).
        sender : str
            Who wrote it: the owner, or someone else (then a notification preview is shown).
        text : str
            The message.
        quote : int, optional
            The id of a message this one replies to; its text is copied into the reply.

        Returns
        -------
        StoredMessage
            With ``expires_at = sent_at + timer`` when the chat has a timer.
        """
        name, author, words = _name("chat", chat), _name("sender", sender), _text("text", text)
        quoted = None if quote is None else self.message(quote).text
        self.open_chat(name)  # only once everything is checked
        now = self.now()
        seconds = TIMERS[self._chats[name].timer]
        message = StoredMessage(
            id=self._next_id,
            chat=name,
            sender=author,
            text=words,
            sent_at=now,
            expires_at=None if seconds is None else now + seconds,
            quote=quoted,
        )
        self._next_id += 1
        self._chats[name].messages.append(message)
        if message.sender != self.owner:
            self.notifications.append(f"{message.sender}: {words}")
        return message

    def forward(self, message_id: int, to_chat: str) -> StoredMessage:
        """Send a copy of a message into another chat, where *that* chat's timer applies."""
        original = self.message(message_id)
        return self.add(to_chat, self.owner, original.text)

    def message(self, message_id: int) -> StoredMessage:
        """The message with this id, if it is still on the phone."""
        wanted = check.integer("message_id", message_id, low=1)
        for message in self.messages():
            if message.id == wanted:
                return message
        raise InvalidParameterError(
            f"message_id {wanted} is not on this phone (never sent here, or disappeared)."
        )

    def messages(self, chat: str | None = None) -> list[StoredMessage]:
        """The messages still here (expired ones are deleted first), oldest first.

        Parameters
        ----------
        chat : str, optional
            One chat; all chats when ``None``.
        """
        self.delete_expired()
        if chat is not None:
            return list(self._chat(chat).messages)
        every = [m for c in self._chats.values() for m in c.messages]
        return sorted(every, key=lambda m: m.id)

    def delete_expired(self) -> int:
        """Delete every message whose time is up; return how many went."""
        now = self.now()
        gone = 0
        for chat in self._chats.values():
            kept = [m for m in chat.messages if not m.expired(now)]
            gone += len(chat.messages) - len(kept)
            chat.messages = kept
        return gone

    # -- backup and restore --------------------------------------------------------

    def export(self) -> bytes:
        """The history as UTF-8 JSON: what a backup seals (expired messages are left out)."""
        self.delete_expired()
        history = {
            "format": _HISTORY_FORMAT,
            "owner": self.owner,
            "default_timer": self._default_timer,
            "next_id": self._next_id,
            "chats": {name: chat.timer for name, chat in self._chats.items()},
            "messages": [asdict(m) for m in self.messages()],
        }
        return json.dumps(history, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def backup(
        self,
        *,
        key: bytes | str | None = None,
        password: str | None = None,
        cost: str | tuple[int, int] = _backup.DEFAULT_COST,
        rng: np.random.Generator | int | None = None,
    ) -> bytes:
        """An encrypted backup of the whole history (see :func:`privlab.crypto.backup.seal_backup`).

        Messages that have already expired are not in it.
        """
        return _backup.seal_backup(self.export(), key=key, password=password, cost=cost, rng=rng)

    def restore(
        self, backup: bytes, *, key: bytes | str | None = None, password: str | None = None
    ) -> int:
        """Replace this phone's history by a backup's; all or nothing.

        The backup is opened and checked completely first; only then is the
        store changed. Messages that expired since the backup was made are
        dropped: a restore never brings a disappeared message back.

        Returns
        -------
        int
            How many messages were restored.

        Raises
        ------
        DecryptionError, BackupFormatError
            For a wrong key or password, or a damaged file; the store is unchanged.
        InvalidParameterError
            If the backup belongs to someone else (another owner); the store is unchanged.
        """
        history = _parse_history(_backup.open_backup(backup, key=key, password=password))
        if history["owner"] != self.owner:
            raise InvalidParameterError(
                f"this backup holds the chats of {history['owner']!r}; this phone is "
                f"{self.owner!r}'s. Restore it on a ChatStore({history['owner']!r})."
            )
        now = self.now()
        chats = {name: _Chat(timer) for name, timer in history["chats"].items()}
        for message in history["messages"]:
            if not message.expired(now):
                chats[message.chat].messages.append(message)
        self._chats = chats
        self._default_timer = history["default_timer"]
        self._next_id = history["next_id"]
        return sum(len(chat.messages) for chat in chats.values())

    # -- helpers --------------------------------------------------------------------

    def _chat(self, chat: Any) -> _Chat:
        name = _name("chat", chat)
        if name not in self._chats:
            raise InvalidParameterError(
                f"chat {name!r} is not on this phone; chats: {list(self._chats)}."
            )
        return self._chats[name]


# --------------------------------------------------------------------------
# Reading a history back, checking everything
# --------------------------------------------------------------------------


def _parse_history(data: bytes) -> dict[str, Any]:
    """Check a decrypted history completely and turn it into messages (or refuse it)."""
    try:
        history = json.loads(data.decode("utf-8"))
        if history.get("format") != _HISTORY_FORMAT:
            raise ValueError("not a chat history")
        chats = {_name("chat", n): _timer("timer", t) for n, t in history["chats"].items()}
        messages = [StoredMessage(**fields) for fields in history["messages"]]
        for message in messages:
            _check_message(message, chats)
        next_id = check.integer("next_id", history["next_id"], low=1)
        ids = [m.id for m in messages]
        if len(set(ids)) != len(ids) or any(i >= next_id for i in ids):
            raise ValueError("message ids repeat or run past next_id")
        default = _timer("default_timer", history["default_timer"])
        owner = _name("owner", history["owner"])
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise BackupFormatError(
            f"the backup opened, but what is inside is not a chat history: {error}"
        ) from None
    return {
        "owner": owner,
        "chats": chats,
        "messages": messages,
        "next_id": next_id,
        "default_timer": default,
    }


def _check_message(message: StoredMessage, chats: dict[str, str]) -> None:
    if message.chat not in chats:
        raise ValueError(f"message {message.id} is in an unknown chat")
    check.integer("id", message.id, low=1)
    _name("sender", message.sender)
    _text("text", message.text)
    check.real_number("sent_at", message.sent_at)
    if message.expires_at is not None:
        check.real_number("expires_at", message.expires_at)
    if message.quote is not None:
        _text("quote", message.quote)


def _timer(name: str, timer: Any) -> str:
    if not isinstance(timer, str) or timer not in TIMERS:
        raise InvalidParameterError(f"{name} must be one of {list(TIMERS)}; got {timer!r}.")
    return timer


def _name(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise InvalidParameterError(
            f"{name} must be a non-empty string of at most 100 characters; got {value!r}."
        )
    return _utf8(name, value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise InvalidParameterError(
            f"{name} must be a string of at most {_MAX_TEXT} characters; got {value!r:.60}."
        )
    return _utf8(name, value)


def _utf8(name: str, value: str) -> str:
    # A lone surrogate ("\ud800") is a str but not UTF-8: accepted, it would make every
    # later export() and backup() fail with UnicodeEncodeError.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameterError(
            f"{name} must be text that UTF-8 can encode (no lone surrogates); got {value!r:.60}."
        ) from None
    return value
