"""Encrypted backups: a file that only its owner can open, not the cloud that stores it.

A backup is sealed on the phone before it leaves, with XChaCha20-Poly1305
(libsodium's ``crypto_aead_xchacha20poly1305_ietf``, PyNaCl's
``nacl.secret.Aead``): the cloud stores bytes it cannot read and cannot
change without the change being noticed.

Two ways to hold the 32-byte backup key
---------------------------------------
* **A random key** (:func:`new_backup_key`), shown to its owner as 64
  hexadecimal digits (``0``-``9`` and ``a``-``f``, 4 bits each, so 256 bits)
  in groups of four (:func:`format_backup_key`). Nobody can guess it; whoever
  loses it loses the backup.
* **A password**, stretched into a key with Argon2id
  (``nacl.pwhash.argon2id.kdf``), a deliberately slow and memory-hungry
  function, so that every guess costs an attacker the same time and memory
  it costs the owner. The cost is a parameter: lessons use ``"interactive"``
  (2 passes over 64 MiB, about 0.1 s); the default, ``"moderate"`` (3 passes
  over 256 MiB, about 0.4 s), is what a real backup should use at least, and
  ``"sensitive"`` (4 passes over 1 GiB, about 2 s) is stronger where memory
  allows. A password-sealed file can still be guessed at *offline* by
  whoever holds it; :mod:`privlab.crypto.vault` shows how a key vault stops that.

The file format (version 1)
---------------------------
All numbers are unsigned and big-endian. The first 69 bytes are the header;
all of them are authenticated as associated data, so changing any byte of the
header (a cheaper cost, another salt) makes the file fail to open.

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
What comes out is UTF-8 JSON (the chat history of
:class:`privlab.crypto.history.ChatStore`).

The whole history is sealed in one piece, which is simple and fine for the
megabytes of a text history; a backup of many gigabytes (photos, videos)
would be cut into chunks with libsodium's ``secretstream`` instead, so that
it never has to be held in memory at once.

Nothing is compressed before it is sealed: compression makes the size of a
ciphertext depend on its content, which can leak it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import nacl.pwhash.argon2id as argon2id
import numpy as np
from nacl.exceptions import CryptoError
from nacl.secret import Aead

from .. import _guard as check
from ..errors import BackupFormatError, DecryptionError, InvalidParameterError
from ..randomness import secret_random

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

KEY_BYTES = 32
"""A backup key is 256 bits."""

KEY_DIGITS = 2 * KEY_BYTES
"""A backup key is shown as 64 hexadecimal digits."""

SALT_BYTES = argon2id.SALTBYTES  # 16
NONCE_BYTES = Aead.NONCE_SIZE  # 24
TAG_BYTES = Aead.MACBYTES  # 16

_HEADER = struct.Struct(">8sB8sIQ16s24s")
HEADER_SIZE = _HEADER.size
"""Bytes before the ciphertext: 69."""

_PASSWORD_KDF = "argon2id"
_RANDOM_KEY = "rawkey"

COSTS: dict[str, tuple[int, int]] = {
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}
"""libsodium's named Argon2id costs: (passes, memory in bytes)."""

DEFAULT_COST = "moderate"
"""The cost for real use: 3 passes over 256 MiB. Lessons pass ``"interactive"``."""

# A file names its own cost, so a damaged or hostile header could ask for
# terabytes of memory. Opening refuses anything above these limits.
MAX_OPSLIMIT = 16
MAX_MEMLIMIT = argon2id.MEMLIMIT_SENSITIVE  # 1 GiB
MIN_OPSLIMIT = argon2id.OPSLIMIT_MIN  # 1
MIN_MEMLIMIT = argon2id.MEMLIMIT_MIN  # 8 KiB


# --------------------------------------------------------------------------
# Keys: random (64 digits) or from a password
# --------------------------------------------------------------------------


def new_backup_key(rng: np.random.Generator | int | None = None) -> bytes:
    """A random 256-bit backup key.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        ``None`` (default): the operating system's cryptographic randomness.
        A seed or Generator gives the same key on every run, for lessons and
        tests only: a key anyone can re-create protects nothing.

    Returns
    -------
    bytes
        32 bytes; show them to the owner with :func:`format_backup_key`.

    Examples
    --------
    >>> key = new_backup_key(rng=7)
    >>> len(key), key == new_backup_key(rng=7)
    (32, True)
    """
    return secret_random(rng).bytes(KEY_BYTES)


