"""Tests of privlab.crypto keys, X3DH and the Double Ratchet.

* HKDF matches RFC 5869; the chain, root and X3DH keys follow their formulas
  (recomputed here from the standard library and libsodium alone).
* X3DH: both sides get one key, with and without a one-time prekey; a forged
  signed prekey is refused; a one-time prekey is deleted once the first
  message has authenticated, so forged first messages use up none, a replay
  with one is refused, and a replay without one gives the same key (pinned).
* Round trips over random messages and random send and delivery orders (hypothesis).
* Out-of-order delivery within ``max_skip``; beyond it the message is refused
  and the session is unchanged.
* The work for one message is bounded whatever ``max_skip``: a forged header
  costs at most MAX_JUMP + 1 chain steps (counted in HMAC calls, not timed).
* Bad input (every bit flipped, every truncation, replays, messages of other
  chats) raises DecryptionError, returns nothing and changes nothing: the
  genuine message and later ones still open.
* Keys are deleted after use; a stolen state reads no earlier message
  (forward secrecy) and, once the ratchet has turned, no later one (healing).
* Every bad argument raises an error that names it.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import replace

import nacl.bindings
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privlab.crypto.keys import (
    Identity,
    PrekeyBundle,
    hkdf_sha256,
    new_private_key,
    public_key_of,
    x25519,
)
from privlab.crypto.ratchet import (
    OVERHEAD_BYTES,
    ROOT_INFO,
    Header,
    Message,
    RatchetSession,
    RatchetState,
    accept_chat,
    kdf_chain,
    kdf_root,
    start_chat,
)
from privlab.crypto.wire import MESSAGE_KEY_INFO
from privlab.crypto.x3dh import (
    X3DH_INFO,
    X3DHHeader,
    x3dh_complete,
    x3dh_initiate,
    x3dh_respond,
)
from privlab.errors import DecryptionError, InvalidParameterError, PrivlabError

KIB = bytes(range(256)) * 4  # a 1 KiB message


def chat(seed: int = 0, **options) -> tuple[RatchetSession, RatchetSession]:
    """A connected pair of sessions, Alice's and Bob's, with reproducible keys."""
    generator = np.random.default_rng(seed)
    alice = Identity("Alice", one_time_prekeys=3, rng=generator)
    bob = Identity("Bob", one_time_prekeys=3, rng=generator)
    return start_chat(alice, bob, rng=generator, **options)


def talking(seed: int = 0, **options) -> tuple[RatchetSession, RatchetSession]:
    """A pair that has exchanged a message each way, so both can send."""
    alice, bob = chat(seed, **options)
    assert bob.decrypt(alice.encrypt(b"hello Bob")) == b"hello Bob"
    assert alice.decrypt(bob.encrypt(b"hello Alice")) == b"hello Alice"
    return alice, bob


def assert_rejected(session: RatchetSession, message) -> DecryptionError:
    """``message`` raises DecryptionError and leaves the session's state exactly as it was."""
    before = session.export_state()
    with pytest.raises(DecryptionError) as caught:
        session.decrypt(message)
    assert session.export_state() == before
    return caught.value


# --------------------------------------------------------------------------
# Key derivation: HKDF, the chains, X3DH's formula
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ikm", "salt", "info", "length", "okm"),
    [
        (  # RFC 5869, test case 1
            bytes([0x0B] * 22),
            bytes(range(13)),
            bytes(range(0xF0, 0xFA)),
            42,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        (  # RFC 5869, test case 3: no salt, no info
            bytes([0x0B] * 22),
            b"",
            b"",
            42,
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
    ],
)
def test_hkdf_matches_rfc_5869(ikm, salt, info, length, okm):
    assert hkdf_sha256(ikm, salt=salt, info=info, length=length).hex() == okm


def test_hkdf_output_is_a_prefix_of_a_longer_output():
    long = hkdf_sha256(b"secret", salt=b"salt", info=b"info", length=8160)
    assert hkdf_sha256(b"secret", salt=b"salt", info=b"info", length=33) == long[:33]
    assert hkdf_sha256(b"secret", salt=b"salt", info=b"other", length=33) != long[:33]


def test_chain_step_is_hmac_with_one_and_two():
    chain_key = bytes(range(32))
    next_chain_key, message_key = kdf_chain(chain_key)
    assert message_key == hmac.new(chain_key, b"\x01", hashlib.sha256).digest()
    assert next_chain_key == hmac.new(chain_key, b"\x02", hashlib.sha256).digest()


def test_root_step_is_hkdf_salted_with_the_root_key():
    root_key, dh_output = bytes([1] * 32), bytes([2] * 32)
    expected = hkdf_sha256(dh_output, salt=root_key, info=ROOT_INFO, length=64)
    assert kdf_root(root_key, dh_output) == (expected[:32], expected[32:])


@pytest.mark.parametrize("one_time_prekey", [True, False])
def test_x3dh_key_follows_the_formula(one_time_prekey):
    alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    bundle = bob.prekey_bundle(one_time_prekey=one_time_prekey)
    opk_private = bob.one_time_prekeys.get(bundle.one_time_prekey_id)
    shared_key, header = x3dh_initiate(alice, bundle, rng=3)
    ephemeral = new_private_key(rng=3).encode()  # the same draw as inside x3dh_initiate
    assert header.ephemeral_key == nacl.bindings.crypto_scalarmult_base(ephemeral)
    dh = nacl.bindings.crypto_scalarmult
    values = [
        dh(alice.identity_private_key.encode(), bundle.signed_prekey),
        dh(ephemeral, bundle.identity_key),
        dh(ephemeral, bundle.signed_prekey),
    ]
    if one_time_prekey:
        values.append(dh(ephemeral, public_key_of(opk_private)))
    ikm = b"\xff" * 32 + b"".join(values)
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    expected = hmac.new(prk, X3DH_INFO + b"\x01", hashlib.sha256).digest()
    assert shared_key == expected
    assert header.associated_data == alice.identity_key + bob.identity_key


def test_message_is_xchacha20_poly1305_under_keys_from_the_message_key():
    alice, _ = talking()
    chain_key = alice.export_state().sending_chain_key
    message = alice.encrypt(b"as documented")
    _, message_key = kdf_chain(chain_key)
    material = hkdf_sha256(message_key, info=MESSAGE_KEY_INFO, length=56)
    aad = alice.export_state().associated_data + message.header.to_bytes()
    plaintext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
        message.ciphertext, aad, material[32:], material[:32]
    )
    assert plaintext == b"as documented"


