"""The browser checks themselves: they must fail on broken demos, and catch stale views.

Each test serves a small notebook written here, so the checks are tried on
demos that are broken on purpose, and on a chart changed after it was shown
but before Voila drew the page. The JupyterLab tests add their notebook to the
session's JupyterLab server (the one the lessons run in), so no test waits for
a server of its own.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from harness import (
    RUN_ALL_S,
    VOILA_CONFIG,
    BrowserCheckFailed,
    KernelLog,
    error_outputs_in_lab,
    exercise_demos,
    jupyter_server,
    open_in_lab,
    open_in_voila,
    run_all_in_lab,
    screen_problems,
    titles,
    visible_answers,
    wait_for_demos,
)
from nbformat.v4 import new_code_cell, new_notebook

BROKEN_DEMO = '''
import plotly.graph_objects as go
from privlab.lessons.kit.demo import Demo
from privlab.lessons.kit.demo import epsilon_slider


def broken_demo(kind):
    """A demo whose callback raises, or never touches its chart."""
    slider = epsilon_slider(1.0)
    figure = go.Figure(go.Bar(x=[1, 2], y=[1, 2]), layout={"title": {"text": kind}})

    def redraw(figure, trigger):
        if trigger is not None and kind == "raises":
            raise RuntimeError("a broken callback")
        return "this caption never changes the chart"

    return Demo([slider], figure, redraw, title=kind)
'''


def test_voila_renders_progressively():
    """The setting that keeps Voila from making two page-side models of one chart."""
    config = json.loads(VOILA_CONFIG.read_text(encoding="utf-8"))
    assert config["VoilaConfiguration"]["progressive_rendering"] is True


def write_notebook(folder, name, *sources):
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = folder / name
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("kind", ["raises", "never updates"])
def test_a_broken_demo_fails_the_check_with_a_clear_message(lab, page, kind):
    name = f"broken-{kind.replace(' ', '-')}.ipynb"
    notebook = write_notebook(lab.root / "notebooks", name, BROKEN_DEMO, f"broken_demo({kind!r})")
    open_in_lab(page, lab, notebook.name)
    run_all_in_lab(page, notebook.name)
    with pytest.raises(BrowserCheckFailed, match=r"to redraw its chart after pressing Arrow"):
        exercise_demos(page, 1, "the broken notebook", seconds=4)  # it never redraws


def test_voila_shows_charts_as_they_are_after_the_run(tmp_path, page):
    """Changes made after display must show when the page is drawn after the whole run.

    The refresh is the demo frame's, the same for every demo, so the first demo
    of each lesson (each lesson's own figures) stands for the rest.

    That is Voila without progressive rendering (and any view made later, such
    as after a page reload): the page is built from the widgets' synced state,
    so a figure whose synced copy was not refreshed would show its old state.
    """
    notebook = write_notebook(
        tmp_path,
        "changed.ipynb",
        "import importlib\n"
        "from privlab.lessons import LESSONS\n"
        "demos = {}\n"
        "for folder in LESSONS.values():  # the first demo of each lesson\n"
        "    lesson = importlib.import_module(f'privlab.lessons.{folder}.demos')\n"
        "    for name, make in list(getattr(lesson, 'DEMOS', {}).items())[:1]:\n"
        "        demos[name] = make()",
        "import ipywidgets\nipywidgets.VBox(list(demos.values()))",
        "for demo in demos.values():\n"
        "    slider = demo.controls[0]\n"
        "    slider.index = (slider.index + 1) % len(slider.options)\n"
        "import json\n"
        "print('EXPECTED ' + json.dumps([d.figure.layout.title.text for d in demos.values()]))",
    )
    after_the_run = {"VoilaConfiguration": {"progressive_rendering": False}}
    with jupyter_server("voila", tmp_path / "server", [notebook], after_the_run) as voila:
        open_in_voila(page, voila, notebook.name)
        wait_for_demos(page, 4, "the Voila page")
        printed = page.locator("pre", has_text="EXPECTED").first
        printed.wait_for(timeout=RUN_ALL_S * 1000)  # the page draws every demo first
        printed = printed.inner_text()
        expected = json.loads(printed.split("EXPECTED ", 1)[1])
        assert titles(page) == expected


BLANK_TABLE = """
import plotly.graph_objects as go
figure = go.FigureWidget(go.Table(
    header={"values": ["<b>sender</b>", "<b>stored</b>"]},
    cells={"values": [["Alice to Bob"], ["79 bytes of ciphertext"]]},
))
figure
"""

SYNC_RAISES = """
import plotly.graph_objects as go
figure = go.FigureWidget(go.Bar(x=[1, 2], y=[3, 4]))


def broken(change):
    raise RuntimeError("raised only by the browser-to-kernel sync")


figure.observe(broken, names="_js2py_traceDeltas")
figure
"""

ANSWER_SHOWN = """
from privlab.lessons.kit.feedback import Feedback, Folded
display(Folded(Feedback("Exercise 1", "correct", "the folded answer")))
display(Feedback("Exercise 2", "correct", "an answer in plain sight"))
"""


def test_the_screen_checks_fail_on_a_table_drawn_empty_and_on_an_answer_shown(lab, page):
    """A plotly table drawn before it is on the page: cells empty, a bold header off its cell."""
    notebook = write_notebook(lab.root / "notebooks", "screen.ipynb", BLANK_TABLE, ANSWER_SHOWN)
    open_in_lab(page, lab, notebook.name)
    run_all_in_lab(page, notebook.name)
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.wait_for_timeout(1500)
    problems = screen_problems(page)
    assert any("drawn empty" in problem for problem in problems), problems
    assert any("spills out of its cell" in problem for problem in problems), problems
    answers = visible_answers(page)
    assert answers == [a for a in answers if "plain sight" in a] and len(answers) == 1, answers


def test_the_kernel_log_catches_an_error_raised_by_the_browser_to_kernel_sync(lab, page):
    notebook = write_notebook(lab.root / "notebooks", "sync.ipynb", SYNC_RAISES)
    log = KernelLog(page)
    open_in_lab(page, lab, notebook.name)
    run_all_in_lab(page, notebook.name)
    assert not error_outputs_in_lab(page)  # nothing shows in the notebook itself
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.wait_for_timeout(3000)
    problems = log.problems()
    assert any("raised only by the browser-to-kernel sync" in p for p in problems), problems
