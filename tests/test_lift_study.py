"""The Private Lift tables of lesson 04: generator, attribution rule, oracle and estimate.

* The shipped CSV files match the seeded generator; a seed gives the same study.
* The attribution rule on hand-made tables: before the opportunity no, within
  the 10-second grace yes, after the window no; squares are per person.
* On a large study the estimate recovers the generated lift (within 5 standard
  errors), while counting purchases made before the opportunity does not.
* The 95% interval covers the true lift in about 95% of 200 small studies.
* Every bad argument or table raises an error that names the parameter or column.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from privlab import InvalidParameterError, data
from privlab.lift import study as lift_data
from privlab.lift._checks import (
    ADVERTISER_COLUMNS,
    PUBLISHER_COLUMNS,
    advertiser_table,
    publisher_table,
)
from privlab.lift.metrics import (
    DAY,
    lift_estimate,
    lift_metrics,
    per_user_lift,
)
from privlab.lift.study import lift_study

DATA = Path(__file__).resolve().parent.parent / "data"
WEEK = 7 * DAY


@pytest.fixture(scope="module")
def large_study():
    return lift_study(population=200_000, rng=11)


def within_standard_errors(metrics, true_lift: float, errors: float = 5.0) -> bool:
    """Whether the estimate is within ``errors`` standard errors of ``true_lift`` (log scale)."""
    estimate = lift_estimate(metrics)
    distance = abs(math.log1p(estimate["lift"]) - math.log1p(true_lift))
    return distance <= errors * estimate["log_standard_error"]


def tiny_tables(event_ts, values=None, opportunity_ts=10_000):
    """One test user ("ann") and one control user ("bob", no purchases); ann's purchases."""
    publisher = {
        "id": ["ann", "bob"],
        "test_flag": [True, False],
        "opportunity_ts": [opportunity_ts, opportunity_ts],
    }
    values = [500] * len(event_ts) if values is None else values
    advertiser = {"id": ["ann"] * len(event_ts), "event_ts": event_ts, "value": values}
    return publisher, advertiser


# --- the shipped files and the generator ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "part"),
    [(data.LIFT_PUBLISHER_FILE, "publisher"), (data.LIFT_ADVERTISER_FILE, "advertiser")],
)
def test_shipped_csv_matches_the_generator(name, part):
    shipped = (DATA / name).read_text(encoding="utf-8")
    assert shipped == data.to_csv(getattr(data.lift_study(), part)), (
        "run: python -m privlab.data data"
    )


def test_data_readme_describes_the_lift_files():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for needed in (data.LIFT_PUBLISHER_FILE, data.LIFT_ADVERTISER_FILE, "seed 2028", "CC0"):
        assert needed in readme


def test_a_seed_gives_the_same_study_and_another_seed_another():
    first, again, other = (
        lift_study(2_000, rng=5),
        lift_study(2_000, rng=5),
        lift_study(2_000, rng=6),
    )
    for part in ("publisher", "advertiser"):
        one, two = getattr(first, part), getattr(again, part)
        assert all(np.array_equal(one[column], two[column]) for column in one)
    assert first.truth == again.truth
    assert not np.array_equal(first.publisher["id"], other.publisher["id"])
    from_generator = lift_study(2_000, rng=np.random.default_rng(5))
    assert np.array_equal(from_generator.advertiser["value"], first.advertiser["value"])


def test_the_default_study_has_the_documented_shape():
    study = lift_study()
    publisher, advertiser = study.publisher, study.advertiser
    assert tuple(publisher) == PUBLISHER_COLUMNS
    assert tuple(advertiser) == ADVERTISER_COLUMNS
    assert len(set(publisher["id"])) == 10_000
    assert all(len(name) == 8 and name.startswith("u") for name in publisher["id"][:100])
    test = publisher["test_flag"]
    assert np.all(publisher["num_impressions"][~test] == 0)
    assert np.all(publisher["num_impressions"][test] >= 1)
    start = lift_data.CAMPAIGN_START
    assert np.all(
        (publisher["opportunity_ts"] >= start) & (publisher["opportunity_ts"] < start + 30 * DAY)
    )
    assert np.all(np.diff(publisher["opportunity_ts"]) >= 0) and np.all(
        np.diff(advertiser["event_ts"]) >= 0
    )
    assert np.all(advertiser["value"] >= 1) and 3_500 < advertiser["value"].mean() < 4_500
    assert study.truth.metrics == lift_metrics(publisher, advertiser)
    outsiders = ~np.isin(advertiser["id"], publisher["id"])
    assert len(set(advertiser["id"][outsiders])) == 3_000


