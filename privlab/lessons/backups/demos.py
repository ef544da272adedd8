"""Interactive demos for lesson 07: encrypted backups and disappearing messages.

Every backup shown is a real file of :mod:`privlab.crypto.backup`, every restore
a real one, and every disappearing message comes from a
:class:`~privlab.crypto.history.ChatStore` on a fake clock.
"""

from __future__ import annotations

import json
import math

import ipywidgets as widgets
import plotly.graph_objects as go

from privlab.crypto.backup import (
    COSTS,
    HEADER_SIZE,
    file_layout,
    format_backup_key,
    new_backup_key,
    open_backup,
)
from privlab.crypto.guessing import (
    ALPHABETS,
    ATTACKERS,
    KEY_SPACE,
    TYPICAL_SECONDS,
    WORDLIST_SIZE,
    crack_seconds,
    human_duration,
    measure_kdf,
    search_space,
    vault_success_chance,
)
from privlab.crypto.history import DAY, HOUR, TIMERS, ChatStore, FakeClock
from privlab.crypto.keys import Identity
from privlab.crypto.ratchet import start_chat
from privlab.crypto.vault import DEFAULT_ATTEMPTS
from privlab.errors import BackupFormatError, DecryptionError
from privlab.lessons.kit.demo import (
    Demo,
    choice_list,
    choice_slider,
    one_of,
    selection_slider,
    toggle,
)
from privlab.lessons.kit.style import PALETTE, base_layout

_SEED = 7
_LESSON_COST = "interactive"
_PASSWORD = "tulip-harbour-42"
_MISTYPED_PASSWORD = "tulip-harbor-42"

# The chat of lesson 06, as Bob's phone keeps it once each message is decrypted.
_CHAT = (
    ("Alice", "Hello Bob, it's Alice."),
    ("Bob", "Hi Alice!"),
    ("Alice", "Dinner on Friday?"),
    ("Bob", "Yes! 8 pm at the usual place?"),
    ("Alice", "Perfect. The door code is 4711."),
    ("Bob", "Got it, see you then."),
)


def _bobs_phone(clock: FakeClock | None = None, *, seed: int = _SEED) -> ChatStore:
    """Bob's phone after the lesson-06 chat, each message through the Double Ratchet, an hour apart.

    Examples
    --------
    >>> [m.text for m in _bobs_phone().messages()][:2]
    ["Hello Bob, it's Alice.", 'Hi Alice!']
    """
    clock = FakeClock() if clock is None else clock
    alice, bob = Identity("Alice", rng=seed), Identity("Bob", rng=seed + 1)
    sessions = dict(zip(("Alice", "Bob"), start_chat(alice, bob, rng=seed + 2), strict=True))
    phone = ChatStore("Bob", clock=clock)
    for sender, text in _CHAT:
        receiver = "Bob" if sender == "Alice" else "Alice"
        wire = sessions[sender].encrypt(text.encode()).to_bytes()
        received = sessions[receiver].decrypt(wire).decode()
        phone.add("Alice", sender, received)
        clock.advance(hours=1)
    return phone


# --------------------------------------------------------------------------
# 1. A backup, its bytes, and a restore on a new phone
# --------------------------------------------------------------------------

_KEY_KINDS = ("64-digit key", "password")
_CHANGES = (
    "nothing",
    "a mistyped key or password",
    "the format version",
    "the Argon2id passes",
    "the salt",
    "the nonce",
    "a byte of the history",
    "the tag",
    "the last 20 bytes lost",
)
# Which field of the file each change touches (a row of file_layout), and where.
_CHANGED_FIELD = {
    "the format version": ("format version", 8),
    "the Argon2id passes": ("Argon2id passes", 20),
    "the salt": ("salt", 30),
    "the nonce": ("nonce", 50),
    "a byte of the history": ("encrypted history", HEADER_SIZE + 5),
    "the tag": ("authentication tag", -3),
}


def _changed_file(file: bytes, change: str) -> bytes:
    if change in _CHANGED_FIELD:
        position = _CHANGED_FIELD[change][1] % len(file)
        return file[:position] + bytes([file[position] ^ 0x01]) + file[position + 1 :]
    if change == "the last 20 bytes lost":
        return file[:-20]
    return file


