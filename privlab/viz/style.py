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
