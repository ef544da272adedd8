"""Headless tests of every lesson demo: move each control over its whole range.

No browser here: the tests drive the widgets from Python, as the front end
would, and check that each change redraws the chart with new data, updates the
caption, and leaves the figure's synced state (what a new view draws from)
equal to the current figure.
"""

from __future__ import annotations

import json

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import pytest

from privlab import InvalidParameterError
from privlab.lessons import all_demos
from privlab.lessons.kit.demo import Demo, updating
from privlab.lessons.noisy_counts import figures as charts

DEMOS = all_demos()


def figure_state(figure: go.FigureWidget) -> str:
    """The figure's data and layout, as the browser would receive them."""
    return json.dumps(figure.to_plotly_json(), sort_keys=True, default=str)


def every_setting(control: widgets.Widget) -> list:
    """All the values a bounded control can take (a button: three clicks)."""
    if isinstance(control, widgets.Button):
        return [None, None, None]
    if hasattr(control, "options"):
        values = [value for _label, value in control.options]
        start = values.index(control.value)
        return values[start + 1 :] + values[: start + 1]  # every value, ending where it began
    raise AssertionError(f"demo control {control!r} is not bounded by a list of options")


def synced_state_is_current(figure: go.FigureWidget) -> bool:
    as_json = lambda obj: json.dumps(obj, sort_keys=True, default=str)  # noqa: E731
    return as_json(figure._widget_data) == as_json(figure._data) and as_json(
        figure._widget_layout
    ) == as_json(figure._layout_obj._props)


@pytest.fixture(scope="module", params=sorted(DEMOS))
def demo(request) -> Demo:
    return DEMOS[request.param]()


def test_demo_is_a_displayable_widget(demo):
    assert isinstance(demo, widgets.VBox)
    assert isinstance(demo.figure, go.FigureWidget)
    assert demo.controls, "a demo needs at least one control"
    assert demo.caption.value.strip()
    bundle = demo._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_every_control_setting_redraws_the_chart(demo):
    for control in demo.controls:
        for value in every_setting(control):
            before_data, before_caption = figure_state(demo.figure), demo.caption.value
            if isinstance(control, widgets.Button):
                control.click()
            else:
                control.value = value
            label = getattr(control, "description", type(control).__name__)
            assert figure_state(demo.figure) != before_data, f"{label}={value!r}: chart unchanged"
            assert demo.caption.value != before_caption, f"{label}={value!r}: caption unchanged"
            assert synced_state_is_current(demo.figure), f"{label}={value!r}: stale synced state"


def test_charts_have_titles_and_axis_titles(demo):
    layout = demo.figure.layout
    assert layout.title.text
    axes = [name for name in layout if name.startswith(("xaxis", "yaxis"))]
    for name in axes:
        if layout[name].visible is False:  # a hidden axis (a grid of squares) shows no title
            continue
        assert layout[name].title.text, f"{name} has no title"


def test_updating_refreshes_the_synced_copy_that_new_views_draw_from():
    figure = go.FigureWidget(go.Bar(x=[1, 2], y=[3, 4]))
    figure._repr_mimebundle_()  # displayed once
    with figure.batch_update():
        figure.data[0].y = [5, 6]
    assert list(figure._widget_data[0]["y"]) == [3, 4]  # plotly alone leaves it stale
    with updating(figure):
        figure.data[0].y = [7, 8]
    assert list(figure._widget_data[0]["y"]) == [7, 8]


def test_updating_works_on_a_plain_figure():
    figure = go.Figure(go.Bar(x=[1], y=[1]))
    with updating(figure):
        figure.data[0].y = [2]
    assert list(figure.data[0].y) == [2]


def test_releases_demo_keeps_history_until_epsilon_changes():
    demo = DEMOS["noisy_releases"]()
    once, many = demo.controls[1], demo.controls[2]
    many.click()
    once.click()
    assert int(np.sum(demo.figure.data[0].y)) == 102  # first release + 100 + 1
    demo.controls[0].value = 2.0
    assert int(np.sum(demo.figure.data[0].y)) == 1


def test_neighbours_chart_ratio_stays_within_the_bound():
    for epsilon in (0.05, 0.5, 5.0):
        fig = charts.neighbours_figure(epsilon)
        ratio = np.asarray(fig.data[2].y)
        assert ratio.max() == pytest.approx(np.exp(epsilon))
        assert ratio.min() == pytest.approx(np.exp(-epsilon))


def test_a_typed_starting_value_becomes_a_slider_stop():
    demo = DEMOS["neighbours"]()
    assert 0.25 not in [value for _label, value in demo.controls[0].options]
    from privlab.lessons.noisy_counts.demos import neighbours_demo, randomized_response_demo

    assert neighbours_demo(epsilon=0.25).controls[0].value == 0.25
    survey = randomized_response_demo(respondents=1500, true_share=0.35)
    assert (survey.controls[1].value, survey.controls[2].value) == (1500, 0.35)


@pytest.mark.parametrize(
    "call",
    [
        lambda: DEMOS["neighbours"](epsilon=-1),
        lambda: DEMOS["neighbours"](epsilon=100),
        lambda: DEMOS["noise_scale"](epsilon="big"),
        lambda: DEMOS["randomized_response"](respondents=2),
        lambda: DEMOS["randomized_response"](true_share=1.5),
        lambda: DEMOS["noisy_releases"](true_count=-5),
        lambda: charts.neighbours_figure(0),
        lambda: charts.neighbours_figure(1.0, count=0),
        lambda: charts.noise_scale_figure(float("nan")),
        lambda: charts.randomized_response_figure(1.0, respondents=0),
        lambda: charts.randomized_response_figure(1.0, 100, true_proportion=2),
        lambda: charts.releases_figure(np.array([1.5]), 118, 1.0),
    ],
)
def test_chart_functions_validate_their_arguments(call):
    with pytest.raises(InvalidParameterError):
        call()
