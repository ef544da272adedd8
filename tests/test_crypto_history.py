"""Tests of privlab.crypto.history: the chat store, disappearing messages, and restore.

* A message with a timer is there up to the last instant and gone exactly at
  ``sent_at + timer`` (24 hours, 7 days, 90 days); with the timer off it
  never goes.
* Timers: a change applies to later messages only; the default timer applies
  to new chats and can be changed; ``open_chat`` takes an explicit timer.
* What a timer cannot stop: a forward into a chat without a timer, a quoted
  reply, a notification preview, and a backup file made before the message
  expired (it still holds the message, though a restore drops it).
* Expired messages are not exported, not in new backups, and never come back
  with a restore, into the same store or a fresh one.
* A clock set back: the store's time does not follow, so nothing expired comes
  back (same phone; a new phone told the server's time) and nothing is kept
  longer; a new phone restored offline is held to the backup's ``saved_at``.
  A clock set forward: messages go early, and setting it back revives none,
  with or without the server's time.
* Every bad argument raises InvalidParameterError naming it.
"""

from __future__ import annotations

import json
import time

import pytest

from privlab.crypto.backup import open_backup
from privlab.crypto.history import DAY, HOUR, TIMERS, ChatStore, FakeClock, StoredMessage
from privlab.errors import InvalidParameterError

KEY = bytes(range(32))
START = 1_000.0  # a start time at which the sums below are exact in floating point


def phone(default_timer: str = "off", start: float = START) -> tuple[ChatStore, FakeClock]:
    """Alice's phone with a fake clock."""
    clock = FakeClock(start)
    return ChatStore("alice", clock=clock, default_timer=default_timer), clock


def texts(store: ChatStore, chat: str | None = None) -> list[str]:
    """The texts still on the phone."""
    return [message.text for message in store.messages(chat)]


def backed_up_texts(sealed: bytes) -> list[str]:
    """The texts inside a backup file, read by opening it (not by restoring it)."""
    return [m["text"] for m in json.loads(open_backup(sealed, key=KEY))["messages"]]


# --------------------------------------------------------------------------
# Expiry at the exact boundary
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timer", "seconds"), [("24 hours", DAY), ("7 days", 7 * DAY), ("90 days", 90 * DAY)]
)
def test_a_message_is_there_until_the_last_instant_and_gone_exactly_at_its_time(timer, seconds):
    """Sent at t with timer T: present at t + T - 1 ms, gone at exactly t + T."""
    store, clock = phone()
    store.open_chat("bob", timer=timer)
    message = store.add("bob", "bob", "the door code is 4711")
    assert message.sent_at == START and message.expires_at == START + seconds
    assert TIMERS[timer] == seconds

    clock.advance(seconds=seconds - 0.001)
    assert texts(store, "bob") == ["the door code is 4711"]
    assert store.message(message.id) == message
    assert not message.expired(clock())

    clock.advance(seconds=(START + seconds) - clock())
    assert clock() == message.expires_at  # exactly, not a tick later
    assert message.expired(clock())
    assert store.messages("bob") == []
    assert store.messages() == []


@pytest.mark.parametrize(
    ("step", "there"),
    [
        ({"days": 1}, False),
        ({"hours": 24}, False),
        ({"seconds": 86_400}, False),
        ({"hours": 23, "seconds": 3599.999}, True),
        ({"days": 1, "seconds": -0.001}, True),
    ],
)
def test_the_boundary_is_the_same_whichever_unit_the_clock_is_advanced_in(step, there):
    """24 hours = 1 day = 86,400 s: any way of reaching it deletes; a millisecond less keeps."""
    store, clock = phone(default_timer="24 hours")
    store.add("bob", "bob", "hi")
    clock.advance(**step)
    assert texts(store) == (["hi"] if there else [])


