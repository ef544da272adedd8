"""Private Lift in the clear: the attribution rule and the answer a trusted party would give.

Joining the publisher's and the advertiser's tables (:mod:`privlab.lift.study`)
in the clear gives the *oracle*: the per-group totals a secure computation
(:mod:`privlab.lift.secure`) must reproduce without anybody seeing both tables.

* :func:`is_attributed`: the attribution rule (which purchases the ad may have caused).
* :func:`lift_metrics`: the oracle's per-group totals (Meta's Private Lift outputs).
* :func:`lift_estimate`: the lift in buyers with a confidence interval.
* :func:`per_user_lift`: the lift in sales per user, with an interval from the squared sums.

The publisher's table needs ``id`` (strings, each once), ``test_flag``
(True/False or 1/0) and ``opportunity_ts`` (whole seconds >= 0), and may have
``num_impressions`` (whole numbers >= 0). The advertiser's has one row per
purchase: ``id`` (one person may have several rows), ``event_ts`` (whole
seconds >= 0) and ``value`` (whole cents >= 1). Other columns are kept as they
are, and every error names the column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np

from privlab._guard import PROBABILITY, WHOLES, guard, integer, whole
from privlab.errors import InvalidParameterError

__all__ = [
    "ADVERTISER_COLUMNS",
    "DAY",
    "DEFAULT_ATTRIBUTION_WINDOW",
    "GRACE",
    "GROUPS",
    "HOUR",
    "MAX_PURCHASES",
    "MAX_VALUE_CAP",
    "PUBLISHER_COLUMNS",
    "is_attributed",
    "lift_estimate",
    "lift_metrics",
    "per_user_lift",
]

PUBLISHER_COLUMNS = ("id", "test_flag", "opportunity_ts", "num_impressions")
ADVERTISER_COLUMNS = ("id", "event_ts", "value")
GROUPS = ("test", "control")

HOUR = 3_600
DAY = 86_400
DEFAULT_ATTRIBUTION_WINDOW = 7 * DAY
GRACE = 10  # seconds; Meta's rule: opportunity_timestamp < event_timestamp + 10
MAX_PURCHASES = 1_000  # purchase slots per person: each slot is shared and computed on
MAX_VALUE_CAP = 10**9  # cents per purchase: ten million euros
_SECONDS = whole(0, 2**31 - 1)  # a window or grace longer than 68 years is a mistake
_SQUARES = {"value": "value_squared", "conversions": "conversions_squared"}


# --- the checks of the two tables -------------------------------------------------------


def _columns(name: str, table: Any, required: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The table's columns as 1-d arrays of one length; missing columns are refused."""
    if not isinstance(table, Mapping):
        raise InvalidParameterError(
            f"{name} must be a dict of columns ({', '.join(required)}); got {type(table).__name__}."
        )
    for column in required:
        if column not in table:
            raise InvalidParameterError(
                f"{name} must have the columns {', '.join(required)}; "
                f"column {column!r} is missing (got {', '.join(map(repr, table))})."
            )
    columns = {}
    for column, values in table.items():
        try:
            columns[column] = array = np.asarray(values)
        except (TypeError, ValueError) as error:  # ragged lists and the like
            raise InvalidParameterError(
                f"{name}[{column!r}] must be a list or 1-d array of values; got {values!r}."
            ) from error
        if array.ndim != 1:
            raise InvalidParameterError(
                f"{name}[{column!r}] must be a 1-d column; got an array of shape {array.shape}."
            )
    rows = columns["id"].size
    for column, array in columns.items():
        if array.size != rows:
            raise InvalidParameterError(
                f"{name}[{column!r}] must have one value per row ({rows}, like 'id'); "
                f"got {array.size}."
            )
    ids = columns["id"]
    if ids.dtype.kind == "O" and all(isinstance(value, str) for value in ids):
        ids = ids.astype(str)
    if ids.dtype.kind != "U" and ids.size:
        raise InvalidParameterError(f"{name}['id'] must be strings; got {_shown(ids)}.")
    columns["id"] = ids.astype(str)
    return columns


