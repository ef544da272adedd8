"""One look for every chart: a colour-blind-safe palette and a shared layout.

The colours are the Okabe-Ito palette (Okabe and Ito, 2008), which stays
distinct for the common forms of colour blindness; where two series must be
told apart, they also differ in pattern or dash, not in colour alone.
"""

from __future__ import annotations

from typing import Any

PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#6E6E6E",
    "black": "#000000",
}


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


# Explicit ticks for a log axis: 1, 2 and 5 in every decade, each labelled with its value.
# (Left to itself, plotly labels the minor ticks of a log axis with their first digit
# only, so 0.3 and 0.4 read as "3" and "4".)
LOG_TICKS: dict[str, list] = {
    "tickvals": [m * 10.0**e for e in range(-6, 10) for m in (1, 2, 5)],
    "ticktext": [_tick_text(m * 10.0**e) for e in range(-6, 10) for m in (1, 2, 5)],
}
# One labelled tick per decade, for a narrow axis that spans several decades.
LOG_DECADES: dict[str, list] = {
    "tickvals": [10.0**e for e in range(-6, 10)],
    "ticktext": [_tick_text(10.0**e) for e in range(-6, 10)],
}

# Two panels side by side: the right panel's y-axis stands on its right, next to its own
# data (on its left it would sit in the gap, closer to the left panel), so the right
# margin makes room for its ticks and title.
TWO_PANELS = {"l": 70, "r": 80, "t": 70, "b": 60}
# Bar labels: 12 px. A chart whose labels must all show keeps them at that size
# (uniformtext minsize BAR_TEXT_SIZE, mode "show"); one with crowded bars hides a label
# that would have to shrink below 10 px to fit (UNIFORM_TEXT).
BAR_TEXT_SIZE = 12
UNIFORM_TEXT = {"minsize": 10, "mode": "hide"}
# Tick labels and an axis title take about this many pixels under a plot.
AXIS_TITLE_AREA = 62


def legend_below(height: int, margin: dict[str, int], gap: int = AXIS_TITLE_AREA + 8) -> dict:
    """A horizontal legend whose top edge sits ``gap`` pixels under the plot area.

    Anchored at its top, the legend grows downwards, into the bottom margin,
    never upwards into the axis titles.
    """
    plot_height = height - margin["t"] - margin["b"]
    return {"orientation": "h", "x": 0.0, "xanchor": "left", "yanchor": "top",
            "y": -gap / plot_height}  # fmt: skip


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def base_layout(title: str = "", *, height: int = 380, **extra: Any) -> dict[str, Any]:
    """Layout settings shared by every lesson chart (white background, readable fonts)."""
    layout: dict[str, Any] = {
        "template": "simple_white",
        "title": {"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT, "size": 13},
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 70, "b": 60},
        "legend": {"orientation": "h", "y": -0.22, "x": 0.0},
        "hoverlabel": {"font": {"family": FONT}},
    }
    layout.update(extra)
    return layout
