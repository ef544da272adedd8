"""Publishing a lift study: the minimum-audience rule and a differentially private report.

:func:`audience_gate` is Meta's rule (no metrics below 100 converters): a
threshold, *not* a privacy guarantee. :func:`secure_dp_lift` (noise added inside
the secure computation) and :func:`dp_lift_report` (noise added to opened
totals) add exact discrete Laplace noise, spending from a
:class:`~privlab.dp.PrivacyAccountant`. With at most ``max_purchases`` per person
clipped to ``value_cap`` cents, one person changes ``converters`` by 1,
``conversions`` by ``max_purchases`` and ``value`` by ``max_purchases *
value_cap`` (:func:`lift_sensitivities`). ``epsilon`` is split over these three;
a person is in one group only, so both groups cost one share (*parallel
composition*). Each ``population`` is the publisher's own and released as it
is; ``matched`` and the squared sums are never released.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import NormalDist
from typing import Any

import numpy as np

from privlab._guard import COUNTS, LABEL, POSITIVE, PROBABILITY, RNG, SECRETS, TIED, guard, whole
from privlab.dp.accountant import PrivacyAccountant
from privlab.dp.exact import discrete_laplace_exact
from privlab.errors import BudgetExceededError
from privlab.lift._checks import (
    ACCOUNTANT,
    ADVERTISER,
    CONVERTERS,
    GROUPS,
    MAX_PURCHASES,
    MAX_VALUE_CAP,
    PUBLISHER,
    RELEASED_METRICS,
    SLOTS,
    VALUE_CAP,
    released_totals,
)
from privlab.lift.metrics import DEFAULT_ATTRIBUTION_WINDOW, lift_estimate
from privlab.lift.secure import _fits_the_protocol, _group_sizes, _psi_or_none, secure_lift

__all__ = [
    "RELEASED_METRICS",
    "DPLiftReport",
    "Gate",
    "audience_gate",
    "dp_lift_report",
    "lift_sensitivities",
    "noisy_total",
    "secure_dp_lift",
]

# --- the minimum-audience rule --------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """The decision of :func:`audience_gate`: ``passed``, the ``converters``
    counted, the number ``needed`` and the ``reason`` in words."""

    passed: bool
    converters: int
    needed: int
    reason: str


@guard(min_converters=whole(low=0), metrics=CONVERTERS)
def audience_gate(metrics: Mapping[str, Any], *, min_converters: int = 100) -> Gate:
    """Meta's minimum-audience rule: withhold every metric below ``min_converters`` converters.

    Both groups' converters count together. On true totals it is a threshold, not
    differential privacy; on the noisy converters of a :class:`DPLiftReport` it is
    post-processing (noisy counts may be negative: any whole number is accepted).

    >>> gate = audience_gate({"test": {"converters": 60}, "control": {"converters": 39}})
    >>> gate.passed, gate.reason
    (False, 'withheld: 99 converters in test and control together, fewer than the 100 needed')
    >>> audience_gate({"test": {"converters": 60}, "control": {"converters": 40}}).passed
    True
    """
    converters = sum(metrics[group]["converters"] for group in GROUPS)
    together = f"{converters} converters in test and control together"
    if converters < min_converters:
        reason = f"withheld: {together}, fewer than the {min_converters} needed"
    else:
        reason = f"shown: {together}, at least {min_converters} needed"
    return Gate(converters >= min_converters, converters, min_converters, reason)


# --- the differentially private report -----------------------------------------------


@dataclass(frozen=True)
class DPLiftReport:
    """What :func:`secure_dp_lift` and :func:`dp_lift_report` release.

    ``metrics``: each group's exact ``population`` and noisy ``converters``,
    ``conversions`` and ``value``. ``lift`` and its ``interval`` (widened for the
    noise) come from the noisy converters, None when one is below 1 or above its
    population. ``secure`` is the run of :func:`secure_dp_lift`, or None.
    """

    metrics: dict[str, dict[str, int]]
    epsilon: float
    epsilon_per_metric: float
    sensitivities: dict[str, int]
    lift: float | None
    interval: tuple[float, float] | None
    confidence: float
    secure: Any = field(default=None, repr=False)


@guard(max_purchases=SLOTS, value_cap=VALUE_CAP)
def lift_sensitivities(max_purchases: int, value_cap: int) -> dict[str, int]:
    """How much one person can change each released total.

    Examples
    --------
    >>> lift_sensitivities(max_purchases=3, value_cap=20_000)
    {'converters': 1, 'conversions': 3, 'value': 60000}
    """
    return {"converters": 1, "conversions": max_purchases, "value": max_purchases * value_cap}


@guard(
    true_total=COUNTS,
    epsilon=POSITIVE,
    sensitivity=whole(1, MAX_PURCHASES * MAX_VALUE_CAP),
    draws=whole(1, 2),
    rng=RNG,
)
def noisy_total(
    true_total: Any,
    epsilon: float,
    *,
    sensitivity: int,
    draws: int = 1,
    rng: np.random.Generator | int | None = None,
) -> Any:
    """A whole-number total (or array of totals) with exact discrete Laplace noise.

    .. math:: \\Pr[Z = k] \\propto e^{-\\varepsilon |k| / \\Delta}

    ``draws=2`` adds two independent draws, as when each of two parties adds its own.

    Examples
    --------
    >>> noisy_total([500, 420], epsilon=1.0, sensitivity=3, rng=0)
    array([500, 422])
    """
    scale = Fraction(sensitivity) / Fraction(epsilon)  # exact: no rounding in the noise scale
    noise = sum(discrete_laplace_exact(scale, size=true_total.shape, rng=rng) for _ in range(draws))
    noisy = true_total + noise
    return noisy.item() if noisy.ndim == 0 else noisy


@guard(
    max_purchases=SLOTS,
    value_cap=VALUE_CAP,
    accountant=ACCOUNTANT,
    epsilon=POSITIVE,
    confidence=PROBABILITY,
    draws=whole(1, 2),
    label=LABEL,
    metrics=TIED,
    where=released_totals,
)
def dp_lift_report(
    metrics: Mapping[str, Any],
    *,
    accountant: PrivacyAccountant,
    epsilon: float,
    max_purchases: int,
    value_cap: int,
    label: str = "lift report",
    confidence: float = 0.95,
    draws: int = 1,
) -> DPLiftReport:
    """Release opened per-group totals with differential privacy, spending ``epsilon``.

    One ledger line per metric, each costing ``epsilon / 3`` for both groups;
    values must have been clipped to ``value_cap`` before the totals. On the log
    scale the interval's variance is :func:`~privlab.lift.metrics.lift_estimate`'s
    plus :math:`v / \\tilde c_t^2 + v / \\tilde c_c^2` for the noise variance :math:`v`.

    Examples
    --------
    >>> import numpy as np
    >>> from privlab.dp import PrivacyAccountant
    >>> from privlab.lift import lift_metrics, lift_study
    >>> study = lift_study()
    >>> clipped = {**study.advertiser, "value": np.minimum(study.advertiser["value"], 20_000)}
    >>> metrics = lift_metrics(study.publisher, clipped)
    >>> budget = PrivacyAccountant(epsilon=1.0, rng=2028)
    >>> report = dp_lift_report(metrics, accountant=budget, epsilon=0.6,
    ...                         max_purchases=3, value_cap=20_000)
    >>> report.metrics["test"]
    {'population': 4975, 'converters': 308, 'conversions': 476, 'value': 1472884}
    >>> round(report.lift, 3), [round(end, 3) for end in report.interval]
    (0.156, [-0.027, 0.375])
    >>> print(budget)
    PrivacyAccountant: spent ε = 0.6 of 1 in 3 release(s)
      lift report: converters: noisy_total, ε = 0.2 -> [308 269]
      lift report: conversions: noisy_total, ε = 0.2 -> [476 386]
      lift report: value: noisy_total, ε = 0.2 -> [1472884 1329483]
    """
    sensitivities = lift_sensitivities(max_purchases, value_cap)
    share, labels = _spend(accountant, epsilon, label)
    noisy = {
        metric: accountant.release(
            labels[metric],
            noisy_total,
            np.array([metrics[group][metric] for group in GROUPS]),
            epsilon=share,
            sensitivity=sensitivities[metric],
            draws=draws,
        )
        for metric in RELEASED_METRICS
    }
    populations = {group: metrics[group]["population"] for group in GROUPS}
    return _report(populations, noisy, epsilon, share, sensitivities, confidence, draws)


@guard(
    publisher=PUBLISHER,
    advertiser=ADVERTISER,
    accountant=ACCOUNTANT,
    epsilon=POSITIVE,
    max_purchases=SLOTS,
    value_cap=VALUE_CAP,
    attribution_window=whole(low=0),
    matching=_psi_or_none,
    label=LABEL,
    confidence=PROBABILITY,
    rng=SECRETS,
    where=_fits_the_protocol,
)
def secure_dp_lift(
    publisher: Mapping[str, Any],
    advertiser: Mapping[str, Any],
    *,
    accountant: PrivacyAccountant,
    epsilon: float,
    max_purchases: int,
    value_cap: int,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    matching: Any = None,
    label: str = "lift report",
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> DPLiftReport:
    """A DP lift report whose noise is added *inside* the secure computation.

    :func:`dp_lift_report` noises totals that both parties already saw (they could
    run a differencing attack). Here the advertiser clips values to ``value_cap``,
    each party adds its **own** discrete Laplace draw to its share of each released
    total (``epsilon / 3`` per metric), and only the noisy totals are opened. A
    party knows its own draw, so it faces the other's alone: ``epsilon``-DP against
    each party and any reader. A re-run is answered from the ledger.

    ``max_purchases`` and ``value_cap``: purchase slots per person and most cents counted
    per purchase; the other arguments as for :func:`privlab.lift.secure_lift` and
    :func:`dp_lift_report`. :class:`~privlab.errors.BudgetExceededError` if it would overspend.

    Examples
    --------
    >>> from privlab.lift import lift_study
    >>> study = lift_study(population=2_000)
    >>> budget = PrivacyAccountant(epsilon=3.0)
    >>> report = secure_dp_lift(study.publisher, study.advertiser, accountant=budget,
    ...                         epsilon=3.0, max_purchases=4, value_cap=20_000, rng=1)
    >>> sorted(report.metrics["test"])
    ['conversions', 'converters', 'population', 'value']
    >>> noise = report.secure.noise  # each party knows only its own draws
    >>> noise["publisher"]["test"]["value"], noise["advertiser"]["test"]["value"]  # cents
    (124372, 93699)
    >>> print(budget)
    PrivacyAccountant: spent ε = 3 of 3 in 3 release(s)
      lift report: converters: noise_added_before_opening, ε = 1 -> [72 37]
      lift report: conversions: noise_added_before_opening, ε = 1 -> [110  62]
      lift report: value: noise_added_before_opening, ε = 1 -> [651594   -793]
    """
    clipped = {**advertiser, "value": np.minimum(advertiser["value"], value_cap)}
    sensitivities = lift_sensitivities(max_purchases, value_cap)
    share, labels = _spend(accountant, epsilon, label)
    query = _digest(publisher, clipped, attribution_window, max_purchases, value_cap, share)
    released_before = {release.label for release in accountant.ledger}
    result = None
    if not all(name in released_before for name in labels.values()):
        result = secure_lift(
            publisher,
            clipped,
            attribution_window=attribution_window,
            max_purchases=max_purchases,
            matching=matching,
            noise_before_opening={m: (share, sensitivities[m]) for m in RELEASED_METRICS},
            rng=rng,
        )
    noisy = {
        metric: accountant.release(
            labels[metric],
            _opened_totals(result, metric),
            query,
            epsilon=share,
            sensitivity=sensitivities[metric],
        )
        for metric in RELEASED_METRICS
    }
    populations = _group_sizes(publisher["test_flag"])
    return _report(populations, noisy, epsilon, share, sensitivities, confidence, 2, result)


def _spend(accountant: PrivacyAccountant, epsilon: float, label: str) -> tuple[float, dict]:
    """Each metric's share of ``epsilon`` and ledger label, once the whole report fits
    (labels already in the ledger are re-runs, answered for free)."""
    share = epsilon / len(RELEASED_METRICS)
    labels = {metric: f"{label}: {metric}" for metric in RELEASED_METRICS}
    released_before = {release.label for release in accountant.ledger}
    cost = share * sum(1 for name in labels.values() if name not in released_before)
    if cost > 0 and not accountant.can_afford(cost):
        raise BudgetExceededError(
            f"report {label!r} would spend ε = {cost:g} but only ε = "
            f"{accountant.remaining_epsilon:g} of the budget is left (total ε = "
            f"{accountant.total_epsilon:g}); nothing was released."
        )
    return share, labels


def _opened_totals(result: Any, metric: str) -> Any:
    """The ledger's mechanism: the noisy totals the parties opened (a re-run, with no
    ``result``, is answered from the ledger and never calls it)."""

    def noise_added_before_opening(_query: str, **_settings: Any) -> np.ndarray:
        return np.array([result.metrics[group][metric] for group in GROUPS])

    return noise_added_before_opening


def _digest(
    publisher: Mapping[str, np.ndarray], advertiser: Mapping[str, np.ndarray], *settings: Any
) -> str:
    """A fingerprint of the two tables and the settings: the same query gives the same text."""
    digest = hashlib.blake2b(digest_size=16)
    for table in (publisher, advertiser):
        for name in sorted(table):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(table[name]).astype(str).tobytes())
    digest.update(repr(settings).encode())
    return digest.hexdigest()


def _report(
    populations: dict[str, int],
    noisy: dict[str, np.ndarray],
    epsilon: float,
    share: float,
    sensitivities: dict[str, int],
    confidence: float,
    draws: int,
    secure: Any = None,
) -> DPLiftReport:
    """The released totals, and the lift with an interval that counts the sampling error
    and the noise (variance 2a / (1 - a)², a = exp(-share), per draw)."""
    released = {
        group: {
            "population": populations[group],
            **{metric: int(noisy[metric][index]) for metric in RELEASED_METRICS},
        }
        for index, group in enumerate(GROUPS)
    }
    lift = interval = None
    if all(1 <= released[g]["converters"] <= released[g]["population"] for g in GROUPS):
        a = math.exp(-share)
        noise_variance = draws * (2 * a / (1 - a) ** 2)
        estimate = lift_estimate(released, confidence)
        log_variance = estimate["log_standard_error"] ** 2 + sum(
            noise_variance / released[group]["converters"] ** 2 for group in GROUPS
        )
        spread = NormalDist().inv_cdf((1 + confidence) / 2) * math.sqrt(log_variance)
        lift, log_ratio = estimate["lift"], math.log1p(estimate["lift"])
        interval = (math.expm1(log_ratio - spread), math.expm1(log_ratio + spread))
    return DPLiftReport(released, epsilon, share, sensitivities, lift, interval, confidence, secure)