def _publisher_table(name: str, table: Any) -> dict[str, np.ndarray]:
    """The publisher's table (see the module notes), as numpy columns."""
    columns = _columns(name, table, PUBLISHER_COLUMNS[:3])
    values, counts = np.unique(columns["id"], return_counts=True)
    if np.any(counts > 1):
        first = int(np.argmax(counts > 1))
        raise InvalidParameterError(
            f"{name}['id'] must hold each id once; got {str(values[first])!r} "
            f"{int(counts[first])} times."
        )
    columns["test_flag"] = _flags(name, columns["test_flag"])
    for column in ("opportunity_ts", "num_impressions"):
        if column in columns:
            columns[column] = _wholes(name, column, columns[column], low=0)
    return columns


def _advertiser_table(name: str, table: Any) -> dict[str, np.ndarray]:
    """The advertiser's table (see the module notes), as numpy columns."""
    columns = _columns(name, table, ADVERTISER_COLUMNS)
    columns["event_ts"] = _wholes(name, "event_ts", columns["event_ts"], low=0)
    columns["value"] = _wholes(name, "value", columns["value"], low=1)
    return columns


def _flags(name: str, flags: np.ndarray) -> np.ndarray:
    """True/False, or 1/0, returned as bools."""
    if flags.dtype == bool or flags.size == 0:
        return flags.astype(bool)
    if np.issubdtype(flags.dtype, np.integer):
        wrong = np.flatnonzero((flags != 0) & (flags != 1))
        if wrong.size == 0:
            return flags.astype(bool)
        got = f"{int(flags[wrong[0]])} in row {int(wrong[0])}"
    else:
        got = _shown(flags)
    raise InvalidParameterError(f"{name}['test_flag'] must be True/False (or 1/0); got {got}.")


def _wholes(name: str, column: str, values: np.ndarray, low: int) -> np.ndarray:
    """Whole numbers >= ``low``, returned as int64."""
    allowed = f"whole numbers >= {low}"
    if values.size == 0:  # an empty list is a float array
        return values.astype(np.int64)
    if values.dtype == bool or not np.issubdtype(values.dtype, np.integer):
        raise InvalidParameterError(f"{name}[{column!r}] must be {allowed}; got {_shown(values)}.")
    wrong = np.flatnonzero(values < low)
    if wrong.size:
        row = int(wrong[0])
        raise InvalidParameterError(
            f"{name}[{column!r}] must be {allowed}; got {int(values[row])} in row {row}."
        )
    return values.astype(np.int64)


def _shown(array: np.ndarray) -> str:
    """What an array holds, for an error message: "strings such as 'yes'"."""
    kind = "strings" if array.dtype.kind == "U" else f"{array.dtype} values"
    first = array[0]
    return f"{kind} such as {first.item() if isinstance(first, np.generic) else first!r}"


# --- the oracle ---------------------------------------------------------------------------


@guard(opportunity_ts=WHOLES, event_ts=WHOLES, attribution_window=_SECONDS, grace=_SECONDS)
def is_attributed(
    opportunity_ts: Any,
    event_ts: Any,
    *,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    grace: int = GRACE,
) -> np.ndarray:
    """Whether a purchase at ``event_ts`` counts for a person with ``opportunity_ts``.

    .. math:: o < e + g \\quad\\text{and}\\quad e \\le o + w

    After the opportunity (Meta's rule, with a ``grace`` of 10 s for clocks that
    disagree a little) and within the ``attribution_window``.

    Examples
    --------
    >>> is_attributed(1000, [900, 995, 1000, 1500, 1000 + 7 * 86_400 + 1])
    array([False,  True,  True,  True, False])
    """
    return (opportunity_ts < event_ts + grace) & (event_ts <= opportunity_ts + attribution_window)