def test_timer_off_never_expires():
    """With the timer off a message is still there after 10,000 days."""
    store, clock = phone(default_timer="off")
    message = store.add("bob", "bob", "keep me")
    assert message.expires_at is None
    clock.advance(days=10_000)
    assert texts(store) == ["keep me"]
    assert store.delete_expired() == 0


def test_delete_expired_counts_what_went():
    """delete_expired returns the number of messages it deleted, once."""
    store, clock = phone(default_timer="24 hours")
    for n in range(3):
        store.add("bob", "bob", f"message {n}")
    store.add("notes", "alice", "mine")
    store.set_timer("notes", "off")
    clock.advance(days=1)
    assert store.delete_expired() == 4  # "notes" still had the 24-hour timer when written
    assert store.delete_expired() == 0


# --------------------------------------------------------------------------
# Timers: changes, defaults, explicit timers
# --------------------------------------------------------------------------


def test_a_timer_change_applies_only_to_later_messages():
    """Messages keep the timer they were sent with."""
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.add("bob", "bob", "sent with 24 hours")
    store.set_timer("bob", "off")
    store.add("bob", "bob", "sent with the timer off")
    store.set_timer("bob", "7 days")
    store.add("bob", "bob", "sent with 7 days")
    assert store.timer("bob") == "7 days"

    clock.advance(days=1)
    assert texts(store) == ["sent with the timer off", "sent with 7 days"]
    clock.advance(days=6)
    assert texts(store) == ["sent with the timer off"]
    clock.advance(days=1_000)
    assert texts(store) == ["sent with the timer off"]


def test_turning_a_timer_on_does_not_reach_back():
    """Messages sent while the timer was off stay when it is turned on."""
    store, clock = phone()
    store.add("bob", "bob", "old")
    store.set_timer("bob", "24 hours")
    store.add("bob", "bob", "new")
    clock.advance(days=2)
    assert texts(store) == ["old"]


def test_the_default_timer_applies_to_new_chats_and_can_be_changed():
    """New chats start with the default timer; changing it leaves existing chats alone."""
    store, clock = phone(default_timer="7 days")
    assert store.default_timer == "7 days"
    store.open_chat("bob")
    store.add("carol", "carol", "opened by a message")
    assert store.timer("bob") == store.timer("carol") == "7 days"

    store.default_timer = "24 hours"
    store.open_chat("dave")
    assert store.timer("dave") == "24 hours"
    assert store.timer("bob") == "7 days"

    store.add("dave", "dave", "24h")
    store.add("bob", "bob", "7d")
    clock.advance(days=1)
    assert texts(store) == ["opened by a message", "7d"]


def test_open_chat_takes_an_explicit_timer_and_sets_it_on_an_open_chat():
    """open_chat(chat, timer) overrides the default; on an open chat it is set_timer."""
    store, _ = phone(default_timer="24 hours")
    store.open_chat("bob", timer="90 days")
    assert store.timer("bob") == "90 days"
    store.open_chat("bob")  # no timer: nothing changes
    assert store.timer("bob") == "90 days"
    store.open_chat("bob", timer="off")
    assert store.timer("bob") == "off"
    assert store.chats == ["bob"]


# --------------------------------------------------------------------------
# What a timer cannot stop
# --------------------------------------------------------------------------


def test_a_forward_takes_the_timer_of_the_chat_it_goes_into():
    """Forwarded into a chat with the timer off, a copy outlives the original."""
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("notes", timer="off")
    store.open_chat("carol", timer="7 days")
    original = store.add("bob", "bob", "the door code is 4711")
    clock.advance(hours=1)
    kept = store.forward(original.id, "notes")
    week = store.forward(original.id, "carol")

    assert (kept.chat, kept.sender, kept.text) == ("notes", "alice", original.text)
    assert kept.expires_at is None
    assert week.expires_at == START + HOUR + 7 * DAY
    assert kept.id > original.id

    clock.advance(days=1)
    assert texts(store, "bob") == []
    assert texts(store, "notes") == ["the door code is 4711"]
    assert texts(store, "carol") == ["the door code is 4711"]
    clock.advance(days=7)
    assert texts(store) == ["the door code is 4711"]


