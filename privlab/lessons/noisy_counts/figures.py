"""Charts for the differential-privacy lessons.

Every chart comes as a pair: ``x_figure(...)`` builds a new figure, and
``update_x(fig, ...)`` redraws an existing one in place, so a widget can move a
slider without rebuilding the chart. ``x_figure`` is the skeleton plus one call
of ``update_x``: the two can never disagree.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab import dp
from privlab._guard import integer, integer_array, positive_number, real_number
from privlab.lessons.kit.style import (
    BAR_TEXT_SIZE,
    LOG_DECADES,
    LOG_TICKS,
    PALETTE,
    TWO_PANELS,
    base_layout,
)

WITH_ALICE = "Alice in the data (118 buyers)"
EXAMPLE_COUNTS = (20, 200, 2_000, 20_000)


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


# --------------------------------------------------------------------------
# 1. Releasing the same count again and again
# --------------------------------------------------------------------------


def releases_figure(releases: np.ndarray, true_count: int, epsilon: float) -> go.Figure:
    """Histogram of noisy releases of one count, with the true count and the latest release marked.

    Examples
    --------
    >>> fig = releases_figure(dp.noisy_count([118] * 20, epsilon=0.5, rng=0), 118, 0.5)
    >>> [trace.name for trace in fig.data]
    ['noisy releases', 'true count', 'latest release']
    """
    fig = go.Figure()
    fig.add_bar(name="noisy releases", marker_color=PALETTE["sky"], marker_line_width=0, width=0.9)
    fig.add_scatter(name="true count", mode="lines", line={"color": PALETTE["black"], "width": 3})
    fig.add_scatter(
        name="latest release",
        mode="markers",
        marker={"color": PALETTE["vermillion"], "size": 14, "symbol": "diamond"},
    )
    fig.update_layout(
        base_layout(bargap=0.05),
        xaxis_title="released count (people)",
        yaxis_title="number of releases",
    )
    update_releases(fig, releases, true_count, epsilon)
    return fig


def update_releases(fig: go.Figure, releases: np.ndarray, true_count: int, epsilon: float) -> None:
    """Redraw :func:`releases_figure` for a new list of releases."""
    releases = integer_array("releases", releases).ravel()
    true_count = integer("true_count", true_count, low=0)
    epsilon = positive_number("epsilon", epsilon)
    if releases.size == 0:
        values, heights = np.array([true_count]), np.array([0])
    else:
        values, heights = np.unique(releases, return_counts=True)
    top = max(int(heights.max()), 1)
    # Wide enough for 99.7% of releases (P(|Z| > 6/eps) < e^-6); rarer ones fall outside.
    half_width = max(6, math.ceil(6 / epsilon))
    latest = int(releases[-1]) if releases.size else None
    fig.data[0].update(x=values, y=heights)
    fig.data[1].update(x=[true_count, true_count], y=[0, top * 1.1])
    fig.data[2].update(
        x=[] if latest is None else [latest], y=[] if latest is None else [top * 1.05]
    )
    title = (
        f"{releases.size} release{'s' if releases.size > 1 else ''} at ε = {epsilon:g}; "
        f"latest: {latest} (true count {true_count})"
        if latest is not None
        else f"No releases yet (true count {true_count})"
    )
    fig.layout.title.text = title
    fig.layout.xaxis.range = [true_count - half_width - 0.5, true_count + half_width + 0.5]
    fig.layout.yaxis.range = [0, top * 1.15]
    fig.layout.yaxis.dtick = 1 if top <= 5 else None  # whole numbers of releases


# --------------------------------------------------------------------------
# 2. Neighbouring data sets: with and without Alice
# --------------------------------------------------------------------------


def neighbours_window(epsilon: float) -> int:
    """How many counts either side of the truth the neighbours chart shows."""
    return int(min(80, max(6, math.ceil(5 / epsilon))))


def best_guess_accuracy(epsilon: float) -> float:
    """How often the best attacker, seeing one noisy count, guesses right whether Alice is in.

    For the discrete Laplace count this is :math:`e^\\varepsilon / (1 + e^\\varepsilon)`:
    exactly the most that any epsilon-DP mechanism allows.

    Examples
    --------
    >>> round(best_guess_accuracy(1.0), 3)
    0.731
    """
    return dp.keep_probability(epsilon)


def neighbours_figure(epsilon: float, count: int = 118) -> go.Figure:
    """The distribution of a noisy count with Alice (``count``) and without her (``count - 1``).

    Left: the two probability distributions, side by side. Right: their ratio
    for each possible output, which never leaves the band
    :math:`[e^{-\\varepsilon}, e^{\\varepsilon}]`.

    Examples
    --------
    >>> fig = neighbours_figure(epsilon=0.5)
    >>> len(fig.data)
    5
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.58, 0.42],
        horizontal_spacing=0.08,
        subplot_titles=("What the analyst might see", "Ratio: with Alice / without"),
    )
    fig.add_bar(name="with Alice", marker_color=PALETTE["blue"], marker_line_width=0, row=1, col=1)
    fig.add_bar(
        name="without Alice",
        marker_color=PALETTE["orange"],
        marker_pattern_shape="/",
        marker_line_width=0,
        row=1,
        col=1,
    )
    fig.add_scatter(
        name="ratio with / without",
        mode="markers+lines",
        line={"color": PALETTE["black"], "width": 1.5},
        marker={"size": 5},
        row=1,
        col=2,
    )
    for name in ("bounds e^ε and e^-ε", "lower bound"):
        fig.add_scatter(
            name=name,
            mode="lines",
            line={"color": PALETTE["vermillion"], "dash": "dash", "width": 2},
            showlegend=name != "lower bound",
            row=1,
            col=2,
        )
    fig.update_layout(base_layout(height=400, barmode="group", bargap=0.15, margin=TWO_PANELS))
    fig.update_xaxes(title_text="released count (people)", row=1, col=1)
    fig.update_yaxes(title_text="probability", row=1, col=1)
    fig.update_xaxes(title_text="released count (people)", row=1, col=2)
    fig.update_yaxes(
        title_text="ratio (log scale)", type="log", **LOG_TICKS, side="right", row=1, col=2
    )
    update_neighbours(fig, epsilon, count)
    return fig


