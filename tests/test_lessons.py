"""Run each lesson once and check its exercises end to end.

nbval (part of ``make test``) already checks that every cell runs. These tests
look at what the cells *say*: an untouched exercise stub must give "not
attempted yet" (never an error), and every hidden solution must pass its own
check, so the checks and the worked solutions can never drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from notebook_tools import output_texts, run_notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def output_text(cell) -> str:
    return "\n".join(output_texts(cell))


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def executed(request):
    return run_notebook(request.param)


def test_no_cell_shows_an_error(executed):
    for index, cell in enumerate(executed.cells):
        if cell.cell_type == "code":
            assert "ERROR" not in output_text(cell), f"cell {index}: {output_text(cell)[:300]}"


def test_every_solution_passes_its_check(executed):
    solutions = [
        (index, cell)
        for index, cell in enumerate(executed.cells)
        if "# BEGIN SOLUTION" in cell.source
    ]
    assert solutions, "a lesson needs at least one exercise with a solution"
    for index, cell in solutions:
        text = output_text(cell)
        assert "correct:" in text.lower() and "not quite" not in text.lower(), (
            f"solution in cell {index} does not pass its check: {text[:300]}"
        )


def test_untouched_stubs_say_not_attempted(executed):
    for index, cell in enumerate(executed.cells):
        if "# BEGIN SOLUTION" not in cell.source:
            continue
        check = executed.cells[index - 1]
        assert "not attempted yet" in output_text(check).lower(), (
            f"the check before the solution in cell {index} should say 'not attempted yet' "
            f"while the stub holds `...`; it says: {output_text(check)[:300]}"
        )