def _table(titles: list[str], height: int) -> dict:
    """A table's header (bold titles, white on blue) and empty cells."""
    header = {"values": [f"<b>{t}</b>" for t in titles], "fill_color": PALETTE["blue"]}
    return {
        "header": {**header, "font": {"color": "white"}, "align": "left"},
        "cells": {"values": [[] for _ in titles], "align": "left", "height": height},
    }


def _table_layout(figure: go.Figure, height: int, top: int) -> None:
    figure.update_layout(base_layout(height=height, margin={"l": 10, "r": 10, "t": top, "b": 10}))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)


def _restore_outcome(file: bytes, kind: str, change: str, key: bytes) -> tuple[list[str], str]:
    """Restore ``file`` on a new phone: (its screen, a one-line verdict)."""
    if kind == _KEY_KINDS[0]:
        digits = format_backup_key(key)
        if change == _CHANGES[1]:
            digits = digits[:-1] + ("0" if digits[-1] != "0" else "1")
        secret = {"key": digits}
    else:
        secret = {"password": _MISTYPED_PASSWORD if change == _CHANGES[1] else _PASSWORD}
    new_phone = ChatStore("Bob", clock=FakeClock(10 * HOUR))
    try:
        count = new_phone.restore(_changed_file(file, change), **secret)
    except DecryptionError as error:  # BackupFormatError is one too: refused at the header
        at_header = isinstance(error, BackupFormatError)
        verdict = "refused at the header" if at_header else "refused: the tag does not match"
        return [
            f"[!] {type(error).__name__}:",
            str(error),
            "",
            "The new phone stays empty.",
        ], verdict
    screen = [f"{m.sender}: {m.text}" for m in new_phone.messages()]
    return screen, f"all {count} messages back"


def backup_demo(change: str = "nothing", kind: str = "64-digit key") -> Demo:
    """Back up Bob's chat, look at the file, change it on its way, restore on a new phone."""
    one_of("change", change, _CHANGES)
    one_of("kind", kind, _KEY_KINDS)
    what = choice_list("change on the way", _CHANGES, change)
    how = toggle("the key", _KEY_KINDS, kind)
    key = new_backup_key(rng=_SEED)
    phone = _bobs_phone()
    files = {
        _KEY_KINDS[0]: phone.backup(key=key, rng=_SEED),
        _KEY_KINDS[1]: phone.backup(password=_PASSWORD, cost=_LESSON_COST, rng=_SEED + 10),
    }
    outcomes = {(k, c): _restore_outcome(files[k], k, c, key) for k in _KEY_KINDS for c in _CHANGES}
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1, cols=2, column_widths=[0.68, 0.32], horizontal_spacing=0.02,
        specs=[[{"type": "table"}] * 2],
        subplot_titles=("the file in the cloud: anyone can read these bytes", "the new phone"),
    )  # fmt: skip
    figure.add_table(
        **_table(["bytes", "field", "first bytes (hex)", "says"], 24),
        columnwidth=[0.15, 0.29, 0.32, 0.24],  # room for "904-919" in the first column
        row=1,
        col=1,
    )
    figure.add_table(**_table(["after the restore"], 24), row=1, col=2)
    _table_layout(figure, 650, top=100)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        k, c = how.value, what.value
        file = _changed_file(files[k], c)
        rows = file_layout(file, preview=8)
        touched = _CHANGED_FIELD.get(c, (None,))[0]
        if c == _CHANGES[-1]:
            touched = "authentication tag"
        fill = [PALETTE["vermillion"] if r["field"] == touched else "white" for r in rows]
        font = ["white" if r["field"] == touched else "black" for r in rows]
        columns = [[r[name] for r in rows] for name in ("bytes", "field", "hex", "reads as")]
        figure.data[0].update(
            cells={"values": columns, "fill_color": [fill], "font": {"color": [font]}}
        )
        screen, verdict = outcomes[(k, c)]
        figure.data[1].update(cells={"values": [screen]})
        outcome = verdict if verdict.startswith("refused") else f"restored: {verdict}"
        figure.layout.title.text = (
            f"A backup with a {k}, {len(file):,} bytes<br><sup>changed: {c}; {outcome}</sup>"
        )
        secret = "the 64-digit key" if k == _KEY_KINDS[0] else "the password (Argon2id)"
        start = (
            f"The file is {len(file):,} bytes: a {HEADER_SIZE}-byte header anyone can read "
            f"(it says how to derive the key, not the key), the encrypted chat, and a 16-byte "
            f"tag. The new phone restores it with {secret}: "
        )
        if not verdict.startswith("refused"):
            return start + f"{verdict}, exactly as they were on Bob's phone."
        if "header" in verdict:
            why = (
                "the header no longer makes sense (an unknown version, or Argon2id fields in a "
                "random-key backup, which has none), so it is refused before any key is tried"
            )
        elif c == _CHANGES[1]:
            why = "a wrong key or password gives a wrong key, and the tag does not match"
        else:
            why = "the tag covers every header byte and every byte of the history"
        return start + (
            f"refused ({c}): {why}. The error says: “{screen[1]}” The new phone "
            "is left exactly as it was: a restore is all or nothing, and never shows part of a "
            "history."
        )

    return Demo([what, how], figure, redraw, title="A backup and its bytes")


