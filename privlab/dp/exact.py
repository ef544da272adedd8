"""Exact samplers: integer noise drawn with whole numbers and fair dice only.

The numpy samplers of :mod:`privlab.dp.mechanisms` are right for charts; these use
Python integers and :class:`fractions.Fraction` only, so every output has exactly
the probability the privacy proof assumes: for anything released about real people.
The textbook float Laplace sampler, at the end, outputs floats impossible from a
neighbouring input, each giving the input away (Mironov, 2012).

Algorithms 1-3 of Canonne, Kamath and Steinke, "The Discrete Gaussian for
Differential Privacy" (NeurIPS 2020). Parameters are rational: an int, a
Fraction, a string such as ``"3/2"``, or a float (converted exactly). The
randomness policy (``rng``) is in :mod:`privlab.randomness`.
"""

from __future__ import annotations

import functools
import math
import numbers
import random
import secrets
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .._guard import COUNTS, REAL, REALS, RNG, SIZE, WHOLES, guard, integer_array, positive, whole
from ..errors import InvalidParameterError
from .mechanisms import _scalar_or_array
from .sums import _lower_below_upper

__all__ = [
    "bernoulli_exp",
    "could_come_from",
    "discrete_gaussian_exact",
    "discrete_gaussian_pmf",
    "discrete_laplace_exact",
    "exact_clipped_sum",
    "exact_gaussian_count",
    "exact_noisy_count",
    "float_leak",
    "textbook_laplace",
]

Randomness = random.Random | np.random.Generator
Size = int | tuple[int, ...] | None


def _rational(name: str, value: Any, *, allow_zero: bool = False) -> Fraction:
    """``value`` as an exact Fraction > 0 (>= 0 with ``allow_zero``); floats convert exactly."""
    allowed = f"a finite rational number {'>= 0' if allow_zero else '> 0'} (an int, a Fraction, "
    allowed += "a string like '3/2' or a float)"
    refusal = InvalidParameterError(f"{name} must be {allowed}; got {value!r}.")
    if isinstance(value, bool):
        raise refusal
    if isinstance(value, numbers.Rational):
        exact = Fraction(int(value.numerator), int(value.denominator))
    elif isinstance(value, numbers.Real) and math.isfinite(value):
        exact = Fraction(float(value))
    elif isinstance(value, str):
        try:
            exact = Fraction(value)
        except (ValueError, ZeroDivisionError) as error:
            raise refusal from error
    else:
        raise refusal
    if exact < 0 or (exact == 0 and not allow_zero):
        raise refusal
    return exact


def _randomness(rng: Any) -> Randomness:
    if rng is None:
        return secrets.SystemRandom()
    if isinstance(rng, (random.Random, np.random.Generator)):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return random.Random(int(rng))
    raise InvalidParameterError(
        "rng must be None, a seed (whole number >= 0), a random.Random or a "
        f"numpy.random.Generator; got {rng!r}."
    )


_RATIONAL_OR_ZERO = functools.partial(_rational, allow_zero=True)


def _source(name: str, value: Any) -> Randomness:
    return _randomness(value)


@guard(true_count=COUNTS, epsilon=_rational, rng=_source)
def exact_noisy_count(true_count: Any, epsilon: Any, *, rng: Any = None) -> Any:
    """Release counts with exact discrete Laplace noise: :math:`\\tilde c = c + Z`.

    .. math:: \\Pr[Z = k] \\propto e^{-\\varepsilon |k|}

    Parameters
    ----------
    true_count : int or array of int
        Counts >= 0; an array gets independent noise per entry.
    epsilon : int, Fraction, str or float
        Privacy loss > 0; a float is used at its exact binary value.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` for a real release (see :mod:`privlab.randomness`).

    Examples
    --------
    >>> exact_noisy_count(118, epsilon="1/2", rng=0)
    119
    >>> exact_noisy_count([118, 20_000], epsilon=0.5, rng=1)
    array([  120, 19996])
    """
    noise = discrete_laplace_exact(1 / epsilon, size=true_count.shape, rng=rng)
    return _scalar_or_array(true_count + noise, true_count.ndim == 0)


@guard(true_count=COUNTS, sigma_squared=_rational, rng=_source)
def exact_gaussian_count(true_count: Any, sigma_squared: Any, *, rng: Any = None) -> Any:
    """Release counts with exact discrete Gaussian noise: :math:`\\frac{1}{2\\sigma^2}`-zCDP.

    >>> exact_gaussian_count(118, sigma_squared=9, rng=0)
    121
    """
    noise = discrete_gaussian_exact(sigma_squared, size=true_count.shape, rng=rng)
    return _scalar_or_array(true_count + noise, true_count.ndim == 0)