@guard(
    publisher=_publisher_table,
    advertiser=_advertiser_table,
    attribution_window=_SECONDS,
    grace=_SECONDS,
)
def lift_metrics(
    publisher: Mapping[str, Any],
    advertiser: Mapping[str, Any],
    *,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    grace: int = GRACE,
) -> dict[str, dict[str, int]]:
    """The oracle: join both tables in the clear and total each group (what MPC must match).

    Purchases are joined to the publisher's users by ``id`` and kept if
    :func:`is_attributed`; purchases by people not on the publisher's list are
    ignored. For each group (``"test"`` and ``"control"``):

    * ``population``: the group's users on the publisher's list;
    * ``matched``: those of them with at least one purchase in the advertiser's
      table, attributed or not (Meta's MatchCount);
    * ``converters``: people with at least one attributed purchase;
    * ``conversions``: attributed purchases;
    * ``value``: their total value in cents;
    * ``value_squared``: the sum over people of (each person's attributed value)²;
    * ``conversions_squared``: the sum over people of (each person's attributed purchases)².

    The squares are per person, not per purchase: they give the variance of a
    person's value, which a confidence interval needs. Meta's system also hides
    every metric when test plus control converters are fewer than 100; this
    oracle does not.

    Parameters
    ----------
    publisher, advertiser : dict of str to array
        The two tables (see the module notes).
    attribution_window : int
        Seconds after the opportunity in which a purchase counts (>= 0).
    grace : int
        Seconds a purchase may precede the opportunity and still count (>= 0).

    Returns
    -------
    dict
        ``{"test": {...}, "control": {...}}``, each with the seven counts above (ints).

    Examples
    --------
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
    """The publisher row of every matched purchase, and a mask of the purchases that matched.

    A sorted search, like a database index.
    """
    if publisher_ids.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(advertiser_ids.size, dtype=bool)
    order = np.argsort(publisher_ids)
    sorted_ids = publisher_ids[order]
    place = np.minimum(np.searchsorted(sorted_ids, advertiser_ids), sorted_ids.size - 1)
    found = sorted_ids[place] == advertiser_ids
    return order[place[found]], found


# --- the lift and its uncertainty -----------------------------------------------------------


def _group(metrics: Any, group: str) -> Mapping[str, Any]:
    if not isinstance(metrics, Mapping) or not isinstance(metrics.get(group), Mapping):
        raise InvalidParameterError(
            f"metrics must be a dict with 'test' and 'control' totals (from lift_metrics); "
            f"got {type(metrics).__name__} without {group!r}."
        )
    return metrics[group]


def _buyers(name: str, metrics: Any) -> dict[str, dict[str, int]]:
    """Each group's population and converters, both > 0 for a ratio."""
    checked = {}
    for group in GROUPS:
        totals, key = _group(metrics, group), f"{name}[{group!r}]"
        population = integer(f"{key}['population']", totals.get("population"), low=1)
        converters = integer(
            f"{key}['converters']", totals.get("converters"), low=1, high=population
        )
        checked[group] = {"population": population, "converters": converters}
    return checked


