"""Federated averaging: train on every device, average the updates on the server.

Federated averaging (FedAvg; McMahan, Moore, Ramage, Hampson and Agüera y
Arcas, AISTATS 2017) repeats rounds of four steps:

1. the server picks a share ``fraction`` of the devices and sends them the
   current model :math:`\\theta`;
2. each picked device runs ``local_epochs`` epochs of stochastic gradient
   descent (:func:`local_sgd`) on its own examples and gets :math:`\\theta_k`;
3. each device sends its **update** :math:`\\Delta_k = \\theta_k - \\theta`
   and its number of examples :math:`n_k` (a device that drops out sends nothing);
4. the server averages the updates it received, weighted by examples:

.. math:: \\theta \\leftarrow \\theta + \\sum_k \\frac{n_k}{\\sum_j n_j} \\Delta_k .

The images never leave the devices; the updates do, and
:class:`FedAvgResult` keeps every one the server received, because lesson 05
shows what they give away (:mod:`privlab.fl.attacks`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError
from ..randomness import secret_random
from .dp import clip_update, dp_fedavg_average
from .model import SIZE, _examples, accuracy, gradients, initial_parameters

MAX_ROUNDS = 10_000
MAX_EPOCHS = 1_000
MAX_LEARNING_RATE = 100.0  # a larger step only diverges

__all__ = ["FedAvgResult", "Round", "SecureWeightedMean", "fedavg", "local_sgd", "weighted_mean"]


def local_sgd(
    theta: Any,
    images: Any,
    labels: Any,
    *,
    epochs: int = 1,
    learning_rate: float = 0.5,
    batch_size: int = 10,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Mini-batch stochastic gradient descent on one device's examples.

    Each epoch shuffles the examples and, batch by batch, steps
    :math:`\\theta \\leftarrow \\theta - \\eta \\nabla L_\\text{batch}(\\theta)`.

    Parameters
    ----------
    theta : array
        Starting parameters (see :mod:`privlab.fl.model`).
    images, labels : array
        The device's examples, ``(n, 64)`` and ``(n,)``.
    epochs : int
        Passes over the examples, >= 1.
    learning_rate : float
        Step size :math:`\\eta`, > 0.
    batch_size : int
        Examples per step, >= 1 (the last batch of an epoch may be smaller).
    rng : numpy.random.Generator, int or None
        Shuffling; a seed for lessons and tests.

    Returns
    -------
    numpy.ndarray
        The trained parameters (``theta`` itself is not changed).

    Examples
    --------
    >>> from privlab.fl.digits import load_digits
    >>> from privlab.fl.model import accuracy, initial_parameters
    >>> images, labels = load_digits()
    >>> theta = local_sgd(initial_parameters(), images, labels, epochs=3, rng=0)
    >>> round(accuracy(theta, images, labels), 2)
    0.97
    """
    theta = check.real_array("theta", theta)
    if theta.shape != (SIZE,):
        raise InvalidParameterError(f"theta must have shape ({SIZE},); got {theta.shape}.")
    images, labels = _examples(images, labels)
    return _local_sgd(
        theta,
        images,
        labels,
        check.integer("epochs", epochs, low=1, high=MAX_EPOCHS),
        check.positive_number("learning_rate", learning_rate, high=MAX_LEARNING_RATE),
        check.integer("batch_size", batch_size, low=1),
        check.rng(rng),
    )


def _local_sgd(
    theta: np.ndarray,
    images: np.ndarray,
    labels: np.ndarray,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    generator: np.random.Generator,
) -> np.ndarray:
    theta = theta.copy()
    for _epoch in range(epochs):
        order = generator.permutation(labels.size)
        for start in range(0, labels.size, batch_size):
            batch = order[start : start + batch_size]
            theta -= learning_rate * gradients(theta, images[batch], labels[batch])
    return theta


@dataclass(frozen=True, eq=False)
class Round:
    """One round of :func:`fedavg`, as the server saw it.

    Parameters
    ----------
    number : int
        From 1.
    picked : tuple of int
        Devices the server asked.
    updates : dict of int to numpy.ndarray
        What each device that finished computed, :math:`\\theta_k - \\theta`, and sent
        (clipped, in DP-FedAvg). With secure aggregation the server never sees
        these: it receives ``masked`` instead.
    examples : dict of int to int
        Each finishing device's number of examples, :math:`n_k` (sent with the update).
    accuracy : float or None
        Test accuracy of the model after the round, if test data were given.
    """

    number: int
    picked: tuple[int, ...]
    updates: dict[int, np.ndarray] = field(repr=False)
    examples: dict[int, int] = field(repr=False)
    accuracy: float | None
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


Aggregator = Callable[[dict[int, np.ndarray], dict[int, int]], np.ndarray]