def test_identity_key_is_the_x25519_form_of_the_signing_key():
    alice = Identity("Alice", rng=1)
    assert alice.identity_key == nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(
        alice.verify_key
    )
    assert x25519(alice.identity_private_key, public_key_of(new_private_key(rng=5))) == x25519(
        new_private_key(rng=5), alice.identity_key
    )


def test_keys_are_reproducible_from_a_seed_and_random_without_one():
    assert Identity("A", rng=4).identity_key == Identity("A", rng=4).identity_key
    assert Identity("A").identity_key != Identity("A").identity_key
    first, second = chat(seed=9), chat(seed=9)
    assert first[0].encrypt(b"x").to_bytes() == second[0].encrypt(b"x").to_bytes()


# --------------------------------------------------------------------------
# X3DH
# --------------------------------------------------------------------------


@pytest.mark.parametrize("one_time_prekey", [True, False])
def test_x3dh_both_sides_derive_the_same_key(one_time_prekey):
    alice, bob = Identity("Alice"), Identity("Bob", one_time_prekeys=2)
    bundle = bob.prekey_bundle(one_time_prekey=one_time_prekey)
    shared_key, header = x3dh_initiate(alice, bundle)
    assert (header.one_time_prekey_id is not None) == one_time_prekey
    assert x3dh_respond(bob, header) == shared_key
    assert len(shared_key) == 32


def test_x3dh_without_the_one_time_prekey_gives_another_key():
    alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    with_opk, _ = x3dh_initiate(alice, bob.prekey_bundle(), rng=3)
    without_opk, _ = x3dh_initiate(alice, bob.prekey_bundle(one_time_prekey=False), rng=3)
    assert with_opk != without_opk


def test_x3dh_deletes_the_one_time_prekey_only_when_complete_and_refuses_a_replay():
    alice, bob = Identity("Alice"), Identity("Bob", one_time_prekeys=2)
    bundle = bob.prekey_bundle()
    _, header = x3dh_initiate(alice, bundle)
    x3dh_respond(bob, header)
    assert len(bob.one_time_prekeys) == 2  # the header alone proves nothing
    x3dh_complete(bob, header)
    assert bundle.one_time_prekey_id not in bob.one_time_prekeys
    assert len(bob.one_time_prekeys) == 1
    with pytest.raises(DecryptionError, match="already used"):
        x3dh_respond(bob, header)
    assert len(bob.one_time_prekeys) == 1


def first_message(alice: Identity, bundle: PrekeyBundle, text: bytes = b"hi Bob", seed: int = 3):
    """Alice's side of a chat set up over the network: her X3DH header and first message."""
    generator = np.random.default_rng(seed)
    shared_key, header = x3dh_initiate(alice, bundle, rng=generator)
    session = RatchetSession.initiator(
        shared_key, bundle.signed_prekey, header.associated_data, rng=generator
    )
    return header, session.encrypt(text), session


def forged_first_messages(header: X3DHHeader, genuine: Message, one_time_prekeys: int):
    """What anyone can send as Alice: her public identity key, a made-up ephemeral key.

    One per one-time prekey id Bob ever made, one naming none, one naming an id
    he never made: ``one_time_prekeys + 2`` in all. Half carry Alice's genuine
    message (which then does not open under the key the forged header gives),
    half a made-up one.
    """
    forged = []
    for index, key_id in enumerate([*range(1, one_time_prekeys + 2), None]):
        fake_header = replace(
            header,
            ephemeral_key=public_key_of(new_private_key(rng=100 + index)),
            one_time_prekey_id=key_id,
        )
        made_up = Message(Header(public_key_of(new_private_key(rng=200 + index)), 0, 0), KIB)
        forged.append((fake_header, genuine if index % 2 else made_up))
    return forged


def test_forged_first_messages_use_up_no_one_time_prekey():
    """Forged first messages, one per prekey and two more, then the genuine one opens."""
    alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=3, rng=2)
    header, genuine, _ = first_message(alice, bob.prekey_bundle())
    assert header.one_time_prekey_id == 1
    forgeries = forged_first_messages(header, genuine, one_time_prekeys=3)
    assert len(forgeries) == 3 + 2
    for fake_header, message in forgeries:
        with pytest.raises(DecryptionError):
            accept_chat(bob, fake_header, message)
        assert sorted(bob.one_time_prekeys) == [1, 2, 3]
    bob_chat, text = accept_chat(bob, header, genuine.to_bytes())
    assert text == b"hi Bob"
    assert sorted(bob.one_time_prekeys) == [2, 3]  # the one Alice used, deleted now
    assert bob_chat.state_summary()["receiving_chain"] == 1


