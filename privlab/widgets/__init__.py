"""Interactive demos for the lessons (ipywidgets and plotly).

Import this module in a notebook, not in the core: it loads Jupyter widget
and plotting code. Each demo is a small :class:`Demo` built on a chart
function from :mod:`privlab.viz`.

:data:`DEMOS` lists every demo by name (the tests and benchmarks sweep them all).
"""

from __future__ import annotations

from collections.abc import Callable

from ._demo import Demo, updating
from .backups import backup_demo, crack_demo, leaks_demo, timeline_demo
from .budgets import (
    averaging_demo,
    clipping_demo,
    composition_demo,
    float_leak_demo,
    histogram_demo,
    reconstruction_demo,
)
from .crypto import (
    chat_demo,
    delivery_demo,
    forward_secrecy_demo,
    mitm_demo,
    pitfalls_demo,
)
from .dp import neighbours_demo, noise_scale_demo, noisy_releases_demo, randomized_response_demo
from .envcheck import environment_check
from .fl import inversion_demo, phones_demo, secagg_demo, tradeoff_demo, training_demo
from .lift import differencing_demo, lift_lab_demo, party_view_demo
from .mpc import beaver_demo, class_average_demo, cost_demo, shamir_demo, shares_demo

DEMOS: dict[str, Callable[[], Demo]] = {
    "noisy_releases": noisy_releases_demo,
    "neighbours": neighbours_demo,
    "noise_scale": noise_scale_demo,
    "randomized_response": randomized_response_demo,
    "averaging": averaging_demo,
    "reconstruction": reconstruction_demo,
    "histogram": histogram_demo,
    "clipping": clipping_demo,
    "composition": composition_demo,
    "float_leak": float_leak_demo,
    "shares": shares_demo,
    "class_average": class_average_demo,
    "shamir": shamir_demo,
    "beaver": beaver_demo,
    "cost": cost_demo,
    "party_view": party_view_demo,
    "lift_lab": lift_lab_demo,
    "differencing": differencing_demo,
    "phones": phones_demo,
    "training": training_demo,
    "inversion": inversion_demo,
    "secagg": secagg_demo,
    "tradeoff": tradeoff_demo,
    "chat": chat_demo,
    "delivery": delivery_demo,
    "forward_secrecy": forward_secrecy_demo,
    "mitm": mitm_demo,
    "pitfalls": pitfalls_demo,
    "backup": backup_demo,
    "crack": crack_demo,
    "timeline": timeline_demo,
    "leaks": leaks_demo,
}

__all__ = [
    "DEMOS",
    "Demo",
    "averaging_demo",
    "backup_demo",
    "beaver_demo",
    "chat_demo",
    "class_average_demo",
    "clipping_demo",
    "composition_demo",
    "cost_demo",
    "crack_demo",
    "delivery_demo",
    "differencing_demo",
    "environment_check",
    "float_leak_demo",
    "forward_secrecy_demo",
    "histogram_demo",
    "inversion_demo",
    "leaks_demo",
    "lift_lab_demo",
    "mitm_demo",
    "neighbours_demo",
    "noise_scale_demo",
    "noisy_releases_demo",
    "party_view_demo",
    "phones_demo",
    "pitfalls_demo",
    "randomized_response_demo",
    "reconstruction_demo",
    "secagg_demo",
    "shamir_demo",
    "shares_demo",
    "timeline_demo",
    "tradeoff_demo",
    "training_demo",
    "updating",
]
