"""Layout checks for the demos of lessons 00, 01, 02, 04, 06 and 07: what a learner can read.

Each demo is drawn as built, with every control at its first option, and with
every control at its last. In each state: bar labels are never shrunk below a
readable size, titles fit a chart about 700 px wide, the right panel of a
two-panel chart has its y-axis title beside it, and no text needs an emoji
font. Then a few demo-specific checks: the lift report card fits a laptop
screen, and the "whose view" choice follows the lesson's order.
"""

from __future__ import annotations

import math
import re

import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

from privlab.lessons import all_demos
from privlab.lessons.kit.demo import Demo, row_height
from privlab.lessons.private_lift import figures as lift_charts
from privlab.lessons.private_lift.demos import RELEASES
from privlab.lessons.start_here.demos import environment_check

DEMOS = all_demos()

LAYOUT_DEMOS = (
    # lesson 01
    "noisy_releases",
    "neighbours",
    "noise_scale",
    "randomized_response",
    # lesson 02
    "averaging",
    "reconstruction",
    "histogram",
    "clipping",
    "composition",
    "float_leak",
    # lesson 04
    "party_view",
    "lift_lab",
    "differencing",
    # lesson 06
    "chat",
    "delivery",
    "forward_secrecy",
    "mitm",
    "pitfalls",
    # lesson 07
    "backup",
    "crack",
    "timeline",
    "leaks",
)

CHART_WIDTH = 700  # px: plotly's default, and JupyterLab's output area at a 1280 px window
MIN_BAR_TEXT = 10  # px
TITLE_CHARACTERS = 72  # per line of a chart title (15 px): about 550 px
CHARACTER_WIDTH = 0.52  # of the font size: an average character of these titles, as drawn
SUBPLOT_TITLE_SIZE = 16  # px, plotly's default for make_subplots titles
# Beyond Latin-1, the typographic and mathematical signs every text font has.
COMMON_SIGNS = set("–—‘’“”…·×−±≈≤≥²εδσμ€∞√⊕")
SETTINGS = ("as built", "first options", "last options")


def _set(demo: Demo, setting: str) -> None:
    """Put every control of ``demo`` at its first or last option (a button: click it)."""
    if setting == "as built":
        return
    for control in demo.controls:
        if isinstance(control, widgets.Button):
            control.click()
        elif getattr(control, "options", None):
            option = control.options[0 if setting == "first options" else -1]
            control.value = option[1] if isinstance(option, tuple) else option


@pytest.fixture(scope="module", params=[(n, s) for n in LAYOUT_DEMOS for s in SETTINGS])
def drawn(request) -> tuple[str, Demo]:
    name, setting = request.param
    demo = DEMOS[name]()
    _set(demo, setting)
    return f"{name} ({setting})", demo


def _lines(text: str | None) -> list[str]:
    """The visible lines of a plotly text: split at <br>, markup removed."""
    return [re.sub(r"<[^>]+>", "", line) for line in re.split(r"<br\s*/?>", text or "")]


def _texts(demo: Demo) -> list[str]:
    """Every text the demo shows: titles, labels, cells, caption and control labels."""
    figure = demo.figure
    found = [figure.layout.title.text or "", demo.caption.value]
    found += [annotation.text or "" for annotation in figure.layout.annotations]
    for trace in figure.data:
        for part in ("text", "name"):
            value = getattr(trace, part, None)
            found += _flatten(value)
        if trace.type == "table":
            found += _flatten(trace.header.values) + _flatten(trace.cells.values)
    for control in demo.controls:
        found.append(getattr(control, "description", "") or "")
        for option in getattr(control, "options", ()) or ():
            found.append(str(option[0] if isinstance(option, tuple) else option))
    return found


def _flatten(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _flatten(item)]
    return [str(value)]


def _unusual(text: str) -> set[str]:
    """Characters of ``text`` that a plain text font may lack (emoji, pictographs, arrows)."""
    return {char for char in text if ord(char) > 0xFF and char not in COMMON_SIGNS}


