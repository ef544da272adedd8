"""Charts for lesson 02: privacy budgets and the attacks that add answers up.

Every chart comes as ``x_figure(...)`` (a skeleton plus one call of the update
function), ``update_x(fig, ...)`` (changes data and text only, so a slider can
call it) and ``x_caption(...)`` (one or two sentences saying what the chart shows).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from privlab import dp
from privlab._guard import integer, positive_number, real_array
from privlab.lessons.kit.style import BAR_TEXT_SIZE, LOG_TICKS, PALETTE, base_layout


def discrete_laplace_sd(epsilon: float) -> float:
    """Standard deviation of one noisy count.

    .. math:: \\mathrm{sd} = \\sqrt{2a}/(1 - a), \\qquad a = e^{-\\varepsilon}

    Examples
    --------
    >>> round(discrete_laplace_sd(1.0), 3)
    1.357
    """
    a = math.exp(-positive_number("epsilon", epsilon))
    return math.sqrt(2 * a) / (1 - a)


# --------------------------------------------------------------------------
# 1. The averaging attack
# --------------------------------------------------------------------------


def averaging_figure(answers: np.ndarray, true_count: int, epsilon: float) -> go.Figure:
    """The running average of repeated noisy answers, closing in on the true count.

    Examples
    --------
    >>> answers, _ = dp.attacks.averaging_attack(118, 0.5, 50, rng=0)
    >>> [trace.name for trace in averaging_figure(answers, 118, 0.5).data]
    ['95% of averages land here (±2 sd)', 'true count', 'single answers', 'running average']
    """
    fig = go.Figure()
    fig.add_scatter(
        name="95% of averages land here (±2 sd)",
        fill="toself",
        mode="lines",
        line={"width": 0},
        fillcolor="rgba(86, 180, 233, 0.25)",
        hoverinfo="skip",
    )
    fig.add_scatter(
        name="true count",
        mode="lines",
        line={"color": PALETTE["black"], "width": 2, "dash": "dash"},
    )
    fig.add_scatter(
        name="single answers",
        mode="markers",
        marker={"color": PALETTE["grey"], "size": 5, "symbol": "circle-open"},
    )
    fig.add_scatter(
        name="running average", mode="lines", line={"color": PALETTE["vermillion"], "width": 3}
    )
    fig.update_layout(
        base_layout(
            margin={"l": 70, "r": 20, "t": 70, "b": 90},
            legend={"orientation": "h", "y": -0.3, "x": 0.0},
        ),
        xaxis={"title": "number of answers averaged (log scale)", "type": "log", **LOG_TICKS},
        yaxis_title="count (people)",
    )
    update_averaging(fig, answers, true_count, epsilon)
    return fig


def update_averaging(fig: go.Figure, answers: np.ndarray, true_count: int, epsilon: float) -> None:
    """Redraw :func:`averaging_figure` for a new list of answers."""
    answers = real_array("answers", answers).ravel()
    true_count = integer("true_count", true_count, low=0)
    sd = discrete_laplace_sd(epsilon)
    k = np.arange(1, answers.size + 1)
    band = 2 * sd / np.sqrt(k)
    fig.data[0].update(
        x=np.concatenate([k, k[::-1]]),
        y=np.concatenate([true_count + band, (true_count - band)[::-1]]),
    )
    fig.data[1].update(x=[1, max(answers.size, 2)], y=[true_count, true_count])
    fig.data[2].update(x=k, y=answers)
    fig.data[3].update(x=k, y=np.cumsum(answers) / k)
    # Show (almost) every single answer: at least 3 sd, and the 99th percentile of the errors.
    spread = max(3 * sd, 2, float(np.quantile(np.abs(answers - true_count), 0.99)) + 1)
    fig.layout.yaxis.range = [true_count - spread, true_count + spread]
    fig.layout.xaxis.range = [0, math.log10(max(answers.size, 2))]
    fig.layout.title.text = (
        f"Average of {answers.size} answers at ε = {epsilon:g} each: "
        f"{answers.mean():.1f} (true {true_count})"
    )


def averaging_caption(answers: np.ndarray, true_count: int, epsilon: float) -> str:
    """What the averaging chart shows, in words."""
    k = len(answers)
    sd = discrete_laplace_sd(epsilon)
    return (
        f"One answer at ε = {epsilon:g} is typically off by ±{sd:.1f} people. The average of "
        f"{k} answers is {np.mean(answers):.1f} (true {true_count}), typically off by only "
        f"±{sd / math.sqrt(k):.2f}. Together the {k} answers spent ε = {k * epsilon:g}: "
        "repeating a question is not free."
    )


# --------------------------------------------------------------------------
# 2. Reconstruction (Dinur and Nissim)
# --------------------------------------------------------------------------

NOISE_SCALES = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0)
EXPOSED = "×"  # marks a person whose secret the attacker recovered (a Latin-1 sign: every font)


def _people_title(people: int) -> str:
    """The title of the grid of people, short enough for its narrow panel."""
    return f"{people} people ({EXPOSED} = exposed)"


def reconstruction_figure(
    experiment: dp.attacks.ReconstructionExperiment, queries: int, noise_scale: float
) -> go.Figure:
    """Left: share of secrets recovered against the noise scale. Right: who was exposed.

    Examples
    --------
    >>> bits = dp.attacks.secret_bits(100, rng=1)
    >>> experiment = dp.attacks.ReconstructionExperiment(bits, 400, rng=2)
    >>> len(reconstruction_figure(experiment, 200, 2.0).data)
    5
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.62, 0.38],
        horizontal_spacing=0.12,
        subplot_titles=("Share of secrets recovered", _people_title(100)),
    )
    fig.add_scatter(
        name="recovered (this many queries)",
        mode="lines+markers",
        line={"color": PALETTE["vermillion"], "width": 3},
        row=1,
        col=1,
    )
    fig.add_scatter(
        name="coin flip (50%)",
        mode="lines",
        line={"color": PALETTE["grey"], "dash": "dot"},
        row=1,
        col=1,
    )
    fig.add_scatter(
        name="noise = √n",
        mode="lines",
        line={"color": PALETTE["blue"], "dash": "dash"},
        row=1,
        col=1,
    )
    fig.add_scatter(
        name="current setting",
        mode="markers",
        marker={"color": PALETTE["black"], "size": 13, "symbol": "diamond"},
        row=1,
        col=1,
    )
    fig.add_heatmap(
        name="people",
        zmin=0,
        zmax=1,
        colorscale=[
            [0, PALETTE["sky"]],
            [0.5, PALETTE["sky"]],
            [0.5, PALETTE["vermillion"]],
            [1, PALETTE["vermillion"]],
        ],
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{customdata}<extra></extra>",
        texttemplate="%{text}",
        textfont={"color": "white", "size": 14},
        row=1,
        col=2,
    )
    fig.update_layout(base_layout(height=420))
    fig.update_xaxes(title_text="noise scale b of each answer (people)", row=1, col=1)
    fig.update_yaxes(
        title_text="share recovered", tickformat=".0%", range=[0.4, 1.02], row=1, col=1
    )
    fig.update_xaxes(visible=False, row=1, col=2)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x2", row=1, col=2)
    update_reconstruction(fig, experiment, queries, noise_scale)
    return fig


