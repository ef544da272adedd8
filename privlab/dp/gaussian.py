"""The Gaussian mechanism: normal noise sized to the L2 sensitivity, for (epsilon, delta)-DP.

Noise grows with the L2 sensitivity of the whole vector, so many answers at once
need far less noise than with Laplace. :func:`classic_gaussian_sigma` is the
textbook level (Dwork and Roth 2014), :func:`gaussian_delta` and
:func:`gaussian_epsilon` the exact trade-off and :func:`analytic_gaussian_sigma` the
least noise for any epsilon (Balle and Wang 2018). Only the ratio
:math:`\\mu = \\Delta_2 / \\sigma` matters for privacy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import POSITIVE, PROBABILITY, REALS, RNG, Seed, guard, positive, real_array
from ..errors import InvalidParameterError
from .mechanisms import _scalar_or_array

__all__ = [
    "analytic_gaussian_sigma",
    "classic_gaussian_sigma",
    "gaussian_delta",
    "gaussian_epsilon",
    "gaussian_mechanism",
    "l1_sensitivity",
    "l2_sensitivity",
]

MAX_EPSILON = 1000.0  # e**1000: no privacy left, and beyond it the search for sigma would not end
_BISECTION_STEPS = 64  # halves a bracket to 2**-64 of its width: below float precision
_LEFT_TAIL = -30.0  # below this, log Phi(x) comes from its asymptotic series
_erfc = np.frompyfunc(math.erfc, 1, 1)  # math.erfc on every entry of an array


def _shown(value: Any, array: np.ndarray) -> str:
    return repr(value) if array.ndim == 0 else f"an array of shape {array.shape}"


def _delta_array(name: str, value: Any) -> np.ndarray:
    array = real_array(name, value)
    if not np.all((array > 0) & (array < 1)):
        raise InvalidParameterError(
            f"{name} must be a number strictly between 0 and 1; got {_shown(value, array)}."
        )
    return array


def _nonnegative_array(name: str, value: Any) -> np.ndarray:
    array = real_array(name, value)
    if np.any(array < 0):
        raise InvalidParameterError(f"{name} must be a number >= 0; got {_shown(value, array)}.")
    return array


@guard(value=REALS, sensitivity=POSITIVE, epsilon=positive(MAX_EPSILON), delta=PROBABILITY, rng=RNG)
def gaussian_mechanism(
    value: Any, sensitivity: float, epsilon: float, delta: float, *, rng: Seed = None
) -> Any:
    """Release ``value`` with normal noise of the analytic noise level.

    .. math:: M(x) = x + N(0, \\sigma^2 I)

    with :func:`analytic_gaussian_sigma`; ``sensitivity`` is the L2 sensitivity of ``value``.

    >>> round(gaussian_mechanism(118, sensitivity=1, epsilon=1.0, delta=1e-6, rng=7), 2)
    118.01
    """
    sigma = analytic_gaussian_sigma(sensitivity, epsilon, delta)
    noisy = value + rng.normal(loc=0.0, scale=sigma, size=value.shape)
    return _scalar_or_array(noisy, value.ndim == 0)


@guard(largest_change=REALS)
def l1_sensitivity(largest_change: Any) -> float:
    """L1 norm of the largest change one person can make: what Laplace noise is sized to.

    .. math:: \\Delta_1 = \\sum_i |f(D)_i - f(D')_i|

    >>> l1_sensitivity([1, 1, 1, 1])
    4.0
    """
    return float(np.sum(np.abs(largest_change)))


@guard(largest_change=REALS)
def l2_sensitivity(largest_change: Any) -> float:
    """L2 norm of the largest change one person can make: what Gaussian noise is sized to.

    .. math:: \\Delta_2 = \\sqrt{\\sum_i (f(D)_i - f(D')_i)^2}

    >>> l2_sensitivity([1, 1, 1, 1])
    2.0
    """
    return float(np.sqrt(np.sum(largest_change * largest_change)))


def _below_one(name: str, value: Any) -> float:
    epsilon = POSITIVE(name, value)
    if epsilon >= 1:
        raise InvalidParameterError(
            f"{name} must be below 1 for the classic Gaussian mechanism (its proof needs "
            f"epsilon < 1; use analytic_gaussian_sigma for any epsilon); got {epsilon!r}."
        )
    return epsilon


@guard(sensitivity=POSITIVE, epsilon=_below_one, delta=PROBABILITY)
def classic_gaussian_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """Noise level of the textbook Gaussian mechanism (Dwork and Roth 2014, Theorem A.1).

    .. math:: \\sigma = \\frac{\\Delta_2 \\sqrt{2 \\ln(1.25 / \\delta)}}{\\varepsilon}

    The proof holds only for :math:`\\varepsilon < 1`; :func:`analytic_gaussian_sigma`
    gives less noise, for every epsilon.

    Parameters
    ----------
    sensitivity : float
        L2 sensitivity :math:`\\Delta_2` of the answer, > 0.
    epsilon : float
        Privacy loss parameter, 0 < epsilon < 1.
    delta : float
        Probability of failure, 0 < delta < 1.

    Examples
    --------
    >>> round(classic_gaussian_sigma(sensitivity=1, epsilon=0.5, delta=1e-5), 3)
    9.69
    """
    return sensitivity * math.sqrt(2 * math.log(1.25 / delta)) / epsilon


def _log_normal_cdf(x: np.ndarray) -> np.ndarray:
    """:math:`\\ln \\Phi(x)`, accurate far into the left tail.

    Below -30 from the series :math:`\\varphi(x)/|x| (1 - x^{-2} + \\dots)`.
    """
    x = np.asarray(x, dtype=float)
    result = np.empty_like(x)
    body = x >= _LEFT_TAIL
    result[body] = np.log(0.5 * _erfc(-x[body] / math.sqrt(2)).astype(float))
    t = -x[~body]
    inv = 1 / (t * t)
    series = 1 + inv * (-1 + inv * (3 + inv * (-15 + inv * (105 - 945 * inv))))
    result[~body] = -t * t / 2 - np.log(t * math.sqrt(2 * math.pi)) + np.log(series)
    return result


def _delta_from_mu(epsilon: Any, mu: Any) -> np.ndarray:
    """Privacy profile for the ratio ``mu = sensitivity / sigma`` (arrays broadcast)."""
    epsilon = np.asarray(epsilon, dtype=float)
    mu = np.asarray(mu, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        log_first = _log_normal_cdf(mu / 2 - epsilon / mu)
        log_second = epsilon + _log_normal_cdf(-mu / 2 - epsilon / mu)  # e^eps never formed
        # first - second = first * (1 - second / first)
        delta = np.exp(log_first) * -np.expm1(log_second - log_first)
    # Where rounding breaks this (absurdly small or large mu), keep the first
    # term alone: it is an upper bound on delta, so the answer stays safe.
    return np.where(np.isfinite(delta) & (delta >= 0), delta, np.exp(log_first))


@guard(epsilon=_nonnegative_array, sensitivity=POSITIVE, sigma=POSITIVE)
def gaussian_delta(epsilon: Any, sensitivity: float, sigma: float) -> Any:
    """Exact delta at each epsilon >= 0 (Balle and Wang 2018), from logarithms: no overflow.

    .. math::
        \\delta = \\Phi\\left(\\frac{\\Delta}{2\\sigma}
        - \\frac{\\varepsilon\\sigma}{\\Delta}\\right)
        - e^{\\varepsilon}\\,\\Phi\\left(-\\frac{\\Delta}{2\\sigma}
        - \\frac{\\varepsilon\\sigma}{\\Delta}\\right)

    >>> gaussian_delta([0.0, 0.5, 1.0], sensitivity=1, sigma=3.0).round(4)
    array([0.1324, 0.0124, 0.0002])
    """
    return _scalar_or_array(_delta_from_mu(epsilon, sensitivity / sigma), epsilon.ndim == 0)


def _epsilon_from_mu(delta: Any, mu: Any) -> np.ndarray:
    """Smallest epsilon with profile <= delta, for ``mu = sensitivity / sigma``, by bisection.

    The privacy loss is :math:`N(\\mu^2/2, \\mu^2)`: past
    :math:`\\mu^2/2 + \\mu\\sqrt{2\\ln(1/\\delta)}` it exceeds eps with chance below delta.
    """
    delta, mu = np.broadcast_arrays(np.asarray(delta, dtype=float), np.asarray(mu, dtype=float))
    low = np.zeros(delta.shape)
    high = mu * mu / 2 + mu * np.sqrt(2 * np.log(1 / delta))
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        private_enough = _delta_from_mu(middle, mu) <= delta
        high = np.where(private_enough, middle, high)
        low = np.where(private_enough, low, middle)
    # `high` always meets the target, so the answer errs on the safe side
    return np.where(_delta_from_mu(0.0, mu) <= delta, 0.0, high)


@guard(delta=_delta_array, sensitivity=POSITIVE, sigma=POSITIVE)
def gaussian_epsilon(delta: Any, sensitivity: float, sigma: float) -> Any:
    """Smallest epsilon at which the Gaussian mechanism is (epsilon, delta)-DP (never too small).

    >>> round(gaussian_epsilon(1e-5, sensitivity=1, sigma=3.0), 4)
    1.2711
    >>> round(gaussian_delta(1.2711, sensitivity=1, sigma=3.0), 7)
    1e-05
    """
    return _scalar_or_array(_epsilon_from_mu(delta, sensitivity / sigma), delta.ndim == 0)


@guard(sensitivity=POSITIVE, epsilon=positive(MAX_EPSILON), delta=PROBABILITY)
def analytic_gaussian_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """Least noise that makes the Gaussian mechanism (epsilon, delta)-DP (Balle and Wang 2018).

    Bisection on :math:`\\mu = \\Delta/\\sigma`, from a ratio that surely works,
    :math:`\\sqrt{z^2 + 2\\varepsilon} - z` with :math:`z = \\sqrt{2 \\ln(1/\\delta)}`,
    doubled until it fails.

    Parameters
    ----------
    sensitivity : float
        L2 sensitivity of the answer, > 0.
    epsilon : float
        Privacy loss parameter, > 0.
    delta : float
        Probability of failure, 0 < delta < 1.

    Examples
    --------
    >>> round(analytic_gaussian_sigma(sensitivity=1, epsilon=0.5, delta=1e-5), 3)
    7.032
    >>> round(analytic_gaussian_sigma(sensitivity=1, epsilon=5.0, delta=1e-5), 3)
    0.892
    """

    def private_enough(mu: float) -> bool:
        return float(_delta_from_mu(epsilon, mu)) <= delta

    z = math.sqrt(2 * math.log(1 / delta))
    safe_mu = 2 * epsilon / (math.sqrt(z * z + 2 * epsilon) + z)  # sqrt(z^2 + 2 eps) - z
    unsafe_mu = 2 * safe_mu
    while private_enough(unsafe_mu):
        safe_mu, unsafe_mu = unsafe_mu, 2 * unsafe_mu
    for _ in range(_BISECTION_STEPS):
        middle = (safe_mu + unsafe_mu) / 2
        if private_enough(middle):
            safe_mu = middle
        else:
            unsafe_mu = middle
    sigma = sensitivity / safe_mu  # the safe end: never less noise than needed
    while not private_enough(sensitivity / sigma):  # unless dividing rounded the wrong way
        sigma = math.nextafter(sigma, math.inf)
    return sigma
