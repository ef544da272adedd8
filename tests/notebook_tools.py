"""Helpers shared by the tests: run a notebook, read what its cells show, read environment.yml,
and answers no exercise asks for (to check that checks never raise)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from hypothesis import strategies as st
from nbclient import NotebookClient
from packaging.utils import canonicalize_name


def run_notebook(path: Path) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh ``python3`` kernel, in its folder; errors stay as outputs."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        store_widget_state=False,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def output_texts(cell: nbformat.NotebookNode) -> list[str]:
    """What a cell shows as text: streams, plain text, HTML, and errors as ``ERROR name: value``."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        elif output.output_type == "error":
            texts.append(f"ERROR {output.ename}: {output.evalue}")
        else:
            data = output.get("data", {})
            texts.extend(data.get(kind, "") for kind in ("text/plain", "text/html"))
    return texts


def read_environment_yml(path: Path) -> tuple[dict[str, str | None], list[str]]:
    """Parse the ``dependencies:`` list of a simple conda environment file.

    Returns the conda packages (normalised name -> exact version, or None when
    not pinned with ``=`` or ``==``) and the lines of the ``pip:`` sub-list.
    Enough for this repository's file; not a YAML parser.
    """
    conda: dict[str, str | None] = {}
    pip: list[str] = []
    in_dependencies = False
    item_indent = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"\s+#.*$|^\s*#.*$", "", raw).rstrip()
        if not line:
            continue
        if not line[0].isspace() and not line.startswith("-"):
            in_dependencies = line.startswith("dependencies:")
            continue
        item = re.match(r"^(\s*)-\s+(.*)$", line)
        if not in_dependencies or not item:
            continue
        indent, text = len(item.group(1)), item.group(2).strip()
        if item_indent is None:
            item_indent = indent
        if indent > item_indent:
            pip.append(text)
        elif text != "pip:":
            spec = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(?:==?\s*([^\s=<>!*]+))?", text)
            assert spec, f"environment.yml: cannot read the dependency {text!r}"
            conda[canonicalize_name(spec.group(1))] = spec.group(2)
    return conda, pip


# Answers no exercise asks for, to check that every check gives feedback and never raises.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=3),
    st.just(float),
)


def assert_usable_feedback(feedback: object, statuses: tuple[str, ...] = ()) -> None:
    """A check's answer to junk: real feedback that shows, in one of ``statuses`` if given."""
    from privlab.lessons.kit.feedback import Feedback

    assert isinstance(feedback, Feedback), feedback
    assert repr(feedback) and feedback._repr_html_()
    assert not statuses or feedback.status in statuses, feedback
    assert "could not use this answer" not in feedback.message, feedback


def stub(*args: object) -> None: ...  # a function whose body is still `...` returns None


def raises(*args: object) -> None:
    """A learner's function that fails when it runs."""
    raise ZeroDivisionError("division by zero")


def assert_incorrect(feedback: object, phrase: str, where: str = "message") -> None:
    """The check said "incorrect", and its ``where`` text says ``phrase``."""
    assert feedback.status == "incorrect", feedback
    assert phrase in getattr(feedback, where), feedback
