"""Exact samplers: integer noise drawn with whole numbers and fair dice only.

Which sampler to use when
-------------------------
* The numpy samplers of :mod:`privlab.dp.mechanisms` draw floating-point
  numbers. They are fast and right for simulations, histograms and charts in a
  lesson, where what matters is the shape of the distribution.
* The exact samplers here are for anything released about real people. They
  use Python integers and :class:`fractions.Fraction` only, so every output
  has *exactly* the probability that the privacy proof assumes.

Why the difference matters is shown at the end of this module ("Why floats
leak"): the textbook floating-point Laplace sampler can output numbers that are
impossible from a neighbouring data set, and each such output reveals the true
input with certainty, whatever epsilon promised (Mironov, 2012).

The algorithms are those of Canonne, Kamath and Steinke, "The Discrete
Gaussian for Differential Privacy" (NeurIPS 2020):

* :func:`bernoulli_exp`: a coin that lands heads with probability
  :math:`e^{-\\gamma}` (their Algorithm 1);
* :func:`discrete_laplace_exact`: :math:`\\Pr[Z = z] \\propto e^{-|z|/t}`
  (Algorithm 2);
* :func:`discrete_gaussian_exact`: :math:`\\Pr[Z = z] \\propto e^{-z^2/2\\sigma^2}`
  (Algorithm 3);
* :func:`exact_noisy_count` and :func:`exact_gaussian_count`: counts released
  with that noise; :func:`exact_clipped_sum`: a sum of whole numbers (cents,
  say) released with it; :func:`discrete_gaussian_pmf` for charts and tests;
* :func:`textbook_laplace`, :func:`could_come_from` and :func:`float_leak`:
  the floating-point leak, shown and measured.

Parameters are rational numbers: an ``int``, a :class:`~fractions.Fraction`, a
string such as ``"3/2"`` or ``"0.1"`` (read as the decimal, exactly 1/10), or a
float. A float is converted *exactly* with ``Fraction(x)``: the float ``0.1``
is really the binary fraction 3602879701896397 / 2**55, a little above 1/10,
and that is the value the sampler uses. Pass ``"1/10"`` to mean one tenth.

Randomness: the only random step is :func:`_uniform_below`, a fair uniform
integer from 0 to n - 1. ``rng=None`` takes it from the operating system's
cryptographic source (:class:`secrets.SystemRandom`). A whole-number seed gives
``random.Random(seed)``: reproducible, for lessons and tests only, never for a
real release (anyone who guesses the seed can subtract the noise).
"""

from __future__ import annotations

import math
import numbers
import random
import secrets
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .. import _guard as check
from ..errors import InvalidParameterError
from .mechanisms import _scalar_or_array

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

# --------------------------------------------------------------------------
# Arguments: rational parameters, sizes and sources of randomness
# --------------------------------------------------------------------------

_RATIONAL = "a finite rational number {bound} (an int, a Fraction, a string like '3/2' or a float)"


def _rational(name: str, value: Any, *, allow_zero: bool = False) -> Fraction:
    """Return ``value`` as an exact :class:`~fractions.Fraction`, > 0 (or >= 0 if ``allow_zero``).

    Floats are converted exactly (``Fraction(0.1)`` is the binary fraction
    nearest 0.1); bools, NaN, infinities and other types are refused.
    """
    allowed = _RATIONAL.format(bound=">= 0" if allow_zero else "> 0")
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
    """Turn ``rng`` into a source of fair uniform integers.

    ``None`` gives the operating system's cryptographic generator; a seed
    gives a reproducible ``random.Random`` (lessons and tests only); a
    ``random.Random`` or a ``numpy.random.Generator`` is used as it is.
    """
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


# --------------------------------------------------------------------------
# The only randomness: fair uniform integers
# --------------------------------------------------------------------------

_NUMPY_BITS = 62  # one numpy draw below 2**62 gives 62 fair bits


def _uniform_below(source: Randomness, n: int) -> int:
    """A uniform integer from 0 to ``n - 1``: the only random step of the exact samplers.

    ``random.Random.randrange`` is exact for any ``n``. numpy draws are exact
    below ``2**62``; above, :func:`_numpy_uniform_below_big` glues several of them.
    """
    if isinstance(source, random.Random):
        return source.randrange(n)
    if n <= 2**_NUMPY_BITS:
        return int(source.integers(0, n))
    return _numpy_uniform_below_big(source, n)


