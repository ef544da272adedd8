"""Auditing a mechanism: a lower bound on epsilon from its outputs.

A run of a mechanism cannot prove a guarantee, but it can disprove one: an event
``S`` much likelier on input ``a`` than on its neighbour ``b`` shows that epsilon is
at least :math:`\\ln\\big((P_a(S) - \\delta) / P_b(S)\\big)`. :func:`audit_epsilon`
chooses a threshold event on half of the runs and measures it with exact
Clopper-Pearson bounds on the other half, in the spirit of DP-Sniper (Bichsel et
al., 2021). A bound above the claimed epsilon disproves the claim.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np

from .._guard import (
    FUNCTION,
    PROBABILITY,
    RNG,
    Seed,
    call_outside,
    fraction,
    guard,
    nonnegative_number,
    whole,
)
from ..errors import InvalidParameterError

__all__ = ["AuditResult", "audit_epsilon", "clopper_pearson", "noise_sampler", "sampler_for"]

Sampler = Callable[[Any, int, np.random.Generator], np.ndarray]

_MAX_THRESHOLDS = 1000  # candidate thresholds tried when the outputs are continuous


def _at_most_trials(arguments: dict[str, Any]) -> None:
    successes, trials = arguments["successes"], arguments["trials"]
    if successes > trials:
        raise InvalidParameterError(
            f"successes must be a whole number from 0 to trials ({trials}); got {successes!r}."
        )


@dataclass(frozen=True)
class AuditResult:
    """What :func:`audit_epsilon` found; ``print`` it for a sentence."""

    epsilon_lower_bound: float  # epsilon >= this with probability confidence (0: no event)
    epsilon_estimate: float  # ln((P_a - delta) / P_b) on the measuring half: not a bound
    event: str  # the chosen set of outputs, e.g. "output >= 3"
    probability_a: float  # share of the measuring runs on data_a in the event
    probability_b: float  # ... and on data_b
    count_a: int  # the same as counts, out of measured_trials
    count_b: int
    measured_trials: int  # runs per input used to measure (the others chose the event)
    trials: int  # runs per input in all
    confidence: float  # probability that epsilon_lower_bound is a true lower bound
    delta: float = 0.0  # the delta the bound is for

    @guard(claimed_epsilon=nonnegative_number)
    def consistent_with(self, claimed_epsilon: float) -> bool:
        """True when the audit does not disprove the claim ``epsilon <= claimed_epsilon``.

        >>> result = AuditResult(0.93, 1.0, "output >= 1", 0.73, 0.27, 730, 270, 1000, 2000, 0.999)
        >>> result.consistent_with(1.0), result.consistent_with(0.5)
        (True, False)
        """
        return self.epsilon_lower_bound <= claimed_epsilon

    def __str__(self) -> str:
        at_delta = f" at delta = {self.delta:g}" if self.delta > 0 else ""
        return (
            f"With {100 * self.confidence:.6g}% confidence epsilon is at least "
            f"{self.epsilon_lower_bound:.2f}{at_delta} (event: {self.event}; "
            f"seen in {self.probability_a:.2%} of {self.measured_trials:,} runs on data_a "
            f"and {self.probability_b:.2%} on data_b; point estimate {self.epsilon_estimate:.2f})."
        )


class _Event(NamedTuple):
    """A threshold set of outputs, and which input it is likelier on."""

    at_least: bool  # True: output >= threshold; False: output <= threshold
    threshold: float
    favours_a: bool  # True: the bound is ln((P_a - delta) / P_b); False: a and b swap

    def describe(self) -> str:
        threshold = float(self.threshold)
        shown = str(int(threshold)) if threshold.is_integer() else f"{threshold:.6g}"
        return f"output {'>=' if self.at_least else '<='} {shown}"


@guard(
    sampler=FUNCTION,
    trials=whole(1000, 10_000_000),
    delta=fraction(include_zero=True),
    confidence=PROBABILITY,
    rng=RNG,
)
def audit_epsilon(
    sampler: Sampler,
    data_a: Any,
    data_b: Any,
    *,
    trials: int = 100_000,
    delta: float = 0.0,
    confidence: float = 0.999,
    rng: Seed = None,
) -> AuditResult:
    """A lower bound on a mechanism's epsilon, from ``trials`` runs on two neighbouring inputs.

    .. math::
        \\varepsilon \\ge \\ln \\frac{\\underline{P}_a(S) - \\delta}{\\overline{P}_b(S)}

    with the ends of Clopper-Pearson intervals, each failing with probability at
    most :math:`(1 - \\text{confidence}) / 2`. The event ``S`` (``output >= t`` or
    ``output <= t``) is the best on the first half of the runs; the bound comes
    from the second half.

    Parameters
    ----------
    sampler : callable
        ``sampler(data, size, rng)`` returns ``size`` outputs of the mechanism on
        ``data`` (see :func:`sampler_for`, :func:`noise_sampler`).
    data_a, data_b : object
        Two neighbouring inputs.
    trials : int
        Runs on each input, from 1000 to 10,000,000.
    delta : float
        The delta of the claim, in [0, 1).
    confidence : float
        Probability that the bound holds, in (0, 1).
    rng : numpy.random.Generator, int or None
        Randomness, or a seed for a reproducible audit.

    Returns
    -------
    AuditResult
        The bound, the event and the measured probabilities; ``print`` it.

    Examples
    --------
    >>> from privlab import dp
    >>> laplace = sampler_for(dp.laplace_mechanism, sensitivity=1, epsilon=0.5)
    >>> result = audit_epsilon(laplace, 10.0, 11.0, rng=0)
    >>> print(result)
    With 99.9% confidence epsilon is at least 0.46 (event: output <= 9.80157;
    seen in 45.40% of 50,000 runs on data_a and 27.54% on data_b; point estimate 0.50).
    >>> result.consistent_with(0.5)
    True

    A mechanism that claims epsilon 0.5 but adds the noise for epsilon 1 is caught:

    >>> too_little_noise = sampler_for(dp.laplace_mechanism, sensitivity=1, epsilon=1.0)
    >>> audit_epsilon(too_little_noise, 10.0, 11.0, rng=0).consistent_with(0.5)
    False
    """
    outputs_a = _run(sampler, data_a, trials, rng)
    outputs_b = _run(sampler, data_b, trials, rng)
    half = trials // 2
    event = _choose_event(outputs_a[:half], outputs_b[:half], delta, confidence)
    measured_a, measured_b = outputs_a[half:], outputs_b[half:]
    count_a, count_b = _count(measured_a, event), _count(measured_b, event)
    return _result(event, count_a, count_b, measured_a.size, trials, delta, confidence)


def _run(sampler: Sampler, data: Any, size: int, rng: np.random.Generator) -> np.ndarray:
    try:
        outputs = np.asarray(call_outside(sampler, data, size, rng))
    except TypeError as error:  # most often a function with the wrong arguments
        raise InvalidParameterError(
            "sampler must be a function sampler(data, size, rng) that returns size releases "
            f"of the mechanism on data; calling it raised TypeError: {error}"
        ) from error
    if outputs.dtype == bool:
        outputs = outputs.astype(int)
    if outputs.shape != (size,) or not np.issubdtype(outputs.dtype, np.number):
        raise InvalidParameterError(
            f"sampler must return a 1-d array of {size} numbers; got an array of shape "
            f"{outputs.shape} and type {outputs.dtype}."
        )
    if np.any(np.isnan(outputs)):
        raise InvalidParameterError(
            f"sampler must return numbers; got {np.isnan(outputs).sum()} NaN."
        )
    return outputs


def _choose_event(
    sample_a: np.ndarray, sample_b: np.ndarray, delta: float, confidence: float
) -> _Event:
    """The threshold event whose bound looks best on these runs, in either direction."""
    thresholds = _candidate_thresholds(np.concatenate([sample_a, sample_b]))
    counts_a = _threshold_counts(np.sort(sample_a), thresholds)
    counts_b = _threshold_counts(np.sort(sample_b), thresholds)
    n, z = sample_a.size, NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    scores = np.stack(
        [
            _approximate_bound(counts_a, counts_b, n, delta, z),
            _approximate_bound(counts_b, counts_a, n, delta, z),
        ]
    )
    direction, side, index = np.unravel_index(np.argmax(scores), scores.shape)
    return _Event(at_least=side == 0, threshold=thresholds[index], favours_a=direction == 0)


def _candidate_thresholds(outputs: np.ndarray) -> np.ndarray:
    """The distinct outputs, or evenly spaced quantiles of them when there are too many."""
    values = np.unique(outputs)
    if values.size <= _MAX_THRESHOLDS:
        return values
    ranks = np.linspace(0, outputs.size - 1, _MAX_THRESHOLDS).round().astype(int)
    return np.unique(np.sort(outputs)[ranks])


def _threshold_counts(sorted_sample: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many outputs are ``>= t`` (row 0) and ``<= t`` (row 1), for every threshold ``t``."""
    at_least = sorted_sample.size - np.searchsorted(sorted_sample, thresholds, side="left")
    at_most = np.searchsorted(sorted_sample, thresholds, side="right")
    return np.stack([at_least, at_most])