def update_neighbours(fig: go.Figure, epsilon: float, count: int = 118) -> None:
    """Redraw :func:`neighbours_figure` for a new epsilon."""
    epsilon = positive_number("epsilon", epsilon)
    count = integer("count", count, low=1)
    window = neighbours_window(epsilon)
    k = np.arange(count - window, count + window + 1)
    with_alice = dp.discrete_laplace_pmf(k, loc=count, epsilon=epsilon)
    without_alice = dp.discrete_laplace_pmf(k, loc=count - 1, epsilon=epsilon)
    bound = math.exp(epsilon)
    ends = [k[0], k[-1]]
    fig.data[0].update(x=k, y=with_alice, name=f"with Alice (true count {count})")
    fig.data[1].update(x=k, y=without_alice, name=f"without Alice (true count {count - 1})")
    fig.data[2].update(x=k, y=with_alice / without_alice)
    fig.data[3].update(x=ends, y=[bound, bound])
    fig.data[4].update(x=ends, y=[1 / bound, 1 / bound])
    fig.layout.title.text = (
        f"ε = {epsilon:g}: no output is more than e^ε = {bound:.3g} times likelier with Alice"
    )
    fig.layout.yaxis2.range = [-math.log10(bound) * 1.3 - 0.05, math.log10(bound) * 1.3 + 0.05]


