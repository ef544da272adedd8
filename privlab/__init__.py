"""privlab: a teaching lab for privacy-enhancing technologies.

The core modules are plain Python, NumPy and PyNaCl, small enough to read:

* :mod:`privlab.dp`: differential privacy (mechanisms, budgets, attacks, exact sampling, audits).
* :mod:`privlab.mpc`: secure multi-party computation (secret sharing, secure sums and
  products, private set intersection).
* :mod:`privlab.fl`: on-device (federated) learning, its attacks and defences.
* :mod:`privlab.crypto`: end-to-end encrypted messaging and backups with PyNaCl.
* :mod:`privlab.lift`: Private Lift, an ad campaign's lift measured by an
  advertiser and a publisher who do not show each other their data.

What each lesson adds (charts, demos, exercise checks) lives in
:mod:`privlab.lessons`, one folder per lesson; the core never imports it.

``privlab.dp`` loads with the package. ``privlab.mpc``, ``privlab.fl``,
``privlab.crypto`` and ``privlab.lift`` (which also need PyNaCl) load only when
a lesson asks for them (``from privlab import mpc``), so ``import privlab``
stays light.
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
    """Load the parts that need PyNaCl on first use: ``import privlab`` stays light."""
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
