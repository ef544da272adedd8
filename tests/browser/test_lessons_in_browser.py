"""Every lesson in a real browser, read off the screen, in JupyterLab and in Voila.

After Run All (Lab) or rendering (Voila), before any interaction: no error
output, every chart's text drawn where its data has text (table cells, tick
labels that say where they stand, titles), nothing clipped, and no exercise
answer on the screen. Then, in JupyterLab, every control of every demo is
moved once: each move must change the chart or the caption, the kernel must
report no error (also none raised by plotly's browser-to-kernel sync), and the
screen must still pass the same checks. In Voila, where the same kernel code
draws the same demos, one control of each demo is moved: enough to show that
every chart there follows its controls, without moving each control twice.

The lessons are found automatically, so a new lesson is covered without
editing this file. Screenshots land in ``build/screenshots`` for a person to
look at.
"""

from __future__ import annotations

import time

import pytest
from harness import (
    NOTEBOOKS,
    KernelLog,
    error_outputs_in_lab,
    exercise_demos,
    exercise_every_control,
    expected_demo_count,
    open_in_lab,
    open_in_voila,
    run_all_in_lab,
    screen_problems,
    visible_answers,
    wait_for_demos,
)

FIRST_DISPLAY_S = 10
LESSONS = pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])


def screenshot_demos(page, stem, kind, screenshots) -> None:
    page.screenshot(path=screenshots / f"{stem}-{kind}.png")
    demos = page.locator(".privlab-demo")
    for index in range(demos.count()):
        demos.nth(index).scroll_into_view_if_needed()
        demos.nth(index).screenshot(path=screenshots / f"{stem}-{kind}-demo{index + 1}.png")


def check_first_display(page, log, where) -> None:
    """The screen before any interaction; a slow machine may take up to FIRST_DISPLAY_S to draw it.

    What is still wrong then is wrong for good: a table drawn empty, say, stays
    empty until a control moves.
    """
    deadline = time.monotonic() + FIRST_DISPLAY_S
    while True:
        problems = (
            log.problems()
            + screen_problems(page)
            + [f"an answer is on the screen: {answer}" for answer in visible_answers(page)]
        )
        if not problems or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert not problems, f"{where}, at first display:\n" + "\n".join(problems)


@LESSONS
def test_lesson_in_jupyterlab(lab, page, notebook, screenshots):
    """Run All in JupyterLab: the screen reads right, and every control of every demo works."""
    name = notebook.name
    log = KernelLog(page)
    open_in_lab(page, lab, name)
    page.screenshot(path=screenshots / f"{notebook.stem}-lab-welcome.png")
    run_all_in_lab(page, name)
    assert not error_outputs_in_lab(page), error_outputs_in_lab(page)
    count = expected_demo_count(notebook)
    wait_for_demos(page, count, name)
    page.wait_for_timeout(500)
    screenshot_demos(page, notebook.stem, "lab-first", screenshots)
    check_first_display(page, log, f"{name} in JupyterLab")
    exercise_every_control(page, count, f"{name} in JupyterLab", log)
    assert not log.problems(), "\n".join(log.problems())
    screenshot_demos(page, notebook.stem, "lab", screenshots)


@LESSONS
def test_lesson_in_voila(voila, page, notebook, screenshots):
    """The lesson as a Voila dashboard: the same checks of the screen, and each demo follows."""
    name = notebook.name
    log = KernelLog(page)
    open_in_voila(page, voila, name)
    count = expected_demo_count(notebook)
    wait_for_demos(page, count, f"{name} in Voila")
    page.wait_for_timeout(500)
    problems = page.eval_on_selector_all(
        ".jp-OutputArea-output",
        """nodes => nodes.map(n => n.textContent)
             .filter(t => /Traceback|Error displaying widget|There was an error/.test(t))""",
    )
    assert not problems, problems
    check_first_display(page, log, f"{name} in Voila")
    exercise_demos(page, count, f"{name} in Voila")
    page.wait_for_timeout(200)  # let plotly's sync reply to the last move land
    problems = log.problems() + screen_problems(page)
    assert not problems, f"{name} in Voila, after moving a control of each demo:\n" + "\n".join(
        problems
    )
    screenshot_demos(page, notebook.stem, "voila", screenshots)
