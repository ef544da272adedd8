"""Checks on how privlab is packaged and how the repository is kept.

* ``environment.yml`` (Binder) and ``pyproject.toml`` name the same runtime
  packages, and the Binder pins satisfy the pyproject version ranges;
* the installed versions satisfy pyproject too;
* ``import privlab`` and the core modules stay free of Jupyter and plotting code;
* every notebook is stripped, valid, and has the parts each lesson must have;
* README, CI script and LICENSE say what they must;
* no file holds an absolute path of the machine it was written on.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from notebook_tools import read_environment_yml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
TEST_EXTRA = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["test"]]

# Not installed by `import privlab`, nor by the core modules.
JUPYTER_AND_PLOTTING = ("plotly", "ipywidgets", "anywidget", "IPython", "ipykernel", "jupyter")
CORE_MODULES = ["privlab.dp", "privlab.mpc", "privlab.fl", "privlab.crypto"]


# --- environment.yml and pyproject.toml ---------------------------------------------


CONDA, PIP_LINES = read_environment_yml(ROOT / "environment.yml")


def test_environment_yml_lists_the_runtime_dependencies():
    in_conda = set(CONDA) - {"python", "pip"}
    in_pyproject = {canonicalize_name(req.name) for req in RUNTIME}
    assert in_conda == in_pyproject, (
        "environment.yml and pyproject.toml list different runtime packages; "
        f"only in environment.yml: {sorted(in_conda - in_pyproject)}, "
        f"only in pyproject.toml: {sorted(in_pyproject - in_conda)}"
    )


def test_environment_yml_pins_satisfy_pyproject():
    problems = []
    for req in RUNTIME:
        pinned = CONDA.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req.name} is not pinned to one version (name=version)")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}={pinned} does not satisfy {req}")
    assert not problems, "environment.yml: " + "; ".join(problems)


def test_environment_yml_python_is_311_and_allowed():
    assert CONDA.get("python") == "3.11", "environment.yml must pin python=3.11"
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert requires.contains("3.11"), f"python=3.11 does not satisfy requires-python {requires}"


def test_environment_yml_installs_privlab_with_pip():
    assert "pip" in CONDA, "environment.yml must list pip"
    assert {"-e .", "."} & set(PIP_LINES), "environment.yml must pip-install privlab (-e .)"


@pytest.mark.parametrize("req", RUNTIME + TEST_EXTRA, ids=str)
def test_installed_version_satisfies_pyproject(req):
    if req.marker and not req.marker.evaluate({"extra": "test"}):
        pytest.skip(f"{req} does not apply to this Python")
    try:
        installed = importlib.metadata.version(req.name)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{req.name} is not installed (pyproject.toml asks for {req})")
    assert req.specifier.contains(installed, prereleases=True), (
        f"{req.name} {installed} is installed, but pyproject.toml asks for {req}"
    )


# --- light imports ------------------------------------------------------------------


def modules_loaded_by(module: str) -> list[str]:
    """Import ``module`` in a fresh interpreter; return the modules that import added."""
    code = (
        "import importlib, json, sys\n"
        "before = set(sys.modules)\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"import {module} failed:\n{result.stderr}"
    return json.loads(result.stdout)


def heavy_modules(modules: list[str]) -> list[str]:
    top_level = {name.split(".")[0] for name in modules}
    return sorted(name for name in top_level if name.startswith(JUPYTER_AND_PLOTTING))


def test_import_privlab_is_light():
    heavy = heavy_modules(modules_loaded_by("privlab"))
    assert not heavy, f"`import privlab` loads {heavy}; import them only in viz/widgets"


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_is_light(module):
    path = ROOT.joinpath(*module.split("."))
    if not (path.with_suffix(".py").exists() or (path / "__init__.py").exists()):
        pytest.skip(f"{module} does not exist yet")
    heavy = heavy_modules(modules_loaded_by(module))
    assert not heavy, f"`import {module}` loads {heavy}; core modules must not"


# --- notebooks ----------------------------------------------------------------------


def notebook_params():
    paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if not paths:
        skip = pytest.mark.skip(reason="no notebooks in notebooks/ yet")
        return [pytest.param(None, marks=skip, id="no-notebooks")]
    return [pytest.param(path, id=path.name) for path in paths]


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)


def text(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def markdown_headings(nb) -> list[str]:
    return [
        line.lstrip("#").strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in text(cell).splitlines()
        if re.match(r"^#{1,6}\s", line)
    ]


def test_notebook_folder_exists():
    assert NOTEBOOK_DIR.is_dir(), "the notebooks/ folder is missing"


@pytest.mark.parametrize("path", notebook_params())
def test_notebook_file_name(path):
    assert re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", path.name), (
        f"{path.name}: name notebooks like 01-some-lesson.ipynb (two digits, lowercase, dashes)"
    )


@pytest.mark.parametrize("path", notebook_params())
def test_notebook_is_valid(path):
    nb = load(path)
    assert nb.nbformat == 4, f"{path.name}: nbformat {nb.nbformat}, expected 4"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        pytest.fail(f"{path.name} is not a valid notebook: {error.message}")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path.name}: kernelspec name is {kernel!r}, expected 'python3'"


@pytest.mark.parametrize("path", notebook_params())
def test_notebook_is_stripped(path):
    nb = load(path)
    problems = []
    if "widgets" in nb.metadata:
        problems.append("notebook metadata has saved widget state (metadata.widgets)")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {index} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {index} has an execution count")
    assert not problems, f"{path.name}: " + "; ".join(problems) + " (run `make strip`)"


@pytest.mark.parametrize("path", notebook_params())
def test_notebook_opens_with_title_goals_and_time(path):
    nb = load(path)
    assert nb.cells, f"{path.name} has no cells"
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{path.name}: cell 0 must be a Markdown cell"
    source = text(first)
    missing = [
        what
        for what, pattern in [
            ("a level-1 title (# Title)", r"(?m)^#\s+\S"),
            ("the learning goals", r"(?i)learning goals"),
            ("a time estimate (e.g. 30 minutes)", r"(?i)\b\d+\s*(?:min|mins|minutes)\b"),
        ]
        if not re.search(pattern, source)
    ]
    assert not missing, f"{path.name}: cell 0 lacks " + ", ".join(missing)


@pytest.mark.parametrize("path", notebook_params())
def test_notebook_has_takeaways_and_further_reading(path):
    headings = [heading.lower() for heading in markdown_headings(load(path))]
    for wanted in ("takeaways", "further reading"):
        assert any(wanted in heading for heading in headings), (
            f"{path.name}: no Markdown heading containing {wanted!r}"
        )


@pytest.mark.parametrize("path", notebook_params())
def test_solution_cells_are_closed_and_hidden(path):
    problems = []
    for index, cell in enumerate(load(path).cells):
        source = text(cell)
        if "# BEGIN SOLUTION" not in source:
            continue
        begin, end = source.count("# BEGIN SOLUTION"), source.count("# END SOLUTION")
        if begin != end or source.rfind("# END SOLUTION") < source.rfind("# BEGIN SOLUTION"):
            problems.append(f"cell {index}: each # BEGIN SOLUTION needs an # END SOLUTION after it")
        if cell.metadata.get("jupyter", {}).get("source_hidden") is not True:
            problems.append(f"cell {index}: a solution cell needs jupyter.source_hidden = true")
    assert not problems, f"{path.name}: " + "; ".join(problems)


THINK_ANSWER = re.compile(
    r"\A\*\*Think!\*\* \S.*?\n\n<details>\n"
    r"<summary>Answer \(open it after you have thought about it\)</summary>\n\n"
    r"\S.*?\n\n</details>\s*\Z",
    re.S,
)


@pytest.mark.parametrize("path", notebook_params())
def test_think_questions_have_collapsed_answers(path):
    """3 to 5 Think! questions per lesson (1 or 2 in lesson 00), each with its answer folded."""
    cells = [text(cell) for cell in load(path).cells if cell.cell_type == "markdown"]
    questions = [source for source in cells if "**Think!**" in source]
    low, high = (1, 2) if path.name.startswith("00") else (3, 5)
    assert low <= len(questions) <= high, (
        f"{path.name}: {len(questions)} Think! questions, expected {low} to {high}"
    )
    for source in questions:
        assert THINK_ANSWER.match(source) and source.count("<details") == 1, (
            f"{path.name}: this Think! cell does not have the shape of docs/writing-lessons.md "
            f"(question, then one closed <details> with the answer): {source[:80]!r}"
        )


def test_course_map_links_every_lesson_with_its_time():
    """Lesson 00's map and the README's table name each lesson with the time its title states."""
    start = load(NOTEBOOK_DIR / "00-start-here.ipynb")
    course_map = "\n".join(text(cell) for cell in start.cells if "course map" in text(cell).lower())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        title = text(load(path).cells[0])
        minutes = re.search(r"(?i)time needed:\*\*\s*about (\d+) minutes", title)
        assert minutes, f"{path.name}: the title cell should say '**Time needed:** about N minutes'"
        for where, table in (("lesson 00's course map", course_map), ("README.md", readme)):
            row = next(
                (
                    line
                    for line in table.splitlines()
                    if f"]({path.name})" in line or f"](notebooks/{path.name})" in line
                ),
                None,
            )
            if path.name.startswith("00") and where != "README.md":
                continue
            assert row, f"{where} has no row linking to {path.name}"
            assert f"{minutes[1]} min" in row, (
                f"{where}: the row for {path.name} should give {minutes[1]} min, as the lesson does"
            )


# --- repository files ---------------------------------------------------------------


def test_readme_explains_make_lab_and_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("make lab", "make test"):
        assert command in readme, f"README.md does not mention `{command}`"


def test_ci_runs_make_test():
    script = ROOT / ".ci" / "run"
    assert re.search(r"(?m)^\s*make test\b", script.read_text(encoding="utf-8")), (
        ".ci/run must call `make test`"
    )
    assert os.access(script, os.X_OK), ".ci/run must be executable"


def test_license_exists():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in license_text and "CC BY 4.0" in license_text


# Used when git is not at hand; with git, .gitignore decides.
SKIPPED_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}
SKIPPED_DIRS |= {".hypothesis", ".ipynb_checkpoints", ".virtual_documents", "node_modules"}
# Built from pieces so that this file does not match itself.
MACHINE_DIRS = ["wo" + "rk", "tm" + "p", "ro" + "ot", "ho" + "me"]
MACHINE_PATH = re.compile(r"(?<![\w.~/-])/(?:" + "|".join(MACHINE_DIRS) + r")/")


def repository_files() -> list[Path]:
    """Files git would commit (tracked, or untracked and not ignored)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):  # no git, or not a git work tree
        return walk_files()
    paths = (ROOT / os.fsdecode(name) for name in listed.split(b"\0") if name)
    return [path for path in paths if path.is_file()]