@guard(confidence=PROBABILITY, metrics=_buyers)
def lift_estimate(
    metrics: Mapping[str, Mapping[str, int]], confidence: float = 0.95
) -> dict[str, Any]:
    """The lift in buyers, with a confidence interval, from :func:`lift_metrics` totals.

    With :math:`c` converters out of :math:`n` users per group, the rates are
    :math:`p = c / n` and the lift is :math:`p_t / p_c - 1`. The log of the
    ratio is close to normal, with standard error (delta method)

    .. math:: se = \\sqrt{(1 - p_t) / c_t + (1 - p_c) / c_c},

    so the interval is :math:`\\exp(\\log(p_t / p_c) \\pm z \\cdot se) - 1`
    (:math:`z = 1.96` for 95%). It never goes below -1 and is wider above the
    estimate than below, as a ratio should be.

    The incremental converters are the test buyers the control rate does not
    explain: :math:`c_t - p_c n_t`, with a normal interval from the variance
    :math:`n_t p_t (1 - p_t) + n_t^2 p_c (1 - p_c) / n_c`.

    Parameters
    ----------
    metrics : dict
        ``{"test": ..., "control": ...}``, each with ``population`` and ``converters``.
    confidence : float
        The interval's coverage, strictly between 0 and 1.

    Returns
    -------
    dict
        ``test_rate``, ``control_rate``, ``lift``, ``interval`` (low, high),
        ``log_standard_error``, ``incremental_converters`` and
        ``incremental_interval`` (floats).

    Examples
    --------
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


def _per_user_metric(name: str, value: Any) -> str:
    if value not in _SQUARES:
        raise InvalidParameterError(f"{name} must be 'value' or 'conversions'; got {value!r}.")
    return value


def _sums(arguments: dict[str, Any]) -> None:
    """Each group's population (>= 2), total (>= 1) and sum of squares (Cauchy-Schwarz)."""
    metric, squares = arguments["metric"], _SQUARES[arguments["metric"]]
    checked = {}
    for group in GROUPS:
        totals, key = _group(arguments["metrics"], group), f"metrics[{group!r}]"
        n = integer(f"{key}['population']", totals.get("population"), low=2)
        total = integer(f"{key}[{metric!r}]", totals.get(metric), low=1)
        square_sum = integer(f"{key}[{squares!r}]", totals.get(squares), low=0)
        if square_sum * n < total**2:  # n * sum(x^2) >= (sum x)^2
            raise InvalidParameterError(
                f"{key}[{squares!r}] must be at least {metric}² / population "
                f"= {total**2 / n:,.0f}; got {square_sum:,}. Is it the sum of squares per person?"
            )
        checked[group] = {"population": n, metric: total, squares: square_sum}
    arguments["metrics"] = checked


@guard(metric=_per_user_metric, confidence=PROBABILITY, where=_sums)
def per_user_lift(
    metrics: Mapping[str, Mapping[str, int]], metric: str = "value", confidence: float = 0.95
) -> dict[str, Any]:
    """The lift in sales value (or purchases) per user, with an interval from the squared sums.

    Per group, with total :math:`S` of ``metric`` over :math:`n` users and the
    sum over users of its square :math:`Q` (``value_squared`` or
    ``conversions_squared``), the mean and variance per user are

    .. math:: \\mu = S / n, \\qquad s^2 = \\frac{Q - S^2 / n}{n - 1} .

    The lift is :math:`\\mu_t / \\mu_c - 1`, and the log of the ratio has
    standard error (delta method)

    .. math:: se = \\sqrt{\\frac{s_t^2}{n_t \\mu_t^2} + \\frac{s_c^2}{n_c \\mu_c^2}},

    so the interval is :math:`\\exp(\\log(\\mu_t / \\mu_c) \\pm z \\cdot se) - 1`.
    This is why Private Lift opens the squared sums: the totals alone give the
    estimate but not its uncertainty, which depends on how unevenly the
    purchases are spread over people. For a 0/1 metric (converters) the formula
    is that of :func:`lift_estimate`, up to a factor :math:`n / (n - 1)`.

    The incremental total is what the test group bought beyond what the control
    group's mean predicts, :math:`S_t - \\mu_c n_t`, with a normal interval.

    Parameters
    ----------
    metrics : dict
        ``{"test": ..., "control": ...}``, each with ``population``, ``metric``
        and its squared sum (from :func:`lift_metrics` or
        :func:`privlab.lift.secure_lift`).
    metric : {"value", "conversions"}
        Sales value (cents) or attributed purchases.
    confidence : float
        The interval's coverage, strictly between 0 and 1.

    Returns
    -------
    dict
        ``test_mean``, ``control_mean``, ``lift``, ``interval`` (low, high),
        ``log_standard_error``, ``incremental`` and ``incremental_interval``.

    Examples
    --------
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
        n, total, square_sum = totals["population"], totals[metric], totals[_SQUARES[metric]]
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