def test_a_replayed_first_message_with_a_one_time_prekey_is_refused():
    alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=2, rng=2)
    header, genuine, alice_chat = first_message(alice, bob.prekey_bundle())
    bob_chat, _ = accept_chat(bob, header, genuine)
    with pytest.raises(DecryptionError, match="one-time prekey 1 of Bob was already used"):
        accept_chat(bob, header, genuine)
    assert sorted(bob.one_time_prekeys) == [2]
    assert alice_chat.decrypt(bob_chat.encrypt(b"the genuine chat goes on")) == (
        b"the genuine chat goes on"
    )


def test_a_replayed_first_message_without_a_one_time_prekey_gives_the_same_key():
    """A known property of X3DH (specification, section 4.2), pinned here as documented.

    Bob accepts the replay and derives the same key; the Double Ratchet's
    fresh ratchet key pair makes his replies differ (section 4.3).
    """
    alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=0, rng=2)
    header, genuine, alice_chat = first_message(alice, bob.prekey_bundle())
    assert header.one_time_prekey_id is None
    assert x3dh_respond(bob, header) == x3dh_respond(bob, header)
    first_chat, first_text = accept_chat(bob, header, genuine, rng=10)
    replayed_chat, replayed_text = accept_chat(bob, header, genuine, rng=11)
    assert first_text == replayed_text == b"hi Bob"
    assert first_chat.export_state().receiving_chain_key == (
        replayed_chat.export_state().receiving_chain_key
    )
    first_reply, replayed_reply = first_chat.encrypt(b"ok"), replayed_chat.encrypt(b"ok")
    assert first_reply.header.ratchet_public != replayed_reply.header.ratchet_public
    assert first_reply.ciphertext != replayed_reply.ciphertext
    assert alice_chat.decrypt(first_reply) == b"ok"


def test_when_one_time_prekeys_run_out_the_signed_prekey_is_the_last_resort():
    alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=2, rng=2)
    drained = [bob.prekey_bundle() for _ in range(2)]  # someone fetched them all
    header, genuine, _ = first_message(alice, bob.prekey_bundle())
    assert header.one_time_prekey_id is None
    for fake_header, message in forged_first_messages(header, genuine, one_time_prekeys=2):
        with pytest.raises(DecryptionError):
            accept_chat(bob, fake_header, message)
    _, text = accept_chat(bob, header, genuine)
    assert text == b"hi Bob"
    assert sorted(bob.one_time_prekeys) == [bundle.one_time_prekey_id for bundle in drained]


def test_start_chat_uses_up_one_time_prekeys_and_then_goes_on_without():
    alice, bob = Identity("Alice"), Identity("Bob", one_time_prekeys=1)
    start_chat(alice, bob)
    assert bob.one_time_prekeys == {}
    alice_chat, bob_chat = start_chat(alice, bob)  # three DH values instead of four
    assert bob_chat.decrypt(alice_chat.encrypt(b"still fine")) == b"still fine"


def test_bundles_offer_each_one_time_prekey_once():
    bob = Identity("Bob", one_time_prekeys=3)
    offered = [bob.prekey_bundle().one_time_prekey_id for _ in range(4)]
    assert offered == [1, 2, 3, None]


def forged_bundles(bob: Identity) -> dict[str, PrekeyBundle]:
    bundle = bob.prekey_bundle()
    mallory = Identity("Mallory")
    mallory_prekey = mallory.signed_prekey
    return {
        "swapped prekey, Bob's signature": replace(bundle, signed_prekey=mallory_prekey.public_key),
        "swapped prekey, Mallory's signature": replace(
            bundle,
            signed_prekey=mallory_prekey.public_key,
            signed_prekey_signature=mallory_prekey.signature,
        ),
        "one bit of the signature": replace(
            bundle,
            signed_prekey_signature=bytes([bundle.signed_prekey_signature[0] ^ 1])
            + bundle.signed_prekey_signature[1:],
        ),
    }


@pytest.mark.parametrize("case", list(forged_bundles(Identity("Bob"))))
def test_x3dh_refuses_a_prekey_not_signed_by_the_identity_key(case):
    alice, bob = Identity("Alice"), Identity("Bob")
    forged = forged_bundles(bob)[case]
    assert not forged.signature_is_valid()
    with pytest.raises(InvalidParameterError, match="not signed by Bob's identity key"):
        x3dh_initiate(alice, forged)


def test_a_bundle_mixing_two_identities_is_refused():
    bob, mallory = Identity("Bob"), Identity("Mallory")
    with pytest.raises(InvalidParameterError, match="identity_key must be the X25519 form"):
        replace(bob.prekey_bundle(), identity_key=mallory.identity_key)


def test_a_bundle_with_a_small_order_key_is_refused():
    bob = Identity("Bob")
    bundle = replace(bob.prekey_bundle(), one_time_prekey=bytes(32))
    with pytest.raises(InvalidParameterError, match="small order"):
        x3dh_initiate(Identity("Alice"), bundle)


def test_x3dh_header_for_another_identity_is_refused():
    alice, bob, carol = Identity("Alice"), Identity("Bob"), Identity("Carol")
    _, header = x3dh_initiate(alice, bob.prekey_bundle())
    with pytest.raises(DecryptionError, match="another chat"):
        x3dh_respond(carol, header)
    assert len(carol.one_time_prekeys) == 10


def test_x3dh_header_with_unknown_signed_prekey_or_bad_key_is_refused():
    alice, bob = Identity("Alice"), Identity("Bob")
    _, header = x3dh_initiate(alice, bob.prekey_bundle())
    with pytest.raises(DecryptionError, match="signed prekey 7"):
        x3dh_respond(bob, replace(header, signed_prekey_id=7))
    with pytest.raises(DecryptionError, match="small order"):
        x3dh_respond(bob, replace(header, ephemeral_key=bytes(32)))
    assert len(bob.one_time_prekeys) == 10  # nothing deleted by a refused header