def _approximate_bound(
    likelier: np.ndarray, rarer: np.ndarray, n: int, delta: float, z: float
) -> np.ndarray:
    """The bound each event would give with Wilson's (1927) intervals: all events at once.

    Rare events get wide intervals, so the choice does not chase lucky ratios in the tails.
    """
    likelier_low, _ = _wilson_interval(likelier, n, z)
    _, rarer_high = _wilson_interval(rarer, n, z)
    usable = likelier_low > delta
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.log((likelier_low - delta) / rarer_high)
    return np.where(usable, bound, -np.inf)


def _wilson_interval(successes: np.ndarray, n: int, z: float) -> tuple[np.ndarray, np.ndarray]:
    centre = (successes + z**2 / 2) / (n + z**2)
    half_width = z / (n + z**2) * np.sqrt(successes * (n - successes) / n + z**2 / 4)
    return centre - half_width, centre + half_width


def _count(sample: np.ndarray, event: _Event) -> int:
    inside = sample >= event.threshold if event.at_least else sample <= event.threshold
    return int(np.count_nonzero(inside))


def _result(
    event: _Event,
    count_a: int,
    count_b: int,
    measured: int,
    trials: int,
    delta: float,
    confidence: float,
) -> AuditResult:
    likelier, rarer = (count_a, count_b) if event.favours_a else (count_b, count_a)
    likelier_low, _ = clopper_pearson(likelier, measured, confidence)
    _, rarer_high = clopper_pearson(rarer, measured, confidence)
    bound = _log_or_zero(likelier_low - delta, rarer_high)
    estimate = _log_or_zero(likelier / measured - delta, rarer / measured)
    return AuditResult(
        epsilon_lower_bound=bound,
        epsilon_estimate=estimate,
        event=event.describe(),
        probability_a=count_a / measured,
        probability_b=count_b / measured,
        count_a=count_a,
        count_b=count_b,
        measured_trials=measured,
        trials=trials,
        confidence=confidence,
        delta=delta,
    )


