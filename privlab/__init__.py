"""privlab: a teaching lab for privacy-enhancing technologies.

The core modules are plain Python, NumPy and PyNaCl, small enough to read:

* :mod:`privlab.dp`: differential privacy (mechanisms, budgets, attacks, exact sampling, audits).
* :mod:`privlab.mpc`: secure multi-party computation (secret sharing, secure sums and
  products, private set intersection).

Charts (:mod:`privlab.viz`), widgets (:mod:`privlab.widgets`) and exercise
checks (:mod:`privlab.exercises`) are imported only when a lesson asks for
them, so ``import privlab`` stays light.
"""

from __future__ import annotations

from . import dp, mpc
from .errors import (
    BudgetExceededError,
    InvalidParameterError,
    MixedSharesError,
    NotEnoughSharesError,
    PrivlabError,
    ReleaseConflictError,
)

__version__ = "0.1.0"

__all__ = [
    "BudgetExceededError",
    "InvalidParameterError",
    "MixedSharesError",
    "NotEnoughSharesError",
    "PrivlabError",
    "ReleaseConflictError",
    "__version__",
    "dp",
    "mpc",
]