def test_generated_buyers_make_one_to_three_purchases_and_some_buy_before_the_ad():
    study = lift_study(population=20_000, rng=3)
    for totals in study.truth.metrics.values():
        assert totals["converters"] <= totals["conversions"] <= 3 * totals["converters"]
    people = dict(zip(study.publisher["id"], study.publisher["opportunity_ts"], strict=True))
    opportunity = np.array([people.get(name, -1) for name in study.advertiser["id"]])
    on_list = opportunity >= 0
    before = study.advertiser["event_ts"][on_list] < opportunity[on_list] - 10
    assert 0.3 < before.mean() < 0.9  # many purchases the attribution rule must leave out


# --- the attribution rule and the oracle -----------------------------------------------


@pytest.mark.parametrize(
    ("seconds_after_opportunity", "counted"),
    [
        (-3_600, False),  # an hour before the ad: not caused by it
        (-10, False),  # exactly the grace before: Meta's rule is a strict <
        (-9, True),  # within the 10-second grace
        (0, True),
        (WEEK, True),  # the last second of the window
        (WEEK + 1, False),  # after the window
    ],
)
def test_attribution_rule_on_one_purchase(seconds_after_opportunity, counted):
    publisher, advertiser = tiny_tables([10_000 + seconds_after_opportunity])
    test = lift_metrics(publisher, advertiser, attribution_window=WEEK)["test"]
    assert test["matched"] == 1  # matched whether or not the purchase counts
    assert test["converters"] == test["conversions"] == int(counted)
    assert test["value"] == 500 * counted


def test_the_grace_and_window_can_be_changed():
    publisher, advertiser = tiny_tables([9_990, 10_000 + 3 * DAY])
    assert lift_metrics(publisher, advertiser)["test"]["conversions"] == 1
    assert lift_metrics(publisher, advertiser, grace=11)["test"]["conversions"] == 2
    assert lift_metrics(publisher, advertiser, attribution_window=DAY)["test"]["conversions"] == 0


def test_squares_are_per_person():
    publisher = {
        "id": ["ann", "bob", "cy", "dee"],
        "test_flag": [True, True, True, False],
        "opportunity_ts": [100, 100, 100, 100],
    }
    advertiser = {
        "id": ["ann", "ann", "bob", "cy", "dee", "dee", "dee", "eve"],
        "event_ts": [150, 160, 170, 50, 120, 130, 140, 150],
        "value": [100, 200, 50, 999, 10, 20, 30, 7],
    }
    metrics = lift_metrics(publisher, advertiser)
    assert metrics["test"] == {
        "population": 3,
        "matched": 3,  # cy bought only before the ad, but is in the advertiser's table
        "converters": 2,
        "conversions": 3,
        "value": 350,
        "value_squared": 300**2 + 50**2,  # not 100² + 200² + 50²
        "conversions_squared": 2**2 + 1**2,
    }
    assert metrics["control"] == {
        "population": 1,
        "matched": 1,
        "converters": 1,
        "conversions": 3,
        "value": 60,
        "value_squared": 60**2,
        "conversions_squared": 3**2,
    }


def test_people_missing_from_the_other_table_are_handled():
    publisher, _ = tiny_tables([])
    empty = {"id": [], "event_ts": [], "value": []}
    assert lift_metrics(publisher, empty)["test"]["matched"] == 0
    nobody = {"id": [], "test_flag": [], "opportunity_ts": []}
    assert (
        lift_metrics(nobody, {"id": ["x"], "event_ts": [1], "value": [1]})["test"]["population"]
        == 0
    )


# --- recovering the lift -----------------------------------------------------------------


def test_a_large_study_recovers_the_lift(large_study):
    assert within_standard_errors(large_study.truth.metrics, large_study.truth.lift)
    estimate = lift_estimate(large_study.truth.metrics)
    low, high = estimate["interval"]
    assert low < large_study.truth.lift < high
    expected_incremental = large_study.truth.incremental_converters
    low, high = estimate["incremental_interval"]
    assert low < expected_incremental < high


def test_counting_purchases_before_the_opportunity_is_rejected(large_study):
    # A grace of 60 days counts every purchase made before the ad, too.
    broken = lift_metrics(large_study.publisher, large_study.advertiser, grace=60 * DAY)
    assert not within_standard_errors(broken, large_study.truth.lift)
    assert lift_estimate(broken)["lift"] < 0.05  # the old customers drown the effect


def test_overlap_and_test_share_are_as_requested(large_study):
    for totals in large_study.truth.metrics.values():
        assert abs(totals["matched"] / totals["population"] - 0.6) < 0.01
    assert abs(large_study.truth.metrics["test"]["population"] / 200_000 - 0.5) < 0.005

    other = lift_study(population=50_000, overlap=0.2, test_share=0.3, rng=4).truth.metrics
    matched = other["test"]["matched"] + other["control"]["matched"]
    assert abs(matched / 50_000 - 0.2) < 0.01
    assert abs(other["test"]["population"] / 50_000 - 0.3) < 0.01