def weighted_mean(updates: dict[int, np.ndarray], examples: dict[int, int]) -> np.ndarray:
    """FedAvg's server step: the mean of the updates, weighted by examples."""
    if not isinstance(updates, dict) or not updates:
        raise InvalidParameterError(
            f"updates must be a non-empty dict of device -> update; got {updates!r:.60}."
        )
    if not isinstance(examples, dict) or examples.keys() != updates.keys():
        raise InvalidParameterError(
            f"examples must be a dict with the same devices as updates ({sorted(updates)}); "
            f"got {examples!r:.60}."
        )
    arrays = {device: check.real_array(f"updates[{device}]", u) for device, u in updates.items()}
    if len({a.shape for a in arrays.values()}) != 1:
        raise InvalidParameterError("updates must all have one shape.")
    counts = {
        device: check.integer(f"examples[{device}]", n, low=1) for device, n in examples.items()
    }
    return _weighted_mean(arrays, counts)


def _weighted_mean(updates: dict[int, np.ndarray], examples: dict[int, int]) -> np.ndarray:
    total = sum(examples.values())
    return sum(examples[device] / total * update for device, update in updates.items())


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
    aggregate: Aggregator | None = None,
    progress: Callable[[int, int], None] | None = None,
    rng: np.random.Generator | int | None = None,
) -> FedAvgResult:
    """Train softmax regression by federated averaging over devices.

    Parameters
    ----------
    images, labels : array
        All examples, ``(n, 64)`` and ``(n,)``; each device sees only its rows.
    parts : sequence of arrays of int
        Each device's row numbers (from :func:`~privlab.fl.digits.split_iid` or
        :func:`~privlab.fl.digits.split_dirichlet`).
    rounds : int
        Rounds of training, >= 1.
    fraction : float
        Share of devices picked each round, in (0, 1]; at least one device.
    local_epochs, learning_rate, batch_size
        Each device's :func:`local_sgd` settings.
    dropout : float
        Chance that a picked device drops out before sending, in [0, 1). A
        round in which every picked device drops leaves the model unchanged.
    test : (images, labels), optional
        Held-out examples to measure accuracy after each round.
    clip_norm : float, optional
        DP-FedAvg (McMahan et al. 2018, :mod:`privlab.fl.dp`): each device clips
        its update to this L2 norm before sending, the server picks each device
        independently with probability ``fraction`` (Poisson sampling, as the
        accountant assumes), adds Gaussian noise of standard deviation
        ``noise_multiplier * clip_norm`` to the sum and divides by the expected
        number of devices, ``fraction`` times their number. The updates in the
        record are then the clipped ones the server received.
    noise_multiplier : float
        ``z`` of DP-FedAvg, >= 0 (only with ``clip_norm``). Its privacy:
        :func:`privlab.fl.dp.dp_fedavg_epsilon`.
    aggregate : callable, optional
        ``aggregate(updates, examples)`` returns the server's step; the default
        is the weighted mean. Secure aggregation and DP-FedAvg replace it.
    progress : callable, optional
        Called as ``progress(round, rounds)`` after each round (for a progress bar).
    rng : numpy.random.Generator, int or None
        Picking, dropouts and shuffling; a seed for lessons and tests. With one
        device, ``fraction=1`` and no dropout, only the shuffling draws from it,
        so the result equals :func:`local_sgd` for ``rounds * local_epochs``
        epochs with the same seed (centralised training).

    Returns
    -------
    FedAvgResult
        ``theta``, ``rounds`` (with every update received) and ``accuracies``.

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
    images, labels = _examples(images, labels)
    parts = _check_parts(parts, labels.size)
    rounds = check.integer("rounds", rounds, low=1, high=MAX_ROUNDS)
    local_epochs = check.integer("local_epochs", local_epochs, low=1, high=MAX_EPOCHS)
    learning_rate = check.positive_number("learning_rate", learning_rate, high=MAX_LEARNING_RATE)
    batch_size = check.integer("batch_size", batch_size, low=1)
    fraction = check.unit_interval("fraction", fraction, include_one=True)
    dropout = check.unit_interval("dropout", dropout, include_zero=True)
    if test is not None and (not isinstance(test, (tuple, list)) or len(test) != 2):
        raise InvalidParameterError(f"test must be a pair (images, labels); got {test!r:.60}.")
    if test is not None:
        test = _examples(*test)
    for name, function in (("aggregate", aggregate), ("progress", progress)):
        if function is not None and not callable(function):
            raise InvalidParameterError(f"{name} must be None or a function; got {function!r}.")
    noise_multiplier = check.real_number("noise_multiplier", noise_multiplier)
    if noise_multiplier < 0:
        raise InvalidParameterError(
            f"noise_multiplier must be a number >= 0; got {noise_multiplier!r}."
        )
    generator = check.rng(rng)
    devices = len(parts)
    per_round = max(1, round(fraction * devices))
    private = clip_norm is not None
    if private:
        clip_norm = check.positive_number("clip_norm", clip_norm)
        if aggregate is not None:
            raise InvalidParameterError(
                "aggregate must be None with clip_norm: DP-FedAvg has its own server step."
            )
        aggregate = _dp_step(clip_norm, noise_multiplier, fraction * devices, generator)
    elif noise_multiplier:
        raise InvalidParameterError(
            f"noise_multiplier needs clip_norm (noise is scaled to it); got {noise_multiplier!r} "
            "without clip_norm."
        )
    step = aggregate or _weighted_mean
    theta = initial_parameters()
    history = []
    for number in range(1, rounds + 1):
        if private:  # Poisson sampling: each device on its own coin
            picked = np.flatnonzero(generator.random(devices) < fraction)
        elif per_round == devices:
            picked = np.arange(devices)
        else:
            picked = np.sort(generator.choice(devices, per_round, replace=False))
        finished = picked if dropout == 0 else picked[generator.random(picked.size) >= dropout]
        updates, examples = {}, {}
        for device in finished.tolist():
            rows = parts[device]
            local = _local_sgd(
                theta,
                images[rows],
                labels[rows],
                local_epochs,
                learning_rate,
                batch_size,
                generator,
            )
            updates[device] = local - theta
            if private:  # the device clips before sending
                updates[device] = clip_update(updates[device], clip_norm)
            examples[device] = int(rows.size)
        if updates or private:  # DP-FedAvg releases noise even in an empty round
            theta = theta + step(updates, examples)
        score = None if test is None else accuracy(theta, test[0], test[1])
        last = getattr(step, "last_result", None)
        masked = dict(last.masked) if last is not None and updates else None
        history.append(Round(number, tuple(picked.tolist()), updates, examples, score, masked))
        if progress is not None:
            progress(number, rounds)
    return FedAvgResult(theta, tuple(history))


class SecureWeightedMean:
    """FedAvg's server step through secure aggregation (:mod:`privlab.fl.secagg`).

    Each device sends :math:`n_k \\Delta_k` and :math:`n_k` in one masked
    vector; the server learns only their sums, :math:`\\sum_k n_k \\Delta_k` and
    :math:`\\sum_k n_k`, and divides. The result equals :func:`weighted_mean` up
    to the fixed-point rounding (:math:`2^{-16}` per device and entry).
    ``last_result`` keeps the last round's
    :class:`~privlab.fl.secagg.SecAggResult` (what the server saw).

    Parameters
    ----------
    threshold_share : float
        The Shamir threshold as a share of the round's devices, in (0, 1]:
        ``threshold = max(2, ceil(share * n))``. Default: a majority.
    rng : numpy.random.Generator, int or None
        Keys the protocol's stream of secrets (:class:`~privlab.randomness.SecretRandom`):
        ``None``, the operating system; a seed, reproducible runs for lessons.
        Use a seed of its own, not the Generator that picks the devices: the
        server sees those draws.

    Examples
    --------
    >>> step = SecureWeightedMean(rng=0)
    >>> updates = {0: np.array([1.0, -2.0]), 1: np.array([3.0, 0.5])}
    >>> step(updates, {0: 1, 1: 3}).tolist()
    [2.5, -0.125]
    >>> step.last_result.masked[0].dtype
    dtype('uint64')
    """

    def __init__(
        self, threshold_share: float = 0.51, rng: np.random.Generator | int | None = None
    ) -> None:
        self.threshold_share = check.unit_interval(
            "threshold_share", threshold_share, include_one=True
        )
        self.secrets = secret_random(rng)
        self.last_result: Any = None

    def __call__(self, updates: dict[int, np.ndarray], examples: dict[int, int]) -> np.ndarray:
        from .secagg import secure_aggregate  # PyNaCl, loaded when secure aggregation is used

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
) -> Aggregator:
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


def _check_parts(parts: Any, examples: int) -> list[np.ndarray]:
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence) or not parts:
        raise InvalidParameterError(
            "parts must be a non-empty list of row-number arrays, one per device; "
            f"got {type(parts).__name__}."
        )
    checked = []
    for device, part in enumerate(parts):
        rows = check.integer_array(f"parts[{device}]", part)
        if rows.ndim != 1 or rows.size == 0:
            raise InvalidParameterError(
                f"parts[{device}] must be a non-empty 1-d array of row numbers; got shape "
                f"{rows.shape}."
            )
        if rows.min() < 0 or rows.max() >= examples:
            raise InvalidParameterError(
                f"parts[{device}] must hold row numbers from 0 to {examples - 1}; got "
                f"{int(rows.min())} to {int(rows.max())}."
            )
        checked.append(rows)
    return checked
