"""Randomized response: local differential privacy for a yes/no survey question (Warner, 1965).

Each person flips their own answer with a known probability before anyone
sees it, so they need not trust whoever collects the answers; the collector
still estimates the share of "yes" without bias.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import ANSWERS, MAX_ITEMS, POSITIVE, RNG, SHARE, guard, whole

__all__ = [
    "estimate_proportion",
    "keep_probability",
    "randomized_response",
    "randomized_response_std_error",
    "simulate_randomized_response",
]


@guard(epsilon=POSITIVE)
def keep_probability(epsilon: float) -> float:
    """Chance that randomized response reports the true answer.

    .. math:: p = e^\\varepsilon / (1 + e^\\varepsilon)

    Examples
    --------
    >>> round(keep_probability(math.log(3)), 2)
    0.75
    """
    return 1 / (1 + math.exp(-epsilon))


@guard(answers=ANSWERS, epsilon=POSITIVE, rng=RNG)
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
    tell_truth = rng.random(answers.shape) < keep_probability(epsilon)
    return np.where(tell_truth, answers, ~answers)


@guard(responses=ANSWERS, epsilon=POSITIVE)
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
    p = keep_probability(epsilon)
    return float((responses.mean() - (1 - p)) / (2 * p - 1))


@guard(true_proportion=SHARE, n=whole(low=1), epsilon=POSITIVE)
def randomized_response_std_error(true_proportion: float, n: int, epsilon: float) -> float:
    """Standard error of :func:`estimate_proportion` for ``n`` respondents.

    .. math:: \\mathrm{SE}(\\hat\\pi) = \\frac{\\sqrt{\\lambda(1 - \\lambda)/n}}{2p - 1}

    Examples
    --------
    >>> round(randomized_response_std_error(0.3, n=10_000, epsilon=1.0), 4)
    0.0106
    """
    p = keep_probability(epsilon)
    reported = p * true_proportion + (1 - p) * (1 - true_proportion)
    return math.sqrt(reported * (1 - reported) / n) / (2 * p - 1)


@guard(
    respondents=whole(1, MAX_ITEMS),
    true_proportion=SHARE,
    epsilon=POSITIVE,
    surveys=whole(1, 1_000_000),
    rng=RNG,
)
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
    p = keep_probability(epsilon)
    true_yes = rng.binomial(respondents, true_proportion, size=surveys)
    reported_yes = rng.binomial(true_yes, p) + rng.binomial(respondents - true_yes, 1 - p)
    raw_shares = reported_yes / respondents
    return (raw_shares - (1 - p)) / (2 * p - 1), raw_shares
