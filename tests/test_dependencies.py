"""Every package that privlab or a lesson imports is declared where it gets installed.

What counts as an import: each ``import x`` and ``from x import y`` (and
``importlib.import_module("x")`` with a literal name) in ``privlab/**/*.py`` and
in the code cells of ``notebooks/*.ipynb``, read with :mod:`ast`, never run.
In notebooks, IPython lines (``%magic``, ``%%cell_magic``, ``!shell``) are left
out before parsing; ``%load_ext x`` counts as an import of ``x``. Only the top
level of a name counts (``plotly`` for ``plotly.graph_objects``). Relative
imports, the standard library (``sys.stdlib_module_names``) and privlab itself
are skipped.

Each remaining module is mapped to the distribution that installs it with
``importlib.metadata.packages_distributions()`` (``nacl`` -> ``pynacl``,
``IPython`` -> ``ipython``); a module that is not installed at all is taken to
be its own distribution name.

The rule: a distribution is covered when it is

1. declared: listed in ``[project] dependencies`` of ``pyproject.toml`` *and*
   in ``environment.yml`` (conda or pip list), names compared after PEP 503
   normalisation; or
2. promised by a declared package: a *runtime* requirement of a package
   declared in both files, as its installed metadata states it
   (``importlib.metadata.requires``). Requirements that apply only to an extra
   (``; extra == "test"``) or whose environment marker does not hold here do
   not count. So ``IPython`` (required by ipywidgets) and ``packaging``
   (required by jupyterlab) are covered: the declared package itself promises
   them, wherever the environment is built (pip with pyproject, conda with
   environment.yml, whose packages carry the same run requirements).

Only direct requirements count, not requirements of requirements: those are
another project's implementation details and can disappear in any release (in
this environment the full closure holds dozens of distributions, PyYAML
among them). Import such a package and it must be declared.

Everything else fails, with the module, the files that import it and the lines
to add to each file. Test tools (the ``test`` extra) do not count as declared:
a lesson must run without them.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import nbformat
import pytest
from notebook_tools import read_environment_yml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "privlab"

# Cell magics whose body is Python; other cell magics (%%bash, %%html, ...) are skipped.
PYTHON_CELL_MAGICS = {"solution", "time", "timeit", "capture", "prun", "debug"}


# --- finding imports ------------------------------------------------------------------


def imported_modules(source: str) -> list[tuple[str, int]]:
    """Top-level names of the absolute imports in ``source``, with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            found.append((node.args[0].value.split(".")[0], node.lineno))
    return found


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def cell_python(source: str) -> str | None:
    """The Python of a code cell, or None when its body is not Python (``%%bash``...).

    IPython lines become blank lines, so line numbers stay right, except
    ``%load_ext x``, which becomes ``import x``.
    """
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return None
    kept = []
    for line in lines:
        stripped = line.strip()
        load = re.fullmatch(r"%load_ext\s+([\w.]+)", stripped)
        if load:
            kept.append(line[: len(line) - len(line.lstrip())] + f"import {load.group(1)}")
        else:
            kept.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(kept)


def privlab_sources() -> Iterator[tuple[str, str]]:
    """(``privlab/...py``, source) for every module of the package."""
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def notebook_sources() -> Iterator[tuple[str, str]]:
    """(``notebooks/NN-x.ipynb cell N``, Python source) for every code cell."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code = cell_python(cell.source)
            if code is not None:
                yield f"{path.relative_to(ROOT).as_posix()} cell {index}", code


def third_party_imports(sources: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Module -> the places (``file:line``) that import it, leaving out stdlib and privlab."""
    places: dict[str, list[str]] = {}
    for where, source in sources:
        try:
            modules = imported_modules(source)
        except SyntaxError as error:
            pytest.fail(f"{where}: cannot parse the code ({error.msg}, line {error.lineno})")
        for module, line in modules:
            if module in sys.stdlib_module_names or module == PACKAGE:
                continue
            places.setdefault(module, []).append(f"{where}:{line}")
    return places


# --- what is declared -----------------------------------------------------------------


def pyproject_runtime() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {canonicalize_name(Requirement(line).name) for line in data["project"]["dependencies"]}


def environment_yml_packages() -> set[str]:
    """Normalised names in the ``dependencies:`` of environment.yml (conda and pip lists)."""
    conda, pip = read_environment_yml(ROOT / "environment.yml")
    names = set(conda)
    for line in pip:
        name = re.match(r"[A-Za-z0-9_.-]+", line)
        if name and not line.startswith("-"):  # skip pip options such as `-e .`
            names.add(canonicalize_name(name.group(0)))
    return names


@cache
def runtime_requirements(distribution: str) -> tuple[Requirement, ...]:
    """The installed runtime requirements of ``distribution`` (none if not installed)."""
    try:
        lines = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return ()
    wanted = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            wanted.append(req)
    return tuple(wanted)


