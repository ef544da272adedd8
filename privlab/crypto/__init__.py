"""End-to-end encrypted messaging and backups, from PyNaCl's constructions (no home-made ciphers).

The pieces of lesson 06, each a small module:

* :mod:`privlab.crypto.boxes`: public-key encryption with ``Box`` and ``SealedBox``.
* :mod:`privlab.crypto.keys`: identities (X25519 and Ed25519 keys) and prekey bundles.
* :mod:`privlab.crypto.x3dh`: session set-up in the style of Signal's X3DH.
* :mod:`privlab.crypto.ratchet`: the Double Ratchet: a fresh key for every message.
* :mod:`privlab.crypto.safety`: safety numbers, to catch a man in the middle.
* :mod:`privlab.crypto.relay`: a server that stores and forwards what it is given, and shows it.
* :mod:`privlab.crypto.theft`: what a thief who copies a phone can read (forward secrecy).
* :mod:`privlab.crypto.pitfalls`: what goes wrong without them: nonce reuse, malleability.

And of lesson 07:

* :mod:`privlab.crypto.history`: the chats on a phone, with disappearing messages.
* :mod:`privlab.crypto.backup`: the encrypted backup file: a 64-digit key or a password.
* :mod:`privlab.crypto.vault`: a key vault that destroys the key after 10 wrong passwords.
* :mod:`privlab.crypto.guessing`: how long guessing a password or a key takes.
"""

from __future__ import annotations

from . import ratchet  # noqa: F401  (first: chat.py builds on its session and is loaded by it)
