"""Interactive demos for lesson 06: end-to-end encrypted messaging.

Each function returns a :class:`~privlab.lessons.kit.demo.Demo`. Every number
shown comes from the real protocols of :mod:`privlab.crypto` (PyNaCl).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab.crypto.keys import Identity
from privlab.crypto.pitfalls import (
    aead_decrypt,
    aead_encrypt,
    forge,
    recover_with_crib,
    stream_decrypt,
    stream_encrypt,
    xor_bytes,
)
from privlab.crypto.ratchet import OVERHEAD_BYTES, start_chat
from privlab.crypto.relay import RelayServer, pad, unpad
from privlab.crypto.safety import format_safety_number, safety_number
from privlab.crypto.theft import thief_reads
from privlab.errors import DecryptionError, InvalidParameterError
from privlab.lessons.kit.demo import Demo, choice_list, choice_slider, selection_slider, toggle
from privlab.lessons.kit.style import PALETTE, base_layout

__all__ = ["chat_demo", "delivery_demo", "forward_secrecy_demo", "mitm_demo", "pitfalls_demo"]

SEED = 6
SENDERS = "AABABBAABAAB"  # who sends each message of the demo chat: A (Alice) or B (Bob)
READABLE, UNREADABLE = 2, 0
STATE_COLOURS = [[0.0, PALETTE["blue"]], [0.33, PALETTE["blue"]],
                 [0.34, "#d9d9d9"], [0.66, "#d9d9d9"],
                 [0.67, PALETTE["vermillion"]], [1.0, PALETTE["vermillion"]]]  # fmt: skip
SCHEMES = ("Double Ratchet", "one static key")
HEADER = {"fill_color": PALETTE["blue"], "font": {"color": "white"}}  # every table's header


def _tables(figure: go.Figure, height: int, top: int = 70) -> go.Figure:
    """Lay out a figure of tables, which have no axes."""
    figure.update_layout(base_layout(height=height, margin={"l": 10, "r": 10, "t": top, "b": 10}))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


# --------------------------------------------------------------------------
# 1. Forward secrecy and healing: what a thief of Bob's phone can read
# --------------------------------------------------------------------------


def _thief_can_read(stolen_after: int) -> list[int]:
    """For each message, whether a thief with Bob's state copied after ``stolen_after`` reads it.

    >>> _thief_can_read(4)
    [0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0]
    """
    senders = ["Alice" if s == "A" else "Bob" for s in SENDERS]
    read = thief_reads(senders, stolen_after, seed=SEED)
    return [READABLE if n in read else UNREADABLE for n in range(1, len(SENDERS) + 1)]


def _fate(stolen_after: int, read: list[int]) -> str:
    """What the Double Ratchet lets the thief read, and when the chat heals, in words."""
    healed = [n for n in range(stolen_after + 1, len(SENDERS) + 1) if n not in read]
    if stolen_after == 0:
        past = "No message came before the theft."
    elif stolen_after == 1:
        past = "Message 1 stays unreadable: its key was deleted once used (forward secrecy)."
    else:
        past = (
            f"Messages 1 to {stolen_after} stay unreadable: their keys were deleted once used "
            "(forward secrecy)."
        )
    future = (
        f" The thief then reads {', '.join(map(str, read))} (Bob's current chains)"
        if read
        else " No later message is readable"
    )
    healing = (
        f", until Bob has made a key pair after the theft, used it, and Alice has answered: "
        f"from message {healed[0]} on, keys the thief never saw lock it out (healing)."
        if healed
        else ": the conversation ends before it heals."
    )
    return "With the Double Ratchet: " + past + future + healing


def forward_secrecy_demo(stolen_after: int = 4, scheme: str = "Double Ratchet") -> Demo:
    """Steal Bob's phone after message t: which messages can the thief read?"""
    if stolen_after not in range(len(SENDERS) + 1):
        raise InvalidParameterError(
            f"stolen_after must be a whole number from 0 to {len(SENDERS)}; got {stolen_after!r}."
        )
    when = selection_slider(
        "steal Bob's phone after message", tuple(range(len(SENDERS) + 1)), stolen_after
    )
    how = toggle("encryption", SCHEMES, scheme)
    table = {
        (t, name): _thief_can_read(t) if name == SCHEMES[0] else [READABLE] * len(SENDERS)
        for t in range(len(SENDERS) + 1)
        for name in SCHEMES
    }
    labels = [
        f"{n}<br>{'A to B' if s == 'A' else 'B to A'}" for n, s in enumerate(SENDERS, start=1)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=[table[(stolen_after, scheme)]],
            x=list(range(1, len(SENDERS) + 1)),
            y=["messages"],
            zmin=0,
            zmax=2,
            colorscale=STATE_COLOURS,
            showscale=False,
            xgap=3,
            text=[labels],
            texttemplate="%{text}",
            hovertemplate="message %{x}<extra></extra>",
        )
    )
    figure.add_vline(
        x=stolen_after + 0.5, line={"color": PALETTE["black"], "width": 3, "dash": "dash"}
    )
    figure.update_layout(base_layout(height=260, margin={"l": 90, "r": 20, "t": 70, "b": 60}))
    figure.update_xaxes(title_text="message number (red: the thief reads it; blue: it cannot)")
    figure.update_yaxes(visible=False)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        t, name = when.value, how.value
        states = table[(t, name)]
        figure.data[0].update(z=[states])
        figure.layout.shapes[0].update(x0=t + 0.5, x1=t + 0.5)
        figure.layout.title.text = f"{name}: the thief copies Bob's phone after message {t}"
        read = [n for n, state in enumerate(states, start=1) if state == READABLE]
        start = f"Bob's phone is copied after message {t}. "
        if name == SCHEMES[1]:
            return start + (
                f"With one long-term key, the thief reads all {len(read)} messages, in both "
                "directions: the ones sent before the theft (the server, or anyone who recorded "
                "the traffic, kept the ciphertexts) and every later one. No forward secrecy, no "
                "healing."
            )
        return start + _fate(t, read)

    return Demo([when, how], figure, redraw, title="Forward secrecy and healing")


