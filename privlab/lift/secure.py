"""Private Lift: the ad study of :mod:`privlab.lift.study`, computed without joining the tables.

A publisher knows who saw an ad (its *test* group) and who was held out
(*control*); an advertiser knows who bought what, when. :func:`secure_lift`
gives them the per-group totals that :func:`privlab.lift.metrics.lift_metrics`
computes in the clear, while each party sees only its own table, random-looking
shares, and the opened totals. It rebuilds Meta's Private Lift at teaching
scale, in five stages, each a small function:

1. **Padding** (:func:`pad_purchases`, advertiser, local). One row per person
   with exactly ``max_purchases`` purchase slots; empty slots hold value 0 and
   ``present = 0``. Every person looks the same, so the shared arrays do not
   tell how many purchases anyone made. Purchases beyond the cap are dropped
   (the earliest ones are kept) and counted.
2. **Matching** (:func:`~privlab.mpc.psi.private_intersection`). Both
   parties line up the rows of the people they share, in the same order.
3. **Sharing.** The publisher secret-shares ``test_flag`` and
   ``opportunity_ts`` of its matched rows, the advertiser ``event_ts``,
   ``value`` and ``present`` (additive shares modulo :math:`2^{64}`).
4. **Attribution.** A purchase counts if it is present and
   ``opportunity_ts < event_ts + grace`` and ``event_ts <= opportunity_ts + window``
   (:func:`~privlab.lift.metrics.is_attributed`). With :math:`a = e + g - o`
   and :math:`C = w + g + 1`, the two conditions are :math:`a > 0` and
   :math:`C - a > 0`. The two numbers add up to :math:`C > 0`, so they cannot
   both be negative, and **one** comparison does it:

   .. math:: [\\text{in window}] = [\\, a \\, (C - a) > 0 \\,].

   A comparison costs 64 rounds and 62 AND gates per number; a
   multiplication costs one round. Trading a comparison for a product about
   halves the work. The product must fit 64 bits: it does when the timestamps are
   below :math:`2^{31}` (32-bit Unix time, before 19 January 2038) and
   ``window + grace`` is too; :func:`secure_lift` checks both.
   Then ``[in window] * present`` and ``[in window] * value`` (Beaver products).
5. **Totals.** Per person (a local sum over the slots): attributed purchases
   :math:`k` and their value :math:`v`; the converter bit :math:`[k > 0]`
   (a comparison); :math:`k^2` and :math:`v^2` (Beaver products). Test-group
   totals are sums of :math:`t \\cdot q` for the shared flag :math:`t`
   (Beaver products); control totals need no protocol:
   :math:`(1 - t) \\, q = q - t \\, q`. The 12 totals are opened in one round.

**What is revealed.** Each party learns which of its own ids matched and the
length of the other's list (from the matching), and the 12 opened totals.
Everything else it receives is a share or a masked value, uniformly random
whatever the data. (The ``matched`` totals tell the publisher nothing new: it
knows which of its users matched.) The ``population`` of
each group comes from the publisher's own table: it is the publisher's own
information, released with the report.

**Trust.** Semi-honest parties, and a trusted dealer (sender ``"dealer"``)
that makes the Beaver triples and the comparison masks and colludes with
nobody. Meta's system makes its triples without a dealer (oblivious transfer).
The dealer's messages do not depend on the data and could all be sent in
advance; here each batch goes in its own round, just before it is used.

**Cost.** 139 rounds after the matching, whatever the data: sharing with
the first product (2 rounds), the in-window comparison (65, its dealer round
included), the products by ``present`` and ``value`` (2), the converter
comparison (65), two batches of products (2 each) and the opening (1). The
bytes grow with the number of matched people times ``max_purchases``.

**Not here.** Meta's system hides all metrics when fewer than 100 people
converted, and its design paper plans calibrated noise on the totals: both
act on the opened totals, and are left to a later step.

Examples
--------
>>> from privlab.lift.study import lift_metrics, lift_study
>>> from privlab.lift import lift_study
>>> study = lift_study(population=300, rng=1)
>>> result = secure_lift(study.publisher, study.advertiser, max_purchases=6, rng=2)
>>> result.dropped_purchases, result.metrics == lift_metrics(study.publisher, study.advertiser)
(0, True)
>>> result.metrics["test"]["converters"], result.metrics["control"]["converters"]
(12, 6)
>>> result.network.stats()["rounds"]  # the same for any data (see "Cost")
139
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from privlab import _guard as check
from privlab.dp.exact import discrete_laplace_exact
from privlab.errors import InvalidParameterError
from privlab.lift.metrics import (
    DEFAULT_ATTRIBUTION_WINDOW,
    GRACE,
    MAX_PURCHASES,
    check_advertiser_table,
    check_publisher_table,
)
from privlab.mpc.additive import AdditiveShare, _derived_id, _randomness
from privlab.mpc.compare import _share_input, secure_is_positive
from privlab.mpc.network import Network
from privlab.mpc.protocols import Dealer, beaver_multiply, open_shares
from privlab.mpc.psi import PSIResult, private_intersection
from privlab.randomness import SecretRandom

__all__ = [
    "LIFT_METRICS",
    "MAX_TIMESTAMP",
    "LiftResult",
    "PaddedPurchases",
    "pad_purchases",
    "secure_lift",
]

PARTIES = ("publisher", "advertiser")
GROUPS = ("test", "control")

LIFT_METRICS = (
    "population",
    "matched",
    "converters",
    "conversions",
    "value",
    "value_squared",
    "conversions_squared",
)
"""The totals per group, as :func:`privlab.lift.metrics.lift_metrics` names them."""

MAX_TIMESTAMP = 2**31 - 1
"""The latest timestamp accepted (19 January 2038), so that the attribution product fits 64 bits."""

_RING_SIZE = 2**64

_ORDER = [(group, metric) for group in GROUPS for metric in LIFT_METRICS[1:]]
"""The opened totals, in order: the publisher adds ``population`` from its own table."""


# --------------------------------------------------------------------------
# Stage 1: the advertiser pads its purchases
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PaddedPurchases:
    """The advertiser's purchases, one row per person with a fixed number of slots.

    Parameters
    ----------
    ids : numpy.ndarray of str
        Each customer once, shape ``(n,)``.
    event_ts : numpy.ndarray of int
        Purchase times, shape ``(n, max_purchases)``; 0 in empty slots.
    value : numpy.ndarray of int
        Purchase values in cents, same shape; 0 in empty slots.
    present : numpy.ndarray of int
        1 for a real purchase, 0 for an empty slot, same shape.
    dropped : int
        Purchases left out because their customer had more than ``max_purchases``.
    """

    ids: np.ndarray = field(repr=False)
    event_ts: np.ndarray = field(repr=False)
    value: np.ndarray = field(repr=False)
    present: np.ndarray = field(repr=False)
    dropped: int

    @property
    def max_purchases(self) -> int:
        """Slots per person."""
        return self.event_ts.shape[1]

    def __repr__(self) -> str:
        return (
            f"PaddedPurchases({self.ids.size} customers, {self.max_purchases} slots each, "
            f"{int(self.present.sum())} purchases kept, {self.dropped} dropped)"
        )


def pad_purchases(advertiser: Mapping[str, Any], max_purchases: int = 4) -> PaddedPurchases:
    """Group the advertiser's purchases by person, into exactly ``max_purchases`` slots each.

    Meta's Private Lift pads every person to the same number of purchases, so
    that the shared arrays do not reveal how many purchases anyone made. Each
    person keeps their ``max_purchases`` earliest purchases; later ones are
    dropped and counted in ``dropped``. Choose the cap above the largest count
    to keep everything (at the price of more slots to compute on).

    Parameters
    ----------
    advertiser : dict of str to array
        One row per purchase: ``id``, ``event_ts`` and ``value``
        (see :func:`~privlab.lift.metrics.check_advertiser_table`).
    max_purchases : int, default 4
        Slots per person, >= 1.

    Returns
    -------
    PaddedPurchases
        Ids in sorted order, ``(n, max_purchases)`` arrays, and the number dropped.

    Examples
    --------
    >>> padded = pad_purchases({"id": ["bo", "al", "bo", "bo"], "event_ts": [9, 5, 7, 8],
    ...                         "value": [300, 100, 200, 250]}, max_purchases=2)
    >>> padded
    PaddedPurchases(2 customers, 2 slots each, 3 purchases kept, 1 dropped)
    >>> padded.ids.tolist(), padded.value.tolist(), padded.present.tolist()
    (['al', 'bo'], [[100, 0], [200, 250]], [[1, 0], [1, 1]])
    """
    table = check_advertiser_table(advertiser)
    slots = check.integer("max_purchases", max_purchases, low=1, high=MAX_PURCHASES)
    ids, person = np.unique(table["id"], return_inverse=True)
    order = np.lexsort((table["event_ts"], person))  # by person, then by time
    person, when, value = person[order], table["event_ts"][order], table["value"][order]
    slot = _rank_within_person(person, ids.size)
    kept = slot < slots

    shape = (ids.size, slots)
    event_ts, values, present = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    event_ts[person[kept], slot[kept]] = when[kept]
    values[person[kept], slot[kept]] = value[kept]
    present[person[kept], slot[kept]] = 1
    return PaddedPurchases(ids, event_ts, values, present, dropped=int(np.sum(~kept)))


def _rank_within_person(person: np.ndarray, people: int) -> np.ndarray:
    """0, 1, 2, ... along each person's rows, for rows already grouped by person."""
    counts = np.bincount(person, minlength=people)
    first_row = np.cumsum(counts) - counts
    return np.arange(person.size) - first_row[person]


