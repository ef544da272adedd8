"""Private Lift: how much an ad campaign raised sales, without the two sides showing their data.

A publisher knows who saw the ad (*test*) and who was held out (*control*); an
advertiser knows who bought what, when. ``study`` makes lesson 04's tables,
``metrics`` gives the answer in the clear (the *oracle*), ``secure`` the same
totals by secure computation, and ``report`` what may be released.

>>> from privlab import lift
>>> study = lift.lift_study(population=2_000, rng=1)
>>> result = lift.secure_lift(study.publisher, study.advertiser, rng=1)
>>> result.metrics["test"]["converters"], study.truth.metrics["test"]["converters"]
(63, 63)
"""

from __future__ import annotations

from .metrics import is_attributed, lift_estimate, lift_metrics, per_user_lift
from .report import DPLiftReport, Gate, audience_gate, dp_lift_report, secure_dp_lift
from .secure import LiftResult, PaddedPurchases, pad_purchases, secure_lift
from .study import LiftStudy, LiftTruth, lift_study

__all__ = [
    "DPLiftReport",
    "Gate",
    "LiftResult",
    "LiftStudy",
    "LiftTruth",
    "PaddedPurchases",
    "audience_gate",
    "dp_lift_report",
    "is_attributed",
    "lift_estimate",
    "lift_metrics",
    "lift_study",
    "pad_purchases",
    "per_user_lift",
    "secure_dp_lift",
    "secure_lift",
]
