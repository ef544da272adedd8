"""The checks of :mod:`privlab.lift` for its ``@guard`` lines: the two tables (described in
:mod:`privlab.lift.metrics`) and the per-group totals; every error names the column or total."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from privlab._guard import instance, integer, whole
from privlab.dp.accountant import PrivacyAccountant
from privlab.errors import InvalidParameterError

PUBLISHER_COLUMNS = ("id", "test_flag", "opportunity_ts", "num_impressions")
ADVERTISER_COLUMNS = ("id", "event_ts", "value")
GROUPS = ("test", "control")
RELEASED_METRICS = ("converters", "conversions", "value")  # the totals a report may release
MAX_PURCHASES = 1_000  # purchase slots per person: each slot is shared and computed on
MAX_VALUE_CAP = 10**9  # cents per purchase: ten million euros
SQUARES = {"value": "value_squared", "conversions": "conversions_squared"}

SECONDS = whole(0, 2**31 - 1)  # a window or grace longer than 68 years is a mistake
SLOTS = whole(1, MAX_PURCHASES)
VALUE_CAP = whole(1, MAX_VALUE_CAP)


# --- the two tables ----------------------------------------------------------------------


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


def publisher_table(name: str, table: Any) -> dict[str, np.ndarray]:
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


def advertiser_table(name: str, table: Any) -> dict[str, np.ndarray]:
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


# --- the totals per group ------------------------------------------------------------


def _group(metrics: Any, group: str, name: str = "metrics") -> Mapping[str, Any]:
    if not isinstance(metrics, Mapping) or not isinstance(metrics.get(group), Mapping):
        raise InvalidParameterError(
            f"{name} must be a dict with 'test' and 'control' totals (from secure_lift or "
            f"lift_metrics); got {type(metrics).__name__} without {group!r}."
        )
    return metrics[group]


def buyers(name: str, metrics: Any) -> dict[str, dict[str, int]]:
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


def per_user_metric(name: str, value: Any) -> str:
    if value not in SQUARES:
        raise InvalidParameterError(f"{name} must be 'value' or 'conversions'; got {value!r}.")
    return value


def per_user_sums(arguments: dict[str, Any]) -> None:
    """Each group's population (>= 2), total (>= 1) and sum of squares (Cauchy-Schwarz)."""
    metric, squares = arguments["metric"], SQUARES[arguments["metric"]]
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


def _totals(name: str, metrics: Any, keys: tuple[str, ...], low: int | None) -> dict:
    """The ``keys`` of each group as whole numbers >= ``low``; errors name what is missing."""
    for group in GROUPS:
        _group(metrics, group, name)
    totals = {}
    for group in GROUPS:
        totals[group] = {}
        for key in keys:
            if key not in metrics[group]:
                raise InvalidParameterError(f"{name}[{group!r}] must have {key!r}; it is missing.")
            totals[group][key] = integer(
                f"{name}[{group!r}][{key!r}]", metrics[group][key], low=low
            )
    return totals


def converters(name: str, metrics: Any) -> dict[str, dict[str, int]]:
    return _totals(name, metrics, ("converters",), low=None)


def released_totals(arguments: dict[str, Any]) -> None:
    """Totals that padding to ``max_purchases`` and clipping to ``value_cap`` can give."""
    keys = ("population", *RELEASED_METRICS)
    totals = _totals("metrics", arguments["metrics"], keys, low=0)
    max_purchases, value_cap = arguments["max_purchases"], arguments["value_cap"]
    for group, counts in totals.items():
        name, converters, conversions = f"metrics[{group!r}]", *(counts[k] for k in keys[1:3])
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
    arguments["metrics"] = totals


PUBLISHER = publisher_table
ADVERTISER = advertiser_table
BUYERS = buyers  # lift_estimate: population and converters, both > 0
METRIC = per_user_metric
CONVERTERS = converters  # audience_gate: converters, any whole number
ACCOUNTANT = instance(PrivacyAccountant, "a privlab.dp.PrivacyAccountant")
