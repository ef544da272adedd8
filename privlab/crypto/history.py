"""The chat history on a phone, with disappearing messages, encrypted backups and restore.

End-to-end encryption protects messages on their way; on the phone they are
plain text, in a :class:`ChatStore`. Each chat has a timer (:data:`TIMERS`): a
message sent at :math:`s` in a chat whose timer is :math:`T` is gone at
:math:`s + T`, from the store and from every later backup. A new timer applies
to messages sent after it is set.

**Whose time.** The phone's clock belongs to its holder, who can set it back.
So the store keeps its own time (:meth:`ChatStore.now`): it follows the clock
forward, ignores every step back, and a restore runs from the latest of its
own time, the backup's ``saved_at`` and a time the server vouches for.

**Backups** seal the history with :mod:`privlab.crypto.backup`; a restore
checks the file completely before it changes anything.

What no timer can stop: whoever reads a message can keep it (a screenshot, a
forward, a quote, a notification preview, a backup made before it expired).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _guard as check
from .._guard import CLOCK, REAL, guard, optional, whole
from ..errors import BackupFormatError, InvalidParameterError
from . import backup as _backup
from ._kdf import _one_of

__all__ = ["DAY", "HOUR", "TIMERS", "ChatStore", "FakeClock", "StoredMessage"]

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


def _seconds(days: float, hours: float, seconds: float) -> float:
    return days * DAY + hours * HOUR + seconds


def _step_forward(why: str) -> Callable[[dict[str, Any]], None]:
    """A ``where=`` check: days, hours and seconds add up to a step >= 0."""

    def where(arguments: dict[str, Any]) -> None:
        step = _seconds(arguments["days"], arguments["hours"], arguments["seconds"])
        if step < 0:
            raise InvalidParameterError(
                f"days, hours and seconds must add up to a step ≥ 0 ({why}); "
                f"got a step of {step:g} seconds."
            )

    return where


_STEP = {"days": REAL, "hours": REAL, "seconds": REAL}


class FakeClock:
    """A clock for lessons and tests: it reads ``start`` (seconds) and moves only when told.

    >>> clock = FakeClock()
    >>> clock.advance(days=7, hours=1)
    >>> clock(), clock.now / DAY
    (608400.0, 7.041666666666667)
    >>> clock.set_back(days=1.5)
    >>> clock.now / DAY
    5.541666666666667
    """

    @guard(start=REAL)
    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    @guard(**_STEP, where=_step_forward("a clock only moves forward"))
    def advance(self, *, days: float = 0, hours: float = 0, seconds: float = 0) -> None:
        """Move time forward (never back: time does not run backwards)."""
        self.now += _seconds(days, hours, seconds)

    @guard(**_STEP, where=_step_forward("set_back takes how far back to set the clock"))
    def set_back(self, *, days: float = 0, hours: float = 0, seconds: float = 0) -> None:
        """Set the clock back, as a phone's holder can in its settings (time itself goes on)."""
        self.now -= _seconds(days, hours, seconds)

    def __repr__(self) -> str:
        return f"FakeClock(day {self.now / DAY:g})"