def _numpy_uniform_below_big(generator: np.random.Generator, n: int) -> int:
    """Uniform below a large ``n`` from 62-bit numpy draws, by rejection.

    Joining ``c`` fair 62-bit draws gives a uniform number of ``62 c`` bits;
    keeping its top ``L = n.bit_length()`` bits gives a uniform number below
    :math:`2^L`. It is below ``n`` with probability :math:`n / 2^L > 1/2`;
    otherwise we try again. Every accepted value is equally likely: exact and
    unbiased, unlike ``big_number % n``.
    """
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
    """True with probability ``numerator / denominator``: a uniform draw below the denominator."""
    return _uniform_below(source, denominator) < numerator


def _draw(draw_one: Callable[[], int], shape: tuple[int, ...] | None) -> Any:
    """One Python int when ``shape`` is None, else an int64 array of independent draws."""
    if shape is None:
        return draw_one()
    count = math.prod(shape)
    draws = np.fromiter((draw_one() for _ in range(count)), dtype=np.int64, count=count)
    return draws.reshape(shape)


# --------------------------------------------------------------------------
# Algorithm 1: a coin with probability exp(-gamma)
# --------------------------------------------------------------------------


def _bernoulli_exp_at_most_one(source: Randomness, numerator: int, denominator: int) -> bool:
    """Bernoulli(exp(-gamma)) for gamma = numerator / denominator in [0, 1].

    Toss coins with probabilities gamma/1, gamma/2, gamma/3, ... until one
    fails; if the first failure is coin K, K is odd with probability
    :math:`\\sum_k (-\\gamma)^k / k! = e^{-\\gamma}`.
    """
    k = 1
    while _bernoulli(source, numerator, denominator * k):
        k += 1
    return k % 2 == 1


def _bernoulli_exp(source: Randomness, numerator: int, denominator: int) -> bool:
    """Bernoulli(exp(-gamma)) for any rational gamma = numerator / denominator >= 0.

    :math:`e^{-\\gamma} = (e^{-1})^{\\lfloor\\gamma\\rfloor} e^{-(\\gamma -
    \\lfloor\\gamma\\rfloor)}`: heads only if all those independent coins are heads.
    """
    if numerator <= denominator:
        return _bernoulli_exp_at_most_one(source, numerator, denominator)
    whole, remainder = divmod(numerator, denominator)
    for _ in range(whole):
        if not _bernoulli_exp_at_most_one(source, 1, 1):
            return False
    return _bernoulli_exp_at_most_one(source, remainder, denominator)


def bernoulli_exp(gamma: Any, *, rng: Any = None) -> bool:
    """A coin that lands True with probability exactly :math:`e^{-\\gamma}`.

    For :math:`\\gamma \\in [0, 1]` toss coins with probabilities
    :math:`\\gamma/1, \\gamma/2, \\gamma/3, \\dots` until one fails; the first
    failure is at an odd position with probability
    :math:`1 - \\gamma + \\gamma^2/2! - \\dots = e^{-\\gamma}`. For
    :math:`\\gamma > 1` toss :math:`\\lfloor\\gamma\\rfloor` coins of
    :math:`e^{-1}` and one of :math:`e^{-(\\gamma - \\lfloor\\gamma\\rfloor)}`:
    all must be True. No logarithm or exponential is ever computed
    (Canonne, Kamath and Steinke 2020, Algorithm 1).

    Parameters
    ----------
    gamma : int, Fraction, str or float
        A rational number >= 0. Floats are converted exactly.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` for cryptographic randomness; a seed for reproducible draws
        in lessons and tests only.

    Returns
    -------
    bool

    Examples
    --------
    >>> bernoulli_exp(0)
    True
    >>> rng = random.Random(1)
    >>> sum(bernoulli_exp("1/2", rng=rng) for _ in range(10_000))  # about 10,000 e^-0.5
    6076
    """
    gamma = _rational("gamma", gamma, allow_zero=True)
    source = _randomness(rng)
    return _bernoulli_exp(source, gamma.numerator, gamma.denominator)


