"""Charts for lesson 05: on-device learning.

Each chart is ``x_figure(...)`` (a skeleton, filled by one call of ``update_x``)
and ``update_x(fig, ...)`` (data and title only); the demos write the captions.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab.fl.digits import CLASSES
from privlab.lessons.kit.style import PALETTE, base_layout, legend_below

_GREYS = [[0.0, "#ffffff"], [1.0, "#000000"]]  # ink on paper
# Blue for negative, white for zero, orange for positive: safe for colour-blind readers.
_DIVERGING = [[0.0, PALETTE["blue"]], [0.5, "#ffffff"], [1.0, PALETTE["orange"]]]
_SEQUENTIAL = [[0.0, "#ffffff"], [1.0, PALETTE["blue"]]]


def _below(height: int, margin: dict[str, int], **layout: object) -> dict[str, object]:
    """The base layout with the legend below the chart."""
    return base_layout(height=height, margin=margin, legend=legend_below(height, margin), **layout)


# --------------------------------------------------------------------------
# 1. The phones and their digits
# --------------------------------------------------------------------------


def phones_figure(counts: np.ndarray, title: str) -> go.Figure:
    """A heat map of how many examples of each digit (columns) each phone (rows) holds.

    >>> phones_figure(np.ones((3, 10), dtype=int), "3 phones").data[0].type
    'heatmap'
    """
    heatmap = go.Heatmap(
        colorscale=_SEQUENTIAL, colorbar={"title": {"text": "images"}},
        hovertemplate="phone %{y}, digit %{x}: %{z} images<extra></extra>", xgap=1, ygap=1,
    )  # fmt: skip
    fig = go.Figure(heatmap)
    fig.update_layout(base_layout(height=430))
    fig.update_xaxes(title_text="digit", tickmode="array", tickvals=list(range(CLASSES)))
    fig.update_yaxes(title_text="phone", autorange="reversed")
    update_phones(fig, counts, title)
    return fig


def update_phones(fig: go.Figure, counts: np.ndarray, title: str) -> None:
    """Redraw :func:`phones_figure` for another split."""
    fig.data[0].update(z=counts, x=list(range(CLASSES)), y=np.arange(counts.shape[0]))
    fig.layout.title.text = title


# --------------------------------------------------------------------------
# 2. Training: federated, centralised, each phone alone
# --------------------------------------------------------------------------

CURVES = ("federated (FedAvg)", "centralised (all data on one server)", "each phone alone (mean)")
_CURVE_STYLE = ((PALETTE["blue"], "solid"), (PALETTE["black"], "dash"), (PALETTE["orange"], "dot"))


def training_figure(curves: dict[str, np.ndarray], title: str) -> go.Figure:
    """Test accuracy after each round for the three ways of training.

    >>> curves = {name: np.linspace(0.1, 0.9, 5) for name in CURVES}
    >>> len(training_figure(curves, "t").data)
    3
    """
    fig = go.Figure()
    for name, (colour, dash) in zip(CURVES, _CURVE_STYLE, strict=True):
        fig.add_scatter(name=name, mode="lines+markers", line={"color": colour, "dash": dash})
    fig.update_layout(_below(460, {"l": 70, "r": 20, "t": 70, "b": 130}))
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

    >>> fig = inversion_figure(np.zeros(64), np.zeros(650), np.zeros(64))
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'heatmap', 'heatmap']
    """
    fig = make_subplots(
        rows=1, cols=3, column_widths=[0.25, 0.5, 0.25], horizontal_spacing=0.06,
        subplot_titles=(
            "on the phone",
            "the update the server receives<br>(W: 10 digits × 64 pixels)",
            "rebuilt by the server",
        ),
    )  # fmt: skip
    fig.add_heatmap(colorscale=_GREYS, zmin=0, zmax=1, showscale=False, row=1, col=1)
    fig.add_heatmap(
        colorscale=_DIVERGING, zmid=0, showscale=False, row=1, col=2,
        hovertemplate="digit %{y}, pixel %{x}: %{z:.3g}<extra></extra>",
    )  # fmt: skip
    fig.add_heatmap(colorscale=_GREYS, zmin=0, zmax=1, showscale=False, row=1, col=3)
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
    fig.data[0].update(z=np.asarray(original, dtype=float).reshape(8, 8))
    fig.data[1].update(z=np.asarray(update)[: CLASSES * 64].reshape(CLASSES, 64))
    fig.data[2].update(z=np.clip(rebuilt, 0, 1).astype(float).reshape(8, 8))
    fig.layout.title.text = title