def _whole_per_person(name: str, value: Any) -> np.ndarray:
    array = integer_array(name, value, "a 1-d array of whole numbers")
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{name} must be a 1-d array (one whole number per person); "
            f"got {array.ndim} dimensions."
        )
    return array


@guard(
    values=_whole_per_person,
    lower=whole(),
    upper=whole(),
    epsilon=_rational,
    rng=_source,
    where=_lower_below_upper,
)
def exact_clipped_sum(values: Any, lower: int, upper: int, epsilon: Any, *, rng: Any = None) -> int:
    """An epsilon-DP sum of whole numbers (cents): clip each, add up, add exact noise.

    .. math:: \\Pr[Z = k] \\propto e^{-\\varepsilon |k| / \\max(|l|, |u|)}

    >>> exact_clipped_sum([1_250, 3_000, 90_000], 0, 10_000, epsilon=1, rng=0)  # true: 14,250
    20561
    """
    total = sum(np.clip(values, lower, upper).tolist())  # Python ints: no overflow
    sensitivity = max(abs(lower), abs(upper))
    return total + discrete_laplace_exact(sensitivity / epsilon, rng=rng)


_NUMPY_BITS = 62  # one numpy draw below 2**62 gives 62 fair bits


def _uniform_below(source: Randomness, n: int) -> int:
    """A uniform integer from 0 to ``n - 1``: the only random step of the exact samplers."""
    if isinstance(source, random.Random):
        return source.randrange(n)
    if n <= 2**_NUMPY_BITS:
        return int(source.integers(0, n))
    return _numpy_uniform_below_big(source, n)


