"""The demos of lessons 03 and 05: what they show must match what the lessons teach.

* The Beaver demo never reuses a triple: new inputs get a freshly dealt one.
* The DP-FedAvg trade-off demo draws every curve from one mechanism (noise
  added once to each round's sum), recomputed here from the core functions.
* Every figure of these demos, at the ends of its controls' ranges, keeps its
  legend clear of the axis titles and its bar labels at 10 px or more.
"""

from __future__ import annotations

import base64
import math
import re

import ipywidgets as widgets
import numpy as np
import pytest

from privlab.fl.attacks import invert_update, reconstruction_error
from privlab.fl.digits import load_digits, split_iid, train_test_split
from privlab.fl.dp import clip_update, dp_fedavg_epsilon, noisy_sum
from privlab.fl.fedavg import fedavg, local_sgd
from privlab.fl.model import initial_parameters
from privlab.lessons import all_demos
from privlab.lessons.kit.style import AXIS_TITLE_AREA, BAR_TEXT_SIZE
from privlab.lessons.on_device_learning import demos as fl_demos
from privlab.lessons.on_device_learning.demos import tradeoff_demo
from privlab.lessons.secret_sharing.demos import beaver_demo

DEMOS = all_demos()

RING = 2**64
LESSON_DEMOS = ("shares", "class_average", "shamir", "beaver", "cost")
LESSON_DEMOS += ("phones", "training", "inversion", "secagg", "tradeoff")
# The narrowest a chart is drawn: JupyterLab's output area at a 1280 px window with
# the file browser open. A legend entry is about 7 px per character plus its symbol.
NARROWEST = 700


def values(array) -> np.ndarray:
    """A trace's data as a NumPy array (plotly may hold it as a typed-array dict)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


# --------------------------------------------------------------------------
# Beaver: a fresh triple for every multiplication
# --------------------------------------------------------------------------


def triple(demo) -> tuple[int, int, int]:
    """The whole a, b and c of the triple the demo's table shows (rows 3 to 5)."""
    columns = demo.figure.data[0].cells.values
    names, wholes = list(columns[0]), list(columns[3])
    shown = [re.sub(r"<br>|\u00a0", " ", names[i]) for i in (2, 3, 4)]  # undo the wrapping
    assert shown == [
        "a (random, fresh)", "b (random, fresh)", "c = a·b",
    ]  # fmt: skip
    return tuple(int(wholes[i]) for i in (2, 3, 4))


def test_beaver_moving_x_or_y_deals_a_fresh_triple_with_c_equal_to_a_times_b():
    demo = beaver_demo(x=6, y=7, step=4)
    _step, choose_x, choose_y, again = demo.controls
    seen = [triple(demo)]
    for control, value in [(choose_x, -3), (choose_y, 10), (choose_x, 0), (choose_y, -10)]:
        control.value = value
        seen.append(triple(demo))
        assert "dealt fresh" in demo.caption.value
    again.click()
    seen.append(triple(demo))
    assert len({t[:2] for t in seen}) == len(seen), f"a triple was used twice: {seen}"
    for a, b, c in seen:
        assert (a * b - c) % RING == 0, f"c = {c} is not a·b = {a}·{b} modulo 2^64"
    z = int(demo.figure.data[0].cells.values[3][-1])
    assert z == choose_x.value * choose_y.value


def test_beaver_moving_the_step_keeps_the_same_multiplication():
    demo = beaver_demo(x=6, y=7, step=1)
    choose_step = demo.controls[0]
    first = triple(demo)
    for step in (2, 3, 4):
        choose_step.value = step
        assert triple(demo) == first


def test_beaver_counts_the_triples_in_its_caption():
    demo = beaver_demo()
    assert "Triple no. 1," in demo.caption.value
    demo.controls[1].value = 2
    assert "Triple no. 2," in demo.caption.value


# --------------------------------------------------------------------------
# The trade-off: one mechanism for every curve
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tradeoff():
    return tradeoff_demo(noise_multiplier=1.0)


@pytest.fixture(scope="module")
def digits():
    images, labels = load_digits()
    train, test = train_test_split(labels, rng=0)
    return {"images": images[train], "labels": labels[train],
            "test": (images[test], labels[test])}  # fmt: skip


def test_tradeoff_attack_is_on_the_noisy_sum_of_the_stated_mechanism(tradeoff, digits):
    """Recompute the attack at z = 1 from the core functions, with the demo's seeds."""
    seed, clip, z = fl_demos.SEED, fl_demos.CLIP, 1.0
    parts = split_iid(digits["labels"], 100, rng=seed)
    theta = initial_parameters()
    others = [
        local_sgd(theta, digits["images"][rows], digits["labels"][rows], rng=seed) - theta
        for rows in parts[:29]  # the round's other phones: 30% of 100, less the target
    ]
    known = sum(clip_update(u, clip) for u in others)
    errors = []
    for row in range(10):
        target = local_sgd(theta, digits["images"][[row]], digits["labels"][[row]], rng=0) - theta
        released = noisy_sum(
            [*others, target], clip_norm=clip, noise_multiplier=z,
            rng=np.random.default_rng([seed, 100, row]),
        )  # fmt: skip
        rebuilt, _ = invert_update(released - known)
        errors.append(reconstruction_error(rebuilt, digits["images"][row]))
    shown = values(tradeoff.figure.data[2].y)
    index = fl_demos.MULTIPLIERS.index(z)
    assert shown[index] == pytest.approx(np.mean(errors), rel=1e-9)
    # Per-phone noise of the same size seen without the others' updates is another mechanism:
    # the attack on the raw noisy sum (a blend of 30 phones) gives another number.
    blend = noisy_sum([*others, target], clip_norm=clip, noise_multiplier=z, rng=1)
    assert reconstruction_error(invert_update(blend)[0], digits["images"][9]) != pytest.approx(
        shown[index], abs=1e-3
    )


