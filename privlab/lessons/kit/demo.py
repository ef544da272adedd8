"""The pattern every interactive demo follows: controls, a chart that follows them, a caption.

A :class:`Demo` is an ``ipywidgets.VBox`` holding bounded controls (sliders
with fixed options, buttons), a plotly ``FigureWidget`` and a caption that says
in words what the chart shows. When a control changes, the demo calls its
``redraw`` function inside :func:`updating`, which sends one batched update
to the browser.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from privlab._guard import positive_number
from privlab.errors import InvalidParameterError

EPSILONS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0)
MAX_EPSILON = 30


# A cell in an estimated column is wrapped to lines this many font sizes wide per character.
_CHAR_WIDTH = 0.62
# The width a chart is assumed to have when its layout sets none: JupyterLab's output area
# at a 1280 px window with the file browser open (Voila and wider windows give more).
_ASSUMED_WIDTH = 700
_TAG = re.compile(r"<[^>]*>")
# plotly.js pads a table cell by 8 px above and below and spaces lines 1.3 font sizes apart.
_CELL_PAD = 8
_LINE_SPACING = 1.3


def plain(value: Any) -> Any:
    """``value`` with every NumPy array (at any depth in dicts and lists) turned into a list.

    Plotly sends arrays to the page as typed arrays, and the page echoes their
    defaults back as objects; plotly's widget then compares those objects with
    the arrays it kept and raises ("The truth value of an array ... is
    ambiguous") inside the browser-to-kernel sync. Lists round-trip cleanly.

    Plotly also keeps some arrays as typed-array specs (``{"dtype": "f8",
    "bdata": ..., "shape": "2, 3"}``, the base64 form it sends to the page);
    they become lists too, or a heatmap's ``z`` meets a list of rows echoed
    back and the sync fails on ``assert isinstance(delta_data, dict)``.

    >>> import numpy as np
    >>> plain({"x": np.arange(3), "marker": {"color": [np.float64(0.5)]}})
    {'x': [0, 1, 2], 'marker': {'color': [0.5]}}
    >>> plain({"dtype": "i1", "bdata": "AQID", "shape": "1, 3"})
    [[1, 2, 3]]
    """
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return value.tolist()
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            array = array.reshape([int(size) for size in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def wrap_cell(text: Any, characters: int) -> Any:
    """A table cell's text broken into lines of at most ``characters`` visible characters.

    plotly.js wraps a cell that contains a space by measuring its words in the
    page; a chart drawn before the page has laid it out measures every word as
    0 px wide and draws the cell empty, until a control moves. Lines broken
    here with ``<br>``, and words joined by no-break spaces, skip that step, so
    the cell is drawn at first display. Markup such as ``<b>`` is kept and not
    counted.

    >>> wrap_cell("the door code is 4711", 12).replace("\\u00a0", "_")
    'the_door<br>code_is_4711'
    """
    if not isinstance(text, str) or " " not in text:
        return text
    lines = []
    for line in re.split(r"<br\s*/?>", text, flags=re.IGNORECASE):
        # Spaces inside tags (<span style="...">) are not places to break.
        words = re.sub(r"<[^>]*>", lambda tag: tag[0].replace(" ", "\0"), line).split(" ")
        words = [word.replace("\0", " ") for word in words]
        current: list[str] = []
        for word in words:
            candidate = " ".join([*current, word])
            if current and len(html.unescape(_TAG.sub("", candidate))) > characters:
                lines.append("\u00a0".join(current))
                current = [word]
            else:
                current.append(word)
        lines.append("\u00a0".join(current))
    return "<br>".join(lines)


def _wrapped(trace: Any, part: str, values: Any, figure_width: float) -> Any:
    """The ``values`` of a table trace's ``part`` ("header" or "cells") with cells wrapped.

    How many characters fit on a line is estimated from the chart's width, the
    table's share of it, the column weights and the font size.
    """
    values = plain(list(values))
    columns = max(len(values), 1)
    share = trace.domain.x[1] - trace.domain.x[0] if trace.domain.x else 1.0
    weights = list(trace.columnwidth) if isinstance(trace.columnwidth, (list, tuple)) else []
    weights = (weights + [weights[-1] if weights else 1] * columns)[:columns]
    size = trace[part]["font"]["size"]
    size = max(size) if isinstance(size, (list, tuple)) else (size or 12)
    wrapped = []
    for column, weight in zip(values, weights, strict=True):
        pixels = figure_width * share * weight / sum(weights) - 16  # less the cell padding
        limit = max(8, int(pixels / (_CHAR_WIDTH * size)))
        if isinstance(column, list):
            wrapped.append([wrap_cell(item, limit) for item in column])
        else:
            wrapped.append(wrap_cell(column, limit))
    return wrapped


def row_height(lines: int, size: float) -> int:
    """The height in px that a table row needs for ``lines`` lines of text in a ``size`` px font.

    >>> row_height(1, 12), row_height(2, 12)
    (32, 48)
    """
    return math.ceil(2 * _CELL_PAD + 1.25 * size + _LINE_SPACING * size * (lines - 1)) + 1


def _fit_rows(trace: Any, cells: list[Any], height: Any, font_size: float) -> Any:
    """The row height for a table whose (wrapped) cell text is ``cells``.

    plotly.js draws rows ``cells.height`` high, then grows, on the page, each
    row whose text needs more; every row that grows moves every cell below
    it, so a table of 20 rows of two or three lines took about 150 ms to
    redraw. Rows made tall enough for three rows in four from the start leave
    only the tallest few to grow. Tables of one-line text keep the height
    they were given. ``font_size`` is the figure's, for cells that set none.
    """
    columns = [column for column in (list(np.ravel(c)) for c in cells) if column]
    rows = max((len(column) for column in columns), default=0)
    lines = sorted(
        max(str(column[row]).count("<br>") + 1 for column in columns if row < len(column))
        for row in range(rows)
    )
    common = lines[(3 * len(lines)) // 4] if lines else 1  # three rows in four need no more
    size = trace.cells.font.size
    size = max(size) if isinstance(size, (list, tuple)) else (size or font_size)
    if common > 1 or (height or 0) > row_height(1, size):
        return row_height(common, size)
    return height


def settle_tables(figure: go.Figure) -> None:
    """Wrap the text of every table in ``figure`` (see :func:`wrap_cell`) and fit its rows.

    Inside a batch (:func:`updating`) the new values are still pending, so
    they are wrapped where they wait; otherwise the figure's own values are.
    Rows are made tall enough for most of their text (see :func:`_fit_rows`).
    """
    margin = figure.layout.margin
    width = (figure.layout.width or _ASSUMED_WIDTH) - (
        (80 if margin.l is None else margin.l) + (80 if margin.r is None else margin.r)
    )
    pending = getattr(figure, "_batch_trace_edits", None) if figure._in_batch_mode else None
    font_size = figure.layout.font.size or 12
    for index, trace in enumerate(figure.data):
        if trace.type != "table":
            continue
        if pending is None:
            for part in ("header", "cells"):
                if trace[part]["values"] is not None and len(trace[part]["values"]):
                    trace[part]["values"] = _wrapped(trace, part, trace[part]["values"], width)
            if trace.cells.values is not None:
                trace.cells.height = _fit_rows(
                    trace, trace.cells.values, trace.cells.height, font_size
                )
            continue
        edits = pending.get(index, {})
        cells = None
        for path, value in edits.items():
            part, _, leaf = path.partition(".")
            if part not in ("header", "cells") or value is None:
                continue
            if leaf == "values":
                edits[path] = _wrapped(trace, part, value, width)
                cells = edits[path] if part == "cells" else cells
            elif not leaf and isinstance(value, dict) and value.get("values") is not None:
                edits[path] = {**value, "values": _wrapped(trace, part, value["values"], width)}
                cells = edits[path]["values"] if part == "cells" else cells
        if cells is not None:
            height = edits.get("cells.height", trace.cells.height)
            edits["cells.height"] = _fit_rows(trace, cells, height, font_size)


@contextmanager
def updating(figure: go.FigureWidget) -> Iterator[go.FigureWidget]:
    """Batch the changes made inside the block into one redraw, then record the new state.

    Before the batch is sent, array values become lists (:func:`plain`) and
    table text is wrapped (:func:`settle_tables`).

    ``batch_update`` sends the changes as deltas to the views already on the
    page. A view made later (a page reload, a dashboard that renders after the
    whole notebook ran, the figure displayed a second time) is drawn from the
    widget's synced copy of the figure, which plotly refreshes only when the
    figure is first displayed. Refreshing that copy here makes every new view
    show the current state, not the state the figure was built with.
    """
    with figure.batch_update():
        yield figure
        settle_tables(figure)
        for edits in getattr(figure, "_batch_trace_edits", {}).values():
            for path in edits:
                edits[path] = plain(edits[path])
    if hasattr(figure, "_widget_data"):  # a FigureWidget, not a plain Figure
        for trace in figure._data:
            trace.update(plain(trace))
        figure._widget_data = deepcopy(figure._data)
        figure._widget_layout = deepcopy(figure._layout_obj._props)


def selection_slider(
    description: str, options: Sequence[Any], value: Any, *, fmt: str = "{:g}"
) -> widgets.SelectionSlider:
    """A slider over a fixed list of round values: bounded, keyboard-friendly, readable.

    A starting ``value`` that is not one of the ``options`` becomes an extra
    stop, so a demo can start at any valid value a learner types.
    """
    stops = sorted({*options, value})
    return widgets.SelectionSlider(
        description=description,
        options=[(fmt.format(option), option) for option in stops],
        value=value,
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="380px"),
    )


def epsilon_slider(
    value: float = 1.0, options: Sequence[float] = EPSILONS
) -> widgets.SelectionSlider:
    """The privacy-loss slider used by every DP demo: smaller ε, more privacy."""
    value = positive_number("epsilon", value)
    if value > MAX_EPSILON:
        raise InvalidParameterError(
            f"epsilon must be a number > 0 and at most {MAX_EPSILON} in a demo; got {value!r}."
        )
    return selection_slider("ε (privacy loss)", options, value)


def one_of(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """``value`` if it is one of ``allowed``; else an error naming ``name`` and the choices."""
    if value not in allowed:
        shown = ", ".join(
            f"{option:,}" if isinstance(option, int) else str(option) for option in allowed
        )
        raise InvalidParameterError(f"{name} must be one of {shown}; got {value!r}.")
    return value


def choice_slider(description: str, options: Sequence[str], value: str) -> widgets.SelectionSlider:
    """A slider over named options in the order given (:func:`selection_slider` sorts them)."""
    one_of(description, value, options)
    return widgets.SelectionSlider(
        description=description,
        options=[(option, option) for option in options],
        value=value,
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def choice_list(description: str, options: Sequence[str], value: str) -> widgets.Dropdown:
    """A drop-down list of named options in the order given, for names too long for a slider.

    A slider's readout shows about 20 characters; a drop-down list shows the whole name.
    """
    one_of(description, value, options)
    return widgets.Dropdown(
        description=description,
        options=[(option, option) for option in options],
        value=value,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="max-content", max_width="100%"),
    )


def toggle(description: str, options: Sequence[str], value: str) -> widgets.ToggleButtons:
    """Buttons for a few named options, one of them pressed."""
    one_of(description, value, options)
    return widgets.ToggleButtons(
        description=description,
        options=[(option, option) for option in options],
        value=value,
        style={"description_width": "initial", "button_width": "auto"},
    )


class Demo(widgets.VBox):
    """Controls above a chart and a caption, kept in step.

    Parameters
    ----------
    controls : list of ipywidgets widgets
        Value widgets (sliders, dropdowns) trigger a redraw when their value
        changes; buttons trigger one when clicked.
    figure : plotly.graph_objects.Figure
        The chart's skeleton. The demo draws its first state into this plain
        figure, then shows it as a ``FigureWidget`` (``demo.figure``) that is
        redrawn in place.
    redraw : callable
        ``redraw(figure, trigger)`` reads the controls, changes ``figure`` and
        returns the caption (HTML text) for the new state. ``trigger`` is the
        control that changed, or ``None`` for the first drawing.
    title : str
        A short heading shown above the controls.
    extras : list of ipywidgets widgets, optional
        Shown under the controls but not observed (a text box a button reads,
        a progress bar). Given here, not added later, so that the page builds
        the whole demo at once.
    """

    def __init__(
        self,
        controls: list[widgets.Widget],
        figure: go.Figure,
        redraw: Callable[[go.Figure, widgets.Widget | None], str],
        *,
        title: str = "",
        extras: list[widgets.Widget] | None = None,
    ) -> None:
        self.controls = controls
        self._redraw = redraw
        self.title = title
        self.caption = widgets.HTML(layout=widgets.Layout(max_width="900px"))
        # Draw the first state before the figure becomes a widget: the widget is born
        # right, and nothing reaches the page before it is displayed. (An update that
        # arrives while the page is still setting up the figure's model can be lost, and
        # that figure then ignores every later update: seen in Voila.)
        self._show_caption(redraw(figure, None))
        settle_tables(figure)
        self.figure = go.FigureWidget(plain(figure.to_plotly_json()))
        for control in controls:
            if isinstance(control, widgets.Button):
                control.on_click(self.refresh)
            else:
                control.observe(lambda change: self.refresh(change["owner"]), names="value")
        if any(trace.type == "table" for trace in self.figure.data):
            self.figure.observe(self._draw_tables_again, names="_view_count")
        heading = [widgets.HTML(f"<b>{title}</b>")] if title else []
        row = widgets.HBox(
            controls, layout=widgets.Layout(flex_flow="row wrap", grid_gap="4px 24px")
        )
        super().__init__([*heading, row, *(extras or []), self.figure, self.caption])
        self.add_class("privlab-demo")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        text = (
            f"[Interactive demo “{self.title}”: widgets are not showing here, so it cannot "
            "be moved; lesson 00's environment check says how to fix that.] "
            + re.sub("<[^>]+>", "", self.caption.value)
        )
        bundle["text/plain"] = text
        return bundle

    def _draw_tables_again(self, change: dict[str, Any]) -> None:
        """Send a new view its tables again, now that it is on the page.

        plotly.js measures a table's text as it draws it, to centre styled text
        (a bold header) and to size rows of several lines. A page draws a chart
        before it shows it, and text measured there has no size: headers land
        off-centre and lines overlap. The view count changes once the chart has
        been drawn; tables sent after that are measured on the page.
        """
        if (change["new"] or 0) <= (change["old"] or 0):
            return
        for index, trace in enumerate(self.figure.data):
            if trace.type == "table":
                self.figure._send_restyle_msg(
                    {"header.values": [trace.header.values], "cells.values": [trace.cells.values]},
                    trace_indexes=[index],
                )

    def refresh(self, trigger: widgets.Widget | None = None) -> None:
        """Redraw the chart and the caption from the controls' current values."""
        with updating(self.figure):
            caption = self._redraw(self.figure, trigger)
        self._show_caption(caption)

    def _show_caption(self, caption: str) -> None:
        self.caption.value = f'<p role="status" aria-live="polite">{caption}</p>'