# --------------------------------------------------------------------------
# Algorithm 2: discrete Laplace
# --------------------------------------------------------------------------


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


def discrete_laplace_exact(scale: Any, *, size: Size = None, rng: Any = None) -> Any:
    """Exact discrete Laplace noise, :math:`\\Pr[Z = z] \\propto e^{-|z| / t}` with scale t.

    With :math:`t = n/d` in lowest terms (Canonne, Kamath and Steinke 2020,
    Algorithm 2):

    1. draw :math:`U` uniform on :math:`\\{0, \\dots, n-1\\}` and keep it with
       probability :math:`e^{-U/n}` (:func:`bernoulli_exp`), else start again;
    2. count :math:`V`, the heads of :math:`e^{-1}` coins before the first
       tails; then :math:`X = U + nV` has :math:`\\Pr[X = x] \\propto e^{-x/n}`;
    3. :math:`Y = \\lfloor X/d \\rfloor` is geometric,
       :math:`\\Pr[Y = y] \\propto e^{-y d/n} = e^{-y/t}`;
    4. a fair coin gives the sign; a "negative zero" is rejected so that 0 is
       not counted twice.

    Parameters
    ----------
    scale : int, Fraction, str or float
        The scale t > 0; for a count with privacy loss epsilon use
        ``1 / epsilon`` (or call :func:`exact_noisy_count`).
    size : None, int or tuple of int
        None for one Python int, else the shape of an int64 array.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` for cryptographic randomness; a seed for reproducible draws
        in lessons and tests only.

    Returns
    -------
    int or numpy.ndarray

    Examples
    --------
    >>> discrete_laplace_exact(2, size=6, rng=7)
    array([ 0,  0,  0,  2, -1,  1])
    >>> isinstance(discrete_laplace_exact("3/2"), int)
    True
    """
    scale = _rational("scale", scale)
    shape = check.size("size", size)
    source = _randomness(rng)
    return _draw(lambda: _discrete_laplace(source, scale.denominator, scale.numerator), shape)


# --------------------------------------------------------------------------
# Algorithm 3: discrete Gaussian
# --------------------------------------------------------------------------


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


def discrete_gaussian_exact(sigma_squared: Any, *, size: Size = None, rng: Any = None) -> Any:
    """Exact discrete Gaussian noise, :math:`\\Pr[Z = z] \\propto e^{-z^2 / (2\\sigma^2)}`.

    Rejection sampling from discrete Laplace proposals (Canonne, Kamath and
    Steinke 2020, Algorithm 3): with :math:`t = \\lfloor\\sigma\\rfloor + 1`,
    draw :math:`Y` from :func:`discrete_laplace_exact` of scale :math:`t` and
    keep it with probability

    .. math:: \\exp\\left(-\\frac{(|Y| - \\sigma^2/t)^2}{2\\sigma^2}\\right),

    else start again. The proposal times this factor is proportional to
    :math:`e^{-Y^2/2\\sigma^2}`, and more than half of the proposals are kept.

    Parameters
    ----------
    sigma_squared : int, Fraction, str or float
        The variance parameter :math:`\\sigma^2 > 0` (the variance of the
        output is slightly below it).
    size : None, int or tuple of int
        None for one Python int, else the shape of an int64 array.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` for cryptographic randomness; a seed for reproducible draws
        in lessons and tests only.

    Returns
    -------
    int or numpy.ndarray

    Examples
    --------
    >>> discrete_gaussian_exact(4, size=6, rng=7)
    array([-2,  0,  1,  3,  1,  0])
    """
    sigma_squared = _rational("sigma_squared", sigma_squared)
    shape = check.size("size", size)
    source = _randomness(rng)
    return _draw(lambda: _discrete_gaussian(source, sigma_squared), shape)


