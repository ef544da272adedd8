"""Interactive demos for lesson 02: privacy budgets and attacks.

Each function returns a :class:`~privlab.lessons.kit.demo.Demo`: display it as
the last line of a cell. The charts come from :mod:`privlab.lessons.privacy_budgets.figures`.
Heavy work (random draws, pseudo-inverses) happens once, when the demo is made.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from privlab import data, dp
from privlab._guard import integer, real_number
from privlab._guard import rng as as_rng
from privlab.errors import InvalidParameterError
from privlab.lessons.kit.demo import EPSILONS, Demo, epsilon_slider, selection_slider
from privlab.lessons.privacy_budgets import figures as charts

QUERY_COUNTS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
ATTACK_QUERIES = (50, 100, 200, 400, 800, 1600, 3200)


def averaging_demo(epsilon: float = 0.5, queries: int = 10, true_count: int = 118) -> Demo:
    """Ask the same noisy count many times and average: the noise melts, the budget goes."""
    eps = epsilon_slider(epsilon)
    queries = integer("queries", queries, low=1, high=QUERY_COUNTS[-1])
    true_count = integer("true_count", true_count, low=0)
    asked = selection_slider("answers averaged", QUERY_COUNTS, queries, fmt="{:,}")
    # One fixed sequence of answers per epsilon, so moving the slider back shows the same story.
    answers = {
        e: dp.noisy_count(np.full(QUERY_COUNTS[-1], true_count), e, rng=index)
        for index, e in enumerate(sorted({*EPSILONS, eps.value}))
    }
    figure = charts.averaging_figure(answers[eps.value][: asked.value], true_count, eps.value)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        shown = answers[eps.value][: asked.value]
        charts.update_averaging(figure, shown, true_count, eps.value)
        return charts.averaging_caption(shown, true_count, eps.value)

    return Demo([eps, asked], figure, redraw, title="The averaging attack")


def reconstruction_demo(
    queries: int = 200, noise_scale: float = 1.0, people: int = 100, seed: int = 2026
) -> Demo:
    """Dinur and Nissim's attack: many noisy subset sums give the secrets away."""
    queries = integer("queries", queries, low=1, high=ATTACK_QUERIES[-1])
    noise_scale = real_number("noise_scale", noise_scale)
    if not 0 <= noise_scale <= charts.NOISE_SCALES[-1]:
        raise InvalidParameterError(
            f"noise_scale must be a number from 0 to {charts.NOISE_SCALES[-1]:g}; "
            f"got {noise_scale!r}."
        )
    people = integer("people", people, low=4, high=400)
    generator = as_rng(seed)
    bits = dp.attacks.secret_bits(people, rng=generator)
    experiment = dp.attacks.ReconstructionExperiment(bits, ATTACK_QUERIES[-1], rng=generator)
    asked = selection_slider("queries asked", ATTACK_QUERIES, queries, fmt="{:,}")
    noise = selection_slider("noise scale b", charts.NOISE_SCALES, noise_scale)
    for m in asked.options:  # the pseudo-inverses, once, so the sliders redraw at once
        experiment.fraction_correct(m[1], [0.0])
    figure = charts.reconstruction_figure(experiment, asked.value, noise.value)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_reconstruction(figure, experiment, asked.value, noise.value)
        return charts.reconstruction_caption(experiment, asked.value, noise.value)

    return Demo([asked, noise], figure, redraw, title="Reconstruction from noisy answers")


def campaign_counts() -> tuple[list[str], np.ndarray]:
    """The campaigns of the purchases data and their true numbers of customers, largest first."""
    shop = data.campaign_purchases()
    counts = np.array([np.sum(shop["campaign"] == name) for name in data.CAMPAIGNS])
    return list(data.CAMPAIGNS), counts


def histogram_demo(epsilon: float = 0.5, seed: int = 7) -> Demo:
    """Release the number of customers per campaign; the smallest campaign suffers most."""
    eps = epsilon_slider(epsilon)
    again = widgets.Button(description="Release again", icon="refresh", layout={"width": "auto"})
    categories, counts = campaign_counts()
    generator = as_rng(seed)
    released = dp.noisy_histogram(counts, eps.value, rng=generator)
    figure = charts.histogram_figure(categories, counts, released, eps.value)

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        nonlocal released
        if trigger is not None:
            released = dp.noisy_histogram(counts, eps.value, rng=generator)
        charts.update_histogram(figure, categories, counts, released, eps.value)
        return charts.histogram_caption(categories, counts, released, eps.value)

    return Demo([eps, again], figure, redraw, title="Customers per campaign")


def clipping_demo(bound: float = 100, epsilon: float = 1.0, seed: int = 11) -> Demo:
    """Choose the clipping bound of a DP mean order value: bias against noise."""
    eps = epsilon_slider(epsilon)
    bound = real_number("bound", bound)
    if not 1 <= bound <= charts.BOUNDS[-1]:
        raise InvalidParameterError(
            f"bound must be a number from 1 to {charts.BOUNDS[-1]:,}; got {bound!r}."
        )
    cap = selection_slider("clipping bound (€)", charts.BOUNDS, bound, fmt="€{:,.0f}")
    values = data.campaign_purchases()["amount_eur"]
    seed = integer("seed", seed, low=0)
    figure = charts.clipping_figure(values, cap.value, eps.value)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_clipping(figure, values, cap.value, eps.value)
        released = dp.clipped_mean(values, 0, cap.value, eps.value, rng=seed)
        return charts.clipping_caption(values, cap.value, eps.value, released)

    return Demo([cap, eps], figure, redraw, title="Clipping a mean")


def float_leak_demo(epsilon: float = 1.0, samples: int = 2000) -> Demo:
    """How often a textbook floating-point Laplace release gives the true count away."""
    eps = epsilon_slider(epsilon)
    samples = integer("samples", samples, low=100, high=20_000)
    shares = {e: charts.float_leak_shares(e, samples=samples) for e in (o[1] for o in eps.options)}
    figure = charts.float_leak_figure(shares[eps.value], eps.value)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_float_leak(figure, shares[eps.value], eps.value)
        return charts.float_leak_caption(shares[eps.value], eps.value)

    return Demo([eps], figure, redraw, title="Floating-point noise leaks")


SIGMAS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
DELTAS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)


def composition_demo(sigma: float = 5.0, delta: float = 1e-6) -> Demo:
    """Compare accountants for many Gaussian releases: total ε against the number of releases."""
    sigma = real_number("sigma", sigma)
    if not SIGMAS[0] <= sigma <= SIGMAS[-1]:
        raise InvalidParameterError(
            f"sigma must be a number from {SIGMAS[0]:g} to {SIGMAS[-1]:g}; got {sigma!r}."
        )
    delta = real_number("delta", delta)
    if not DELTAS[-1] <= delta <= DELTAS[0]:
        raise InvalidParameterError(
            f"delta must be a number from {DELTAS[-1]:g} to {DELTAS[0]:g}; got {delta!r}."
        )
    noise = selection_slider("noise σ per release", SIGMAS, sigma)
    total_delta = selection_slider("total δ", DELTAS, delta, fmt="{:.0e}")
    figure = charts.composition_figure(noise.value, total_delta.value)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_composition(figure, noise.value, total_delta.value)
        return charts.composition_caption(noise.value, total_delta.value)

    return Demo([noise, total_delta], figure, redraw, title="Adding up Gaussian releases")


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "averaging": averaging_demo,
    "reconstruction": reconstruction_demo,
    "histogram": histogram_demo,
    "clipping": clipping_demo,
    "composition": composition_demo,
    "float_leak": float_leak_demo,
}
