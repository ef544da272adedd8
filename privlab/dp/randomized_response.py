"""Randomized response: local differential privacy for a yes/no survey question (Warner, 1965).

Each person flips their own answer with a known probability before anyone
sees it, so they need not trust whoever collects the answers; the collector
still estimates the share of "yes" without bias.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import ANSWERS, MAX_ITEMS, POSITIVE, RNG, SHARE, Seed, guard, whole

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

    >>> round(keep_probability(math.log(3)), 2)
    0.75
    """
    return 1 / (1 + math.exp(-epsilon))


@guard(answers=ANSWERS, epsilon=POSITIVE, rng=RNG)
def randomized_response(answers: Any, epsilon: float, *, rng: Seed = None) -> np.ndarray:
    """Each person reports their true yes/no answer with probability ``p``, else the opposite.

    With :math:`p = e^\\varepsilon / (1 + e^\\varepsilon)` any report is at most
    :math:`p / (1 - p) = e^\\varepsilon` times likelier under one true answer than
    the other: each report is epsilon-DP on its own (local DP).

    >>> randomized_response([True, True, False, False], epsilon=1.0, rng=0)
    array([ True,  True, False, False])
    """
    tell_truth = rng.random(answers.shape) < keep_probability(epsilon)
    return np.where(tell_truth, answers, ~answers)


@guard(responses=ANSWERS, epsilon=POSITIVE)
def estimate_proportion(responses: Any, epsilon: float) -> float:
    """Unbiased estimate of the true fraction of "yes" from randomized responses.

    .. math:: \\hat\\pi = \\frac{\\hat\\lambda - (1 - p)}{2p - 1}

    where :math:`\\hat\\lambda` is the share of "yes" reports; it may fall a little
    outside [0, 1].

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
    rng: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run many randomized-response surveys at once; return their estimates and raw shares.

    The true, truthful and flipped "yes" are binomial: a survey costs a few
    draws. Returns each survey's estimate (unbiased) and its raw share of "yes"
    reports (biased towards 1/2).

    >>> estimates, raw = simulate_randomized_response(1000, 0.3, epsilon=1.0, surveys=2000, rng=0)
    >>> round(float(estimates.mean()), 2), round(float(raw.mean()), 2)
    (0.3, 0.41)
    """
    p = keep_probability(epsilon)
    true_yes = rng.binomial(respondents, true_proportion, size=surveys)
    reported_yes = rng.binomial(true_yes, p) + rng.binomial(respondents - true_yes, 1 - p)
    raw_shares = reported_yes / respondents
    return (raw_shares - (1 - p)) / (2 * p - 1), raw_shares