def format_backup_key(key: bytes) -> str:
    """A 32-byte key as 64 hexadecimal digits in 16 groups of four, for writing down.

    Each digit holds 4 bits, so 64 digits hold exactly the 256 bits of the key:
    there are :math:`16^{64} = 2^{256} \\approx 1.2 \\times 10^{77}` possible keys.

    Parameters
    ----------
    key : bytes
        32 bytes.

    Returns
    -------
    str
        ``"xxxx xxxx ... xxxx"``: 16 groups of 4 digits separated by spaces.

    Examples
    --------
    >>> format_backup_key(bytes(range(32)))
    '0001 0203 0405 0607 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f'
    """
    digits = _key_bytes("key", key).hex()
    return " ".join(digits[i : i + 4] for i in range(0, KEY_DIGITS, 4))


def parse_backup_key(key: str) -> bytes:
    """Read a key written as 64 hexadecimal digits; spaces, dashes and capitals are fine.

    Parameters
    ----------
    key : str
        The key as the owner typed it.

    Returns
    -------
    bytes
        The 32-byte key.

    Raises
    ------
    InvalidParameterError
        If a character is not a hexadecimal digit, or there are not exactly 64 digits.

    Examples
    --------
    >>> key = parse_backup_key("0001 0203-0405 0607 0809 0A0B 0C0D 0E0F " * 2)
    >>> key[:4].hex()
    '00010203'
    >>> parse_backup_key("12ab")
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: key must have 64 hexadecimal digits; got 4.
    """
    if not isinstance(key, str):
        raise InvalidParameterError(f"key must be a string of 64 digits or 32 bytes; got {key!r}.")
    digits = "".join(ch for ch in key.lower() if ch not in " -\t\n")
    for position, ch in enumerate(digits, start=1):
        if ch not in "0123456789abcdef":
            raise InvalidParameterError(
                f"key digit {position} is {ch!r}; a key has only the digits 0-9 and a-f "
                "(spaces and dashes are ignored)."
            )
    if len(digits) != KEY_DIGITS:
        raise InvalidParameterError(
            f"key must have {KEY_DIGITS} hexadecimal digits; got {len(digits)}."
        )
    return bytes.fromhex(digits)


def derive_key(
    password: str | bytes,
    salt: bytes,
    cost: str | tuple[int, int] = DEFAULT_COST,
) -> bytes:
    """Stretch a password into a 32-byte key with Argon2id.

    :math:`K = \\mathrm{Argon2id}(\\text{password}, \\text{salt}; t, m)`, with
    ``t`` passes over ``m`` bytes of memory. The salt makes the same password
    give different keys in different files, so an attacker cannot reuse work
    across files; the cost makes each guess as slow for an attacker as for the owner.

    Parameters
    ----------
    password : str or bytes
        At least one character; a ``str`` is encoded as UTF-8.
    salt : bytes
        16 bytes, random for each file.
    cost : str or (int, int), default "moderate"
        ``"interactive"``, ``"moderate"``, ``"sensitive"`` (see :data:`COSTS`),
        or ``(passes, memory_bytes)`` with 1-16 passes and 8 KiB-1 GiB of memory.

    Returns
    -------
    bytes
        The 32-byte key.

    Examples
    --------
    >>> tiny = (1, 8192)  # far too cheap for real use; fast for an example
    >>> key = derive_key("correct horse", bytes(16), cost=tiny)
    >>> len(key), key == derive_key("correct horse", bytes(16), cost=tiny)
    (32, True)
    """
    secret = _password_bytes(password)
    salt = _salt_bytes(salt)
    passes, memory = _cost(cost)
    return argon2id.kdf(KEY_BYTES, secret, salt, opslimit=passes, memlimit=memory)


# --------------------------------------------------------------------------
# The header
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupHeader:
    """The readable start of a backup file: what it takes to open it, but no secret.

    Attributes
    ----------
    version : int
        Format version (1).
    kdf : str
        ``"argon2id"`` (a password) or ``"rawkey"`` (a random 64-digit key).
    opslimit, memlimit : int
        Argon2id passes and memory in bytes; 0 for a random key.
    salt : bytes
        16 bytes (zero for a random key).
    nonce : bytes
        24 bytes.
    """

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