def test_tradeoff_accuracy_and_epsilon_are_of_the_same_noisy_sums(tradeoff, digits):
    z = 1.0
    index = fl_demos.MULTIPLIERS.index(z)
    parts = split_iid(digits["labels"], 100, rng=fl_demos.SEED)
    result = fedavg(
        digits["images"], digits["labels"], parts, rounds=30, fraction=0.3,
        clip_norm=fl_demos.CLIP, noise_multiplier=z, test=digits["test"], rng=fl_demos.SEED,
    )  # fmt: skip
    assert values(tradeoff.figure.data[0].y)[index] == pytest.approx(result.accuracies[-1])
    epsilon = dp_fedavg_epsilon(rounds=30, sampling_rate=0.3, noise_multiplier=z, delta=1e-5)
    assert f"ε = {epsilon:.3g}" in tradeoff.figure.layout.title.text
    assert f"ε = {epsilon:.3g}" in tradeoff.caption.value


def test_tradeoff_says_which_noise_every_curve_uses(tradeoff):
    mechanism = fl_demos.MECHANISM
    assert mechanism in tradeoff.figure.layout.title.text
    assert mechanism in tradeoff.caption.value
    names = [trace.name for trace in tradeoff.figure.data if trace.showlegend is not False]
    assert any("noisy sums" in name for name in names)
    assert any("noisy sum" in name and "subtracted" in name for name in names)
    assert "by the phone itself" not in tradeoff.caption.value


def test_tradeoff_quotes_computed_numbers(tradeoff):
    """The failing point the caption names is the first z whose error beats the baseline."""
    errors = values(tradeoff.figure.data[2].y)
    baseline = values(tradeoff.figure.data[4].y)[0]
    first = next(i for i, error in enumerate(errors) if error > baseline)
    assert f"fails at z = {fl_demos.MULTIPLIERS[first]:g}" in tradeoff.caption.value
    assert f"guessing the average digit: {baseline:.2f}" in tradeoff.caption.value


# --------------------------------------------------------------------------
# Layout: legends clear of the axis titles, readable bar labels
# --------------------------------------------------------------------------


def extreme_states(name: str):
    """The demo at its defaults, and with each control at the first and the last stop."""
    yield DEMOS[name]()
    probe = DEMOS[name]()
    for index, control in enumerate(probe.controls):
        if isinstance(control, widgets.Button):
            continue
        stops = [value for _label, value in control.options]
        for value in (stops[0], stops[-1]):
            demo = DEMOS[name]()
            demo.controls[index].value = value
            yield demo


def legend_rows(figure) -> int:
    """How many rows a horizontal legend takes at the narrowest width (an upper bound)."""
    entries = [
        trace.name or ""
        for trace in figure.data
        if getattr(trace, "showlegend", False) is not False  # a table has no legend entry
        and trace.visible is not False
        and trace.name
    ]
    widths = [40 + 7 * max(len(line) for line in entry.split("<br>")) for entry in entries]
    per_row = max(1, int((NARROWEST - 20) // max(widths, default=1)))
    return math.ceil(len(entries) / per_row)


def legend_is_clear_of_the_axes(figure) -> str | None:
    """None if the legend is outside the plot and its axis titles, else what is wrong."""
    layout = figure.layout
    if layout.showlegend is False or legend_rows(figure) == 0:
        return None
    legend, margin = layout.legend, layout.margin
    if legend.orientation == "v" or legend.orientation is None:
        if legend.x is not None and legend.x >= 1 and legend.xanchor == "left":
            return None  # to the right of every plot
        return f"a vertical legend must stand right of the plots; got x={legend.x}"
    plot_height = layout.height - margin.t - margin.b
    if legend.yanchor == "top" and legend.y < 0:
        gap = -legend.y * plot_height
        needed = gap + 20 * legend_rows(figure)
        if gap < AXIS_TITLE_AREA:
            return f"legend {gap:.0f} px under the plot, in the axis titles' {AXIS_TITLE_AREA} px"
        if margin.b < needed:
            return f"bottom margin {margin.b} px cannot hold the legend ({needed:.0f} px)"
        return None
    if legend.yanchor == "bottom" and legend.y > 1:
        return None
    return f"legend at y={legend.y} anchored {legend.yanchor!r} may meet the axis titles"


@pytest.mark.parametrize("name", LESSON_DEMOS)
def test_legends_clear_of_axis_titles_and_bar_labels_readable(name):
    for demo in extreme_states(name):
        figure = demo.figure
        problem = legend_is_clear_of_the_axes(figure)
        assert problem is None, f"{name}: {problem}"
        bars = [trace for trace in figure.data if trace.type == "bar" and trace.text is not None]
        for trace in bars:
            label = trace.textfont.size
            assert label is None or label >= 10, f"{name}: bar labels of {label} px"
            shrinks = trace.constraintext != "none"
            minimum = figure.layout.uniformtext.minsize
            assert not shrinks or (minimum or 0) >= 10, (
                f"{name}: bar labels may be shrunk to fit below 10 px"
            )
            assert figure.layout.uniformtext.minsize >= 10
            assert figure.layout.uniformtext.mode == "hide"


def test_shares_chart_at_eight_parties_has_upright_labels_and_short_ticks():
    demo = DEMOS["shares"]()
    demo.controls[1].value = 8
    bars = demo.figure.data[0]
    assert list(bars.x) == [str(i) for i in range(1, 9)]  # no long tick labels to collide
    assert bars.textangle == -90 and bars.constraintext == "none"
    assert bars.textfont.size == BAR_TEXT_SIZE