# --------------------------------------------------------------------------
# 2. The man in the middle and the safety numbers
# --------------------------------------------------------------------------

SERVERS = ("honest server", "server swaps the keys")


def mitm_demo(server: str = "server swaps the keys") -> Demo:
    """A server that hands out its own keys: messages still arrive, safety numbers differ."""
    choose = toggle("the server", SERVERS, server)  # both choices in view
    alice, bob = Identity("Alice", rng=11), Identity("Bob", rng=12)
    mallory_as_bob, mallory_as_alice = Identity("Bob", rng=13), Identity("Alice", rng=14)
    numbers = {
        SERVERS[0]: (
            safety_number(alice.identity_key, "Alice", bob.identity_key, "Bob"),
            safety_number(bob.identity_key, "Bob", alice.identity_key, "Alice"),
        ),
        SERVERS[1]: (
            safety_number(alice.identity_key, "Alice", mallory_as_bob.identity_key, "Bob"),
            safety_number(bob.identity_key, "Bob", mallory_as_alice.identity_key, "Alice"),
        ),
    }
    # The man in the middle really works: two sessions, Mallory re-encrypting between them.
    alice_side, mallory_from_alice = start_chat(alice, mallory_as_bob, rng=15)
    mallory_to_bob, bob_side = start_chat(mallory_as_alice, bob, rng=16)
    read_by_mallory = mallory_from_alice.decrypt(alice_side.encrypt(b"The door code is 4711"))
    delivered = bob_side.decrypt(mallory_to_bob.encrypt(read_by_mallory))

    def rows(name: str) -> list[list[str]]:
        return [format_safety_number(number).split("\n") for number in numbers[name]]

    header = ["<b>Alice's phone shows</b>", "<b>Bob's phone shows</b>"]
    cells = {"font": {"family": "monospace", "size": 18}, "height": 34, "align": "center"}
    figure = go.Figure(
        go.Table(
            header={**HEADER, "values": header, "font": {"color": "white", "size": 14},
                    "align": "center"},
            cells={"values": rows(server), **cells},
        )
    )  # fmt: skip

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        same = numbers[choose.value][0] == numbers[choose.value][1]
        fill = "#e8f4ea" if same else "#fbe3cf"
        figure.data[0].update(cells={"values": rows(choose.value), "fill_color": [[fill] * 3] * 2})
        figure.layout.title.text = (
            "Safety numbers match: nobody is in the middle"
            if same
            else "Safety numbers differ: someone is in the middle"
        )
        if same:
            return (
                "The server handed out Bob's real keys. Both phones compute the same 60 digits "
                "from the two identity keys: read them to each other, or scan the QR code, and "
                "you know the chat is end-to-end encrypted to the right person."
            )
        return (
            "The server handed Alice its own key in place of Bob's, and Bob its own in place of "
            "Alice's. Messages still arrive: Alice's “" + delivered.decode() + "” reached Bob, "
            "after the server decrypted it (and read “" + read_by_mallory.decode() + "”) and "
            "encrypted it again. Nothing looks wrong, except the safety numbers: each phone "
            "computes them from the keys it was given, so they differ. Comparing them catches "
            "the man in the middle."
        )

    return Demo([choose], _tables(figure, 260), redraw, title="A man in the middle")