# --------------------------------------------------------------------------
# Local steps on shares: each party does the same to its own share
# --------------------------------------------------------------------------


def _locally(shares: Sequence[AdditiveShare], operation: str, step: Any) -> list[AdditiveShare]:
    """Each party applies ``step`` to its own share's array (a local step, no messages).

    Only steps that commute with adding up the shares are allowed: repeating,
    picking and summing elements.
    """
    return [
        AdditiveShare(
            share.party, share.parties, step(share.value), _derived_id(operation, share.sharing_id)
        )
        for share in shares
    ]


def _per_slot(shares: Sequence[AdditiveShare], slots: int) -> list[AdditiveShare]:
    """Shares of a per-person number, repeated in each of the person's purchase slots."""
    return _locally(shares, f"repeat {slots} times", lambda v: np.repeat(v[:, None], slots, 1))


def _per_person(shares: Sequence[AdditiveShare]) -> list[AdditiveShare]:
    """Shares of each person's total over their purchase slots (sums wrap modulo 2^64)."""
    return _locally(shares, "sum per person", lambda v: np.sum(v, axis=1, dtype=np.uint64))


def _stack(sharings: Sequence[Sequence[AdditiveShare]]) -> list[AdditiveShare]:
    """Several sharings of one shape as one sharing, so one protocol call handles them all."""
    operation = "stack " + " ".join(sharing[0].sharing_id for sharing in sharings)
    stacked = []
    for party in (0, 1):
        values = np.stack([sharing[party].value for sharing in sharings])
        stacked.append(AdditiveShare(party, 2, values, _derived_id(operation)))
    return stacked


