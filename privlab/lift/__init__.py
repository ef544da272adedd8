"""Private Lift: how much an ad campaign raised sales, without the two sides showing their data.

A publisher knows who saw the ad (a *test* group) and who was held out
(*control*); an advertiser knows who bought what, when. Four steps, one module each:

* :mod:`~privlab.lift.study`: the two parties' tables, made by a seeded generator
  so that the true lift is known (lesson 04's data).
* :mod:`~privlab.lift.metrics`: the answer in the clear: the attribution rule,
  the per-group totals and the lift with its confidence interval (the *oracle*).
* :mod:`~privlab.lift.secure`: the same totals by secure computation: private
  set intersection, secret sharing, secure comparison and Beaver products.
* :mod:`~privlab.lift.report`: what may be released: the minimum-audience rule
  and differentially private totals.

Examples
--------
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
