"""Write the student and instructor versions of the lessons.

Usage (from the repository root)::

    python scripts/make_versions.py [--out build]

For every ``notebooks/NN-*.ipynb`` this writes two copies, without outputs:

``build/student/NN-*.ipynb``
    Every region from a line containing ``# BEGIN SOLUTION`` to the line
    containing ``# END SOLUTION`` (both included) is replaced by one line, at
    the indentation of the ``# BEGIN SOLUTION`` line::

        raise NotImplementedError("Exercise: write your solution here")

    Solution cells (tagged ``solution``, or hidden with
    ``jupyter.source_hidden``, and holding the markers) are removed
    altogether, so the exercise stubs with their ``...`` stay as they are. A
    note after the title cell says that solutions are not included.

``build/instructor/NN-*.ipynb``
    The lesson as it is, with its solution cells expanded (no
    ``jupyter.source_hidden``) and a note after the title cell.

Copies of lessons that no longer exist are removed from both folders. The
lessons need no other files: they load their data through the installed
``privlab`` package, so the notebooks run from the build folder as they are.

Markers must come in pairs; an unpaired or nested marker stops the script
with an error that names the notebook and the cell.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "notebooks"

BEGIN_MARKER = "# BEGIN SOLUTION"
END_MARKER = "# END SOLUTION"
STUB = 'raise NotImplementedError("Exercise: write your solution here")'
STUDENT_NOTE = "> **Student version:** solutions are not included."
INSTRUCTOR_NOTE = "> **Instructor version:** solutions are shown after each exercise."


# --------------------------------------------------------------------------
# Solution regions in one cell's source
# --------------------------------------------------------------------------


def solution_regions(source: str, where: str) -> list[tuple[int, int]]:
    """Line numbers (0-based, inclusive) of each BEGIN ... END region in ``source``.

    ``where`` names the notebook and cell in error messages.
    """
    regions = []
    begin = None
    for number, line in enumerate(source.splitlines()):
        if BEGIN_MARKER in line:
            if begin is not None:
                raise ValueError(
                    f"{where}: {BEGIN_MARKER!r} on line {number + 1} comes before the "
                    f"{END_MARKER!r} of the one on line {begin + 1}; regions cannot be nested."
                )
            begin = number
        elif END_MARKER in line:
            if begin is None:
                raise ValueError(
                    f"{where}: {END_MARKER!r} on line {number + 1} has no {BEGIN_MARKER!r} "
                    "before it."
                )
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise ValueError(
            f"{where}: {BEGIN_MARKER!r} on line {begin + 1} has no matching {END_MARKER!r}."
        )
    return regions


def replace_solutions(source: str, where: str) -> str:
    """``source`` with each solution region replaced by the stub, indented like its BEGIN line."""
    regions = solution_regions(source, where)
    if not regions:
        return source
    lines = source.splitlines(keepends=True)
    for begin, end in reversed(regions):
        first = lines[begin]
        indent = first[: len(first) - len(first.lstrip())]
        ending = lines[end][len(lines[end].rstrip("\r\n")) :]
        lines[begin : end + 1] = [indent + STUB + ending]
    return "".join(lines)


# --------------------------------------------------------------------------
# Cells and notebooks
# --------------------------------------------------------------------------


def is_hidden_or_tagged(cell: NotebookNode) -> bool:
    """True for a cell tagged ``solution`` or with ``jupyter.source_hidden`` set."""
    metadata = cell.get("metadata", {})
    hidden = bool(metadata.get("jupyter", {}).get("source_hidden", False))
    return hidden or "solution" in metadata.get("tags", [])


def is_solution_cell(cell: NotebookNode) -> bool:
    """True for a hidden or ``solution``-tagged cell that holds a solution region."""
    return is_hidden_or_tagged(cell) and BEGIN_MARKER in cell.source


def describe(name: str, index: int, cell: NotebookNode) -> str:
    """How error messages name a cell: notebook, position and id."""
    return f"{name}, cell {index} (id {cell.get('id', 'none')})"


def check_markers(notebook: NotebookNode, name: str) -> None:
    """Raise ValueError if any cell of the notebook has unpaired or nested markers."""
    for index, cell in enumerate(notebook.cells):
        solution_regions(cell.source, describe(name, index, cell))


def strip_outputs(notebook: NotebookNode) -> None:
    """Remove outputs, execution counts and saved widget state, in place."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)