def _unstack(shares: Sequence[AdditiveShare], count: int) -> list[list[AdditiveShare]]:
    """The sharings that :func:`_stack` put together, back apart."""
    return [_locally(shares, f"row {row}", lambda v, row=row: v[row]) for row in range(count)]


def _multiply_pairs(
    pairs: Sequence[tuple[Sequence[AdditiveShare], Sequence[AdditiveShare]]],
    dealer: Dealer,
    network: Network,
    rng: SecretRandom,
) -> list[list[AdditiveShare]]:
    """Beaver products of several pairs of sharings (one shape), all in one opening round."""
    left = _stack([x for x, _ in pairs])
    right = _stack([y for _, y in pairs])
    products = beaver_multiply(left, right, dealer, network, rng=rng, names=PARTIES)
    return _unstack(products, len(pairs))


# --------------------------------------------------------------------------
# Stages 3 to 5: sharing, attribution, totals
# --------------------------------------------------------------------------


def _share_columns(
    publisher: Mapping[str, np.ndarray],
    advertiser: Mapping[str, np.ndarray],
    network: Network,
    rng: SecretRandom,
) -> dict[str, list[AdditiveShare]]:
    """Stage 3: each party shares its matched columns with the other (one round)."""
    shared = {}
    for owner, columns in enumerate((publisher, advertiser)):
        for column, values in columns.items():
            label = f"share of {column}"
            shared[column] = _share_input(values, owner, PARTIES, network, label, rng)
    return shared


