"""The two parties' tables for lesson 04, "Private Lift", and the answer they should give.

:func:`lift_study` makes a publisher's table (who saw the ad: a *test* group and
a held-out *control* group) and an advertiser's sales log with a seeded
generator, so that the true lift is known, and the oracle's answer
(:func:`privlab.lift.metrics.lift_metrics`). The columns are Meta's Private Lift
ones (``fbpcs``) in plain words: ``id_`` is ``id``, ``opportunity_timestamp``
``opportunity_ts``, ``event_timestamps`` ``event_ts``, ``values`` ``value`` (in
cents). Timestamps are Unix seconds; the advertiser has one row per purchase.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from privlab._guard import PROBABILITY, RNG, TIED, guard, real_number, unit_interval, whole
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
_CAMPAIGN_DAYS = 30  # opportunities fall in these 30 days
_HISTORY_DAYS = 30  # the advertiser's sales log starts this long before the campaign
_ADVERTISER_ONLY_SHARE = 0.3  # customers the publisher never reached, per publisher user
_PURCHASES_PER_PERSON = (1, 2, 3)
_PURCHASE_COUNT_SHARES = (0.6, 0.3, 0.1)
_VALUE_SPREAD = 0.8  # sigma of the log-normal purchase values
_ID_DIGITS = 7


@dataclass(frozen=True)
class LiftTruth:
    """What the generator knows: the arguments of :func:`lift_study`, ``test_rate``, the
    ``incremental_converters`` (test users who bought *because* of the ad) and the
    oracle's ``metrics``."""

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
    """The ``publisher``'s and the ``advertiser``'s tables (in time order), and the ``truth``."""

    publisher: dict[str, np.ndarray] = field(repr=False)
    advertiser: dict[str, np.ndarray] = field(repr=False)
    truth: LiftTruth


def _buying_share(test_share: float, base_rate: float, test_rate: float) -> float:
    """The expected share of the publisher's users who buy in their window."""
    return test_share * test_rate + (1 - test_share) * base_rate


def _a_possible_study(arguments: dict[str, Any]) -> None:
    """A lift with ``base_rate * (1 + lift) <= 1``, and an overlap that holds every buyer."""
    lift, overlap, base_rate = arguments["lift"], arguments["overlap"], arguments["base_rate"]
    arguments["lift"] = real_number("lift", lift)
    arguments["overlap"] = unit_interval("overlap", overlap, include_zero=True, include_one=True)
    test_rate = base_rate * (1 + arguments["lift"])
    if arguments["lift"] <= -1 or test_rate > 1:
        raise InvalidParameterError(
            f"lift must be a number > -1 and <= {1 / base_rate - 1:.4g} (so that base_rate * "
            f"(1 + lift) <= 1 with base_rate={base_rate}); got {lift!r}."
        )
    buying = _buying_share(arguments["test_share"], base_rate, test_rate)
    if arguments["overlap"] < buying:
        raise InvalidParameterError(
            f"overlap must be from {buying:.4g} to 1: every buyer is in the advertiser's log, "
            f"and {buying:.4g} of the publisher's users buy (base_rate, lift, test_share); "
            f"got {overlap!r}."
        )


@guard(
    population=whole(10, 1_000_000),
    test_share=PROBABILITY,
    base_rate=PROBABILITY,
    mean_value=whole(100, 1_000_000),
    attribution_window=whole(1, _CAMPAIGN_DAYS * DAY),
    rng=RNG,
    overlap=TIED,
    lift=TIED,
    where=_a_possible_study,
)
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

    Each user has an *opportunity* in the 30-day campaign when the ad was (test)
    or would have been shown (control). A control user buys in the window after
    it with probability ``base_rate``, a test user with ``base_rate * (1 + lift)``;
    a buyer makes 1 to 3 purchases (60%, 30%, 10%). Other customers buy away from
    their window, so that a share ``overlap`` of the users is in the sales log,
    and the advertiser has 30% more customers the publisher never reached.
    Values are log-normal with mean ``mean_value`` cents (sigma 0.8).

    ``population`` people (10 to 1,000,000), a share ``test_share`` of them in the test
    group; ``overlap``, at least the share who buy; ``mean_value`` in cents (100 to
    1,000,000); ``attribution_window`` in seconds, up to 30 days. The default seed
    gives the shipped CSV files.

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
    test_rate = base_rate * (1 + lift)
    ids = _draw_ids(rng, population + round(_ADVERTISER_ONLY_SHARE * population))
    publisher = _draw_publisher(rng, ids[:population], test_share)
    buyer, caused = _draw_buyers(rng, publisher["test_flag"], base_rate, test_rate)
    buying = _buying_share(test_share, base_rate, test_rate)
    # a user is in the sales log unless they buy neither in the window nor at other times:
    # 1 - overlap = (1 - buying) * (1 - other_chance)
    other_chance = 0.0 if buying >= 1 else (overlap - buying) / (1 - buying)
    advertiser = _draw_purchases(
        rng, publisher, buyer, other_chance, ids[population:], attribution_window, mean_value
    )
    publisher = _in_time_order(publisher, "opportunity_ts")
    advertiser = _in_time_order(advertiser, "event_ts")
    metrics = lift_metrics(publisher, advertiser, attribution_window=attribution_window)
    truth = LiftTruth(
        population, overlap, test_share, base_rate, lift, mean_value, attribution_window,
        test_rate, caused, metrics
    )  # fmt: skip
    return LiftStudy(publisher=publisher, advertiser=advertiser, truth=truth)