def update_reconstruction(
    fig: go.Figure,
    experiment: dp.attacks.ReconstructionExperiment,
    queries: int,
    noise_scale: float,
) -> None:
    """Redraw :func:`reconstruction_figure` for another number of queries or noise scale."""
    scales = np.array(NOISE_SCALES)
    shares = experiment.fraction_correct(queries, scales)
    people = experiment.bits.size
    root_n = math.sqrt(people)
    exposed = experiment.guess(queries, noise_scale) == experiment.bits
    current = float(exposed.mean())
    fig.data[0].update(x=scales, y=shares)
    fig.data[1].update(x=[0, scales[-1]], y=[0.5, 0.5])
    fig.data[2].update(x=[root_n, root_n], y=[0.4, 1.02])
    fig.data[3].update(x=[noise_scale], y=[current])
    side = math.ceil(math.sqrt(people))
    grid = np.full(side * side, np.nan)
    grid[:people] = exposed
    labels = np.array([EXPOSED if e else "" for e in exposed] + [""] * (side * side - people))
    hover = np.array(
        [
            f"person {i + 1}: secret {'recovered' if e else 'safe (guess wrong)'}"
            for i, e in enumerate(exposed)
        ]
        + [""] * (side * side - people)
    )
    fig.data[4].update(
        z=grid.reshape(side, side),
        text=labels.reshape(side, side),
        customdata=hover.reshape(side, side),
    )
    spent = "∞" if noise_scale == 0 else f"{queries / noise_scale:.4g}"
    fig.layout.annotations[1].text = _people_title(people)
    fig.layout.title.text = (
        f"{queries} queries about {people} people, noise {noise_scale:g}: {current:.0%} "
        f"recovered; ε spent = {spent}"
    )


