"""Composition: how much privacy is left after many noisy releases.

:func:`basic_composition` adds the epsilons; :func:`advanced_composition` grows
like :math:`\\sqrt{k}` (Dwork, Rothblum and Vadhan 2010); Renyi DP (Mironov 2017)
and zero-concentrated DP (Bun and Steinke 2016) add a quantity per release and
convert to (epsilon, delta) once. For ``k`` Gaussian releases of noise
:math:`\\sigma` the truth is one release of noise :math:`\\sigma / \\sqrt{k}`:
:func:`composition_curves` puts every accountant next to it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import POSITIVE, PROBABILITY, fraction, guard, integer_array, real_array, whole
from ..errors import InvalidParameterError
from .gaussian import _epsilon_from_mu, _nonnegative_array, _shown
from .mechanisms import _scalar_or_array

__all__ = [
    "RDP_ORDERS",
    "advanced_composition",
    "basic_composition",
    "composition_curves",
    "gaussian_rdp",
    "gaussian_zcdp",
    "rdp_to_dp",
    "zcdp_to_dp",
]

#: Renyi orders tried by :func:`composition_curves`: 1.01 to 10,001, evenly spaced
#: on a log scale. Few releases with much noise want a large order; many want one near 1.
RDP_ORDERS = 1 + np.geomspace(0.01, 10_000, 400)

_RDP_CONVERSIONS = ("mironov", "improved")
_MAX_RATIO = 1e6  # sensitivity / sigma: a million standard deviations leaves no privacy


def _epsilons(name: str, value: Any) -> np.ndarray:
    array = _nonnegative_array(name, value)
    if array.ndim > 1 or array.size == 0:
        raise InvalidParameterError(
            f"{name} must be a number or a non-empty 1-d array; got {_shown(value, array)}."
        )
    return array


def _deltas(name: str, value: Any) -> np.ndarray:
    array = real_array(name, value)
    if np.any((array < 0) | (array > 1)):
        raise InvalidParameterError(
            f"{name} must be numbers from 0 to 1; got {_shown(value, array)}."
        )
    return array


def _one_delta_or_one_each(arguments: dict[str, Any]) -> None:
    epsilons, deltas = arguments["epsilons"], arguments["deltas"]
    if deltas.ndim > 0 and deltas.shape != np.atleast_1d(epsilons).shape:
        raise InvalidParameterError(
            f"deltas must be one number or one per epsilon ({epsilons.size}); "
            f"got {_shown(deltas, deltas)}."
        )


def _above_one(allowed: str) -> Any:
    def check(name: str, value: Any) -> np.ndarray:
        array = real_array(name, value)
        if np.any(array <= 1):
            raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(value, array)}.")
        return array

    return check


def _one_of(options: tuple[str, ...]) -> Any:
    def check(name: str, value: Any) -> str:
        if value not in options:
            raise InvalidParameterError(f"{name} must be one of {options}; got {value!r}.")
        return value

    return check


def _one_per_order(arguments: dict[str, Any]) -> None:
    rdp, orders = arguments["rdp_epsilons"], arguments["orders"]
    if rdp.ndim > 1 or rdp.shape != orders.shape:
        raise InvalidParameterError(
            "rdp_epsilons must be a number or 1-d array with one entry per order "
            f"({orders.shape}); got an array of shape {rdp.shape}."
        )


def _releases(name: str, value: Any) -> np.ndarray:
    allowed = "a whole number >= 1 or a 1-d array of them"
    k = integer_array(name, value, allowed)
    if k.ndim > 1 or k.size == 0 or np.any(k < 1):
        raise InvalidParameterError(f"{name} must be {allowed}; got {value!r}.")
    return k


def _some_privacy_left(arguments: dict[str, Any]) -> None:
    sensitivity, sigma = arguments["sensitivity"], arguments["sigma"]
    if sensitivity / sigma > _MAX_RATIO:
        raise InvalidParameterError(
            f"sensitivity / sigma must be at most {_MAX_RATIO:g} (beyond it no privacy is left "
            f"to measure); got sensitivity = {sensitivity:g}, sigma = {sigma:g}."
        )


@guard(
    queries=_releases,
    sigma=POSITIVE,
    sensitivity=POSITIVE,
    delta=PROBABILITY,
    where=_some_privacy_left,
)
def composition_curves(
    queries: Any, *, sigma: float, sensitivity: float = 1.0, delta: float = 1e-6
) -> dict[str, np.ndarray]:
    """Total epsilon after ``k`` Gaussian releases, by each accountant, for each ``k``.

    ``"basic"``, ``"advanced"`` (half of delta as slack), ``"zcdp"``, ``"rdp"`` (at
    :data:`RDP_ORDERS`) and ``"exact"``, which every accountant is at or above.

    >>> curves = composition_curves([1, 10, 100], sigma=5.0, delta=1e-6)
    >>> for name, total in curves.items():
    ...     print(f"{name:>8}", total.round(2))
       basic [  0.83   9.32 102.12]
    advanced [  5.84  31.79 249.86]
        zcdp [ 1.07  3.53 12.51]
         rdp [ 0.9   3.13 11.69]
       exact [ 0.83  2.92 11.  ]
    """
    k = np.atleast_1d(queries).astype(float)
    mu = sensitivity / sigma  # only the ratio matters
    # the three exact-epsilon searches in one vectorised bisection
    basic_each, advanced_each, exact = np.split(
        _epsilon_from_mu(
            np.concatenate([delta / k, delta / (2 * k), np.full_like(k, delta)]),
            np.concatenate([np.full_like(k, mu), np.full_like(k, mu), mu * np.sqrt(k)]),
        ),
        3,
    )
    rho = k * (mu * mu) / 2
    rdp = rho[:, np.newaxis] * RDP_ORDERS  # one row per k, one column per order
    return {
        "basic": k * basic_each,
        "advanced": _advanced_epsilon(advanced_each, k, delta / 2),
        "zcdp": zcdp_to_dp(rho, delta),
        "rdp": np.maximum(_rdp_epsilons(rdp, RDP_ORDERS, delta, "improved").min(axis=1), 0.0),
        "exact": exact,
    }


@guard(epsilons=_epsilons, deltas=_deltas, where=_one_delta_or_one_each)
def basic_composition(epsilons: Any, deltas: Any = 0.0) -> tuple[float, float]:
    """Total privacy of several releases, by adding up (sequential composition).

    .. math:: \\varepsilon = \\sum_i \\varepsilon_i, \\qquad \\delta = \\sum_i \\delta_i

    >>> basic_composition([0.5, 0.25, 0.25])
    (1.0, 0.0)
    >>> basic_composition([1.0, 1.0], deltas=1e-6)
    (2.0, 2e-06)
    """
    each_delta = np.broadcast_to(deltas, np.atleast_1d(epsilons).shape)
    return float(np.sum(epsilons)), float(np.sum(each_delta))


def _advanced_epsilon(epsilon: Any, k: Any, delta_slack: float) -> Any:
    return np.sqrt(2 * k * math.log(1 / delta_slack)) * epsilon + k * epsilon * np.expm1(epsilon)


@guard(epsilon=POSITIVE, delta=fraction(include_zero=True), k=whole(low=1), delta_slack=PROBABILITY)
def advanced_composition(
    epsilon: float, delta: float, k: int, delta_slack: float
) -> tuple[float, float]:
    """Total privacy of ``k`` (epsilon, delta)-DP releases: (epsilon', k delta + delta_slack).

    .. math::
        \\varepsilon' = \\sqrt{2k \\ln(1/\\delta')}\\,\\varepsilon
        + k\\varepsilon(e^{\\varepsilon} - 1)

    >>> eps, delta = advanced_composition(0.1, 0.0, k=100, delta_slack=1e-6)
    >>> round(eps, 3), delta
    (6.308, 1e-06)
    """
    return float(_advanced_epsilon(epsilon, k, delta_slack)), k * delta + delta_slack


@guard(alpha=_above_one("a number > 1"), sensitivity=POSITIVE, sigma=POSITIVE)
def gaussian_rdp(alpha: Any, sensitivity: float, sigma: float) -> Any:
    """Renyi DP of the Gaussian mechanism at order(s) ``alpha`` > 1 (Mironov 2017).

    .. math:: \\varepsilon(\\alpha) = \\frac{\\alpha \\Delta^2}{2 \\sigma^2}

    >>> gaussian_rdp(2.0, sensitivity=1, sigma=5.0)
    0.04
    >>> gaussian_rdp([2, 10], sensitivity=1, sigma=5.0)
    array([0.04, 0.2 ])
    """
    ratio = sensitivity / sigma  # (a product, not a power: overflows to inf, never raises)
    return _scalar_or_array(alpha * (ratio * ratio) / 2, alpha.ndim == 0)


def _rdp_epsilons(rdp: np.ndarray, orders: np.ndarray, delta: float, conversion: str) -> Any:
    if conversion == "mironov":
        return rdp + math.log(1 / delta) / (orders - 1)
    # conversion == "improved"
    return rdp + np.log1p(-1 / orders) - (math.log(delta) + np.log(orders)) / (orders - 1)


@guard(
    rdp_epsilons=_nonnegative_array,
    orders=_above_one("numbers > 1"),
    delta=PROBABILITY,
    conversion=_one_of(_RDP_CONVERSIONS),
    where=_one_per_order,
)
def rdp_to_dp(
    rdp_epsilons: Any, orders: Any, delta: float, *, conversion: str = "mironov"
) -> tuple[float, float]:
    """Turn Renyi DP at several orders into one (epsilon, delta): the best epsilon, and its order.

    ``conversion="mironov"`` (Mironov 2017) or the smaller ``"improved"``
    (Canonne, Kamath and Steinke 2020):

    .. math::
        \\varepsilon = \\varepsilon_\\alpha + \\frac{\\ln(1/\\delta)}{\\alpha - 1}
        \\quad\\text{or}\\quad
        \\varepsilon_\\alpha + \\ln\\frac{\\alpha - 1}{\\alpha}
        - \\frac{\\ln \\delta + \\ln \\alpha}{\\alpha - 1}

    >>> orders = [2, 4, 8, 16, 32]
    >>> rdp = 100 * gaussian_rdp(orders, sensitivity=1, sigma=5.0)
    >>> eps, order = rdp_to_dp(rdp, orders, delta=1e-6)
    >>> round(eps, 2), order
    (12.61, 4.0)
    >>> eps, order = rdp_to_dp(rdp, orders, delta=1e-6, conversion="improved")
    >>> round(eps, 2), order
    (11.86, 4.0)
    """
    epsilons = np.atleast_1d(_rdp_epsilons(rdp_epsilons, orders, delta, conversion))
    best = int(np.argmin(epsilons))
    return max(float(epsilons[best]), 0.0), float(np.atleast_1d(orders)[best])


@guard(sensitivity=POSITIVE, sigma=POSITIVE)
def gaussian_zcdp(sensitivity: float, sigma: float) -> float:
    """Zero-concentrated DP of the Gaussian mechanism (Bun and Steinke 2016); rho adds up.

    .. math:: \\rho = \\frac{\\Delta^2}{2\\sigma^2}

    >>> gaussian_zcdp(sensitivity=1, sigma=5.0)
    0.02
    """
    ratio = sensitivity / sigma
    return ratio * ratio / 2


@guard(rho=_nonnegative_array, delta=PROBABILITY)
def zcdp_to_dp(rho: Any, delta: float) -> Any:
    """Turn rho-zCDP into (epsilon, delta)-DP (Bun and Steinke 2016, Proposition 1.3).

    .. math:: \\varepsilon = \\rho + 2\\sqrt{\\rho \\ln(1/\\delta)}

    >>> round(zcdp_to_dp(100 * gaussian_zcdp(1, sigma=5.0), delta=1e-6), 2)
    12.51
    """
    return _scalar_or_array(rho + 2 * np.sqrt(rho * math.log(1 / delta)), rho.ndim == 0)
