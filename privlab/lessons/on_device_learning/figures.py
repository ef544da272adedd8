"""Charts for lesson 05: on-device learning.

Every chart comes as ``x_figure(...)`` (a skeleton plus one call of the update
function) and ``update_x(fig, ...)`` (changes data and text only); the
captions are written by the demos in :mod:`privlab.lessons.on_device_learning.demos`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab.fl.digits import CLASSES
from privlab.lessons.kit.style import PALETTE, base_layout, legend_below

GREYS = [[0.0, "#ffffff"], [1.0, "#000000"]]  # ink on paper
# Blue for negative, white for zero, orange for positive: safe for colour-blind readers.
DIVERGING = [[0.0, PALETTE["blue"]], [0.5, "#ffffff"], [1.0, PALETTE["orange"]]]
SEQUENTIAL = [[0.0, "#ffffff"], [1.0, PALETTE["blue"]]]


def _image(pixels: np.ndarray) -> np.ndarray:
    """64 pixels as the 8 x 8 picture, top row first."""
    return np.asarray(pixels, dtype=float).reshape(8, 8)


# --------------------------------------------------------------------------
# 1. The phones and their digits
# --------------------------------------------------------------------------


def phones_figure(counts: np.ndarray, title: str) -> go.Figure:
    """A heat map of how many examples of each digit (columns) each phone (rows) holds.

    Examples
    --------
    >>> phones_figure(np.ones((3, 10), dtype=int), "3 phones").data[0].type
    'heatmap'
    """
    fig = go.Figure(
        go.Heatmap(
            colorscale=SEQUENTIAL,
            colorbar={"title": {"text": "images"}},
            hovertemplate="phone %{y}, digit %{x}: %{z} images<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(base_layout(height=430))
    fig.update_xaxes(title_text="digit", tickmode="array", tickvals=list(range(CLASSES)))
    fig.update_yaxes(title_text="phone", autorange="reversed")
    update_phones(fig, counts, title)
    return fig


def update_phones(fig: go.Figure, counts: np.ndarray, title: str) -> None:
    """Redraw :func:`phones_figure` for another split."""
    phones = np.arange(counts.shape[0])
    fig.data[0].update(z=counts, x=list(range(CLASSES)), y=phones)
    fig.layout.title.text = title


# --------------------------------------------------------------------------
# 2. Training: federated, centralised, each phone alone
# --------------------------------------------------------------------------

CURVES = ("federated (FedAvg)", "centralised (all data on one server)", "each phone alone (mean)")
CURVE_STYLE = (
    (PALETTE["blue"], "solid"),
    (PALETTE["black"], "dash"),
    (PALETTE["orange"], "dot"),
)


def training_figure(curves: dict[str, np.ndarray], title: str) -> go.Figure:
    """Test accuracy after each round for the three ways of training.

    Examples
    --------
    >>> curves = {name: np.linspace(0.1, 0.9, 5) for name in CURVES}
    >>> len(training_figure(curves, "t").data)
    3
    """
    fig = go.Figure()
    for name, (colour, dash) in zip(CURVES, CURVE_STYLE, strict=True):
        fig.add_scatter(name=name, mode="lines+markers", line={"color": colour, "dash": dash})
    height, margin = 460, {"l": 70, "r": 20, "t": 70, "b": 130}
    fig.update_layout(
        base_layout(height=height, margin=margin, legend=legend_below(height, margin))
    )
    fig.update_xaxes(title_text="round (each phone: its local epochs)")
    fig.update_yaxes(title_text="test accuracy", range=[0, 1])
    update_training(fig, curves, title, stale=False)
    return fig


def update_training(
    fig: go.Figure, curves: dict[str, np.ndarray], title: str, *, stale: bool
) -> None:
    """Redraw the curves; ``stale`` greys them out until the next training run."""
    for trace, name in zip(fig.data, CURVES, strict=True):
        values = curves.get(name, np.array([]))
        trace.update(x=np.arange(1, values.size + 1), y=values, opacity=0.3 if stale else 1.0)
    fig.layout.title.text = title


# --------------------------------------------------------------------------
# 3. The inversion attack
# --------------------------------------------------------------------------


def inversion_figure(original: np.ndarray, update: np.ndarray, rebuilt: np.ndarray) -> go.Figure:
    """The phone's image, the update the server receives, and the image rebuilt from it.

    Examples
    --------
    >>> fig = inversion_figure(np.zeros(64), np.zeros(650), np.zeros(64))
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'heatmap', 'heatmap']
    """
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.25, 0.5, 0.25],
        horizontal_spacing=0.06,
        subplot_titles=(
            "on the phone",
            "the update the server receives<br>(W: 10 digits × 64 pixels)",
            "rebuilt by the server",
        ),
    )
    fig.add_heatmap(colorscale=GREYS, zmin=0, zmax=1, showscale=False, row=1, col=1)
    fig.add_heatmap(
        colorscale=DIVERGING, zmid=0, showscale=False, row=1, col=2,
        hovertemplate="digit %{y}, pixel %{x}: %{z:.3g}<extra></extra>",
    )  # fmt: skip
    fig.add_heatmap(colorscale=GREYS, zmin=0, zmax=1, showscale=False, row=1, col=3)
    fig.update_layout(base_layout(height=350, margin={"l": 60, "r": 20, "t": 110, "b": 50}))
    for col in (1, 3):
        fig.update_xaxes(title_text="pixel column", row=1, col=col, constrain="domain")
        fig.update_yaxes(
            title_text="pixel row", autorange="reversed", scaleanchor=f"x{'' if col == 1 else 3}",
            row=1, col=col,
        )  # fmt: skip
    fig.update_xaxes(title_text="pixel (0 to 63)", row=1, col=2)
    fig.update_yaxes(title_text="digit", autorange="reversed", row=1, col=2)
    update_inversion(fig, original, update, rebuilt, "")
    return fig


def update_inversion(
    fig: go.Figure, original: np.ndarray, update: np.ndarray, rebuilt: np.ndarray, title: str
) -> None:
    """Redraw :func:`inversion_figure` for another example, batch or defence."""
    fig.data[0].update(z=_image(original))
    fig.data[1].update(z=np.asarray(update)[: CLASSES * 64].reshape(CLASSES, 64))
    fig.data[2].update(z=_image(np.clip(rebuilt, 0, 1)))
    fig.layout.title.text = title


# --------------------------------------------------------------------------
# 4. Privacy against accuracy
# --------------------------------------------------------------------------


TRADEOFF_CURVES = (
    "model accuracy (trained on the noisy sums)",
    "attack error (one round's noisy sum, the other phones subtracted)",
    "guessing the average digit",
)


def tradeoff_figure(
    multipliers: np.ndarray,
    accuracies: np.ndarray,
    errors: np.ndarray,
    chosen: int,
    title: str,
    *,
    baseline: float | None = None,
) -> go.Figure:
    """Test accuracy (left) and the attack's error (right) against the noise multiplier z.

    Both panels are for one mechanism, DP-FedAvg's noise added once to each
    round's sum: the legend and the panel titles say so.

    Examples
    --------
    >>> z = np.array([0.0, 1.0])
    >>> len(tradeoff_figure(z, np.array([0.9, 0.8]), np.array([0.0, 0.4]), 1, "t").data)
    4
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.14,
        subplot_titles=("The model", "The attack on a noisy sum"),
    )
    for col, (values, colour, name) in enumerate(
        (
            (accuracies, PALETTE["blue"], TRADEOFF_CURVES[0]),
            (errors, PALETTE["vermillion"], TRADEOFF_CURVES[1]),
        ),
        start=1,
    ):
        fig.add_scatter(
            x=multipliers, y=values, mode="lines+markers", name=name,
            line={"color": colour}, row=1, col=col,
        )  # fmt: skip
        fig.add_scatter(
            mode="markers", marker={"size": 16, "color": colour, "symbol": "circle-open",
                                    "line": {"width": 3}},
            showlegend=False, hoverinfo="skip", row=1, col=col,
        )  # fmt: skip
    if baseline is not None:
        fig.add_scatter(
            x=[multipliers.min(), multipliers.max()],
            y=[baseline, baseline],
            mode="lines",
            name=TRADEOFF_CURVES[2],
            line={"color": PALETTE["grey"], "dash": "dash"},
            hoverinfo="skip",
            row=1,
            col=2,
        )
    height, margin = 500, {"l": 70, "r": 20, "t": 100, "b": 140}
    fig.update_layout(
        base_layout(height=height, margin=margin, legend=legend_below(height, margin))
    )
    fig.update_annotations(font_size=13)  # the subplot titles
    fig.update_xaxes(title_text="noise multiplier z")
    fig.update_yaxes(title_text="test accuracy (share correct)", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="attack's error (RMS per pixel)", range=[0, 1], row=1, col=2)
    update_tradeoff(fig, multipliers, accuracies, errors, chosen, title)
    return fig


