"""Stages 3 to 5 of :mod:`privlab.lift.secure`, on shares: sharing, attribution, totals.

Both parties run every step; here one function plays both. Each local step
(repeating, picking, summing) is applied by each party to its own share;
products and comparisons are the protocols of :mod:`privlab.mpc`, with a
trusted dealer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from privlab.dp.exact import discrete_laplace_exact
from privlab.lift._checks import GROUPS
from privlab.lift.metrics import LIFT_METRICS
from privlab.mpc.additive import AdditiveShare, _derived_id
from privlab.mpc.beaver import Dealer, beaver_multiply, open_shares
from privlab.mpc.compare import _share_input, secure_is_positive
from privlab.mpc.network import Network
from privlab.randomness import SecretRandom

__all__ = ["PARTIES"]

PARTIES = ("publisher", "advertiser")
_ORDER = [(group, metric) for group in GROUPS for metric in LIFT_METRICS[1:]]
"""The opened totals, in order: the publisher adds ``population`` from its own table."""


@dataclass
class _Run:
    """The two parties' computation after the matching: one network, dealer and stream."""

    network: Network
    rng: SecretRandom
    dealer: Dealer = field(default_factory=Dealer)

    def is_positive(self, shares: list[AdditiveShare]) -> list[AdditiveShare]:
        """Shares of 1 where the shared number is > 0, else 0 (a comparison, 65 rounds)."""
        return secure_is_positive(shares, self.dealer, self.network, rng=self.rng, names=PARTIES)

    def multiply(self, pairs: Sequence[tuple[list, list]]) -> list[list[AdditiveShare]]:
        """Beaver products of several pairs of sharings (one shape), in one opening round."""
        left, right = _stack([x for x, _ in pairs]), _stack([y for _, y in pairs])
        products = beaver_multiply(
            left, right, self.dealer, self.network, rng=self.rng, names=PARTIES
        )
        return [
            _locally(products, f"row {row}", lambda v, row=row: v[row]) for row in range(len(pairs))
        ]


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
    """Stages 3 to 5 on matched rows lined up, shapes ``(n,)`` and ``(n, slots)``: the
    opened totals per group, and with ``noise`` (opening only what it names) the draws."""
    run = _Run(network, rng)
    shared = {}  # stage 3: each party shares its columns with the other (one round)
    publisher = {"test_flag": test_flag.astype(np.int64), "opportunity_ts": opportunity_ts}
    advertiser = {"event_ts": event_ts, "value": value, "present": present}
    for owner, columns in enumerate((publisher, advertiser)):
        for column, values in columns.items():
            shared[column] = _share_input(
                values, owner, PARTIES, network, f"share of {column}", rng
            )
    attributed, attributed_value = _attribute(shared, attribution_window, grace, run)
    conversions, value = _per_person(attributed), _per_person(attributed_value)
    totals = dict(
        zip(_ORDER, _group_totals(shared["test_flag"], conversions, value, run), strict=True)
    )
    draws = None
    if noise is not None:
        totals = {(group, metric): totals[group, metric] for group in GROUPS for metric in noise}
        draws = _add_noise(totals, noise, rng)
    label = "totals per group (opened)" if noise is None else "noisy totals per group (opened)"
    opened = open_shares(_stack(list(totals.values())), network, label, names=PARTIES)
    if noise is not None:
        opened = opened.view(np.int64)  # noisy totals may be below 0
    metrics: dict[str, dict[str, int]] = {group: {} for group in GROUPS}
    for (group, metric), total in zip(totals, opened.tolist(), strict=True):
        metrics[group][metric] = int(total)
    return metrics, draws


def _attribute(
    shared: dict[str, list[AdditiveShare]], attribution_window: int, grace: int, run: _Run
) -> list[list[AdditiveShare]]:
    """Stage 4: shares of each slot's attributed purchase (1 or 0) and attributed value."""
    slots = shared["event_ts"][0].shape[1]
    opportunity_ts = _locally(
        shared["opportunity_ts"], f"repeat {slots} times", lambda v: np.repeat(v[:, None], slots, 1)
    )
    after = [e + grace - o for e, o in zip(shared["event_ts"], opportunity_ts, strict=True)]
    room = attribution_window + grace + 1
    before = [room - a for a in after]  # o + window - e + 1, positive iff e <= o + window
    (product,) = run.multiply([(after, before)])
    in_window = run.is_positive(product)
    return run.multiply([(in_window, shared["present"]), (in_window, shared["value"])])


