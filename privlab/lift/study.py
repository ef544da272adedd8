"""The two parties' tables for lesson 04, "Private Lift", and the answer they should give.

A publisher shows an ad to a *test* group and holds out a *control* group; an
advertiser knows who bought, when, and for how much. Neither may see the
other's table, yet together they want the *lift*: how many more test users
bought than the control group predicts. This module makes both tables with a
seeded generator, so the true lift is known, and computes the answer a trusted
party would get by joining the tables in the clear (the *oracle*). A secure
computation must reproduce the oracle's numbers without anybody seeing both tables.

* :func:`lift_study`: a publisher's table, an advertiser's table and the truth.
* :mod:`privlab.lift.metrics`: the oracle itself and the checks of the two tables.

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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from privlab import _guard as check
from privlab.errors import InvalidParameterError
from privlab.lift.metrics import DAY, DEFAULT_ATTRIBUTION_WINDOW, HOUR, lift_metrics

__all__ = [
    "CAMPAIGN_START",
    "LIFT_ADVERTISER_FILE",
    "LIFT_PUBLISHER_FILE",
    "LIFT_SEED",
    "LiftStudy",
    "LiftTruth",
    "lift_study",
]

LIFT_SEED = 2028
LIFT_PUBLISHER_FILE = "lift-publisher.csv"
LIFT_ADVERTISER_FILE = "lift-advertiser.csv"

CAMPAIGN_START = 1_772_409_600  # Monday 2 March 2026, 00:00 UTC
CAMPAIGN_DAYS = 30  # opportunities fall in these 30 days
HISTORY_DAYS = 30  # the advertiser's sales log starts this long before the campaign
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
    >>> from privlab.lift import lift_estimate
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
