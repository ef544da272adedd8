"""Tests of privlab.crypto.backup and of ChatStore.backup / ChatStore.restore.

* Round trips over random chat histories (hypothesis), with a random key (as
  bytes, as its 64 digits, and as digits typed with capitals and dashes) and
  with a password; ``seal_backup`` / ``open_backup`` round trip any bytes.
* Every byte flipped (two bit patterns) and every truncation of a backup is
  refused with DecryptionError, and the store it was restored into is
  exactly as it was; so is a backup with bytes appended.
* A backup that opens but holds no valid chat history is refused as well,
  and changes nothing.
* A wrong key or password, the wrong kind of secret, a bad magic number, an
  unknown version or key derivation, and hostile Argon2id costs are refused
  with a clear error, the header ones before any key is derived.
* A backup opens with plain PyNaCl and the module docstring's format table.
* Every bad argument raises InvalidParameterError naming it.
"""

from __future__ import annotations

import json
import struct
import time

import nacl.exceptions
import nacl.pwhash.argon2id
import nacl.secret
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privlab.crypto import backup
from privlab.crypto.backup import (
    HEADER_SIZE,
    MAGIC,
    derive_key,
    format_backup_key,
    new_backup_key,
    open_backup,
    parse_backup_key,
    read_header,
    seal_backup,
)
from privlab.crypto.history import DAY, TIMERS, ChatStore, FakeClock
from privlab.errors import BackupFormatError, DecryptionError, InvalidParameterError

TINY = (1, 8192)  # Argon2id at its minimum: far too cheap for real use, fast for tests
KEY = bytes(range(32))
CHATS = ("bob", "family 👪", "Zoë")
SENDERS = ("alice", "bob", "carol", "Zoë")


# --------------------------------------------------------------------------
# Helpers: random histories, a store's complete state
# --------------------------------------------------------------------------

texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "🙂", "🔥👍🏽 ok", "e\u0301", "日本語", "line\nbreak", '"quoted" \\ {json}']
    ),
)
adds = st.tuples(
    st.just("add"),
    st.sampled_from(CHATS),
    st.sampled_from(SENDERS),
    texts,
    st.none() | st.integers(0, 100),  # quote: an index into the messages still here
)
step = st.one_of(
    adds,
    adds,  # twice: most steps add a message
    st.tuples(st.just("forward"), st.integers(0, 100), st.sampled_from(CHATS)),
    st.tuples(st.just("timer"), st.sampled_from(CHATS), st.sampled_from(list(TIMERS))),
    st.tuples(st.just("default"), st.sampled_from(list(TIMERS))),
    st.tuples(
        st.just("advance"),
        st.one_of(
            st.floats(0, 3600, allow_nan=False),
            st.floats(0, 100 * DAY, allow_nan=False),
            st.sampled_from([DAY, 7 * DAY, 90 * DAY]),
        ),
    ),
)
# A length drawn first, so that long histories are as common as short ones.
operations = st.integers(1, 30).flatmap(lambda n: st.lists(step, min_size=n, max_size=n))


def build(ops, *, default_timer: str = "off", start: float = 1_000.0):
    """A store owned by alice, after ``ops``; returns (store, clock, messages ever added)."""
    clock = FakeClock(start)
    store = ChatStore("alice", clock=clock, default_timer=default_timer)
    added = 0
    for op in ops:
        kind = op[0]
        if kind == "add":
            _, chat, sender, text, quote = op
            present = store.messages()
            quoted = None if quote is None or not present else present[quote % len(present)].id
            store.add(chat, sender, text, quote=quoted)
            added += 1
        elif kind == "forward":
            present = store.messages()
            if present:
                store.forward(present[op[1] % len(present)].id, op[2])
                added += 1
        elif kind == "timer":
            store.open_chat(op[1], timer=op[2])
        elif kind == "default":
            store.default_timer = op[1]
        else:
            clock.advance(seconds=op[1])
    return store, clock, added


def history_of(store: ChatStore) -> dict:
    """What a restore must bring back: messages, chats, their timers, the default timer.

    The export's ``saved_at`` is left out: it is the store's time at the export,
    which a restore into a store whose time is later does not set back.
    """
    exported = json.loads(store.export())
    exported.pop("saved_at")
    return {
        "messages": store.messages(),
        "chats": store.chats,
        "timers": {chat: store.timer(chat) for chat in store.chats},
        "default_timer": store.default_timer,
        "export": exported,
    }