def test_a_negative_and_a_zero_lift_are_recovered():
    for lift in (-0.3, 0.0):
        study = lift_study(population=100_000, lift=lift, rng=8)
        assert within_standard_errors(study.truth.metrics, lift)


def test_the_interval_covers_the_true_lift_about_95_percent_of_the_time():
    covered = 0
    for seed in range(200):
        study = lift_study(population=4_000, rng=seed)
        low, high = lift_estimate(study.truth.metrics)["interval"]
        covered += low < study.truth.lift < high
    # 200 studies: the share covered has a standard deviation of about 1.5 points,
    # so 90% to 99% is a band of about 3 standard deviations around 95%.
    assert 0.90 <= covered / 200 <= 0.99


def test_a_hundred_thousand_people_take_under_two_seconds():
    start = time.perf_counter()
    lift_study(population=100_000)
    assert time.perf_counter() - start < 2.0


# --- errors name what is wrong ------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"population": 5}, "population must be a whole number from 10 to 1000000"),
        ({"population": 1e4}, "population"),
        ({"overlap": 1.5}, "overlap must be a number from 0 to 1"),
        ({"overlap": 0.01}, "overlap must be from 0.055 to 1"),
        ({"test_share": 1}, "test_share must be a number strictly between 0 and 1"),
        ({"base_rate": 0}, "base_rate must be a number strictly between 0 and 1"),
        ({"base_rate": "5%"}, "base_rate"),
        ({"lift": -1}, "lift must be a number > -1 and <= 19"),
        ({"lift": 25}, "lift must be a number > -1 and <= 19"),
        ({"lift": float("nan")}, "lift must be a finite number"),
        ({"mean_value": 40.0}, "mean_value must be a whole number from 100 to 1000000"),
        ({"attribution_window": 0}, "attribution_window must be a whole number from 1 to 2592000"),
        ({"rng": -1}, "rng must be None, a seed"),
    ],
)
def test_bad_study_parameters_are_named(arguments, named):
    with pytest.raises(InvalidParameterError, match=named.replace("(", r"\(")):
        lift_study(**arguments)


PUBLISHER = {"id": ["a", "b"], "test_flag": [True, False], "opportunity_ts": [10, 20]}
ADVERTISER = {"id": ["a", "a"], "event_ts": [15, 30], "value": [100, 200]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"test_flag": None}, "column 'test_flag' is missing"),
        ({"id": [1, 2]}, r"publisher\['id'\] must be strings"),
        ({"id": ["a", "a"]}, r"publisher\['id'\] must hold each id once; got 'a' 2 times"),
        ({"test_flag": [1, 2]}, r"publisher\['test_flag'\] must be True/False \(or 1/0\); got 2"),
        ({"test_flag": ["yes", "no"]}, r"publisher\['test_flag'\]"),
        ({"opportunity_ts": [10, -1]}, r"publisher\['opportunity_ts'\] .* got -1 in row 1"),
        ({"opportunity_ts": [10.0, 20.0]}, r"publisher\['opportunity_ts'\] must be whole numbers"),
        ({"opportunity_ts": [10]}, r"publisher\['opportunity_ts'\] must have one value per row"),
        ({"num_impressions": [1, -2]}, r"publisher\['num_impressions'\] .* got -2"),
        ({"opportunity_ts": [[10], [20]]}, r"publisher\['opportunity_ts'\] must be a 1-d column"),
    ],
)
def test_bad_publisher_tables_name_the_column(changes, message):
    table = {**PUBLISHER, **changes}
    table = {name: column for name, column in table.items() if column is not None}
    with pytest.raises(InvalidParameterError, match=message):
        publisher_table("publisher", table)
    with pytest.raises(InvalidParameterError, match=message):
        lift_metrics(table, ADVERTISER)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": None}, "column 'value' is missing"),
        ({"id": [7, 7]}, r"advertiser\['id'\] must be strings"),
        ({"event_ts": [15, -30]}, r"advertiser\['event_ts'\] must be whole numbers >= 0; got -30"),
        ({"event_ts": ["15", "30"]}, r"advertiser\['event_ts'\] must be whole numbers"),
        ({"value": [100, 0]}, r"advertiser\['value'\] must be whole numbers >= 1; got 0 in row 1"),
        ({"value": [1.5, 2.5]}, r"advertiser\['value'\] must be whole numbers"),
        ({"value": [100, 200, 300]}, r"advertiser\['value'\] must have one value per row \(2"),
    ],
)
def test_bad_advertiser_tables_name_the_column(changes, message):
    table = {**ADVERTISER, **changes}
    table = {name: column for name, column in table.items() if column is not None}
    with pytest.raises(InvalidParameterError, match=message):
        advertiser_table("advertiser", table)
    with pytest.raises(InvalidParameterError, match=message):
        lift_metrics(PUBLISHER, table)


