"""Private Lift in the clear: the attribution rule and the answer a trusted party would give.

Joining the two tables in the clear gives the *oracle*, :func:`lift_metrics`: the
per-group totals a secure computation (:mod:`privlab.lift.secure`) must reproduce
without anybody seeing both tables. :func:`lift_estimate` and
:func:`per_user_lift` turn totals into a lift with a confidence interval.

The publisher's table needs ``id`` (strings, each once), ``test_flag``
(True/False or 1/0) and ``opportunity_ts`` (whole seconds >= 0), and may have
``num_impressions``. The advertiser's has one row per purchase: ``id``,
``event_ts`` (whole seconds >= 0) and ``value`` (whole cents >= 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np

from privlab._guard import PROBABILITY, TIED, WHOLES, guard
from privlab.lift._checks import (
    ADVERTISER,
    BUYERS,
    GROUPS,
    METRIC,
    PUBLISHER,
    SECONDS,
    SQUARES,
    per_user_sums,
)

__all__ = [
    "DAY",
    "DEFAULT_ATTRIBUTION_WINDOW",
    "GRACE",
    "HOUR",
    "LIFT_METRICS",
    "is_attributed",
    "lift_estimate",
    "lift_metrics",
    "per_user_lift",
]

LIFT_METRICS = ("population", "matched", "converters", "conversions", "value")
LIFT_METRICS += ("value_squared", "conversions_squared")  # the totals of lift_metrics, in order
HOUR = 3_600
DAY = 86_400
DEFAULT_ATTRIBUTION_WINDOW = 7 * DAY
GRACE = 10  # seconds; Meta's rule: opportunity_timestamp < event_timestamp + 10


# --- the oracle ---------------------------------------------------------------------------


@guard(opportunity_ts=WHOLES, event_ts=WHOLES, attribution_window=SECONDS, grace=SECONDS)
def is_attributed(
    opportunity_ts: Any,
    event_ts: Any,
    *,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    grace: int = GRACE,
) -> np.ndarray:
    """Whether a purchase at ``event_ts`` counts: after the opportunity (with a ``grace`` of
    10 s for clocks that disagree) and within the ``attribution_window`` (Meta's rule).

    .. math:: o < e + g \\quad\\text{and}\\quad e \\le o + w

    >>> is_attributed(1000, [900, 995, 1000, 1500, 1000 + 7 * 86_400 + 1])
    array([False,  True,  True,  True, False])
    """
    return (opportunity_ts < event_ts + grace) & (event_ts <= opportunity_ts + attribution_window)


@guard(publisher=PUBLISHER, advertiser=ADVERTISER, attribution_window=SECONDS, grace=SECONDS)
def lift_metrics(
    publisher: Mapping[str, Any],
    advertiser: Mapping[str, Any],
    *,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    grace: int = GRACE,
) -> dict[str, dict[str, int]]:
    """The oracle: join both tables in the clear and total each group (what MPC must match).

    Purchases are joined to the publisher's users by ``id`` and kept if
    :func:`is_attributed`. Per group: ``population``; ``matched``, users with a
    purchase at all (Meta's MatchCount); ``converters``, users with an attributed
    purchase; ``conversions``, attributed purchases; ``value``, their total in
    cents; and ``value_squared`` and ``conversions_squared``, sums over people of
    each person's value or purchases squared (for the variance an interval needs).

    Returns ``{"test": {...}, "control": {...}}``, each with the seven counts (ints).

    >>> publisher = {"id": ["ann", "bob", "cy"], "test_flag": [True, True, False],
    ...              "opportunity_ts": [1000, 1000, 1000]}
    >>> advertiser = {"id": ["ann", "ann", "bob", "cy", "dee"],
    ...               "event_ts": [900, 1500, 995, 2000, 1200],
    ...               "value": [700, 300, 200, 500, 900]}
    >>> metrics = lift_metrics(publisher, advertiser)
    >>> metrics["test"]
    {'population': 2, 'matched': 2, 'converters': 2, 'conversions': 2, 'value': 500,
     'value_squared': 130000, 'conversions_squared': 2}
    >>> metrics["control"]["value"]
    500
    """
    person, found = _join(publisher["id"], advertiser["id"])
    counted = is_attributed(
        publisher["opportunity_ts"][person],
        advertiser["event_ts"][found],
        attribution_window=attribution_window,
        grace=grace,
    )
    size = publisher["id"].size
    purchases = np.bincount(person, minlength=size)
    conversions = np.bincount(person[counted], minlength=size)
    value = np.zeros(size, dtype=np.int64)
    np.add.at(value, person[counted], advertiser["value"][found][counted])
    test = publisher["test_flag"]
    return {
        group: {  # exact Python ints, so that squares cannot overflow
            "population": int(in_group.sum()),
            "matched": int(np.sum(in_group & (purchases > 0))),
            "converters": int(np.sum(in_group & (conversions > 0))),
            "conversions": int(conversions[in_group].sum()),
            "value": int(value[in_group].sum()),
            "value_squared": sum(int(v) ** 2 for v in value[in_group & (value > 0)]),
            "conversions_squared": sum(
                int(c) ** 2 for c in conversions[in_group & (conversions > 0)]
            ),
        }
        for group, in_group in zip(GROUPS, (test, ~test), strict=True)
    }


def _join(publisher_ids: np.ndarray, advertiser_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each matched purchase's publisher row, and which purchases matched (a sorted search)."""
    if publisher_ids.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(advertiser_ids.size, dtype=bool)
    order = np.argsort(publisher_ids)
    sorted_ids = publisher_ids[order]
    place = np.minimum(np.searchsorted(sorted_ids, advertiser_ids), sorted_ids.size - 1)
    found = sorted_ids[place] == advertiser_ids
    return order[place[found]], found


# --- the lift and its uncertainty -----------------------------------------------------------


@guard(confidence=PROBABILITY, metrics=BUYERS)
def lift_estimate(
    metrics: Mapping[str, Mapping[str, int]], confidence: float = 0.95
) -> dict[str, Any]:
    """The lift in buyers, with a confidence interval, from :func:`lift_metrics` totals.

    With rates :math:`p = c / n` the lift is :math:`p_t / p_c - 1`; the log of the
    ratio has standard error (delta method)

    .. math:: se = \\sqrt{(1 - p_t) / c_t + (1 - p_c) / c_c},

    so the interval is :math:`\\exp(\\log(p_t / p_c) \\pm z \\cdot se) - 1`. The
    incremental converters :math:`c_t - p_c n_t` get a normal interval from the
    variance :math:`n_t p_t (1 - p_t) + n_t^2 p_c (1 - p_c) / n_c`.

    Returns ``test_rate``, ``control_rate``, ``lift``, ``interval``, ``log_standard_error``,
    ``incremental_converters`` and ``incremental_interval``.

    >>> result = lift_estimate({"test": {"population": 5000, "converters": 300},
    ...                         "control": {"population": 5000, "converters": 250}})
    >>> round(result["lift"], 3), [round(end, 3) for end in result["interval"]]
    (0.2, [0.019, 0.413])
    >>> result["incremental_converters"]
    50.0
    """
    n_t, c_t = metrics["test"]["population"], metrics["test"]["converters"]
    n_c, c_c = metrics["control"]["population"], metrics["control"]["converters"]
    p_t, p_c = c_t / n_t, c_c / n_c
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    log_ratio = math.log(p_t / p_c)
    log_se = math.sqrt((1 - p_t) / c_t + (1 - p_c) / c_c)
    incremental = c_t - p_c * n_t
    incremental_se = math.sqrt(n_t * p_t * (1 - p_t) + n_t**2 * p_c * (1 - p_c) / n_c)
    return {
        "test_rate": p_t,
        "control_rate": p_c,
        "lift": p_t / p_c - 1,
        "interval": (math.exp(log_ratio - z * log_se) - 1, math.exp(log_ratio + z * log_se) - 1),
        "log_standard_error": log_se,
        "incremental_converters": incremental,
        "incremental_interval": (
            incremental - z * incremental_se,
            incremental + z * incremental_se,
        ),
    }


@guard(metric=METRIC, confidence=PROBABILITY, metrics=TIED, where=per_user_sums)
def per_user_lift(
    metrics: Mapping[str, Mapping[str, int]], metric: str = "value", confidence: float = 0.95
) -> dict[str, Any]:
    """The lift in sales value (or purchases) per user, with an interval from the squared sums.

    Per group, with total :math:`S` over :math:`n` users and sum of squares :math:`Q`:

    .. math:: \\mu = S / n, \\qquad s^2 = \\frac{Q - S^2 / n}{n - 1}, \\qquad
              se = \\sqrt{\\frac{s_t^2}{n_t \\mu_t^2} + \\frac{s_c^2}{n_c \\mu_c^2}}

    for the log of :math:`\\mu_t / \\mu_c`: the squared sums give the uncertainty,
    which the totals alone do not. The incremental total is :math:`S_t - \\mu_c n_t`.

    ``metric`` is ``"value"`` (cents) or ``"conversions"``; each group of ``metrics`` needs
    ``population``, ``metric`` and its squared sum. Returns ``test_mean``,
    ``control_mean``, ``lift``, ``interval``, ``log_standard_error``, ``incremental``
    and ``incremental_interval``.

    >>> from privlab.lift import lift_study
    >>> study = lift_study()
    >>> result = per_user_lift(study.truth.metrics, "value")
    >>> round(result["lift"], 3), [round(end, 3) for end in result["interval"]]
    (0.128, [-0.094, 0.405])
    >>> round(result["incremental"] / 100)  # euros of sales the ad added in the test group
    2031
    """
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    stats = {}
    for group, totals in metrics.items():
        n, total, square_sum = totals["population"], totals[metric], totals[SQUARES[metric]]
        stats[group] = (n, total / n, (square_sum - total**2 / n) / (n - 1))
    (n_t, mean_t, var_t), (n_c, mean_c, var_c) = stats["test"], stats["control"]
    log_se = math.sqrt(var_t / (n_t * mean_t**2) + var_c / (n_c * mean_c**2))
    ratio = mean_t / mean_c
    incremental = n_t * (mean_t - mean_c)
    incremental_se = math.sqrt(n_t * var_t + n_t**2 * var_c / n_c)
    return {
        "test_mean": mean_t,
        "control_mean": mean_c,
        "lift": ratio - 1,
        "interval": (ratio * math.exp(-z * log_se) - 1, ratio * math.exp(z * log_se) - 1),
        "log_standard_error": log_se,
        "incremental": incremental,
        "incremental_interval": (
            incremental - z * incremental_se,
            incremental + z * incremental_se,
        ),
    }