def state_of(store: ChatStore) -> dict:
    """Everything observable about a store, to check that a refused restore changed nothing."""
    return {**history_of(store), "notifications": list(store.notifications), "repr": repr(store)}


def sample_store(clock: FakeClock | None = None) -> ChatStore:
    """A small history: two chats, three messages, one with a timer and a quote."""
    store = ChatStore("alice", clock=clock or FakeClock(500.0), default_timer="7 days")
    store.open_chat("bob", timer="24 hours")
    first = store.add("bob", "bob", "the door code is 4711")
    store.add("bob", "alice", "thanks 🙂", quote=first.id)
    store.add("family", "mum", "dinner at 8")
    return store


def target_store() -> ChatStore:
    """A store that already holds a *different* history, to restore into."""
    store = ChatStore("alice", clock=FakeClock(700.0), default_timer="90 days")
    store.open_chat("old friends", timer="off")
    store.add("old friends", "dave", "remember 2009?")
    store.add("old friends", "alice", "never again")
    return store


def assert_refused(store: ChatStore, data: bytes, **secret) -> DecryptionError:
    """Restoring ``data`` raises DecryptionError and leaves ``store`` exactly as it was."""
    before = state_of(store)
    with pytest.raises(DecryptionError) as caught:
        store.restore(data, **secret)
    assert state_of(store) == before
    return caught.value


def key_as(form: str, key: bytes, data: st.DataObject) -> bytes | str:
    """The key in one of the forms a user may give it."""
    if form == "bytes":
        return key
    if form == "formatted":
        return format_backup_key(key)
    # digits typed by hand: random capitals, spaces and dashes anywhere
    capitals = data.draw(st.lists(st.booleans(), min_size=64, max_size=64))
    gaps = data.draw(
        st.lists(st.sampled_from(["", "", " ", "-", " - ", "\t"]), min_size=65, max_size=65)
    )
    digits = [d.upper() if up else d for d, up in zip(key.hex(), capitals, strict=True)]
    return "".join(gap + digit for gap, digit in zip(gaps[:64], digits, strict=True)) + gaps[64]


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    ops=operations,
    default_timer=st.sampled_from(list(TIMERS)),
    form=st.sampled_from(["bytes", "formatted", "typed", "password"]),
    key=st.binary(min_size=32, max_size=32),
    password=st.text(min_size=1, max_size=20),
    data=st.data(),
)
def test_store_round_trips_random_histories(ops, default_timer, form, key, password, data):
    """Backup then restore at the same time gives the same history, and ids continue."""
    store, clock, added = build(ops, default_timer=default_timer)
    if form == "password":
        sealed = store.backup(password=password, cost=TINY)
        secret = {"password": password}
    else:
        sealed = store.backup(key=key)
        secret = {"key": key_as(form, key, data)}
    fresh = ChatStore("alice", clock=FakeClock(clock.now), default_timer="90 days")
    fresh.open_chat("to be replaced")
    fresh.add("to be replaced", "eve", "gone after the restore")

    restored = fresh.restore(sealed, **secret)

    assert restored == len(store.messages())
    assert history_of(fresh) == history_of(store)
    assert fresh.chats == store.chats  # same chats, in the same order
    assert json.loads(fresh.export())["next_id"] == added + 1
    chat = CHATS[0]
    assert fresh.add(chat, "bob", "next").id == store.add(chat, "bob", "next").id == added + 1


def test_store_round_trip_at_the_lesson_cost():
    """With the real lesson cost (2 passes over 64 MiB) the file says so and opens."""
    store = sample_store()
    sealed = store.backup(password="correct horse battery staple", cost="interactive")
    header = read_header(sealed)
    assert (header.opslimit, header.memlimit) == backup.COSTS["interactive"] == (2, 64 * 2**20)
    fresh = ChatStore("alice", clock=FakeClock(store.now()))
    assert fresh.restore(sealed, password="correct horse battery staple") == 3
    assert history_of(fresh) == history_of(store)


@settings(max_examples=40, deadline=None)
@given(history=st.binary(max_size=3000), key=st.binary(min_size=32, max_size=32))
def test_seal_and_open_round_trip_any_bytes_with_a_key(history, key):
    """Any bytes come back exactly; the file is header + ciphertext + 16-byte tag."""
    sealed = seal_backup(history, key=key)
    assert len(sealed) == HEADER_SIZE + len(history) + 16
    assert sealed[:8] == MAGIC
    assert open_backup(sealed, key=key) == history
    assert open_backup(sealed, key=format_backup_key(key).upper()) == history
    assert open_backup(bytearray(sealed), key=bytearray(key)) == history


