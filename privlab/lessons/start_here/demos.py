"""Check that this Jupyter set-up can run the lessons, and say plainly what to do if not."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from privlab.lessons.kit.demo import updating
from privlab.lessons.kit.style import PALETTE, base_layout

NOT_SHOWING = (
    "Interactive widgets are NOT showing here: you are reading this text instead of a "
    "slider and a chart. The lessons still run, but their demos will not move. "
    "Open the lessons in JupyterLab 4 or Jupyter Notebook 7 (run `make lab` in the course "
    "folder), or on Binder; in VS Code install the Jupyter extension. If you are in "
    "JupyterLab already, restart it after installing: the widget extensions load at start-up."
)


def _requirements() -> dict[str, str]:
    """privlab's declared runtime dependencies, as {name: version specifier}."""
    try:
        lines = metadata.requires("privlab") or []
    except metadata.PackageNotFoundError:
        return {}
    found = {}
    for line in lines:
        if "extra ==" in line:
            continue
        name = line.split(";")[0]
        for i, char in enumerate(name):
            if char in "<>=!~ [":
                found[name[:i].strip()] = name[i:].strip()
                break
        else:
            found[name.strip()] = ""
    return found


def _satisfies(version: str, specifier: str) -> bool | None:
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:  # pragma: no cover - packaging ships with JupyterLab
        return None
    return version in SpecifierSet(specifier) if specifier else True


def package_report() -> list[tuple[str, str, str, bool | None]]:
    """(package, installed version, required, ok) for Python and each dependency."""
    python = ".".join(map(str, sys.version_info[:3]))
    rows: list[tuple[str, str, str, bool | None]] = [
        ("python", python, ">=3.10", sys.version_info >= (3, 10))
    ]
    for name, specifier in _requirements().items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            rows.append((name, "missing", specifier, False))
            continue
        rows.append((name, version, specifier, _satisfies(version, specifier)))
    return rows


# Plain ASCII badges, coloured as the exercise feedback is: no emoji font needed.
OK = '<b style="color: #009E73">[ok]</b>'
PROBLEM = '<b style="color: #D55E00">[x]</b>'


def _report_html(rows: list[tuple[str, str, str, bool | None]]) -> str:
    marks = {True: f"{OK} ok", False: f"{PROBLEM} needs attention", None: "[?] unknown"}
    body = "".join(
        f"<tr><td>{name}</td><td>{version}</td><td>{required}</td><td>{marks[ok]}</td></tr>"
        for name, version, required, ok in rows
    )
    problems = [name for name, _, _, ok in rows if ok is False]
    verdict = (
        f"<p>{OK} <b>Every package privlab needs is installed.</b></p>"
        if not problems
        else f"<p>{PROBLEM} <b>Some packages need attention: "
        + ", ".join(problems)
        + ".</b> Run <code>make lab</code> again, or <code>pip install -e .</code> in the "
        "course folder, then restart the kernel.</p>"
    )
    return (
        f"{verdict}<table><thead><tr><th>package</th><th>installed</th><th>required</th>"
        f"<th></th></tr></thead><tbody>{body}</tbody></table>"
    )


class _WidgetProbe(widgets.VBox):
    """The package report, a slider and a chart; a clear message where widgets cannot render."""

    def __init__(self, children: list[widgets.Widget], report_text: str, report_html: str):
        super().__init__(children)
        self._report_text, self._report_html = report_text, report_html

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self._report_text}\n\n{NOT_SHOWING}"
        bundle["text/html"] = f"{self._report_html}<p>{PROBLEM} <b>{NOT_SHOWING}</b></p>"
        return bundle


def _report_text(rows: list[tuple[str, str, str, bool | None]]) -> str:
    return "\n".join(
        f"{name:12} {version:10} {required:10} {'ok' if ok else 'NEEDS ATTENTION'}"
        for name, version, required, ok in rows
    )


def widget_probe() -> _WidgetProbe:
    """A slider and a dot that follows it: if the dot moves, widgets and charts both work."""
    slider = widgets.IntSlider(
        value=3, min=0, max=10, description="Move me:", continuous_update=True
    )
    figure = go.FigureWidget(
        go.Scatter(
            x=[slider.value],
            y=[1],
            mode="markers",
            marker={"size": 24, "color": PALETTE["green"]},
            name="dot",
        ),
        layout=base_layout(
            "The dot follows the slider",
            height=200,
            showlegend=False,
            xaxis={"range": [-0.5, 10.5], "title": {"text": "slider value"}},
            yaxis={"visible": False},
            margin={"l": 20, "r": 20, "t": 50, "b": 50},
        ),
    )
    status = widgets.HTML(
        f"<p>{OK} <b>Widgets are showing.</b> Move the slider: when the dot follows it, "
        "the lessons' demos will work here.</p>"
    )

    def follow(change: dict[str, Any]) -> None:
        with updating(figure):
            figure.data[0].x = [change["new"]]
        status.value = (
            f"<p>{OK} <b>Widgets work.</b> Python received the value {change['new']} and "
            "moved the dot: the lessons' demos will work here.</p>"
        )

    slider.observe(follow, names="value")
    rows = package_report()
    report_html = _report_html(rows)
    return _WidgetProbe(
        [widgets.HTML(report_html), status, slider, figure], _report_text(rows), report_html
    )


def environment_check() -> _WidgetProbe:
    """Which packages are installed, and a slider that proves widgets render here.

    Shown as one output (the last line of a cell): the package table, then a
    slider and a dot that follows it. Where widgets cannot render (a
    plain-text front end, a static viewer), the table and a sentence that says
    so, and what to do instead, show in their place.
    """
    return widget_probe()