def test_bar_labels_are_never_shrunk_below_a_readable_size(drawn):
    label, demo = drawn
    figure = demo.figure
    font = figure.layout.font.size or 12
    for trace in figure.data:
        if trace.type != "bar" or not (_flatten(trace.text) or trace.texttemplate):
            continue
        size = trace.textfont.size or font
        assert size >= MIN_BAR_TEXT, f"{label}: bar text of {size} px"
        # plotly shrinks a label to fit its bar, unless uniformtext sets a floor
        floor = figure.layout.uniformtext
        assert floor.mode in ("show", "hide") and (floor.minsize or 0) >= MIN_BAR_TEXT, (
            f"{label}: bar labels may be shrunk to fit their bars (uniformtext {floor})"
        )


def test_titles_fit_the_chart(drawn):
    label, demo = drawn
    for line in _lines(demo.figure.layout.title.text):
        assert len(line) <= TITLE_CHARACTERS, f"{label}: title line too long: {line!r}"


def test_subplot_titles_fit_above_their_panels(drawn):
    label, demo = drawn
    figure = demo.figure
    if not figure.layout.annotations:
        return
    margin = figure.layout.margin
    left, right = margin.l or 0, margin.r or 0
    plot_width = (figure.layout.width or CHART_WIDTH) - left - right
    for annotation in figure.layout.annotations:
        if annotation.xref != "paper" or annotation.x is None:
            continue
        size = annotation.font.size or SUBPLOT_TITLE_SIZE
        for line in _lines(annotation.text):
            half = len(line) * CHARACTER_WIDTH * size / 2
            centre = left + annotation.x * plot_width
            assert centre - half >= 0 and centre + half <= left + plot_width + right, (
                f"{label}: subplot title {line!r} runs outside the chart"
            )


def test_a_right_panel_has_its_y_axis_on_its_right(drawn):
    """A right panel's y-axis title on its left stands in the gap, nearer the left panel."""
    label, demo = drawn
    layout = demo.figure.layout
    for name in layout:
        if not re.fullmatch(r"yaxis\d+", name) or layout[name].visible is False:
            continue
        axis = layout[name]
        x_axis = layout["xaxis" + (axis.anchor or "x")[1:]]
        if x_axis.domain and x_axis.domain[0] > 0.05 and axis.title.text:
            assert axis.side == "right", f"{label}: {name}'s title sits left of its panel"


def test_no_text_needs_an_emoji_font(drawn):
    label, demo = drawn
    for text in _texts(demo):
        assert not _unusual(text), f"{label}: {sorted(_unusual(text))} in {text[:80]!r}"


def test_the_environment_check_needs_no_emoji_font():
    probe = environment_check()
    texts = [child.value for child in probe.children if isinstance(child, widgets.HTML)]
    bundle = probe._repr_mimebundle_()
    texts += [bundle["text/plain"], bundle["text/html"]]
    probe.children[2].value = 7  # the slider: the status line changes
    texts.append(probe.children[1].value)
    for text in texts:
        assert not _unusual(text), f"{sorted(_unusual(text))} in {text[:80]!r}"
    assert "[ok]" in texts[0]


def test_the_report_card_fits_a_laptop_screen():
    demo = DEMOS["lift_lab"]()
    assert demo.figure.layout.height <= 650
    # Two sliders to a row in a 700 px output area: seven controls take four rows.
    sliders = [c for c in demo.controls if isinstance(c, widgets.SelectionSlider)]
    widths = [int(str(slider.layout.width).removesuffix("px")) for slider in sliders]
    assert max(widths) * 2 + 24 <= CHART_WIDTH
    card = demo.figure.data[-1]
    rows = len(card.cells.values[0]) + 1  # and the header
    domain = card.domain.y[1] - card.domain.y[0]
    margin = demo.figure.layout.margin
    room = (demo.figure.layout.height - margin.t - margin.b) * domain
    assert rows * card.cells.height <= room, "the table of totals would scroll"


def test_whose_view_follows_the_lesson_and_starts_at_the_first_party():
    demo = DEMOS["party_view"]()
    whose = next(c for c in demo.controls if c.description == "whose view")
    values = [option[1] for option in whose.options]
    assert values == ["publisher", "advertiser", "dealer"] == list(lift_charts.PARTIES)
    assert whose.value == values[0]