def _attribute(
    shared: dict[str, list[AdditiveShare]],
    attribution_window: int,
    grace: int,
    dealer: Dealer,
    network: Network,
    rng: SecretRandom,
) -> tuple[list[AdditiveShare], list[AdditiveShare]]:
    """Stage 4: shares of each slot's attributed purchase (1 or 0) and attributed value."""
    slots = shared["event_ts"][0].shape[1]
    opportunity_ts = _per_slot(shared["opportunity_ts"], slots)
    after = [e + grace - o for e, o in zip(shared["event_ts"], opportunity_ts, strict=True)]
    room = attribution_window + grace + 1
    before = [room - a for a in after]  # o + window - e + 1, positive iff e <= o + window
    (product,) = _multiply_pairs([(after, before)], dealer, network, rng)
    in_window = secure_is_positive(product, dealer, network, rng=rng, names=PARTIES)
    attributed, value = _multiply_pairs(
        [(in_window, shared["present"]), (in_window, shared["value"])], dealer, network, rng
    )
    return attributed, value


def _group_totals(
    test_flag: list[AdditiveShare],
    conversions: list[AdditiveShare],
    value: list[AdditiveShare],
    dealer: Dealer,
    network: Network,
    rng: SecretRandom,
) -> list[list[AdditiveShare]]:
    """Stage 5: shares of the 12 totals (6 metrics per group), in the order of ``_ORDER``."""
    converter = secure_is_positive(conversions, dealer, network, rng=rng, names=PARTIES)
    test_conversions, test_value, test_converters, conversions_squared, value_squared = (
        _multiply_pairs(
            [
                (test_flag, conversions),
                (test_flag, value),
                (test_flag, converter),
                (conversions, conversions),
                (value, value),
            ],
            dealer,
            network,
            rng,
        )
    )
    test_conversions_squared, test_value_squared = _multiply_pairs(
        [(test_flag, conversions_squared), (test_flag, value_squared)], dealer, network, rng
    )
    matched = test_flag[0].shape[0]  # public: both parties know how many rows matched
    per_metric = {  # (total over all matched people, per person in the test group)
        "matched": ([matched, matched], test_flag),
        "converters": (_totals(converter), test_converters),
        "conversions": (_totals(conversions), test_conversions),
        "value": (_totals(value), test_value),
        "value_squared": (_totals(value_squared), test_value_squared),
        "conversions_squared": (_totals(conversions_squared), test_conversions_squared),
    }
    test_totals, control_totals = [], []
    for everyone, in_test in per_metric.values():
        test_total = _totals(in_test)
        test_totals.append(test_total)
        # control = everyone - test; for a public total (matched), party 0 alone subtracts
        control = [total - test for total, test in zip(everyone, test_total, strict=True)]
        control_totals.append(control)
    return test_totals + control_totals


def _totals(shares: Sequence[AdditiveShare]) -> list[AdditiveShare]:
    """Shares of the sum over all people (a local step)."""
    return [share.sum() for share in shares]


def _secure_metrics(
    test_flag: np.ndarray,
    opportunity_ts: np.ndarray,
    event_ts: np.ndarray,
    value: np.ndarray,
    present: np.ndarray,
    *,
    attribution_window: int,
    grace: int,
    network: Network,
    rng: SecretRandom,
    noise: Mapping[str, tuple[float, int]] | None = None,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, dict[str, int]]] | None]:
    """Stages 3 to 5 on matched rows already lined up: the opened totals per group.

    With ``noise``, only the metrics it names are opened, each with both parties'
    noise (see :func:`_open_with_noise`); the second value returned is the draws.

    ``test_flag`` and ``opportunity_ts`` have shape ``(n,)`` (publisher);
    ``event_ts``, ``value`` and ``present`` have shape ``(n, slots)`` (advertiser).
    """
    dealer = Dealer()
    publisher = {"test_flag": test_flag.astype(np.int64), "opportunity_ts": opportunity_ts}
    advertiser = {"event_ts": event_ts, "value": value, "present": present}
    shared = _share_columns(publisher, advertiser, network, rng)
    attributed, attributed_value = _attribute(
        shared, attribution_window, grace, dealer, network, rng
    )
    totals = _group_totals(
        shared["test_flag"],
        _per_person(attributed),
        _per_person(attributed_value),
        dealer,
        network,
        rng,
    )
    if noise is None:
        opened = open_shares(_stack(totals), network, "totals per group (opened)", names=PARTIES)
        metrics: dict[str, dict[str, int]] = {group: {} for group in GROUPS}
        for (group, metric), total in zip(_ORDER, opened.tolist(), strict=True):
            metrics[group][metric] = int(total)
        return metrics, None
    return _open_with_noise(totals, noise, network, rng)


