"""Each lesson's exercises end to end, read from what its cells show.

nbval (part of ``make test``) already checks that every cell runs. These tests
look at what the cells *say*: an untouched exercise stub must give "not
attempted yet" (never an error), and every hidden solution must pass its own
check, so the checks and the worked solutions can never drift apart. The
instructor version of a lesson is its own code (``tests/test_versions.py``), so
these tests stand for it too.

Each lesson runs once per test run: the outputs come from nbval's run when it
ran the lesson before these tests (``make test`` runs the notebooks first), and
from a run of its own otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from notebook_tools import output_texts, run_notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def output_text(cell) -> str:
    return "\n".join(output_texts(cell))


def from_nbval(path: Path, runs: dict) -> nbformat.NotebookNode | None:
    """The lesson with the outputs nbval recorded, or None if nbval did not run all of it."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    ran = runs.get(path.resolve(), [])
    if len(ran) != len(code):
        return None
    if any(source != c.source or out is None for c, (source, out) in zip(code, ran, strict=True)):
        return None
    for cell, (_, outputs) in zip(code, ran, strict=True):
        cell.outputs = outputs
    return notebook


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def executed(request):
    runs = getattr(request.config, "privlab_lesson_runs", {})
    return from_nbval(request.param, runs) or run_notebook(request.param)


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


# --- which noise a lesson releases with (read, not run) ------------------------------------

RELEASE = re.compile(r"\.release\(\s*\"[^\"]*\",\s*(dp\.[\w.]+)")
EXACT_RELEASES = {"dp.exact_noisy_count", "dp.exact_gaussian_count", "dp.exact_clipped_sum"}


def cells_of(stem: str) -> list:
    return nbformat.read(next(p for p in NOTEBOOKS if p.stem == stem), as_version=4).cells


def test_the_releases_a_lesson_makes_draw_their_noise_exactly():
    """An accountant's release in a lesson uses an exact sampler, not a fast numpy one."""
    released = [
        (path.stem, name)
        for path in NOTEBOOKS
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
        for name in RELEASE.findall(cell.source)
    ]
    assert released, "lesson 02's accountant releases counts"
    assert [entry for entry in released if entry[1] not in EXACT_RELEASES] == []


@pytest.mark.parametrize(
    ("stem", "heading", "words"),
    [
        ("02-privacy-budgets", "## 5. Sums and means", ["floating-point", "dp.exact_clipped_sum"]),
        ("04-private-lift", "## 6. A differentially private", ["exact integer sampler"]),
        (
            "05-on-device-learning",
            "## 5. Differential privacy: DP-FedAvg",
            ["floating point", "Mironov, 2012", "Opacus", "discrete Gaussian", "Kairouz"],
        ),
    ],
)
def test_a_release_path_says_which_kind_of_noise_it_uses(stem, heading, words):
    """Where a lesson introduces a release, it says whether its noise is exact or floating-point."""
    intro = next(c for c in cells_of(stem) if c.source.startswith(heading))
    assert [word for word in words if word not in intro.source] == []
