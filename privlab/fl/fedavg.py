"""Federated averaging: train on every device, average the updates on the server.

FedAvg (McMahan, Moore, Ramage, Hampson and Agüera y Arcas, AISTATS 2017) repeats
rounds: the server sends the model :math:`\\theta` to a share of the devices, each
runs :func:`local_sgd` on its own examples and sends its update
:math:`\\Delta_k = \\theta_k - \\theta` and its count :math:`n_k`, and the server steps

.. math:: \\theta \\leftarrow \\theta + \\sum_k \\frac{n_k}{\\sum_j n_j} \\Delta_k .

The images never leave the devices; the updates do, and :class:`FedAvgResult`
keeps every one, because lesson 05 shows what they give away.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._guard import (
    FUNCTION,
    POSITIVE,
    RNG,
    SECRETS,
    TIED,
    WHOLES,
    Seed,
    call_outside,
    fraction,
    guard,
    nonnegative_number,
    optional,
    positive,
    whole,
)
from ..errors import InvalidParameterError
from . import _checks as check
from .dp import clip_update, dp_fedavg_average
from .model import SIZE, _examples, _images, _parameters, accuracy, gradients, initial_parameters

__all__ = ["FedAvgResult", "Round", "SecureWeightedMean", "fedavg", "local_sgd", "weighted_mean"]

_EPOCHS = whole(1, check.MAX_EPOCHS)
_LEARNING_RATE = positive(check.MAX_LEARNING_RATE)


@guard(
    images=_images,
    labels=WHOLES,
    parts=TIED,
    rounds=whole(1, check.MAX_ROUNDS),
    fraction=fraction(include_one=True),
    local_epochs=_EPOCHS,
    learning_rate=_LEARNING_RATE,
    batch_size=whole(1),
    dropout=fraction(include_zero=True),
    test=check.test_pair,
    clip_norm=optional(POSITIVE),
    noise_multiplier=nonnegative_number,
    aggregate=optional(FUNCTION),
    progress=optional(FUNCTION),
    rng=RNG,
    where=check.fedavg_options,
)
def fedavg(
    images: Any,
    labels: Any,
    parts: Sequence[Any],
    *,
    rounds: int = 20,
    fraction: float = 0.1,
    local_epochs: int = 1,
    learning_rate: float = 0.5,
    batch_size: int = 10,
    dropout: float = 0.0,
    test: tuple[Any, Any] | None = None,
    clip_norm: float | None = None,
    noise_multiplier: float = 0.0,
    aggregate: Callable[[dict[int, np.ndarray], dict[int, int]], np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
    rng: Seed = None,
) -> FedAvgResult:
    """Train softmax regression by federated averaging over devices.

    Parameters
    ----------
    images, labels : array
        All examples, ``(n, 64)`` and ``(n,)``; device ``k`` sees only the rows ``parts[k]``.
    rounds, fraction, dropout : int, float, float
        Rounds; share of devices picked each round, in (0, 1] (at least one device);
        chance that a picked device drops out before sending, in [0, 1).
    local_epochs, learning_rate, batch_size
        Each device's :func:`local_sgd` settings.
    test : (images, labels), optional
        Held-out examples to measure accuracy after each round.
    clip_norm, noise_multiplier : float, optional
        DP-FedAvg (:mod:`privlab.fl.dp`): clipped updates, Poisson sampling, and
        Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` on the sum.
    aggregate, progress : callable, optional
        ``aggregate(updates, examples)`` returns the server's step (default: the weighted
        mean); ``progress(round, rounds)`` is called after each round.

    Examples
    --------
    >>> from privlab.fl.digits import load_digits, split_iid, train_test_split
    >>> images, labels = load_digits()
    >>> train, test = train_test_split(labels, rng=0)
    >>> parts = split_iid(labels[train], devices=100, rng=1)
    >>> result = fedavg(images[train], labels[train], parts, rounds=20, fraction=0.1,
    ...                 test=(images[test], labels[test]), rng=2)
    >>> result
    FedAvgResult(20 rounds, test accuracy 0.889)
    >>> len(result.rounds[0].updates), result.rounds[0].updates[result.rounds[0].picked[0]].shape
    (10, (650,))
    """
    devices, private = len(parts), clip_norm is not None
    step = weighted_mean  # ours: called inside, so its guard does not check again each round
    if private:  # DP-FedAvg: its own server step
        step = _dp_step(clip_norm, noise_multiplier, fraction * devices, rng)
    elif aggregate is not None:  # the learner's: its guards check
        step = functools.partial(call_outside, aggregate)
    per_round = max(1, round(fraction * devices))
    training = {"epochs": local_epochs, "learning_rate": learning_rate, "batch_size": batch_size}
    theta = initial_parameters()
    history = []
    for number in range(1, rounds + 1):
        if private:  # Poisson sampling: each device on its own coin
            picked = np.flatnonzero(rng.random(devices) < fraction)
        elif per_round == devices:
            picked = np.arange(devices)
        else:
            picked = np.sort(rng.choice(devices, per_round, replace=False))
        finished = picked if dropout == 0 else picked[rng.random(picked.size) >= dropout]
        updates, examples = {}, {}
        for device in finished.tolist():  # on the device: train, send theta_k - theta
            rows = parts[device]
            local = local_sgd(theta, images[rows], labels[rows], **training, rng=rng)
            updates[device] = clip_update(local - theta, clip_norm) if private else local - theta
            examples[device] = int(rows.size)
        if updates or private:  # on the server (DP-FedAvg releases noise even in an empty round)
            theta = theta + step(updates, examples)
        score = None if test is None else accuracy(theta, test[0], test[1])
        last = getattr(aggregate, "last_result", None)
        masked = dict(last.masked) if last is not None and updates else None
        history.append(Round(number, tuple(picked.tolist()), updates, examples, score, masked))
        if progress is not None:
            call_outside(progress, number, rounds)
    return FedAvgResult(theta, tuple(history))


@guard(
    theta=_parameters,
    images=_images,
    labels=WHOLES,
    epochs=_EPOCHS,
    learning_rate=_LEARNING_RATE,
    batch_size=whole(1),
    rng=RNG,
    where=_examples,
)
def local_sgd(
    theta: Any,
    images: Any,
    labels: Any,
    *,
    epochs: int = 1,
    learning_rate: float = 0.5,
    batch_size: int = 10,
    rng: Seed = None,
) -> np.ndarray:
    """Mini-batch stochastic gradient descent on one device's examples, from ``theta``.

    Each of ``epochs`` passes shuffles the examples and, ``batch_size`` at a time, steps
    :math:`\\theta \\leftarrow \\theta - \\eta \\nabla L_\\text{batch}(\\theta)` (on a copy).

    >>> from privlab.fl.digits import load_digits
    >>> from privlab.fl.model import accuracy, initial_parameters
    >>> images, labels = load_digits()
    >>> theta = local_sgd(initial_parameters(), images, labels, epochs=3, rng=0)
    >>> round(accuracy(theta, images, labels), 2)
    0.97
    """
    theta = theta.copy()
    for _epoch in range(epochs):
        order = rng.permutation(labels.size)
        for start in range(0, labels.size, batch_size):
            batch = order[start : start + batch_size]
            theta -= learning_rate * gradients(theta, images[batch], labels[batch])
    return theta


@dataclass(frozen=True, eq=False)
class Round:
    """One round of :func:`fedavg`: ``updates`` holds what each device that finished sent,
    :math:`\\theta_k - \\theta` (clipped in DP-FedAvg; with secure aggregation the server
    sees only ``masked``)."""

    number: int  # from 1
    picked: tuple[int, ...]  # the devices the server asked
    updates: dict[int, np.ndarray] = field(repr=False)
    examples: dict[int, int] = field(repr=False)  # n_k, sent with each update
    accuracy: float | None  # on the test data after the round, if given
    masked: dict[int, np.ndarray] | None = field(default=None, repr=False)

    @property
    def dropped(self) -> tuple[int, ...]:
        """Devices that were asked but sent nothing."""
        return tuple(device for device in self.picked if device not in self.updates)


@dataclass(frozen=True, eq=False)
class FedAvgResult:
    """The trained model and every round of :func:`fedavg`."""

    theta: np.ndarray = field(repr=False)
    rounds: tuple[Round, ...] = field(repr=False)

    @property
    def accuracies(self) -> np.ndarray:
        """Test accuracy after each round (NaN where no test data were given)."""
        return np.array([np.nan if r.accuracy is None else r.accuracy for r in self.rounds])

    def __repr__(self) -> str:
        last = self.rounds[-1].accuracy if self.rounds else None
        shown = "" if last is None else f", test accuracy {last:.3f}"
        return f"FedAvgResult({len(self.rounds)} rounds{shown})"


@guard(updates=check.device_updates(1), examples=TIED, where=check.examples_of_updates)
def weighted_mean(updates: dict[int, np.ndarray], examples: dict[int, int]) -> np.ndarray:
    """FedAvg's server step: the mean of the updates, weighted by examples.

    .. math:: \\sum_k \\frac{n_k}{\\sum_j n_j} \\Delta_k

    >>> weighted_mean({0: np.ones(2), 1: np.zeros(2)}, {0: 3, 1: 1})
    array([0.75, 0.75])
    """
    total = sum(examples.values())
    return sum(examples[device] / total * update for device, update in updates.items())


class SecureWeightedMean:
    """FedAvg's server step through secure aggregation (:mod:`privlab.fl.secagg`).

    Each device sends :math:`n_k \\Delta_k` and :math:`n_k` in one masked vector; the
    server learns only their sums and divides (:func:`weighted_mean` up to fixed-point
    rounding). ``threshold_share``: the Shamir threshold as a share of the round's
    devices; ``rng`` keys the protocol's secrets (not the Generator that picks the
    devices: the server sees those draws). ``last_result``: the last
    :class:`~privlab.fl.secagg.SecAggResult`.

    >>> step = SecureWeightedMean(rng=0)
    >>> updates = {0: np.array([1.0, -2.0]), 1: np.array([3.0, 0.5])}
    >>> step(updates, {0: 1, 1: 3}).tolist()
    [2.5, -0.125]
    >>> step.last_result.masked[0].dtype
    dtype('uint64')
    """

    @guard(threshold_share=fraction(include_one=True), rng=SECRETS)
    def __init__(self, threshold_share: float = 0.51, rng: Seed = None) -> None:
        self.threshold_share = threshold_share
        self.secrets = rng
        self.last_result: Any = None

    def __call__(self, updates: dict[int, np.ndarray], examples: dict[int, int]) -> np.ndarray:
        from .secagg_protocol import secure_aggregate  # PyNaCl: loaded when it is used

        if len(updates) < 2:
            raise InvalidParameterError(
                "secure aggregation needs at least 2 devices in a round (a sum of one is that "
                f"device's update); got {len(updates)}. Pick more devices per round."
            )
        rows = {
            device: np.append(examples[device] * u, examples[device])
            for device, u in updates.items()
        }
        threshold = max(2, math.ceil(self.threshold_share * len(rows)))
        result = secure_aggregate(rows, threshold=threshold, bits=64, rng=self.secrets)
        self.last_result = result
        return result.total[:-1] / result.total[-1]


def _dp_step(
    clip_norm: float, noise_multiplier: float, expected: float, rng: np.random.Generator
) -> Callable[[dict[int, np.ndarray], dict[int, int]], np.ndarray]:
    """DP-FedAvg's server step: the noisy sum of clipped updates over the expected count."""

    def step(updates: dict[int, np.ndarray], _examples: dict[int, int]) -> np.ndarray:
        rows = np.array(list(updates.values())) if updates else np.zeros((0, SIZE))
        if noise_multiplier == 0:  # clipping only: no privacy guarantee, for comparison
            return rows.sum(axis=0) / expected
        return dp_fedavg_average(
            rows,
            clip_norm=clip_norm,
            noise_multiplier=noise_multiplier,
            expected_devices=expected,
            rng=rng,
        )

    return step
