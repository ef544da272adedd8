"""Move the controls of a widget demo the way a learner would, one change at a time.

It needs only ipywidgets-like objects (duck typing), not privlab, so both the
benchmarks and the tests can use it::

    from sweep import sweep
    seconds = sweep(demo.controls, changes=50)

Supported controls: selection widgets with ``.options`` (``SelectionSlider``,
``Dropdown``, ``ToggleButtons``, ``RadioButtons``), numeric sliders and bounded
number boxes with ``.min``, ``.max`` and ``.step`` (``FloatLogSlider`` too),
on/off widgets (``Checkbox``, ``ToggleButton``) and ``Button``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from time import perf_counter
from typing import Any


def next_value(control: Any) -> Any:
    """Return a valid value for ``control`` that differs from its current one.

    Selection widgets move to the next option, numeric sliders one step up,
    and both wrap around at the end. On/off widgets flip. Raises ``TypeError``
    for a control this helper does not know (including ``Button``: click it).
    """
    if hasattr(control, "options") and hasattr(control, "index"):
        options = list(control.options)
        if len(options) < 2:
            raise TypeError(f"{type(control).__name__} has fewer than two options")
        index = control.index if isinstance(control.index, int) else -1
        option = options[(index + 1) % len(options)]
        # Options may be (label, value) pairs.
        return option[1] if isinstance(option, tuple) and len(option) == 2 else option
    if isinstance(getattr(control, "value", None), bool):
        return not control.value
    if all(hasattr(control, name) for name in ("min", "max", "step", "value")):
        return _next_number(control)
    raise TypeError(f"don't know how to change a {type(control).__name__}")


def _next_number(control: Any) -> float | int:
    low, high, step = control.min, control.max, control.step
    if not step or high <= low:
        raise TypeError(f"{type(control).__name__} has no room to move (min={low}, max={high})")
    base = getattr(control, "base", None)  # FloatLogSlider: min, max, step are exponents
    position = math.log(control.value, base) if base else control.value
    steps = round((high - low) / step)
    k = (round((position - low) / step) + 1) % (steps + 1)
    new = min(round(low + k * step, 12), high)  # no 0.7000000000000001
    if base:
        return base**new
    return int(new) if isinstance(control.value, int) else new


def change(control: Any) -> None:
    """Make one change to ``control``: click a button, else set ``next_value``."""
    if callable(getattr(control, "click", None)):
        control.click()
    else:
        control.value = next_value(control)


def sweep(controls: Sequence[Any], changes: int = 50) -> list[float]:
    """Change the controls in turn, ``changes`` times in all.

    Returns the seconds each change took, from before the value is set until
    the assignment returns (observers, and so figure updates, run inside it).
    """
    if not controls:
        raise ValueError("the demo has no controls")
    seconds = []
    for i in range(changes):
        control = controls[i % len(controls)]
        start = perf_counter()
        change(control)
        seconds.append(perf_counter() - start)
    return seconds
