"""The student and instructor versions written by ``scripts/make_versions.py``.

The first tests run the transform on a small notebook made here. The others
build both versions of every lesson. The student version is run: it must
run to the end with every exercise check saying "not attempted yet" and no
trace of the worked solutions. The instructor version must hold the lesson's
own code, cell for cell, with the solutions shown: ``tests/test_notebooks.py``
runs that code (every solution must pass its check), so it is not run twice.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from notebook_tools import output_texts, run_notebook

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def load_script():
    spec = importlib.util.spec_from_file_location(
        "make_versions", ROOT / "scripts" / "make_versions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


versions = load_script()

STUB = 'raise NotImplementedError("Exercise: write your solution here")'
HIDDEN_SOLUTION = {"jupyter": {"source_hidden": True}, "tags": ["solution"]}
SOLUTION_SOURCE = (
    "%%solution\n"
    "# Solution: try the exercise first!\n"
    "# BEGIN SOLUTION\n"
    "def area(radius):\n"
    "    return math.pi * radius**2\n"
    "# END SOLUTION\n"
    "check_area(area)"
)


# --------------------------------------------------------------------------
# The transform, on a small notebook
# --------------------------------------------------------------------------


def small_lesson() -> nbformat.NotebookNode:
    """A title, a set-up cell with an output, an exercise in three cells, a marked function."""
    setup = new_code_cell("import math", id="setup", execution_count=3)
    setup.outputs = [new_output("stream", name="stdout", text="ready\n")]
    return new_notebook(
        cells=[
            new_markdown_cell("# 99 · A test lesson\n\nA short story.", id="title"),
            setup,
            new_code_cell("def area(radius):\n    ...", id="stub"),
            new_code_cell("check_area(area)", id="check"),
            new_code_cell(SOLUTION_SOURCE, id="solution", metadata=HIDDEN_SOLUTION),
            new_code_cell(
                "def grow(x):\n"
                "    y = x\n"
                "    # BEGIN SOLUTION\n"
                "    y = x + 1\n"
                "    return y\n"
                "    # END SOLUTION\n",
                id="inline",
            ),
            new_markdown_cell("## Takeaways\n\n- Areas grow fast.", id="end"),
        ]
    )


def cell_by_id(notebook, cell_id):
    return next(cell for cell in notebook.cells if cell.id == cell_id)


def test_region_becomes_a_stub_at_its_indentation():
    source = (
        "def f(x):\n"
        "    a = 1\n"
        "    # BEGIN SOLUTION\n"
        "    b = a + x\n"
        "\n"
        "    return b\n"
        "    # END SOLUTION\n"
        "    c = 2\n"
    )
    expected = f"def f(x):\n    a = 1\n    {STUB}\n    c = 2\n"
    assert versions.replace_solutions(source, "test") == expected


def test_every_region_of_a_cell_is_replaced():
    source = (
        "# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n"
        "between = True\n"
        "if between:\n    # BEGIN SOLUTION\n    y = 2\n    # END SOLUTION"
    )
    expected = f"{STUB}\nbetween = True\nif between:\n    {STUB}"
    assert versions.replace_solutions(source, "test") == expected


def test_source_without_markers_is_unchanged():
    source = "def f(x):\n    ...\n"
    assert versions.replace_solutions(source, "test") == source


def test_student_version_drops_solution_cells_and_stubs_regions():
    lesson = small_lesson()
    student = versions.student_version(lesson, "99-test.ipynb")
    ids = [cell.id for cell in student.cells]
    assert ids == ["title", "student-version-note", "setup", "stub", "check", "inline", "end"]
    assert cell_by_id(student, "inline").source == f"def grow(x):\n    y = x\n    {STUB}\n"
    for cell_id in ("title", "stub", "check", "end"):
        original, copy = cell_by_id(lesson, cell_id), cell_by_id(student, cell_id)
        assert copy == original, f"cell {cell_id} should be untouched"


@pytest.mark.parametrize(
    "metadata",
    [{"tags": ["solution"]}, {"jupyter": {"source_hidden": True}}, HIDDEN_SOLUTION],
    ids=["tagged", "hidden", "both"],
)
def test_a_tagged_or_hidden_cell_with_markers_is_a_solution_cell(metadata):
    lesson = small_lesson()
    cell_by_id(lesson, "solution").metadata = metadata
    student = versions.student_version(lesson, "99-test.ipynb")
    assert "solution" not in [cell.id for cell in student.cells]


def test_a_hidden_cell_without_markers_is_kept():
    lesson = small_lesson()
    lesson.cells.append(new_code_cell("print('hidden')", id="quiet", metadata=HIDDEN_SOLUTION))
    student = versions.student_version(lesson, "99-test.ipynb")
    assert cell_by_id(student, "quiet").source == "print('hidden')"


def test_versions_strip_outputs_and_leave_the_lesson_alone():
    lesson = small_lesson()
    before = nbformat.writes(lesson)
    for make in (versions.student_version, versions.instructor_version):
        setup = cell_by_id(make(lesson, "99-test.ipynb"), "setup")
        assert setup.outputs == [] and setup.execution_count is None
    assert nbformat.writes(lesson) == before


def test_versions_are_valid_with_unique_ids_and_the_same_every_time():
    lesson = small_lesson()
    for make in (versions.student_version, versions.instructor_version):
        notebook = make(lesson, "99-test.ipynb")
        nbformat.validate(notebook)
        ids = [cell.id for cell in notebook.cells]
        assert len(ids) == len(set(ids))
        assert nbformat.writes(notebook) == nbformat.writes(make(lesson, "99-test.ipynb"))


def test_missing_or_repeated_ids_are_replaced():
    lesson = small_lesson()
    lesson.nbformat_minor = 4
    for cell in lesson.cells[:3]:
        cell.pop("id")
    lesson.cells[6].id = lesson.cells[5].id
    for make in (versions.student_version, versions.instructor_version):
        notebook = make(lesson, "99-test.ipynb")
        nbformat.validate(notebook)
        ids = [cell.id for cell in notebook.cells]
        assert all(ids) and len(ids) == len(set(ids))


def test_instructor_version_shows_solutions():
    lesson = small_lesson()
    instructor = versions.instructor_version(lesson, "99-test.ipynb")
    assert instructor.cells[1].source == versions.INSTRUCTOR_NOTE
    solution = cell_by_id(instructor, "solution")
    assert solution.source == SOLUTION_SOURCE
    assert solution.metadata == {"tags": ["solution"]}
    assert cell_by_id(instructor, "inline").source == cell_by_id(lesson, "inline").source


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("# BEGIN SOLUTION\nx = 1\n", "no matching"),
        ("x = 1\n# END SOLUTION\n", "no '# BEGIN SOLUTION' before it"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "cannot be nested"),
    ],
    ids=["begin-only", "end-only", "nested"],
)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "solution-cell"])
def test_unpaired_markers_name_the_notebook_and_cell(source, problem, hidden):
    lesson = small_lesson()
    metadata = HIDDEN_SOLUTION if hidden else {}
    lesson.cells.insert(2, new_code_cell(source, id="broken", metadata=metadata))
    for make in (versions.student_version, versions.instructor_version):
        with pytest.raises(ValueError, match=r"99-test\.ipynb, cell 2 \(id broken\)") as error:
            make(lesson, "99-test.ipynb")
        assert problem in str(error.value)


def test_script_writes_both_versions_and_removes_stale_copies(tmp_path, capsys):
    stale = tmp_path / "student" / "98-removed-lesson.ipynb"
    stale.parent.mkdir()
    stale.write_text("{}", encoding="utf-8")
    assert versions.main(["--out", str(tmp_path)]) == 0
    for version in ("student", "instructor"):
        written = sorted(path.name for path in (tmp_path / version).glob("*.ipynb"))
        assert written == [lesson.name for lesson in LESSONS]
    assert not stale.exists()
    assert capsys.readouterr().out.count("wrote ") == 2 * len(LESSONS)


def test_script_writes_nothing_when_a_lesson_is_broken(tmp_path, monkeypatch, capsys):
    lessons = tmp_path / "notebooks"
    lessons.mkdir()
    broken = small_lesson()
    broken.cells[1].source = "# BEGIN SOLUTION\nx = 1"
    nbformat.write(broken, lessons / "99-broken.ipynb")
    monkeypatch.setattr(versions, "LESSONS", lessons)
    assert versions.main(["--out", str(tmp_path / "build")]) == 1
    assert "99-broken.ipynb, cell 1" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


# --------------------------------------------------------------------------
# Every lesson: no solution leaks, and both versions run
# --------------------------------------------------------------------------

REGION = re.compile(
    r"^[^\n]*# BEGIN SOLUTION[^\n]*\n(.*?)^[^\n]*# END SOLUTION[^\n]*$", re.MULTILINE | re.DOTALL
)
FEEDBACK = re.compile(
    r"^(?:\[solution's output, folded\] )?(?:\[ok\]|\[x\]|\[\.\.\.\]|\[!\]) "
    r"(?P<exercise>.+?), "
    r"(?P<status>correct|not quite|not attempted yet|your code raised an error):"
)
VERDICTS = re.compile(r"\bcorrect\b|not quite|raised an error", re.IGNORECASE)


def code_part(line: str) -> str:
    return line.split("#", 1)[0].strip()


def secret_lines(lesson) -> set[str]:
    """The code inside the lesson's solution regions that appears nowhere else in it.

    Lines a stub shares with its solution (a ``def`` line, a docstring) are
    not secret, and neither are short lines such as ``else:``.
    """
    inside, outside = set(), set()
    for cell in lesson.cells:
        for region in REGION.finditer(cell.source):
            inside.update(code_part(line) for line in region.group(1).splitlines())
        outside.update(code_part(line) for line in REGION.sub("", cell.source).splitlines())
    return {line for line in inside - outside if len(line) >= 8}


def feedback(cell) -> list[tuple[str, str]]:
    """(exercise, status) of each exercise-check output of a cell."""
    found = []
    for output in cell.get("outputs", []):
        match = FEEDBACK.match(output.get("data", {}).get("text/plain", ""))
        if match:
            found.append((match["exercise"], match["status"]))
    return found


def errors(notebook) -> list[str]:
    return [
        f"cell {index}: {output.ename}: {output.evalue}"
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def count_solutions(lesson) -> int:
    return sum(versions.is_solution_cell(cell) for cell in lesson.cells)


@pytest.fixture(scope="module", params=LESSONS, ids=[path.stem for path in LESSONS])
def built(request, tmp_path_factory):
    """The lesson, and the folder holding its student/ and instructor/ versions."""
    out = tmp_path_factory.mktemp(request.param.stem)
    versions.write_versions([request.param], out)
    return nbformat.read(request.param, as_version=4), out / "student" / request.param.name


@pytest.fixture(scope="module")
def student_run(built):
    lesson, student_path = built
    return lesson, run_notebook(student_path)


def leaks(lesson, notebook) -> list[str]:
    """Where the notebook holds solution code, markers or hidden cells of the lesson."""
    secrets = secret_lines(lesson)
    assert secrets, "expected the lesson to have worked solutions"
    found = []
    for index, cell in enumerate(notebook.cells):
        if versions.is_hidden_or_tagged(cell):
            found.append(f"cell {index} is a hidden or solution-tagged cell")
        if cell.source.startswith("%%solution"):
            found.append(f"cell {index} is a %%solution cell")
        for text in ("# BEGIN SOLUTION", "# END SOLUTION", *sorted(secrets)):
            if text in cell.source:
                found.append(f"cell {index} holds {text!r}")
    return found


def test_no_solution_leaks_into_the_student_version(built):
    lesson, student_path = built
    student = nbformat.read(student_path, as_version=4)
    assert student.cells[1].source == versions.STUDENT_NOTE
    assert not leaks(lesson, student)


def test_the_leak_check_finds_every_solution_in_the_instructor_version(built):
    lesson, student_path = built
    instructor_path = student_path.parent.parent / "instructor" / student_path.name
    instructor = nbformat.read(instructor_path, as_version=4)
    found = leaks(lesson, instructor)
    assert len([text for text in found if "'# BEGIN SOLUTION'" in text]) == count_solutions(lesson)
    assert all(f"holds {line!r}" in " ".join(found) for line in secret_lines(lesson))


def test_student_version_runs_with_every_check_not_attempted(student_run):
    lesson, student = student_run
    assert not errors(student), errors(student)
    code_cells = [cell for cell in student.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code_cells), "not every cell ran"
    checks = [result for cell in code_cells for result in feedback(cell)]
    assert len(checks) == count_solutions(lesson), f"one check per exercise expected: {checks}"
    for exercise, status in checks:
        assert status == "not attempted yet", f"{exercise}: {status}"
    for index, cell in enumerate(code_cells):
        for text in output_texts(cell):
            assert not VERDICTS.search(text), f"code cell {index} says: {text[:300]}"


def test_instructor_version_is_the_lesson_with_its_solutions_shown(built):
    """The instructor version runs exactly the lesson's code, so the lesson's run stands for it."""
    lesson, student_path = built
    instructor = nbformat.read(
        student_path.parent.parent / "instructor" / student_path.name, as_version=4
    )
    added = [cell for cell in instructor.cells if cell.source == versions.INSTRUCTOR_NOTE]
    assert len(added) == 1 and added[0].cell_type == "markdown"
    kept = [cell for cell in instructor.cells if cell is not added[0]]
    assert [(c.cell_type, c.source) for c in kept] == [
        (c.cell_type, c.source) for c in lesson.cells
    ]
    solutions = [cell for cell in kept if versions.is_solution_cell(cell)]
    assert len(solutions) == count_solutions(lesson)
    for cell in solutions:
        assert "source_hidden" not in cell.metadata.get("jupyter", {})
