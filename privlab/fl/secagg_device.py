"""One phone in secure aggregation: its keys, the shares it sends and opens, what it signs.

Its secrets (mask key, self-mask seed) leave it only as Shamir shares of 16-bit chunks
(:func:`split_secret`), each share encrypted for its receiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from nacl import exceptions as nacl_errors
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from .._guard import guard
from ..errors import PrivlabError, ProtocolAbortedError
from ..mpc.shamir import shamir_share
from . import _checks as check
from .secagg import _PERSON

__all__ = ["SIGNATURE_BYTES", "AdvertisedKeys", "join_secret", "split_secret"]

SIGNATURE_BYTES = 64
"""Size of an Ed25519 signature (of a device's keys, or of the list of survivors)."""

DeviceId = int | str
_CHUNKS = check.CHUNKS  # a 32-byte secret in 16 chunks of 16 bits, each below PRIME
_SHARE_WORDS = 2 + 2 * _CHUNKS  # sender, receiver, key chunks, seed chunks (uint32 each)


@dataclass(frozen=True)
class AdvertisedKeys:
    """A device's public keys of round 1, signed by its identity key: the server cannot swap
    them. ``mask`` for the pairwise masks, ``encryption`` for the shares it receives (another
    key: rebuilding a dropped device's mask key must not open them)."""

    mask: bytes
    encryption: bytes
    signature: bytes = b""

    def signed_bytes(self) -> bytes:
        """What the device's identity key signs: both public keys."""
        return b"privlab-secagg keys" + self.mask + self.encryption


@dataclass(eq=False)
class _Device:
    """One phone: its encoded update, its secrets, and the encrypted shares it received."""

    id: DeviceId
    position: int
    update: np.ndarray
    mask_key: PrivateKey
    encryption_key: PrivateKey
    self_seed: bytes
    identity: SigningKey
    kept_share: np.ndarray | None = None  # its own share of its own secrets
    signed_list: frozenset[int] | None = None  # the one list of survivors it signed
    received: dict[int, bytes] = field(default_factory=dict)  # sender -> ciphertext
    boxes: dict[int, Box] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print a device's secrets
        return f"_Device({self.id!r}, position {self.position})"

    def advertise_keys(self) -> AdvertisedKeys:  # round 1
        keys = AdvertisedKeys(
            bytes(self.mask_key.public_key), bytes(self.encryption_key.public_key)
        )
        return replace(keys, signature=self.identity.sign(keys.signed_bytes()).signature)

    def share_keys(self, run: _Run, rng: Any) -> dict[int, bytes]:
        """Round 2: one encrypted message per other device, its shares of my key and my seed."""
        for other, keys in enumerate(run.directory):  # swapped keys would read my shares
            if not _signed_by(run.enrolled[other], keys.signed_bytes(), keys.signature):
                raise ProtocolAbortedError(
                    f"device {self.id!r} refuses to share its keys: the public keys of device "
                    f"{other} are not signed by that device's identity key."
                )
        secrets = np.concatenate([split_secret(bytes(self.mask_key)), split_secret(self.self_seed)])
        shares = [s.y for s in shamir_share(secrets, run.threshold, len(run.directory), rng=rng)]
        self.kept_share = shares[self.position]
        messages = {}
        for receiver, share in enumerate(shares):
            if receiver != self.position:  # sender and receiver inside: no one else can use it
                words = np.concatenate([[self.position, receiver], share]).astype("<u4")
                box = self._box(receiver, run)
                messages[receiver] = bytes(box.encrypt(words.tobytes(), rng.bytes(Box.NONCE_SIZE)))
        return messages

    def _box(self, other: int, run: _Run) -> Box:
        """Authenticated encryption with ``other`` (the same key from both sides)."""
        if other not in self.boxes:
            self.boxes[other] = Box(self.encryption_key, PublicKey(run.directory[other].encryption))
        return self.boxes[other]

    def sign_survivors(self, survivors: frozenset[int], run: _Run) -> bytes:
        """Round 4: sign the server's list of survivors, once; refuse a list that cannot be true."""
        if self.position not in survivors or len(survivors) < run.threshold:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses the list of survivors: it must hold this device "
                f"and at least threshold = {run.threshold} devices; got {len(survivors)} "
                f"{'with' if self.position in survivors else 'without'} this device."
            )
        if self.signed_list is not None and self.signed_list != survivors:
            raise ProtocolAbortedError(
                f"device {self.id!r} refuses to sign a second, different list of survivors."
            )
        self.signed_list = survivors
        return self.identity.sign(run.survivor_message(survivors)).signature

    def unmasking_shares(
        self, survivors: frozenset[int], signatures: Mapping[int, bytes] | None, run: _Run
    ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Round 5: shares of each survivor's self-mask seed, and of each other device's mask key.

        Only for the list it signed, once ``threshold`` devices on it signed it
        too (``signatures=None`` skips that: the protocol without its
        consistency round, for :mod:`privlab.fl.lying_server`).
        """
        if signatures is not None:
            message = run.survivor_message(survivors)
            valid = [
                signer
                for signer, signature in signatures.items()
                if signer in survivors and _signed_by(run.enrolled[signer], message, signature)
            ]
            if survivors != self.signed_list or len(valid) < run.threshold:
                raise ProtocolAbortedError(
                    f"device {self.id!r} refuses to unmask: the server's list of survivors is "
                    f"not the one it signed, or fewer than threshold = {run.threshold} of the "
                    f"devices on it signed it ({len(valid)} valid signatures). The server may "
                    "be showing different devices different lists."
                )
        seed_shares, key_shares = {}, {}
        for sender in range(len(run.directory)):
            share = self.open_share(sender, run)
            if sender in survivors:  # its update is in the sum: only its self mask must go
                seed_shares[sender] = share[_CHUNKS:]
            else:  # it sent nothing: only its pairwise masks must go
                key_shares[sender] = share[:_CHUNKS]
        return seed_shares, key_shares

    def open_share(self, sender: int, run: _Run) -> np.ndarray:
        """The share of ``sender``'s secrets this device holds (key chunks, then seed chunks)."""
        if sender == self.position:
            return self.kept_share
        try:
            plain = self._box(sender, run).decrypt(self.received[sender])
        except nacl_errors.CryptoError as error:
            raise PrivlabError(
                f"device {self.id!r} cannot decrypt the share from device {sender}: "
                "the message was changed on the way."
            ) from error
        words = np.frombuffer(plain, dtype="<u4").astype(np.int64)
        if words.size != _SHARE_WORDS or (words[0], words[1]) != (sender, self.position):
            raise PrivlabError(
                f"device {self.id!r} received a share that is not from device {sender} to it."
            )
        return words[2:]


@guard(secret=check.key)
def split_secret(secret: bytes) -> np.ndarray:
    """Cut a 32-byte secret into 16 chunks of 16 bits, each a field element below ``PRIME``.

    .. math:: \\text{secret} = \\sum_{i=0}^{15} c_i \\, 2^{16 i}, \\qquad 0 \\le c_i < 2^{16}

    >>> split_secret(bytes([1, 2]) + bytes(30))[:3]  # 0x0201 = 513
    array([513,   0,   0])
    """
    return np.frombuffer(secret, dtype="<u2").astype(np.int64)


@guard(chunks=check.chunks)
def join_secret(chunks: Any) -> bytes:
    """Put 16 chunks of 16 bits back together into the 32-byte secret (:func:`split_secret` undone).

    >>> secret = bytes(range(32))
    >>> join_secret(split_secret(secret)) == secret
    True
    """
    return np.asarray(chunks).astype("<u2").tobytes()


def _signed_by(verify_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(verify_key).verify(message, signature)
    except (nacl_errors.BadSignatureError, ValueError, TypeError):
        return False
    return True


@dataclass(eq=False)
class _Run:
    """What every party of one run knows: the advertised keys, the identity keys, the threshold."""

    directory: list[AdvertisedKeys]  # round 1, in the server's order
    enrolled: list[bytes]  # every device's Ed25519 verify key, known from enrolment
    threshold: int
    traffic: dict[str, int] = field(default_factory=lambda: {"messages": 0, "bytes": 0})

    @cached_property
    def session(self) -> bytes:
        """A name for this run, the hash of every advertised key: a signature is for it only."""
        keys = b"".join(entry.mask + entry.encryption for entry in self.directory)
        return blake2b(keys, digest_size=16, person=_PERSON, encoder=RawEncoder)

    def survivor_message(self, survivors: frozenset[int]) -> bytes:
        """What a device signs in round 4: this run, and the survivors' positions."""
        positions = np.array(sorted(survivors), dtype="<u4").tobytes()
        return b"privlab-secagg survivors" + self.session + positions

    def count(self, messages: int, nbytes_each: int) -> None:
        """Every message to or from the server."""
        self.traffic["messages"] += messages
        self.traffic["bytes"] += messages * nbytes_each