def _open_with_noise(
    totals: list[list[AdditiveShare]],
    noise: Mapping[str, tuple[float, int]],
    network: Network,
    rng: SecretRandom,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, dict[str, int]]]]:
    """Each party adds its own discrete Laplace draw to its share of each released total.

    Only the totals named in ``noise`` (metric to ``(epsilon, sensitivity)``) are
    opened; the others are never revealed. The opened total is the true total plus
    both parties' draws. A party knows its own draw, so what it learns is the true
    total plus the *other* party's draw: epsilon-DP against each party, and against
    anyone who reads the result. Each draw is exact
    (:func:`~privlab.dp.exact.discrete_laplace_exact`, scale ``sensitivity / epsilon``
    as a fraction): whole-number arithmetic only, no floating-point rounding.
    """
    chosen = [(group, metric) for group in GROUPS for metric in noise]
    noise_rng = rng.generator()  # ChaCha20 keyed by the protocol's stream: cryptographic noise
    sharings = [totals[_ORDER.index(key)] for key in chosen]
    draws: dict[str, dict[str, dict[str, int]]] = {
        party: {group: {} for group in GROUPS} for party in PARTIES
    }
    for index, party in enumerate(PARTIES):
        for (group, metric), sharing in zip(chosen, sharings, strict=True):
            epsilon, sensitivity = noise[metric]
            scale = Fraction(sensitivity) / Fraction(epsilon)
            draw = discrete_laplace_exact(scale, rng=noise_rng)
            draws[party][group][metric] = draw
            own = sharing[index]
            noisy = (own.value + np.array(draw, dtype=np.int64).astype(np.uint64)).astype(np.uint64)
            sharing[index] = AdditiveShare(index, 2, noisy, own.sharing_id)
    label = "noisy totals per group (opened)"
    opened = open_shares(_stack(sharings), network, label, names=PARTIES).view(np.int64)
    metrics: dict[str, dict[str, int]] = {group: {} for group in GROUPS}
    for (group, metric), total in zip(chosen, opened.tolist(), strict=True):
        metrics[group][metric] = int(total)
    return metrics, draws


# --------------------------------------------------------------------------
# The whole computation
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LiftResult:
    """What :func:`secure_lift` produced.

    Parameters
    ----------
    metrics : dict
        ``{"test": {...}, "control": {...}}`` with the keys of
        :func:`~privlab.lift.metrics.lift_metrics` (ints).
    psi : PSIResult
        The matching stage, with its own network.
    network : Network
        The secure computation after the matching: sharing, attribution, totals.
    dropped_purchases : int
        Purchases left out by :func:`pad_purchases` (0 if nobody exceeded the cap).
    noise : dict or None
        With ``noise_before_opening``: each party's own draws,
        ``noise[party][group][metric]``, which only that party knows. None otherwise.
    """

    metrics: dict[str, dict[str, int]]
    psi: PSIResult = field(repr=False)
    network: Network = field(repr=False)
    dropped_purchases: int
    noise: dict[str, dict[str, dict[str, int]]] | None = field(default=None, repr=False)

    @property
    def stats(self) -> dict[str, int]:
        """Rounds, messages and bytes of both stages: ``psi.stats`` plus ``network.stats()``."""
        psi, mpc = self.psi.stats, self.network.stats()
        return {key: psi[key] + mpc[key] for key in psi}


