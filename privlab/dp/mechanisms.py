"""Mechanisms: noisy answers whose noise hides any one person.

:func:`laplace_mechanism` adds Laplace noise of scale ``sensitivity / epsilon``
(Dwork, McSherry, Nissim and Smith, 2006); :func:`noisy_count` adds discrete
Laplace noise, so a count stays a whole number. These numpy float samplers are
right for charts and simulations, not hardened against the floating-point attack
of Mironov (2012); :mod:`privlab.dp.exact` has exact samplers for real releases.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import BOOLEAN, COUNTS, POSITIVE, REAL, REALS, RNG, SIZE, WHOLES, Seed, guard, whole
from ..errors import InvalidParameterError

__all__ = [
    "discrete_laplace_noise",
    "discrete_laplace_pmf",
    "expected_absolute_error",
    "laplace_mechanism",
    "laplace_pdf",
    "laplace_scale",
    "noisy_count",
]


def _scalar_or_array(array: np.ndarray, was_scalar: bool) -> Any:
    return array.item() if was_scalar else array


@guard(sensitivity=POSITIVE, epsilon=POSITIVE)
def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """Scale ``b`` of the Laplace noise that makes a query epsilon-DP.

    .. math:: b = \\Delta f / \\varepsilon

    >>> laplace_scale(sensitivity=1, epsilon=0.5)
    2.0
    """
    return sensitivity / epsilon


@guard(x=REALS, loc=REAL, scale=POSITIVE)
def laplace_pdf(x: Any, loc: float, scale: float) -> Any:
    """Density of the Laplace distribution, :math:`\\frac{1}{2b} e^{-|x - \\mu| / b}`.

    >>> round(laplace_pdf(0.0, loc=0.0, scale=1.0), 3)
    0.5
    """
    return _scalar_or_array(np.exp(-np.abs(x - loc) / scale) / (2 * scale), x.ndim == 0)


@guard(value=REALS, sensitivity=POSITIVE, epsilon=POSITIVE, rng=RNG)
def laplace_mechanism(value: Any, sensitivity: float, epsilon: float, *, rng: Seed = None) -> Any:
    """Release ``value`` with Laplace noise of scale ``sensitivity / epsilon``.

    .. math:: M(x) = x + \\mathrm{Lap}(\\Delta f / \\varepsilon)

    ``value`` is a number or an array (independent noise per entry); ``sensitivity``
    is how much one person can change it (L1).

    >>> round(laplace_mechanism(118, sensitivity=1, epsilon=1.0, rng=7), 2)
    118.29
    """
    noisy = value + rng.laplace(loc=0.0, scale=sensitivity / epsilon, size=value.shape)
    return _scalar_or_array(noisy, value.ndim == 0)


@guard(epsilon=POSITIVE, size=SIZE, sensitivity=whole(low=1), rng=RNG)
def discrete_laplace_noise(
    epsilon: float,
    size: int | tuple[int, ...] | None = None,
    *,
    sensitivity: int = 1,
    rng: Seed = None,
) -> Any:
    """Whole-number noise with :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k| / \\Delta}`.

    The two-sided geometric distribution (Ghosh, Roughgarden and Sundararajan
    2009): the difference of two geometric draws of success
    :math:`1 - e^{-\\varepsilon / \\Delta}`, exact only up to float rounding (for
    :math:`\\varepsilon/\\Delta` of 37 or more the noise is always 0).

    >>> discrete_laplace_noise(1.0, size=5, rng=3)
    array([ 0,  0,  1, -1,  0])
    """
    success = -math.expm1(-epsilon / sensitivity)  # 1 - exp(-eps/Delta), accurate for small eps
    draws = rng.geometric(success, size=size) - rng.geometric(success, size=size)
    return draws if size is not None else int(draws)


@guard(k=WHOLES, loc=whole(-(2**62), 2**62), epsilon=POSITIVE, sensitivity=whole(low=1))
def discrete_laplace_pmf(k: Any, loc: int, epsilon: float, *, sensitivity: int = 1) -> Any:
    """Probability that a noisy count centred on ``loc`` comes out as ``k``.

    .. math::
        \\Pr[\\tilde c = k] = \\frac{1 - a}{1 + a} \\, a^{|k - c|},
        \\qquad a = e^{-\\varepsilon / \\Delta}

    >>> round(discrete_laplace_pmf(118, loc=118, epsilon=1.0), 4)
    0.4621
    """
    a = math.exp(-epsilon / sensitivity)
    pmf = (1 - a) / (1 + a) * np.power(a, np.abs(k - loc))
    return _scalar_or_array(pmf, k.ndim == 0)


@guard(true_count=COUNTS, epsilon=POSITIVE, rng=RNG)
def noisy_count(true_count: Any, epsilon: float, *, rng: Seed = None) -> Any:
    """Release a count (or an array of counts) with discrete Laplace noise.

    A count has sensitivity 1, so :math:`\\tilde c = c + Z`,
    :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k|}`, is epsilon-DP. The answer may
    be below zero; clamping it would keep the privacy but bias small counts up.
    For a real release use :func:`privlab.dp.exact.exact_noisy_count`.

    Examples
    --------
    >>> noisy_count(118, epsilon=0.5, rng=0)
    120
    >>> noisy_count([118, 20_000], epsilon=0.5, rng=1)
    array([  119, 20001])
    """
    noise = discrete_laplace_noise(epsilon, size=true_count.shape, rng=rng)
    return _scalar_or_array(true_count + noise, true_count.ndim == 0)


def _whole_if_discrete(arguments: dict[str, Any]) -> None:
    if arguments["discrete"] and not float(arguments["sensitivity"]).is_integer():
        sensitivity = arguments["sensitivity"]
        raise InvalidParameterError(
            f"sensitivity must be a whole number >= 1; got {sensitivity!r}."
        )


@guard(epsilon=POSITIVE, sensitivity=POSITIVE, discrete=BOOLEAN, where=_whole_if_discrete)
def expected_absolute_error(
    epsilon: float, *, sensitivity: float = 1, discrete: bool = False
) -> float:
    """Average size of the noise, :math:`E|Z|`: the typical error of a release.

    :math:`b = \\Delta/\\varepsilon` for Laplace noise; :math:`2a / (1 - a^2)` with
    :math:`a = e^{-\\varepsilon/\\Delta}` for discrete Laplace noise.

    >>> expected_absolute_error(0.5)
    2.0
    >>> round(expected_absolute_error(0.5, discrete=True), 3)
    1.919
    """
    scale = sensitivity / epsilon
    if not discrete:
        return scale
    a = math.exp(-1 / scale)
    return 2 * a / (1 - a * a)