def test_x3dh_header_wire_format():
    alice, bob = Identity("Alice"), Identity("Bob")
    for use_opk in (True, False):
        _, header = x3dh_initiate(alice, bob.prekey_bundle(one_time_prekey=use_opk))
        wire = header.to_bytes()
        assert len(wire) == 105
        assert X3DHHeader.from_bytes(wire) == header
    for cut in (0, 1, 104):
        with pytest.raises(DecryptionError):
            X3DHHeader.from_bytes(wire[:cut])
    with pytest.raises(DecryptionError):
        X3DHHeader.from_bytes(b"\x02" + wire[1:])


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------

PAYLOADS = st.one_of(st.binary(max_size=80), st.just(b""), st.binary(min_size=1024, max_size=1024))
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["alice sends", "bob sends", "bob receives", "alice receives"]),
        PAYLOADS,
        st.integers(0, 2**16),
    ),
    max_size=40,
)


@settings(max_examples=30, deadline=None)
@given(actions=ACTIONS, seed=st.integers(0, 2**32 - 1), as_bytes=st.booleans())
def test_round_trips_over_random_interleavings(actions, seed, as_bytes):
    """Any order of sending and (out-of-order) delivery: every message opens, once."""
    alice, bob = chat(seed)
    sessions = {"alice": alice, "bob": bob}
    assert bob.decrypt(alice.encrypt(b"first")) == b"first"
    waiting: dict[str, list[tuple[bytes, Message]]] = {"alice": [], "bob": []}
    for action, payload, pick in actions:
        who, verb = action.split()
        if verb == "sends":
            receiver = "bob" if who == "alice" else "alice"
            waiting[receiver].append((payload, sessions[who].encrypt(payload)))
        elif waiting[who]:
            expected, message = waiting[who].pop(pick % len(waiting[who]))
            wire = message.to_bytes() if as_bytes else message
            assert sessions[who].decrypt(wire) == expected
    for who, queue in waiting.items():  # the rest arrive last, newest first
        for expected, message in reversed(queue):
            assert sessions[who].decrypt(message) == expected
    for session in sessions.values():
        assert session.export_state().skipped_keys == {}


@pytest.mark.parametrize("plaintext", [b"", b"x", KIB, bytes(100_000)])
def test_round_trip_of_empty_short_and_long_messages(plaintext):
    alice, bob = talking()
    message = alice.encrypt(plaintext)
    assert len(message.to_bytes()) == OVERHEAD_BYTES + len(plaintext)
    assert bob.decrypt(message.to_bytes()) == plaintext
    reply = bob.encrypt(plaintext)
    assert alice.decrypt(reply) == plaintext


def test_wire_format_layout():
    alice, _ = chat()
    message = alice.encrypt(b"layout")
    wire = message.to_bytes()
    assert wire[0] == 1
    assert wire[1:33] == message.header.ratchet_public
    assert int.from_bytes(wire[33:37], "big") == message.header.previous_chain_length
    assert int.from_bytes(wire[37:41], "big") == message.header.number
    assert wire[41:] == message.ciphertext
    assert Message.from_bytes(bytearray(wire)) == message


def test_a_long_conversation_turns_the_ratchet_each_time_the_speaker_changes():
    alice, bob = chat()
    for turn in range(1, 6):
        for number in range(3):
            text = f"turn {turn} message {number}".encode()
            assert bob.decrypt(alice.encrypt(text)) == text
        assert alice.decrypt(bob.encrypt(b"ok")) == b"ok"
        assert alice.state_summary()["sending_chain"] == turn + 1
        assert bob.state_summary()["receiving_chain"] == turn


def test_responder_cannot_send_first():
    _, bob = chat()
    with pytest.raises(PrivlabError, match="cannot send yet"):
        bob.encrypt(b"too early")


# --------------------------------------------------------------------------
# Out-of-order delivery and the max_skip cap
# --------------------------------------------------------------------------


def test_out_of_order_within_the_cap_decrypts():
    alice, bob = talking(max_skip=5)
    messages = [alice.encrypt(f"m{number}".encode()) for number in range(6)]
    assert bob.decrypt(messages[5]) == b"m5"  # skips exactly max_skip = 5
    assert len(bob.export_state().skipped_keys) == 5
    for number in (2, 0, 4, 1, 3):
        assert bob.decrypt(messages[number]) == f"m{number}".encode()
    assert bob.export_state().skipped_keys == {}


def test_beyond_the_cap_is_refused_and_the_state_stays_intact():
    alice, bob = talking(max_skip=5)
    messages = [alice.encrypt(f"m{number}".encode()) for number in range(7)]
    error = assert_rejected(bob, messages[6])  # would skip 6 > 5
    assert "max_skip = 5" in str(error)
    for number, message in enumerate(messages):
        assert bob.decrypt(message) == f"m{number}".encode()


def test_late_messages_of_an_earlier_chain_still_open():
    alice, bob = talking()
    late = [alice.encrypt(b"late 0"), alice.encrypt(b"late 1")]
    assert bob.decrypt(alice.encrypt(b"on time")) == b"on time"
    assert alice.decrypt(bob.encrypt(b"reply")) == b"reply"
    assert bob.decrypt(alice.encrypt(b"new chain")) == b"new chain"  # Bob's DH step
    assert bob.decrypt(late[1]) == b"late 1"
    assert bob.decrypt(late[0]) == b"late 0"


def test_a_new_chain_skipping_too_much_of_the_old_one_is_refused():
    alice, bob = talking(max_skip=3)
    for number in range(5):
        alice.encrypt(f"lost {number}".encode())  # never delivered
    alice.decrypt(bob.encrypt(b"reply"))
    assert_rejected(bob, alice.encrypt(b"new chain"))  # PN = 5: 5 missing > 3


