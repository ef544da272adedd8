"""Encrypted backups: a file that only its owner can open, not the cloud that stores it.

A backup is sealed on the phone with XChaCha20-Poly1305 (PyNaCl's
``nacl.secret.Aead``): the cloud stores bytes it can neither read nor change
unnoticed. The 32-byte key is either **random** (:func:`new_backup_key`, shown
as 64 hexadecimal digits by :func:`format_backup_key`) or comes from a
**password** stretched with Argon2id (:func:`derive_key`), slow and
memory-hungry so that each guess costs an attacker what it costs the owner:
lessons use ``"interactive"`` (2 passes over 64 MiB), real backups at least
``"moderate"`` (3 passes over 256 MiB). A password-sealed file can still be
guessed at offline; :mod:`privlab.crypto.vault` shows how a key vault stops that.

The file format (version 1): numbers unsigned and big-endian; the 69-byte
header is authenticated as associated data, so changing any byte of it
makes the file fail to open.

======  =====  ==================================================================
offset  bytes  field
======  =====  ==================================================================
0       8      magic number: the ASCII text ``PLBACKUP``
8       1      format version: ``1``
9       8      key derivation, ASCII, padded with zero bytes: ``argon2id`` for a
               password, ``rawkey`` for a random key
17      4      Argon2id passes (``opslimit``); ``0`` for a random key
21      8      Argon2id memory in bytes (``memlimit``); ``0`` for a random key
29      16     Argon2id salt, random; zero bytes for a random key
45      24     XChaCha20-Poly1305 nonce, random
69      n+16   the encrypted history (``n`` bytes) and its 16-byte Poly1305 tag
======  =====  ==================================================================

To open a file with PyNaCl alone: ``key = nacl.pwhash.argon2id.kdf(32,
password, salt, opslimit=..., memlimit=...)`` (or the random key itself), then
``nacl.secret.Aead(key).decrypt(file[69:], aad=file[:69], nonce=file[45:69])``.
Nothing is compressed first: compression makes a ciphertext's size depend on its content.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import nacl.pwhash.argon2id as argon2id
import numpy as np
from nacl.exceptions import CryptoError
from nacl.secret import Aead

from .._guard import BYTES, SECRETS, guard, optional, whole
from ..errors import BackupFormatError, DecryptionError
from ._kdf import (
    COSTS,
    DEFAULT_COST,
    KEY_BYTES,
    KEY_DIGITS,
    MAX_MEMLIMIT,
    MAX_OPSLIMIT,
    MIN_MEMLIMIT,
    MIN_OPSLIMIT,
    SALT_BYTES,
    _cost,
    _key_bytes,
    _key_text,
    _one_of,
    _parse_digits,
    _password,
    _salt,
)

__all__ = [
    "COSTS",
    "DEFAULT_COST",
    "FORMAT_VERSION",
    "HEADER_SIZE",
    "KEY_DIGITS",
    "MAGIC",
    "BackupHeader",
    "derive_key",
    "file_layout",
    "format_backup_key",
    "new_backup_key",
    "open_backup",
    "parse_backup_key",
    "read_header",
    "seal_backup",
]

MAGIC = b"PLBACKUP"
"""The first 8 bytes of every backup file."""

FORMAT_VERSION = 1
"""The only format version this module writes and reads."""

_NONCE_BYTES = Aead.NONCE_SIZE  # 24
_TAG_BYTES = Aead.MACBYTES  # 16

_HEADER = struct.Struct(">8sB8sIQ16s24s")
HEADER_SIZE = _HEADER.size
"""Bytes before the ciphertext: 69."""

_PASSWORD_KDF = "argon2id"
_RANDOM_KEY = "rawkey"


_SEALING = {
    "key": optional(_key_bytes),
    "password": optional(_password),
    "cost": _cost,
    "rng": SECRETS,
}  # the arguments of sealing, checked the same way by ChatStore.backup


@guard(history=BYTES, **_SEALING, where=_one_of)
def seal_backup(
    history: bytes,
    *,
    key: bytes | str | None = None,
    password: str | bytes | None = None,
    cost: str | tuple[int, int] = DEFAULT_COST,
    rng: np.random.Generator | int | None = None,
) -> bytes:
    """Seal ``history`` into a backup file, with a random key or a password (give exactly one).

    ``header || XChaCha20-Poly1305(K, history, aad=header)``, with a fresh nonce
    and, for a password, a fresh salt and :math:`K = \\mathrm{Argon2id}(\\text{password},
    \\text{salt})` at ``cost`` (checked for a key too, where it is not used).

    >>> sealed = seal_backup(b'{"hi": 1}', key=bytes(32), rng=0)
    >>> sealed[:8], len(sealed) == 69 + 9 + 16
    (b'PLBACKUP', True)
    >>> open_backup(sealed, key=bytes(32))
    b'{"hi": 1}'
    """
    passes, memory = cost
    if password is not None:
        salt = rng.bytes(SALT_BYTES)
        secret = derive_key(password, salt, cost)
        kdf = _PASSWORD_KDF
    else:
        secret = key
        passes, memory, salt, kdf = 0, 0, bytes(SALT_BYTES), _RANDOM_KEY
    nonce = rng.bytes(_NONCE_BYTES)
    header = BackupHeader(FORMAT_VERSION, kdf, passes, memory, salt, nonce).to_bytes()
    return header + Aead(secret).encrypt(history, header, nonce).ciphertext


# open_backup and derive_key check their arguments in the body, not with @guard: lesson 07
# notes a learner's call of them by the caller's frame, which a guard's wrapper would hide.
def open_backup(
    backup: bytes,
    *,
    key: bytes | str | None = None,
    password: str | bytes | None = None,
) -> bytes:
    """Check and open a backup file (give its key or its password); all of it or nothing.

    Read the header (:func:`read_header`); derive the key from the password
    with the header's salt and cost, or take the given key (32 bytes or 64
    digits); check the tag over header and ciphertext; only then decrypt. A
    wrong key or password, or a changed or cut file, raises DecryptionError
    and returns nothing; a key for a password backup (or the other way round)
    raises BackupFormatError.

    >>> sealed = seal_backup(b"chat", password="hunter2", cost=(1, 8192), rng=0)
    >>> open_backup(sealed, password="hunter2")
    b'chat'
    >>> open_backup(sealed, password="hunter3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: the backup does not open: wrong password, or ...
    """
    _one_of({"key": key, "password": password})
    backup = BYTES("backup", backup)
    key, password = optional(_key_bytes)("key", key), optional(_password)("password", password)
    header = read_header(backup)
    if password is not None:
        if header.kdf != _PASSWORD_KDF:
            raise BackupFormatError(
                "this backup was sealed with a random 64-digit key, not a password: pass key=."
            )
        secret = derive_key(password, header.salt, (header.opslimit, header.memlimit))
        what = "password"
    else:
        if header.kdf != _RANDOM_KEY:
            raise BackupFormatError(
                "this backup was sealed with a password, not a random key: pass password=."
            )
        secret = key
        what = "key"
    if len(backup) < HEADER_SIZE + _TAG_BYTES:
        raise DecryptionError(
            f"the backup is cut short: it needs at least {HEADER_SIZE + _TAG_BYTES} bytes "
            f"(header and tag); got {len(backup)} bytes."
        )
    try:
        return Aead(secret).decrypt(backup[HEADER_SIZE:], backup[:HEADER_SIZE], header.nonce)
    except CryptoError:
        raise DecryptionError(
            f"the backup does not open: wrong {what}, or the file was changed or cut short "
            "(its authentication tag does not match). Nothing was read from it."
        ) from None


@guard(rng=SECRETS)
def new_backup_key(rng: np.random.Generator | int | None = None) -> bytes:
    """A random 256-bit backup key.

    >>> key = new_backup_key(rng=7)
    >>> len(key), key == new_backup_key(rng=7)
    (32, True)
    """
    return rng.bytes(KEY_BYTES)


@guard(key=_key_bytes)
def format_backup_key(key: bytes) -> str:
    """A 32-byte key as 64 hexadecimal digits in 16 groups of four, for writing down.

    Each digit holds 4 bits: :math:`16^{64} = 2^{256}` possible keys.

    >>> format_backup_key(bytes(range(32)))
    '0001 0203 0405 0607 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f'
    """
    digits = key.hex()
    return " ".join(digits[i : i + 4] for i in range(0, KEY_DIGITS, 4))


@guard(key=_key_text)
def parse_backup_key(key: str) -> bytes:
    """Read a key written as 64 hexadecimal digits; spaces, dashes and capitals are fine.

    >>> key = parse_backup_key("0001 0203-0405 0607 0809 0A0B 0C0D 0E0F " * 2)
    >>> key[:4].hex()
    '00010203'
    >>> parse_backup_key("12ab")
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: key must have 64 hexadecimal digits; got 4.
    """
    return _parse_digits(key)


def derive_key(
    password: str | bytes,
    salt: bytes,
    cost: str | tuple[int, int] = DEFAULT_COST,
) -> bytes:
    """Stretch a password into a 32-byte key with Argon2id, ``t`` passes over ``m`` bytes.

    .. math:: K = \\mathrm{Argon2id}(\\text{password}, \\text{salt}; t, m)

    >>> tiny = (1, 8192)  # far too cheap for real use; fast for an example
    >>> key = derive_key("correct horse", bytes(16), cost=tiny)
    >>> len(key), key == derive_key("correct horse", bytes(16), cost=tiny)
    (32, True)
    """
    password, salt = _password("password", password), _salt("salt", salt)
    passes, memory = _cost("cost", cost)
    return argon2id.kdf(KEY_BYTES, password, salt, opslimit=passes, memlimit=memory)


@dataclass(frozen=True)
class BackupHeader:
    """The readable start of a backup file (the fields of the format table): no secret."""

    version: int
    kdf: str
    opslimit: int
    memlimit: int
    salt: bytes
    nonce: bytes

    def to_bytes(self) -> bytes:
        """The 69 header bytes, exactly as they open the file."""
        return _HEADER.pack(
            MAGIC,
            self.version,
            self.kdf.encode("ascii"),
            self.opslimit,
            self.memlimit,
            self.salt,
            self.nonce,
        )

    def describe(self) -> dict[str, Any]:
        """The header's fields as a small table (what anyone holding the file can read)."""
        if self.kdf == _PASSWORD_KDF:
            mebibytes = self.memlimit / 2**20
            key = f"password, Argon2id with {self.opslimit} passes over {mebibytes:g} MiB"
        else:
            key = "random 256-bit key (64 digits)"
        return {
            "magic": MAGIC.decode("ascii"),
            "version": self.version,
            "key from": key,
            "salt": self.salt.hex(),
            "nonce": self.nonce.hex(),
        }


@guard(backup=BYTES)
def read_header(backup: bytes) -> BackupHeader:
    """Read and check a backup's header (its first 69 bytes), without any key.

    Raises :class:`~privlab.errors.BackupFormatError` for a file that is short,
    not ``PLBACKUP``, of another version or key derivation, or that names
    Argon2id costs outside 1-16 passes and 8 KiB-1 GiB.

    >>> sealed = seal_backup(b"{}", key=bytes(32), rng=0)
    >>> read_header(sealed).kdf
    'rawkey'
    """
    data = backup
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise BackupFormatError(
            f"this is not a privlab backup: it should start with {MAGIC!r}; "
            f"it starts with {data[: len(MAGIC)]!r}."
        )
    if len(data) < HEADER_SIZE:
        raise BackupFormatError(
            f"the backup is cut short: its header alone needs {HEADER_SIZE} bytes; "
            f"got {len(data)} bytes."
        )
    _, version, kdf_bytes, passes, memory, salt, nonce = _HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise BackupFormatError(
            f"the backup has format version {version}; this version of privlab reads "
            f"only version {FORMAT_VERSION}."
        )
    kdf = _kdf_name(kdf_bytes)
    _check_kdf_fields(kdf, passes, memory, salt)
    return BackupHeader(version, kdf, passes, memory, salt, nonce)


def _kdf_name(field: bytes) -> str:
    name = field.rstrip(b"\x00")
    known = {_PASSWORD_KDF.encode(), _RANDOM_KEY.encode()}
    if name not in known or field != name.ljust(8, b"\x00"):
        raise BackupFormatError(
            f"the backup names an unknown key derivation {field!r}; known: "
            f"{_PASSWORD_KDF!r} and {_RANDOM_KEY!r}."
        )
    return name.decode("ascii")


def _check_kdf_fields(kdf: str, passes: int, memory: int, salt: bytes) -> None:
    if kdf == _RANDOM_KEY:
        if passes or memory or any(salt):
            raise BackupFormatError(
                "the backup is damaged: a random-key backup has zero Argon2id fields."
            )
        return
    if not MIN_OPSLIMIT <= passes <= MAX_OPSLIMIT or not MIN_MEMLIMIT <= memory <= MAX_MEMLIMIT:
        raise BackupFormatError(
            f"the backup asks for Argon2id with {passes} passes over {memory} bytes; "
            f"privlab accepts {MIN_OPSLIMIT}-{MAX_OPSLIMIT} passes and "
            f"{MIN_MEMLIMIT}-{MAX_MEMLIMIT} bytes (a damaged or hostile header)."
        )


@guard(backup=BYTES, preview=whole(2, 64))
def file_layout(backup: bytes, preview: int = 12) -> list[dict[str, str]]:
    """The fields of a backup file as anyone holding it sees them, unchecked: one row each.

    Each row has ``"bytes"`` (the offsets), ``"field"``, ``"hex"`` (the first
    ``preview`` bytes, 2-64) and ``"reads as"`` (what the bytes say).

    >>> rows = file_layout(seal_backup(b"hello", key=bytes(32), rng=0))
    >>> [(row["field"], row["reads as"]) for row in rows[:3]]
    [('magic number', 'PLBACKUP'), ('format version', '1'), ('key derivation', 'rawkey')]
    """
    data, shown = backup, preview
    fields = [
        ("magic number", 0, 8),
        ("format version", 8, 9),
        ("key derivation", 9, 17),
        ("Argon2id passes", 17, 21),
        ("Argon2id memory", 21, 29),
        ("salt", 29, 45),
        ("nonce", 45, 69),
        ("encrypted history", 69, max(69, len(data) - _TAG_BYTES)),
        ("authentication tag", max(69, len(data) - _TAG_BYTES), len(data)),
    ]
    rows = []
    for name, start, end in fields:
        part = data[start:end]
        text = part[:shown].hex(" ") + (" …" if len(part) > shown else "")
        rows.append(
            {
                "bytes": f"{start}-{end - 1}" if end - start > 1 else f"{start}",
                "field": name,
                "hex": text or "(missing)",
                "reads as": _reads_as(name, part),
            }
        )
    return rows


def _reads_as(field: str, part: bytes) -> str:
    """What a field's bytes say to someone without the key."""
    if not part:
        return "missing: the file is cut short"
    if field in ("magic number", "key derivation"):
        return part.rstrip(b"\x00").decode("ascii", errors="replace")
    if field in ("format version", "Argon2id passes"):
        return str(int.from_bytes(part, "big"))
    if field == "Argon2id memory":
        return f"{int.from_bytes(part, 'big') / 2**20:g} MiB"
    if field in ("salt", "nonce"):
        return "unused (zeros)" if not any(part) else "random (not secret)"
    if field == "encrypted history":
        return f"{len(part)} bytes nobody can read without the key"
    return "checks every byte above"