def walk_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        found += [Path(folder, name) for name in files]
    return found


def test_no_absolute_machine_paths():
    found = []
    for path in repository_files():
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "absolute paths of a machine in the repository:\n" + "\n".join(found)


READ_THE_CODE = re.compile(r"\*\*Read the code:\*\*(.*)", re.S)
CODE_POINTER = re.compile(r"`(privlab/[\w/]+\.py)`((?:,? ?(?:and )?`\w+(?:\.\w+)?`)*)")


def code_pointers(source: str) -> list[tuple[str, list[str]]]:
    """(file, names) for each ``privlab/...py`` a "Read the code" line points to."""
    found = READ_THE_CODE.search(source)
    if not found:
        return []
    return [
        (path, re.findall(r"`(\w+(?:\.\w+)?)`", names))
        for path, names in CODE_POINTER.findall(found.group(1))
    ]


def defined_names(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{m.name}" for m in node.body if hasattr(m, "name")}
    return names


@pytest.mark.parametrize("path", notebook_params())
def test_takeaways_point_to_the_code_to_read(path):
    """Each lesson's takeaways end with where in privlab its ideas are: files and functions."""
    sections = [
        re.split(r"(?m)^#+ ", found.group(1), maxsplit=1)[0]
        for cell in load(path).cells
        if cell.cell_type == "markdown"
        for found in [re.search(r"(?ms)^#+ .*?takeaways.*?$(.*)", text(cell), re.I)]
        if found
    ]
    assert sections, f"{path.name}: no Takeaways section"
    pointers = code_pointers(sections[0])
    assert pointers, f"{path.name}: the takeaways need a '**Read the code:**' line"
    for file, names in pointers:
        assert (ROOT / file).exists(), f"{path.name} points to {file}, which does not exist"
        missing = set(names) - defined_names(ROOT / file)
        assert not missing, f"{path.name}: {file} defines no {sorted(missing)}"


def test_a_stale_code_pointer_is_found():
    line = "**Read the code:** `privlab/dp/mechanisms.py`, `laplace_mechanism` and `gone`."
    assert code_pointers(line) == [("privlab/dp/mechanisms.py", ["laplace_mechanism", "gone"])]
    assert "gone" not in defined_names(ROOT / "privlab/dp/mechanisms.py")
