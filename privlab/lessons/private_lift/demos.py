"""Interactive demos for lesson 04, Private Lift: each function returns a Demo.

The matching (PSI, about 0.3 s per 1,000 users) runs once per study and is kept;
in :func:`lift_lab_demo` the controls that change the study are ``demo.slow_controls``.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from privlab._guard import integer
from privlab.dp.accountant import PrivacyAccountant
from privlab.lessons.kit.demo import Demo, epsilon_slider, one_of, selection_slider, toggle
from privlab.lessons.private_lift import figures as charts
from privlab.lift.metrics import DAY, is_attributed, lift_metrics
from privlab.lift.report import audience_gate, dp_lift_report
from privlab.lift.secure import LiftResult, secure_lift
from privlab.lift.study import LIFT_SEED, LiftStudy, lift_study

POPULATIONS = (1_000, 2_000, 5_000)  # the matching takes about 0.3 s per 1,000 users
OVERLAPS = (0.3, 0.45, 0.6, 0.75, 0.9)
LIFTS = (-0.2, 0.0, 0.1, 0.2, 0.4, 0.6)
WINDOW_DAYS = (1, 3, 7, 14, 28)
THRESHOLDS = (0, 50, 100, 200, 400)
PROTOCOLS = ("Private Lift", "naive join")
GATE_ON = ("exact totals", "noisy totals")
MAX_PURCHASES = 4
VALUE_CAP = 20_000  # cents: each purchase counts for at most €200 in the DP release
PARTY_VIEW_POPULATION = 1_000
CARD_SLIDER_WIDTH = "330px"


def clipped(advertiser: dict[str, np.ndarray], value_cap: int = VALUE_CAP) -> dict[str, np.ndarray]:
    """The advertiser's table, each purchase clipped to ``value_cap`` cents (for the DP bound)."""
    return {**advertiser, "value": np.minimum(advertiser["value"], value_cap)}


# --------------------------------------------------------------------------
# 1. What each party received
# --------------------------------------------------------------------------


def party_view_demo(party: str = "publisher", protocol: str = "Private Lift") -> Demo:
    """What the publisher, the advertiser or the dealer received; or the naive join instead."""
    one_of("party", party, charts.PARTIES)
    one_of("protocol", protocol, PROTOCOLS)
    study = lift_study(population=PARTY_VIEW_POPULATION)
    result = secure_lift(study.publisher, study.advertiser, rng=LIFT_SEED)
    whose = toggle("whose view", charts.PARTIES, party)  # in the lesson's order
    how = toggle("protocol", PROTOCOLS, protocol)
    views = {
        name: (charts.party_rows(result, name), charts.naive_view(study, name))
        for name in charts.PARTIES
    }
    figure = charts.party_view_figure(party, protocol, *views[party])

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        rows, naive = views[whose.value]
        charts.update_party_view(figure, whose.value, how.value, rows, naive)
        return charts.party_view_caption(result, study, whose.value, how.value, naive)

    return Demo([whose, how], figure, redraw, title="What each party received")


# --------------------------------------------------------------------------
# 2. The report card
# --------------------------------------------------------------------------


class _LiftRuns:
    """Studies by (population, overlap, lift), each matched once, with a run per window."""

    def __init__(self) -> None:
        self._studies: dict[tuple, dict[str, Any]] = {}

    def get(self, population: int, overlap: float, lift: float) -> dict[str, Any]:
        key = (population, overlap, lift)
        if key not in self._studies:
            study = lift_study(population=population, overlap=overlap, lift=lift)
            advertiser = clipped(study.advertiser)
            runs, matching = {}, None
            for days in WINDOW_DAYS:
                runs[days] = secure_lift(
                    study.publisher,
                    advertiser,
                    attribution_window=days * DAY,
                    max_purchases=MAX_PURCHASES,
                    matching=matching,
                    rng=LIFT_SEED,
                )
                matching = runs[days].psi
            oracle = {
                days: lift_metrics(study.publisher, study.advertiser, attribution_window=days * DAY)
                for days in WINDOW_DAYS
            }
            self._studies[key] = {"study": study, "runs": runs, "oracle": oracle}
        return self._studies[key]