def neighbours_caption(epsilon: float, count: int = 118) -> str:
    """Two sentences that say what the neighbours chart shows, without relying on colour."""
    accuracy = best_guess_accuracy(epsilon)
    bound = math.exp(epsilon)
    if epsilon <= 0.3:
        overlap = "almost coincide"
    elif epsilon <= 1.5:
        overlap = "overlap a lot"
    else:
        overlap = "barely overlap"
    return (
        f"Left: the distributions of the release with Alice (solid bars) and without her "
        f"(hatched bars) {overlap}. Right: for every output, the ratio of the two is exactly "
        f"e^ε = {bound:.3g} or e^-ε = {1 / bound:.3g}, never beyond. If Alice being in or out "
        f"is a coin toss beforehand, the best attacker, guessing “Alice is in” whenever the "
        f"release is {count} or more, is right {_percent(accuracy)} of the time, and no "
        f"attacker can do better: e^ε / (1 + e^ε) = {_percent(accuracy)}."
    )


# --------------------------------------------------------------------------
# 3. Utility: the error does not depend on the count
# --------------------------------------------------------------------------

EPSILON_CURVE = np.geomspace(0.03, 6, 120)


def noise_scale_figure(epsilon: float) -> go.Figure:
    """Typical error of a noisy count against epsilon, and relative to counts of different sizes.

    Examples
    --------
    >>> fig = noise_scale_figure(epsilon=1.0)
    >>> fig.data[2].y.round(1).tolist()
    [4.3, 0.4, 0.0, 0.0]
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.08,
        subplot_titles=("Typical error of a noisy count", "The same error, relative"),
    )
    curve = [dp.expected_absolute_error(e, discrete=True) for e in EPSILON_CURVE]
    fig.add_scatter(
        x=EPSILON_CURVE,
        y=curve,
        name="average error",
        mode="lines",
        line={"color": PALETTE["blue"], "width": 3},
        row=1,
        col=1,
    )
    fig.add_scatter(
        name="chosen ε",
        mode="markers",
        marker={"color": PALETTE["vermillion"], "size": 13, "symbol": "diamond"},
        row=1,
        col=1,
    )
    fig.add_bar(
        x=[f"{c:,}" for c in EXAMPLE_COUNTS],
        name="relative error",
        marker_color=PALETTE["green"],
        textposition="outside",
        textfont={"size": BAR_TEXT_SIZE},
        cliponaxis=False,
        row=1,
        col=2,
        showlegend=False,
    )
    fig.update_layout(
        base_layout(height=400, showlegend=False, bargap=0.15, margin=TWO_PANELS),
        # Plotly shrinks a label to the width of its bar: never below a readable size.
        uniformtext={"minsize": BAR_TEXT_SIZE, "mode": "show"},
    )
    fig.update_xaxes(title_text="ε (log scale)", type="log", **LOG_TICKS, row=1, col=1)
    fig.update_yaxes(
        title_text="average error (people, log scale)", type="log", **LOG_TICKS, row=1, col=1
    )
    fig.update_xaxes(title_text="true count (people)", type="category", row=1, col=2)
    fig.update_yaxes(
        title_text="error (% of the count, log scale)",
        type="log",
        **LOG_TICKS,
        range=[-3.5, 2.7],
        side="right",
        row=1,
        col=2,
    )
    update_noise_scale(fig, epsilon)
    return fig


def update_noise_scale(fig: go.Figure, epsilon: float) -> None:
    """Redraw :func:`noise_scale_figure` for a new epsilon."""
    epsilon = positive_number("epsilon", epsilon)
    error = dp.expected_absolute_error(epsilon, discrete=True)
    relative = np.array([100 * error / c for c in EXAMPLE_COUNTS])
    fig.data[1].update(x=[epsilon], y=[error])
    fig.data[2].update(y=relative, text=[_bar_label(r) for r in relative])
    fig.layout.title.text = (
        f"ε = {epsilon:g}: a noisy count is off by {error:.2g} people on average"
    )


def _share(percent: float) -> str:
    """A percentage written out plainly, never in e-notation."""
    if percent >= 10:
        return f"{percent:,.0f}%"
    if percent >= 0.01:
        return f"{percent:.2g}%"
    return "less than 0.01%"


def _bar_label(percent: float) -> str:
    """:func:`_share`, short enough for a bar: "<0.01%" for less than 0.01%."""
    return _share(percent) if percent >= 0.01 else "<0.01%"


def noise_scale_caption(epsilon: float) -> str:
    """One sentence that says what the noise-scale chart shows."""
    error = dp.expected_absolute_error(epsilon, discrete=True)
    return (
        f"At ε = {epsilon:g} the noise is about ±{error:.2g} people whatever the count: "
        f"{_share(100 * error / EXAMPLE_COUNTS[0])} of a count of 20, but "
        f"{_share(100 * error / EXAMPLE_COUNTS[-1])} of a count of 20,000. "
        "For ε below about 1, halving ε roughly doubles the error."
    )


# --------------------------------------------------------------------------
# 4. Randomized response: a survey where nobody trusts the collector
# --------------------------------------------------------------------------

SURVEY_SIZES = np.geomspace(50, 200_000, 60)


def randomized_response_figure(
    epsilon: float,
    respondents: int,
    true_proportion: float = 0.3,
    *,
    surveys: int = 1000,
    rng: np.random.Generator | int | None = 0,
) -> go.Figure:
    """What repeated randomized-response surveys estimate, and how the error shrinks with size.

    Left: the raw share of "yes" reports and the corrected estimate over
    ``surveys`` simulated surveys. Right: the typical error against the number
    of respondents, for local DP (randomized response) and for a trusted
    curator adding Laplace noise to the count (central DP), at the same epsilon.

    Examples
    --------
    >>> fig = randomized_response_figure(epsilon=1.0, respondents=1000)
    >>> [trace.name for trace in fig.data][:3]
    ['raw share of “yes” reports', 'corrected estimate', 'true share']
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.1,
        subplot_titles=("1,000 repeated surveys", "Error against survey size"),
    )
    fig.add_bar(
        name="raw share of “yes” reports",
        marker_color=PALETTE["orange"],
        marker_pattern_shape="/",
        marker_line_width=0,
        opacity=0.85,
        row=1,
        col=1,
    )
    fig.add_bar(
        name="corrected estimate",
        marker_color=PALETTE["blue"],
        marker_line_width=0,
        opacity=0.85,
        row=1,
        col=1,
    )
    fig.add_scatter(
        name="true share", mode="lines", line={"color": PALETTE["black"], "width": 3}, row=1, col=1
    )
    fig.add_scatter(
        name="local DP (randomized response)",
        mode="lines",
        line={"color": PALETTE["blue"], "width": 3},
        row=1,
        col=2,
    )
    fig.add_scatter(
        name="central DP (noisy count)",
        mode="lines",
        line={"color": PALETTE["green"], "width": 3, "dash": "dot"},
        row=1,
        col=2,
    )
    fig.add_scatter(
        name="this survey",
        mode="markers",
        marker={"color": PALETTE["vermillion"], "size": 13, "symbol": "diamond"},
        row=1,
        col=2,
    )
    fig.update_layout(base_layout(height=420, barmode="overlay", bargap=0.0, margin=TWO_PANELS))
    fig.update_xaxes(title_text="estimated share of “yes” (%)", row=1, col=1)
    fig.update_yaxes(title_text="number of surveys", row=1, col=1)
    fig.update_xaxes(title_text="respondents (log scale)", type="log", **LOG_DECADES, row=1, col=2)
    fig.update_yaxes(
        title_text="typical error (points, log scale)",
        type="log",
        **LOG_TICKS,
        side="right",
        row=1,
        col=2,
    )
    update_randomized_response(fig, epsilon, respondents, true_proportion, surveys=surveys, rng=rng)
    return fig