# --------------------------------------------------------------------------
# 4. Privacy against accuracy
# --------------------------------------------------------------------------

_TRADEOFF_CURVES = (
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

    >>> z = np.array([0.0, 1.0])
    >>> len(tradeoff_figure(z, np.array([0.9, 0.8]), np.array([0.0, 0.4]), 1, "t").data)
    4
    """
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.14,
        subplot_titles=("The model", "The attack on a noisy sum"),
    )  # fmt: skip
    for col, (values, colour, name) in enumerate(
        (
            (accuracies, PALETTE["blue"], _TRADEOFF_CURVES[0]),
            (errors, PALETTE["vermillion"], _TRADEOFF_CURVES[1]),
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
            x=[multipliers.min(), multipliers.max()], y=[baseline, baseline], mode="lines",
            name=_TRADEOFF_CURVES[2], line={"color": PALETTE["grey"], "dash": "dash"},
            hoverinfo="skip", row=1, col=2,
        )  # fmt: skip
    fig.update_layout(_below(500, {"l": 70, "r": 20, "t": 100, "b": 140}))
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

    ``masked`` holds fractions of the ring (None for a phone that sent nothing);
    ``secure`` is None when the sum is lost.

    >>> fig = secagg_figure(np.zeros((3, 4)), np.zeros((3, 4)), np.zeros(4), None, "t")
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'heatmap', 'scatter', 'scatter']
    """
    fig = make_subplots(
        rows=1, cols=3, horizontal_spacing=0.13,
        subplot_titles=("the phones' updates", "what the server receives", "the sums"),
    )  # fmt: skip
    fig.add_heatmap(
        colorscale=_DIVERGING, zmid=0, showscale=False, row=1, col=1,
        hovertemplate="phone %{y}, entry %{x}: %{z:.3g}<extra></extra>",
    )  # fmt: skip
    fig.add_heatmap(
        colorscale=_SEQUENTIAL, zmin=0, zmax=1, showscale=False, row=1, col=2,
        hovertemplate="phone %{y}, entry %{x}: %{z:.3f} of 2^32<extra></extra>",
    )  # fmt: skip
    fig.add_scatter(
        name="plain sum (for checking)", mode="lines",
        line={"color": PALETTE["black"], "dash": "dash"}, row=1, col=3,
    )  # fmt: skip
    fig.add_scatter(
        name="secure aggregation", mode="markers", row=1, col=3,
        marker={"color": PALETTE["orange"], "symbol": "circle-open", "size": 9,
                "line": {"width": 2}},
    )  # fmt: skip
    # showlegend: also when the secure sum is lost and one curve is left
    fig.update_layout(_below(420, {"l": 70, "r": 20, "t": 70, "b": 110}, showlegend=True))
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
    masked: list,
    plain: np.ndarray,
    secure: np.ndarray | None,
    title: str,
) -> None:
    """Redraw :func:`secagg_figure`."""
    phones, entries = np.arange(updates.shape[0]), np.arange(updates.shape[1])
    fig.data[0].update(z=updates, x=entries, y=phones)
    fig.data[1].update(z=masked, x=entries, y=phones)
    fig.data[2].update(x=entries, y=plain)
    fig.data[3].update(x=entries if secure is not None else [], y=[] if secure is None else secure)
    fig.layout.title.text = title
