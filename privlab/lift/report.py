"""Publishing a lift study: the minimum-audience rule and a differentially private report.

:func:`privlab.lift.secure_lift` opens exact per-group totals. This module gives
two ways to publish them:

* :func:`audience_gate`: Meta's rule. All metrics are withheld when the test
  and control groups together have fewer than 100 converters. A threshold is
  *not* a privacy guarantee: the totals it lets through are exact, so two
  studies that differ in one buyer still differ in their answers, and the
  decision itself depends on the data.
* :func:`dp_lift_report`: adds noise to the totals with differential privacy,
  spending budget from a :class:`~privlab.dp.PrivacyAccountant`, so the
  release shows up in the ledger of lesson 02.

**What is protected.** One person is one row of the publisher's list, in
exactly one group. The people on the list and their groups are the
publisher's own information, so each group's ``population`` is released as it
is. The noise hides one person's *purchases*: a neighbouring study is the same
study with one person's attributed purchases added or removed.

**Sensitivities.** Padding (:func:`privlab.lift.pad_purchases`) keeps at most
``max_purchases`` purchases per person, each worth at most ``value_cap``
cents, so one person changes

=============== =============================
``converters``  by at most 1
``conversions`` by at most ``max_purchases``
``value``       by at most ``max_purchases * value_cap``
=============== =============================

**Clipping comes first.** The ``value`` bound holds only if every purchase
value was clipped to ``value_cap`` *before* the totals were computed, as an
input step of the secure computation on the advertiser's values (the
advertiser can clip its own table before sharing it: a per-purchase cap needs
nothing from the publisher). The opened totals cannot show single purchases:
:func:`dp_lift_report` checks only that ``value <= conversions * value_cap``,
which catches many forgotten clips but cannot prove that none was forgotten.

**Budget.** ``epsilon`` is split equally over the three released metrics.
Each metric is released for both groups at once, as one vector with the
metric's sensitivity: one person is in one group only, so they change one
entry of the vector, and the vector costs its share of epsilon once
(*parallel composition*), not once per group. Three ledger lines, total ``epsilon``.
All noise is discrete Laplace (:func:`noisy_total`): every total, value
included, is a whole number (cents), and the noise is drawn by the exact
integer sampler of :mod:`privlab.dp.exact` (Canonne, Kamath and Steinke 2020),
so no floating-point rounding stands between the release and its proof.

**Not released.** ``matched``, ``value_squared`` and ``conversions_squared``:
a square per person has sensitivity ``(max_purchases * value_cap) ** 2``,
far too large to be worth its share of the budget.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import NormalDist
from typing import Any

import numpy as np

from privlab import _guard as check
from privlab.dp.accountant import PrivacyAccountant
from privlab.dp.exact import discrete_laplace_exact
from privlab.errors import BudgetExceededError, InvalidParameterError
from privlab.lift.metrics import (
    DEFAULT_ATTRIBUTION_WINDOW,
    MAX_PURCHASES,
    MAX_VALUE_CAP,
    check_advertiser_table,
    check_publisher_table,
    lift_estimate,
)

__all__ = [
    "MIN_CONVERTERS",
    "RELEASED_METRICS",
    "DPLiftReport",
    "Gate",
    "audience_gate",
    "dp_lift_report",
    "lift_sensitivities",
    "noisy_total",
    "secure_dp_lift",
]

GROUPS = ("test", "control")
MIN_CONVERTERS = 100
"""Meta's minimum audience: test plus control converters needed to show any metric."""

RELEASED_METRICS = ("converters", "conversions", "value")
"""The noisy totals of :func:`dp_lift_report`, each with an equal share of epsilon."""

REQUIRED_METRICS = ("population", *RELEASED_METRICS)