@settings(max_examples=40, deadline=None)
@given(
    history=st.binary(max_size=3000),
    password=st.text(min_size=1, max_size=30) | st.binary(min_size=1, max_size=30),
)
def test_seal_and_open_round_trip_any_bytes_with_a_password(history, password):
    """A str or bytes password opens what it sealed; the header keeps salt and cost."""
    sealed = seal_backup(history, password=password, cost=TINY)
    header = read_header(sealed)
    assert header.kdf == "argon2id"
    assert (header.opslimit, header.memlimit) == TINY
    assert open_backup(sealed, password=password) == history


def test_every_backup_has_a_fresh_nonce_and_salt_unless_seeded():
    """Two backups of the same history differ (fresh salt and nonce); a seed repeats one."""
    first = seal_backup(b"same", password="pw", cost=TINY)
    second = seal_backup(b"same", password="pw", cost=TINY)
    assert read_header(first).salt != read_header(second).salt
    assert read_header(first).nonce != read_header(second).nonce
    assert seal_backup(b"same", key=KEY, rng=3) == seal_backup(b"same", key=KEY, rng=3)
    assert seal_backup(b"same", key=KEY, rng=3) != seal_backup(b"same", key=KEY, rng=4)


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_key_digits_round_trip(key):
    """64 digits in 16 groups of four; spaces, dashes and capitals read back the same key."""
    digits = format_backup_key(key)
    groups = digits.split(" ")
    assert len(groups) == 16 and all(len(group) == 4 for group in groups)
    assert parse_backup_key(digits) == key
    assert parse_backup_key(digits.upper().replace(" ", "-")) == key
    assert parse_backup_key(digits.replace(" ", "")) == key


def test_new_backup_key_is_random_unless_seeded():
    """A seed repeats a key (for lessons); None draws 32 fresh bytes each time."""
    assert new_backup_key(rng=7) == new_backup_key(rng=7) != new_backup_key(rng=8)
    assert len(new_backup_key()) == 32
    assert new_backup_key() != new_backup_key()


def test_restore_replaces_the_whole_history():
    """Chats and messages only in the target are gone; its notifications are the OS's and stay."""
    source = sample_store()
    target = target_store()
    notifications = list(target.notifications)
    target.restore(source.backup(key=KEY), key=KEY)
    assert target.chats == ["bob", "family"]
    assert history_of(target)["messages"] == source.messages()
    assert target.default_timer == "7 days"
    assert target.notifications == notifications


# --------------------------------------------------------------------------
# Damage: every flipped byte, every truncation, appended bytes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["key", "password"])
def test_every_flipped_byte_is_refused_and_changes_nothing(kind):
    """Flip each byte (xor 0x01 and 0x80): DecryptionError, and the target store is untouched.

    Header bytes are refused as they are read (magic, version, key derivation)
    or by the tag, which covers all 69 header bytes.
    """
    source = sample_store()
    secret = {"key": KEY} if kind == "key" else {"password": "hunter2"}
    sealed = source.backup(**secret, cost=TINY, rng=1)
    target = target_store()
    start = time.perf_counter()
    for position in range(len(sealed)):
        for pattern in (0x01, 0x80):
            changed = bytearray(sealed)
            changed[position] ^= pattern
            error = assert_refused(target, bytes(changed), **secret)
            if position < 17 or (kind == "key" and position < 45):
                assert isinstance(error, BackupFormatError), position
    # A flip in the Argon2id memory field may ask for up to 16 MiB (an allowed
    # cost): still far from slow. Each refusal must stay quick.
    assert time.perf_counter() - start < 2 * len(sealed) * 0.05
    target.restore(sealed, **secret)  # the genuine file still opens
    assert history_of(target) == history_of(source)


@pytest.mark.parametrize("kind", ["key", "password"])
def test_every_truncation_and_any_appended_bytes_are_refused(kind):
    """Cut at every length 0..n-1, or lengthened: DecryptionError, and nothing changes."""
    source = sample_store()
    secret = {"key": KEY} if kind == "key" else {"password": "hunter2"}
    sealed = source.backup(**secret, cost=TINY)
    target = target_store()
    for length in range(len(sealed)):
        error = assert_refused(target, sealed[:length], **secret)
        if length < HEADER_SIZE:
            assert isinstance(error, BackupFormatError), length
    for extra in (b"\x00", b"more", sealed[-16:], sealed):
        assert_refused(target, sealed + extra, **secret)
    assert open_backup(sealed, **secret) == source.export()


