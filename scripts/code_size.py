"""How big is privlab, and can a learner find each key idea in it?

Usage (from the repository root)::

    python scripts/code_size.py

Prints one table: lines of the package, of its core, of its largest core file
and of each lesson's folder, and for each key idea where it stands (file and
line) and how many lines of code it takes. Lines are physical lines of the
``.py`` files, as ``wc -l`` counts them; "code lines" of a function leave out
its docstring, comments and blank lines. ``make bench`` adds this table to
``benchmarks/results.md``. Exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "privlab"
CORE = ("dp", "mpc", "fl", "crypto")

# Targets.
TOTAL_LINES = 18_000
CORE_LINES = 10_000
FILE_LINES = 500
IDEA_CODE_LINES = 60
IDEA_BY_LINE = 150  # a key idea starts within the first lines of its file
EVENING_LINES = 2_000
LESSON_LINES = 1_300

# Each key idea: the function or class (``Class.method`` for a method) that is the idea.
KEY_IDEAS = {
    "Laplace mechanism": "laplace_mechanism",
    "randomized response": "randomized_response",
    "additive sharing": "share_additive",
    "Shamir sharing": "shamir_share",
    "Beaver multiplication": "beaver_multiply",
    "FedAvg": "fedavg",
    "secure-aggregation masking": "mask_update",
    "ratchet step": "RatchetSession.decrypt",
    "seal a backup": "seal_backup",
    "open a backup": "open_backup",
}
# "The core in an evening": the files that hold the key ideas above.
EVENING = (
    "Laplace mechanism",
    "additive sharing",
    "Shamir sharing",
    "Beaver multiplication",
    "FedAvg",
    "secure-aggregation masking",
    "ratchet step",
    "seal a backup",
)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def lines_under(folder: Path) -> int:
    return sum(line_count(path) for path in folder.rglob("*.py"))


def code_lines(source: str, node: ast.AST) -> int:
    """Lines of ``node`` that hold code: no docstrings, comments or blank lines."""
    docstrings = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    text = "\n".join(source.splitlines()[node.lineno - 1 : node.end_lineno])
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            lines.update(range(token.start[0], token.end[0] + 1))
    return len({line + node.lineno - 1 for line in lines} - docstrings)


def find_definition(qualified: str) -> tuple[Path, ast.AST, str] | None:
    """The first top-level definition (or method) of that name under ``privlab/``."""
    outer, _, inner = qualified.partition(".")
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            if getattr(node, "name", None) != outer:
                continue
            if not inner:
                return path, node, source
            for method in node.body:
                if getattr(method, "name", None) == inner:
                    return path, method, source
    return None


def lesson_folders() -> dict[str, Path]:
    lessons = PACKAGE / "lessons"
    if not lessons.is_dir():
        return {}
    return {p.name: p for p in sorted(lessons.iterdir()) if p.is_dir() and p.name[0] != "_"}


def rows() -> list[tuple[str, str, str, bool]]:
    table = []
    total = lines_under(PACKAGE)
    table.append(
        ("`privlab/` total", f"{total:,}", f"at most {TOTAL_LINES:,}", total <= TOTAL_LINES)
    )
    core = sum(lines_under(PACKAGE / name) for name in CORE)
    table.append(
        ("core dp + mpc + fl + crypto", f"{core:,}", f"at most {CORE_LINES:,}", core <= CORE_LINES)
    )
    biggest = max((p for name in CORE for p in (PACKAGE / name).rglob("*.py")), key=line_count)
    size = line_count(biggest)
    table.append(
        (
            f"largest core file (`{biggest.relative_to(ROOT)}`)",
            f"{size:,}",
            f"at most {FILE_LINES}",
            size <= FILE_LINES,
        )
    )
    evening_files = set()
    for idea, name in KEY_IDEAS.items():
        found = find_definition(name)
        if found is None:
            table.append((f"key idea: {idea}", "not found", f"`{name}`", False))
            continue
        path, node, source = found
        if idea in EVENING:
            evening_files.add(path)
        start = (
            node.lineno
            if not isinstance(node, ast.FunctionDef) or not node.decorator_list
            else node.decorator_list[0].lineno
        )
        count = code_lines(source, node)
        where = f"`{path.relative_to(ROOT)}:{start}` `{name}`"
        table.append(
            (
                f"key idea: {idea}",
                f"{count} code lines at {where}",
                f"at most {IDEA_CODE_LINES}, by line {IDEA_BY_LINE}",
                count <= IDEA_CODE_LINES and start <= IDEA_BY_LINE,
            )
        )
    evening = sum(line_count(p) for p in evening_files)
    names = ", ".join(sorted(p.stem for p in evening_files))
    table.append(
        (
            f"the core in an evening ({names})",
            f"{evening:,}",
            f"at most {EVENING_LINES:,}",
            evening <= EVENING_LINES,
        )
    )
    for name, folder in lesson_folders().items():
        size = lines_under(folder)
        table.append(
            (
                f"the lessons' shared kit `{name}`" if name == "kit" else f"lesson folder `{name}`",
                f"{size:,}",
                f"at most {LESSON_LINES:,}",
                size <= LESSON_LINES,
            )
        )
    return table


def markdown(table: list[tuple[str, str, str, bool]]) -> str:
    out = ["| what | now | target | ok |", "|---|---:|---|---|"]
    out += [
        f"| {what} | {now} | {target} | {'ok' if ok else 'MISSED'} |"
        for what, now, target, ok in table
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    table = rows()
    print(markdown(table))
    return 0 if all(ok for *_, ok in table) else 1


if __name__ == "__main__":
    sys.exit(main())
