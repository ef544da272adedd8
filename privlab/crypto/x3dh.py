"""Starting a chat with someone who is offline: X3DH, Signal's key agreement.

Alice fetches Bob's prekey bundle, checks the signature on his signed prekey,
makes an ephemeral key pair :math:`EK_A` and computes

.. math::

    DH_1 &= \\mathrm{DH}(IK_A, SPK_B) \\qquad DH_2 = \\mathrm{DH}(EK_A, IK_B) \\\\
    DH_3 &= \\mathrm{DH}(EK_A, SPK_B) \\qquad DH_4 = \\mathrm{DH}(EK_A, OPK_B)
    \\quad \\text{(if the bundle had a one-time prekey)} \\\\
    SK &= \\mathrm{HKDF}(\\mathtt{0xFF}^{32} \\,\\|\\, DH_1 \\,\\|\\, DH_2 \\,\\|\\, DH_3
    \\,[\\|\\, DH_4],\\ \\mathit{salt} = \\mathtt{0x00}^{32},\\
    \\mathit{info} = \\texttt{"privlab X3DH"})

:math:`DH_1` and :math:`DH_2` tie the key to both identities; :math:`DH_3`
and :math:`DH_4` add fresh keys, so a later theft of the identity keys does
not reveal :math:`SK`. The header is not authenticated, so Bob deletes the
one-time prekey only once the first message has authenticated under
:math:`SK` (:func:`x3dh_complete`; specification, section 3.4). A first
message without one can be replayed (sections 4.2 and 4.3); Bob's replies
still come from a fresh ratchet key pair.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from nacl.public import PrivateKey

from .._guard import BYTES, SECRETS, guard, instance
from ..errors import DecryptionError, InvalidParameterError
from .keys import (
    _IDENTITY,
    KEY_BYTES,
    Identity,
    PrekeyBundle,
    _key_bytes,
    _key_id,
    hkdf_sha256,
    new_private_key,
    public_key_of,
    x25519,
)

__all__ = ["X3DH_INFO", "X3DHHeader", "x3dh_complete", "x3dh_initiate", "x3dh_respond"]

X3DH_INFO = b"privlab X3DH"
"""The HKDF ``info`` string: it names this application, so its keys differ from any other's."""

_PREFIX = b"\xff" * KEY_BYTES  # Signal's F: 32 bytes of 0xFF before the DH outputs
_SALT = bytes(KEY_BYTES)
_HEADER_VERSION = 1
_HEADER_FORMAT = ">B32s32s32sII"  # version, IK_A, IK_B, EK_A, SPK id, OPK id (0 = none)


@dataclass(frozen=True)
class X3DHHeader:
    """What Alice sends Bob with her first message: her identity and ephemeral keys, his prekeys.

    Only public values: an eavesdropper learns who talks to whom, not the key.

    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    >>> key, header = x3dh_initiate(alice, bob.prekey_bundle(), rng=3)
    >>> header.associated_data == alice.identity_key + bob.identity_key
    True
    >>> wire = header.to_bytes()
    >>> len(wire), X3DHHeader.from_bytes(wire) == header
    (105, True)
    """

    initiator_identity_key: bytes
    responder_identity_key: bytes
    ephemeral_key: bytes
    signed_prekey_id: int
    one_time_prekey_id: int | None = None

    def __post_init__(self) -> None:
        _key_bytes("initiator_identity_key", self.initiator_identity_key)
        _key_bytes("responder_identity_key", self.responder_identity_key)
        _key_bytes("ephemeral_key", self.ephemeral_key)
        _key_id("signed_prekey_id", self.signed_prekey_id)
        if self.one_time_prekey_id is not None:
            _key_id("one_time_prekey_id", self.one_time_prekey_id)

    @property
    def associated_data(self) -> bytes:
        """:math:`AD = IK_A \\| IK_B`: authenticated with every message of the chat."""
        return self.initiator_identity_key + self.responder_identity_key

    def to_bytes(self) -> bytes:
        """``version (1) | IK_A (32) | IK_B (32) | EK_A (32) | SPK id (4) | OPK id (4; 0: none)``"""
        return struct.pack(
            _HEADER_FORMAT,
            _HEADER_VERSION,
            self.initiator_identity_key,
            self.responder_identity_key,
            self.ephemeral_key,
            self.signed_prekey_id,
            self.one_time_prekey_id or 0,
        )

    @classmethod
    @guard(data=BYTES)
    def from_bytes(cls, data: bytes) -> X3DHHeader:
        """Read a header in the format of :meth:`to_bytes`; a bad one raises DecryptionError."""
        size = struct.calcsize(_HEADER_FORMAT)
        if len(data) != size:
            raise DecryptionError(
                f"an X3DH header is {size} bytes; got {len(data)}: it was cut or padded in transit"
            )
        version, ik_a, ik_b, ephemeral, spk_id, opk_id = struct.unpack(_HEADER_FORMAT, data)
        if version != _HEADER_VERSION or spk_id == 0:
            raise DecryptionError(
                f"this is not an X3DH header of version {_HEADER_VERSION} "
                f"(version byte {version}, signed prekey id {spk_id})"
            )
        return cls(ik_a, ik_b, ephemeral, spk_id, opk_id or None)


_HEADER = instance(X3DHHeader, "an X3DHHeader")


