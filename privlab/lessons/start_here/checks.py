"""The warm-up check of lesson 00, "Start here"."""

from __future__ import annotations

import math
import numbers
from typing import Any

from privlab.lessons.kit.feedback import Feedback, check

__all__ = ["check_more_private"]

WARM_UP = "Warm-up (which way does ε go?)"
HINT = (
    "Smaller ε means more noise, and more noise means more privacy. "
    "Look at the spread of the bars in the demo at each setting."
)


@check(WARM_UP)
def check_more_private(answer: Any) -> Feedback:
    """Is ``answer`` the ε, of 0.1 and 5, that gives more privacy?

    Examples
    --------
    >>> bool(check_more_private(0.1)), bool(check_more_private(5))
    (True, False)
    """
    if isinstance(answer, str):
        return Feedback(
            WARM_UP,
            "incorrect",
            f"You wrote the text {answer[:20]!r}, not a number.",
            "Write the number itself, without quotes.",
        )
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or math.isnan(answer):
        return Feedback(WARM_UP, "incorrect", "The answer should be one number.", "Write 0.1 or 5.")
    value = float(answer)
    if math.isclose(value, 0.1):
        return Feedback(
            WARM_UP,
            "correct",
            "ε = 0.1 gives more privacy. Smaller ε means more noise: at ε = 0.1 the typical "
            "error was about ±10 people, so one person more or less is lost in the noise.",
        )
    if math.isclose(value, 5):
        return Feedback(
            WARM_UP,
            "incorrect",
            "ε = 5 gives less privacy: almost every release was exactly 118, so the report "
            "reveals nearly as much as the exact count.",
            HINT,
        )
    return Feedback(
        WARM_UP, "incorrect", f"{value:g} is not one of the two choices, 0.1 and 5.", HINT
    )