def _numpy_uniform_below_big(generator: np.random.Generator, n: int) -> int:
    """Uniform below a large ``n``: the top bits of glued 62-bit draws, again when >= n."""
    bits = n.bit_length()
    chunks = -(-bits // _NUMPY_BITS)  # ceiling division
    while True:
        candidate = 0
        for chunk in generator.integers(0, 2**_NUMPY_BITS, size=chunks):
            candidate = (candidate << _NUMPY_BITS) | int(chunk)
        candidate >>= chunks * _NUMPY_BITS - bits
        if candidate < n:
            return candidate


def _bernoulli(source: Randomness, numerator: int, denominator: int) -> bool:
    return _uniform_below(source, denominator) < numerator


def _draw(draw_one: Callable[[], int], shape: tuple[int, ...] | None) -> Any:
    """One Python int when ``shape`` is None, else an int64 array of independent draws."""
    if shape is None:
        return draw_one()
    count = math.prod(shape)
    draws = np.fromiter((draw_one() for _ in range(count)), dtype=np.int64, count=count)
    return draws.reshape(shape)


def _bernoulli_exp_at_most_one(source: Randomness, numerator: int, denominator: int) -> bool:
    """Bernoulli(exp(-gamma)) for gamma = numerator / denominator in [0, 1]: coins gamma/k."""
    k = 1
    while _bernoulli(source, numerator, denominator * k):
        k += 1
    return k % 2 == 1


def _bernoulli_exp(source: Randomness, numerator: int, denominator: int) -> bool:
    """Bernoulli(exp(-gamma)) for rational gamma >= 0: an e^-1 coin per unit, then the rest."""
    if numerator <= denominator:
        return _bernoulli_exp_at_most_one(source, numerator, denominator)
    units, remainder = divmod(numerator, denominator)
    for _ in range(units):
        if not _bernoulli_exp_at_most_one(source, 1, 1):
            return False
    return _bernoulli_exp_at_most_one(source, remainder, denominator)


@guard(gamma=_RATIONAL_OR_ZERO, rng=_source)
def bernoulli_exp(gamma: Any, *, rng: Any = None) -> bool:
    """True with probability exactly :math:`e^{-\\gamma}` (rational gamma >= 0; Algorithm 1).

    Toss coins of :math:`\\gamma/1, \\gamma/2, \\dots` until one fails: the first failure
    is odd with probability :math:`1 - \\gamma + \\gamma^2/2! - \\dots = e^{-\\gamma}`.

    >>> rng = random.Random(1)
    >>> sum(bernoulli_exp("1/2", rng=rng) for _ in range(10_000))  # about 10,000 e^-0.5
    6076
    >>> bernoulli_exp(0)
    True
    """
    return _bernoulli_exp(rng, gamma.numerator, gamma.denominator)


def _discrete_laplace(source: Randomness, s: int, t: int) -> int:
    """One draw with :math:`\\Pr[Z = z] \\propto e^{-|z| s / t}` (scale t/s; s, t >= 1)."""
    while True:
        # X = U + t V with Pr[X = x] proportional to exp(-x / t):
        u = _uniform_below(source, t)  # U uniform on 0 .. t - 1,
        if not _bernoulli_exp(source, u, t):  # kept with probability exp(-U / t);
            continue
        v = 0  # V geometric: Pr[V = v] proportional to exp(-v).
        while _bernoulli_exp(source, 1, 1):
            v += 1
        magnitude = (u + t * v) // s  # geometric with ratio exp(-s / t)
        negative = _bernoulli(source, 1, 2)
        if negative and magnitude == 0:  # -0 and +0 are the same: keep 0 from one side only
            continue
        return -magnitude if negative else magnitude


@guard(scale=_rational, size=SIZE, rng=_source)
def discrete_laplace_exact(scale: Any, *, size: Size = None, rng: Any = None) -> Any:
    """Exact discrete Laplace noise, :math:`\\Pr[Z = z] \\propto e^{-|z| / t}` (Algorithm 2).

    >>> discrete_laplace_exact(2, size=6, rng=7)
    array([ 0,  0,  0,  2, -1,  1])
    >>> isinstance(discrete_laplace_exact("3/2"), int)
    True
    """
    return _draw(lambda: _discrete_laplace(rng, scale.denominator, scale.numerator), size)


def _discrete_gaussian(source: Randomness, sigma_squared: Fraction) -> int:
    """One draw with :math:`\\Pr[Z = z] \\propto e^{-z^2 / 2\\sigma^2}`, by rejection."""
    p, q = sigma_squared.numerator, sigma_squared.denominator
    t = math.isqrt(p // q) + 1  # floor(sigma) + 1
    while True:
        y = _discrete_laplace(source, 1, t)
        # keep Y with probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2))
        #                       = exp(-(|Y| q t - p)^2 / (2 p q t^2)), all in integers
        if _bernoulli_exp(source, (abs(y) * q * t - p) ** 2, 2 * p * q * t * t):
            return y


@guard(sigma_squared=_rational, size=SIZE, rng=_source)
def discrete_gaussian_exact(sigma_squared: Any, *, size: Size = None, rng: Any = None) -> Any:
    """Exact discrete Gaussian noise, :math:`\\Pr[Z = z] \\propto e^{-z^2 / 2\\sigma^2}`.

    Algorithm 3: draw :math:`Y` of discrete Laplace scale :math:`t = \\lfloor\\sigma\\rfloor + 1`,
    keep it with probability :math:`\\exp(-(|Y| - \\sigma^2/t)^2 / 2\\sigma^2)`, else again.

    Parameters
    ----------
    sigma_squared : int, Fraction, str or float
        The variance parameter :math:`\\sigma^2 > 0`.
    size : None, int or tuple of int
        None for one Python int, else the shape of an int64 array.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` for a real release (see :mod:`privlab.randomness`).

    Examples
    --------
    >>> discrete_gaussian_exact(4, size=6, rng=7)
    array([-2,  0,  1,  3,  1,  0])
    """
    return _draw(lambda: _discrete_gaussian(rng, sigma_squared), size)


@guard(k=WHOLES, sigma_squared=_rational)
def discrete_gaussian_pmf(k: Any, sigma_squared: Any) -> Any:
    """Probability that discrete Gaussian noise equals ``k`` (float, for charts and tests).

    .. math::
        \\Pr[Z = k] = e^{-k^2 / 2\\sigma^2} \\Big/ \\sum_{j \\in \\mathbb{Z}} e^{-j^2 / 2\\sigma^2}

    >>> round(discrete_gaussian_pmf(0, sigma_squared=4), 4)
    0.1995
    >>> round(float(discrete_gaussian_pmf([-1, 0, 1], "1/2").sum()), 4)
    0.9792
    """
    variance = float(sigma_squared)
    weights = np.exp(-(k.astype(float) ** 2) / (2 * variance))
    return _scalar_or_array(weights / _gaussian_normaliser(variance), k.ndim == 0)


def _gaussian_normaliser(variance: float) -> float:
    """:math:`\\sum_j e^{-j^2/2\\sigma^2}` over :math:`|j| \\le \\lceil 10\\sigma\\rceil + 1`.

    The rest is below float precision; beyond sigma = 1000 it is :math:`\\sqrt{2\\pi}\\sigma`.
    """
    sigma = math.sqrt(variance)
    if sigma > 1000:
        return math.sqrt(2 * math.pi) * sigma
    reach = math.ceil(10 * sigma) + 1
    j = np.arange(-reach, reach + 1, dtype=float)
    return float(np.exp(-(j**2) / (2 * variance)).sum())


# --- Why floats leak (Mironov, CCS 2012) ---
# From a given input a float sampler reaches only an input-dependent set of floats:
# an output outside the set reachable from the neighbouring input gives the input away.

_GRID = 2**53  # u is drawn from {1, 2, ..., 2**53} / 2**53
_MAX_FLOAT_SCALE = 1e300  # a larger float scale overflows: -scale * log(u) reaches 745 scales
_FLOAT_SCALE = positive(_MAX_FLOAT_SCALE)


def _textbook_output(value: float, scale: float, sign: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``value + sign * (-scale * ln(index / 2**53))`` in float64, for sampler and search alike."""
    u = index.astype(np.float64) / _GRID  # exact: index <= 2**53, divided by a power of 2
    noise = sign * (-scale * np.log(u))
    return value + noise


@guard(value=REAL, scale=_FLOAT_SCALE, size=SIZE, rng=RNG)
def textbook_laplace(
    value: float, scale: float, *, size: Size = None, rng: np.random.Generator | int | None = None
) -> Any:
    """The textbook float Laplace sampler, :math:`x + s \\cdot (-b \\ln u)`, written out.

    A fair sign :math:`s` and :math:`u` on the grid :math:`\\{1, \\dots, 2^{53}\\} / 2^{53}`:
    which :math:`2^{54}` outputs are possible depends on :math:`x`.

    Examples
    --------
    >>> round(textbook_laplace(0.0, 1.0, rng=7), 4)
    -0.1085
    """
    count = 1 if size is None else math.prod(size)
    sign = np.where(rng.integers(0, 2, size=count) == 1, -1.0, 1.0)
    index = rng.integers(1, _GRID + 1, size=count)
    outputs = _textbook_output(value, scale, sign, index)
    return outputs.item() if size is None else outputs.reshape(size)


@guard(outputs=REALS, value=REAL, scale=_FLOAT_SCALE)
def could_come_from(outputs: Any, value: float, scale: float) -> np.ndarray:
    """Whether :func:`textbook_laplace` can output exactly each float from ``value``.

    For a fixed sign the output is monotone in the grid index (the tests check
    numpy's ``log`` keeps that order), so a binary search over the :math:`2^{53}`
    indices decides it exactly.

    Examples
    --------
    >>> out = textbook_laplace(0.0, 1.0, size=5, rng=1)  # a true count of 0
    >>> out.round(3)
    array([ 0.053, -1.165, -0.86 , -0.189,  0.894])
    >>> could_come_from(out, 0.0, 1.0)
    array([ True,  True,  True,  True,  True])
    >>> could_come_from(out, 1.0, 1.0)  # the first four rule out a count of 1
    array([False, False, False, False,  True])
    >>> could_come_from([1e-300, 40.0], 0.0, 1.0)  # too fine, too far
    array([False, False])
    """
    flat = outputs.ravel()
    possible = _reachable(flat, value, scale, +1.0) | _reachable(flat, value, scale, -1.0)
    return possible.reshape(outputs.shape)


def _reachable(targets: np.ndarray, value: float, scale: float, sign: float) -> np.ndarray:
    """Binary search for one sign: is some grid index mapped exactly onto each target?"""
    signs = np.full(targets.shape, sign)
    low = np.ones(targets.shape, dtype=np.int64)
    high = np.full(targets.shape, _GRID, dtype=np.int64)
    while np.any(low < high):
        middle = (low + high) // 2
        output = _textbook_output(value, scale, signs, middle)
        reached = output <= targets if sign > 0 else output >= targets
        searching = low < high
        high = np.where(searching & reached, middle, high)
        low = np.where(searching & ~reached, middle + 1, low)
    return _textbook_output(value, scale, signs, low) == targets


@guard(value_a=REAL, value_b=REAL, scale=_FLOAT_SCALE, samples=whole(1, 10_000_000), rng=RNG)
def float_leak(
    value_a: float,
    value_b: float,
    scale: float,
    *,
    samples: int = 2000,
    rng: np.random.Generator | int | None = None,
) -> float:
    """Share of textbook Laplace outputs from ``value_a`` that are impossible from ``value_b``.

    Each such output proves the input was ``value_a``, whatever epsilon promises.

    >>> float_leak(0.0, 1.0, scale=1.0, samples=2000, rng=0)  # epsilon = 1, counts 0 and 1
    0.6535
    >>> float_leak(100.0, 101.0, scale=0.1, samples=2000, rng=0)  # epsilon = 10
    0.871
    """
    outputs = textbook_laplace(value_a, scale, size=(samples,), rng=rng)
    return float(np.mean(~could_come_from(outputs, value_b, scale)))