# --------------------------------------------------------------------------
# 3. Pitfalls: a reused nonce, a flipped bit
# --------------------------------------------------------------------------

PITFALLS = ("nonce reused", "bit flip, bare stream", "bit flip, AEAD")
KEY = bytes(range(32))
NONCE = bytes(24)
FIRST = b"Meet me at the station at 6 pm"
SECOND = b"The new door code is 4711, Bob"
PAYMENT = b"pay Eve 100 euros"
# Each pitfall's title and caption, by the verdict of _pitfall_rows.
VERDICTS = {
    "recovered": (
        "A nonce used twice: the second message falls out",
        "Both messages were encrypted with the same key and the same nonce, so the same "
        "keystream: XOR the two ciphertexts and the keystream cancels, leaving the XOR of the "
        "two messages. Anyone who knows or guesses the first recovers the second. A nonce must "
        "never repeat under one key.",
    ),
    "forged": (
        "No authentication: the flipped bits go through",
        "A stream cipher alone hides the text but does not protect it: flipping bits of the "
        "ciphertext flips the same bits of the plaintext. Knowing where “100” sits, the "
        "attacker turned it into “900”, and Bob's decryption raised no alarm.",
    ),
    "refused": (
        "Authenticated encryption: the flipped bits are caught",
        "XChaCha20-Poly1305, an AEAD, adds a 16-byte tag computed from the whole message. The "
        "same bit flips make the tag check fail: Bob gets an error and no part of the "
        "plaintext. Never decrypt without checking the tag.",
    ),
}


def _hex(data: bytes, limit: int = 24) -> str:
    text = data[:limit].hex(" ")
    return text + (" …" if len(data) > limit else "")


def _pitfall_rows(pitfall: str) -> tuple[list[str], list[str], str]:
    """The table's rows (what, value) and the verdict for one of :data:`PITFALLS`.

    >>> _pitfall_rows("nonce reused")[1][-1]
    'The new door code is 4711, Bob'
    """
    if pitfall == PITFALLS[0]:
        c1, c2 = stream_encrypt(KEY, NONCE, FIRST), stream_encrypt(KEY, NONCE, SECOND)
        recovered = recover_with_crib(c1, c2, FIRST)
        return (
            ["message 1 (known to the attacker)", "ciphertext 1", "ciphertext 2",
             "ciphertext 1 ⊕ ciphertext 2 = message 1 ⊕ message 2", "message 2, recovered"],
            [FIRST.decode(), _hex(c1), _hex(c2), _hex(xor_bytes(c1, c2)), recovered.decode()],
            "recovered",
        )  # fmt: skip
    if pitfall == PITFALLS[1]:
        ciphertext = stream_encrypt(KEY, NONCE, PAYMENT)
        forged = forge(ciphertext, b"100", b"900", offset=PAYMENT.index(b"100"))
        return (
            ["what Alice sent", "ciphertext", "ciphertext after the attacker flipped bits",
             "what Bob decrypts"],
            [PAYMENT.decode(), _hex(ciphertext), _hex(forged),
             stream_decrypt(KEY, NONCE, forged).decode()],
            "forged",
        )  # fmt: skip
    sealed = aead_encrypt(KEY, PAYMENT)
    body = 24 + PAYMENT.index(b"100")  # the AEAD puts the 24-byte nonce first
    forged = sealed[:body] + xor_bytes(sealed[body : body + 3], xor_bytes(b"100", b"900"))
    forged += sealed[body + 3 :]
    try:
        outcome = aead_decrypt(KEY, forged).decode()
    except DecryptionError as error:
        outcome = f"refused: {error}"
    return (
        ["what Alice sent", "sealed message (nonce, ciphertext, tag)",
         "after the same bit flips", "what Bob gets"],
        [PAYMENT.decode(), _hex(sealed), _hex(forged), outcome],
        "refused",
    )  # fmt: skip