def test_a_forward_into_a_new_chat_opens_it_with_the_default_timer():
    """Forwarding to a chat that is not open yet opens it like add does."""
    store, _ = phone(default_timer="90 days")
    original = store.add("bob", "bob", "hi")
    copy = store.forward(original.id, "eve")
    assert store.timer("eve") == "90 days"
    assert copy.expires_at == START + 90 * DAY


def test_a_quoted_reply_keeps_the_text_it_quotes():
    """The reply copies the quoted text, which outlives the original."""
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("group", timer="off")
    original = store.add("bob", "bob", "meet me at 8")
    reply = store.add("group", "alice", "bob says so", quote=original.id)
    assert reply.quote == "meet me at 8"
    assert store.add("group", "alice", "no quote").quote is None
    clock.advance(days=1)
    assert store.messages("bob") == []
    assert store.message(reply.id).quote == "meet me at 8"


def test_notifications_keep_previews_of_incoming_messages_after_expiry():
    """Incoming messages leave a preview; the owner's own do not; expiry deletes none."""
    store, clock = phone(default_timer="24 hours")
    store.add("bob", "bob", "the door code is 4711")
    store.add("bob", "alice", "got it")
    store.add("group", "carol", "🙂")
    assert store.notifications == ["bob: the door code is 4711", "carol: 🙂"]
    clock.advance(days=1)
    assert store.messages() == []
    assert store.notifications == ["bob: the door code is 4711", "carol: 🙂"]


def test_expired_messages_are_not_exported_or_in_new_backups():
    """export() and a backup made after expiry hold only what is still on the phone."""
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("notes", timer="off")
    store.add("bob", "bob", "vanishing")
    store.add("notes", "alice", "staying")
    clock.advance(days=1)
    exported = json.loads(store.export())
    assert [m["text"] for m in exported["messages"]] == ["staying"]
    assert "vanishing" not in store.export().decode("utf-8")
    assert backed_up_texts(store.backup(key=KEY)) == ["staying"]
    assert exported["chats"] == {"bob": "24 hours", "notes": "off"}
    assert exported["next_id"] == 3


# --------------------------------------------------------------------------
# No resurrection by restore
# --------------------------------------------------------------------------


@pytest.mark.parametrize("into", ["same store", "fresh store"])
def test_a_restore_does_not_bring_back_expired_messages(into):
    """A backup from before the expiry restores only what has not expired since."""
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("notes", timer="off")
    store.open_chat("carol", timer="7 days")
    store.add("bob", "bob", "the door code is 4711")
    store.add("notes", "alice", "staying")
    store.add("carol", "carol", "a week")
    sealed = store.backup(key=KEY)
    clock.advance(days=1)

    target = store if into == "same store" else ChatStore("alice", clock=FakeClock(clock()))
    assert target.restore(sealed, key=KEY) == 2
    assert texts(target) == ["staying", "a week"]
    assert target.chats == ["bob", "notes", "carol"]  # the chat itself is still there
    assert target.add("bob", "bob", "next").id == 4  # ids of dropped messages are not reused

    # The documented leak: the *file* still holds the expired message.
    assert backed_up_texts(sealed) == ["the door code is 4711", "staying", "a week"]


def test_a_restore_just_before_the_expiry_brings_the_message_back_until_its_time():
    """Restored messages keep their expiry time: restored at t + T - 1 ms, gone at t + T."""
    store, clock = phone(default_timer="24 hours")
    message = store.add("bob", "bob", "hi")
    sealed = store.backup(key=KEY)
    clock.advance(seconds=DAY - 0.001)
    fresh = ChatStore("alice", clock=clock)
    assert fresh.restore(sealed, key=KEY) == 1
    assert fresh.message(message.id) == message
    clock.advance(seconds=(START + DAY) - clock())
    assert fresh.messages() == []


