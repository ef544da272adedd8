"""Shared by the whole test run: each lesson's outputs as nbval produced them.

``make test`` runs every lesson under nbval first. ``tests/test_notebooks.py``
then reads what the cells showed from that run instead of running each lesson
a second time; run on its own, it runs the lessons itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # notebook path -> [(cell source, outputs)], one entry per code cell nbval ran
    config.privlab_lesson_runs = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    finally:
        outputs = getattr(item, "test_outputs", None)
        cell = getattr(item, "cell", None)
        if cell is not None and hasattr(item, "cell_num"):
            runs = item.config.privlab_lesson_runs.setdefault(Path(item.path).resolve(), [])
            runs.append((cell.source, outputs))
