"""Private Lift in the clear: the attribution rule and the answer a trusted party would give.

Joining the publisher's and the advertiser's tables (see :mod:`privlab.lift.study`)
in the clear gives the *oracle*: the per-group totals a secure computation
(:mod:`privlab.lift.secure`) must reproduce without anybody seeing both tables.

* :func:`is_attributed`: the attribution rule (which purchases the ad may have caused).
* :func:`lift_metrics`: the oracle's per-group totals (Meta's Private Lift outputs).
* :func:`lift_estimate`: the lift in buyers with a confidence interval.
* :func:`per_user_lift`: the lift in sales per user, with an interval from the squared sums.
* :func:`check_publisher_table` and :func:`check_advertiser_table`: the input checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np

from privlab import _guard as check
from privlab.errors import InvalidParameterError

__all__ = [
    "ADVERTISER_COLUMNS",
    "DAY",
    "DEFAULT_ATTRIBUTION_WINDOW",
    "GRACE",
    "GROUPS",
    "HOUR",
    "PUBLISHER_COLUMNS",
    "check_advertiser_table",
    "check_publisher_table",
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
MAX_SECONDS = 2**31 - 1  # a window or grace longer than 68 years is a mistake
MAX_PURCHASES = 1_000  # purchase slots per person: each slot is shared and computed on
MAX_VALUE_CAP = 10**9  # cents per purchase: ten million euros


# --- the oracle ----------------------------------------------------------------------


def is_attributed(
    opportunity_ts: Any,
    event_ts: Any,
    *,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    grace: int = GRACE,
) -> np.ndarray:
    """Whether a purchase at ``event_ts`` counts for a person with ``opportunity_ts``.

    A purchase counts if it happened after the opportunity and within the window:
    ``opportunity_ts < event_ts + grace`` and ``event_ts <= opportunity_ts + attribution_window``.
    The first condition is Meta's rule (``grace`` is 10 s there, for clocks that
    disagree a little); the second ends the window. Purchases before the
    opportunity cannot have been caused by the ad, in either group.

    Examples
    --------
    >>> is_attributed(1000, [900, 995, 1000, 1500, 1000 + 7 * 86_400 + 1])
    array([False,  True,  True,  True, False])
    """
    return _attributed(
        check.integer_array("opportunity_ts", opportunity_ts),
        check.integer_array("event_ts", event_ts),
        attribution_window=check.integer(
            "attribution_window", attribution_window, low=0, high=MAX_SECONDS
        ),
        grace=check.integer("grace", grace, low=0, high=MAX_SECONDS),
    )


def _attributed(
    opportunity_ts: np.ndarray, event_ts: np.ndarray, *, attribution_window: int, grace: int
) -> np.ndarray:
    return (opportunity_ts < event_ts + grace) & (event_ts <= opportunity_ts + attribution_window)


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
      table, attributed or not (Meta's MatchCount; its advertiser file has one
      row per person, so it counts people, as here);
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
        The two tables (see :func:`check_publisher_table`, :func:`check_advertiser_table`).
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
    publisher = check_publisher_table(publisher)
    advertiser = check_advertiser_table(advertiser)
    window = check.integer("attribution_window", attribution_window, low=0, high=MAX_SECONDS)
    grace = check.integer("grace", grace, low=0, high=MAX_SECONDS)

    person, found = _join(publisher["id"], advertiser["id"])
    counted = _attributed(
        publisher["opportunity_ts"][person],
        advertiser["event_ts"][found],
        attribution_window=window,
        grace=grace,
    )
    size = publisher["id"].size
    purchases = np.bincount(person, minlength=size)
    conversions = np.bincount(person[counted], minlength=size)
    value = np.zeros(size, dtype=np.int64)
    np.add.at(value, person[counted], advertiser["value"][found][counted])

    test = publisher["test_flag"]
    return {
        group: _group_totals(in_group, purchases, conversions, value)
        for group, in_group in zip(GROUPS, (test, ~test), strict=True)
    }


def _join(publisher_ids: np.ndarray, advertiser_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match each purchase to a publisher row by id.

    Returns the publisher row of every matched purchase, and a mask of the
    advertiser rows that matched (a sorted search, like a database index).
    """
    if publisher_ids.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(advertiser_ids.size, dtype=bool)
    order = np.argsort(publisher_ids)
    sorted_ids = publisher_ids[order]
    place = np.minimum(np.searchsorted(sorted_ids, advertiser_ids), sorted_ids.size - 1)
    found = sorted_ids[place] == advertiser_ids
    return order[place[found]], found