def genuine_history() -> dict:
    """The decrypted history of the sample store, as a dict to damage."""
    return json.loads(sample_store().export())


def damaged(change) -> bytes:
    """A correctly sealed backup of a history that ``change`` has damaged."""
    history = genuine_history()
    change(history)
    return json.dumps(history).encode("utf-8")


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"{}",
        damaged(lambda h: h.update(format="something else")),
        damaged(lambda h: h["messages"][0].update(chat="nobody")),
        damaged(lambda h: h["messages"][0].update(id=0)),
        damaged(lambda h: h["messages"][1].update(id=1)),
        damaged(lambda h: h.update(next_id=3)),
        damaged(lambda h: h["messages"][0].update(sent_at="noon")),
        damaged(lambda h: h["messages"][0].update(extra=1)),
        damaged(lambda h: h["messages"][0].pop("text")),
        damaged(lambda h: h["chats"].update(bob="1 hour")),
        damaged(lambda h: h.update(default_timer=None)),
        damaged(lambda h: h["messages"][0].update(sender="")),
        damaged(lambda h: h["messages"][0].update(text="\ud800")),
        damaged(lambda h: h.pop("saved_at")),
        damaged(lambda h: h.update(saved_at="yesterday")),
        damaged(lambda h: h.update(saved_at=float("inf"))),
    ],
)
def test_a_backup_that_opens_but_holds_no_valid_history_changes_nothing(content):
    """The tag is right, the content is not a chat history: BackupFormatError, store as it was."""
    sealed = seal_backup(content, key=KEY)
    error = assert_refused(target_store(), sealed, key=KEY)
    assert isinstance(error, BackupFormatError)
    assert "not a chat history" in str(error)


# --------------------------------------------------------------------------
# Wrong secrets and unreadable headers
# --------------------------------------------------------------------------


def test_wrong_password_and_wrong_key_are_refused():
    """The message says what was wrong; nothing of the history comes out."""
    by_password = seal_backup(b"secret history", password="hunter2", cost=TINY)
    by_key = seal_backup(b"secret history", key=KEY)
    with pytest.raises(DecryptionError, match="wrong password") as caught:
        open_backup(by_password, password="hunter3")
    assert "secret history" not in str(caught.value)
    with pytest.raises(DecryptionError, match="wrong key"):
        open_backup(by_key, key=bytes(32))
    store = target_store()
    with pytest.raises(DecryptionError, match="wrong key"):
        store.restore(sample_store().backup(key=KEY), key=new_backup_key(rng=1))


def test_the_wrong_kind_of_secret_or_both_or_neither_is_refused():
    """key= for a password backup (and the reverse) says which to give; one of them is required."""
    by_password = seal_backup(b"h", password="hunter2", cost=TINY)
    by_key = seal_backup(b"h", key=KEY)
    with pytest.raises(BackupFormatError, match="password, not a random key: pass password="):
        open_backup(by_password, key=KEY)
    with pytest.raises(BackupFormatError, match="random 64-digit key, not a password: pass key="):
        open_backup(by_key, password="hunter2")
    for call in (
        lambda: open_backup(by_key, key=KEY, password="hunter2"),
        lambda: open_backup(by_key),
        lambda: seal_backup(b"h", key=KEY, password="hunter2"),
        lambda: seal_backup(b"h"),
        lambda: target_store().backup(),
        lambda: target_store().restore(by_key),
    ):
        with pytest.raises(InvalidParameterError, match="exactly one of key="):
            call()


def rewrite(data: bytes, offset: int, field: bytes) -> bytes:
    """``data`` with the bytes at ``offset`` replaced by ``field``."""
    return data[:offset] + field + data[offset + len(field) :]


@pytest.fixture
def forbid_derivation(monkeypatch):
    """Call it to make any later key derivation fail the test: errors must come before it."""

    def derive(*args, **kwargs):
        raise AssertionError("a key was derived from a header that should have been refused")

    def forbid():
        monkeypatch.setattr(backup, "derive_key", derive)
        monkeypatch.setattr(backup.argon2id, "kdf", derive)

    return forbid