def reconstruction_caption(
    experiment: dp.attacks.ReconstructionExperiment, queries: int, noise_scale: float
) -> str:
    """What the reconstruction chart shows, in words."""
    people = experiment.bits.size
    share = float(np.mean(experiment.guess(queries, noise_scale) == experiment.bits))
    budget = (
        "an infinite ε: the exact answers give no privacy at all"
        if noise_scale == 0
        else f"ε = {queries}/{noise_scale:g} = {queries / noise_scale:.3g} in total"
    )
    return (
        f"With {queries} noisy subset sums the attacker gets {share:.0%} of the {people} secrets "
        f"right ({EXPOSED} marks a person whose secret the attacker now knows; 50% is a coin "
        "flip). Noise "
        f"of scale {noise_scale:g} per answer costs {budget}. With enough queries, noise far "
        f"below √n = {math.sqrt(people):.0f} cannot stop the attack: more queries need more noise."
    )


# --------------------------------------------------------------------------
# 3. A count per campaign (histogram)
# --------------------------------------------------------------------------


def histogram_figure(
    categories: list[str], counts: np.ndarray, released: np.ndarray, epsilon: float
) -> go.Figure:
    """True and released counts per category, side by side.

    Examples
    --------
    >>> fig = histogram_figure(["a", "b"], np.array([10, 3]), np.array([11, 1]), 0.5)
    >>> [trace.name for trace in fig.data]
    ['true count (secret)', 'released count (ε-DP)']
    """
    fig = go.Figure()
    fig.add_bar(
        name="true count (secret)",
        marker={"color": PALETTE["grey"], "pattern": {"shape": "/", "fgcolor": "white"}},
    )
    fig.add_bar(
        name="released count (ε-DP)",
        marker_color=PALETTE["blue"],
        texttemplate="%{y}",
        textposition="outside",
        textfont={"size": BAR_TEXT_SIZE},
    )
    fig.update_layout(
        base_layout(barmode="group"),
        uniformtext={"minsize": BAR_TEXT_SIZE, "mode": "show"},  # never shrunk to the bar
        xaxis_title="campaign",
        yaxis={"title": "customers (people, log scale)", "type": "log", "dtick": 1},
    )
    update_histogram(fig, categories, counts, released, epsilon)
    return fig


def update_histogram(
    fig: go.Figure,
    categories: list[str],
    counts: np.ndarray,
    released: np.ndarray,
    epsilon: float,
) -> None:
    """Redraw :func:`histogram_figure` with a new release."""
    shown = np.maximum(np.asarray(released), 0.5)  # a log axis cannot show 0 or below
    fig.data[0].update(x=categories, y=counts)
    fig.data[1].update(x=categories, y=shown, text=np.asarray(released))
    fig.data[1].texttemplate = "%{text}"
    top = max(float(np.max(counts)), float(np.max(shown)))
    fig.layout.yaxis.range = [math.log10(0.5), math.log10(top * 2)]
    fig.layout.title.text = (
        f"Customers per campaign: true (hatched) and released at ε = {epsilon:g}"
    )


