"""privlab: a teaching lab for privacy-enhancing technologies.

The core is plain Python, NumPy and PyNaCl, small enough to read: :mod:`privlab.dp`
(differential privacy), :mod:`privlab.mpc` (secure multi-party computation),
:mod:`privlab.fl` (on-device learning), :mod:`privlab.crypto` (end-to-end
encryption) and :mod:`privlab.lift` (Private Lift). Each lesson's charts, demos and
checks live in :mod:`privlab.lessons`, which the core never imports. Only
``privlab.dp`` loads with the package; the parts that need PyNaCl load on first use.
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
    if name in ("mpc", "fl", "crypto", "lift"):
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
    "lift",
    "mpc",
]