def read_header(backup: bytes) -> BackupHeader:
    """Read and check a backup's header, without any key.

    Parameters
    ----------
    backup : bytes
        A whole backup file (or at least its first 69 bytes).

    Returns
    -------
    BackupHeader

    Raises
    ------
    BackupFormatError
        If the file is shorter than a header, does not start with ``PLBACKUP``,
        has another format version or key derivation, or names Argon2id costs
        outside the limits this module accepts (1-16 passes, 8 KiB-1 GiB).

    Examples
    --------
    >>> sealed = seal_backup(b"{}", key=bytes(32), rng=0)
    >>> read_header(sealed).kdf
    'rawkey'
    """
    data = _file_bytes(backup)
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


def file_layout(backup: bytes, preview: int = 12) -> list[dict[str, str]]:
    """The fields of a backup file, as anyone holding it can see them: one row per field.

    It reads the bytes at the offsets of the format table without checking
    them, so it also shows a damaged file as it is.

    Parameters
    ----------
    backup : bytes
        A backup file (or any bytes).
    preview : int, default 12
        Bytes of each field shown in hexadecimal (2-64).

    Returns
    -------
    list of dict
        Keys ``"bytes"`` (the offsets), ``"field"``, ``"hex"`` (the first bytes)
        and ``"reads as"`` (what the bytes say, or that they cannot be read).

    Examples
    --------
    >>> rows = file_layout(seal_backup(b"hello", key=bytes(32), rng=0))
    >>> [(row["field"], row["reads as"]) for row in rows[:3]]
    [('magic number', 'PLBACKUP'), ('format version', '1'), ('key derivation', 'rawkey')]
    """
    data = _file_bytes(backup)
    shown = check.integer("preview", preview, low=2, high=64)
    fields = [
        ("magic number", 0, 8),
        ("format version", 8, 9),
        ("key derivation", 9, 17),
        ("Argon2id passes", 17, 21),
        ("Argon2id memory", 21, 29),
        ("salt", 29, 45),
        ("nonce", 45, 69),
        ("encrypted history", 69, max(69, len(data) - TAG_BYTES)),
        ("authentication tag", max(69, len(data) - TAG_BYTES), len(data)),
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


# --------------------------------------------------------------------------
# Sealing and opening
# --------------------------------------------------------------------------


def seal_backup(
    history: bytes,
    *,
    key: bytes | str | None = None,
    password: str | bytes | None = None,
    cost: str | tuple[int, int] = DEFAULT_COST,
    rng: np.random.Generator | int | None = None,
) -> bytes:
    """Seal ``history`` into a backup file, with a random key or a password (give exactly one).

    Steps: draw a fresh nonce (and, for a password, a fresh salt and the key
    :math:`K = \\mathrm{Argon2id}(\\text{password}, \\text{salt})`); write the
    header; encrypt the history with XChaCha20-Poly1305 under ``K``, with the
    header as associated data.

    Parameters
    ----------
    history : bytes
        What to keep; :meth:`privlab.crypto.history.ChatStore.backup` passes the chat history.
    key : bytes or str, optional
        A 32-byte key, or its 64 digits (:func:`format_backup_key`).
    password : str or bytes, optional
        A password, stretched with Argon2id at ``cost``.
    cost : str or (int, int), default "moderate"
        The Argon2id cost for a password (see :func:`derive_key`); ignored for a key.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness for salt and nonce. A seed gives the
        same file on every run, for lessons and tests only.

    Returns
    -------
    bytes
        ``header (69 bytes) || ciphertext || tag (16 bytes)``.

    Examples
    --------
    >>> sealed = seal_backup(b'{"hi": 1}', key=bytes(32), rng=0)
    >>> sealed[:8], len(sealed) == 69 + 9 + 16
    (b'PLBACKUP', True)
    >>> open_backup(sealed, key=bytes(32))
    b'{"hi": 1}'
    """
    data = _file_bytes(history, name="history")
    generator = secret_random(rng)
    _one_of(key, password)
    passes, memory = _cost(cost)  # checked for a key too, where it is not used
    if password is not None:
        salt = generator.bytes(SALT_BYTES)
        secret = derive_key(password, salt, (passes, memory))
        kdf = _PASSWORD_KDF
    else:
        secret = _key_bytes("key", key)
        passes, memory, salt, kdf = 0, 0, bytes(SALT_BYTES), _RANDOM_KEY
    nonce = generator.bytes(NONCE_BYTES)
    header = BackupHeader(FORMAT_VERSION, kdf, passes, memory, salt, nonce).to_bytes()
    return header + Aead(secret).encrypt(data, header, nonce).ciphertext


def open_backup(
    backup: bytes,
    *,
    key: bytes | str | None = None,
    password: str | bytes | None = None,
) -> bytes:
    """Check and open a backup file (give its key or its password); all of it or nothing.

    Steps: read and check the header (:func:`read_header`); derive the key
    from the password with the header's salt and cost, or take the given
    key; check the tag over header and ciphertext; only then decrypt.

    Parameters
    ----------
    backup : bytes
        The file, as :func:`seal_backup` made it.
    key : bytes or str, optional
        The 32-byte key or its 64 digits, for a random-key backup.
    password : str or bytes, optional
        The password, for a password backup.

    Returns
    -------
    bytes
        The history, exactly as it was sealed.

    Raises
    ------
    BackupFormatError
        If the header is not that of a readable backup (see :func:`read_header`),
        or a key was given for a password backup or the other way round.
    DecryptionError
        If the tag does not match: a wrong key or password, or a file that
        was changed or cut short. No part of the history is returned.

    Examples
    --------
    >>> sealed = seal_backup(b"chat", password="hunter2", cost=(1, 8192), rng=0)
    >>> open_backup(sealed, password="hunter2")
    b'chat'
    >>> open_backup(sealed, password="hunter3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: the backup does not open: wrong password, or ...
    """
    _one_of(key, password)
    data = _file_bytes(backup)
    header = read_header(data)
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
        secret = _key_bytes("key", key)
        what = "key"
    if len(data) < HEADER_SIZE + TAG_BYTES:
        raise DecryptionError(
            f"the backup is cut short: it needs at least {HEADER_SIZE + TAG_BYTES} bytes "
            f"(header and tag); got {len(data)} bytes."
        )
    try:
        return Aead(secret).decrypt(data[HEADER_SIZE:], data[:HEADER_SIZE], header.nonce)
    except CryptoError:
        raise DecryptionError(
            f"the backup does not open: wrong {what}, or the file was changed or cut short "
            "(its authentication tag does not match). Nothing was read from it."
        ) from None


# --------------------------------------------------------------------------
# Checking arguments
# --------------------------------------------------------------------------


def _one_of(key: Any, password: Any) -> None:
    if (key is None) == (password is None):
        raise InvalidParameterError(
            "give exactly one of key= (the random key or its 64 digits) and password=; "
            f"got key={'None' if key is None else '...'}, "
            f"password={'None' if password is None else '...'}."
        )


def _key_bytes(name: str, key: Any) -> bytes:
    if isinstance(key, str):
        return parse_backup_key(key)
    if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_BYTES:
        shown = f"{len(key)} bytes" if isinstance(key, (bytes, bytearray)) else repr(key)
        raise InvalidParameterError(
            f"{name} must be {KEY_BYTES} bytes or a string of {KEY_DIGITS} hexadecimal digits; "
            f"got {shown}."
        )
    return bytes(key)


def _password_bytes(password: Any) -> bytes:
    if isinstance(password, str):
        password = password.encode("utf-8")
    if not isinstance(password, (bytes, bytearray)) or not password:
        raise InvalidParameterError(
            f"password must be a non-empty string (or bytes); got {password!r}."
        )
    return bytes(password)


def _salt_bytes(salt: Any) -> bytes:
    if not isinstance(salt, (bytes, bytearray)) or len(salt) != SALT_BYTES:
        raise InvalidParameterError(f"salt must be {SALT_BYTES} bytes; got {salt!r}.")
    return bytes(salt)


def _cost(cost: Any) -> tuple[int, int]:
    if isinstance(cost, str):
        if cost not in COSTS:
            raise InvalidParameterError(
                f"cost must be one of {sorted(COSTS)} or (passes, memory_bytes); got {cost!r}."
            )
        return COSTS[cost]
    if not isinstance(cost, (tuple, list)) or len(cost) != 2:
        raise InvalidParameterError(
            f"cost must be one of {sorted(COSTS)} or (passes, memory_bytes); got {cost!r}."
        )
    passes = check.integer("cost passes", cost[0], low=MIN_OPSLIMIT, high=MAX_OPSLIMIT)
    memory = check.integer("cost memory_bytes", cost[1], low=MIN_MEMLIMIT, high=MAX_MEMLIMIT)
    return passes, memory


def _file_bytes(data: Any, name: str = "backup") -> bytes:
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidParameterError(f"{name} must be bytes; got {type(data).__name__}.")
    return bytes(data)
