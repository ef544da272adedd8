"""Identities, prekeys and key derivation for end-to-end encrypted chats.

Every user holds, on their own device, an **identity key** (one Ed25519
signing key, whose X25519 form is used for Diffie-Hellman: one secret, two
uses, as libsodium converts them), a **signed prekey** (an X25519 key pair
signed by the identity key, so a server cannot swap in its own) and
**one-time prekeys** (each used for one chat set-up, then deleted). The public
halves go to the server as a :class:`PrekeyBundle`. :func:`x25519` and
:func:`hkdf_sha256` (RFC 5869) turn shared secrets into keys. Randomness: see
:mod:`privlab.randomness`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.utils
import numpy as np
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from .. import _guard as check
from .._guard import BOOLEAN, LABEL, SECRETS, guard, instance, whole
from .._guard import byte_string as _bytes
from .._guard import key_bytes as _key_bytes
from .._guard import shown as _shown
from ..errors import InvalidParameterError
from ..randomness import SecretRandom

__all__ = [
    "KEY_BYTES",
    "SIGNATURE_BYTES",
    "Identity",
    "PrekeyBundle",
    "SignedPrekey",
    "hkdf_sha256",
    "new_private_key",
    "public_key_of",
    "x25519",
]

KEY_BYTES = 32
"""Length of every key here: X25519 and Ed25519 keys, root, chain and message keys."""

SIGNATURE_BYTES = 64
"""Length of an Ed25519 signature."""

_MAX_ONE_TIME_PREKEYS = 1_000
_MAX_KEY_ID = 2**32 - 1  # key ids travel as 4-byte numbers


def _random_secret(generator: SecretRandom) -> bytes:
    """32 secret bytes from the stream."""
    return generator.bytes(KEY_BYTES)


def _private_bytes(name: str, value: Any) -> bytes:
    if isinstance(value, PrivateKey):
        return value.encode()
    if not isinstance(value, (bytes, bytearray)) or len(value) != KEY_BYTES:
        raise InvalidParameterError(
            f"{name} must be a nacl.public.PrivateKey or its {KEY_BYTES} bytes; "
            f"got {_shown(value)}."
        )
    return bytes(value)


@guard(rng=SECRETS)
def new_private_key(rng: np.random.Generator | int | None = None) -> PrivateKey:
    """A fresh X25519 private key (32 random bytes; X25519 clamps them when it uses them).

    >>> key = new_private_key(rng=7)
    >>> len(bytes(key.public_key)), key.encode() == new_private_key(rng=7).encode()
    (32, True)
    """
    return PrivateKey(_random_secret(rng))


@guard(private_key=_private_bytes)
def public_key_of(private_key: PrivateKey | bytes) -> bytes:
    """The 32-byte X25519 public key of a private key: :math:`A = a \\cdot G`.

    >>> key = new_private_key(rng=1)
    >>> public_key_of(key) == bytes(key.public_key) == public_key_of(key.encode())
    True
    """
    return nacl.bindings.crypto_scalarmult_base(bytes(private_key))  # bytes of a PrivateKey too


@guard(private_key=_private_bytes, public_key=_key_bytes)
def x25519(private_key: PrivateKey | bytes, public_key: bytes) -> bytes:
    """Diffie-Hellman on Curve25519: :math:`\\mathrm{DH}(a, B) = a \\cdot B = ab \\cdot G`.

    Both sides get the same 32 bytes: :math:`a \\cdot (b G) = b \\cdot (a G)`. A public
    key of small order (an all-zero result, whatever the private key) is refused.

    >>> alice, bob = new_private_key(rng=1), new_private_key(rng=2)
    >>> x25519(alice, public_key_of(bob)) == x25519(bob, public_key_of(alice))
    True
    """
    try:  # bytes() of a PrivateKey (from privlab's own calls, past the guard) is its secret
        return nacl.bindings.crypto_scalarmult(bytes(private_key), public_key)
    except nacl.exceptions.RuntimeError as error:  # libsodium refuses an all-zero result
        raise InvalidParameterError(
            "public_key must be a valid X25519 public key (not a point of small order, "
            f"which gives an all-zero shared secret); got {public_key.hex()}."
        ) from error


@guard(ikm=_bytes, salt=_bytes, info=_bytes, length=whole(1, 255 * 32))
def hkdf_sha256(ikm: bytes, *, salt: bytes = b"", info: bytes = b"", length: int = 32) -> bytes:
    """HKDF with HMAC-SHA256 (RFC 5869): turn a shared secret into keys.

    .. math::

        \\mathrm{PRK} = \\mathrm{HMAC}(\\mathit{salt}, \\mathit{ikm}), \\qquad
        T_i = \\mathrm{HMAC}(\\mathrm{PRK}, T_{i-1} \\,\\|\\, \\mathit{info} \\,\\|\\, i),

    with :math:`T_0` empty and an empty salt meaning 32 zero bytes; the output
    is the first ``length`` bytes of :math:`T_1 \\| T_2 \\| \\dots`.

    >>> okm = hkdf_sha256(bytes([0x0B] * 22), salt=bytes(range(13)),  # RFC 5869, test 1
    ...                   info=bytes(range(0xF0, 0xFA)), length=42)
    >>> okm.hex()[:32]
    '3cb25f25faacd57a90434f64d0362f2a'
    """
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    output, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
    return output[:length]


@dataclass(frozen=True)
class SignedPrekey:
    """A medium-term X25519 key pair (the private half not in ``repr``), signed by the identity."""

    key_id: int
    private_key: PrivateKey = field(repr=False)
    signature: bytes

    @property
    def public_key(self) -> bytes:
        """The 32-byte X25519 public key, the part that goes into bundles."""
        return bytes(self.private_key.public_key)


@dataclass(frozen=True)
class PrekeyBundle:
    """What the server hands out to anyone who wants to start a chat: public keys only.

    ``identity_key`` (:math:`IK`) must be the X25519 form of ``verify_key``
    (Ed25519); ``signed_prekey`` (:math:`SPK`) comes with its id and signature;
    ``one_time_prekey`` (:math:`OPK`) and its id are ``None`` when they ran out.
    A bad signature is not refused here (a bundle may be forged):
    :func:`~privlab.crypto.x3dh.x3dh_initiate` refuses it.
    """

    owner: str
    identity_key: bytes
    verify_key: bytes
    signed_prekey: bytes
    signed_prekey_id: int
    signed_prekey_signature: bytes
    one_time_prekey: bytes | None = None
    one_time_prekey_id: int | None = None

    def __post_init__(self) -> None:
        LABEL("owner", self.owner)
        _key_bytes("identity_key", self.identity_key)
        _key_bytes("verify_key", self.verify_key)
        _key_bytes("signed_prekey", self.signed_prekey)
        _key_id("signed_prekey_id", self.signed_prekey_id)
        _signature_bytes("signed_prekey_signature", self.signed_prekey_signature)
        if (self.one_time_prekey is None) != (self.one_time_prekey_id is None):
            raise InvalidParameterError(
                "one_time_prekey_id must be given exactly when one_time_prekey is; got "
                f"one_time_prekey_id={self.one_time_prekey_id!r} with "
                f"one_time_prekey={'None' if self.one_time_prekey is None else 'a key'}."
            )
        if self.one_time_prekey is not None:
            _key_bytes("one_time_prekey", self.one_time_prekey)
            _key_id("one_time_prekey_id", self.one_time_prekey_id)
        if _x25519_form(self.verify_key) != self.identity_key:
            raise InvalidParameterError(
                "identity_key must be the X25519 form of verify_key (one identity, two forms); "
                f"got identity_key {self.identity_key.hex()[:16]}…, which belongs to another key."
            )

    def signature_is_valid(self) -> bool:
        """Whether ``signed_prekey_signature`` is the identity key's signature on ``signed_prekey``.

        >>> from dataclasses import replace
        >>> bundle = Identity("Bob", rng=2).prekey_bundle()
        >>> forged = replace(bundle, signed_prekey=public_key_of(new_private_key(rng=666)))
        >>> bundle.signature_is_valid(), forged.signature_is_valid()
        (True, False)
        """
        try:
            VerifyKey(self.verify_key).verify(self.signed_prekey, self.signed_prekey_signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            return False
        return True


class Identity:
    """One user's device: a name, an identity key, a signed prekey and one-time prekeys.

    ``signing_key`` (Ed25519, secret) is drawn first, then the signed prekey,
    then ``one_time_prekeys`` one-time prekeys (0 to 1000; key ids 1, 2, ...),
    32 bytes each from ``rng`` (see :mod:`privlab.randomness`). The X25519
    ``identity_private_key`` is derived from the signing key. The dict
    ``one_time_prekeys`` holds those left: each goes once a first message
    that used it has authenticated.

    >>> alice = Identity("Alice", one_time_prekeys=3, rng=1)
    >>> alice
    Identity('Alice', identity key 25499fe9…, 3 one-time prekeys)
    >>> len(alice.identity_key), len(alice.verify_key), sorted(alice.one_time_prekeys)
    (32, 32, [1, 2, 3])
    """

    @guard(name=LABEL, one_time_prekeys=whole(0, _MAX_ONE_TIME_PREKEYS), rng=SECRETS)
    def __init__(
        self,
        name: str,
        *,
        one_time_prekeys: int = 10,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.name, count, generator = name, one_time_prekeys, rng
        self.signing_key = SigningKey(_random_secret(generator))
        self.identity_private_key = self.signing_key.to_curve25519_private_key()
        prekey = PrivateKey(_random_secret(generator))
        signature = self.signing_key.sign(bytes(prekey.public_key)).signature
        self.signed_prekey = SignedPrekey(key_id=1, private_key=prekey, signature=signature)
        self.one_time_prekeys = {
            key_id: PrivateKey(_random_secret(generator)) for key_id in range(1, count + 1)
        }
        self._handed_out: set[int] = set()

    @property
    def identity_key(self) -> bytes:
        """The 32-byte X25519 identity public key, :math:`IK` (what safety numbers show)."""
        return bytes(self.identity_private_key.public_key)

    @property
    def verify_key(self) -> bytes:
        """The 32-byte Ed25519 public key that checks this identity's signatures."""
        return bytes(self.signing_key.verify_key)

    @guard(one_time_prekey=BOOLEAN)
    def prekey_bundle(self, *, one_time_prekey: bool = True) -> PrekeyBundle:
        """The public keys the server hands to someone who wants to write to this identity.

        Each call offers a one-time prekey not offered before (the lowest id
        left), or none once all were (``one_time_prekey=False`` leaves it out
        too): X3DH then runs on the signed prekey alone, so a chat can always start.

        >>> bob = Identity("Bob", one_time_prekeys=2, rng=2)
        >>> [bob.prekey_bundle().one_time_prekey_id for _ in range(3)]
        [1, 2, None]
        """
        offered = [key_id for key_id in self.one_time_prekeys if key_id not in self._handed_out]
        key_id = min(offered) if one_time_prekey and offered else None
        if key_id is not None:
            self._handed_out.add(key_id)
        return PrekeyBundle(
            owner=self.name,
            identity_key=self.identity_key,
            verify_key=self.verify_key,
            signed_prekey=self.signed_prekey.public_key,
            signed_prekey_id=self.signed_prekey.key_id,
            signed_prekey_signature=self.signed_prekey.signature,
            one_time_prekey=None
            if key_id is None
            else public_key_of(self.one_time_prekeys[key_id]),
            one_time_prekey_id=key_id,
        )

    def __repr__(self) -> str:
        return (
            f"Identity({self.name!r}, identity key {self.identity_key.hex()[:8]}…, "
            f"{len(self.one_time_prekeys)} one-time prekeys)"
        )


def _signature_bytes(name: str, value: Any) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != SIGNATURE_BYTES:
        raise InvalidParameterError(
            f"{name} must be a {SIGNATURE_BYTES}-byte Ed25519 signature; got {_shown(value)}."
        )
    return bytes(value)


def _key_id(name: str, value: Any) -> int:
    return check.integer(name, value, low=1, high=_MAX_KEY_ID)


def _x25519_form(verify_key: bytes) -> bytes:
    """The X25519 public key that belongs to an Ed25519 public key."""
    try:
        return bytes(VerifyKey(verify_key).to_curve25519_public_key())
    except nacl.exceptions.RuntimeError as error:
        raise InvalidParameterError(
            f"verify_key must be a valid Ed25519 public key; got {verify_key.hex()}."
        ) from error


_IDENTITY = instance(Identity, "an Identity")