def _group_totals(
    in_group: np.ndarray, purchases: np.ndarray, conversions: np.ndarray, value: np.ndarray
) -> dict[str, int]:
    """One group's totals from per-person counts (exact Python ints, so squares cannot overflow)."""
    return {
        "population": int(in_group.sum()),
        "matched": int(np.sum(in_group & (purchases > 0))),
        "converters": int(np.sum(in_group & (conversions > 0))),
        "conversions": int(conversions[in_group].sum()),
        "value": int(value[in_group].sum()),
        "value_squared": sum(int(v) ** 2 for v in value[in_group & (value > 0)]),
        "conversions_squared": sum(int(c) ** 2 for c in conversions[in_group & (conversions > 0)]),
    }


def lift_estimate(
    metrics: Mapping[str, Mapping[str, int]], confidence: float = 0.95
) -> dict[str, Any]:
    """The lift in buyers, with a confidence interval, from :func:`lift_metrics` totals.

    With :math:`c` converters out of :math:`n` users per group, the rates are
    :math:`p = c / n` and the lift is :math:`p_t / p_c - 1`. The interval is
    the usual one for a ratio of two proportions: the log of the ratio is
    close to normal, with standard error (delta method)

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
    confidence = check.unit_interval("confidence", confidence)
    n_t, c_t = _population_and_converters(metrics, "test")
    n_c, c_c = _population_and_converters(metrics, "control")
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


PER_USER_METRICS = {"value": "value_squared", "conversions": "conversions_squared"}


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
    if metric not in PER_USER_METRICS:
        raise InvalidParameterError(f"metric must be 'value' or 'conversions'; got {metric!r}.")
    confidence = check.unit_interval("confidence", confidence)
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    stats = {group: _mean_and_variance(metrics, group, metric) for group in GROUPS}
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


def _mean_and_variance(metrics: Any, group: str, metric: str) -> tuple[int, float, float]:
    """A group's users, mean per user and variance per user of ``metric``, from the sums."""
    if not isinstance(metrics, Mapping) or not isinstance(metrics.get(group), Mapping):
        raise InvalidParameterError(
            f"metrics must be a dict with 'test' and 'control' totals (from lift_metrics); "
            f"got {type(metrics).__name__} without {group!r}."
        )
    totals = metrics[group]
    squares = PER_USER_METRICS[metric]
    n = check.integer(f"metrics[{group!r}]['population']", totals.get("population"), low=2)
    total = check.integer(f"metrics[{group!r}][{metric!r}]", totals.get(metric), low=1)
    square_sum = check.integer(f"metrics[{group!r}][{squares!r}]", totals.get(squares), low=0)
    if square_sum * n < total**2:  # Cauchy-Schwarz: n * sum(x^2) >= (sum x)^2
        raise InvalidParameterError(
            f"metrics[{group!r}][{squares!r}] must be at least {metric}² / population "
            f"= {total**2 / n:,.0f}; got {square_sum:,}. Is it the sum of squares per person?"
        )
    mean = total / n
    variance = (square_sum - total**2 / n) / (n - 1)
    return n, mean, variance


def _population_and_converters(metrics: Any, group: str) -> tuple[int, int]:
    """``metrics[group]``'s population and converters, both needed > 0 for a ratio."""
    if not isinstance(metrics, Mapping) or not isinstance(metrics.get(group), Mapping):
        raise InvalidParameterError(
            f"metrics must be a dict with 'test' and 'control' totals (from lift_metrics); "
            f"got {type(metrics).__name__} without {group!r}."
        )
    totals = metrics[group]
    population = check.integer(f"metrics[{group!r}]['population']", totals.get("population"), low=1)
    converters = check.integer(
        f"metrics[{group!r}]['converters']", totals.get("converters"), low=1, high=population
    )
    return population, converters


# --- checks on the two tables -----------------------------------------------------------