def test_repeated_advertiser_ids_and_extra_columns_are_fine():
    table = advertiser_table("advertiser", {**ADVERTISER, "store": ["north", "south"]})
    assert table["id"].tolist() == ["a", "a"] and table["store"].tolist() == ["north", "south"]


def test_other_bad_arguments_are_named():
    with pytest.raises(InvalidParameterError, match="publisher must be a dict of columns"):
        lift_metrics([("a", True, 10)], ADVERTISER)
    with pytest.raises(
        InvalidParameterError, match="grace must be a whole number from 0 to 2147483647"
    ):
        lift_metrics(PUBLISHER, ADVERTISER, grace=-1)
    with pytest.raises(InvalidParameterError, match="attribution_window must be a whole number"):
        lift_metrics(PUBLISHER, ADVERTISER, attribution_window=1.5)


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        (
            {"test": {"population": 10, "converters": 2}},
            "metrics must be a dict with 'test' and 'control'",
        ),
        (
            {
                "test": {"population": 10, "converters": 2},
                "control": {"population": 10, "converters": 0},
            },
            r"metrics\['control'\]\['converters'\] must be a whole number from 1 to 10; got 0",
        ),
        (
            {
                "test": {"population": 10, "converters": 11},
                "control": {"population": 10, "converters": 1},
            },
            r"metrics\['test'\]\['converters'\] must be a whole number from 1 to 10; got 11",
        ),
        (
            {"test": {"converters": 2}, "control": {"population": 10, "converters": 1}},
            r"metrics\['test'\]\['population'\] must be a whole number >= 1; got None",
        ),
    ],
)
def test_lift_estimate_names_what_is_missing(metrics, message):
    with pytest.raises(InvalidParameterError, match=message):
        lift_estimate(metrics)


def test_lift_estimate_names_a_bad_confidence():
    metrics = lift_study(population=2_000, rng=1).truth.metrics
    with pytest.raises(
        InvalidParameterError, match="confidence must be a number strictly between 0 and 1"
    ):
        lift_estimate(metrics, confidence=95)


# --- the lift per user, from the squared sums -------------------------------------------

STUDIES = 400  # coverage of a 95% interval over 400 studies: sd 1.1 points


def coverage(interval_of, metric: str) -> float:
    """Share of seeded studies whose interval holds the generator's lift (0.2)."""
    hits = 0
    for seed in range(STUDIES):
        metrics = lift_study(population=4_000, rng=seed).truth.metrics
        low, high = interval_of(metrics, metric)
        hits += low <= 0.2 <= high
    return hits / STUDIES


def from_squares(metrics, metric):
    return per_user_lift(metrics, metric)["interval"]


def ignoring_squares(metrics, metric):
    """A broken interval: the 0/1 converters' standard error, as if nobody bought twice."""
    ratio = 1 + per_user_lift(metrics, metric)["lift"]
    se = lift_estimate(metrics)["log_standard_error"]
    return ratio * math.exp(-1.96 * se) - 1, ratio * math.exp(1.96 * se) - 1


@pytest.mark.parametrize("metric", ["value", "conversions"])
def test_per_user_lift_intervals_cover_the_true_lift_95_percent_of_the_time(metric):
    # The generator raises the buying chance by 20% and draws purchases alike in both
    # groups, so value and purchases per user rise by 20% too. Tolerance: 3.5 sd.
    assert abs(coverage(from_squares, metric) - 0.95) < 0.04


def test_an_interval_that_ignores_the_squared_sums_covers_too_rarely():
    assert coverage(ignoring_squares, "value") < 0.90


def test_per_user_lift_for_a_zero_one_metric_is_the_buyers_lift():
    metrics = lift_study().truth.metrics
    as_purchases = {
        group: {
            **totals,
            "conversions": totals["converters"],
            "conversions_squared": totals["converters"],
        }
        for group, totals in metrics.items()
    }
    ours = per_user_lift(as_purchases, "conversions")
    theirs = lift_estimate(metrics)
    assert ours["lift"] == pytest.approx(theirs["lift"])
    assert ours["interval"] == pytest.approx(theirs["interval"], rel=1e-3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metric": "converters"}, "metric must be 'value' or 'conversions'"),
        ({"confidence": 1.0}, "confidence"),
        ({"squares": 10}, "must be at least value² / population"),
        ({"population": 1}, "population"),
    ],
)
def test_per_user_lift_names_bad_input(change, message):
    metrics = {group: dict(totals) for group, totals in lift_study().truth.metrics.items()}
    if "squares" in change:
        metrics["test"]["value_squared"] = change["squares"]
    if "population" in change:
        metrics["control"]["population"] = change["population"]
    options = {key: change[key] for key in ("metric", "confidence") if key in change}
    with pytest.raises(InvalidParameterError, match=message):
        per_user_lift(metrics, **options)