@pytest.mark.parametrize(
    ("offset", "field", "message"),
    [
        (8, b"\x02", "format version 2"),
        (8, b"\x00", "format version 0"),
        (9, b"scrypt\x00\x00", "unknown key derivation"),
        (9, b"argon2i\x00", "unknown key derivation"),
        (9, b"rawkey\x00x", "unknown key derivation"),
        (9, b"ARGON2ID", "unknown key derivation"),
        (0, b"PLBACKUQ", "not a privlab backup"),
        (0, b"GIF89a", "not a privlab backup"),
        (17, struct.pack(">I", 2**31), "2147483648 passes"),
        (17, struct.pack(">I", 0), "0 passes"),
        (17, struct.pack(">I", 17), "17 passes"),
        (21, struct.pack(">Q", 2**40), str(2**40)),
        (21, struct.pack(">Q", 2**30 + 1), str(2**30 + 1)),
        (21, struct.pack(">Q", 4096), "4096 bytes"),
        (17, struct.pack(">IQ", 2**31, 2**40), "accepts 1-16 passes"),
    ],
)
def test_unreadable_headers_are_refused_before_any_key_is_derived(
    forbid_derivation, offset, field, message
):
    """Version, key derivation, magic, hostile costs: BackupFormatError, quickly, no Argon2id."""
    sealed = seal_backup(b"history", password="hunter2", cost=TINY, rng=0)
    changed = rewrite(sealed, offset, field)
    store = target_store()
    forbid_derivation()
    start = time.perf_counter()
    with pytest.raises(BackupFormatError, match=message):
        open_backup(changed, password="hunter2")
    with pytest.raises(BackupFormatError, match=message):
        read_header(changed)
    assert_refused(store, changed, password="hunter2")
    assert time.perf_counter() - start < 0.5


def test_a_random_key_backup_must_have_empty_argon2id_fields():
    """A key backup with a salt or a cost in its header is damaged, and says so."""
    sealed = seal_backup(b"history", key=KEY, rng=0)
    for offset, field in ((17, b"\x00\x00\x00\x01"), (28, b"\x01"), (30, b"\x01")):
        with pytest.raises(BackupFormatError, match="zero Argon2id fields"):
            open_backup(rewrite(sealed, offset, field), key=KEY)


def test_the_header_can_be_read_without_a_secret():
    """What anyone holding the file sees: the kind of secret and its cost, no content."""
    by_password = seal_backup(b"history", password="hunter2", cost="interactive", rng=0)
    described = read_header(by_password).describe()
    assert described["magic"] == "PLBACKUP" and described["version"] == 1
    assert described["key from"] == "password, Argon2id with 2 passes over 64 MiB"
    assert read_header(by_password).to_bytes() == by_password[:HEADER_SIZE]
    by_key = seal_backup(b"history", key=KEY, rng=0)
    assert read_header(by_key).describe()["key from"] == "random 256-bit key (64 digits)"
    assert read_header(by_key).to_bytes() == by_key[:HEADER_SIZE]


# --------------------------------------------------------------------------
# The documented format, read with plain PyNaCl
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["key", "password"])
def test_a_backup_opens_with_plain_pynacl_and_the_format_table(kind):
    """Offsets, big-endian numbers, Argon2id, XChaCha20-Poly1305 with the header as AAD."""
    store = sample_store()
    if kind == "key":
        file = store.backup(key=format_backup_key(KEY))
    else:
        file = store.backup(password="hunter2", cost=TINY)

    assert file[0:8] == b"PLBACKUP"
    assert file[8] == 1
    kdf = file[9:17]
    (opslimit,) = struct.unpack(">I", file[17:21])
    (memlimit,) = struct.unpack(">Q", file[21:29])
    salt, nonce = file[29:45], file[45:69]
    assert len(salt) == 16 and len(nonce) == 24
    if kind == "key":
        assert kdf == b"rawkey\x00\x00"
        assert (opslimit, memlimit, salt) == (0, 0, bytes(16))
        key = KEY
    else:
        assert kdf == b"argon2id"
        assert (opslimit, memlimit) == TINY
        key = nacl.pwhash.argon2id.kdf(32, b"hunter2", salt, opslimit=opslimit, memlimit=memlimit)
    plaintext = nacl.secret.Aead(key).decrypt(file[69:], aad=file[:69], nonce=file[45:69])
    history = json.loads(plaintext.decode("utf-8"))
    assert [m["text"] for m in history["messages"]] == [
        "the door code is 4711",
        "thanks 🙂",
        "dinner at 8",
    ]
    assert history["messages"][1]["quote"] == "the door code is 4711"
    assert history["chats"] == {"bob": "24 hours", "family": "7 days"}
    assert len(file) == 69 + len(plaintext) + 16


