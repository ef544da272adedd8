"""The package's layers, read from every import statement (also those inside functions).

* The core (``dp``, ``mpc``, ``fl``, ``crypto``), ``lift``, ``data`` and the
  small shared modules import no lesson code, no widgets and no plotting.
* A lesson's ``figures``, ``checks`` and the kit's ``feedback`` and ``style``
  import no widgets: a chart or a check works without Jupyter.
* A lesson's folder imports only the core, the kit and its own folder.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "privlab"
WIDGETS = ("ipywidgets", "anywidget", "IPython", "ipykernel")
PLOTTING = ("plotly",)


def imported_modules(source: str, module: str, is_package: bool) -> list[str]:
    """Every module ``source`` imports, relative imports made absolute."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names]
    return found


def module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def violations(module: str, imports: list[str]) -> list[str]:
    """What ``module`` may not import, by the rules above."""

    def under(name: str, *prefixes: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    problems = []
    layer = module.split(".")
    in_lessons = len(layer) > 1 and layer[1] == "lessons"
    for name in imports:
        if not in_lessons and under(name, "privlab.lessons", *WIDGETS, *PLOTTING):
            problems.append(f"{module} imports {name}: the core must not")
        if in_lessons and layer[-1] in ("figures", "checks", "feedback", "style"):
            if under(name, *WIDGETS):
                problems.append(f"{module} imports {name}: figures and checks work without widgets")
        if in_lessons and len(layer) > 3 and under(name, "privlab.lessons"):
            own = ".".join(layer[:3])
            allowed = (own, "privlab.lessons.kit")
            if not under(name, *allowed) and name != "privlab.lessons":
                problems.append(f"{module} imports {name}: a lesson uses only the kit and itself")
    return problems


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_file_keeps_to_its_layer(path):
    module, is_package = module_name(path)
    imports = imported_modules(path.read_text(encoding="utf-8"), module, is_package)
    assert violations(module, imports) == []


def test_the_lesson_layout_is_one_folder_per_lesson():
    from privlab.lessons import LESSONS

    notebooks = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert sorted(LESSONS) == notebooks
    for folder in LESSONS.values():
        files = {p.name for p in (PACKAGE / "lessons" / folder).glob("*.py")}
        assert files <= {"__init__.py", "figures.py", "demos.py", "checks.py", "scenes.py"}, folder


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("privlab.dp.mechanisms", "import plotly.graph_objects as go", "the core must not"),
        (
            "privlab.crypto.keys",
            "def f():\n    from ..lessons.kit import demo",
            "the core must not",
        ),
        ("privlab.lift.report", "from privlab.lessons.private_lift import figures", "core"),
        ("privlab.lessons.noisy_counts.figures", "import ipywidgets", "without widgets"),
        ("privlab.lessons.backups.checks", "from IPython.display import HTML", "without widgets"),
        ("privlab.lessons.backups.demos", "from ..noisy_counts.figures import x", "only the kit"),
    ],
)
def test_a_crossed_layer_is_found(module, source, expected):
    """The rules above catch each kind of crossing (so the test above can fail)."""
    problems = violations(module, imported_modules(source, module, False))
    assert problems and expected in problems[0]


def test_allowed_imports_are_not_flagged():
    allowed = {
        "privlab.lessons.backups.demos": "import ipywidgets\nfrom ..kit.demo import Demo\n"
        "from privlab.crypto.keys import Identity",
        "privlab.lessons.noisy_counts.figures": "import plotly.graph_objects as go\n"
        "from privlab import dp",
        "privlab.dp.mechanisms": "import numpy as np\nfrom .. import _guard",
    }
    for module, source in allowed.items():
        assert violations(module, imported_modules(source, module, False)) == []