def check_publisher_table(publisher: Any) -> dict[str, np.ndarray]:
    """Check the publisher's table; return its columns as numpy arrays.

    It needs ``id`` (strings, each once), ``test_flag`` (True/False or 1/0)
    and ``opportunity_ts`` (whole seconds >= 0); ``num_impressions`` (whole
    numbers >= 0) is optional. Other columns are kept as they are. Every error
    names the column.

    Examples
    --------
    >>> check_publisher_table({"id": ["ann", "ann"], "test_flag": [1, 0],
    ...                        "opportunity_ts": [5, 6]})
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: publisher['id'] must hold each id once; got 'ann' 2 times.
    """
    columns = _columns("publisher", publisher, required=PUBLISHER_COLUMNS[:3])
    columns["id"] = _id_column("publisher", columns["id"])
    _each_id_once(columns["id"])
    columns["test_flag"] = _flag_column("publisher", columns["test_flag"])
    columns["opportunity_ts"] = _whole_column(
        "publisher", "opportunity_ts", columns["opportunity_ts"], low=0
    )
    if "num_impressions" in columns:
        columns["num_impressions"] = _whole_column(
            "publisher", "num_impressions", columns["num_impressions"], low=0
        )
    return columns


def check_advertiser_table(advertiser: Any) -> dict[str, np.ndarray]:
    """Check the advertiser's table; return its columns as numpy arrays.

    It needs ``id`` (strings; one person may have several rows),
    ``event_ts`` (whole seconds >= 0) and ``value`` (whole cents >= 1). Every
    error names the column.

    Examples
    --------
    >>> check_advertiser_table({"id": ["ann"], "event_ts": [5], "value": [-300]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: advertiser['value'] must be whole ... got -300 in row 0.
    """
    columns = _columns("advertiser", advertiser, required=ADVERTISER_COLUMNS)
    columns["id"] = _id_column("advertiser", columns["id"])
    columns["event_ts"] = _whole_column("advertiser", "event_ts", columns["event_ts"], low=0)
    columns["value"] = _whole_column("advertiser", "value", columns["value"], low=1)
    return columns


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
            array = np.asarray(values)
        except (TypeError, ValueError) as error:  # ragged lists and the like
            raise InvalidParameterError(
                f"{name}[{column!r}] must be a list or 1-d array of values; got {values!r}."
            ) from error
        if array.ndim != 1:
            raise InvalidParameterError(
                f"{name}[{column!r}] must be a 1-d column; got an array of shape {array.shape}."
            )
        columns[column] = array
    rows = columns["id"].size
    for column, array in columns.items():
        if array.size != rows:
            raise InvalidParameterError(
                f"{name}[{column!r}] must have one value per row ({rows}, like 'id'); "
                f"got {array.size}."
            )
    return columns


def _id_column(name: str, ids: np.ndarray) -> np.ndarray:
    """Ids must be strings (a numpy str array, or a list of str)."""
    if ids.dtype.kind == "O" and all(isinstance(value, str) for value in ids):
        ids = ids.astype(str)
    if ids.dtype.kind != "U" and ids.size:
        raise InvalidParameterError(f"{name}['id'] must be strings; got {_shown(ids)}.")
    return ids.astype(str)


def _each_id_once(ids: np.ndarray) -> None:
    """The publisher lists each person once."""
    values, counts = np.unique(ids, return_counts=True)
    if np.any(counts > 1):
        first = int(np.argmax(counts > 1))
        raise InvalidParameterError(
            f"publisher['id'] must hold each id once; got {str(values[first])!r} "
            f"{int(counts[first])} times."
        )


def _flag_column(name: str, flags: np.ndarray) -> np.ndarray:
    """True/False, or 1/0, returned as bools."""
    if flags.dtype == bool or flags.size == 0:
        return flags.astype(bool)
    if np.issubdtype(flags.dtype, np.integer):
        wrong = np.flatnonzero((flags != 0) & (flags != 1))
        if wrong.size == 0:
            return flags.astype(bool)
        row = int(wrong[0])
        got = f"{int(flags[row])} in row {row}"
    else:
        got = _shown(flags)
    raise InvalidParameterError(f"{name}['test_flag'] must be True/False (or 1/0); got {got}.")


def _whole_column(name: str, column: str, values: np.ndarray, low: int) -> np.ndarray:
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
    first = first.item() if isinstance(first, np.generic) else first
    return f"{kind} such as {first!r}"