# --------------------------------------------------------------------------
# 2. How long to guess it? Passwords, Argon2id, attackers, the key and the vault
# --------------------------------------------------------------------------

_SOURCES = {
    **{f"{name} ({size})": size for name, size in ALPHABETS.items()},
    f"diceware words ({WORDLIST_SIZE:,})": WORDLIST_SIZE,
}
_CRACK_COSTS = ("none (one fast hash)", *COSTS)
# Slider readouts show about 20 characters: the sources and costs by shorter names there.
_SOURCE_LABELS = {
    "lower-case letters (26)": "lower-case (26)",
    "letters and digits (62)": "letters, digits (62)",
    "every keyboard character (94)": "keyboard (94)",
    f"diceware words ({WORDLIST_SIZE:,})": f"diceware ({WORDLIST_SIZE:,})",
}
_COST_LABELS = {_CRACK_COSTS[0]: "none (fast hash)"}
_CRACK_SLIDER_WIDTH = "520px"
_TICKS = [
    (1, "1 second"),
    (DAY, "1 day"),
    (365.25 * DAY, "1 year"),
    (1e3 * 365.25 * DAY, "1,000 years"),
    (1e6 * 365.25 * DAY, "1 million years"),
    (1.38e10 * 365.25 * DAY, "age of the universe"),
    (1e20 * 365.25 * DAY, "10^20 years"),
]
# log10 seconds (3 x 10^22 years): longer bars are cut; their label says how long, and ends
# in "»" (it goes on past the edge).
_AXIS_END = 30