def _group_totals(
    test_flag: list[AdditiveShare],
    conversions: list[AdditiveShare],
    value: list[AdditiveShare],
    run: _Run,
) -> list[list[AdditiveShare]]:
    """Stage 5: shares of the 12 totals (6 metrics per group), in the order of ``_ORDER``."""
    converter = run.is_positive(conversions)
    test_conversions, test_value, test_converters, conversions_squared, value_squared = (
        run.multiply(
            [
                (test_flag, conversions),
                (test_flag, value),
                (test_flag, converter),
                (conversions, conversions),
                (value, value),
            ]
        )
    )
    test_conversions_squared, test_value_squared = run.multiply(
        [(test_flag, conversions_squared), (test_flag, value_squared)]
    )
    matched = test_flag[0].shape[0]  # public: both parties know how many rows matched
    per_metric = [  # (total over all matched people, per person in the test group)
        ([matched, matched], test_flag),
        (_totals(converter), test_converters),
        (_totals(conversions), test_conversions),
        (_totals(value), test_value),
        (_totals(value_squared), test_value_squared),
        (_totals(conversions_squared), test_conversions_squared),
    ]
    test_totals = [_totals(in_test) for _, in_test in per_metric]
    # control = everyone - test; for a public total (matched), party 0 alone subtracts
    control_totals = [
        [total - test for total, test in zip(everyone, in_test, strict=True)]
        for (everyone, _), in_test in zip(per_metric, test_totals, strict=True)
    ]
    return test_totals + control_totals


def _add_noise(
    totals: dict[tuple[str, str], list[AdditiveShare]],
    noise: Mapping[str, tuple[float, int]],
    rng: SecretRandom,
) -> dict[str, dict[str, dict[str, int]]]:
    """Each party adds its own exact discrete Laplace draw to its share of each total.

    A party knows its own draw, so it learns the true total plus the *other*
    party's draw: epsilon-DP against each party, and against any reader.
    """
    noise_rng = rng.generator()  # ChaCha20 keyed by the protocol's stream: cryptographic noise
    draws: dict[str, dict[str, dict[str, int]]] = {
        party: {group: {} for group in GROUPS} for party in PARTIES
    }
    for index, party in enumerate(PARTIES):
        for (group, metric), sharing in totals.items():
            epsilon, sensitivity = noise[metric]
            draw = discrete_laplace_exact(Fraction(sensitivity) / Fraction(epsilon), rng=noise_rng)
            draws[party][group][metric] = draw
            own = sharing[index]
            noisy = (own.value + np.array(draw, dtype=np.int64).astype(np.uint64)).astype(np.uint64)
            sharing[index] = AdditiveShare(index, 2, noisy, own.sharing_id)
    return draws


# --------------------------------------------------------------------------
# Local steps on shares: each party does the same to its own share
# --------------------------------------------------------------------------


def _locally(shares: Sequence[AdditiveShare], operation: str, step: Any) -> list[AdditiveShare]:
    """Each party applies ``step`` to its own share's array (a local step, no messages).

    Only steps that commute with adding up the shares: repeating, picking, summing.
    """
    return [
        AdditiveShare(
            share.party, share.parties, step(share.value), _derived_id(operation, share.sharing_id)
        )
        for share in shares
    ]


def _per_person(shares: Sequence[AdditiveShare]) -> list[AdditiveShare]:
    """Shares of each person's total over their purchase slots (sums wrap modulo 2^64)."""
    return _locally(shares, "sum per person", lambda v: np.sum(v, axis=1, dtype=np.uint64))


def _totals(shares: Sequence[AdditiveShare]) -> list[AdditiveShare]:
    """Shares of the sum over all people (a local step)."""
    return [share.sum() for share in shares]


def _stack(sharings: Sequence[Sequence[AdditiveShare]]) -> list[AdditiveShare]:
    """Several sharings of one shape as one sharing, so one protocol call handles them all."""
    operation = "stack " + " ".join(sharing[0].sharing_id for sharing in sharings)
    stacked = []
    for party in (0, 1):
        values = np.stack([sharing[party].value for sharing in sharings])
        stacked.append(AdditiveShare(party, 2, values, _derived_id(operation)))
    return stacked