def _log_or_zero(numerator: float, denominator: float) -> float:
    """:math:`\\max(0, \\ln(p / q))`: epsilon is never below 0; infinite when q is 0."""
    if numerator <= 0:
        return 0.0
    if denominator == 0:
        return math.inf
    return max(0.0, math.log(numerator / denominator))


@guard(mechanism=FUNCTION)
def sampler_for(mechanism: Callable[..., Any], **params: Any) -> Sampler:
    """A sampler for :func:`audit_epsilon` from a mechanism of an array, ``rng`` and ``params``.

    >>> from privlab import dp
    >>> sample = sampler_for(dp.randomized_response, epsilon=1.0)
    >>> sample(True, 5, np.random.default_rng(0))
    array([1, 1, 1, 1, 0])
    """

    def sample(data: Any, size: int, rng: np.random.Generator) -> np.ndarray:
        outputs = np.asarray(mechanism(np.full(size, data), **params, rng=rng))
        return outputs.astype(int) if outputs.dtype == bool else outputs

    return sample


@guard(noise=FUNCTION)
def noise_sampler(noise: Callable[..., Any], **params: Any) -> Sampler:
    """A sampler for "true value plus noise", from ``noise(size=..., rng=..., **params)``.

    >>> from privlab import dp
    >>> sample = noise_sampler(dp.discrete_laplace_noise, epsilon=1.0)
    >>> sample(10, 5, np.random.default_rng(3))
    array([10, 10, 11,  9, 10])
    """

    def sample(data: Any, size: int, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(data) + np.asarray(noise(size=size, rng=rng, **params))

    return sample


@guard(trials=whole(low=1), successes=whole(low=0), confidence=PROBABILITY, where=_at_most_trials)
def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided confidence interval (Clopper-Pearson 1934) for ``successes`` in ``trials``.

    .. math::
        \\Pr[X \\ge k \\mid L] = \\Pr[X \\le k \\mid U] = (1 - \\text{confidence}) / 2,
        \\qquad X \\sim \\mathrm{Bin}(n, p)

    Each end is found by bisection on the regularised incomplete beta function.

    >>> low, high = clopper_pearson(5, 10)
    >>> round(low, 4), round(high, 4)
    (0.1871, 0.8129)
    >>> low, high = clopper_pearson(0, 10)
    >>> low, round(high, 4)
    (0.0, 0.3085)
    """
    tail = (1 - confidence) / 2
    lower = _lower_end(successes, trials, tail)
    upper = 1 - _lower_end(trials - successes, trials, tail)  # by symmetry: failures
    return lower, upper


def _lower_end(successes: int, trials: int, tail: float) -> float:
    """The probability ``p`` at which ``successes`` or more happen with chance ``tail``."""
    if successes == 0:
        return 0.0
    if successes == trials:
        return tail ** (1 / trials)  # Pr[X = n] = p^n
    a, b = successes, trials - successes + 1
    low, high = 0.0, 1.0
    for _ in range(200):  # bisection, until p is known to 15 significant digits
        middle = (low + high) / 2
        if _regularized_incomplete_beta(middle, a, b) < tail:
            low = middle
        else:
            high = middle
        if high - low <= 1e-15 * high:
            break
    return (low + high) / 2


def _regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """:math:`I_x(a, b) = x^a (1 - x)^b \\mathrm{CF}(x; a, b) / (a B(a, b))`, the Beta CDF.

    CF converges fast below :math:`(a + 1) / (a + b + 2)`; above, :math:`1 - I_{1 - x}(b, a)`.
    """
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - log_beta)  # x^a (1-x)^b / B(a, b)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(x, a, b) / a
    return 1 - front * _beta_continued_fraction(1 - x, b, a) / b


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of :math:`I_x(a, b)`, by the modified Lentz method.

    (Press et al., *Numerical Recipes*, section 6.4.)
    """
    tiny = 1e-300  # keeps a denominator that happens to be 0 from dividing by 0

    def not_zero(value: float) -> float:
        return value if abs(value) > tiny else tiny

    c = 1.0
    d = 1 / not_zero(1 - (a + b) * x / (a + 1))
    fraction = d
    for m in range(1, 1_000_000):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for term in (even, odd):
            d = 1 / not_zero(1 + term * d)
            c = not_zero(1 + term / c)
            fraction *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return fraction