def test_a_restore_drops_messages_by_their_own_expiry_not_the_chats_timer():
    """A chat's timer changed since the backup does not change its messages' expiry."""
    store, clock = phone()
    store.open_chat("bob", timer="off")
    store.add("bob", "bob", "sent without a timer")
    store.set_timer("bob", "24 hours")
    sealed = store.backup(key=KEY)
    clock.advance(days=30)
    assert store.restore(sealed, key=KEY) == 1
    assert texts(store) == ["sent without a timer"]
    assert store.timer("bob") == "24 hours"


# --------------------------------------------------------------------------
# A clock set back or forward by the phone's holder
# --------------------------------------------------------------------------

SET_BACK = [
    pytest.param(HOUR, id="1 hour"),
    pytest.param(13 * HOUR, id="13 hours: before the door code's expiry"),
    pytest.param(1.5 * DAY, id="1.5 days: before the backup was made"),
    pytest.param(3 * DAY, id="3 days"),
    pytest.param(365 * DAY, id="a year"),
]


def door_code_phone() -> tuple[ChatStore, FakeClock, bytes]:
    """Alice's phone at hour 36, its clock right; the backup from hour 2 holds the door code.

    The door code (24 hours) went at hour 24; "a week" (7 days) and "staying"
    (no timer) are still there.
    """
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("carol", timer="7 days")
    store.open_chat("notes", timer="off")
    store.add("bob", "bob", "the door code is 4711")
    store.add("carol", "carol", "a week")
    store.add("notes", "alice", "staying")
    clock.advance(hours=2)
    sealed = store.backup(key=KEY)
    clock.advance(hours=34)
    assert texts(store) == ["a week", "staying"]  # the store has seen hour 36
    return store, clock, sealed


def test_the_stores_time_ignores_a_clock_set_back_and_follows_it_forward():
    """now() stays put when the clock goes back, then moves on with every step forward."""
    store, clock = phone()
    assert store.now() == START
    clock.set_back(days=1.5)
    assert clock() == START - 1.5 * DAY
    assert store.now() == START
    clock.advance(hours=1)
    assert store.now() == START + HOUR
    clock.advance(days=2)  # forward past the real time: followed
    assert store.now() == START + HOUR + 2 * DAY
    clock.set_back(days=2)
    assert store.now() == START + HOUR + 2 * DAY
    assert store.add("bob", "bob", "hi").sent_at == START + HOUR + 2 * DAY


@pytest.mark.parametrize("back", SET_BACK)
def test_setting_the_clock_back_does_not_keep_a_message_longer(back):
    """Set back an hour before expiry, the door code still goes one hour later."""
    store, clock = phone(default_timer="24 hours")
    store.add("bob", "bob", "the door code is 4711")
    clock.advance(hours=23)
    assert texts(store) == ["the door code is 4711"]
    clock.set_back(seconds=back)
    assert texts(store) == ["the door code is 4711"]
    clock.advance(hours=1)
    assert texts(store) == []
    assert store.now() == START + DAY


@pytest.mark.parametrize("server", [False, True], ids=["offline", "with the server's time"])
@pytest.mark.parametrize("back", SET_BACK)
def test_a_restore_on_the_same_phone_with_its_clock_set_back_brings_nothing_back(back, server):
    """The phone has seen hour 36: set back by any amount, the restore still runs at hour 36."""
    store, clock, sealed = door_code_phone()
    real_time = clock()
    clock.set_back(seconds=back)
    told = {"server_time": real_time} if server else {}
    assert store.restore(sealed, key=KEY, **told) == 2
    assert texts(store) == ["a week", "staying"]
    assert store.now() == real_time
    clock.advance(days=5)  # from hour 36, "a week" goes at day 7, whatever the clock reads
    assert texts(store) == ["a week", "staying"]
    clock.advance(hours=12)
    assert texts(store) == ["staying"]


