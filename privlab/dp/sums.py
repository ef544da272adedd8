"""Sums, means and histograms: bound what one person can add, then add noise.

Each value is clipped into ``[lower, upper]``, fixed in advance (never from the
data), which caps one person's part of a sum at :math:`\\max(|l|, |u|)`: a small
bound cuts large values (bias), a large one needs more noise (:func:`clipping_error`).
A histogram whose categories hold disjoint people costs ε once (parallel
composition). For a real release of a sum use :func:`privlab.dp.exact.exact_clipped_sum`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import COUNTS, POSITIVE, REAL, REALS, RNG, Seed, guard, real_array, whole
from ..errors import InvalidParameterError
from .mechanisms import _scalar_or_array, discrete_laplace_noise, laplace_mechanism

__all__ = ["clip", "clipped_mean", "clipped_sum", "clipping_error", "noisy_histogram"]


def _one_per_person(name: str, value: Any) -> np.ndarray:
    array = real_array(name, value)
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{name} must be a 1-d array (one value per person); got {array.ndim} dimensions."
        )
    return array


def _lower_below_upper(arguments: dict[str, Any]) -> None:
    lower, upper = arguments["lower"], arguments["upper"]
    if not lower < upper:
        raise InvalidParameterError(
            f"upper must be greater than lower; got lower={lower!r}, upper={upper!r}."
        )


def _histogram(name: str, value: Any) -> np.ndarray:
    counts = COUNTS(name, value)
    if counts.ndim != 1 or counts.size == 0:
        raise InvalidParameterError(
            f"{name} must be a non-empty 1-d array of counts; got shape {counts.shape}."
        )
    return counts


# The guard of clipped_sum and clipped_mean.
_clipped_release = guard(
    values=_one_per_person,
    lower=REAL,
    upper=REAL,
    epsilon=POSITIVE,
    rng=RNG,
    where=_lower_below_upper,
)


@guard(values=_one_per_person, lower=REAL, upper=REAL, where=_lower_below_upper)
def clip(values: Any, lower: float, upper: float) -> np.ndarray:
    """Move each value into ``[lower, upper]``: below becomes ``lower``, above becomes ``upper``.

    >>> clip([5, 80, 1200], 0, 200)
    array([  5.,  80., 200.])
    """
    return np.clip(values, lower, upper)


@_clipped_release
def clipped_sum(
    values: Any, lower: float, upper: float, epsilon: float, *, rng: Seed = None
) -> float:
    """An ε-DP sum: clip each value, add them up, add Laplace noise.

    .. math::
        \\tilde S = \\sum_i \\mathrm{clip}(x_i, l, u)
        + \\mathrm{Lap}\\big(\\max(|l|, |u|) / \\varepsilon\\big)

    The bounds must be fixed without looking at the data.

    Examples
    --------
    >>> round(clipped_sum([12.0, 30.0, 900.0], 0, 100, epsilon=1.0, rng=0), 1)
    174.0
    """
    total = np.clip(values, lower, upper).sum()
    return laplace_mechanism(total, max(abs(lower), abs(upper)), epsilon, rng=rng)


@_clipped_release
def clipped_mean(
    values: Any, lower: float, upper: float, epsilon: float, *, rng: Seed = None
) -> float:
    """An ε-DP mean: a noisy clipped sum over a noisy count, each with half the budget.

    .. math:: \\tilde\\mu = \\frac{\\tilde S_{\\varepsilon/2}}{\\max(1, \\tilde n_{\\varepsilon/2})}

    >>> import numpy as np
    >>> values = np.random.default_rng(1).uniform(0, 100, size=5_000)
    >>> round(clipped_mean(values, 0, 100, epsilon=1.0, rng=2), 1)
    49.8
    """
    noisy_total = clipped_sum(values, lower, upper, epsilon / 2, rng=rng)
    noisy_size = values.size + discrete_laplace_noise(epsilon / 2, rng=rng)
    return noisy_total / max(1, noisy_size)


def _above_lower(arguments: dict[str, Any]) -> None:
    uppers, lower = arguments["upper"], arguments["lower"]
    if np.any(uppers <= lower):
        raise InvalidParameterError(
            f"upper must be greater than lower ({lower:g}); got {uppers.min():g}."
        )


@guard(values=_one_per_person, upper=REALS, epsilon=POSITIVE, lower=REAL, where=_above_lower)
def clipping_error(
    values: Any, upper: Any, epsilon: float, *, lower: float = 0.0
) -> tuple[Any, Any]:
    """Bias and noise of :func:`clipped_sum` for one or many upper bounds.

    .. math::
        \\text{bias}(u) = \\sum_i \\mathrm{clip}(x_i, l, u) - \\sum_i x_i, \\qquad
        \\text{noise sd}(u) = \\sqrt{2}\\,\\max(|l|, |u|) / \\varepsilon

    The release's RMS error is :math:`\\sqrt{\\text{bias}^2 + \\text{sd}^2}`.

    >>> bias, sd = clipping_error([10, 20, 500], upper=[100, 1000], epsilon=1.0)
    >>> bias.tolist(), [round(s) for s in sd]
    ([-400.0, 0.0], [141, 1414])
    """
    clipped_totals = np.clip(values[None, :], lower, upper.reshape(-1, 1)).sum(axis=1)
    bias = clipped_totals.reshape(upper.shape) - values.sum()
    noise_sd = math.sqrt(2) * np.maximum(abs(lower), np.abs(upper)) / epsilon
    was_scalar = upper.ndim == 0
    return _scalar_or_array(bias, was_scalar), _scalar_or_array(noise_sd, was_scalar)


@guard(counts=_histogram, epsilon=POSITIVE, contributions=whole(low=1), rng=RNG)
def noisy_histogram(
    counts: Any, epsilon: float, *, contributions: int = 1, rng: Seed = None
) -> np.ndarray:
    """Release a count per category with discrete Laplace noise; ε is spent once.

    A person in at most ``contributions`` categories moves the counts by at most
    that in total, so each gets noise :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k| / c}`.

    Examples
    --------
    >>> noisy_histogram([412, 96, 9], epsilon=1.0, rng=3)
    array([412,  96,  10])
    """
    noise = discrete_laplace_noise(epsilon, size=counts.shape, sensitivity=contributions, rng=rng)
    return counts + noise