def insert_note(notebook: NotebookNode, text: str, cell_id: str) -> None:
    """Add a markdown cell after the title cell (the first ``# `` heading), or at the top."""
    position = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            position = index + 1
            break
    note = nbformat.v4.new_markdown_cell(text)
    note.id = cell_id
    notebook.cells.insert(position, note)


def ensure_cell_ids(notebook: NotebookNode) -> None:
    """Give every cell a unique id (nbformat 4.5), keeping the ids that are already unique."""
    notebook.nbformat, notebook.nbformat_minor = 4, max(5, notebook.nbformat_minor)
    seen: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen:
            cell_id = f"cell-{index}"
            while cell_id in seen:
                cell_id += "-x"
            cell.id = cell_id
        seen.add(cell_id)


def student_version(lesson: NotebookNode, name: str) -> NotebookNode:
    """The lesson without its solution cells and with every solution region stubbed out."""
    check_markers(lesson, name)
    notebook = copy.deepcopy(lesson)
    notebook.cells = [cell for cell in notebook.cells if not is_solution_cell(cell)]
    for index, cell in enumerate(notebook.cells):
        cell.source = replace_solutions(cell.source, describe(name, index, cell))
    strip_outputs(notebook)
    insert_note(notebook, STUDENT_NOTE, "student-version-note")
    ensure_cell_ids(notebook)
    return notebook


def instructor_version(lesson: NotebookNode, name: str) -> NotebookNode:
    """The lesson with its solution cells expanded."""
    check_markers(lesson, name)
    notebook = copy.deepcopy(lesson)
    for cell in notebook.cells:
        if is_solution_cell(cell):
            jupyter = cell.metadata.get("jupyter", {})
            jupyter.pop("source_hidden", None)
            if not jupyter:
                cell.metadata.pop("jupyter", None)
    strip_outputs(notebook)
    insert_note(notebook, INSTRUCTOR_NOTE, "instructor-version-note")
    ensure_cell_ids(notebook)
    return notebook


VERSIONS = {"student": student_version, "instructor": instructor_version}


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    """Validate the notebook, then write it."""
    nbformat.validate(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def write_versions(lessons: Sequence[Path], out: Path) -> list[Path]:
    """Write both versions of each lesson under ``out``; return the files written.

    Every lesson is transformed before anything is written, so a marker error
    leaves the build folder as it was.
    """
    planned = []
    for lesson_path in lessons:
        lesson = nbformat.read(lesson_path, as_version=4)
        for version, make in VERSIONS.items():
            planned.append((make(lesson, lesson_path.name), out / version / lesson_path.name))
    for version in VERSIONS:
        wanted = {lesson_path.name for lesson_path in lessons}
        for stale in sorted((out / version).glob("*.ipynb")):
            if stale.name not in wanted:
                stale.unlink()
    for notebook, path in planned:
        write_notebook(notebook, path)
    return [path for _, path in planned]


def shown(path: Path) -> str:
    """The path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write student and instructor versions.")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "build",
        help="folder for student/ and instructor/ (default: build in the repository root)",
    )
    arguments = parser.parse_args(argv)
    lessons = sorted(LESSONS.glob("*.ipynb"))
    if not lessons:
        print(f"No lessons found in {shown(LESSONS)}.", file=sys.stderr)
        return 1
    try:
        written = write_versions(lessons, arguments.out)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print("wrote", shown(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