def histogram_caption(
    categories: list[str], counts: np.ndarray, released: np.ndarray, epsilon: float
) -> str:
    """What the histogram shows, in words, with the smallest category called out."""
    smallest = int(np.argmin(counts))
    relative = abs(int(released[smallest]) - int(counts[smallest])) / max(int(counts[smallest]), 1)
    return (
        f"All {len(categories)} counts together cost ε = {epsilon:g}, not {len(categories)} × "
        f"{epsilon:g}: each customer is in one campaign only. The noise is the same size for "
        f"every campaign (typically ±{discrete_laplace_sd(epsilon):.1f}), so the smallest, "
        f"{categories[smallest]}, is hit hardest: {int(counts[smallest])} customers released as "
        f"{int(released[smallest])} ({relative:.0%} off)."
    )


# --------------------------------------------------------------------------
# 4. Clipping: bias against noise
# --------------------------------------------------------------------------

BOUNDS = (10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5200, 10_000)


def mean_error_parts(
    values: np.ndarray, bounds: np.ndarray, epsilon: float
) -> dict[str, np.ndarray]:
    """Bias, noise and total error (in the values' units) of ``dp.clipped_mean`` for each bound.

    The mean spends ε/2 on the clipped sum and ε/2 on the count. With
    :math:`n` people, clipped mean :math:`\\mu_u` and the noise standard
    deviations :math:`\\sigma_S` (sum) and :math:`\\sigma_n` (count), the
    delta method gives a noise of about :math:`\\sqrt{\\sigma_S^2 + \\mu_u^2\\sigma_n^2}/n`.

    Examples
    --------
    >>> parts = mean_error_parts(np.array([10.0, 20.0, 300.0]), np.array([50.0]), 1.0)
    >>> round(float(parts["bias"][0]), 1), round(float(parts["noise"][0]), 1)
    (-83.3, 53.3)
    """
    values = real_array("values", values)
    bounds = real_array("bounds", bounds)
    n = values.size
    bias_sum, sd_sum = dp.clipping_error(values, bounds, epsilon / 2)
    clipped_means = (values.sum() + bias_sum) / n
    sd_count = discrete_laplace_sd(epsilon / 2)
    noise = np.sqrt(sd_sum**2 + (clipped_means * sd_count) ** 2) / n
    bias = bias_sum / n
    return {"bias": bias, "noise": noise, "total": np.hypot(bias, noise)}


def clipping_figure(values: np.ndarray, bound: float, epsilon: float) -> go.Figure:
    """Error of a DP mean against the clipping bound: bias falls, noise grows.

    Examples
    --------
    >>> fig = clipping_figure(np.array([10.0, 20.0, 300.0]), 50, 1.0)
    >>> [trace.name for trace in fig.data]
    ['bias from clipping', 'noise', 'total error', 'your bound']
    """
    fig = go.Figure()
    fig.add_scatter(
        name="bias from clipping",
        mode="lines",
        line={"color": PALETTE["orange"], "width": 3, "dash": "dash"},
    )
    fig.add_scatter(
        name="noise", mode="lines", line={"color": PALETTE["blue"], "width": 3, "dash": "dot"}
    )
    fig.add_scatter(name="total error", mode="lines", line={"color": PALETTE["black"], "width": 3})
    fig.add_scatter(
        name="your bound",
        mode="markers",
        marker={"color": PALETTE["vermillion"], "size": 14, "symbol": "diamond"},
    )
    fig.update_layout(
        base_layout(),
        xaxis={
            "title": "clipping bound: the most one order may count (€, log scale)",
            "type": "log",
            "dtick": 1,
        },
        yaxis={"title": "error of the mean (€, log)", "type": "log", "dtick": 1},
    )
    update_clipping(fig, values, bound, epsilon)
    return fig