def test_plain_pynacl_refuses_a_changed_header_too():
    """The header really is associated data: a changed salt byte breaks the tag, even for a key."""
    file = seal_backup(b"history", key=KEY, rng=0)
    changed = rewrite(file, 29, b"\x01")  # a salt byte: ignored for a key, but authenticated
    with pytest.raises(nacl.exceptions.CryptoError):
        nacl.secret.Aead(KEY).decrypt(changed[69:], aad=changed[:69], nonce=changed[45:69])


def test_file_layout_shows_the_fields_at_the_documented_offsets():
    """file_layout's rows are the format table's; a cut file shows its missing fields."""
    file = seal_backup(b"hello", password="hunter2", cost=TINY, rng=0)
    rows = backup.file_layout(file, preview=64)
    assert [row["bytes"] for row in rows] == [
        "0-7", "8", "9-16", "17-20", "21-28", "29-44", "45-68", "69-73", "74-89",
    ]  # fmt: skip
    reads = {row["field"]: row["reads as"] for row in rows}
    assert reads["magic number"] == "PLBACKUP"
    assert reads["key derivation"] == "argon2id"
    assert reads["Argon2id passes"] == "1"
    assert reads["Argon2id memory"] == f"{8192 / 2**20:g} MiB"
    assert rows[5]["hex"].replace(" ", "") == file[29:45].hex()
    assert rows[8]["hex"].replace(" ", "") == file[-16:].hex()
    cut = backup.file_layout(file[:20])
    assert cut[-1]["reads as"].startswith("missing") and cut[-1]["hex"] == "(missing)"
    with pytest.raises(InvalidParameterError, match="preview"):
        backup.file_layout(file, preview=1)


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: seal_backup("text, not bytes", key=KEY), "history must be bytes"),
        (lambda: seal_backup([1, 2], key=KEY), "history must be bytes"),
        (lambda: seal_backup(b"h", key=bytes(31)), "key must be 32 bytes.*got 31 bytes"),
        (lambda: seal_backup(b"h", key=12345), "key must be 32 bytes"),
        (lambda: open_backup(seal_backup(b"h", key=KEY), key=bytes(31)), "key must be 32 bytes"),
        (lambda: seal_backup(b"h", key="0123g" + "0" * 59), "key digit 5 is 'g'"),
        (lambda: parse_backup_key("0" * 63), "key must have 64 hexadecimal digits; got 63"),
        (lambda: parse_backup_key("0" * 65), "key must have 64 hexadecimal digits; got 65"),
        (lambda: parse_backup_key(b"0" * 64), "key must be a string"),
        (lambda: format_backup_key(bytes(31)), "key must be 32 bytes"),
        (lambda: seal_backup(b"h", password=""), "password must be a non-empty"),
        (lambda: seal_backup(b"h", password=b""), "password must be a non-empty"),
        (lambda: seal_backup(b"h", password=42), "password must be a non-empty"),
        (lambda: open_backup(seal_backup(b"h", password="p", cost=TINY), password=""), "password"),
        (lambda: seal_backup(b"h", password="pw", cost="fast"), "cost must be one of"),
        (lambda: seal_backup(b"h", password="pw", cost=(1,)), "cost must be one of"),
        (lambda: seal_backup(b"h", password="pw", cost=(0, 8192)), "cost passes"),
        (lambda: seal_backup(b"h", password="pw", cost=(17, 8192)), "cost passes"),
        (lambda: seal_backup(b"h", password="pw", cost=(1, 4096)), "cost memory_bytes"),
        (lambda: seal_backup(b"h", password="pw", cost=(1, 2**30 + 1)), "cost memory_bytes"),
        (lambda: derive_key("pw", bytes(15), TINY), "salt must be 16 bytes"),
        (lambda: derive_key("", bytes(16), TINY), "password"),
        (lambda: seal_backup(b"h", key=KEY, rng=-1), "rng"),
        (lambda: open_backup("not bytes", key=KEY), "backup must be bytes"),
        (lambda: read_header(None), "backup must be bytes"),
        (lambda: target_store().restore("not bytes", key=KEY), "backup must be bytes"),
    ],
)
def test_bad_arguments_name_the_parameter(call, named):
    """Each bad argument raises InvalidParameterError (a ValueError) that names it."""
    with pytest.raises(InvalidParameterError, match=named) as caught:
        call()
    assert isinstance(caught.value, ValueError)


def test_an_unknown_cost_is_refused_for_a_key_backup_too():
    with pytest.raises(InvalidParameterError, match="cost"):
        seal_backup(b"{}", key=bytes(32), cost="bogus")
