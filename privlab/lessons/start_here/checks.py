"""The warm-up check of lesson 00, "Start here"."""

from __future__ import annotations

from privlab.lessons.kit.checks import Exercise, mistake, near, number_of, right

__all__ = ["check_more_private"]

HINT = (
    "Smaller ε means more noise, and more noise means more privacy. "
    "Look at the spread of the bars in the demo at each setting."
)

check_more_private = Exercise(
    "Warm-up (which way does ε go?)",
    answers=["answer"],
    derive=lambda a: {"text": str(a["answer"])[:20], "value": number_of(a["answer"])},
    rules=[
        mistake(
            lambda a: isinstance(a["answer"], str),
            "You wrote the text {text!r}, not a number.",
            "Write the number itself, without quotes.",
        ),
        mistake(
            lambda a: a["value"] is None, "The answer should be one number.", "Write 0.1 or 5."
        ),
        right(
            lambda a: near(a["value"], 0.1),
            "ε = 0.1 gives more privacy. Smaller ε means more noise: at ε = 0.1 the typical "
            "error was about ±10 people, so one person more or less is lost in the noise.",
        ),
        mistake(
            lambda a: near(a["value"], 5),
            "ε = 5 gives less privacy: almost every release was exactly 118, so the report "
            "reveals nearly as much as the exact count.",
            HINT,
        ),
    ],
    otherwise=mistake(None, "{value:g} is not one of the two choices, 0.1 and 5.", HINT),
).checker()
