"""What each lesson adds to the core: its charts, demos and exercise checks.

The core (:mod:`privlab.dp`, :mod:`privlab.mpc`, :mod:`privlab.fl`,
:mod:`privlab.crypto`, :mod:`privlab.lift`) holds the ideas. Each lesson's
folder holds only what that lesson shows with them:

* ``figures.py``: plotly charts, plain functions of the parameters;
* ``demos.py``: the interactive demos (ipywidgets), each a :class:`~privlab.lessons.kit.demo.Demo`;
* ``checks.py``: the checks of the lesson's exercises.

:mod:`privlab.lessons.kit` is what every lesson shares: feedback boxes, the
demo frame and the chart style. ``%load_ext privlab.lessons`` in a notebook
registers the ``%%solution`` cell magic.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# Lesson number -> its folder here (the notebook is notebooks/NN-*.ipynb).
LESSONS = {
    "00": "start_here",
    "01": "noisy_counts",
    "02": "privacy_budgets",
    "03": "secret_sharing",
    "04": "private_lift",
    "05": "on_device_learning",
    "06": "end_to_end_encryption",
    "07": "backups",
}


def all_demos() -> dict[str, Callable[[], Any]]:
    """Every lesson's demos by name, in lesson order (the tests and benchmarks sweep them)."""
    demos: dict[str, Callable[[], Any]] = {}
    for folder in LESSONS.values():
        module = importlib.import_module(f"{__name__}.{folder}.demos")
        demos.update(getattr(module, "DEMOS", {}))
    return demos


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext privlab.lessons``: register the ``%%solution`` cell magic."""
    from .kit.feedback import load_ipython_extension as load

    load(ipython)