def test_skipped_keys_are_capped_in_total_dropping_the_oldest():
    alice, bob = talking(max_skip=3)
    first_chain = [alice.encrypt(f"a{number}".encode()) for number in range(4)]
    assert bob.decrypt(first_chain[3]) == b"a3"  # keeps keys of a0, a1, a2
    alice.decrypt(bob.encrypt(b"reply"))
    second_chain = [alice.encrypt(f"b{number}".encode()) for number in range(3)]
    assert bob.decrypt(second_chain[2]) == b"b2"  # keeps b0, b1: a0 and a1 are dropped
    skipped = bob.export_state().skipped_keys
    assert len(skipped) == 3
    assert [number for _, number in skipped] == [2, 0, 1]
    for dropped in first_chain[:2]:
        assert_rejected(bob, dropped)
    for message, text in [(first_chain[2], b"a2"), (second_chain[0], b"b0")]:
        assert bob.decrypt(message) == text


# --------------------------------------------------------------------------
# The work one message can cost
# --------------------------------------------------------------------------

MAX_JUMP = 1_000  # privlab.crypto.ratchet.MAX_JUMP: the bound these tests pin
# One forged message may cost at most MAX_JUMP + 1 chain steps of two HMACs each,
# plus two HKDFs of three HMACs each (the root step of a new chain, the AEAD key and nonce).
HMAC_BOUND = 2 * (MAX_JUMP + 1) + 6


@pytest.fixture
def hmac_calls(monkeypatch):
    """Counts every HMAC computed (chain steps and HKDF alike): ``calls[0]``."""
    calls = [0]
    real_new = hmac.new

    def counting_new(*args, **kwargs):
        calls[0] += 1
        return real_new(*args, **kwargs)

    monkeypatch.setattr(hmac, "new", counting_new)
    return calls


def test_max_jump_is_the_documented_bound():
    from privlab.crypto import ratchet

    assert ratchet.MAX_JUMP == MAX_JUMP


FORGED_HEADERS = {
    # each: (ratchet key: the current one or a made-up one, PN beyond Nr, N beyond Nr)
    "new chain, PN and N max_skip ahead (the worst case before)": ("new", 100_000, 100_000),
    "current chain, N max_skip ahead": ("current", 0, 100_000),
    "new chain, N max_skip ahead": ("new", 0, 100_000),
    "new chain, PN and N just within MAX_JUMP together": ("new", 500, 500),
    "current chain, N just within MAX_JUMP": ("current", 0, MAX_JUMP),
    "new chain, N just within MAX_JUMP": ("new", 0, MAX_JUMP),
}


@pytest.mark.parametrize("case", list(FORGED_HEADERS))
def test_one_forged_header_costs_a_bounded_number_of_hmacs_at_max_skip_100000(case, hmac_calls):
    _, bob = talking(max_skip=100_000)
    state = bob.export_state()
    which, previous_ahead, ahead = FORGED_HEADERS[case]
    if which == "new":
        ratchet_key = public_key_of(new_private_key(rng=99))
        header = Header(ratchet_key, state.received_count + previous_ahead, ahead)
    else:
        header = Header(state.their_ratchet_public, 0, state.received_count + ahead)
    hmac_calls[0] = 0
    assert_rejected(bob, Message(header, KIB))
    assert hmac_calls[0] <= HMAC_BOUND, f"{hmac_calls[0]} HMACs for one forged message"


def test_a_genuine_message_costs_the_same_bound(hmac_calls):
    alice, bob = talking(max_skip=100_000)
    messages = [alice.encrypt(b"x") for _ in range(MAX_JUMP + 1)]  # a new chain for Bob
    hmac_calls[0] = 0
    assert bob.decrypt(messages[-1]) == b"x"
    assert hmac_calls[0] <= HMAC_BOUND + 3  # and the root step of Bob's next sending chain


def test_out_of_order_up_to_max_jump_decrypts_at_a_large_max_skip():
    alice, bob = talking(max_skip=100_000)
    messages = [alice.encrypt(f"m{number}".encode()) for number in range(MAX_JUMP + 1)]
    assert bob.decrypt(messages[-1]) == f"m{MAX_JUMP}".encode()  # skips exactly MAX_JUMP
    assert len(bob.export_state().skipped_keys) == MAX_JUMP
    late = list(enumerate(messages[:-1]))
    random.Random(1).shuffle(late)
    for number, message in late:
        assert bob.decrypt(message) == f"m{number}".encode()
    assert bob.export_state().skipped_keys == {}