def _draw_ids(generator: np.random.Generator, count: int) -> np.ndarray:
    """``count`` different ids like ``"u0482131"``, in random order."""
    drawn = generator.choice(10**_ID_DIGITS, size=count, replace=False)
    return np.array([f"u{number:0{_ID_DIGITS}d}" for number in drawn])


def _draw_publisher(
    generator: np.random.Generator, ids: np.ndarray, test_share: float
) -> dict[str, np.ndarray]:
    """The publisher's users: group, opportunity time and impressions."""
    size = ids.size
    test_flag = generator.random(size) < test_share
    opportunity_ts = CAMPAIGN_START + generator.integers(0, _CAMPAIGN_DAYS * DAY, size)
    num_impressions = np.where(test_flag, 1 + generator.poisson(1.5, size), 0)
    return {
        "id": ids,
        "test_flag": test_flag,
        "opportunity_ts": opportunity_ts,
        "num_impressions": num_impressions,
    }


def _draw_buyers(
    generator: np.random.Generator, test_flag: np.ndarray, base_rate: float, test_rate: float
) -> tuple[np.ndarray, int]:
    """Who buys in their window, and how many test users bought because of the ad.

    One uniform draw per person decides both what they did and what they
    would have done in the other group: a test user with
    ``base_rate <= chance < test_rate`` bought only because of the ad.
    """
    chance = generator.random(test_flag.size)
    buyer = chance < np.where(test_flag, test_rate, base_rate)
    caused = int(np.sum(test_flag & (chance < test_rate))) - int(
        np.sum(test_flag & (chance < base_rate))
    )
    return buyer, caused


def _draw_purchases(
    generator: np.random.Generator,
    publisher: dict[str, np.ndarray],
    buyer: np.ndarray,
    other_chance: float,
    outsider_ids: np.ndarray,
    window: int,
    mean_value: int,
) -> dict[str, np.ndarray]:
    """The advertiser's sales log: buyers in their window, other customers, outsiders.

    Other customers buy at any time in the log except near their window: each
    time is drawn from a log shortened by the gap, then times at or after the
    gap's start move past its end.
    """
    log_start = CAMPAIGN_START - _HISTORY_DAYS * DAY
    log_end = CAMPAIGN_START + _CAMPAIGN_DAYS * DAY + window
    opportunity_ts, people_ids = publisher["opportunity_ts"], publisher["id"]
    other_customer = generator.random(buyer.size) < other_chance

    who_in = _repeat_per_purchase(generator, np.flatnonzero(buyer))
    when_in = opportunity_ts[who_in] + generator.integers(0, window, who_in.size, endpoint=True)

    who_out = _repeat_per_purchase(generator, np.flatnonzero(other_customer))
    gap_start, gap_length = opportunity_ts[who_out] - HOUR, window + 2 * HOUR + 1
    when_out = generator.integers(log_start, log_end - gap_length, who_out.size, endpoint=True)
    when_out = np.where(when_out >= gap_start, when_out + gap_length, when_out)

    who_only = _repeat_per_purchase(generator, np.arange(outsider_ids.size))
    when_only = generator.integers(log_start, log_end, who_only.size, endpoint=True)

    event_ts = np.concatenate([when_in, when_out, when_only])
    log_mean = math.log(mean_value) - _VALUE_SPREAD**2 / 2  # so that the mean is mean_value
    values = np.round(np.exp(generator.normal(log_mean, _VALUE_SPREAD, event_ts.size)))
    return {
        "id": np.concatenate([people_ids[who_in], people_ids[who_out], outsider_ids[who_only]]),
        "event_ts": event_ts,
        "value": np.maximum(values, 1).astype(np.int64),  # whole cents, at least 1
    }


def _repeat_per_purchase(generator: np.random.Generator, people: np.ndarray) -> np.ndarray:
    """Each person once per purchase they make: 1, 2 or 3 purchases (60%, 30%, 10%)."""
    counts = generator.choice(_PURCHASES_PER_PERSON, size=people.size, p=_PURCHASE_COUNT_SHARES)
    return np.repeat(people, counts)


def _in_time_order(table: dict[str, np.ndarray], column: str) -> dict[str, np.ndarray]:
    """The rows of ``table`` sorted by ``column`` (ties keep their order)."""
    order = np.argsort(table[column], kind="stable")
    return {name: values[order] for name, values in table.items()}