def update_tradeoff(
    fig: go.Figure,
    multipliers: np.ndarray,
    accuracies: np.ndarray,
    errors: np.ndarray,
    chosen: int,
    title: str,
) -> None:
    """Move the marker to the chosen noise multiplier."""
    for index, values in ((1, accuracies), (3, errors)):
        fig.data[index].update(x=[multipliers[chosen]], y=[values[chosen]])
    fig.layout.title.text = title


def shown(value: Any) -> str:
    """A number for a caption: 3 significant digits."""
    return f"{value:.3g}"


# --------------------------------------------------------------------------
# 5. Secure aggregation: what the server receives
# --------------------------------------------------------------------------


def secagg_figure(
    updates: np.ndarray,
    masked: np.ndarray,
    plain: np.ndarray,
    secure: np.ndarray | None,
    title: str,
) -> go.Figure:
    """The phones' updates, the masked vectors the server receives, and the two sums.

    ``masked`` holds the received vectors as fractions of the ring (rows of None
    for a phone that sent nothing); ``secure`` is None when the sum cannot be recovered.

    Examples
    --------
    >>> fig = secagg_figure(np.zeros((3, 4)), np.zeros((3, 4)), np.zeros(4), None, "t")
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'heatmap', 'scatter', 'scatter']
    """
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.13,
        subplot_titles=("the phones' updates", "what the server receives", "the sums"),
    )
    fig.add_heatmap(
        colorscale=DIVERGING,
        zmid=0,
        showscale=False,
        hovertemplate="phone %{y}, entry %{x}: %{z:.3g}<extra></extra>",
        row=1,
        col=1,
    )
    fig.add_heatmap(
        colorscale=SEQUENTIAL,
        zmin=0,
        zmax=1,
        showscale=False,
        hovertemplate="phone %{y}, entry %{x}: %{z:.3f} of 2^32<extra></extra>",
        row=1,
        col=2,
    )
    fig.add_scatter(
        name="plain sum (for checking)",
        mode="lines",
        line={"color": PALETTE["black"], "dash": "dash"},
        row=1,
        col=3,
    )
    fig.add_scatter(
        name="secure aggregation",
        mode="markers",
        marker={"color": PALETTE["orange"], "symbol": "circle-open", "size": 9,
                "line": {"width": 2}},
        row=1,
        col=3,
    )  # fmt: skip
    height, margin = 420, {"l": 70, "r": 20, "t": 70, "b": 110}
    fig.update_layout(
        base_layout(height=height, margin=margin, legend=legend_below(height, margin)),
        showlegend=True,  # also when the secure sum is lost and one curve is left
    )
    for col in (1, 2):
        fig.update_xaxes(title_text="entry of the update", row=1, col=col)
        fig.update_yaxes(title_text="phone", autorange="reversed", row=1, col=col)
    fig.update_xaxes(title_text="entry of the update", row=1, col=3)
    fig.update_yaxes(title_text="sum of the updates", row=1, col=3)
    update_secagg(fig, updates, masked, plain, secure, title)
    return fig


def update_secagg(
    fig: go.Figure,
    updates: np.ndarray,
    masked: Any,
    plain: np.ndarray,
    secure: np.ndarray | None,
    title: str,
) -> None:
    """Redraw :func:`secagg_figure`."""
    phones = np.arange(updates.shape[0])
    entries = np.arange(updates.shape[1])
    fig.data[0].update(z=updates, x=entries, y=phones)
    fig.data[1].update(z=masked, x=entries, y=phones)
    fig.data[2].update(x=entries, y=plain)
    fig.data[3].update(
        x=entries if secure is not None else [], y=secure if secure is not None else []
    )
    fig.layout.title.text = title