def test_a_jump_beyond_max_jump_is_refused_whatever_max_skip_and_changes_nothing():
    alice, bob = talking(max_skip=100_000)
    messages = [alice.encrypt(f"m{number}".encode()) for number in range(MAX_JUMP + 2)]
    error = assert_rejected(bob, messages[-1])  # would skip MAX_JUMP + 1
    assert f"MAX_JUMP = {MAX_JUMP}" in str(error)
    assert bob.decrypt(messages[MAX_JUMP // 2]) == f"m{MAX_JUMP // 2}".encode()
    assert bob.decrypt(messages[-1]) == f"m{MAX_JUMP + 1}".encode()  # now within the bound
    assert bob.decrypt(messages[0]) == b"m0"


def test_both_skips_of_a_new_chain_count_towards_max_jump():
    alice, bob = talking(max_skip=100_000)
    assert bob.decrypt(alice.encrypt(b"opens Alice's chain")) == b"opens Alice's chain"
    lost = [alice.encrypt(b"lost") for _ in range(600)]  # the rest of this chain: late
    assert alice.decrypt(bob.encrypt(b"Bob's new chain")) == b"Bob's new chain"
    new_chain = [alice.encrypt(f"n{number}".encode()) for number in range(601)]
    assert_rejected(bob, new_chain[-1])  # 600 of the old chain and 600 of the new: 1,200
    assert bob.decrypt(new_chain[0]) == b"n0"  # 600 of the old chain only
    assert bob.decrypt(new_chain[-1]) == b"n600"  # 599 of the new chain
    for message, text in [(lost[0], b"lost"), (lost[-1], b"lost"), (new_chain[300], b"n300")]:
        assert bob.decrypt(message) == text


def test_skipped_keys_gathered_over_several_messages_are_capped_by_max_skip():
    """max_skip, not MAX_JUMP, caps the keys a session keeps."""
    alice, bob = talking(max_skip=2_500)
    messages = [alice.encrypt(f"m{number}".encode()) for number in range(3 * MAX_JUMP)]
    for last in (MAX_JUMP - 1, 2 * MAX_JUMP - 1, 3 * MAX_JUMP - 1):  # skips 999 each time
        assert bob.decrypt(messages[last]) == f"m{last}".encode()
    assert len(bob.export_state().skipped_keys) == 2_500  # 2,997 skipped, the oldest 497 gone
    for dropped in (0, 496):
        assert_rejected(bob, messages[dropped])
    for kept in (497, 1_500, 2_998):
        assert bob.decrypt(messages[kept]) == f"m{kept}".encode()


# --------------------------------------------------------------------------
# Bad input: nothing opens, nothing changes
# --------------------------------------------------------------------------


def sample_messages():
    """A message that starts a new chain, and one in the middle of a chain, with the pair."""
    alice, bob = talking()
    assert bob.decrypt(alice.encrypt(b"opens Alice's new chain")) == b"opens Alice's new chain"
    alice.encrypt(b"lost")
    middle = alice.encrypt(b"middle of a chain")  # number 2: Bob skips one on the way
    new_chain = bob.encrypt(b"first of a new chain")  # Alice turns the ratchet on reading it
    assert (middle.header.number, new_chain.header.number) == (2, 0)
    assert new_chain.header.ratchet_public != alice.export_state().their_ratchet_public
    return alice, bob, middle, new_chain


@pytest.mark.parametrize("which", ["middle", "new_chain"])
def test_every_flipped_bit_is_refused_and_the_genuine_message_still_opens(which):
    alice, bob, middle, new_chain = sample_messages()
    receiver, message = (bob, middle) if which == "middle" else (alice, new_chain)
    wire = message.to_bytes()
    for position in range(len(wire)):
        for bit in range(8):
            flipped = bytearray(wire)
            flipped[position] ^= 1 << bit
            assert_rejected(receiver, bytes(flipped))
    assert receiver.decrypt(wire) == message_text(which)
    sender = alice if receiver is bob else bob
    assert receiver.decrypt(sender.encrypt(b"and a later one")) == b"and a later one"


def message_text(which: str) -> bytes:
    return b"middle of a chain" if which == "middle" else b"first of a new chain"


@pytest.mark.parametrize("which", ["middle", "new_chain"])
def test_every_truncation_and_an_extension_is_refused(which):
    alice, bob, middle, new_chain = sample_messages()
    receiver, message = (bob, middle) if which == "middle" else (alice, new_chain)
    wire = message.to_bytes()
    for length in range(len(wire)):
        assert_rejected(receiver, wire[:length])
    assert_rejected(receiver, wire + b"\x00")
    assert_rejected(receiver, Message(message.header, message.ciphertext[:5]))
    assert receiver.decrypt(wire) == message_text(which)


def test_replays_are_refused():
    alice, bob = talking()
    first, second = alice.encrypt(b"one"), alice.encrypt(b"two")
    bob.decrypt(second)
    bob.decrypt(first)  # a late message, opened from its skipped key
    for message in (first, second):
        error = assert_rejected(bob, message)
        assert "already opened" in str(error)
    alice.decrypt(bob.encrypt(b"reply"))
    bob.decrypt(alice.encrypt(b"new chain"))
    error = assert_rejected(bob, second)  # a replay from an earlier chain
    assert "earlier chain" in str(error)
    assert bob.decrypt(alice.encrypt(b"still fine")) == b"still fine"


def test_messages_of_other_chats_are_refused():
    alice_id, bob_id = Identity("Alice"), Identity("Bob")
    alice, bob = start_chat(alice_id, bob_id)
    second_alice, second_bob = start_chat(alice_id, bob_id)  # the same two people, a second chat
    other_alice, _ = talking(seed=2)
    assert bob.decrypt(alice.encrypt(b"first")) == b"first"
    assert second_bob.decrypt(second_alice.encrypt(b"first")) == b"first"
    strangers = [
        other_alice.encrypt(b"for another Bob"),
        second_alice.encrypt(b"for the second chat"),
        bob.encrypt(b"for Alice, sent back to Bob"),
    ]
    for message in strangers:
        error = assert_rejected(bob, message)
        assert "failed authentication" in str(error)
    assert bob.decrypt(alice.encrypt(b"genuine")) == b"genuine"


def test_a_message_claiming_a_chain_not_yet_started_is_refused():
    alice, _ = chat()
    spk = alice.export_state().their_ratchet_public  # Bob's signed prekey
    error = assert_rejected(alice, Message(Header(spk, 0, 0), bytes(20)))
    assert "not started" in str(error)


def test_a_small_order_ratchet_key_is_refused():
    alice, bob = talking()
    message = alice.encrypt(b"x")
    forged = Message(replace(message.header, ratchet_public=bytes(32)), message.ciphertext)
    error = assert_rejected(bob, forged)
    assert "small order" in str(error)


# --------------------------------------------------------------------------
# Key deletion, forward secrecy and healing
# --------------------------------------------------------------------------


def test_used_message_keys_are_deleted():
    alice, bob = talking()
    first, second = alice.encrypt(b"one"), alice.encrypt(b"two")
    bob.decrypt(second)
    assert (first.header.ratchet_public, 0) in bob.export_state().skipped_keys
    bob.decrypt(first)
    stolen = bob.export_state()
    assert stolen.skipped_keys == {}
    thief = RatchetSession.from_state(stolen)
    for message in (first, second):
        assert_rejected(thief, message)


def test_a_stolen_state_reads_no_earlier_message():
    """Forward secrecy: a copy of Bob's state after message t opens none of the messages < t."""
    alice, bob = chat(seed=5)
    delivered, thieves = [], []
    for turn in range(4):
        for number in range(3):
            message = alice.encrypt(f"turn {turn}, {number}".encode())
            bob.decrypt(message)
            delivered.append(message)
            thieves.append((len(delivered), RatchetSession.from_state(bob.export_state())))
        alice.decrypt(bob.encrypt(b"ok"))
    for stolen_after, thief in thieves:
        for message in delivered[:stolen_after]:
            assert_rejected(thief, message)


def test_a_stolen_state_does_read_messages_still_on_their_way():
    """The exception to forward secrecy: skipped keys wait in the state for late messages."""
    alice, bob = talking()
    late = alice.encrypt(b"late")
    bob.decrypt(alice.encrypt(b"on time"))
    thief = RatchetSession.from_state(bob.export_state())
    assert thief.decrypt(late) == b"late"


def test_a_stolen_state_reads_on_until_the_ratchet_turns_with_a_fresh_key():
    """Healing: a thief's copy of Alice stops working once Bob answers a key made after the theft.

    The theft comes just after Alice read Bob's message, so Alice's next ratchet
    key pair (made on reading it) is in the copy: the thief reads Bob's current
    chain and his next one. Alice's key pair after that is fresh; once Bob has
    answered it, the thief is locked out for good.
    """
    alice, bob = talking()
    thief = RatchetSession.from_state(alice.export_state())
    current_chain = bob.encrypt(b"same chain")
    assert thief.decrypt(current_chain) == alice.decrypt(current_chain) == b"same chain"
    bob.decrypt(alice.encrypt(b"Alice's key from before the theft"))
    next_chain = bob.encrypt(b"next chain")
    assert thief.decrypt(next_chain) == alice.decrypt(next_chain) == b"next chain"
    bob.decrypt(alice.encrypt(b"Alice's fresh key"))  # made when Alice read "next chain"
    for text in (b"healed", b"still healed"):
        message = bob.encrypt(text)
        assert_rejected(thief, message)
        assert alice.decrypt(message) == text
    bob.decrypt(alice.encrypt(b"again"))
    message = bob.encrypt(b"later chains too")
    assert_rejected(thief, message)
    assert alice.decrypt(message) == b"later chains too"


def test_a_state_stolen_before_a_dh_step_is_locked_out_after_the_other_side_answers():
    alice, bob = chat()
    bob.decrypt(alice.encrypt(b"hi"))
    thief = RatchetSession.from_state(alice.export_state())  # before Alice reads any reply
    reply = bob.encrypt(b"reply")
    assert thief.decrypt(reply) == alice.decrypt(reply) == b"reply"
    bob.decrypt(alice.encrypt(b"fresh key"))  # Alice's new key, made after the theft
    message = bob.encrypt(b"healed")
    assert_rejected(thief, message)
    assert alice.decrypt(message) == b"healed"


def test_exported_state_is_a_copy_and_shows_no_secrets():
    alice, bob = talking()
    state = bob.export_state()
    alice.encrypt(b"late")
    bob.decrypt(alice.encrypt(b"skip one"))
    assert bob.export_state() != state
    with pytest.raises(TypeError):
        bob.export_state().skipped_keys[(bytes(32), 0)] = bytes(32)  # read-only
    state = bob.export_state()
    secrets = [state.root_key, state.our_ratchet_private, state.sending_chain_key]
    secrets += [state.receiving_chain_key, *state.skipped_keys.values()]
    shown = repr(state) + repr(bob) + repr(bob.state_summary())
    for secret in secrets:
        assert secret.hex()[:16] not in shown


def test_state_summary_counts_chains_and_messages():
    alice, bob = chat()
    assert bob.state_summary()["secret_keys_held"] == ["root key", "our ratchet private key"]
    for _ in range(3):
        message = alice.encrypt(b"x")
    bob.decrypt(message)
    summary = bob.state_summary()
    assert summary["receiving_chain"] == 1
    assert summary["received_in_chain"] == 3
    assert summary["sending_chain"] == 1
    assert summary["sent_in_chain"] == 0
    assert [number for _, number in summary["skipped_message_keys"]] == [0, 1]
    assert summary["their_ratchet_key"] == message.header.ratchet_public.hex()[:8] + "…"


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


def bad_calls():
    alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    bundle = bob.prekey_bundle(one_time_prekey=False)
    _, header = x3dh_initiate(alice, Identity("Bob", rng=2).prekey_bundle(), rng=3)
    alice_chat, bob_chat = chat()
    key = bytes(32)
    public = public_key_of(new_private_key(rng=1))
    message_header = Header(public, 0, 0)
    message_header_only = Message(message_header, bytes(16))
    return [
        ("name", lambda: Identity("")),
        ("name", lambda: Identity(5)),
        ("one_time_prekeys", lambda: Identity("A", one_time_prekeys=-1)),
        ("one_time_prekeys", lambda: Identity("A", one_time_prekeys="3")),
        ("rng", lambda: Identity("A", rng="seed")),
        ("rng", lambda: new_private_key(rng=-1)),
        ("one_time_prekey", lambda: bob.prekey_bundle(one_time_prekey="yes")),
        ("owner", lambda: replace(bundle, owner="")),
        ("identity_key", lambda: replace(bundle, identity_key=b"short")),
        ("verify_key", lambda: replace(bundle, verify_key="key")),
        ("signed_prekey", lambda: replace(bundle, signed_prekey=None)),
        ("signed_prekey_id", lambda: replace(bundle, signed_prekey_id=0)),
        ("signed_prekey_signature", lambda: replace(bundle, signed_prekey_signature=key)),
        ("one_time_prekey_id", lambda: replace(bundle, one_time_prekey=public)),
        ("one_time_prekey", lambda: replace(bundle, one_time_prekey=b"x", one_time_prekey_id=1)),
        ("private_key", lambda: public_key_of(b"short")),
        ("private_key", lambda: x25519("key", public)),
        ("public_key", lambda: x25519(key, b"short")),
        ("public_key", lambda: x25519(key, bytes(32))),
        ("ikm", lambda: hkdf_sha256("text")),
        ("salt", lambda: hkdf_sha256(b"x", salt=1)),
        ("info", lambda: hkdf_sha256(b"x", info="label")),
        ("length", lambda: hkdf_sha256(b"x", length=0)),
        ("length", lambda: hkdf_sha256(b"x", length=8161)),
        ("alice", lambda: x3dh_initiate("Alice", bundle)),
        ("bundle", lambda: x3dh_initiate(alice, "bundle")),
        ("rng", lambda: x3dh_initiate(alice, bundle, rng=1.5)),
        ("bob", lambda: x3dh_respond(None, header)),
        ("header", lambda: x3dh_respond(bob, header.to_bytes())),
        ("bob", lambda: x3dh_complete("Bob", header)),
        ("header", lambda: x3dh_complete(bob, None)),
        ("bob", lambda: accept_chat(None, header, message_header_only)),
        ("header", lambda: accept_chat(bob, header.to_bytes(), message_header_only)),
        ("first_message", lambda: accept_chat(bob, header, "hello")),
        ("max_skip", lambda: accept_chat(bob, header, message_header_only, max_skip=-1)),
        ("ephemeral_key", lambda: replace(header, ephemeral_key=b"")),
        ("initiator_identity_key", lambda: replace(header, initiator_identity_key=1)),
        ("one_time_prekey_id", lambda: replace(header, one_time_prekey_id=-2)),
        ("data", lambda: X3DHHeader.from_bytes("header")),
        ("root_key", lambda: kdf_root(b"x", key)),
        ("dh_output", lambda: kdf_root(key, None)),
        ("chain_key", lambda: kdf_chain(None)),
        ("ratchet_public", lambda: Header(b"x", 0, 0)),
        ("previous_chain_length", lambda: Header(public, -1, 0)),
        ("number", lambda: Header(public, 0, 2**32)),
        ("number", lambda: Header(public, 0, True)),
        ("header", lambda: Message("header", b"")),
        ("ciphertext", lambda: Message(message_header, "text")),
        ("data", lambda: Message.from_bytes(123)),
        ("shared_key", lambda: RatchetSession.initiator(b"x", public, b"")),
        ("their_ratchet_public", lambda: RatchetSession.initiator(key, b"x", b"")),
        ("their_ratchet_public", lambda: RatchetSession.initiator(key, bytes(32), b"")),
        ("associated_data", lambda: RatchetSession.initiator(key, public, "AD")),
        ("max_skip", lambda: RatchetSession.initiator(key, public, b"", max_skip=-1)),
        ("rng", lambda: RatchetSession.initiator(key, public, b"", rng="x")),
        ("our_ratchet_keypair", lambda: RatchetSession.responder(key, "key", b"")),
        ("max_skip", lambda: RatchetSession.responder(key, key, b"", max_skip=1.5)),
        ("state", lambda: RatchetSession.from_state({"root_key": key})),
        ("root_key", lambda: replace(bob_chat.export_state(), root_key=b"x")),
        ("sent_count", lambda: replace(bob_chat.export_state(), sent_count=-1)),
        ("skipped_keys", lambda: replace(bob_chat.export_state(), skipped_keys=[1])),
        ("plaintext", lambda: alice_chat.encrypt("text")),
        ("plaintext", lambda: alice_chat.encrypt(None)),
        ("message", lambda: bob_chat.decrypt("text")),
        ("message", lambda: bob_chat.decrypt(None)),
        ("alice", lambda: start_chat("Alice", bob)),
        ("bob", lambda: start_chat(alice, 2)),
        ("max_skip", lambda: start_chat(alice, bob, max_skip=10**9)),
        ("one_time_prekey", lambda: start_chat(alice, bob, one_time_prekey=1)),
        ("rng", lambda: start_chat(alice, bob, rng=[1])),
    ]


@pytest.mark.parametrize(
    ("name", "call"), bad_calls(), ids=[f"{i}-{name}" for i, (name, _) in enumerate(bad_calls())]
)
def test_bad_arguments_name_the_parameter(name, call):
    with pytest.raises(InvalidParameterError) as caught:
        call()
    assert str(caught.value).startswith(f"{name} must be"), str(caught.value)


def test_bad_arguments_leave_bob_s_prekeys_alone():
    alice, bob = Identity("Alice"), Identity("Bob", one_time_prekeys=1)
    with pytest.raises(InvalidParameterError):
        start_chat(alice, bob, max_skip=-1)
    assert bob.prekey_bundle().one_time_prekey_id == 1


def test_ratchet_state_is_exported_as_a_ratchet_state():
    _, bob = chat()
    assert isinstance(bob.export_state(), RatchetState)