def update_clipping(fig: go.Figure, values: np.ndarray, bound: float, epsilon: float) -> None:
    """Redraw :func:`clipping_figure` for another bound or epsilon."""
    grid = np.geomspace(5, 20_000, 120)
    parts = mean_error_parts(values, grid, epsilon)
    here = mean_error_parts(values, np.array([bound]), epsilon)
    fig.data[0].update(x=grid, y=np.maximum(np.abs(parts["bias"]), 1e-3))
    fig.data[1].update(x=grid, y=parts["noise"])
    fig.data[2].update(x=grid, y=parts["total"])
    fig.data[3].update(x=[bound], y=[here["total"][0]])
    fig.layout.yaxis.range = [-2, math.log10(max(float(parts["total"].max()), 1.0) * 1.5)]
    best = grid[int(np.argmin(parts["total"]))]
    fig.layout.title.text = (
        f"DP mean at ε = {epsilon:g}: bound €{bound:,.0f} gives error ±€{here['total'][0]:.2f}"
        f"<br><sup>the best bound here is about €{best:,.0f}</sup>"
    )


def _euros(amount: float) -> str:
    """An amount of euros with a proper minus sign: −€6.74."""
    return f"{'−' if amount < 0 else ''}€{abs(amount):,.2f}"


def clipping_caption(values: np.ndarray, bound: float, epsilon: float, released: float) -> str:
    """What the clipping chart shows, in words."""
    here = mean_error_parts(values, np.array([bound]), epsilon)
    clipped = int(np.sum(values > bound))
    return (
        f"The true mean order is €{values.mean():.2f}; with bound €{bound:,.0f} one release "
        f"gave €{released:.2f}. The bound cuts {clipped} of {values.size} orders (bias "
        f"{_euros(here['bias'][0])}) and sets the noise (±€{here['noise'][0]:.2f}). A small bound "
        "biases the mean down; a large one drowns it in noise."
    )


# --------------------------------------------------------------------------
# 6. Floating-point noise leaks (Mironov 2012)
# --------------------------------------------------------------------------

LEAK_COUNTS = (0, 1, 10, 100, 1000)


def float_leak_shares(epsilon: float, *, samples: int = 2000, seed: int = 0) -> np.ndarray:
    """Share of textbook Laplace outputs from each count ``c`` that ``c + 1`` could never give.

    One share per count in :data:`LEAK_COUNTS`, from :func:`privlab.dp.exact.float_leak`.

    Examples
    --------
    >>> float_leak_shares(1.0, samples=500).round(2)
    array([0.67, 0.47, 0.05, 0.01, 0.  ])
    """
    scale = 1 / positive_number("epsilon", epsilon)
    return np.array(
        [dp.exact.float_leak(c, c + 1, scale, samples=samples, rng=seed) for c in LEAK_COUNTS]
    )


def float_leak_figure(shares: np.ndarray, epsilon: float) -> go.Figure:
    """Bars: how often one textbook Laplace output proves the true count, against exact noise.

    Examples
    --------
    >>> fig = float_leak_figure(np.array([0.6, 0.6, 0.2, 0.01, 0.0]), 1.0)
    >>> [trace.name for trace in fig.data]
    ['textbook float Laplace', 'exact integer noise']
    """
    fig = go.Figure()
    fig.add_bar(
        name="textbook float Laplace",
        marker_color=PALETTE["vermillion"],
        texttemplate="%{y:.1%}",
        textposition="outside",
        textfont={"size": BAR_TEXT_SIZE},
    )
    fig.add_bar(
        name="exact integer noise",
        marker={"color": PALETTE["blue"], "pattern": {"shape": "x", "fgcolor": "white"}},
        texttemplate="%{y:.0%}",
        textposition="outside",
        textfont={"size": BAR_TEXT_SIZE},
    )
    fig.update_layout(
        base_layout(barmode="group"),
        uniformtext={"minsize": BAR_TEXT_SIZE, "mode": "show"},  # never shrunk to the bar
        xaxis_title="true count c (its neighbour is c + 1)",
        yaxis={"title": "outputs that prove the true count", "tickformat": ".0%"},
    )
    update_float_leak(fig, shares, epsilon)
    return fig


def update_float_leak(fig: go.Figure, shares: np.ndarray, epsilon: float) -> None:
    """Redraw :func:`float_leak_figure` for another epsilon."""
    labels = [f"{c:,}" for c in LEAK_COUNTS]
    fig.data[0].update(x=labels, y=shares)
    fig.data[1].update(x=labels, y=np.zeros(len(LEAK_COUNTS)))
    fig.layout.yaxis.range = [0, 1.12]
    fig.layout.title.text = f"One release at ε = {epsilon:g}: how often does it prove the input?"


