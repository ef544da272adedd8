"""Private Lift by secure computation: :func:`~privlab.lift.metrics.lift_metrics` without a join.

:func:`secure_lift` gives the publisher and the advertiser the per-group totals
of an ad study while each sees only its own table, random-looking shares and
the opened totals: Meta's Private Lift at teaching scale, in five stages.

1. **Padding** (:func:`pad_purchases`): ``max_purchases`` slots per person, so
   the shares do not tell who bought how often.
2. **Matching** (:func:`~privlab.mpc.psi.private_intersection`): both line up
   the rows of the people they share, in one order.
3. **Sharing**: the publisher shares ``test_flag`` and ``opportunity_ts``, the
   advertiser ``event_ts``, ``value`` and ``present``.
4. **Attribution**: with :math:`a = e + g - o` and :math:`C = w + g + 1`, a
   purchase counts if :math:`a > 0` and :math:`C - a > 0`; the two add up to
   :math:`C > 0`, so they cannot both be negative, and **one** comparison does
   it: :math:`[\\text{in window}] = [a (C - a) > 0]` (this halves the work).
5. **Totals**: per person the attributed purchases :math:`k` and value :math:`v`,
   :math:`[k > 0]`, :math:`k^2` and :math:`v^2`; test totals sum :math:`t q` for
   the shared flag :math:`t`, control totals :math:`q - t q` need no protocol.

Each party learns which of its own ids matched, the length of the other's list
and the 12 totals. Semi-honest parties and a trusted dealer; 139 rounds after
the matching, whatever the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from privlab._guard import SECRETS, guard, integer, positive_number, whole
from privlab.errors import InvalidParameterError
from privlab.lift._checks import ADVERTISER, GROUPS, PUBLISHER, RELEASED_METRICS, SLOTS
from privlab.lift.metrics import DEFAULT_ATTRIBUTION_WINDOW, GRACE, LIFT_METRICS
from privlab.lift.protocol import PARTIES, _secure_metrics
from privlab.mpc.network import Network
from privlab.mpc.psi import PSIResult, private_intersection

__all__ = [
    "LIFT_METRICS",
    "MAX_TIMESTAMP",
    "LiftResult",
    "PaddedPurchases",
    "pad_purchases",
    "secure_lift",
]

MAX_TIMESTAMP = 2**31 - 1  # 19 January 2038: the attribution product fits 64 bits


# --------------------------------------------------------------------------
# Stage 1: the advertiser pads its purchases
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PaddedPurchases:
    """The advertiser's purchases, one row per person with a fixed number of slots.

    ``ids`` holds each customer once, shape ``(n,)``; ``event_ts``, ``value`` and
    ``present`` (1 for a real purchase, 0 for an empty slot) have shape
    ``(n, max_purchases)`` and 0 in empty slots; ``dropped`` counts the
    purchases left out because their customer had more than ``max_purchases``.
    """

    ids: np.ndarray = field(repr=False)
    event_ts: np.ndarray = field(repr=False)
    value: np.ndarray = field(repr=False)
    present: np.ndarray = field(repr=False)
    dropped: int

    @property
    def max_purchases(self) -> int:
        return self.event_ts.shape[1]

    def __repr__(self) -> str:
        return (
            f"PaddedPurchases({self.ids.size} customers, {self.max_purchases} slots each, "
            f"{int(self.present.sum())} purchases kept, {self.dropped} dropped)"
        )


@guard(advertiser=ADVERTISER, max_purchases=SLOTS)
def pad_purchases(advertiser: Mapping[str, Any], max_purchases: int = 4) -> PaddedPurchases:
    """Group the advertiser's purchases by person, into exactly ``max_purchases`` slots each.

    As Meta's Private Lift does, so that the shared arrays do not reveal how many
    purchases anyone made. Each person keeps the ``max_purchases`` earliest; later
    ones are dropped and counted.

    >>> padded = pad_purchases({"id": ["bo", "al", "bo", "bo"], "event_ts": [9, 5, 7, 8],
    ...                         "value": [300, 100, 200, 250]}, max_purchases=2)
    >>> padded
    PaddedPurchases(2 customers, 2 slots each, 3 purchases kept, 1 dropped)
    >>> padded.ids.tolist(), padded.value.tolist(), padded.present.tolist()
    (['al', 'bo'], [[100, 0], [200, 250]], [[1, 0], [1, 1]])
    """
    ids, person = np.unique(advertiser["id"], return_inverse=True)
    order = np.lexsort((advertiser["event_ts"], person))  # by person, then by time
    person, when, value = person[order], advertiser["event_ts"][order], advertiser["value"][order]
    counts = np.bincount(person, minlength=ids.size)
    slot = np.arange(person.size) - (np.cumsum(counts) - counts)[person]  # 0, 1, ... per person
    kept = slot < max_purchases

    shape = (ids.size, max_purchases)
    event_ts, values, present = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    event_ts[person[kept], slot[kept]] = when[kept]
    values[person[kept], slot[kept]] = value[kept]
    present[person[kept], slot[kept]] = 1
    return PaddedPurchases(ids, event_ts, values, present, dropped=int(np.sum(~kept)))


def _refuse_wrapping_values(padded: PaddedPurchases) -> None:
    """The advertiser checks alone that no total (at most the sum of squares) wraps 2^64."""
    bound = sum(int(total) ** 2 for total in padded.value.sum(axis=1))
    if bound >= 2**64:
        raise InvalidParameterError(
            "advertiser['value'] must be small enough that the sum over people of (value per "
            f"person)² stays below 2**64; got {bound}."
        )


# --------------------------------------------------------------------------
# The whole computation
# --------------------------------------------------------------------------


def _psi_or_none(name: str, value: Any) -> PSIResult | None:
    if value is not None and not isinstance(value, PSIResult):
        raise InvalidParameterError(
            f"{name} must be the psi of an earlier secure_lift result (a PSIResult) or None; "
            f"got {type(value).__name__}."
        )
    return value


def _noise_settings(name: str, noise: Any) -> dict[str, tuple[float, int]] | None:
    """``{metric: (epsilon, sensitivity)}`` for some of :data:`RELEASED_METRICS`, or None."""
    if noise is None:
        return None
    if not isinstance(noise, Mapping) or not noise or not set(noise) <= set(RELEASED_METRICS):
        raise InvalidParameterError(
            f"{name} must be a dict from some of {', '.join(RELEASED_METRICS)} to "
            f"(epsilon, sensitivity); got {noise!r}."
        )
    checked = {}
    for metric in (metric for metric in RELEASED_METRICS if metric in noise):
        setting, key = noise[metric], f"{name}[{metric!r}]"
        if not isinstance(setting, (tuple, list)) or len(setting) != 2:
            raise InvalidParameterError(
                f"{key} must be a pair (epsilon, sensitivity); got {setting!r}."
            )
        checked[metric] = (
            positive_number(f"{key} epsilon", setting[0]),
            integer(f"{key} sensitivity", setting[1], low=1),
        )
    return checked


def _fits_the_protocol(arguments: dict[str, Any]) -> None:
    """Times small enough for the attribution product; a reused matching of these tables."""
    publisher, advertiser = arguments["publisher"], arguments["advertiser"]
    for name, column in (("publisher", "opportunity_ts"), ("advertiser", "event_ts")):
        table = arguments[name]
        too_late = np.flatnonzero(table[column] > MAX_TIMESTAMP)
        if too_late.size:
            row = int(too_late[0])
            raise InvalidParameterError(
                f"{name}[{column!r}] must be at most {MAX_TIMESTAMP} (2**31 - 1, 19 January "
                f"2038); got {int(table[column][row])} in row {row}."
            )
    window_and_grace = arguments["attribution_window"] + arguments.get("grace", GRACE)
    if window_and_grace > MAX_TIMESTAMP:
        raise InvalidParameterError(
            f"attribution_window + grace must be at most {MAX_TIMESTAMP}; got {window_and_grace}."
        )
    matching = arguments["matching"]
    if matching is None:
        return
    ours, theirs = publisher["id"], np.unique(advertiser["id"])  # the padded customers
    mine, yours = matching.matched_a, matching.matched_b
    if not (
        matching.parties == PARTIES
        and np.all(mine < ours.size)
        and np.all(yours < theirs.size)
        and np.array_equal(ours[mine], theirs[yours])
    ):
        raise InvalidParameterError(
            "matching must come from a run on the same publisher ids and advertiser customers "
            f"(parties {PARTIES}); its {matching.size} pairs do not match these tables' ids."
        )


@dataclass(frozen=True, eq=False)
class LiftResult:
    """What :func:`secure_lift` produced.

    ``metrics`` has the keys of :func:`~privlab.lift.metrics.lift_metrics`;
    ``psi`` is the matching stage (with its own network), ``network`` the
    computation after it; ``dropped_purchases`` counts what :func:`pad_purchases`
    left out; ``noise``, with ``noise_before_opening``, holds each party's own
    draws (``noise[party][group][metric]``), which only that party knows.
    """

    metrics: dict[str, dict[str, int]]
    psi: PSIResult = field(repr=False)
    network: Network = field(repr=False)
    dropped_purchases: int
    noise: dict[str, dict[str, dict[str, int]]] | None = field(default=None, repr=False)

    @property
    def stats(self) -> dict[str, int]:
        """Rounds, messages and bytes of both stages."""
        psi, mpc = self.psi.stats, self.network.stats()
        return {key: psi[key] + mpc[key] for key in psi}


@guard(
    publisher=PUBLISHER,
    advertiser=ADVERTISER,
    attribution_window=whole(low=0),
    grace=whole(low=0),
    max_purchases=SLOTS,
    matching=_psi_or_none,
    noise_before_opening=_noise_settings,
    rng=SECRETS,
    where=_fits_the_protocol,
)
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

    The five stages of the module notes; the result equals
    :func:`~privlab.lift.metrics.lift_metrics` on the purchases :func:`pad_purchases` kept.

    Parameters
    ----------
    publisher, advertiser : dict of str to array
        The two tables (see :mod:`privlab.lift.metrics`); ``attribution_window``,
        ``grace`` and ``max_purchases`` as for :func:`lift_metrics` and :func:`pad_purchases`.
    matching : PSIResult or None
        The ``psi`` of an earlier run on the same two id lists, to skip stage 2.
    noise_before_opening : dict or None
        ``{metric: (epsilon, sensitivity)}`` for some of ``converters``,
        ``conversions`` and ``value``: open only these, each party first adding
        its own discrete Laplace draw to its share
        (:func:`privlab.lift.report.secure_dp_lift`). ``None``: open all 12 totals.
    rng : numpy.random.Generator, int or None
        ``None``: cryptographic. A seed: for lessons and tests only.

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
    >>> result.network.stats()["rounds"]  # the same for any data
    139
    """
    padded = pad_purchases(advertiser, max_purchases)
    _refuse_wrapping_values(padded)
    if matching is None:
        matching = private_intersection(publisher["id"], padded.ids, names=PARTIES, rng=rng)
    mine, theirs = matching.matched_a, matching.matched_b
    network = Network()
    opened, draws = _secure_metrics(
        publisher["test_flag"][mine],
        publisher["opportunity_ts"][mine],
        padded.event_ts[theirs],
        padded.value[theirs],
        padded.present[theirs],
        attribution_window=attribution_window,
        grace=grace,
        network=network,
        rng=rng,
        noise=noise_before_opening,
    )
    sizes = _group_sizes(publisher["test_flag"])  # the publisher's own information
    metrics = {group: {"population": sizes[group], **opened[group]} for group in GROUPS}
    return LiftResult(metrics, matching, network, padded.dropped, draws)


def _group_sizes(test_flag: np.ndarray) -> dict[str, int]:
    return {"test": int(test_flag.sum()), "control": int((~test_flag).sum())}