@pytest.mark.parametrize("back", SET_BACK)
def test_a_new_phone_with_its_clock_set_back_is_held_to_the_servers_time(back):
    """A new phone, clock set back, told the server's time: the door code does not come back."""
    _, clock, sealed = door_code_phone()
    new_phone = ChatStore("alice", clock=FakeClock(clock() - back))
    assert new_phone.restore(sealed, key=KEY, server_time=clock()) == 2
    assert texts(new_phone) == ["a week", "staying"]
    assert new_phone.now() == clock()
    assert "the door code is 4711" in backed_up_texts(sealed)  # the file holds it: the leak


@pytest.mark.parametrize("back", [20 * HOUR, 30 * HOUR, 100 * HOUR], ids=["20 h", "30 h", "100 h"])
def test_offline_a_new_phone_with_its_clock_set_back_is_held_to_the_backups_time(back):
    """The honest limit: offline, a restore runs from the backup's saved_at, never earlier.

    A backup made at hour 30 holds "soon" (sent at hour 10, 24-hour timer, gone
    at hour 34), not the door code (gone at hour 24). Restored at hour 40 on a
    new phone whose clock was set back, even to before hour 30: the door code
    stays out, "soon" shows, and goes after 4 hours of the phone's clock.
    """
    store, clock = phone(default_timer="24 hours")
    store.add("bob", "bob", "the door code is 4711")
    clock.advance(hours=10)
    store.add("bob", "bob", "soon")
    clock.advance(hours=20)
    sealed = store.backup(key=KEY)
    assert json.loads(open_backup(sealed, key=KEY))["saved_at"] == START + 30 * HOUR
    assert backed_up_texts(sealed) == ["soon"]  # expired messages are never written
    clock.advance(hours=10)

    phone_clock = FakeClock(clock() - back)
    new_phone = ChatStore("alice", clock=phone_clock)
    assert new_phone.restore(sealed, key=KEY) == 1
    assert new_phone.now() == START + 30 * HOUR
    assert texts(new_phone) == ["soon"]
    phone_clock.advance(seconds=4 * HOUR - 0.001)
    assert texts(new_phone) == ["soon"]
    phone_clock.advance(seconds=0.001)
    assert texts(new_phone) == []


def test_a_backup_leaves_out_what_expired_by_the_stores_time_whatever_the_clock_says():
    """Set back 10 days at hour 23, two hours later the backup has no door code, saved_at 25 h."""
    store, clock = phone(default_timer="24 hours")
    store.add("bob", "bob", "the door code is 4711")
    store.open_chat("notes", timer="off")
    store.add("notes", "alice", "staying")
    clock.advance(hours=23)
    store.messages()
    clock.set_back(days=10)
    store.messages()
    clock.advance(hours=2)
    sealed = store.backup(key=KEY)
    assert backed_up_texts(sealed) == ["staying"]
    assert json.loads(open_backup(sealed, key=KEY))["saved_at"] == START + 25 * HOUR


@pytest.mark.parametrize("server", [False, True], ids=["offline", "with the server's time"])
def test_a_clock_set_forward_makes_messages_go_early_and_setting_it_back_revives_none(server):
    """Jumped 2 days forward, the store follows (the safe direction) and keeps that time.

    The door code (24 hours) goes at once; "a week" goes at real day 5, not 7;
    setting the clock right again, or a restore told the real time, brings
    neither back: a server's time only ever moves the store forward.
    """
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("carol", timer="7 days")
    store.add("bob", "bob", "the door code is 4711")
    store.add("carol", "carol", "a week")
    sealed = store.backup(key=KEY)  # at real hour 0, before the jump
    clock.advance(days=2)
    assert texts(store) == ["a week"]  # gone early
    clock.set_back(days=2)  # the clock is right again; the store's time is not set back
    told = {"server_time": START} if server else {}
    assert store.restore(sealed, key=KEY, **told) == 1
    assert texts(store) == ["a week"]
    assert store.now() == START + 2 * DAY
    clock.advance(seconds=5 * DAY - 0.001)
    assert texts(store) == ["a week"]
    clock.advance(seconds=0.001)  # real day 5: store day 7
    assert texts(store) == []