def _lattice_histogram(
    values: np.ndarray,
    spacing: float,
    low: float,
    high: float,
    *,
    origin: float = 0.0,
    bins: int = 60,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Histogram of values on the grid ``origin + k * spacing``: (centres, heights, width).

    A survey's share can only be k / n, so its estimates lie on a grid. Bins
    whose width is a whole number of grid steps, with edges between grid
    points, hold equally many possible values each; other bins make a comb.
    """
    width = spacing * max(1, math.ceil((high - low) / bins / spacing))
    start = origin + spacing * (math.floor((low - origin) / spacing) - 0.5)
    edges = start + width * np.arange(math.ceil((high - start) / width) + 1)
    heights, _ = np.histogram(values, bins=edges)
    return (edges[:-1] + edges[1:]) / 2, heights, width


def update_randomized_response(
    fig: go.Figure,
    epsilon: float,
    respondents: int,
    true_proportion: float = 0.3,
    *,
    surveys: int = 1000,
    rng: np.random.Generator | int | None = 0,
) -> None:
    """Redraw :func:`randomized_response_figure` for new parameters."""
    respondents = integer("respondents", respondents, low=1)
    true_proportion = real_number("true_proportion", true_proportion)
    estimates, raw = dp.simulate_randomized_response(
        respondents, true_proportion, epsilon, surveys=surveys, rng=rng
    )
    spread = max(4 * dp.randomized_response_std_error(true_proportion, respondents, epsilon), 0.02)
    low = 100 * min(true_proportion - spread, raw.min())
    high = 100 * max(true_proportion + spread, raw.max())
    grid = 100 / respondents  # a share is k / n, in percent
    p = dp.keep_probability(epsilon)  # the estimate is (share - (1 - p)) / (2p - 1)
    x_raw, h_raw, w_raw = _lattice_histogram(raw * 100, grid, low, high)
    x_est, h_est, w_est = _lattice_histogram(
        estimates * 100, grid / (2 * p - 1), low, high, origin=-100 * (1 - p) / (2 * p - 1)
    )
    local = [
        100 * dp.randomized_response_std_error(true_proportion, int(n), epsilon)
        for n in SURVEY_SIZES
    ]
    # Both curves include the sampling error of asking n people; the central one adds
    # Laplace noise of variance 2 b^2 to the count, so 2 b^2 / n^2 to the share.
    sampling = true_proportion * (1 - true_proportion) / SURVEY_SIZES
    noise = 2 * dp.laplace_scale(1, epsilon) ** 2 / SURVEY_SIZES**2
    central = 100 * np.sqrt(sampling + noise)
    this_error = 100 * dp.randomized_response_std_error(true_proportion, respondents, epsilon)
    fig.data[0].update(x=x_raw, y=h_raw, width=w_raw)
    fig.data[1].update(x=x_est, y=h_est, width=w_est)
    top = max(h_raw.max(), h_est.max()) * 1.1
    fig.data[2].update(x=[100 * true_proportion] * 2, y=[0, top])
    fig.data[3].update(x=SURVEY_SIZES, y=local)
    fig.data[4].update(x=SURVEY_SIZES, y=central)
    fig.data[5].update(x=[respondents], y=[this_error])
    fig.layout.title.text = (
        f"ε = {epsilon:g}, {respondents:,} respondents: the estimate is off by "
        f"about {this_error:.2g} points"
    )


def randomized_response_caption(
    epsilon: float, respondents: int, true_proportion: float = 0.3
) -> str:
    """Two sentences that say what the randomized-response chart shows."""
    p = dp.keep_probability(epsilon)
    raw = p * true_proportion + (1 - p) * (1 - true_proportion)
    error = 100 * dp.randomized_response_std_error(true_proportion, respondents, epsilon)
    return (
        f"Each person tells the truth with probability {_percent(p)}. Left: the raw share of "
        f"“yes” reports (hatched bars) centres on {100 * raw:.1f}%, pulled towards 50% by the "
        f"coin; the corrected estimate (solid bars) centres on the true "
        f"{100 * true_proportion:.0f}%, typically within ±{error:.2g} points. Right: "
        "not having to trust the collector costs accuracy, as the local curve (solid) sits "
        "above the central one (dotted), which a trusted curator adding noise to the exact "
        "count would get."
    )