def discrete_gaussian_pmf(k: Any, sigma_squared: Any) -> Any:
    """Probability that discrete Gaussian noise equals ``k`` (float, for charts and tests).

    .. math::
        \\Pr[Z = k] = \\frac{e^{-k^2 / 2\\sigma^2}}
                          {\\sum_{j \\in \\mathbb{Z}} e^{-j^2 / 2\\sigma^2}}

    The normalising sum runs over :math:`|j| \\le \\lceil 10\\sigma \\rceil + 1`:
    the terms left out add less than :math:`e^{-50} \\approx 10^{-22}` relative
    to the sum, far below float precision. For :math:`\\sigma > 1000` the sum
    equals :math:`\\sqrt{2\\pi}\\,\\sigma` to within a relative
    :math:`2 e^{-2\\pi^2\\sigma^2}` (Poisson summation), so that is used instead.

    Examples
    --------
    >>> round(discrete_gaussian_pmf(0, sigma_squared=4), 4)
    0.1995
    >>> round(float(discrete_gaussian_pmf([-1, 0, 1], "1/2").sum()), 4)
    0.9792
    """
    k = check.integer_array("k", k)
    was_scalar = k.ndim == 0
    variance = float(_rational("sigma_squared", sigma_squared))
    weights = np.exp(-(k.astype(float) ** 2) / (2 * variance))
    return _scalar_or_array(weights / _gaussian_normaliser(variance), was_scalar)


def _gaussian_normaliser(variance: float) -> float:
    """:math:`\\sum_j e^{-j^2/2\\sigma^2}` over :math:`|j| \\le \\lceil 10\\sigma\\rceil + 1`."""
    sigma = math.sqrt(variance)
    if sigma > 1000:
        return math.sqrt(2 * math.pi) * sigma
    reach = math.ceil(10 * sigma) + 1
    j = np.arange(-reach, reach + 1, dtype=float)
    return float(np.exp(-(j**2) / (2 * variance)).sum())


# --------------------------------------------------------------------------
# Counts and sums released with exact noise
# --------------------------------------------------------------------------


def exact_noisy_count(true_count: Any, epsilon: Any, *, rng: Any = None) -> Any:
    """Release a count (or an array of counts) with exact discrete Laplace noise.

    The exact counterpart of :func:`privlab.dp.mechanisms.noisy_count`:
    :math:`\\tilde c = c + Z` with :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k|}`
    (the pmf is :func:`privlab.dp.mechanisms.discrete_laplace_pmf`), which is
    epsilon-DP because one person changes a count by at most 1. Every whole
    number has a positive probability from every true count, so no output can
    rule out a neighbour, unlike the floating-point sampler in "Why floats leak".

    Parameters
    ----------
    true_count : int or array of int
        Counts >= 0; an array gets independent noise per entry.
    epsilon : int, Fraction, str or float
        Privacy loss > 0; a float is used at its exact binary value.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` (cryptographic randomness) for a real release; a seed for
        reproducible lessons and tests only.

    Examples
    --------
    >>> exact_noisy_count(118, epsilon="1/2", rng=0)
    119
    >>> exact_noisy_count([118, 20_000], epsilon=0.5, rng=1)
    array([  120, 19996])
    """
    counts = check.count_array("true_count", true_count)
    was_scalar = counts.ndim == 0
    epsilon = _rational("epsilon", epsilon)
    noise = discrete_laplace_exact(1 / epsilon, size=counts.shape, rng=rng)
    return _scalar_or_array(counts + noise, was_scalar)


def exact_gaussian_count(true_count: Any, sigma_squared: Any, *, rng: Any = None) -> Any:
    """Release a count (or an array of counts) with exact discrete Gaussian noise.

    :math:`\\tilde c = c + Z` with :math:`\\Pr[Z = k] \\propto e^{-k^2 / 2\\sigma^2}`
    (pmf: :func:`discrete_gaussian_pmf`). For counts of sensitivity 1 this is
    :math:`\\frac{1}{2\\sigma^2}`-zero-concentrated DP (Canonne, Kamath and
    Steinke 2020), which adds up gently over many releases.

    Parameters
    ----------
    true_count : int or array of int
        Counts >= 0; an array gets independent noise per entry.
    sigma_squared : int, Fraction, str or float
        :math:`\\sigma^2 > 0`; a float is used at its exact binary value.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` (cryptographic randomness) for a real release; a seed for
        reproducible lessons and tests only.

    Examples
    --------
    >>> exact_gaussian_count(118, sigma_squared=9, rng=0)
    121
    """
    counts = check.count_array("true_count", true_count)
    was_scalar = counts.ndim == 0
    sigma_squared = _rational("sigma_squared", sigma_squared)
    noise = discrete_gaussian_exact(sigma_squared, size=counts.shape, rng=rng)
    return _scalar_or_array(counts + noise, was_scalar)