def test_the_differencing_release_goes_from_exact_to_the_most_noise():
    assert math.isinf(RELEASES[0])
    assert list(RELEASES[1:]) == sorted(RELEASES[1:], reverse=True)
    release = DEMOS["differencing"]().controls[0]
    assert [value for _, value in release.options] == list(RELEASES)
    assert release.value == RELEASES[0]


def test_a_two_option_choice_shows_both_options():
    """A choice between two named options is a pair of buttons, not a slider to its end."""
    for name in LAYOUT_DEMOS:
        for control in DEMOS[name]().controls:
            options = getattr(control, "options", None)
            if isinstance(control, widgets.SelectionSlider) and len(options) == 2:
                values = [option[1] for option in options]
                assert not all(isinstance(v, str) for v in values), (
                    f"{name}: {control.description!r} is a slider over two names"
                )


def test_the_checks_catch_what_they_should():
    """The helpers flag what they exist to flag: an emoji, a long title, a left y-axis."""
    assert _unusual("✅ ok") == {"✅"} and not _unusual("ε = 0.5, −3 × 10²")
    figure = go.Figure(layout={"title": {"text": "x" * 80}})
    assert len(_lines(figure.layout.title.text)[0]) > TITLE_CHARACTERS
    assert _lines("one<br><sup>two</sup>") == ["one", "two"]


# Tables that scroll by design, with the setting where they do.
SCROLLING_TABLES = {
    ("party_view", setting)
    for setting in SETTINGS  # 21-22 kinds of message
} | {
    ("class_average", "last options"),  # every message of the protocol
    ("chat", "last options"),  # a conversation grows with every message sent
}
HEADER_HEIGHT = 28  # px, plotly's default


def _table_height(figure: go.Figure, trace) -> float:
    """The height plotly.js draws ``trace`` at: rows grow to fit their lines, never shrink."""
    font = figure.layout.font.size or 12
    cell_font = trace.cells.font.size or font
    header_font = trace.header.font.size or font
    header_lines = max(
        (len(_lines(str(text))) for text in _flatten(trace.header.values)), default=1
    )
    height = max(trace.header.height or HEADER_HEIGHT, row_height(header_lines, header_font))
    columns = [list(column) for column in (trace.cells.values or []) if len(column)]
    for row in range(max((len(column) for column in columns), default=0)):
        lines = max(len(_lines(str(column[row]))) for column in columns if row < len(column))
        height += max(trace.cells.height or 20, row_height(lines, cell_font) if lines > 1 else 0)
    return height


TABLE_DEMOS = [
    name for name in DEMOS if any(trace.type == "table" for trace in DEMOS[name]().figure.data)
]


@pytest.mark.parametrize("name", TABLE_DEMOS)
@pytest.mark.parametrize("setting", SETTINGS)
def test_every_row_of_a_table_is_on_the_screen(name, setting):
    """A table fits its panel: no row is hidden below a scroll bar the learner may not see."""
    if (name, setting) in SCROLLING_TABLES:
        pytest.skip("this table scrolls by design")
    demo = DEMOS[name]()
    _set(demo, setting)
    figure = demo.figure
    margin = figure.layout.margin
    for trace in figure.data:
        if trace.type != "table":
            continue
        share = trace.domain.y[1] - trace.domain.y[0] if trace.domain.y else 1.0
        room = (figure.layout.height - margin.t - margin.b) * share
        needed = _table_height(figure, trace)
        assert needed <= room, f"{name} ({setting}): a table needs {needed:.0f} px of {room:.0f}"


def test_the_table_height_counts_grown_rows():
    """A row of three lines is counted as plotly.js draws it, not at the height asked for."""
    table = go.Figure(go.Table(cells={"values": [["a", "b<br>c<br>d"]], "height": 20}))
    header = max(HEADER_HEIGHT, row_height(1, 12))
    assert _table_height(table, table.data[0]) == header + 20 + row_height(3, 12)
