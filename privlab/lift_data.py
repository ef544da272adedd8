"""The two parties' tables for lesson 04, "Private Lift", and the answer they should give.

A publisher shows an ad to a *test* group and holds out a *control* group; an
advertiser knows who bought, when, and for how much. Neither may see the
other's table, yet together they want the *lift*: how many more test users
bought than the control group predicts. This module makes both tables with a
seeded generator, so the true lift is known, and computes the answer a trusted
party would get by joining the tables in the clear (the *oracle*). A secure
computation must reproduce the oracle's numbers without anybody seeing both tables.

* :func:`lift_study`: a publisher's table, an advertiser's table and the truth.
* :func:`is_attributed`: the attribution rule (which purchases the ad may have caused).
* :func:`lift_metrics`: the oracle's per-group totals (Meta's Private Lift outputs).
* :func:`lift_estimate`: the lift in buyers with a confidence interval.
* :func:`per_user_lift`: the lift in sales per user, with an interval from the squared sums.
* :func:`check_publisher_table` and :func:`check_advertiser_table`: the input checks.

The columns follow Meta's Private Lift (open source as ``fbpcs``), renamed to
plain words:

=========================  =======================  ==========================================
Meta's column              here                     meaning
=========================  =======================  ==========================================
``id_``                    ``id``                   who (here ``"u"`` and 7 digits)
``test_flag``              ``test_flag``            ``True`` in the test group
``opportunity_timestamp``  ``opportunity_ts``       when the ad was (or would have been) shown
``num_impressions``        ``num_impressions``      ads seen (0 in the control group)
``event_timestamps``       ``event_ts``             when a purchase happened
``values``                 ``value``                what it was worth, in cents
=========================  =======================  ==========================================

Timestamps are Unix seconds (UTC). Meta's advertiser file has one row per
person with arrays of purchases; here it has one row per purchase, as a shop's
sales log would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from . import _validate as check
from .errors import InvalidParameterError

__all__ = [
    "ADVERTISER_COLUMNS",
    "CAMPAIGN_START",
    "DEFAULT_ATTRIBUTION_WINDOW",
    "GRACE",
    "LIFT_ADVERTISER_FILE",
    "LIFT_PUBLISHER_FILE",
    "LIFT_SEED",
    "PUBLISHER_COLUMNS",
    "LiftStudy",
    "LiftTruth",
    "check_advertiser_table",
    "check_publisher_table",
    "is_attributed",
    "lift_estimate",
    "lift_metrics",
    "lift_study",
    "per_user_lift",
]

LIFT_SEED = 2028
LIFT_PUBLISHER_FILE = "lift-publisher.csv"
LIFT_ADVERTISER_FILE = "lift-advertiser.csv"
PUBLISHER_COLUMNS = ("id", "test_flag", "opportunity_ts", "num_impressions")
ADVERTISER_COLUMNS = ("id", "event_ts", "value")
GROUPS = ("test", "control")

HOUR = 3_600
DAY = 86_400
CAMPAIGN_START = 1_772_409_600  # Monday 2 March 2026, 00:00 UTC
CAMPAIGN_DAYS = 30  # opportunities fall in these 30 days
HISTORY_DAYS = 30  # the advertiser's sales log starts this long before the campaign
DEFAULT_ATTRIBUTION_WINDOW = 7 * DAY
GRACE = 10  # seconds; Meta's rule: opportunity_timestamp < event_timestamp + 10
MAX_SECONDS = 2**31 - 1  # a window or grace longer than 68 years is a mistake
MAX_PURCHASES = 1_000  # purchase slots per person: each slot is shared and computed on
MAX_VALUE_CAP = 10**9  # cents per purchase: ten million euros
ADVERTISER_ONLY_SHARE = 0.3  # customers the publisher never reached, per publisher user
PURCHASES_PER_PERSON = (1, 2, 3)
PURCHASE_COUNT_SHARES = (0.6, 0.3, 0.1)
VALUE_SPREAD = 0.8  # sigma of the log-normal purchase values
ID_DIGITS = 7


@dataclass(frozen=True)
class LiftTruth:
    """What the generator knows and the two parties must estimate.

    Parameters
    ----------
    population, overlap, test_share, base_rate, lift, mean_value, attribution_window
        The arguments :func:`lift_study` was called with.
    test_rate : float
        The chance that a test user buys in the window: ``base_rate * (1 + lift)``.
    incremental_converters : int
        How many test users bought *because* of the ad in this sample (they
        would not have bought in the control group); negative if the ad put
        people off.
    metrics : dict
        :func:`lift_metrics` on the two tables, with the study's window.
    """

    population: int
    overlap: float
    test_share: float
    base_rate: float
    lift: float
    mean_value: int
    attribution_window: int
    test_rate: float
    incremental_converters: int
    metrics: dict[str, dict[str, int]] = field(repr=False)


@dataclass(frozen=True, eq=False)
class LiftStudy:
    """The publisher's table, the advertiser's table and the truth behind them.

    Parameters
    ----------
    publisher : dict of str to numpy.ndarray
        One row per person on the publisher's list: ``id``, ``test_flag``,
        ``opportunity_ts`` and ``num_impressions``, in time order.
    advertiser : dict of str to numpy.ndarray
        One row per purchase: ``id``, ``event_ts`` and ``value`` (cents), in time order.
    truth : LiftTruth
        The parameters, the lift actually caused in this sample, and the oracle's metrics.
    """

    publisher: dict[str, np.ndarray] = field(repr=False)
    advertiser: dict[str, np.ndarray] = field(repr=False)
    truth: LiftTruth


# --- the generator -----------------------------------------------------------------


def lift_study(
    population: int = 10_000,
    overlap: float = 0.6,
    test_share: float = 0.5,
    base_rate: float = 0.05,
    lift: float = 0.2,
    mean_value: int = 4_000,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    rng: np.random.Generator | int | None = LIFT_SEED,
) -> LiftStudy:
    """A synthetic ad study: the publisher's users, the advertiser's sales and the true lift.

    How the data are made:

    1. ``population`` people are on the publisher's list; each is in the test
       group with probability ``test_share``. Each has an *opportunity*: a
       moment in the 30-day campaign when the ad was shown (test group, 1 or
       more impressions) or would have been shown (control group, 0 impressions).
    2. A control user buys in the ``attribution_window`` seconds after the
       opportunity with probability ``base_rate``; a test user with
       probability ``base_rate * (1 + lift)``. A buyer makes 1 to 3 purchases
       (shares 60%, 30%, 10%) in that window.
    3. Some people are customers who buy at other times: more than an hour
       before their opportunity (the ad cannot have caused those) or more than
       an hour after their window. Each user is such a customer with the same
       chance in both groups, chosen so that a share ``overlap`` of the
       publisher's users appears in the advertiser's sales log (on average).
    4. The advertiser also has customers the publisher never reached (30% as
       many as the publisher's users), with purchases at any time.

    Purchase values are log-normal with mean ``mean_value`` cents (sigma 0.8),
    at least 1 cent. The sales log runs from 30 days before the campaign to
    ``attribution_window`` seconds after its end.

    Parameters
    ----------
    population : int
        People on the publisher's list, 10 to 1,000,000.
    overlap : float
        Share of the publisher's users in the advertiser's sales log, 0 to 1;
        at least the share who buy in their window (every buyer is in the log).
    test_share : float
        Share of the publisher's users in the test group, strictly between 0 and 1.
    base_rate : float
        Chance that a control user buys in the window, strictly between 0 and 1.
    lift : float
        Relative increase of that chance in the test group, > -1, with
        ``base_rate * (1 + lift) <= 1``. Negative if the ad puts people off.
    mean_value : int
        Mean purchase value in cents, 100 to 1,000,000.
    attribution_window : int
        Seconds after the opportunity in which a purchase counts, 1 to 30 days
        (2,592,000). Default 7 days.
    rng : numpy.random.Generator, int or None
        A seed or a generator; the default seed gives the shipped CSV files.

    Returns
    -------
    LiftStudy
        ``publisher`` and ``advertiser`` tables (dicts of columns) and the ``truth``.

    Examples
    --------
    >>> study = lift_study()
    >>> len(study.publisher["id"]), str(study.publisher["id"][0])
    (10000, 'u4289580')
    >>> study.truth.metrics["control"]["converters"], study.truth.metrics["test"]["converters"]
    (270, 297)
    >>> study.truth.incremental_converters  # test users who bought because of the ad
    54
    >>> round(lift_estimate(study.truth.metrics)["lift"], 3)  # noisy: the true lift is 0.2
    0.111
    """
    params = _check_study_parameters(
        population, overlap, test_share, base_rate, lift, mean_value, attribution_window
    )
    generator = check.rng(rng)
    size = params["population"]
    ids = _draw_ids(generator, size + round(ADVERTISER_ONLY_SHARE * size))
    publisher = _draw_publisher(generator, ids[:size], params["test_share"])
    buyer, caused = _draw_buyers(generator, publisher["test_flag"], params)
    advertiser = _draw_purchases(generator, publisher, buyer, ids[size:], params)

    publisher = _in_time_order(publisher, "opportunity_ts")
    advertiser = _in_time_order(advertiser, "event_ts")
    metrics = lift_metrics(publisher, advertiser, attribution_window=params["attribution_window"])
    truth = LiftTruth(**params, incremental_converters=caused, metrics=metrics)
    return LiftStudy(publisher=publisher, advertiser=advertiser, truth=truth)


def _check_study_parameters(
    population, overlap, test_share, base_rate, lift, mean_value, attribution_window
) -> dict[str, Any]:
    """Check every argument of :func:`lift_study`; return them cleaned, with ``test_rate``."""
    params = {
        "population": check.integer("population", population, low=10, high=1_000_000),
        "overlap": _share("overlap", overlap, strict=False),
        "test_share": _share("test_share", test_share, strict=True),
        "base_rate": _share("base_rate", base_rate, strict=True),
        "lift": check.real_number("lift", lift),
        "mean_value": check.integer("mean_value", mean_value, low=100, high=1_000_000),
        "attribution_window": check.integer(
            "attribution_window", attribution_window, low=1, high=CAMPAIGN_DAYS * DAY
        ),
    }
    params["test_rate"] = params["base_rate"] * (1 + params["lift"])
    if params["lift"] <= -1 or params["test_rate"] > 1:
        highest = 1 / params["base_rate"] - 1
        raise InvalidParameterError(
            f"lift must be a number > -1 and <= {highest:.4g} (so that base_rate * (1 + lift) "
            f"<= 1 with base_rate={params['base_rate']}); got {lift!r}."
        )
    buying = _buying_share(params)
    if params["overlap"] < buying:
        raise InvalidParameterError(
            f"overlap must be from {buying:.4g} to 1: every buyer is in the advertiser's log, "
            f"and {buying:.4g} of the publisher's users buy (base_rate, lift, test_share); "
            f"got {overlap!r}."
        )
    return params


def _share(name: str, value: Any, *, strict: bool) -> float:
    """A number from 0 to 1 (``strict``: strictly between 0 and 1)."""
    return check.unit_interval(name, value, include_zero=not strict, include_one=not strict)


def _buying_share(params: dict[str, Any]) -> float:
    """The expected share of the publisher's users who buy in their window."""
    share = params["test_share"]
    return share * params["test_rate"] + (1 - share) * params["base_rate"]


def _other_customer_chance(params: dict[str, Any]) -> float:
    """Chance of buying at other times, so that buyers plus these make ``overlap`` on average.

    A user is in the sales log unless they neither buy in the window nor at
    other times: ``1 - overlap = (1 - buying) * (1 - chance)``.
    """
    buying = _buying_share(params)
    if buying >= 1:
        return 0.0
    return (params["overlap"] - buying) / (1 - buying)


def _draw_ids(generator: np.random.Generator, count: int) -> np.ndarray:
    """``count`` different ids like ``"u0482131"``, in random order."""
    drawn = generator.choice(10**ID_DIGITS, size=count, replace=False)
    return np.array([f"u{number:0{ID_DIGITS}d}" for number in drawn])


def _draw_publisher(
    generator: np.random.Generator, ids: np.ndarray, test_share: float
) -> dict[str, np.ndarray]:
    """The publisher's users: group, opportunity time and impressions."""
    size = ids.size
    test_flag = generator.random(size) < test_share
    opportunity_ts = CAMPAIGN_START + generator.integers(0, CAMPAIGN_DAYS * DAY, size)
    num_impressions = np.where(test_flag, 1 + generator.poisson(1.5, size), 0)
    return {
        "id": ids,
        "test_flag": test_flag,
        "opportunity_ts": opportunity_ts,
        "num_impressions": num_impressions,
    }


def _draw_buyers(
    generator: np.random.Generator, test_flag: np.ndarray, params: dict[str, Any]
) -> tuple[np.ndarray, int]:
    """Who buys in their window, and how many test users bought because of the ad.

    One uniform draw per person decides both what they did and what they
    would have done in the other group: a test user with
    ``base_rate <= chance < test_rate`` bought only because of the ad.
    """
    chance = generator.random(test_flag.size)
    buyer = chance < np.where(test_flag, params["test_rate"], params["base_rate"])
    buys_in_test = test_flag & (chance < params["test_rate"])
    buys_anyway = test_flag & (chance < params["base_rate"])
    return buyer, int(buys_in_test.sum()) - int(buys_anyway.sum())


def _draw_purchases(
    generator: np.random.Generator,
    publisher: dict[str, np.ndarray],
    buyer: np.ndarray,
    outsider_ids: np.ndarray,
    params: dict[str, Any],
) -> dict[str, np.ndarray]:
    """The advertiser's sales log: buyers in their window, other customers, outsiders."""
    window = params["attribution_window"]
    log_start = CAMPAIGN_START - HISTORY_DAYS * DAY
    log_end = CAMPAIGN_START + CAMPAIGN_DAYS * DAY + window
    opportunity_ts, people_ids = publisher["opportunity_ts"], publisher["id"]
    other_customer = generator.random(buyer.size) < _other_customer_chance(params)

    who_in, when_in = _window_purchases(generator, opportunity_ts, buyer, window)
    who_out, when_out = _other_purchases(
        generator, opportunity_ts, other_customer, window, log_start, log_end
    )
    outsiders = outsider_ids.size
    who_only = np.repeat(np.arange(outsiders), _purchase_counts(generator, outsiders))
    when_only = generator.integers(log_start, log_end, who_only.size, endpoint=True)

    event_ts = np.concatenate([when_in, when_out, when_only])
    return {
        "id": np.concatenate([people_ids[who_in], people_ids[who_out], outsider_ids[who_only]]),
        "event_ts": event_ts,
        "value": _purchase_values(generator, event_ts.size, params["mean_value"]),
    }


def _purchase_counts(generator: np.random.Generator, size: int) -> np.ndarray:
    """How many purchases each of ``size`` people makes: 1, 2 or 3."""
    return generator.choice(PURCHASES_PER_PERSON, size=size, p=PURCHASE_COUNT_SHARES)


def _window_purchases(
    generator: np.random.Generator, opportunity_ts: np.ndarray, buyer: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Purchases of the buyers, at uniform times in their window; (person, time) per purchase."""
    people = np.flatnonzero(buyer)
    who = np.repeat(people, _purchase_counts(generator, people.size))
    when = opportunity_ts[who] + generator.integers(0, window, who.size, endpoint=True)
    return who, when


def _other_purchases(
    generator: np.random.Generator,
    opportunity_ts: np.ndarray,
    customer: np.ndarray,
    window: int,
    log_start: int,
    log_end: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Purchases of customers at any time in the log except near their window.

    Each time is drawn uniformly from the log with the gap cut out: draw from a
    log shortened by the gap's length, then move times at or after the gap's
    start past its end.
    """
    people = np.flatnonzero(customer)
    who = np.repeat(people, _purchase_counts(generator, people.size))
    gap_start = opportunity_ts[who] - HOUR
    gap_length = window + 2 * HOUR + 1
    when = generator.integers(log_start, log_end - gap_length, who.size, endpoint=True)
    when = np.where(when >= gap_start, when + gap_length, when)
    return who, when


def _purchase_values(generator: np.random.Generator, size: int, mean_value: int) -> np.ndarray:
    """Log-normal purchase values in whole cents (at least 1) with mean ``mean_value``."""
    log_mean = math.log(mean_value) - VALUE_SPREAD**2 / 2  # so that the mean is mean_value
    values = np.round(np.exp(generator.normal(log_mean, VALUE_SPREAD, size)))
    return np.maximum(values, 1).astype(np.int64)


def _in_time_order(table: dict[str, np.ndarray], column: str) -> dict[str, np.ndarray]:
    """The rows of ``table`` sorted by ``column`` (ties keep their order)."""
    order = np.argsort(table[column], kind="stable")
    return {name: values[order] for name, values in table.items()}


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
    confidence = _share("confidence", confidence, strict=True)
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
        :func:`privlab.mpc.secure_lift`).
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
    >>> study = lift_study()
    >>> result = per_user_lift(study.truth.metrics, "value")
    >>> round(result["lift"], 3), [round(end, 3) for end in result["interval"]]
    (0.128, [-0.094, 0.405])
    >>> round(result["incremental"] / 100)  # euros of sales the ad added in the test group
    2031
    """
    if metric not in PER_USER_METRICS:
        raise InvalidParameterError(f"metric must be 'value' or 'conversions'; got {metric!r}.")
    confidence = _share("confidence", confidence, strict=True)
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