def pitfalls_demo(pitfall: str = "nonce reused") -> Demo:
    """Two classic mistakes, live: a nonce used twice, and a cipher without authentication."""
    choose = choice_slider("pitfall", PITFALLS, pitfall)
    what, values, _ = _pitfall_rows(pitfall)
    figure = go.Figure(
        go.Table(
            columnwidth=[1.3, 2.2],
            header={**HEADER, "values": ["<b>step</b>", "<b>bytes or text</b>"], "align": "left"},
            cells={"values": [what, values], "align": "left", "height": 28,
                   "font": {"family": "monospace"}},
        )
    )  # fmt: skip

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        what, values, verdict = _pitfall_rows(choose.value)
        figure.data[0].update(cells={"values": [what, values]})
        figure.layout.title.text, caption = VERDICTS[verdict]
        return caption

    return Demo([choose], _tables(figure, 390), redraw, title="Pitfalls")


# --------------------------------------------------------------------------
# 4. The chat: Alice's screen, the server's bytes, Bob's screen
# --------------------------------------------------------------------------

DRAFTS = (
    "Hi Bob!",
    "Are we still on for 6 pm?",
    "The door code is 4711",
    "Could you send me the report? The long one, with all the figures and tables, thanks!",
)
PADDING = ("no padding", "pad to 64 bytes")
PAD_BLOCK = 64


class _Chat:
    """Two phones and a relay server, with real X3DH and Double Ratchet sessions."""

    def __init__(self) -> None:
        self.server = RelayServer()
        alice, bob = Identity("Alice", rng=21), Identity("Bob", rng=22)
        self.server.publish_bundle("Alice", alice.prekey_bundle())
        self.server.publish_bundle("Bob", bob.prekey_bundle())
        self.sessions = dict(zip(("Alice", "Bob"), start_chat(alice, bob, rng=23), strict=True))
        self.screens: dict[str, list[str]] = {"Alice": [], "Bob": []}

    def send(self, sender: str, text: str, padded: bool) -> None:
        receiver = "Bob" if sender == "Alice" else "Alice"
        data = text.encode()
        wire = self.sessions[sender].encrypt(pad(data, PAD_BLOCK) if padded else data).to_bytes()
        self.server.send(sender, receiver, wire)
        self.screens[sender].append(f"me: {text}")
        for delivered in self.server.fetch(receiver):
            opened = self.sessions[receiver].decrypt(delivered)
            shown = unpad(opened, PAD_BLOCK) if padded else opened
            self.screens[receiver].append(f"{sender}: {shown.decode()}")


def _wire_size(text: str, padded: bool) -> int:
    """The bytes a message takes on the wire: its text, padded or not, and the ratchet's."""
    data = text.encode()
    return len(pad(data, PAD_BLOCK) if padded else data) + OVERHEAD_BYTES


def chat_demo(draft: str = DRAFTS[0], padding: str = PADDING[0]) -> Demo:
    """Send messages between Alice and Bob; see what each phone shows and what the server stores."""
    if draft not in DRAFTS:
        raise InvalidParameterError(f"draft must be one of the demo's messages; got {draft!r}.")
    chat = _Chat()
    chat.send("Alice", "Hello Bob, it's Alice.", padded=False)
    chat.send("Bob", "Hi Alice!", padded=False)
    choose = choice_list("message", DRAFTS, draft)
    pad_toggle = toggle("padding", PADDING, padding)
    typed = widgets.Text(
        placeholder="or type your own (up to 200 characters)",
        layout=widgets.Layout(width="380px"),
    )
    senders = {
        widgets.Button(description=f"{name} sends", icon="paper-plane"): name
        for name in ("Alice", "Bob")
    }
    figure = make_subplots(
        rows=1, cols=3, column_widths=[0.27, 0.46, 0.27], horizontal_spacing=0.02,
        specs=[[{"type": "table"}] * 3],
        subplot_titles=("Alice's screen", "the server's stored bytes", "Bob's screen"),
    )  # fmt: skip
    for col in (1, 2, 3):
        figure.add_table(
            header={"values": [""], **HEADER},
            cells={"values": [[]], "align": "left", "height": 24},
            row=1,
            col=col,
        )

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        padded = pad_toggle.value == PADDING[1]
        text = typed.value.strip()[:200] or choose.value  # typed text wins, bounded
        if trigger in senders:
            chat.send(senders[trigger], text, padded)
        log = chat.server.log_table(preview=10)
        server_rows = [
            f"t={row['time']:g} {row['sender']} to {row['recipient']} "
            f"{row['size']} B: {row['data']}"
            for row in log
        ]
        size = _wire_size(choose.value, padded)
        draft = f"<i>next: “{text}”, {size} bytes on the wire</i>"
        columns = (
            ("<b>Alice</b>", [*chat.screens["Alice"], draft]),
            ("<b>when, who, how many bytes, the bytes</b>", server_rows),
            ("<b>Bob</b>", chat.screens["Bob"]),
        )
        for trace, (header, rows) in zip(figure.data, columns, strict=True):
            trace.update(header={"values": [header]}, cells={"values": [rows]})
        figure.layout.title.text = (
            f"Next: “{choose.value[:24]}{'…' if len(choose.value) > 24 else ''}”: "
            f"{len(choose.value.encode())} bytes of text, {size} on the wire"
        )
        sizes = sorted({row["size"] for row in log})
        body = size - OVERHEAD_BYTES
        how = f"{body} padded (a multiple of 64)" if padded else f"{body} of text"
        return (
            f"The server has stored {len(log)} messages. It cannot read them, but it learns who "
            f"wrote to whom, when, and how long each message was ({', '.join(map(str, sizes))} "
            f"bytes so far). The next message, “{text}”, would take {size} bytes on the wire: "
            f"{how} plus the ratchet's {OVERHEAD_BYTES} bytes of header and tag. Padding hides "
            "exact lengths, not who talks to whom, or when."
        )

    controls: list[Any] = [choose, pad_toggle, *senders]
    return Demo(controls, _tables(figure, 400, top=90), redraw, title="The chat", extras=[typed])


