"""Interactive demos for the differential-privacy lessons.

Each function returns a :class:`~privlab.lessons.kit.demo.Demo`: display it as
the last line of a cell. The charts come from :mod:`privlab.lessons.noisy_counts.figures`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from privlab import dp
from privlab._guard import integer, real_number
from privlab._guard import rng as as_rng
from privlab.errors import InvalidParameterError
from privlab.lessons.kit.demo import Demo, epsilon_slider, selection_slider
from privlab.lessons.noisy_counts import figures as charts

RESPONDENTS = (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
TRUE_SHARES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def noisy_releases_demo(true_count: int = 118, epsilon: float = 0.5, seed: int = 2026) -> Demo:
    """Release one count again and again: every answer is a little off, and differently.

    A slider sets epsilon (which starts the history afresh); "Release once" adds
    one noisy answer and "Release 100 times" adds a hundred.
    """
    true_count = integer("true_count", true_count, low=0)
    generator = as_rng(seed)
    slider = epsilon_slider(epsilon)
    once = widgets.Button(description="Release once", icon="play", layout={"width": "auto"})
    many = widgets.Button(description="Release 100 times", icon="forward", layout={"width": "auto"})
    history: list[int] = []
    figure = charts.releases_figure(np.array([], dtype=int), true_count, epsilon)

    def redraw(figure: go.Figure, trigger: widgets.Widget | None) -> str:
        if trigger is None or trigger is slider:
            history.clear()  # a new epsilon starts a new experiment
        how_many = 100 if trigger is many else 1
        new = dp.noisy_count([true_count] * how_many, slider.value, rng=generator)
        history.extend(int(v) for v in new)
        charts.update_releases(figure, np.array(history), true_count, slider.value)
        shown = ", ".join(str(v) for v in history[-6:])
        exact = float(dp.discrete_laplace_pmf(0, 0, slider.value))
        return (
            f"The true count is {true_count}. The latest releases: {shown}. At ε = "
            f"{slider.value:g} a release is off by "
            f"{dp.expected_absolute_error(slider.value, discrete=True):.2g} people on average, "
            f"and exactly right {exact:.0%} of the time."
        )

    return Demo([slider, once, many], figure, redraw, title="Release a noisy count")


def neighbours_demo(epsilon: float = 1.0, count: int = 118) -> Demo:
    """Two neighbouring worlds, with and without Alice, and how alike their outputs look."""
    slider = epsilon_slider(epsilon)
    figure = charts.neighbours_figure(epsilon, count)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_neighbours(figure, slider.value, count)
        return charts.neighbours_caption(slider.value, count)

    return Demo([slider], figure, redraw, title="With Alice or without her?")


def noise_scale_demo(epsilon: float = 1.0) -> Demo:
    """How big the error is for each epsilon, and why it matters more for small counts."""
    slider = epsilon_slider(epsilon)
    figure = charts.noise_scale_figure(epsilon)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_noise_scale(figure, slider.value)
        return charts.noise_scale_caption(slider.value)

    return Demo([slider], figure, redraw, title="How much noise, for how much privacy?")


def randomized_response_demo(
    epsilon: float = 1.0, respondents: int = 1_000, true_share: float = 0.3
) -> Demo:
    """A sensitive yes/no survey answered with randomized response, repeated 1,000 times."""
    eps = epsilon_slider(epsilon)
    respondents = integer("respondents", respondents, low=10, high=1_000_000)
    true_share = real_number("true_share", true_share)
    if not 0 <= true_share <= 1:
        raise InvalidParameterError(f"true_share must be a number from 0 to 1; got {true_share!r}.")
    size = selection_slider("respondents", RESPONDENTS, respondents, fmt="{:,}")
    share = selection_slider("true share of “yes”", TRUE_SHARES, true_share, fmt="{:.0%}")
    figure = charts.randomized_response_figure(epsilon, respondents, true_share, rng=0)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_randomized_response(figure, eps.value, size.value, share.value, rng=0)
        return charts.randomized_response_caption(eps.value, size.value, share.value)

    return Demo([eps, size, share], figure, redraw, title="Randomized response survey")


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "noisy_releases": noisy_releases_demo,
    "neighbours": neighbours_demo,
    "noise_scale": noise_scale_demo,
    "randomized_response": randomized_response_demo,
}
