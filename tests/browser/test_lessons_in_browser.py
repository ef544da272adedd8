"""Every lesson in a real browser: in JupyterLab it runs and its demos respond; in Voila it renders.

The lessons are found automatically, so a new lesson is covered without
editing this file. Screenshots land in ``build/screenshots`` for a person to
look at.
"""

from __future__ import annotations

import pytest
from harness import (
    NOTEBOOKS,
    error_outputs_in_lab,
    exercise_demos,
    expected_demo_count,
    open_in_lab,
    open_in_voila,
    run_all_in_lab,
)

LESSONS = pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])


def screenshot_demos(page, stem, kind, screenshots) -> None:
    page.screenshot(path=screenshots / f"{stem}-{kind}.png")
    demos = page.locator(".privlab-demo")
    for index in range(demos.count()):
        demos.nth(index).scroll_into_view_if_needed()
        demos.nth(index).screenshot(path=screenshots / f"{stem}-{kind}-demo{index + 1}.png")


@LESSONS
def test_lesson_in_jupyterlab(lab, page, notebook, screenshots):
    """Run All in JupyterLab: no errors, and every demo's chart redraws with new data."""
    name = notebook.name
    open_in_lab(page, lab, name)
    page.screenshot(path=screenshots / f"{notebook.stem}-lab-welcome.png")
    run_all_in_lab(page, name)
    assert not error_outputs_in_lab(page), error_outputs_in_lab(page)
    exercise_demos(page, expected_demo_count(notebook), f"{name} in JupyterLab")
    screenshot_demos(page, notebook.stem, "lab", screenshots)


@LESSONS
def test_lesson_in_voila(voila, page, notebook, screenshots):
    """The lesson as a Voila dashboard: nothing failed, and every demo's chart redraws."""
    name = notebook.name
    open_in_voila(page, voila, name)
    exercise_demos(page, expected_demo_count(notebook), f"{name} in Voila")
    page.wait_for_timeout(300)
    problems = page.eval_on_selector_all(
        ".jp-OutputArea-output",
        """nodes => nodes.map(n => n.textContent)
             .filter(t => /Traceback|Error displaying widget|There was an error/.test(t))""",
    )
    assert not problems, problems
    screenshot_demos(page, notebook.stem, "voila", screenshots)