def crack_demo(
    length: int = 8, source: str = "lower-case letters (26)", cost: str = "interactive"
) -> Demo:
    """Expected time to guess a random password, for three attackers; the key and vault beside."""
    one_of("length", length, tuple(range(1, 21)))
    one_of("source", source, tuple(_SOURCES))
    one_of("cost", cost, _CRACK_COSTS)
    size = selection_slider("length (characters or words)", tuple(range(1, 21)), length)
    drawn = choice_slider("each drawn at random from", tuple(_SOURCES), source)
    drawn.options = [(_SOURCE_LABELS.get(name, name), name) for name in _SOURCES]
    stretch = choice_slider("Argon2id cost of one guess", _CRACK_COSTS, cost)
    stretch.options = [(_COST_LABELS.get(name, name), name) for name in _CRACK_COSTS]
    drawn.value, stretch.value = source, cost  # setting the options moved them
    for slider in (size, drawn, stretch):
        slider.layout.width = _CRACK_SLIDER_WIDTH
    measure = widgets.Button(
        description="Time one guess here", icon="stopwatch", layout={"width": "auto"}
    )
    seconds = dict(TYPICAL_SECONDS)
    measured: set[str] = set()
    names = [a.name for a in ATTACKERS] + ["the 64-digit key (a botnet)"]
    figure = go.Figure(
        go.Bar(
            x=[1] * len(names),
            y=names,
            orientation="h",
            marker={"color": [PALETTE["vermillion"]] * 3 + [PALETTE["blue"]]},
            text=[""] * len(names),
            textposition="outside",
            textfont={"size": 13},
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    for value, _label in (_TICKS[1], _TICKS[2], _TICKS[5]):
        figure.add_vline(x=math.log10(value), line={"color": PALETTE["grey"], "dash": "dot"})
    figure.update_layout(
        base_layout(height=400, margin={"l": 200, "r": 110, "t": 90, "b": 90}),
        uniformtext={"minsize": 12, "mode": "show"},  # a label is never shrunk to its bar
    )
    figure.update_xaxes(
        title_text="expected time to guess it (log scale)",
        range=[-1, _AXIS_END],
        tickvals=[math.log10(v) for v, _ in _TICKS],
        ticktext=[label for _, label in _TICKS],
    )
    figure.update_yaxes(title_text="attacker", autorange="reversed")

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        name = stretch.value
        argon = None if name.startswith("none") else name
        if trigger is measure and argon is not None:
            seconds[argon] = measure_kdf(argon, repeats=1 if argon == "sensitive" else 3)
            measured.add(argon)
        space = search_space(size.value, _SOURCES[drawn.value])
        rates = [a.rate(argon or "none", seconds.get(argon or "", None)) for a in ATTACKERS]
        times = [crack_seconds(space, r) for r in rates]
        times.append(crack_seconds(KEY_SPACE, ATTACKERS[2].fast_hash_rate))
        figure.data[0].update(
            x=[min(math.log10(max(t, 0.1)), _AXIS_END) + 1 for t in times],
            base=[-1] * len(times),
            text=[human_duration(t) + (" »" if math.log10(t) > _AXIS_END else "") for t in times],
        )
        chance = vault_success_chance(space, DEFAULT_ATTEMPTS)
        what = _count(size.value, "word" if "words" in drawn.value else "character")
        figure.layout.title.text = (
            f"{what} from {drawn.value}: {space:.3g} possibilities<br><sup>through the vault "
            f"({DEFAULT_ATTEMPTS} guesses in all): a chance of {chance:.2g}</sup>"
        )
        if argon is None:
            cost_text = "hashed once, without stretching: a graphics card tries billions a second"
        else:
            source = "measured on this machine" if argon in measured else "a typical laptop"
            cost_text = (
                f"stretched with Argon2id {argon}: {seconds[argon]:.3g} s and "
                f"{_memory(argon)} per guess ({source})"
            )
        return (
            f"A password of {what}, each drawn at random from {drawn.value}, is one of "
            f"{space:.3g}; {cost_text}. On average an attacker tries half of them: a laptop "
            f"takes {_took(times[0])}, a GPU rig {_took(times[1])}, a botnet "
            f"{_took(times[2])}. The random 64-digit key (2^256 possibilities) takes "
            f"{human_duration(times[3])} even for the botnet, without any stretching. With the "
            f"vault nobody gets more than {DEFAULT_ATTEMPTS} guesses: a chance of {chance:.2g} "
            "of getting in, and then the key is destroyed. (Passwords people make up fall much "
            "faster: attackers try common ones first.)"
        )

    demo = Demo([size, drawn, stretch, measure], figure, redraw, title="How long to guess it?")
    demo.slow_controls = (measure,)  # the live Argon2id timing: benchmarked apart
    demo.slow_label = "timing Argon2id (the button)"
    demo.slow_limit_s = 2
    return demo


def _took(seconds: float) -> str:
    """ "2 days", or "no time at all" where human_duration says "instantly"."""
    words = human_duration(seconds)
    return "no time at all" if words == "instantly" else words


def _memory(cost: str) -> str:
    return f"{COSTS[cost][1] // 2**20} MiB"


# --------------------------------------------------------------------------
# 3. Disappearing messages on a timeline
# --------------------------------------------------------------------------

_TIMELINE = (
    (0.0, "Alice", "Hi! Are we still on for Friday?"),
    (0.3, "Bob", "Yes, 8 pm."),
    (0.9, "Alice", "The door code is 4711."),
    (1.5, "Bob", "Thanks, see you."),
    (3.0, "Alice", "Lovely evening, thank you!"),
    (4.5, "Bob", "Next time at mine."),
    (6.5, "Alice", "Photos from Friday attached."),
    (9.0, "Bob", "New number: 0151 2345 678"),
    (20.0, "Alice", "Happy birthday!"),
    (45.0, "Bob", "Are you around next week?"),
    (85.0, "Alice", "Moving flat on Saturday."),
)
_DAYS = (0, 0.5, 1, 2, 3, 5, 7, 8, 10, 14, 30, 60, 90, 91, 100)
_WHEN_SET = ("before the first message", "on day 4")
_SET_ON_DAY = 4.0


def _timeline(timer: str, when_set: str, now_day: float) -> list[tuple[float, float | None, str]]:
    """The chat of :data:`_TIMELINE` on a real :class:`ChatStore` at ``now_day``.

    One row per message: (day sent, day it disappears or ``None``, state),
    where the state is ``"on the phone"``, ``"gone"`` or ``"not sent yet"``.
    The timer is switched on before the first message or on day 4.

    Examples
    --------
    >>> [state for *_, state in _timeline("7 days", "before the first message", 8)][:8]
    ['gone', 'gone', 'gone', 'on the phone', 'on the phone', 'on the phone', 'on the phone', \
'not sent yet']
    """
    clock = FakeClock()
    phone = ChatStore("Bob", clock=clock)
    set_early = when_set == _WHEN_SET[0]
    phone.open_chat("Alice", timer if set_early else "off")
    sent = []
    for day, sender, text in _TIMELINE:
        if day > now_day:
            break
        if not set_early and day >= _SET_ON_DAY and phone.timer("Alice") != timer:
            clock.advance(seconds=_SET_ON_DAY * DAY - clock.now)
            phone.set_timer("Alice", timer)
        clock.advance(seconds=day * DAY - clock.now)
        sent.append(phone.add("Alice", sender, text))
    clock.advance(seconds=now_day * DAY - clock.now)
    here = {m.id for m in phone.messages()}
    rows: list[tuple[float, float | None, str]] = [
        (
            m.sent_at / DAY,
            None if m.expires_at is None else m.expires_at / DAY,
            "on the phone" if m.id in here else "gone",
        )
        for m in sent
    ]
    rows += [(day, None, "not sent yet") for day, *_ in _TIMELINE[len(sent) :]]
    return rows


def timeline_demo(
    now_day: float = 8, timer: str = "7 days", when_set: str = "before the first message"
) -> Demo:
    """A chat with disappearing messages: pick the timer, fast-forward, watch messages go."""
    one_of("now_day", now_day, _DAYS)
    one_of("timer", timer, tuple(TIMERS))
    one_of("when_set", when_set, _WHEN_SET)
    now = selection_slider("fast-forward to day", _DAYS, now_day)
    pick = choice_slider("disappearing-message timer", tuple(TIMERS), timer)
    when = toggle("timer switched on", _WHEN_SET, when_set)
    labels = [f"{n}. {sender}: {text}" for n, (_, sender, text) in enumerate(_TIMELINE, start=1)]
    figure = go.Figure()
    styles = (
        ("on the phone", PALETTE["blue"], "solid", "circle"),
        ("gone", PALETTE["grey"], "dot", "x"),
        ("not sent yet", "#bbbbbb", "dot", "circle-open"),
    )
    for name, colour, dash, symbol in styles:
        figure.add_scatter(
            x=[], y=[], name=name, mode="lines+markers",
            line={"color": colour, "dash": dash, "width": 3},
            marker={"symbol": symbol, "size": 10, "color": colour},
            hovertemplate="%{y}<br>day %{x:.1f}<extra></extra>",
        )  # fmt: skip
    figure.add_vline(x=now_day, line={"color": PALETTE["vermillion"], "width": 3})
    figure.update_layout(base_layout(height=460, margin={"l": 290, "r": 20, "t": 70, "b": 90}))
    figure.update_xaxes(title_text="time (days since the first message)", range=[-2, 102])
    figure.update_yaxes(
        title_text="message", categoryorder="array", categoryarray=labels[::-1], type="category"
    )

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        day, t, w = now.value, pick.value, when.value
        rows = _timeline(t, w, day)
        groups: dict[str, tuple[list, list]] = {name: ([], []) for name, *_ in styles}
        for (sent, expires, state), label in zip(rows, labels, strict=True):
            xs, ys = groups[state]
            if state == "not sent yet":
                xs += [sent, None]
                ys += [label, None]
                continue
            end = 100.0 if expires is None else min(expires, 100.0)
            xs += [sent, end, None]
            ys += [label, label, None]
        for trace, (name, *_) in zip(figure.data, styles, strict=True):
            trace.update(x=groups[name][0], y=groups[name][1])
        figure.layout.shapes[0].update(x0=day, x1=day)
        figure.layout.xaxis.range = [-1, min(102, max(21, 1.2 * day + 3))]
        kept = sum(1 for *_, state in rows if state == "on the phone")
        gone = sum(1 for *_, state in rows if state == "gone")
        sent_count = kept + gone
        setting = "timer off" if t == "off" else f"timer {t}, switched on {w}"
        figure.layout.title.text = (
            f"Day {day:g}: {kept} of {_count(sent_count, 'sent message')} on the phone"
            f"<br><sup>{setting}</sup>"
        )
        if t == "off":
            rule = "With the timer off nothing disappears: every message stays until deleted."
        elif w == _WHEN_SET[1]:
            rule = (
                f"The timer ({t}) was switched on on day 4: it applies to messages sent after "
                "that, so the first messages stay for good."
            )
        else:
            rule = f"Each message disappears exactly {t} after it was sent."
        return (
            f"Day {day:g}: {_count(sent_count, 'message')} sent so far, {kept} still on Bob's "
            f"phone and {gone} gone. {rule} Each line runs from when a message was sent to when it "
            "disappears (to the right edge: it stays); the red line is now. Gone means gone "
            "from the phone, from every backup made afterwards, and from a restore of an older "
            "backup."
        )

    return Demo([now, pick, when], figure, redraw, title="Disappearing messages")


# --------------------------------------------------------------------------
# 4. What a timer cannot stop
# --------------------------------------------------------------------------

_LEAK_HOURS = (0, 12, 23, 24, 36, 72, 24 * 7, 24 * 8, 24 * 30)
_LEAK_TIMERS = ("24 hours", "7 days")
_SECRET = "The door code is 4711."


def _copies_of_a_secret(hours: float, timer: str) -> list[tuple[str, bool, str]]:
    """Where Alice's message lives ``hours`` after she sent it: (place, still there, why).

    Bob's phone is a real :class:`ChatStore`. Alice sends at hour 0; the phone
    shows a notification; Bob opens the chat at hour 1 (the system clears the
    preview from the lock screen, and keeps it in its notification history) and
    takes a screenshot, forwards the message to Carol (a chat without a timer)
    at hour 2, the phone makes its nightly backup at hour 3, and Bob answers
    with a quoted reply at hour 20.

    Examples
    --------
    >>> [there for _, there, _ in _copies_of_a_secret(36, "24 hours")]
    [False, True, True, False, True, True, True, False]
    """
    one_of("timer", timer, _LEAK_TIMERS)
    clock = FakeClock()
    phone = ChatStore("Bob", clock=clock)
    phone.open_chat("Alice", timer)
    phone.open_chat("Carol", "off")
    original = phone.add("Alice", "Alice", _SECRET)
    events: dict[str, object] = {}
    for at, action in ((1, "screenshot"), (2, "forward"), (3, "backup"), (20, "reply")):
        if at > hours:
            break
        clock.advance(seconds=at * HOUR - clock.now)
        if action == "screenshot":  # Bob opens the chat: the lock screen is cleared
            events["history"] = list(phone.notifications)
            phone.notifications.clear()
            events["screenshot"] = [m.text for m in phone.messages("Alice")]
        elif action == "forward":
            events["forward"] = phone.forward(original.id, "Carol")
        elif action == "backup":
            events["backup"] = phone.backup(key=bytes(32), rng=_SEED)
        elif original.id in {m.id for m in phone.messages("Alice")}:
            events["reply"] = phone.add("Alice", "Bob", "Thanks, noted!", quote=original.id)
    clock.advance(seconds=hours * HOUR - clock.now)
    here = {m.id for m in phone.messages()}
    backup = events.get("backup")
    in_file = restored = False
    if isinstance(backup, bytes):
        history = json.loads(open_backup(backup, key=bytes(32)))  # what the file holds
        in_file = any(m["text"] == _SECRET for m in history["messages"])
        new_phone = ChatStore("Bob", clock=clock)
        new_phone.restore(backup, key=bytes(32))
        restored = original.id in {m.id for m in new_phone.messages()}
    reply = events.get("reply")
    forward = events.get("forward")
    return [
        ("the message in the chat", original.id in here, f"the chat's timer: {timer}"),
        (
            "the quoted reply (sent at hour 20)",
            reply is not None and reply.id in here,
            "a reply copies the text, and lives by its own timer, from its own sending",
        ),
        (
            "the forward to Carol (no timer)",
            forward is not None and forward.id in here,
            "a forward is a new message in another chat, with that chat's timer",
        ),
        (
            "the lock-screen preview",
            any(_SECRET in n for n in phone.notifications),
            "the system shows it until Bob opens the chat (hour 1); the chat's timer cannot",
        ),
        (
            "the phone's notification history",
            True,  # kept by the system from hour 0, outside the app
            "on phones that keep one, held by the system outside the app: no timer reaches it",
        ),
        ("Bob's screenshot (hour 1)", "screenshot" in events, "a picture: no timer reaches it"),
        (
            "the backup file (hour 3) in the cloud",
            in_file,
            "a backup taken before expiry holds the message; its key opens it",
        ),
        (
            "the chat after restoring that backup now",
            restored,
            "restore drops messages whose time is up",
        ),
    ]


def _adjective(timer: str) -> str:
    """ "24 hours" -> "24-hour", as in "a 24-hour timer"."""
    number, unit = timer.split()
    return f"{number}-{unit.rstrip('s')}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def leaks_demo(hours: float = 36, timer: str = "24 hours") -> Demo:
    """Alice's secret after its timer ran out: the copies that cryptography cannot reach."""
    one_of("hours", hours, _LEAK_HOURS)
    one_of("timer", timer, _LEAK_TIMERS)
    when = selection_slider("hours after Alice sent it", _LEAK_HOURS, hours, fmt="{:g}")
    pick = toggle("timer of the chat", _LEAK_TIMERS, timer)
    table = {(h, t): _copies_of_a_secret(h, t) for h in _LEAK_HOURS for t in _LEAK_TIMERS}
    figure = go.Figure(
        go.Table(**_table(["where", "still readable?", "why"], 26), columnwidth=[0.34, 0.16, 0.5])
    )
    _table_layout(figure, 550, top=80)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        h, t = when.value, pick.value
        rows = table[(h, t)]
        answer = ["yes" if there else "no" for _, there, _ in rows]
        colours = [PALETTE["vermillion"] if there else "#d6e9f5" for _, there, _ in rows]
        fonts = ["white" if there else "black" for _, there, _ in rows]
        figure.data[0].update(
            cells={
                "values": [[p for p, _, _ in rows], answer, [w for *_, w in rows]],
                "fill_color": [colours],
                "font": {"color": [fonts]},
            }
        )
        left = [place for place, there, _ in rows if there]
        figure.layout.title.text = (
            f"{h:g} hours after “{_SECRET}”: readable in {len(left)} of {len(rows)} places"
            f"<br><sup>a chat with a {_adjective(t)} timer</sup>"
        )
        expired = not rows[0][1]
        state = (
            "The timer has run out: the message is gone from Alice and Bob's chat"
            if expired
            else "The timer has not run out yet: the message is still in the chat"
        )
        return (
            f"{h:g} hours after Alice sent it, with a {_adjective(t)} timer. {state}. "
            f"Still readable: {'; '.join(left) if left else 'nowhere'}. Encryption protects a "
            "message from the server and from thieves, not from the person it was sent to: a "
            "screenshot, a forward, a quoted reply, a notification or an old backup keeps it."
        )

    return Demo([when, pick], figure, redraw, title="What a timer cannot stop")


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "backup": backup_demo,
    "crack": crack_demo,
    "timeline": timeline_demo,
    "leaks": leaks_demo,
}
