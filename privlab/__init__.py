"""privlab: a teaching lab for privacy-enhancing technologies.

The core modules are plain Python, NumPy and PyNaCl, small enough to read:

* :mod:`privlab.dp`: differential privacy (mechanisms, budgets, attacks, exact sampling, audits).
* :mod:`privlab.mpc`: secure multi-party computation (secret sharing, secure sums and
  products, private set intersection).
* :mod:`privlab.fl`: on-device (federated) learning, its attacks and defences.
* :mod:`privlab.crypto`: end-to-end encrypted messaging and backups with PyNaCl.

``privlab.dp`` loads with the package. ``privlab.mpc``, ``privlab.fl`` and
``privlab.crypto`` (which also need PyNaCl), charts (:mod:`privlab.viz`),
widgets (:mod:`privlab.widgets`) and exercise checks (:mod:`privlab.exercises`)
load only when a lesson asks for them (``from privlab import mpc``), so
``import privlab`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import dp
from .errors import (
    BackupFormatError,
    BudgetExceededError,
    DecryptionError,
    InconsistentSharesError,
    InvalidParameterError,
    MixedSharesError,
    NotEnoughSharesError,
    PrivlabError,
    ProtocolAbortedError,
    ReleaseConflictError,
    VaultLockedError,
    WrongPasswordError,
)

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Load ``privlab.mpc`` and ``privlab.fl`` on first use: ``import privlab`` stays light."""
    if name in ("mpc", "fl", "crypto"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BackupFormatError",
    "BudgetExceededError",
    "DecryptionError",
    "InconsistentSharesError",
    "InvalidParameterError",
    "MixedSharesError",
    "NotEnoughSharesError",
    "PrivlabError",
    "ProtocolAbortedError",
    "ReleaseConflictError",
    "VaultLockedError",
    "WrongPasswordError",
    "__version__",
    "crypto",
    "dp",
    "fl",
    "mpc",
]
