"""Tests of the basic pieces of lesson 06: safety numbers, the relay server, the pitfalls.

* Safety numbers: libsignal's published example comes out digit for digit;
  the number is the same from both sides, and any change of a key or an id
  changes it; an independent reading of the specification agrees.
* Relay server: bundles, queues, the log of what the server sees, delivery out
  of order, lost messages, and a swapped bundle (the man in the middle that
  only the safety numbers reveal). Padding round-trips and bad padding is refused.
* Pitfalls: a reused nonce gives the second message away; a bare stream lets
  "100" become "900" unnoticed; the AEAD rejects every one-bit change and every
  truncation, and speaks PyNaCl's format in both directions.
* Every bad argument raises an error that names it.
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest
from nacl.public import Box, PrivateKey
from nacl.secret import Aead
from nacl.signing import SigningKey

from privlab import DecryptionError, InvalidParameterError
from privlab.crypto import pitfalls, relay, safety

ALICE_KEY = bytes.fromhex("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868")
BOB_KEY = bytes.fromhex("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b")
ALICE_ID = "+14152222222"
BOB_ID = "+14153333333"
PUBLISHED = "300354477692869396892869876765458257569162576843440918079131"


# --------------------------------------------------------------------------
# Safety numbers
# --------------------------------------------------------------------------


def spec_fingerprint(key33: bytes, stable_id: str, iterations: int = 5200) -> str:
    """The specification read independently: a running SHA-512 object, numbers by division."""
    hashed = b"\x00\x00" + key33 + stable_id.encode()
    for _ in range(iterations):
        digest = hashlib.sha512()
        digest.update(hashed)
        digest.update(key33)
        hashed = digest.digest()
    digits = ""
    for chunk in range(6):
        value = 0
        for byte in hashed[5 * chunk : 5 * chunk + 5]:
            value = value * 256 + byte
        digits += str(value % 100_000).zfill(5)
    return digits


def test_published_vector_comes_out_exactly():
    assert safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY, BOB_ID) == PUBLISHED


def test_published_vector_from_both_sides_and_in_halves():
    assert safety.safety_number(BOB_KEY, BOB_ID, ALICE_KEY, ALICE_ID) == PUBLISHED
    assert safety.fingerprint(ALICE_KEY, ALICE_ID) == PUBLISHED[:30]
    assert safety.fingerprint(BOB_KEY, BOB_ID) == PUBLISHED[30:]


def test_32_byte_keys_get_the_type_byte():
    assert safety.safety_number(ALICE_KEY[1:], ALICE_ID, BOB_KEY[1:], BOB_ID) == PUBLISHED
    assert safety.safety_number(ALICE_KEY, ALICE_ID, bytearray(BOB_KEY[1:]), BOB_ID) == PUBLISHED


def test_pynacl_key_objects_are_accepted():
    box_key = PrivateKey.generate().public_key
    verify_key = SigningKey.generate().verify_key
    assert safety.fingerprint(box_key, "a") == safety.fingerprint(bytes(box_key), "a")
    assert safety.fingerprint(verify_key, "b") == safety.fingerprint(bytes(verify_key), "b")


def test_agrees_with_an_independent_reading_of_the_specification():
    for trial in range(5):
        key = os.urandom(32)
        name = f"user-{trial}-é"  # non-ASCII ids are hashed as UTF-8
        for iterations in (1, 2, 5200):
            expected = spec_fingerprint(b"\x05" + key, name, iterations)
            assert safety.fingerprint(key, name, iterations) == expected


def test_symmetric_for_random_keys():
    for _ in range(5):
        key_a, key_b = os.urandom(32), os.urandom(32)
        number = safety.safety_number(key_a, "alice", key_b, "bob")
        assert number == safety.safety_number(key_b, "bob", key_a, "alice")
        assert len(number) == 60 and number.isdigit()
        halves = sorted([safety.fingerprint(key_a, "alice"), safety.fingerprint(key_b, "bob")])
        assert number == "".join(halves)


def test_any_change_changes_the_number():
    changed_key = bytearray(BOB_KEY)
    changed_key[-1] ^= 1
    assert safety.safety_number(ALICE_KEY, ALICE_ID, bytes(changed_key), BOB_ID) != PUBLISHED
    assert safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY, "+14153333334") != PUBLISHED
    assert safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY, BOB_ID, iterations=5199) != PUBLISHED


def test_a_swapped_key_changes_the_number_for_one_side_only():
    """The man in the middle: Alice sees the server's key where Bob's should be."""
    alice, bob, server = (os.urandom(32) for _ in range(3))
    on_alices_phone = safety.safety_number(alice, "alice", server, "bob")
    on_bobs_phone = safety.safety_number(bob, "bob", alice, "alice")
    assert on_alices_phone != on_bobs_phone


def test_fast_enough():
    start = time.perf_counter()
    safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY, BOB_ID)
    assert time.perf_counter() - start < 0.5


def test_format_safety_number():
    shown = safety.format_safety_number(PUBLISHED)
    assert shown == "30035 44776 92869 39689\n28698 76765 45825 75691\n62576 84344 09180 79131"
    assert safety.format_safety_number(shown) == shown  # formatting twice changes nothing


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: safety.fingerprint(ALICE_KEY[:31], ALICE_ID), "public_key"),
        (lambda: safety.fingerprint(b"\x02" + ALICE_KEY[1:], ALICE_ID), "public_key"),
        (lambda: safety.fingerprint(ALICE_KEY.hex(), ALICE_ID), "public_key"),
        (lambda: safety.fingerprint(b"", ALICE_ID), "public_key"),
        (lambda: safety.fingerprint(ALICE_KEY, ""), "stable_id"),
        (lambda: safety.fingerprint(ALICE_KEY, 14152222222), "stable_id"),
        (lambda: safety.fingerprint(ALICE_KEY, ALICE_ID, iterations=0), "iterations"),
        (lambda: safety.fingerprint(ALICE_KEY, ALICE_ID, iterations=True), "iterations"),
        (lambda: safety.fingerprint(ALICE_KEY, ALICE_ID, iterations=5.5), "iterations"),
        (lambda: safety.safety_number(None, ALICE_ID, BOB_KEY, BOB_ID), "key_a"),
        (lambda: safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY[:5], BOB_ID), "key_b"),
        (lambda: safety.safety_number(ALICE_KEY, None, BOB_KEY, BOB_ID), "id_a"),
        (lambda: safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY, ""), "id_b"),
        (lambda: safety.safety_number(ALICE_KEY, ALICE_ID, BOB_KEY, BOB_ID, -1), "iterations"),
        (lambda: safety.format_safety_number(PUBLISHED[:-1]), "number"),
        (lambda: safety.format_safety_number(PUBLISHED[:-1] + "x"), "number"),
        (lambda: safety.format_safety_number(int(PUBLISHED)), "number"),
        (lambda: safety.format_safety_number("٣" * 60), "number"),  # non-ASCII digits
    ],
)
def test_safety_bad_arguments_are_named(call, named):
    with pytest.raises(InvalidParameterError, match=rf"^{named} must be"):
        call()


# --------------------------------------------------------------------------
# Relay server
# --------------------------------------------------------------------------


@pytest.fixture
def server():
    relay_server = relay.RelayServer()
    for name in ("alice", "bob"):
        relay_server.publish_bundle(name, {"owner": name})
    return relay_server


def test_bundles_are_stored_and_handed_out(server):
    assert server.fetch_bundle("bob") == {"owner": "bob"}
    assert server.users == ["alice", "bob"]
    server.publish_bundle("bob", {"owner": "bob", "version": 2})  # a new signed prekey
    assert server.fetch_bundle("bob")["version"] == 2


def test_messages_are_forwarded_in_order_and_logged(server):
    server.send("alice", "bob", b"first")
    server.send("bob", "alice", b"reply")
    server.send("alice", "bob", bytearray(b"second"))
    assert server.pending("bob") == 2
    assert server.fetch("bob") == [b"first", b"second"]
    assert server.fetch("alice") == [b"reply"]
    assert server.fetch("bob") == []
    assert [(r.time, r.sender, r.recipient, r.size) for r in server.log] == [
        (1, "alice", "bob", 5),
        (2, "bob", "alice", 5),
        (3, "alice", "bob", 6),
    ]
    assert [r.data for r in server.log] == [b"first", b"reply", b"second"]
    assert all(type(r.data) is bytes for r in server.log)  # a bytearray is copied


def test_injected_clock_and_log_table():
    times = iter([100.0, 250.5])
    server = relay.RelayServer(clock=lambda: next(times))
    server.publish_bundle("alice", "keys")
    server.publish_bundle("bob", "keys")
    server.send("alice", "bob", bytes(range(40)))
    server.send("bob", "alice", b"\xff")
    rows = server.log_table(preview=2)
    assert rows == [
        {"time": 100.0, "sender": "alice", "recipient": "bob", "size": 40, "data": "0001..."},
        {"time": 250.5, "sender": "bob", "recipient": "alice", "size": 1, "data": "ff"},
    ]
    assert server.log_table(preview=0)[1]["data"] == "..."
    assert relay.RelayServer(clock=time.time)._clock is time.time


def test_out_of_order_delivery_and_loss(server):
    for number in range(5):
        server.send("alice", "bob", bytes([number]))
    assert server.fetch("bob", order=[3, 1], drop=[0]) == [b"\x03", b"\x01"]
    assert server.pending("bob") == 2  # messages 2 and 4 wait
    assert server.fetch("bob", order=[1]) == [b"\x04"]
    assert server.fetch("bob", drop=[0]) == []  # message 2 is lost
    assert server.pending("bob") == 0
    assert len(server.log) == 5  # the server saw them all


def test_swapped_bundle_lets_the_server_read_and_only_safety_numbers_tell():
    """A full man in the middle with real keys, and how the safety numbers expose it."""
    server = relay.RelayServer()
    alice, bob, mallory = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    server.publish_bundle("alice", alice.public_key)
    server.publish_bundle("bob", bob.public_key)
    server.replace_bundle("bob", mallory.public_key)
    server.publish_bundle("bob", bob.public_key)  # republishing does not undo the swap

    bobs_key_as_alice_sees_it = server.fetch_bundle("bob")
    server.send("alice", "bob", Box(alice, bobs_key_as_alice_sees_it).encrypt(b"hi bob"))

    # The server takes the message, reads it and passes on a re-encrypted copy.
    (stolen,) = server.fetch("bob")
    assert Box(mallory, alice.public_key).decrypt(stolen) == b"hi bob"
    server.send("alice", "bob", Box(mallory, bob.public_key).encrypt(b"hi bob"))
    (delivered,) = server.fetch("bob")
    assert Box(bob, mallory.public_key).decrypt(delivered) == b"hi bob"  # it "works"

    on_alices_phone = safety.safety_number(
        alice.public_key, "alice", bobs_key_as_alice_sees_it, "bob"
    )
    on_bobs_phone = safety.safety_number(bob.public_key, "bob", alice.public_key, "alice")
    assert on_alices_phone != on_bobs_phone

    server.restore_bundle("bob")
    assert bytes(server.fetch_bundle("bob")) == bytes(bob.public_key)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda s: s.publish_bundle("", "keys"), "name"),
        (lambda s: s.publish_bundle(7, "keys"), "name"),
        (lambda s: s.publish_bundle("carol", None), "bundle"),
        (lambda s: s.fetch_bundle("carol"), "name"),
        (lambda s: s.replace_bundle("carol", "keys"), "name"),
        (lambda s: s.replace_bundle("bob", None), "bundle"),
        (lambda s: s.restore_bundle("carol"), "name"),
        (lambda s: s.send("carol", "bob", b"x"), "sender"),
        (lambda s: s.send("alice", "carol", b"x"), "recipient"),
        (lambda s: s.send("alice", "bob", "text, not bytes"), "data"),
        (lambda s: s.send("alice", "bob", [1, 2]), "data"),
        (lambda s: s.fetch("carol"), "recipient"),
        (lambda s: s.pending("carol"), "recipient"),
        (lambda s: s.fetch("bob", order=[2]), "order"),
        (lambda s: s.fetch("bob", order=[0, 0]), "order"),
        (lambda s: s.fetch("bob", order=[-1]), "order"),
        (lambda s: s.fetch("bob", order="01"), "order"),
        (lambda s: s.fetch("bob", order=[0.0]), "order"),
        (lambda s: s.fetch("bob", drop=[5]), "drop"),
        (lambda s: s.fetch("bob", drop=7), "drop"),
        (lambda s: s.fetch("bob", order=[0, 1], drop=[1]), "order and drop"),
        (lambda s: s.log_table(preview=-1), "preview"),
    ],
)
def test_relay_bad_arguments_are_named(server, call, named):
    server.send("alice", "bob", b"one")
    server.send("alice", "bob", b"two")
    with pytest.raises(InvalidParameterError, match=rf"^{named} must"):
        call(server)
    assert server.pending("bob") == 2  # a refused call changes nothing


def test_bad_clock_is_named():
    with pytest.raises(InvalidParameterError, match=r"^clock must"):
        relay.RelayServer(clock=42)


# --------------------------------------------------------------------------
# Padding
# --------------------------------------------------------------------------


def spec_pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 7816-4 read independently: 0x80, then zeros to the next multiple."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def test_pad_round_trips_and_follows_the_rule():
    for block in (1, 2, 16, 256):
        for length in range(0, 3 * block + 2):
            message = os.urandom(length)
            padded = relay.pad(message, block)
            assert padded == spec_pad(message, block)
            assert len(padded) % block == 0 and len(padded) > length
            assert relay.unpad(padded, block) == message


def test_padding_hides_lengths_within_a_block():
    sizes = {len(relay.pad(b"x" * length)) for length in range(256)}
    assert sizes == {256}


@pytest.mark.parametrize(
    "padded",
    [
        b"",  # nothing at all
        b"abc",  # not a multiple of the block
        b"ok" + bytes(2),  # no 0x80
        b"ok\x80\x01",  # a non-zero byte after the marker
        b"ok\x81\x00",  # the wrong marker
        bytes(4),  # all zeros
        b"abcd\x80\x00\x00",  # 7 bytes for a block of 4
    ],
)
def test_unpad_refuses_bad_padding(padded):
    with pytest.raises(DecryptionError, match=r"^bad padding"):
        relay.unpad(padded, block=4)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: relay.pad("text", 16), "plaintext"),
        (lambda: relay.pad(b"x", 0), "block"),
        (lambda: relay.pad(b"x", 2**21), "block"),
        (lambda: relay.pad(b"x", 16.0), "block"),
        (lambda: relay.unpad(None, 16), "padded"),
        (lambda: relay.unpad(b"x" * 16, -16), "block"),
    ],
)
def test_padding_bad_arguments_are_named(call, named):
    with pytest.raises(InvalidParameterError, match=rf"^{named} must"):
        call()


# --------------------------------------------------------------------------
# Pitfalls: the bare stream
# --------------------------------------------------------------------------

KEY = bytes(range(32))
NONCE = bytes(range(100, 124))


def test_bare_stream_is_the_aead_without_its_tag():
    message = b"attack at dawn, bring snacks"
    sealed = Aead(KEY).encrypt(message, nonce=NONCE).ciphertext
    ciphertext = pitfalls.stream_encrypt(KEY, NONCE, message)
    assert ciphertext == sealed[: -pitfalls.TAG_SIZE]
    assert ciphertext == pitfalls.xor_bytes(message, pitfalls.keystream(KEY, NONCE, len(message)))
    assert pitfalls.stream_decrypt(KEY, NONCE, ciphertext) == message
    assert pitfalls.stream_encrypt(KEY, NONCE, b"") == b""
    assert pitfalls.keystream(KEY, NONCE, 0) == b""


def test_keystream_depends_on_key_and_nonce():
    stream = pitfalls.keystream(KEY, NONCE, 64)
    assert stream != pitfalls.keystream(KEY, bytes(24), 64)
    assert stream != pitfalls.keystream(bytes(32), NONCE, 64)
    assert pitfalls.keystream(KEY, NONCE, 200)[:64] == stream


def test_nonce_reuse_gives_the_second_message_away():
    first = b"Hi Bob, the meeting is at 10:00 in room 4."
    second = b"Transfer 5000 to account 12-345-678, Carol"
    c1 = pitfalls.stream_encrypt(KEY, NONCE, first)
    c2 = pitfalls.stream_encrypt(KEY, NONCE, second)
    assert pitfalls.xor_bytes(c1, c2) == pitfalls.xor_bytes(first, second)
    assert pitfalls.recover_with_crib(c1, c2, first) == second
    assert pitfalls.recover_with_crib(c1, c2, b"Hi Bob") == b"Transf"  # a partial crib


def test_fresh_nonces_stop_the_crib():
    first, second = b"Hi Bob, see you at ten", b"Transfer 5000 to Carol"
    c1 = pitfalls.stream_encrypt(KEY, NONCE, first)
    c2 = pitfalls.stream_encrypt(KEY, os.urandom(24), second)
    assert pitfalls.recover_with_crib(c1, c2, first) != second


def test_forge_turns_100_into_900_unnoticed():
    ciphertext = pitfalls.stream_encrypt(KEY, NONCE, b"pay 100 euros to bob")
    changed = pitfalls.forge(ciphertext, b"100", b"900", offset=4)
    assert pitfalls.stream_decrypt(KEY, NONCE, changed) == b"pay 900 euros to bob"
    whole = pitfalls.forge(ciphertext, b"pay 100 euros to bob", b"pay 999 euros to eve")
    assert pitfalls.stream_decrypt(KEY, NONCE, whole) == b"pay 999 euros to eve"
    assert pitfalls.forge(ciphertext, b"", b"", offset=20) == ciphertext


def test_flipped_bit_in_bare_stream_flips_the_same_plaintext_bit():
    message = b"ok!"
    ciphertext = pitfalls.stream_encrypt(KEY, NONCE, message)
    for position in range(8 * len(message)):
        changed = pitfalls.flip_bit(ciphertext, position)
        assert pitfalls.stream_decrypt(KEY, NONCE, changed) == pitfalls.flip_bit(message, position)


def test_flip_bit_counts_in_reading_order():
    assert pitfalls.flip_bit(b"\x00\x00", 0) == b"\x80\x00"
    assert pitfalls.flip_bit(b"\x00\x00", 7) == b"\x01\x00"
    assert pitfalls.flip_bit(b"\x00\x00", 15) == b"\x00\x01"
    data = b"\x12\x34"
    assert all(pitfalls.flip_bit(pitfalls.flip_bit(data, i), i) == data for i in range(16))


def test_xor_bytes_stops_at_the_shorter():
    assert pitfalls.xor_bytes(b"\x01\x02\x03", b"\x01") == b"\x00"
    assert pitfalls.xor_bytes(b"", b"abc") == b""


# --------------------------------------------------------------------------
# Pitfalls: the AEAD
# --------------------------------------------------------------------------


def test_aead_round_trip_with_and_without_associated_data():
    key = os.urandom(32)
    for message in (b"", b"x", b"pay 100", os.urandom(1000)):
        assert pitfalls.aead_decrypt(key, pitfalls.aead_encrypt(key, message)) == message
        sealed = pitfalls.aead_encrypt(key, message, aad=b"header")
        assert len(sealed) == len(message) + pitfalls.NONCE_SIZE + pitfalls.TAG_SIZE
        assert pitfalls.aead_decrypt(key, sealed, aad=b"header") == message


def test_aead_uses_a_fresh_nonce_every_time():
    key = os.urandom(32)
    first, second = (pitfalls.aead_encrypt(key, b"same message") for _ in range(2))
    assert first[: pitfalls.NONCE_SIZE] != second[: pitfalls.NONCE_SIZE]
    assert first != second


def test_aead_rejects_every_single_bit_flip():
    key = os.urandom(32)
    sealed = pitfalls.aead_encrypt(key, b"pay 100", aad=b"to: bob")
    for position in range(8 * len(sealed)):  # nonce, ciphertext and tag bits
        with pytest.raises(DecryptionError, match=r"^the message was changed"):
            pitfalls.aead_decrypt(key, pitfalls.flip_bit(sealed, position), aad=b"to: bob")


def test_aead_rejects_every_truncation_and_extension():
    key = os.urandom(32)
    sealed = pitfalls.aead_encrypt(key, b"pay 100")
    for length in range(len(sealed)):
        with pytest.raises(DecryptionError):
            pitfalls.aead_decrypt(key, sealed[:length])
    with pytest.raises(DecryptionError, match="too short"):
        pitfalls.aead_decrypt(key, sealed[:39])
    with pytest.raises(DecryptionError, match=r"^the message was changed"):
        pitfalls.aead_decrypt(key, sealed + b"\x00")


def test_aead_rejects_the_bare_stream_forgery():
    key = os.urandom(32)
    sealed = pitfalls.aead_encrypt(key, b"pay 100")
    body = sealed[pitfalls.NONCE_SIZE : -pitfalls.TAG_SIZE]
    forged_body = pitfalls.forge(body, b"100", b"900", offset=4)
    forged = sealed[: pitfalls.NONCE_SIZE] + forged_body + sealed[-pitfalls.TAG_SIZE :]
    with pytest.raises(DecryptionError, match=r"^the message was changed"):
        pitfalls.aead_decrypt(key, forged)


def test_aead_rejects_wrong_key_and_wrong_associated_data():
    key = os.urandom(32)
    sealed = pitfalls.aead_encrypt(key, b"pay 100", aad=b"to: bob")
    with pytest.raises(DecryptionError):
        pitfalls.aead_decrypt(os.urandom(32), sealed, aad=b"to: bob")
    with pytest.raises(DecryptionError):
        pitfalls.aead_decrypt(key, sealed, aad=b"to: eve")
    with pytest.raises(DecryptionError):
        pitfalls.aead_decrypt(key, sealed)


def test_aead_speaks_pynacls_format_both_ways():
    key = os.urandom(32)
    ours = pitfalls.aead_encrypt(key, b"from privlab", aad=b"ad")
    assert type(ours) is bytes
    assert Aead(key).decrypt(ours, aad=b"ad") == b"from privlab"
    theirs = Aead(key).encrypt(b"from PyNaCl", aad=b"ad")
    assert pitfalls.aead_decrypt(key, bytes(theirs), aad=b"ad") == b"from PyNaCl"
    assert pitfalls.aead_decrypt(key, theirs, aad=b"ad") == b"from PyNaCl"


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: pitfalls.stream_encrypt(KEY[:16], NONCE, b"x"), "key"),
        (lambda: pitfalls.stream_encrypt("k" * 32, NONCE, b"x"), "key"),
        (lambda: pitfalls.stream_encrypt(KEY, NONCE[:12], b"x"), "nonce"),
        (lambda: pitfalls.stream_encrypt(KEY, NONCE, "text"), "plaintext"),
        (lambda: pitfalls.stream_decrypt(KEY, NONCE, None), "ciphertext"),
        (lambda: pitfalls.stream_decrypt(KEY, b"", b"x"), "nonce"),
        (lambda: pitfalls.keystream(KEY, NONCE, -1), "length"),
        (lambda: pitfalls.xor_bytes("a", b"b"), "a"),
        (lambda: pitfalls.xor_bytes(b"a", 1), "b"),
        (lambda: pitfalls.recover_with_crib(b"a", "b", b"c"), "c2"),
        (lambda: pitfalls.recover_with_crib(b"a", b"b", "c"), "known_plaintext_1"),
        (lambda: pitfalls.flip_bit(b"ab", 16), "position"),
        (lambda: pitfalls.flip_bit(b"ab", -1), "position"),
        (lambda: pitfalls.flip_bit(b"", 0), "data"),
        (lambda: pitfalls.flip_bit("ab", 0), "data"),
        (lambda: pitfalls.forge(b"abcdef", b"12", b"123"), "wanted"),
        (lambda: pitfalls.forge(b"abcdef", b"12", b"34", offset=5), "offset"),
        (lambda: pitfalls.forge(b"ab", b"123", b"456"), "known"),
        (lambda: pitfalls.forge("abc", b"1", b"2"), "ciphertext"),
        (lambda: pitfalls.aead_encrypt(KEY[:31], b"x"), "key"),
        (lambda: pitfalls.aead_encrypt(KEY, "text"), "plaintext"),
        (lambda: pitfalls.aead_encrypt(KEY, b"x", aad="header"), "aad"),
        (lambda: pitfalls.aead_decrypt(KEY, "text"), "ciphertext"),
        (lambda: pitfalls.aead_decrypt(KEY, bytes(40), aad=None), "aad"),
        (lambda: pitfalls.aead_decrypt(None, bytes(40)), "key"),
    ],
)
def test_pitfalls_bad_arguments_are_named(call, named):
    with pytest.raises(InvalidParameterError, match=rf"^{named} must"):
        call()