def promised_by(declared: Iterable[str]) -> dict[str, str]:
    """Distribution -> the declared package that lists it as a runtime requirement."""
    via: dict[str, str] = {}
    for parent in sorted(declared):
        for req in runtime_requirements(parent):
            via.setdefault(canonicalize_name(req.name), parent)
    return via


@cache
def import_names() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distributions_of(module: str) -> list[str]:
    names = import_names().get(module) or [module]
    return sorted({canonicalize_name(name) for name in names})


def suggested_pins(distribution: str) -> tuple[str, str]:
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return f'"{distribution}"', f"{distribution}=VERSION"
    major_minor = ".".join(version.split(".")[:2])
    return f'"{distribution}>={major_minor}"', f"{distribution}={version}"


def undeclared(
    imports: dict[str, list[str]], in_pyproject: set[str], in_environment: set[str]
) -> list[str]:
    """One message per imported module that the rule above does not cover."""
    via = promised_by(in_pyproject & in_environment)
    problems = []
    for module in sorted(imports):
        distributions = distributions_of(module)
        if any(
            (name in in_pyproject and name in in_environment) or name in via
            for name in distributions
        ):
            continue
        distribution = distributions[0]
        pyproject_line, conda_line = suggested_pins(distribution)
        where = ", ".join(imports[module][:3]) + (" ..." if len(imports[module]) > 3 else "")
        missing = []
        if distribution not in in_pyproject:
            missing.append(f"add {pyproject_line} to [project] dependencies in pyproject.toml")
        if distribution not in in_environment:
            missing.append(f"add `- {conda_line}` to the dependencies in environment.yml")
        problems.append(
            f"module {module!r} (distribution {distribution!r}), imported by {where}: "
            + " and ".join(missing)
        )
    return problems


# --- the checks -----------------------------------------------------------------------


def test_every_imported_package_is_declared():
    imports = third_party_imports([*privlab_sources(), *notebook_sources()])
    assert imports, "found no third-party imports at all; is the scan broken?"
    problems = undeclared(imports, pyproject_runtime(), environment_yml_packages())
    assert not problems, "imported but not declared:\n" + "\n".join(problems)


def test_the_scan_sees_the_known_imports():
    imports = third_party_imports([*privlab_sources(), *notebook_sources()])
    for module in ("numpy", "plotly", "ipywidgets"):
        assert module in imports, f"the scan missed `import {module}`"
    assert not {"math", "__future__", PACKAGE} & set(imports)


def test_an_undeclared_import_fails_and_says_what_to_add():
    fake = [
        ("privlab/fake.py", "import numpy\nfrom hypothesis import given\n"),
        ("notebooks/99-fake.ipynb cell 3", "import not_a_real_module_xyz.sub as x\n"),
    ]
    problems = undeclared(
        third_party_imports(fake), pyproject_runtime(), environment_yml_packages()
    )
    assert len(problems) == 2, problems
    hypothesis, unknown = problems
    assert "'hypothesis'" in hypothesis and "privlab/fake.py:2" in hypothesis
    assert "pyproject.toml" in hypothesis and "environment.yml" in hypothesis
    assert "'not_a_real_module_xyz'" in unknown and "notebooks/99-fake.ipynb cell 3:1" in unknown


def test_declared_in_one_file_only_is_not_enough():
    imports = {"nacl": ["privlab/crypto.py:1"]}  # no other declared package requires PyNaCl
    environment = environment_yml_packages() - {"pynacl"}
    (problem,) = undeclared(imports, pyproject_runtime(), environment)
    assert "environment.yml" in problem and "pyproject.toml" not in problem


def test_requirements_of_declared_packages_are_covered():
    via = promised_by(pyproject_runtime() & environment_yml_packages())
    assert "ipython" in via, "IPython should come with ipywidgets"
    assert "packaging" in via, "packaging should come with jupyterlab"
    assert "pytest" not in via, "a test-only requirement must not count"


def test_a_requirement_of_a_requirement_is_not_covered():
    declared = pyproject_runtime() & environment_yml_packages()
    direct = promised_by(declared)
    deeper = set(promised_by(direct)) - set(direct) - declared
    modules = {
        module: canonicalize_name(names[0])
        for module, names in import_names().items()
        if len(names) == 1 and canonicalize_name(names[0]) in deeper
    }
    if not modules:
        pytest.skip("no installed package sits two levels below the declared ones")
    module = sorted(modules)[0]
    (problem,) = undeclared({module: ["privlab/fake.py:1"]}, declared, declared)
    assert repr(modules[module]) in problem


def test_magics_are_left_out_of_notebook_code():
    code = cell_python("%load_ext privlab.lessons\n!pip install foo\n%time x = 1\nimport numpy\n")
    assert imported_modules(code) == [("privlab", 1), ("numpy", 4)]
    code = cell_python("%%solution\nimport plotly.express as px\n")
    assert imported_modules(code) == [("plotly", 2)]
    assert cell_python("%%bash\nimport this is shell\n") is None