# --------------------------------------------------------------------------
# 5. Late and lost messages
# --------------------------------------------------------------------------

DELIVERIES = {
    "in order": [0, 1, 2, 3, 4],
    "reversed": [4, 3, 2, 1, 0],
    "message 3 lost": [0, 1, 3, 4],
    "2 and 4 swapped, 5 lost": [0, 3, 2, 1],
    "only the last arrives": [4],
}
SENT = [f"message {n}" for n in range(1, 6)]


def _delivery_rows(name: str) -> tuple[list[int], list[str], int]:
    """Alice's 5 messages delivered as :data:`DELIVERIES` says: the order, Bob's screen, keys held.

    >>> order, shown, held = _delivery_rows("reversed")
    >>> order, held
    ([5, 4, 3, 2, 1], 0)
    """
    alice_chat, bob_chat = start_chat(Identity("Alice", rng=31), Identity("Bob", rng=32), rng=33)
    sent = [alice_chat.encrypt(text.encode()) for text in SENT]
    shown = ["lost" for _ in sent]
    for position, index in enumerate(DELIVERIES[name], start=1):
        text = bob_chat.decrypt(sent[index]).decode()
        shown[index] = f"“{text}”, arrived {position}."
    held = len(bob_chat.state_summary()["skipped_message_keys"])
    return [index + 1 for index in DELIVERIES[name]], shown, held


def delivery_demo(delivery: str = "2 and 4 swapped, 5 lost") -> Demo:
    """Messages that arrive late, out of order or never: the ratchet still opens each one."""
    choose = toggle("delivery", tuple(DELIVERIES), delivery)
    figure = go.Figure(
        go.Table(
            header={**HEADER, "values": ["<b>Alice sent</b>", "<b>Bob's screen</b>"],
                    "align": "left"},
            cells={"values": [SENT, [""] * 5], "align": "left", "height": 26},
        )
    )  # fmt: skip

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        order, shown, held = _delivery_rows(choose.value)
        figure.data[0].update(cells={"values": [SENT, shown]})
        figure.layout.title.text = f"Delivered in the order {', '.join(map(str, order))}"
        missing = 5 - len(order)
        return (
            f"The network delivered {len(order)} of Alice's 5 messages, in the order "
            f"{', '.join(map(str, order))}. Bob opened every one that arrived: each header says "
            "its number in the chain, so Bob derives the keys of the messages he skipped and "
            f"keeps them for later. He now holds {held} such key{'s' if held != 1 else ''}"
            f"{' for the ' + str(missing) + ' missing message(s)' if missing else ''}"
            f"{' (a message lost at the end leaves no gap to notice)' if held < missing else ''}"
            "; the store is capped (100 keys), so an attacker cannot make him keep keys forever."
        )

    return Demo([choose], _tables(figure, 300), redraw, title="Late and lost messages")


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "chat": chat_demo,
    "delivery": delivery_demo,
    "forward_secrecy": forward_secrecy_demo,
    "mitm": mitm_demo,
    "pitfalls": pitfalls_demo,
}