def secure_lift(
    publisher: Mapping[str, Any],
    advertiser: Mapping[str, Any],
    *,
    attribution_window: int = DEFAULT_ATTRIBUTION_WINDOW,
    grace: int = GRACE,
    max_purchases: int = 4,
    matching: PSIResult | None = None,
    noise_before_opening: Mapping[str, tuple[float, int]] | None = None,
    rng: np.random.Generator | int | None = None,
) -> LiftResult:
    """The per-group totals of an ad study, computed without joining the two tables.

    Runs the five stages of the module docstring: padding, matching, sharing,
    attribution and totals. The result equals
    :func:`~privlab.lift.metrics.lift_metrics` exactly when nobody has more than
    ``max_purchases`` purchases (otherwise it equals ``lift_metrics`` on the
    purchases kept, and ``dropped_purchases`` says how many were not).

    Parameters
    ----------
    publisher : dict of str to array
        ``id``, ``test_flag``, ``opportunity_ts`` (see
        :func:`~privlab.lift.metrics.check_publisher_table`).
    advertiser : dict of str to array
        One row per purchase: ``id``, ``event_ts``, ``value``.
    attribution_window : int
        Seconds after the opportunity in which a purchase counts (>= 0).
    grace : int
        Seconds a purchase may precede the opportunity and still count (>= 0).
    max_purchases : int, default 4
        Purchase slots per person (see :func:`pad_purchases`).
    matching : PSIResult or None
        The matching stage of an earlier run on the same two id lists (the
        ``psi`` of its result), to run the later stages again without
        repeating it, for example with another ``attribution_window``. The
        ids it pairs up must be equal; ``None`` (default) runs the matching.
    noise_before_opening : dict or None
        ``{metric: (epsilon, sensitivity)}`` for some of ``converters``,
        ``conversions`` and ``value``: open only these totals, each party first
        adding its own exact discrete Laplace draw (``epsilon``, ``sensitivity``) to
        its share, so that neither party ever sees an exact total. The other
        totals stay shared and are never opened. ``None`` (default): open all
        12 exact totals. :func:`privlab.lift.report.secure_dp_lift` chooses
        these settings and charges a privacy budget for them.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic randomness. A seed: reproducible, for lessons and tests only.

    Returns
    -------
    LiftResult
        ``metrics``, ``psi``, ``network``, ``dropped_purchases`` and ``stats``.

    Raises
    ------
    InvalidParameterError
        A table fails its checks (the message names the column), a timestamp is
        above :data:`MAX_TIMESTAMP`, or the values are so large that the
        squared totals would not fit 64 bits.

    Examples
    --------
    >>> publisher = {"id": ["ann", "bob", "cy"], "test_flag": [True, True, False],
    ...              "opportunity_ts": [1000, 1000, 1000]}
    >>> advertiser = {"id": ["ann", "ann", "bob", "cy", "dee"],
    ...               "event_ts": [900, 1500, 995, 2000, 1200],
    ...               "value": [700, 300, 200, 500, 900]}
    >>> result = secure_lift(publisher, advertiser, rng=0)
    >>> result.metrics["test"]
    {'population': 2, 'matched': 2, 'converters': 2, 'conversions': 2, 'value': 500,
     'value_squared': 130000, 'conversions_squared': 2}
    >>> [row["label"] for row in result.network.table("publisher")][:3]
    ['share of event_ts', 'share of value', 'share of present']
    """
    publisher = check_publisher_table(publisher)
    advertiser = check_advertiser_table(advertiser)
    window = check.integer("attribution_window", attribution_window, low=0)
    grace = check.integer("grace", grace, low=0)
    _check_sizes(publisher, advertiser, window, grace)
    generator = _randomness(rng)

    padded = pad_purchases(advertiser, max_purchases)
    _check_value_squares(padded)
    if matching is None:
        psi = private_intersection(publisher["id"], padded.ids, names=PARTIES, rng=generator)
    else:
        psi = _check_matching(matching, publisher["id"], padded.ids)
    mine, theirs = psi.matched_a, psi.matched_b
    network = Network()
    noise = _check_noise(noise_before_opening)
    opened, draws = _secure_metrics(
        publisher["test_flag"][mine],
        publisher["opportunity_ts"][mine],
        padded.event_ts[theirs],
        padded.value[theirs],
        padded.present[theirs],
        attribution_window=window,
        grace=grace,
        network=network,
        rng=generator,
        noise=noise,
    )
    metrics = _with_population(opened, publisher["test_flag"])
    return LiftResult(metrics, psi, network, padded.dropped, draws)


