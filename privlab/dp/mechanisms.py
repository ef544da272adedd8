"""Mechanisms: noisy answers whose noise hides any one person.

* :func:`laplace_mechanism`: add Laplace noise of scale ``sensitivity / epsilon``
  (Dwork, McSherry, Nissim and Smith, 2006).
* :func:`noisy_count`: a count released with *discrete* Laplace noise, so the
  answer is a whole number ("118 buyers are reported as 120 or 114").
* :func:`randomized_response` and :func:`estimate_proportion`: local DP for a
  yes/no survey question (Warner, 1965).

The samplers here use floating-point numpy draws: fast, and right for seeing and
measuring the distributions, but not hardened against the floating-point
attacks of Mironov (2012). Two kinds, to tell apart:

* :func:`laplace_mechanism` outputs floats: the textbook leak applies, and an
  output's lowest bits can rule out a neighbouring input
  (:func:`privlab.dp.exact.float_leak` measures it for the textbook sampler);
* :func:`discrete_laplace_noise` and :func:`noisy_count` output whole numbers,
  so that leak does not, but numpy computes each draw with floating-point
  arithmetic: the probabilities carry rounding errors of about :math:`10^{-16}`
  (which matter only far in the tails), and where
  :math:`1 - e^{-\\varepsilon/\\Delta}` rounds to within one step of 1
  (:math:`\\varepsilon/\\Delta` of 37 or more) the noise is always 0.

:mod:`privlab.dp.exact` has exact samplers for real releases.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _validate as check
from ..errors import InvalidParameterError

__all__ = [
    "discrete_laplace_noise",
    "discrete_laplace_pmf",
    "estimate_proportion",
    "expected_absolute_error",
    "keep_probability",
    "laplace_mechanism",
    "laplace_pdf",
    "laplace_scale",
    "noisy_count",
    "randomized_response",
    "randomized_response_std_error",
    "simulate_randomized_response",
]


def _scalar_or_array(array: np.ndarray, was_scalar: bool) -> Any:
    """Give a plain Python number back when the caller passed one."""
    return array.item() if was_scalar else array


# --------------------------------------------------------------------------
# The Laplace mechanism
# --------------------------------------------------------------------------


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """Scale ``b`` of the Laplace noise that makes a query epsilon-DP.

    .. math:: b = \\Delta f / \\varepsilon

    where the sensitivity :math:`\\Delta f` is the most one person can change
    the true answer (1 for a count).

    Examples
    --------
    >>> laplace_scale(sensitivity=1, epsilon=0.5)
    2.0
    """
    sensitivity = check.positive_number("sensitivity", sensitivity)
    epsilon = check.positive_number("epsilon", epsilon)
    return sensitivity / epsilon


def laplace_pdf(x: Any, loc: float, scale: float) -> Any:
    """Density of the Laplace distribution, :math:`\\frac{1}{2b} e^{-|x - \\mu| / b}`.

    Examples
    --------
    >>> round(laplace_pdf(0.0, loc=0.0, scale=1.0), 3)
    0.5
    """
    x = check.real_array("x", x)
    was_scalar = x.ndim == 0
    loc = check.real_number("loc", loc)
    scale = check.positive_number("scale", scale)
    return _scalar_or_array(np.exp(-np.abs(x - loc) / scale) / (2 * scale), was_scalar)


def laplace_mechanism(
    value: Any,
    sensitivity: float,
    epsilon: float,
    *,
    rng: np.random.Generator | int | None = None,
) -> Any:
    """Release ``value`` with Laplace noise of scale ``sensitivity / epsilon``.

    .. math:: M(x) = x + \\mathrm{Lap}(\\Delta f / \\varepsilon)

    Parameters
    ----------
    value : float or array of float
        The true answer(s). An array gets independent noise per entry.
    sensitivity : float
        How much one person can change ``value`` (its L1 sensitivity), > 0.
    epsilon : float
        Privacy loss parameter, > 0. Smaller is more private and noisier.
    rng : numpy.random.Generator, int or None
        Source of randomness, or a seed for reproducible draws.

    Returns
    -------
    float or numpy.ndarray
        The noisy answer, of the same shape as ``value``.

    Examples
    --------
    >>> round(laplace_mechanism(118, sensitivity=1, epsilon=1.0, rng=7), 2)
    118.29
    >>> laplace_mechanism([10.0, 20.0], sensitivity=1, epsilon=1.0, rng=7).shape
    (2,)
    """
    value = check.real_array("value", value)
    was_scalar = value.ndim == 0
    scale = laplace_scale(sensitivity, epsilon)
    generator = check.rng(rng)
    noisy = value + generator.laplace(loc=0.0, scale=scale, size=value.shape)
    return _scalar_or_array(noisy, was_scalar)


# --------------------------------------------------------------------------
# Counts: the discrete Laplace mechanism
# --------------------------------------------------------------------------


def discrete_laplace_noise(
    epsilon: float,
    size: int | tuple[int, ...] | None = None,
    *,
    sensitivity: int = 1,
    rng: np.random.Generator | int | None = None,
) -> Any:
    """Whole-number noise with :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k| / \\Delta}`.

    This is the *discrete Laplace* (or two-sided geometric) distribution of
    Ghosh, Roughgarden and Sundararajan (2009). A draw is the difference of two
    independent geometric variables with success probability
    :math:`1 - e^{-\\varepsilon / \\Delta}`, from numpy: fast, exact in
    distribution only up to floating-point rounding in that probability and in
    numpy's geometric sampler (see the module notes). For simulations and
    charts; a release draws with :func:`privlab.dp.exact.discrete_laplace_exact`.

    Examples
    --------
    >>> discrete_laplace_noise(1.0, size=5, rng=3)
    array([ 0,  0,  1, -1,  0])
    """
    epsilon = check.positive_number("epsilon", epsilon)
    sensitivity = check.integer("sensitivity", sensitivity, low=1)
    shape = check.size("size", size)
    generator = check.rng(rng)
    success = -math.expm1(-epsilon / sensitivity)  # 1 - exp(-eps/Delta), accurate for small eps
    draws = generator.geometric(success, size=shape) - generator.geometric(success, size=shape)
    return draws if size is not None else int(draws)


def discrete_laplace_pmf(k: Any, loc: int, epsilon: float, *, sensitivity: int = 1) -> Any:
    """Probability that a noisy count centred on ``loc`` comes out as ``k``.

    .. math::
        \\Pr[\\tilde c = k] = \\frac{1 - a}{1 + a} \\, a^{|k - c|},
        \\qquad a = e^{-\\varepsilon / \\Delta}

    Examples
    --------
    >>> round(discrete_laplace_pmf(118, loc=118, epsilon=1.0), 4)
    0.4621
    """
    k = check.integer_array("k", k)
    was_scalar = k.ndim == 0
    loc = check.integer("loc", loc, low=-(2**62), high=2**62)
    epsilon = check.positive_number("epsilon", epsilon)
    sensitivity = check.integer("sensitivity", sensitivity, low=1)
    a = math.exp(-epsilon / sensitivity)
    pmf = (1 - a) / (1 + a) * np.power(a, np.abs(k - loc))
    return _scalar_or_array(pmf, was_scalar)


def noisy_count(
    true_count: Any,
    epsilon: float,
    *,
    rng: np.random.Generator | int | None = None,
) -> Any:
    """Release a count (or an array of counts) with discrete Laplace noise.

    A count changes by at most 1 when one person joins or leaves, so its
    sensitivity is 1 and the noisy count
    :math:`\\tilde c = c + Z`, :math:`\\Pr[Z = k] \\propto e^{-\\varepsilon |k|}`,
    is epsilon-DP. The answer is a whole number and may be below zero when the
    true count is small: clamping it at 0 afterwards would keep the privacy
    (post-processing) but bias small counts upwards. The noise comes from the
    fast :func:`discrete_laplace_noise`; for a real release use
    :func:`privlab.dp.exact.exact_noisy_count`, the same distribution drawn exactly.

    Examples
    --------
    >>> noisy_count(118, epsilon=0.5, rng=0)
    120
    >>> noisy_count([118, 20_000], epsilon=0.5, rng=1)
    array([  119, 20001])
    """
    counts = check.count_array("true_count", true_count)
    was_scalar = counts.ndim == 0
    noise = discrete_laplace_noise(epsilon, size=counts.shape, rng=rng)
    return _scalar_or_array(counts + noise, was_scalar)


def expected_absolute_error(
    epsilon: float, *, sensitivity: float = 1, discrete: bool = False
) -> float:
    """Average size of the noise, :math:`E|Z|`: the typical error of a release.

    For Laplace noise of scale :math:`b = \\Delta/\\varepsilon` it is :math:`b`.
    For discrete Laplace noise it is :math:`2a / (1 - a^2)` with
    :math:`a = e^{-\\varepsilon/\\Delta}`. Neither depends on the true value: the
    noise is absolute, not relative.

    Examples
    --------
    >>> expected_absolute_error(0.5)
    2.0
    >>> round(expected_absolute_error(0.5, discrete=True), 3)
    1.919
    """
    if not isinstance(discrete, (bool, np.bool_)):
        raise InvalidParameterError(f"discrete must be True or False; got {discrete!r}.")
    scale = laplace_scale(sensitivity, epsilon)
    if not discrete:
        return scale
    check.integer("sensitivity", sensitivity, low=1)
    a = math.exp(-1 / scale)
    return 2 * a / (1 - a * a)


# --------------------------------------------------------------------------
# Randomized response: local differential privacy
# --------------------------------------------------------------------------


def keep_probability(epsilon: float) -> float:
    """Chance that randomized response reports the true answer.

    .. math:: p = e^\\varepsilon / (1 + e^\\varepsilon)

    Examples
    --------
    >>> round(keep_probability(math.log(3)), 2)
    0.75
    """
    epsilon = check.positive_number("epsilon", epsilon)
    return 1 / (1 + math.exp(-epsilon))


def randomized_response(
    answers: Any,
    epsilon: float,
    *,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Each person reports their true yes/no answer with probability ``p``, else the opposite.

    With :math:`p = e^\\varepsilon / (1 + e^\\varepsilon)` the ratio of the chances of
    any report under a true "yes" and a true "no" is :math:`p / (1 - p) = e^\\varepsilon`,
    so each person's report is epsilon-DP on its own: they need not trust whoever
    collects the answers (*local* DP).

    Examples
    --------
    >>> randomized_response([True, True, False, False], epsilon=1.0, rng=0)
    array([ True,  True, False, False])
    """
    truth = check.binary_array("answers", answers)
    p = keep_probability(epsilon)
    generator = check.rng(rng)
    tell_truth = generator.random(truth.shape) < p
    return np.where(tell_truth, truth, ~truth)


def estimate_proportion(responses: Any, epsilon: float) -> float:
    """Unbiased estimate of the true fraction of "yes" from randomized responses.

    The expected fraction of reported "yes" is
    :math:`\\lambda = p\\pi + (1 - p)(1 - \\pi)`; solving for :math:`\\pi` gives

    .. math:: \\hat\\pi = \\frac{\\hat\\lambda - (1 - p)}{2p - 1}.

    The estimate can fall a little outside [0, 1] by chance; that is the price
    of being unbiased.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.random(10_000) < 0.3
    >>> reports = randomized_response(truth, epsilon=1.0, rng=rng)
    >>> round(estimate_proportion(reports, epsilon=1.0), 2)
    0.32
    """
    reports = check.binary_array("responses", responses)
    p = keep_probability(epsilon)
    return float((reports.mean() - (1 - p)) / (2 * p - 1))


def randomized_response_std_error(true_proportion: float, n: int, epsilon: float) -> float:
    """Standard error of :func:`estimate_proportion` for ``n`` respondents.

    .. math:: \\mathrm{SE}(\\hat\\pi) = \\frac{\\sqrt{\\lambda(1 - \\lambda)/n}}{2p - 1}

    Examples
    --------
    >>> round(randomized_response_std_error(0.3, n=10_000, epsilon=1.0), 4)
    0.0106
    """
    true_proportion = check.unit_interval(
        "true_proportion", true_proportion, include_zero=True, include_one=True
    )
    n = check.integer("n", n, low=1)
    p = keep_probability(epsilon)
    reported = p * true_proportion + (1 - p) * (1 - true_proportion)
    return math.sqrt(reported * (1 - reported) / n) / (2 * p - 1)


def simulate_randomized_response(
    respondents: int,
    true_proportion: float,
    epsilon: float,
    *,
    surveys: int = 1000,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run many randomized-response surveys at once; return their estimates and raw shares.

    Each survey asks ``respondents`` people drawn from a population in which a
    share ``true_proportion`` would truthfully answer "yes". The number of
    true "yes" is binomial, and so are the numbers of truthful and flipped
    reports, so a survey costs a few binomial draws however large it is.

    Returns
    -------
    estimates : numpy.ndarray
        :func:`estimate_proportion` of each survey (unbiased).
    raw_shares : numpy.ndarray
        The share of "yes" *reports* in each survey (biased towards 1/2).

    Examples
    --------
    >>> estimates, raw = simulate_randomized_response(1000, 0.3, epsilon=1.0, surveys=2000, rng=0)
    >>> round(float(estimates.mean()), 2), round(float(raw.mean()), 2)
    (0.3, 0.41)
    """
    respondents = check.integer("respondents", respondents, low=1, high=check.MAX_ITEMS)
    true_proportion = check.unit_interval(
        "true_proportion", true_proportion, include_zero=True, include_one=True
    )
    surveys = check.integer("surveys", surveys, low=1, high=1_000_000)
    p = keep_probability(epsilon)
    generator = check.rng(rng)
    true_yes = generator.binomial(respondents, true_proportion, size=surveys)
    reported_yes = generator.binomial(true_yes, p) + generator.binomial(
        respondents - true_yes, 1 - p
    )
    raw_shares = reported_yes / respondents
    return (raw_shares - (1 - p)) / (2 * p - 1), raw_shares
