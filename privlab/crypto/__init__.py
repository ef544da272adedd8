"""End-to-end encrypted messaging and backups, from PyNaCl's constructions (no home-made ciphers).

Lesson 06: :mod:`~privlab.crypto.keys`, :mod:`~privlab.crypto.x3dh`,
:mod:`~privlab.crypto.ratchet`, :mod:`~privlab.crypto.safety`,
:mod:`~privlab.crypto.relay`, :mod:`~privlab.crypto.theft`,
:mod:`~privlab.crypto.pitfalls`, :mod:`~privlab.crypto.boxes`. Lesson 07:
:mod:`~privlab.crypto.history`, :mod:`~privlab.crypto.backup`,
:mod:`~privlab.crypto.vault`, :mod:`~privlab.crypto.guessing`.
"""

from __future__ import annotations

from . import ratchet  # noqa: F401  (first: chat.py builds on its session and is loaded by it)