def _with_population(
    opened: dict[str, dict[str, int]], test_flag: np.ndarray
) -> dict[str, dict[str, int]]:
    """The opened totals with each group's size from the publisher's own table, first."""
    sizes = {"test": int(test_flag.sum()), "control": int((~test_flag).sum())}
    return {group: {"population": sizes[group], **opened[group]} for group in GROUPS}


def _check_sizes(
    publisher: dict[str, np.ndarray], advertiser: dict[str, np.ndarray], window: int, grace: int
) -> None:
    """Timestamps, window and grace small enough for the attribution product (see the module)."""
    for name, table, column in (
        ("publisher", publisher, "opportunity_ts"),
        ("advertiser", advertiser, "event_ts"),
    ):
        too_late = np.flatnonzero(table[column] > MAX_TIMESTAMP)
        if too_late.size:
            row = int(too_late[0])
            raise InvalidParameterError(
                f"{name}[{column!r}] must be at most {MAX_TIMESTAMP} (2**31 - 1, 19 January "
                f"2038); got {int(table[column][row])} in row {row}."
            )
    if window + grace > MAX_TIMESTAMP:
        raise InvalidParameterError(
            f"attribution_window + grace must be at most {MAX_TIMESTAMP}; got {window + grace}."
        )


NOISY_METRICS = ("converters", "conversions", "value")


def _check_noise(noise: Any) -> dict[str, tuple[float, int]] | None:
    """``{metric: (epsilon, sensitivity)}`` for released metrics, or None."""
    if noise is None:
        return None
    if not isinstance(noise, Mapping) or not noise or not set(noise) <= set(NOISY_METRICS):
        raise InvalidParameterError(
            "noise_before_opening must be a dict from some of "
            f"{', '.join(NOISY_METRICS)} to (epsilon, sensitivity); got {noise!r}."
        )
    checked = {}
    for metric in NOISY_METRICS:
        if metric not in noise:
            continue
        setting = noise[metric]
        if not isinstance(setting, (tuple, list)) or len(setting) != 2:
            raise InvalidParameterError(
                f"noise_before_opening[{metric!r}] must be a pair (epsilon, sensitivity); "
                f"got {setting!r}."
            )
        epsilon = check.positive_number(f"noise_before_opening[{metric!r}] epsilon", setting[0])
        sensitivity = check.integer(
            f"noise_before_opening[{metric!r}] sensitivity", setting[1], low=1
        )
        checked[metric] = (epsilon, sensitivity)
    return checked


def _check_matching(
    matching: Any, publisher_ids: np.ndarray, advertiser_ids: np.ndarray
) -> PSIResult:
    """An earlier matching must pair up equal ids of these very lists."""
    if not isinstance(matching, PSIResult):
        raise InvalidParameterError(
            f"matching must be the psi of an earlier secure_lift result (a PSIResult) or None; "
            f"got {type(matching).__name__}."
        )
    mine, theirs = matching.matched_a, matching.matched_b
    fits = (
        matching.parties == PARTIES
        and np.all(mine < publisher_ids.size)
        and np.all(theirs < advertiser_ids.size)
        and np.array_equal(publisher_ids[mine], advertiser_ids[theirs])
    )
    if not fits:
        raise InvalidParameterError(
            "matching must come from a run on the same publisher ids and advertiser customers "
            f"(parties {PARTIES}); its {matching.size} pairs do not match these tables' ids."
        )
    return matching


def _check_value_squares(padded: PaddedPurchases) -> None:
    """The advertiser checks that no value total can wrap around 2^64.

    Every total is at most the sum of the squares of each person's total
    value, which the advertiser can compute alone.
    """
    bound = sum(int(total) ** 2 for total in padded.value.sum(axis=1))
    if bound >= _RING_SIZE:
        raise InvalidParameterError(
            "advertiser['value'] must be small enough that the sum over people of (value per "
            f"person)² stays below 2**64; got {bound}."
        )
