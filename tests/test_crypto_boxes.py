"""Box and SealedBox: interoperable with plain PyNaCl, and refusing every change."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.public import Box, PrivateKey, SealedBox

from privlab import InvalidParameterError
from privlab.crypto.boxes import box_decrypt, box_encrypt, seal, unseal
from privlab.errors import DecryptionError

ALICE, BOB, EVE = (PrivateKey(bytes([n] * 32)) for n in (1, 2, 3))


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2048))
def test_round_trips_and_interop_with_plain_pynacl(plaintext):
    ours = box_encrypt(ALICE, BOB.public_key, plaintext)
    assert Box(BOB, ALICE.public_key).decrypt(ours) == plaintext  # ours opens with PyNaCl
    theirs = bytes(Box(ALICE, BOB.public_key).encrypt(plaintext))
    assert box_decrypt(BOB, ALICE.public_key, theirs) == plaintext  # and the reverse
    sealed = seal(BOB.public_key, plaintext)
    assert SealedBox(BOB).decrypt(sealed) == plaintext
    assert unseal(BOB, bytes(SealedBox(BOB.public_key).encrypt(plaintext))) == plaintext


def test_every_flipped_bit_and_every_truncation_is_refused():
    message = box_encrypt(ALICE, BOB.public_key, b"the door code is 4711")
    sealed = seal(BOB.public_key, b"the door code is 4711")
    for data, opener in (
        (message, lambda m: box_decrypt(BOB, ALICE.public_key, m)),
        (sealed, lambda m: unseal(BOB, m)),
    ):
        for bit in range(8 * len(data)):
            changed = bytearray(data)
            changed[bit // 8] ^= 0x80 >> (bit % 8)
            with pytest.raises(DecryptionError):
                opener(bytes(changed))
        for length in range(len(data)):
            with pytest.raises(DecryptionError):
                opener(data[:length])
        assert opener(data) == b"the door code is 4711"  # the genuine one still opens


def test_the_wrong_keys_are_refused():
    message = box_encrypt(ALICE, BOB.public_key, b"hi")
    with pytest.raises(DecryptionError, match="keys are not the ones"):
        box_decrypt(EVE, ALICE.public_key, message)
    with pytest.raises(DecryptionError, match="another key"):
        unseal(EVE, seal(BOB.public_key, b"hi"))


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: box_encrypt(b"short", BOB.public_key, b"x"), "sender_private"),
        (lambda: box_encrypt(ALICE, "bob", b"x"), "recipient_public"),
        (lambda: box_encrypt(ALICE, BOB.public_key, "text"), "plaintext"),
        (lambda: box_decrypt(BOB, ALICE.public_key, None), "message"),
        (lambda: seal(None, b"x"), "recipient_public"),
        (lambda: unseal(1, b"x" * 60), "recipient_private"),
    ],
)
def test_bad_arguments_are_named(call, named):
    with pytest.raises(InvalidParameterError, match=named):
        call()