@dataclass(frozen=True)
class StoredMessage:
    """One message kept on the phone, in plain text.

    ``id`` counts from 1 on this phone; ``sent_at`` is the store's time;
    ``expires_at`` is ``sent_at`` plus the chat's timer then (or ``None``);
    ``quote`` is the text of the message it replies to.
    """

    id: int
    chat: str
    sender: str
    text: str
    sent_at: float
    expires_at: float | None = None
    quote: str | None = None

    @guard(now=REAL)
    def expired(self, now: float) -> bool:
        """True from the moment ``now`` reaches ``expires_at`` (exactly then, not a tick later)."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class _Chat:
    timer: str
    messages: list[StoredMessage] = field(default_factory=list)


def _on_phone(arguments: dict[str, Any]) -> None:
    """A ``where=`` check: the chat named is on this phone (``None`` means all chats)."""
    chats, chat = arguments["self"]._chats, arguments["chat"]
    if chat is not None and chat not in chats:
        raise InvalidParameterError(f"chat {chat!r} is not on this phone; chats: {list(chats)}.")


_ID = whole(low=1)


class ChatStore:
    """The chats on one phone: messages, disappearing timers, backup and restore.

    ``clock`` is the phone's clock in seconds (``time.time`` by default; a
    :class:`FakeClock` to fast-forward or set it back); ``default_timer`` the
    timer of new chats. ``notifications`` are the previews the phone's system
    showed: they belong to the operating system, and nothing here deletes them.

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

    @guard(owner=_name, clock=CLOCK, default_timer=_timer)
    def __init__(
        self,
        owner: str,
        *,
        clock: Callable[[], float] | None = None,
        default_timer: str = "off",
    ) -> None:
        self.owner = owner
        self._clock = time.time if clock is None else clock
        self._last_reading = -math.inf  # the clock's reading when the store last looked
        self._behind = 0.0  # how far the clock is behind the store's time (it never shrinks)
        self._default_timer = default_timer
        self._chats: dict[str, _Chat] = {}
        self._next_id = 1
        self.notifications: list[str] = []

    def __repr__(self) -> str:
        count = sum(len(chat.messages) for chat in self._chats.values())
        return f"ChatStore({self.owner!r}, chats={len(self._chats)}, messages={count})"

    def now(self) -> float:
        """The store's time, in seconds: the clock's, except that it never runs backwards.

        A step back of the clock is ignored (counted as how far it is behind); a
        step forward is followed, and stays (messages then go early, the safe way).

        >>> clock = FakeClock(10 * DAY)
        >>> store = ChatStore("alice", clock=clock)
        >>> store.now() / DAY
        10.0
        >>> clock.set_back(days=3)
        >>> store.now() / DAY  # the step back is ignored
        10.0
        >>> clock.advance(hours=12)
        >>> clock.now / DAY, store.now() / DAY  # the step forward is followed
        (7.5, 10.5)
        """
        reading = check.real_number("the clock's time", self._clock())
        if reading < self._last_reading:  # set back: the store's time is not
            self._behind += self._last_reading - reading
        self._last_reading = reading
        return reading + self._behind

    def _move_forward(self, to: float) -> float:
        """Bring the store's time forward to ``to`` if it is earlier; return the store's time."""
        now = self.now()
        if to > now:
            self._behind += to - now
        return max(now, to)

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

    @guard(chat=_name, timer=optional(_timer))
    def open_chat(self, chat: str, timer: str | None = None) -> None:
        """Open a chat (if it is new) with ``timer``, or the default timer when ``None``."""
        if chat not in self._chats:
            self._chats[chat] = _Chat(self._default_timer if timer is None else timer)
        elif timer is not None:
            self._chats[chat].timer = timer

    @guard(chat=_name, where=_on_phone)
    def timer(self, chat: str) -> str:
        """The timer of ``chat`` now."""
        return self._chats[chat].timer

    @guard(chat=_name, timer=_timer, where=_on_phone)
    def set_timer(self, chat: str, timer: str) -> None:
        """Set the timer of ``chat``; it applies to messages sent from now on."""
        self._chats[chat].timer = timer

    @guard(chat=_name, sender=_name, text=_text, quote=optional(_ID))
    def add(self, chat: str, sender: str, text: str, *, quote: int | None = None) -> StoredMessage:
        """Keep a message sent or received now in ``chat`` (opened with the default timer if new).

        A ``sender`` other than the owner leaves a notification preview;
        ``quote`` is the id of a message this one replies to (its text is
        copied in). ``expires_at = sent_at + timer`` when the chat has a timer.
        """
        quoted = None if quote is None else self._find("quote", quote).text
        self.open_chat(chat)  # only once everything is checked
        now = self.now()
        seconds = TIMERS[self._chats[chat].timer]
        message = StoredMessage(
            id=self._next_id,
            chat=chat,
            sender=sender,
            text=text,
            sent_at=now,
            expires_at=None if seconds is None else now + seconds,
            quote=quoted,
        )
        self._next_id += 1
        self._chats[chat].messages.append(message)
        if sender != self.owner:
            self.notifications.append(f"{sender}: {text}")
        return message

    @guard(message_id=_ID, to_chat=_name)
    def forward(self, message_id: int, to_chat: str) -> StoredMessage:
        """Send a copy of a message into another chat, where *that* chat's timer applies."""
        return self.add(to_chat, self.owner, self._find("message_id", message_id).text)

    @guard(message_id=_ID)
    def message(self, message_id: int) -> StoredMessage:
        """The message with this id, if it is still on the phone."""
        return self._find("message_id", message_id)

    def _find(self, name: str, message_id: int) -> StoredMessage:
        for message in self.messages():
            if message.id == message_id:
                return message
        raise InvalidParameterError(
            f"{name} {message_id} is not on this phone (never sent here, or disappeared)."
        )

    @guard(chat=optional(_name), where=_on_phone)
    def messages(self, chat: str | None = None) -> list[StoredMessage]:
        """The messages still here (expired ones deleted first), oldest first; one chat or all."""
        self.delete_expired()
        if chat is not None:
            return list(self._chats[chat].messages)
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

    def export(self) -> bytes:
        """The history as UTF-8 JSON, what a backup seals; ``saved_at`` is the store's time now."""
        saved_at = self.now()
        self.delete_expired()
        history = {
            "format": _HISTORY_FORMAT,
            "owner": self.owner,
            "saved_at": saved_at,
            "default_timer": self._default_timer,
            "next_id": self._next_id,
            "chats": {name: chat.timer for name, chat in self._chats.items()},
            "messages": [dict(vars(m)) for m in self.messages()],  # its fields are plain values
        }
        return json.dumps(history, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @guard(**_backup._SEALING, where=_one_of)
    def backup(
        self,
        *,
        key: bytes | str | None = None,
        password: str | None = None,
        cost: str | tuple[int, int] = _backup.DEFAULT_COST,
        rng: np.random.Generator | int | None = None,
    ) -> bytes:
        """An encrypted backup of the history (:func:`~privlab.crypto.backup.seal_backup`).

        Expired messages are not in it; the store's time is (``saved_at``).
        """
        return _backup.seal_backup(self.export(), key=key, password=password, cost=cost, rng=rng)

    # restore checks its arguments in the body, not with @guard: lesson 07 notes a learner's
    # call of it by the caller's frame, which a guard's wrapper would hide.
    def restore(
        self,
        backup: bytes,
        *,
        key: bytes | str | None = None,
        password: str | None = None,
        server_time: float | None = None,
    ) -> int:
        """Replace this phone's history by a backup's (give its key or password); all or nothing.

        The file is opened and checked completely first (a wrong key, a
        damaged file or another owner's backup raises and changes nothing).
        The store's time then moves forward to the latest of its own, the
        backup's ``saved_at`` and ``server_time`` (a time the server vouches
        for), and every message expired by then is dropped. Returns how many
        messages were restored.

        >>> clock = FakeClock()
        >>> phone = ChatStore("bob", clock=clock, default_timer="24 hours")
        >>> _ = phone.add("alice", "alice", "the door code is 4711")
        >>> sealed = phone.backup(key=bytes(32), rng=0)
        >>> clock.advance(days=1.5)  # the code went at 24 hours
        >>> set_back = ChatStore("bob", clock=FakeClock(clock.now - 1.5 * DAY))
        >>> set_back.restore(sealed, key=bytes(32))  # offline: held to the backup's time
        1
        >>> set_back.restore(sealed, key=bytes(32), server_time=clock.now)
        0
        """
        told = -math.inf if server_time is None else check.real_number("server_time", server_time)
        history = _parse_history(_backup.open_backup(backup, key=key, password=password))
        if history["owner"] != self.owner:
            raise InvalidParameterError(
                f"this backup holds the chats of {history['owner']!r}; this phone is "
                f"{self.owner!r}'s. Restore it on a ChatStore({history['owner']!r})."
            )
        now = self._move_forward(max(history["saved_at"], told))
        chats = {name: _Chat(timer) for name, timer in history["chats"].items()}
        for message in history["messages"]:
            if not message.expired(now):
                chats[message.chat].messages.append(message)
        self._chats = chats
        self._default_timer = history["default_timer"]
        self._next_id = history["next_id"]
        return sum(len(chat.messages) for chat in chats.values())


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
        saved_at = check.real_number("saved_at", history["saved_at"])
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
        "saved_at": saved_at,
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