@guard(alice=_IDENTITY, bundle=instance(PrekeyBundle, "a PrekeyBundle"), rng=SECRETS)
def x3dh_initiate(
    alice: Identity,
    bundle: PrekeyBundle,
    *,
    rng: np.random.Generator | int | None = None,
) -> tuple[bytes, X3DHHeader]:
    """Alice's half of X3DH: the shared key :math:`SK` and the header for her first message.

    Check the signed prekey's signature (a prekey its owner did not sign, or
    an unusable key, raises InvalidParameterError); make an ephemeral key pair
    from ``rng``; compute :math:`DH_1 \\dots DH_4` and :math:`SK`; forget the rest.

    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", rng=2)
    >>> key, header = x3dh_initiate(alice, bob.prekey_bundle(), rng=3)
    >>> key == x3dh_respond(bob, header), len(key)
    (True, 32)
    """
    if not bundle.signature_is_valid():
        raise InvalidParameterError(
            "bundle must hold a signed prekey signed by its owner's identity key; got a "
            "signature that does not verify: the server handed out a prekey not signed by "
            f"{bundle.owner}'s identity key."
        )
    ephemeral = new_private_key(rng)
    try:
        dh_values = [
            x25519(alice.identity_private_key, bundle.signed_prekey),  # DH1
            x25519(ephemeral, bundle.identity_key),  # DH2
            x25519(ephemeral, bundle.signed_prekey),  # DH3
        ]
        if bundle.one_time_prekey is not None:
            dh_values.append(x25519(ephemeral, bundle.one_time_prekey))  # DH4
    except InvalidParameterError as error:
        raise InvalidParameterError(
            "bundle must hold valid X25519 public keys; got one of small order, "
            "which would make the shared key predictable (a forged bundle)."
        ) from error
    header = X3DHHeader(
        initiator_identity_key=alice.identity_key,
        responder_identity_key=bundle.identity_key,
        ephemeral_key=public_key_of(ephemeral),
        signed_prekey_id=bundle.signed_prekey_id,
        one_time_prekey_id=bundle.one_time_prekey_id,
    )
    return _shared_key(dh_values), header


@guard(bob=_IDENTITY, header=_HEADER)
def x3dh_respond(bob: Identity, header: X3DHHeader) -> bytes:
    """Bob's half of X3DH: the same :math:`SK`, from his private keys and Alice's header.

    :math:`DH_1 = \\mathrm{DH}(SPK_B, IK_A)`, and so on: the other half of each
    pair. A header for another identity, or naming a prekey Bob does not hold
    (a used one: a replay), raises DecryptionError. Nothing is deleted yet
    (the header may be forged; see :func:`x3dh_complete`).

    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=1, rng=2)
    >>> key, header = x3dh_initiate(alice, bob.prekey_bundle(), rng=3)
    >>> x3dh_respond(bob, header) == key, sorted(bob.one_time_prekeys)
    (True, [1])
    """
    _check_addressed_to(bob, header)
    one_time = _one_time_prekey(bob, header.one_time_prekey_id)
    spk = bob.signed_prekey.private_key
    try:
        dh_values = [
            x25519(spk, header.initiator_identity_key),  # DH1
            x25519(bob.identity_private_key, header.ephemeral_key),  # DH2
            x25519(spk, header.ephemeral_key),  # DH3
        ]
        if one_time is not None:
            dh_values.append(x25519(one_time, header.ephemeral_key))  # DH4
    except InvalidParameterError as error:
        raise DecryptionError(
            "the X3DH header holds a public key of small order: it was forged or damaged"
        ) from error
    return _shared_key(dh_values)


@guard(bob=_IDENTITY, header=_HEADER)
def x3dh_complete(bob: Identity, header: X3DHHeader) -> None:
    """Bob's last step, once the first message has authenticated: delete the one-time prekey.

    >>> alice, bob = Identity("Alice", rng=1), Identity("Bob", one_time_prekeys=1, rng=2)
    >>> key, header = x3dh_initiate(alice, bob.prekey_bundle(), rng=3)
    >>> x3dh_complete(bob, header)  # ... once Alice's first message opened
    >>> x3dh_respond(bob, header)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: one-time prekey 1 of Bob was already used ...
    """
    if header.one_time_prekey_id is not None:
        bob.one_time_prekeys.pop(header.one_time_prekey_id, None)  # used once, then gone


def _shared_key(dh_values: list[bytes]) -> bytes:
    """:math:`SK = \\mathrm{HKDF}(\\mathtt{0xFF}^{32} \\| DH_1 \\| \\dots)`, salt 32 zero bytes."""
    return hkdf_sha256(_PREFIX + b"".join(dh_values), salt=_SALT, info=X3DH_INFO, length=KEY_BYTES)


def _check_addressed_to(bob: Identity, header: X3DHHeader) -> None:
    if header.responder_identity_key != bob.identity_key:
        raise DecryptionError(
            f"this first message was meant for identity key "
            f"{header.responder_identity_key.hex()[:8]}…, not {bob.name}'s "
            f"({bob.identity_key.hex()[:8]}…): it belongs to another chat"
        )
    if header.signed_prekey_id != bob.signed_prekey.key_id:
        raise DecryptionError(
            f"this first message used signed prekey {header.signed_prekey_id}, but {bob.name} "
            f"holds only signed prekey {bob.signed_prekey.key_id}"
        )


def _one_time_prekey(bob: Identity, key_id: int | None) -> PrivateKey | None:
    if key_id is None:
        return None
    if key_id not in bob.one_time_prekeys:
        raise DecryptionError(
            f"one-time prekey {key_id} of {bob.name} was already used (a replayed first "
            "message?) or never existed, so this chat cannot be set up from it"
        )
    return bob.one_time_prekeys[key_id]