def exact_clipped_sum(values: Any, lower: int, upper: int, epsilon: Any, *, rng: Any = None) -> int:
    """An epsilon-DP sum of whole numbers: clip each, add them up, add exact noise.

    The integer counterpart of :func:`privlab.dp.sums.clipped_sum`, for values
    that are whole numbers (amounts in cents rather than euros). With bounds
    fixed in advance, one person changes the clipped total by at most
    :math:`\\Delta = \\max(|l|, |u|)`, a whole number, so discrete Laplace
    noise of scale :math:`\\Delta / \\varepsilon` makes it epsilon-DP: at every
    output the two neighbouring totals' probabilities differ by a factor of at
    most :math:`e^\\varepsilon`, exactly. The answer is a whole number, and
    every whole number is possible from every data set, so no output can rule
    out a neighbour (unlike the floating-point sum: see :func:`float_leak`).

    Parameters
    ----------
    values : 1-d array of int
        One whole number per person.
    lower, upper : int
        The clipping bounds, whole numbers with ``lower < upper``, chosen
        without looking at the data.
    epsilon : int, Fraction, str or float
        Privacy loss > 0; a float is used at its exact binary value.
    rng : None, int, random.Random or numpy.random.Generator
        ``None`` (cryptographic randomness) for a real release; a seed for
        reproducible lessons and tests only.

    Examples
    --------
    Three orders in cents, clipped at €100: the true clipped total is 14,250.

    >>> exact_clipped_sum([1_250, 3_000, 90_000], 0, 10_000, epsilon=1, rng=0)
    20561
    """
    array = check.integer_array("values", values, "a 1-d array of whole numbers")
    if array.ndim != 1:
        raise InvalidParameterError(
            "values must be a 1-d array (one whole number per person); "
            f"got {array.ndim} dimensions."
        )
    lower = check.integer("lower", lower)
    upper = check.integer("upper", upper)
    if not lower < upper:
        raise InvalidParameterError(
            f"upper must be greater than lower; got lower={lower!r}, upper={upper!r}."
        )
    epsilon = _rational("epsilon", epsilon)
    total = sum(np.clip(array, lower, upper).tolist())  # Python ints: no overflow
    sensitivity = max(abs(lower), abs(upper))
    return total + discrete_laplace_exact(sensitivity / epsilon, rng=rng)


# --------------------------------------------------------------------------
# Why floats leak (Mironov, CCS 2012)
#
# A float sampler cannot produce every real number: from a given input it
# reaches a particular, input-dependent set of floats. An output outside the
# set reachable from the neighbouring input proves which input was used.
# --------------------------------------------------------------------------

_GRID = 2**53  # u is drawn from {1, 2, ..., 2**53} / 2**53
MAX_FLOAT_SCALE = 1e300  # a larger float scale overflows: -scale * log(u) reaches 745 scales