# --- the minimum-audience rule --------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """The decision of :func:`audience_gate`.

    Parameters
    ----------
    passed : bool
        True when the metrics may be shown.
    converters : int
        Test plus control converters.
    needed : int
        The minimum, ``min_converters``.
    reason : str
        The decision in words.
    """

    passed: bool
    converters: int
    needed: int
    reason: str


def audience_gate(metrics: Mapping[str, Any], *, min_converters: int = MIN_CONVERTERS) -> Gate:
    """Meta's minimum-audience rule: withhold every metric below ``min_converters`` converters.

    The rule counts the converters of both groups together. Applied to the
    true totals it is a k-anonymity-style threshold, not differential
    privacy. Applied to the noisy converters of a :class:`DPLiftReport` it is
    post-processing and costs no budget; noisy counts may be negative, so any
    whole number is accepted here.

    Parameters
    ----------
    metrics : dict
        ``{"test": {...}, "control": {...}}``, each with ``converters``.
    min_converters : int
        Converters needed to show the metrics, a whole number >= 0 (default 100).

    Returns
    -------
    Gate
        ``passed``, the ``converters`` counted, the number ``needed`` and a ``reason``.

    Examples
    --------
    >>> gate = audience_gate({"test": {"converters": 60}, "control": {"converters": 39}})
    >>> gate.passed, gate.reason
    (False, 'withheld: 99 converters in test and control together, fewer than the 100 needed')
    >>> audience_gate({"test": {"converters": 60}, "control": {"converters": 40}}).passed
    True
    """
    needed = check.integer("min_converters", min_converters, low=0)
    _require_groups(metrics)
    converters = sum(
        check.integer(f"metrics[{group!r}]['converters']", _metric(metrics, group, "converters"))
        for group in GROUPS
    )
    together = f"{converters} converters in test and control together"
    if converters < needed:
        return Gate(
            False, converters, needed, f"withheld: {together}, fewer than the {needed} needed"
        )
    return Gate(True, converters, needed, f"shown: {together}, at least {needed} needed")


# --- the differentially private report -----------------------------------------------


@dataclass(frozen=True)
class DPLiftReport:
    """What :func:`dp_lift_report` releases.

    Parameters
    ----------
    metrics : dict
        ``{"test": {...}, "control": {...}}`` with the exact ``population``
        (the publisher's own) and the noisy ``converters``, ``conversions`` and
        ``value`` (whole numbers; a noisy count can be below 0).
    epsilon : float
        Privacy budget of the whole report.
    epsilon_per_metric : float
        The share of each released metric (both groups together).
    sensitivities : dict
        How much one person can change each released metric.
    lift : float or None
        Lift in buyers from the noisy converters (:func:`~privlab.lift.metrics.lift_estimate`);
        None when a noisy converter count is below 1 or above its population.
    interval : tuple of float or None
        Confidence interval of the lift, widened for the noise (see :func:`dp_lift_report`).
    confidence : float
        Coverage of ``interval``.
    secure : LiftResult or None
        From :func:`secure_dp_lift`: the secure computation that drew the noise
        (its ``network`` and each party's ``noise``); None from
        :func:`dp_lift_report`, or for a re-run answered from the ledger.
    """

    metrics: dict[str, dict[str, int]]
    epsilon: float
    epsilon_per_metric: float
    sensitivities: dict[str, int]
    lift: float | None
    interval: tuple[float, float] | None
    confidence: float
    secure: Any = field(default=None, repr=False)


def lift_sensitivities(max_purchases: int, value_cap: int) -> dict[str, int]:
    """How much one person can change each released total.

    Examples
    --------
    >>> lift_sensitivities(max_purchases=3, value_cap=20_000)
    {'converters': 1, 'conversions': 3, 'value': 60000}
    """
    max_purchases = check.integer("max_purchases", max_purchases, low=1, high=MAX_PURCHASES)
    value_cap = check.integer("value_cap", value_cap, low=1, high=MAX_VALUE_CAP)
    return {"converters": 1, "conversions": max_purchases, "value": max_purchases * value_cap}


def noisy_total(
    true_total: Any,
    epsilon: float,
    *,
    sensitivity: int,
    draws: int = 1,
    rng: np.random.Generator | int | None = None,
) -> Any:
    """A whole-number total (or array of totals) with exact discrete Laplace noise.

    The noise has :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k| / \\Delta}`
    for the sensitivity :math:`\\Delta`, so the release is epsilon-DP when one
    person changes the total (or the array, summed over entries) by at most
    :math:`\\Delta`, a whole number: at every output the probabilities from two
    neighbouring totals differ by a factor of at most :math:`e^\\varepsilon`.
    The draw is :func:`~privlab.dp.exact.discrete_laplace_exact` with the scale
    :math:`\\Delta / \\varepsilon` computed as a fraction (the float epsilon at its
    exact binary value), so that bound holds exactly, not up to rounding. (The
    fast :func:`~privlab.dp.discrete_laplace_noise` draws the same distribution
    with numpy's floating-point geometric sampler, up to rounding errors of
    about 1e-16: fine for charts, not what a release should rest on.)
    ``draws=2`` adds two independent draws, as when each of two parties adds
    its own before the total is opened (:func:`secure_dp_lift`): still
    epsilon-DP for a reader, and for each party, who knows its own draw.

    Examples
    --------
    >>> noisy_total([500, 420], epsilon=1.0, sensitivity=3, rng=0)
    array([500, 422])
    """
    totals = check.count_array("true_total", true_total)
    epsilon = check.positive_number("epsilon", epsilon)
    sensitivity = check.integer(
        "sensitivity", sensitivity, low=1, high=MAX_PURCHASES * MAX_VALUE_CAP
    )
    draws = check.integer("draws", draws, low=1, high=2)
    generator = check.rng(rng)
    scale = Fraction(sensitivity) / Fraction(epsilon)  # exact: no rounding in the noise scale
    noise = sum(
        discrete_laplace_exact(scale, size=totals.shape, rng=generator) for _ in range(draws)
    )
    noisy = totals + noise
    return noisy.item() if noisy.ndim == 0 else noisy


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
    """Release the per-group totals with differential privacy, spending ``epsilon``.

    The noisy ``converters``, ``conversions`` and ``value`` of both groups
    are released through ``accountant``, one ledger line per metric
    (``"<label>: converters"`` and so on), each costing ``epsilon / 3`` for
    both groups together (see the module notes). The accountant's generator
    draws the noise, so a seeded accountant gives a reproducible report.
    Re-running with the same label and totals gives the same report at no
    extra cost, as for any release.

    The lift and its interval come from the noisy converters and the exact
    populations. The interval adds the noise to the sampling error: on the
    log scale its variance is that of :func:`~privlab.lift.metrics.lift_estimate`
    plus :math:`v / \\tilde c_t^2 + v / \\tilde c_c^2`, with :math:`v` the
    variance of the discrete Laplace noise.

    Parameters
    ----------
    metrics : dict
        ``{"test": {...}, "control": {...}}`` from :func:`privlab.lift.secure_lift`
        (or :func:`~privlab.lift.metrics.lift_metrics`), each with ``population``,
        ``converters``, ``conversions`` and ``value`` (whole numbers >= 0).
        Purchase values must have been clipped to ``value_cap`` before the totals.
    accountant : PrivacyAccountant
        The budget to spend from.
    epsilon : float
        Budget of the whole report, > 0.
    max_purchases : int
        Most purchases counted per person (the padding), >= 1.
    value_cap : int
        Most cents counted per purchase (the clipping bound), >= 1.
    label : str
        Start of the ledger labels.
    confidence : float
        Coverage of the lift interval, strictly between 0 and 1.
    draws : int, 1 or 2
        Noise draws per total: 2 gives the numbers :func:`secure_dp_lift` would
        open (each party's draw), without running the secure computation again.

    Returns
    -------
    DPLiftReport

    Raises
    ------
    BudgetExceededError
        The report would overspend; nothing is released or recorded.

    Examples
    --------
    >>> import numpy as np
    >>> from privlab.dp import PrivacyAccountant
    >>> from privlab.lift.study import lift_metrics, lift_study
    >>> from privlab.lift import lift_study
    >>> study = lift_study()
    >>> clipped = {**study.advertiser, "value": np.minimum(study.advertiser["value"], 20_000)}
    >>> metrics = lift_metrics(study.publisher, clipped)
    >>> budget = PrivacyAccountant(epsilon=1.0, rng=2028)
    >>> report = dp_lift_report(metrics, accountant=budget, epsilon=0.6,
    ...                         max_purchases=3, value_cap=20_000)
    >>> report.metrics["test"]
    {'population': 4975, 'converters': 308, 'conversions': 476, 'value': 1472884}
    >>> metrics["test"]["converters"], metrics["test"]["conversions"], metrics["test"]["value"]
    (297, 456, 1750326)
    >>> round(report.lift, 3), [round(end, 3) for end in report.interval]
    (0.156, [-0.027, 0.375])
    >>> audience_gate(report.metrics).passed  # the rule on noisy counts: free post-processing
    True
    >>> print(budget)
    PrivacyAccountant: spent ε = 0.6 of 1 in 3 release(s)
      lift report: converters: noisy_total, ε = 0.2 -> [308 269]
      lift report: conversions: noisy_total, ε = 0.2 -> [476 386]
      lift report: value: noisy_total, ε = 0.2 -> [1472884 1329483]
    """
    totals = _checked_metrics(metrics, max_purchases, value_cap)
    sensitivities = lift_sensitivities(max_purchases, value_cap)
    if not isinstance(accountant, PrivacyAccountant):
        raise InvalidParameterError(
            f"accountant must be a privlab.dp.PrivacyAccountant; got {type(accountant).__name__}."
        )
    epsilon = check.positive_number("epsilon", epsilon)
    confidence = check.unit_interval("confidence", confidence)
    draws = check.integer("draws", draws, low=1, high=2)
    if not isinstance(label, str) or not label.strip():
        raise InvalidParameterError(f"label must be a non-empty string; got {label!r}.")

    share = epsilon / len(RELEASED_METRICS)
    labels = {metric: f"{label}: {metric}" for metric in RELEASED_METRICS}
    _refuse_if_over_budget(accountant, labels.values(), share, label)
    noisy = {
        metric: accountant.release(
            labels[metric],
            noisy_total,
            [totals[group][metric] for group in GROUPS],
            epsilon=share,
            sensitivity=sensitivities[metric],
            draws=draws,
        )
        for metric in RELEASED_METRICS
    }
    released = {
        group: {
            "population": totals[group]["population"],
            **{metric: int(noisy[metric][index]) for metric in RELEASED_METRICS},
        }
        for index, group in enumerate(GROUPS)
    }
    lift, interval = _lift_with_noise(released, draws * _noise_variance(share, 1), confidence)
    return DPLiftReport(released, epsilon, share, sensitivities, lift, interval, confidence)


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

    :func:`dp_lift_report` adds noise to totals that
    :func:`privlab.lift.secure_lift` has already opened: the readers of the
    report are protected, but both parties saw the exact totals first, so
    either of them could run a differencing attack. Here nobody ever sees an
    exact total:

    1. the advertiser clips every purchase value to ``value_cap`` (a local step);
    2. the secure computation runs as in :func:`~privlab.lift.secure_lift`, up to
       the shares of the totals;
    3. before opening, each party adds its **own** discrete Laplace draw to its
       share of each released total (``epsilon / 3`` per metric, the
       sensitivities of :func:`lift_sensitivities`);
    4. only the noisy ``converters``, ``conversions`` and ``value`` of both
       groups are opened; ``matched`` and the squared sums are never revealed.

    A party knows its own draw, so it faces the other party's draw alone: the
    release is ``epsilon``-DP against each party, and against any reader (who
    faces both). The price is twice the noise variance in the published totals.
    The budget is charged to ``accountant`` as three ledger lines, as in
    :func:`dp_lift_report`. A re-run with the same tables and settings returns
    the published report from the ledger, without computing anything.

    Parameters
    ----------
    publisher, advertiser : dict of str to array
        The two tables, as for :func:`privlab.lift.secure_lift`.
    accountant : PrivacyAccountant
        The budget to spend from.
    epsilon : float
        Budget of the whole report, > 0.
    max_purchases : int
        Purchase slots per person (the padding), >= 1.
    value_cap : int
        Most cents counted per purchase, >= 1.
    attribution_window : int
        Seconds after the opportunity in which a purchase counts.
    matching : PSIResult or None
        An earlier matching of the same ids, to reuse (see ``secure_lift``).
    label : str
        Start of the ledger labels.
    confidence : float
        Coverage of the lift interval, strictly between 0 and 1.
    rng : numpy.random.Generator, int or None
        Randomness of the parties (shares, scalars and noise); ``None``:
        cryptographic. A seed: reproducible, for lessons and tests only.

    Returns
    -------
    DPLiftReport
        With ``secure``, the run (its ``network`` and each party's ``noise``).

    Raises
    ------
    BudgetExceededError
        The report would overspend; nothing is computed or recorded.

    Examples
    --------
    >>> from privlab.lift.study import lift_study
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
    from privlab.lift.secure import (
        secure_lift,  # the core of lesson 03; loaded on first use
    )

    if not isinstance(accountant, PrivacyAccountant):
        raise InvalidParameterError(
            f"accountant must be a privlab.dp.PrivacyAccountant; got {type(accountant).__name__}."
        )
    epsilon = check.positive_number("epsilon", epsilon)
    confidence = check.unit_interval("confidence", confidence)
    sensitivities = lift_sensitivities(max_purchases, value_cap)
    if not isinstance(label, str) or not label.strip():
        raise InvalidParameterError(f"label must be a non-empty string; got {label!r}.")
    publisher = check_publisher_table(publisher)
    advertiser = check_advertiser_table(advertiser)
    clipped = {**advertiser, "value": np.minimum(advertiser["value"], value_cap)}

    share = epsilon / len(RELEASED_METRICS)
    labels = {metric: f"{label}: {metric}" for metric in RELEASED_METRICS}
    _refuse_if_over_budget(accountant, labels.values(), share, label)
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

    noisy = {}
    for metric in RELEASED_METRICS:
        opened = accountant.release(
            labels[metric],
            _opened_totals(result, metric),
            query,
            epsilon=share,
            sensitivity=sensitivities[metric],
        )
        noisy[metric] = opened
    released = {
        group: {
            "population": int(publisher["test_flag"].sum())
            if group == "test"
            else int((~publisher["test_flag"]).sum()),
            **{metric: int(noisy[metric][index]) for metric in RELEASED_METRICS},
        }
        for index, group in enumerate(GROUPS)
    }
    lift, interval = _lift_with_noise(released, 2 * _noise_variance(share, 1), confidence)
    return DPLiftReport(
        released, epsilon, share, sensitivities, lift, interval, confidence, secure=result
    )


def _opened_totals(result: Any, metric: str) -> Any:
    """The ledger's mechanism: the noisy totals the parties opened (noise added before)."""

    def noise_added_before_opening(_query: str, **_settings: Any) -> np.ndarray:
        if result is None:  # cannot happen: a re-run is answered from the ledger
            raise InvalidParameterError("the secure computation did not run")
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


def _refuse_if_over_budget(
    accountant: PrivacyAccountant, labels: Iterable[str], share: float, label: str
) -> None:
    """Check the whole report fits the budget before any metric is released.

    Labels already in the ledger are re-runs: they give back their answer for free.
    """
    released_before = {release.label for release in accountant.ledger}
    cost = share * sum(1 for name in labels if name not in released_before)
    if cost > 0 and not accountant.can_afford(cost):
        raise BudgetExceededError(
            f"report {label!r} would spend ε = {cost:g} but only ε = "
            f"{accountant.remaining_epsilon:g} of the budget is left (total ε = "
            f"{accountant.total_epsilon:g}); nothing was released."
        )


def _noise_variance(epsilon: float, sensitivity: int) -> float:
    """Variance of discrete Laplace noise, 2a / (1 - a)**2 with a = exp(-epsilon / sensitivity)."""
    a = math.exp(-epsilon / sensitivity)
    return 2 * a / (1 - a) ** 2


def _lift_with_noise(
    released: dict[str, dict[str, int]], noise_variance: float, confidence: float
) -> tuple[float | None, tuple[float, float] | None]:
    """The lift and an interval that counts both the sampling error and the noise."""
    if any(not 1 <= released[g]["converters"] <= released[g]["population"] for g in GROUPS):
        return None, None
    estimate = lift_estimate(released, confidence)
    log_variance = estimate["log_standard_error"] ** 2 + sum(
        noise_variance / released[group]["converters"] ** 2 for group in GROUPS
    )
    spread = NormalDist().inv_cdf((1 + confidence) / 2) * math.sqrt(log_variance)
    log_ratio = math.log1p(estimate["lift"])
    return estimate["lift"], (math.expm1(log_ratio - spread), math.expm1(log_ratio + spread))


# --- checks -----------------------------------------------------------------------------


def _require_groups(metrics: Any) -> None:
    """``metrics`` must be a dict holding a dict per group."""
    for group in GROUPS:
        if not isinstance(metrics, Mapping) or not isinstance(metrics.get(group), Mapping):
            raise InvalidParameterError(
                "metrics must be a dict with 'test' and 'control' totals (from secure_lift "
                f"or lift_metrics); got {type(metrics).__name__} without {group!r}."
            )


def _metric(metrics: Mapping[str, Any], group: str, key: str) -> Any:
    """``metrics[group][key]``, or an error naming the missing key."""
    if key not in metrics[group]:
        raise InvalidParameterError(f"metrics[{group!r}] must have {key!r}; it is missing.")
    return metrics[group][key]


def _checked_metrics(metrics: Any, max_purchases: int, value_cap: int) -> dict[str, dict[str, int]]:
    """The released keys as ints >= 0, checked against each other and the caps."""
    max_purchases = check.integer("max_purchases", max_purchases, low=1, high=MAX_PURCHASES)
    value_cap = check.integer("value_cap", value_cap, low=1, high=MAX_VALUE_CAP)
    _require_groups(metrics)
    totals = {}
    for group in GROUPS:
        counts = {
            key: check.integer(f"metrics[{group!r}][{key!r}]", _metric(metrics, group, key), low=0)
            for key in REQUIRED_METRICS
        }
        _check_consistent(group, counts, max_purchases, value_cap)
        totals[group] = counts
    return totals


def _check_consistent(
    group: str, counts: dict[str, int], max_purchases: int, value_cap: int
) -> None:
    """Totals that padding to ``max_purchases`` and clipping to ``value_cap`` can give."""
    name = f"metrics[{group!r}]"
    converters, conversions = counts["converters"], counts["conversions"]
    if converters > counts["population"]:
        raise InvalidParameterError(
            f"{name}['converters'] must be at most the population ({counts['population']}); "
            f"got {converters}."
        )
    if not converters <= conversions <= converters * max_purchases:
        raise InvalidParameterError(
            f"{name}['conversions'] must be from converters ({converters}) to converters * "
            f"max_purchases ({converters * max_purchases}); got {conversions}. "
            "Were purchases padded to max_purchases?"
        )
    if counts["value"] > conversions * value_cap:
        raise InvalidParameterError(
            f"{name}['value'] must be at most conversions * value_cap "
            f"({conversions * value_cap}); got {counts['value']}. "
            "Clip each purchase value to value_cap before computing the totals."
        )