def float_leak_caption(shares: np.ndarray, epsilon: float) -> str:
    """What the float-leak chart shows, in words."""
    return (
        f"At ε = {epsilon:g} a textbook floating-point Laplace release of a count of 0 is, "
        f"{shares[0]:.0%} of the time, a number that a count of 1 could never produce, and for "
        f"a count of 100 {shares[3]:.1%} of the time. Each such output reveals the true count "
        "with certainty, whatever ε promises. Exact integer noise never does: every whole "
        "number is possible from every count."
    )


# --------------------------------------------------------------------------
# 5. Composition: how accountants add up Gaussian releases
# --------------------------------------------------------------------------

COMPOSITION_QUERIES = np.unique(np.round(np.geomspace(1, 10_000, 41)).astype(int))
ACCOUNTANTS = {
    "basic": ("sequential composition (add the ε's)", PALETTE["orange"], "dash"),
    "advanced": ("advanced composition", PALETTE["purple"], "dashdot"),
    "zcdp": ("zero-concentrated DP", PALETTE["green"], "dot"),
    "rdp": ("Rényi DP", PALETTE["blue"], "longdash"),
    "exact": ("exact (the truth)", PALETTE["black"], "solid"),
}


def composition_figure(sigma: float, delta: float, highlight: int = 100) -> go.Figure:
    """Total ε after k Gaussian releases, by each accountant, on log-log axes.

    Examples
    --------
    >>> [trace.name for trace in composition_figure(5.0, 1e-6).data][2:]
    ['zero-concentrated DP', 'Rényi DP', 'exact (the truth)']
    """
    fig = go.Figure()
    for label, colour, dash in ACCOUNTANTS.values():
        fig.add_scatter(
            name=label,
            mode="lines",
            line={"color": colour, "dash": dash, "width": 4 if dash == "solid" else 3},
        )
    fig.update_layout(
        base_layout(height=420),
        xaxis={"title": "number of Gaussian releases k (log scale)", "type": "log", "dtick": 1},
        yaxis={"title": "total ε at the chosen δ (log scale)", "type": "log", "dtick": 1},
    )
    update_composition(fig, sigma, delta, highlight)
    return fig


def update_composition(fig: go.Figure, sigma: float, delta: float, highlight: int = 100) -> None:
    """Redraw :func:`composition_figure` for another noise level or δ."""
    curves = dp.composition.composition_curves(COMPOSITION_QUERIES, sigma=sigma, delta=delta)
    for trace, key in zip(fig.data, ACCOUNTANTS, strict=True):
        trace.update(x=COMPOSITION_QUERIES, y=curves[key])
    low = min(float(curves["exact"].min()), 0.05)
    high = max(float(curves["advanced"].max()), float(curves["basic"].max()))
    fig.layout.yaxis.range = [math.log10(low) - 0.1, math.log10(high) + 0.1]
    fig.layout.title.text = (
        f"k releases, each with Gaussian noise σ = {sigma:g}; total δ = {delta:g}"
    )


def composition_caption(sigma: float, delta: float, queries: int = 100) -> str:
    """What the composition chart shows at ``queries`` releases, in words."""
    curves = dp.composition.composition_curves([queries], sigma=sigma, delta=delta)
    best_name = min(("advanced", "zcdp", "rdp"), key=lambda key: curves[key][0])
    return (
        f"After {queries} releases with noise σ = {sigma:g} (sensitivity 1, δ = {delta:g}): "
        f"adding the ε's gives ε = {curves['basic'][0]:.3g}, advanced composition "
        f"{curves['advanced'][0]:.3g}, zero-concentrated DP {curves['zcdp'][0]:.3g}, Rényi DP "
        f"{curves['rdp'][0]:.3g}; the true total is {curves['exact'][0]:.3g}. The best "
        f"accountant here, {ACCOUNTANTS[best_name][0]}, lets you answer far more questions "
        "for the same budget."
    )