def lift_lab_demo(
    epsilon: float = 1.0,
    min_converters: int = 100,
    window_days: int = 7,
    population: int = 2_000,
    overlap: float = 0.6,
    lift: float = 0.2,
) -> Demo:
    """The whole pipeline on a study of your choice: truth, trusted join, MPC, DP."""
    integer("min_converters", min_converters, low=0)
    one_of("min_converters", min_converters, THRESHOLDS)
    one_of("window_days", window_days, WINDOW_DAYS)
    one_of("population", population, POPULATIONS)
    one_of("overlap", overlap, OVERLAPS)
    one_of("lift", lift, LIFTS)
    choose_epsilon = epsilon_slider(epsilon)
    choose_threshold = selection_slider(
        "minimum converters", THRESHOLDS, min_converters, fmt="{:,}"
    )
    gate_on = toggle("rule applied to", GATE_ON, GATE_ON[0])
    # The buttons say it all, so the toggle takes one line, not a label above its buttons.
    gate_on.description = ""
    gate_on.options = [(f"rule on {totals}", totals) for totals in GATE_ON]
    choose_window = selection_slider("attribution window", WINDOW_DAYS, window_days, fmt="{} days")
    choose_population = selection_slider("users (re-runs PSI)", POPULATIONS, population, fmt="{:,}")
    choose_overlap = selection_slider("overlap (re-runs PSI)", OVERLAPS, overlap, fmt="{:.0%}")
    choose_lift = selection_slider("true lift (re-runs PSI)", LIFTS, lift, fmt="{:+.0%}")
    # The order of the lesson's "Try this", two to a row, so that the demo fits the screen.
    controls = [choose_epsilon, choose_threshold, choose_window, gate_on]
    controls += [choose_population, choose_overlap, choose_lift]
    for slider in controls:
        if slider is not gate_on:
            slider.layout.width = CARD_SLIDER_WIDTH
    runs = _LiftRuns()

    def card() -> tuple[dict[str, Any], LiftResult]:
        found = runs.get(choose_population.value, choose_overlap.value, choose_lift.value)
        days = choose_window.value
        result = found["runs"][days]
        accountant = PrivacyAccountant(choose_epsilon.value, rng=LIFT_SEED)
        report = dp_lift_report(
            result.metrics,
            accountant=accountant,
            epsilon=choose_epsilon.value,
            max_purchases=MAX_PURCHASES,
            value_cap=VALUE_CAP,
            draws=2,  # each party's draw, as secure_dp_lift adds them before opening
        )
        on_noisy = gate_on.value == GATE_ON[1]
        gate = audience_gate(
            report.metrics if on_noisy else result.metrics, min_converters=choose_threshold.value
        )
        numbers = charts.report_card(
            true_lift=found["study"].truth.lift,
            oracle=found["oracle"][days],
            secure=result.metrics,
            report=report,
            gate=gate,
        )
        return numbers, result

    numbers, _ = card()
    figure = charts.report_card_figure(numbers)

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        numbers, result = card()
        charts.update_report_card(figure, numbers)
        return charts.report_card_caption(
            numbers,
            population=choose_population.value,
            window_days=choose_window.value,
            gate_on=gate_on.value,
            dropped=result.dropped_purchases,
            max_purchases=MAX_PURCHASES,
        )

    demo = Demo(controls, figure, redraw, title="The lift report card")
    demo.slow_controls = (choose_population, choose_overlap, choose_lift)
    return demo


# --------------------------------------------------------------------------
# 3. The differencing attack on the minimum-audience rule
# --------------------------------------------------------------------------

# ε per report, from exact totals (infinity) to the most noise: the lesson's story, left to right.
RELEASES = (math.inf, 10.0, 3.0, 1.0, 0.3, 0.1)


def bob_of(study: LiftStudy, *, value_cap: int = VALUE_CAP) -> dict[str, Any]:
    """The study's first test user with two attributed purchases, and their totals (cents)."""
    publisher, advertiser = study.publisher, study.advertiser
    row_of = {identifier: row for row, identifier in enumerate(publisher["id"].tolist())}
    rows = np.array([row_of.get(identifier, -1) for identifier in advertiser["id"].tolist()])
    known = rows >= 0
    counted = np.zeros(rows.size, dtype=bool)
    counted[known] = is_attributed(
        publisher["opportunity_ts"][rows[known]],
        advertiser["event_ts"][known],
        attribution_window=study.truth.attribution_window,
    )
    counts = np.bincount(rows[counted], minlength=publisher["id"].size)
    first = int(np.flatnonzero((counts == 2) & publisher["test_flag"])[0])
    mine = counted & (rows == first)
    return {
        "id": str(publisher["id"][first]),
        "converters": 1,
        "conversions": 2,
        "value": int(np.minimum(advertiser["value"][mine], value_cap).sum()),
    }


def differencing_demo(epsilon: float = math.inf) -> Demo:
    """Subtract two reports that differ in one buyer: exact totals give him away, DP does not."""
    one_of("epsilon", epsilon, RELEASES)
    bob = bob_of(lift_study())
    release = widgets.SelectionSlider(
        description="release: ε per report",
        options=[("∞ (exact)" if math.isinf(e) else f"{e:g}", e) for e in RELEASES],
        value=epsilon,
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="380px"),
    )
    cache: dict[float, dict[str, np.ndarray]] = {}

    def current() -> float | None:
        return None if math.isinf(release.value) else release.value

    def diffs() -> dict[str, np.ndarray]:
        if release.value not in cache:
            cache[release.value] = charts.differences(
                bob, current(), max_purchases=MAX_PURCHASES, value_cap=VALUE_CAP
            )
        return cache[release.value]

    def label() -> str:
        return "exact totals" if current() is None else f"ε = {release.value:g} per report"

    figure = charts.differencing_figure(bob, diffs(), label())

    def redraw(figure: go.Figure, _trigger: widgets.Widget | None) -> str:
        charts.update_differencing(figure, bob, diffs(), label())
        return charts.differencing_caption(bob, diffs(), current())

    return Demo([release], figure, redraw, title="The differencing attack")


# Every demo of this lesson, by name (the tests and benchmarks sweep them all).
DEMOS = {
    "party_view": party_view_demo,
    "lift_lab": lift_lab_demo,
    "differencing": differencing_demo,
}
