"""The pattern every interactive demo follows: controls, a chart that follows them, a caption.

A :class:`Demo` is an ``ipywidgets.VBox`` holding bounded controls (sliders
with fixed options, buttons), a plotly ``FigureWidget`` and a caption that says
in words what the chart shows. When a control changes, the demo calls its
``redraw`` function inside :func:`updating`, which sends one batched update
to the browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from .._validate import positive_number
from ..errors import InvalidParameterError

EPSILONS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0)
MAX_EPSILON = 30


@contextmanager
def updating(figure: go.FigureWidget) -> Iterator[go.FigureWidget]:
    """Batch the changes made inside the block into one redraw, then record the new state.

    ``batch_update`` sends the changes as deltas to the views already on the
    page. A view made later (a page reload, a dashboard that renders after the
    whole notebook ran, the figure displayed a second time) is drawn from the
    widget's synced copy of the figure, which plotly refreshes only when the
    figure is first displayed. Refreshing that copy here makes every new view
    show the current state, not the state the figure was built with.
    """
    with figure.batch_update():
        yield figure
    if hasattr(figure, "_widget_data"):  # a FigureWidget, not a plain Figure
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
        self.figure = go.FigureWidget(figure)
        for control in controls:
            if isinstance(control, widgets.Button):
                control.on_click(self.refresh)
            else:
                control.observe(lambda change: self.refresh(change["owner"]), names="value")
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

    def refresh(self, trigger: widgets.Widget | None = None) -> None:
        """Redraw the chart and the caption from the controls' current values."""
        with updating(self.figure):
            caption = self._redraw(self.figure, trigger)
        self._show_caption(caption)

    def _show_caption(self, caption: str) -> None:
        self.caption.value = f'<p role="status" aria-live="polite">{caption}</p>'