@pytest.mark.parametrize("server", [False, True], ids=["offline", "with the server's time"])
def test_a_backup_made_with_the_clock_set_forward_binds_every_restore(server):
    """Its saved_at is 3 days ahead: a new phone with the real clock restores at that time."""
    store, clock = phone()
    store.open_chat("bob", timer="24 hours")
    store.open_chat("carol", timer="7 days")
    store.add("bob", "bob", "the door code is 4711")
    store.add("carol", "carol", "a week")
    clock.advance(days=3)
    sealed = store.backup(key=KEY)
    assert backed_up_texts(sealed) == ["a week"]
    real = FakeClock(START)
    new_phone = ChatStore("alice", clock=real)
    told = {"server_time": START} if server else {}
    assert new_phone.restore(sealed, key=KEY, **told) == 1
    assert new_phone.now() == START + 3 * DAY
    real.advance(days=4)
    assert texts(new_phone) == []


@pytest.mark.parametrize(
    "bad",
    ["noon", float("nan"), float("inf"), True, [1.0]],
    ids=["noon", "nan", "inf", "True", "a list"],
)
def test_a_bad_server_time_is_refused_before_anything_changes(bad):
    """server_time must be a finite number; the store keeps its history and its time."""
    store, clock, sealed = door_code_phone()
    with pytest.raises(InvalidParameterError, match="server_time must be a"):
        store.restore(sealed, key=KEY, server_time=bad)
    assert texts(store) == ["a week", "staying"]
    assert store.now() == clock()


# --------------------------------------------------------------------------
# The store's other behaviour
# --------------------------------------------------------------------------


def test_messages_are_numbered_and_listed_oldest_first():
    """Ids 1, 2, 3, ... across chats; messages() lists them by id; message(id) finds one."""
    store, clock = phone()
    first = store.add("bob", "bob", "a")
    clock.advance(seconds=1)
    second = store.add("carol", "carol", "b")
    third = store.add("bob", "alice", "c")
    assert [first.id, second.id, third.id] == [1, 2, 3]
    assert [m.id for m in store.messages()] == [1, 2, 3]
    assert [m.id for m in store.messages("bob")] == [1, 3]
    assert store.message(2) == second
    assert second.sent_at == START + 1
    assert isinstance(second, StoredMessage)
    assert repr(store) == "ChatStore('alice', chats=2, messages=3)"


def test_fake_clock_moves_only_forward_and_when_told():
    """It reads what it was set to; advance adds days, hours and seconds."""
    clock = FakeClock()
    assert clock() == 0.0
    clock.advance(days=1, hours=2, seconds=3)
    assert clock() == DAY + 2 * HOUR + 3
    clock.advance(days=1, seconds=-1)  # a net step forward is fine
    assert clock() == 2 * DAY + 2 * HOUR + 2
    assert repr(FakeClock(DAY / 2)) == "FakeClock(day 0.5)"


def test_the_real_clock_is_the_default():
    """Without a clock the store uses time.time."""
    before = time.time()
    now = ChatStore("alice").now()
    assert before <= now <= time.time()


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


