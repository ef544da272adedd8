"""Sums, means and histograms: bound what one person can add, then add noise.

A count has sensitivity 1 because one person adds at most 1. A *sum* of
purchase values has no natural bound: one customer can spend €10 or €10,000.
So each value is first *clipped* into a range ``[lower, upper]`` chosen in
advance from domain knowledge, which caps one person's contribution at
:math:`\\max(|\\text{lower}|, |\\text{upper}|)`; that is the sensitivity of the
clipped sum when one person joins or leaves.

The bound trades two errors: a small bound cuts large values (bias), a large
bound needs more noise. :func:`clipping_error` gives both. A bound taken from
the data itself (say the largest value) is *not* allowed: the bound then
depends on one person, and the release stops being DP.

A histogram (a count per category) where each person is in one category costs
ε once, not ε per category: the categories hold disjoint people (*parallel
composition*).

The noise here comes from numpy's fast samplers, as in :mod:`privlab.dp.mechanisms`.
:func:`clipped_sum` and the sum in :func:`clipped_mean` add *floating-point*
Laplace noise, the kind whose lowest bits can give the input away (Mironov
2012; :func:`privlab.dp.exact.float_leak`): right for simulations and charts.
For a real release of a sum, count in whole units (cents, not euros) and use
:func:`privlab.dp.exact.exact_clipped_sum`, whose noise is drawn exactly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError
from .mechanisms import _scalar_or_array, discrete_laplace_noise, laplace_mechanism

__all__ = [
    "clip",
    "clipped_mean",
    "clipped_sum",
    "clipping_error",
    "noisy_histogram",
    "sum_sensitivity",
]


def _bounds(lower: float, upper: float) -> tuple[float, float]:
    lower = check.real_number("lower", lower)
    upper = check.real_number("upper", upper)
    if not lower < upper:
        raise InvalidParameterError(
            f"upper must be greater than lower; got lower={lower!r}, upper={upper!r}."
        )
    return lower, upper


def _values(values: Any) -> np.ndarray:
    array = check.real_array("values", values)
    if array.ndim != 1:
        raise InvalidParameterError(
            f"values must be a 1-d array (one value per person); got {array.ndim} dimensions."
        )
    return array


def sum_sensitivity(lower: float, upper: float) -> float:
    """How much one person can change a sum of values clipped to ``[lower, upper]``.

    .. math:: \\Delta = \\max(|\\text{lower}|, |\\text{upper}|)

    (one person joining or leaving adds or removes one clipped value).

    Examples
    --------
    >>> sum_sensitivity(0, 200)
    200.0
    >>> sum_sensitivity(-50, 20)
    50.0
    """
    lower, upper = _bounds(lower, upper)
    return max(abs(lower), abs(upper))


def clip(values: Any, lower: float, upper: float) -> np.ndarray:
    """Move each value into ``[lower, upper]``: below becomes ``lower``, above becomes ``upper``.

    Examples
    --------
    >>> clip([5, 80, 1200], 0, 200)
    array([  5.,  80., 200.])
    """
    lower, upper = _bounds(lower, upper)
    return np.clip(_values(values), lower, upper)


def clipped_sum(
    values: Any,
    lower: float,
    upper: float,
    epsilon: float,
    *,
    rng: np.random.Generator | int | None = None,
) -> float:
    """An ε-DP sum: clip each value, add them up, add Laplace noise.

    .. math::
        \\tilde S = \\sum_i \\mathrm{clip}(x_i, l, u)
        + \\mathrm{Lap}\\big(\\max(|l|, |u|) / \\varepsilon\\big)

    The bounds must be fixed without looking at the data. The noise is a
    floating-point Laplace draw, which can leak through its lowest bits
    (Mironov 2012): for a real release of whole numbers (cents) use
    :func:`privlab.dp.exact.exact_clipped_sum`.

    Examples
    --------
    >>> round(clipped_sum([12.0, 30.0, 900.0], 0, 100, epsilon=1.0, rng=0), 1)
    174.0
    """
    clipped = clip(values, lower, upper)
    sensitivity = sum_sensitivity(lower, upper)
    return laplace_mechanism(float(clipped.sum()), sensitivity, epsilon, rng=rng)


def clipped_mean(
    values: Any,
    lower: float,
    upper: float,
    epsilon: float,
    *,
    rng: np.random.Generator | int | None = None,
) -> float:
    """An ε-DP mean: a noisy clipped sum over a noisy count, each with half the budget.

    .. math:: \\tilde\\mu = \\frac{\\tilde S_{\\varepsilon/2}}{\\max(1, \\tilde n_{\\varepsilon/2})}

    The count is released too (it is not public), so the two halves of ε
    add up to ε by sequential composition.

    Examples
    --------
    >>> import numpy as np
    >>> values = np.random.default_rng(1).uniform(0, 100, size=5_000)
    >>> round(clipped_mean(values, 0, 100, epsilon=1.0, rng=2), 1)
    49.8
    """
    clipped = clip(values, lower, upper)
    epsilon = check.positive_number("epsilon", epsilon)
    generator = check.rng(rng)
    half = epsilon / 2
    noisy_total = laplace_mechanism(
        float(clipped.sum()), sum_sensitivity(lower, upper), half, rng=generator
    )
    noisy_size = clipped.size + discrete_laplace_noise(half, rng=generator)
    return noisy_total / max(1, noisy_size)


def clipping_error(
    values: Any, upper: Any, epsilon: float, *, lower: float = 0.0
) -> tuple[Any, Any]:
    """Bias and noise of :func:`clipped_sum` for one or many upper bounds.

    .. math::
        \\text{bias}(u) = \\sum_i \\mathrm{clip}(x_i, l, u) - \\sum_i x_i, \\qquad
        \\text{noise sd}(u) = \\sqrt{2}\\,\\max(|l|, |u|) / \\varepsilon

    The root-mean-square error of the release is
    :math:`\\sqrt{\\text{bias}^2 + \\text{sd}^2}`: the best bound balances the two.

    Returns
    -------
    bias, noise_sd : float or numpy.ndarray
        Of the same shape as ``upper``. The bias is <= 0 when ``lower`` is 0.

    Examples
    --------
    >>> bias, sd = clipping_error([10, 20, 500], upper=[100, 1000], epsilon=1.0)
    >>> bias.tolist(), [round(s) for s in sd]
    ([-400.0, 0.0], [141, 1414])
    """
    data = _values(values)
    uppers = check.real_array("upper", upper)
    was_scalar = uppers.ndim == 0
    lower = check.real_number("lower", lower)
    if np.any(uppers <= lower):
        raise InvalidParameterError(
            f"upper must be greater than lower ({lower:g}); got {uppers.min():g}."
        )
    epsilon = check.positive_number("epsilon", epsilon)
    clipped_totals = np.clip(data[None, :], lower, uppers.reshape(-1, 1)).sum(axis=1)
    bias = clipped_totals.reshape(uppers.shape) - data.sum()
    noise_sd = math.sqrt(2) * np.maximum(abs(lower), np.abs(uppers)) / epsilon
    return _scalar_or_array(bias, was_scalar), _scalar_or_array(noise_sd, was_scalar)


def noisy_histogram(
    counts: Any,
    epsilon: float,
    *,
    contributions: int = 1,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Release a count per category with discrete Laplace noise; ε is spent once.

    If each person appears in at most ``contributions`` categories (once in
    each), one person changes the vector of counts by at most ``contributions``
    in total (its L1 sensitivity), so each count gets noise with
    :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k| / \\text{contributions}}`.
    With ``contributions=1`` (each person in one category) the whole histogram
    costs ε, however many categories it has: parallel composition.

    Examples
    --------
    >>> noisy_histogram([412, 96, 9], epsilon=1.0, rng=3)
    array([412,  96,  10])
    """
    counts = check.count_array("counts", counts)
    if counts.ndim != 1 or counts.size == 0:
        raise InvalidParameterError(
            f"counts must be a non-empty 1-d array of counts; got shape {counts.shape}."
        )
    contributions = check.integer("contributions", contributions, low=1)
    noise = discrete_laplace_noise(epsilon, size=counts.shape, sensitivity=contributions, rng=rng)
    return counts + noise