def _textbook_output(value: float, scale: float, sign: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``value + sign * (-scale * ln(index / 2**53))``, rounded to float64 at every step.

    The sampler and the search in :func:`could_come_from` both call this, so
    they round in exactly the same way.
    """
    u = index.astype(np.float64) / _GRID  # exact: index <= 2**53, divided by a power of 2
    noise = sign * (-scale * np.log(u))
    return value + noise


def textbook_laplace(
    value: float,
    scale: float,
    *,
    size: Size = None,
    rng: np.random.Generator | int | None = None,
) -> Any:
    """The textbook floating-point Laplace sampler, written out so its grid is visible.

    .. math:: \\text{output} = x + s \\cdot (-b \\ln u)

    with a fair sign :math:`s = \\pm 1` and :math:`u` uniform on the 53-bit grid
    :math:`\\{1, 2, \\dots, 2^{53}\\} / 2^{53}`, every step in float64. Only
    :math:`2^{54}` outputs are possible from a given :math:`x`, and which ones
    depends on :math:`x`: see :func:`could_come_from` and :func:`float_leak`.

    Examples
    --------
    >>> round(textbook_laplace(0.0, 1.0, rng=7), 4)
    -0.1085
    >>> textbook_laplace(118.0, 2.0, size=(2, 3), rng=7).shape
    (2, 3)
    """
    value = check.real_number("value", value)
    scale = check.positive_number("scale", scale, high=MAX_FLOAT_SCALE)
    shape = check.size("size", size)
    generator = check.rng(rng)
    count = 1 if shape is None else math.prod(shape)
    sign = np.where(generator.integers(0, 2, size=count) == 1, -1.0, 1.0)
    index = generator.integers(1, _GRID + 1, size=count)
    outputs = _textbook_output(value, scale, sign, index)
    return outputs.item() if shape is None else outputs.reshape(shape)


def could_come_from(outputs: Any, value: float, scale: float) -> np.ndarray:
    """Whether :func:`textbook_laplace` can output exactly each float from ``value``.

    For a fixed sign the output is a monotone function of the grid index
    :math:`i` (:math:`u = i / 2^{53}`): :math:`\\ln` is increasing, and
    rounding a product or a sum never reverses an order, so with
    :math:`s = +1` the output falls as :math:`i` grows and with :math:`s = -1`
    it rises. (numpy's float ``log`` is not guaranteed to be correctly rounded;
    the tests check that it is monotone on millions of consecutive grid points.)
    A binary search over the :math:`2^{53}` indices (53 steps, all outputs at
    once) finds, for each sign, the first index whose output reaches the
    target; the target is possible exactly when that output equals it. The
    search calls the very same float formula as the sampler, so the answer is
    exact, not an approximation, and takes about a millisecond per thousand outputs.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``outputs``.

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
    outputs = check.real_array("outputs", outputs)
    value = check.real_number("value", value)
    scale = check.positive_number("scale", scale, high=MAX_FLOAT_SCALE)
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


def float_leak(
    value_a: float,
    value_b: float,
    scale: float,
    *,
    samples: int = 2000,
    rng: np.random.Generator | int | None = None,
) -> float:
    """Share of textbook Laplace outputs from ``value_a`` that are impossible from ``value_b``.

    Each such output proves the input was ``value_a`` and not ``value_b``: the
    likelihood ratio is infinite, whatever epsilon = sensitivity / scale the
    mechanism promises (Mironov 2012). Two effects make such outputs common:

    * near zero, floats are very fine. From ``value_a = 0`` the outputs are the
      noise values themselves, while from ``value_b = 1`` any output between
      -1 and 1 is ``1 + noise`` rounded, always a multiple of :math:`2^{-53}`;
    * where the noise is large next to the input, or many scales out,
      neighbouring grid points ``u`` give outputs more than one float step
      apart, so each input reaches only a sparse, input-dependent subset of
      the floats there.

    Measured with 4,000 samples: for counts 0 and 1 the share is 0.6 to 0.67
    at every epsilon from 0.01 to 1, and 0.77, 0.95 and 0.998 at epsilon 2, 5
    and 10. For counts 100 and 101 it is smaller, 0.004 to 0.03 for epsilon
    from 0.1 to 2, but 0.26 at epsilon 0.01 and 0.87 at epsilon 10.
    The exact integer samplers (:func:`exact_noisy_count`) have no such
    outputs: every whole number is possible from every true count.

    Examples
    --------
    >>> float_leak(0.0, 1.0, scale=1.0, samples=2000, rng=0)  # epsilon = 1, counts 0 and 1
    0.6535
    >>> float_leak(100.0, 101.0, scale=0.1, samples=2000, rng=0)  # epsilon = 10
    0.871
    >>> float_leak(0.0, 0.0, scale=1.0, rng=0)
    0.0
    """
    value_a = check.real_number("value_a", value_a)
    value_b = check.real_number("value_b", value_b)
    scale = check.positive_number("scale", scale, high=MAX_FLOAT_SCALE)
    samples = check.integer("samples", samples, low=1, high=10_000_000)
    outputs = textbook_laplace(value_a, scale, size=samples, rng=rng)
    return float(np.mean(~could_come_from(outputs, value_b, scale)))