def store_with_a_vanished_message() -> ChatStore:
    """A phone whose message 1 expired a moment ago."""
    store, clock = phone(default_timer="24 hours")
    store.add("bob", "bob", "gone soon")
    clock.advance(days=1)
    return store


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: ChatStore("alice", default_timer="1 hour"), "default_timer must be one of"),
        (lambda: setattr(phone()[0], "default_timer", "forever"), "default_timer must be one of"),
        (lambda: phone()[0].open_chat("bob", timer="1 hour"), "timer must be one of"),
        (lambda: ChatStore("alice", clock=42), "clock must be None or a function"),
        (lambda: ChatStore("alice", clock=FakeClock(float("nan"))), "start"),
        (lambda: ChatStore("", clock=FakeClock()), "owner must be a non-empty string"),
        (lambda: ChatStore(None), "owner must be a non-empty string"),
        (lambda: FakeClock().advance(seconds=-1), "clock only moves forward"),
        (lambda: FakeClock().advance(days=-0.5, hours=1), "clock only moves forward"),
        (lambda: FakeClock().advance(hours="1"), "hours must be a real number"),
        (lambda: FakeClock("noon"), "start must be a real number"),
        (lambda: FakeClock().set_back(days=-1), "set_back takes how far back"),
        (lambda: FakeClock().set_back(hours=float("nan")), "hours must be a finite number"),
        (lambda: store_with_a_vanished_message().message(1), "message_id 1 is not on this phone"),
        (lambda: store_with_a_vanished_message().forward(1, "notes"), "message_id 1"),
        (
            lambda: store_with_a_vanished_message().add("bob", "alice", "re", quote=1),
            "quote 1 is not on this phone",
        ),
        (lambda: phone()[0].message(0), "message_id must be a whole number >= 1"),
        (lambda: phone()[0].message("1"), "message_id must be a whole number"),
        (lambda: phone()[0].messages("nobody"), "chat 'nobody' is not on this phone"),
        (lambda: phone()[0].timer("nobody"), "chat 'nobody' is not on this phone"),
        (lambda: phone()[0].set_timer("nobody", "off"), "chat 'nobody' is not on this phone"),
        (lambda: phone()[0].add("", "bob", "hi"), "chat must be a non-empty string"),
        (lambda: phone()[0].add("x" * 101, "bob", "hi"), "chat must be .* at most 100"),
        (lambda: phone()[0].add("bob", " ", "hi"), "sender must be a non-empty string"),
        (lambda: phone()[0].add("bob", "bob", b"bytes"), "text must be a string"),
        (lambda: phone()[0].add("bob", "bob", "x" * 65_537), "text must be a string of at most"),
        (lambda: phone()[0].add("bob", "bob", "lone \ud800"), "text must be text that UTF-8"),
        (lambda: phone()[0].add("\udfff", "bob", "hi"), "chat must be text that UTF-8"),
        (lambda: ChatStore("alice", clock=lambda: "noon").now(), "the clock's time"),
        (lambda: ChatStore("alice", clock=lambda: float("inf")).now(), "the clock's time"),
    ],
)
def test_bad_arguments_name_the_parameter(call, named):
    """Each bad argument raises InvalidParameterError (a ValueError) that names it."""
    with pytest.raises(InvalidParameterError, match=named) as caught:
        call()
    assert isinstance(caught.value, ValueError)


def test_a_lone_surrogate_is_refused_so_backups_keep_working():
    """Text that UTF-8 cannot encode would break every later backup; it is refused up front."""
    store, _ = phone()
    store.add("bob", "bob", "fine 🙂")
    with pytest.raises(InvalidParameterError):
        store.add("bob", "bob", "\ud83d")  # half of an emoji
    assert backed_up_texts(store.backup(key=KEY)) == ["fine 🙂"]


def test_a_refused_message_leaves_no_chat_behind():
    phone = ChatStore("bob", clock=FakeClock())
    with pytest.raises(InvalidParameterError, match="sender"):
        phone.add("carol", "", "hi")
    assert phone.chats == []


def test_a_backup_restores_only_on_its_owners_phone_and_changes_nothing_else():
    clock = FakeClock()
    alice, bob = ChatStore("alice", clock=clock), ChatStore("bob", clock=clock)
    alice.add("bob", "alice", "mine")
    bob.add("alice", "bob", "his")
    before = bob.export()
    with pytest.raises(InvalidParameterError, match="'alice'"):
        bob.restore(alice.backup(key=bytes(32), rng=0), key=bytes(32))
    assert bob.export() == before
