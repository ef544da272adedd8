"""Attacks that add answers up: why every release spends privacy.

:func:`averaging_attack` averages one noisy count asked again and again: the noise
shrinks like :math:`1/\\sqrt{k}` while the privacy loss grows like :math:`k\\varepsilon`.
:func:`reconstruction_attack` (Dinur and Nissim 2003, by least squares) solves many
noisy subset sums for everyone's secret bit: noise of order :math:`\\sqrt{n}` stops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._guard import (
    ANSWERS,
    POSITIVE,
    REALS,
    RNG,
    SHARE,
    TIED,
    Seed,
    guard,
    integer,
    nonnegative_number,
    whole,
)
from ..errors import InvalidParameterError
from .mechanisms import noisy_count

__all__ = [
    "ReconstructionExperiment",
    "ReconstructionResult",
    "averaging_attack",
    "random_subset_queries",
    "reconstruction_attack",
    "secret_bits",
]

PEOPLE = whole(1, 10_000)
QUERIES = whole(1, 100_000)


def _bits(name: str, value: Any) -> np.ndarray:
    return ANSWERS(name, value).astype(np.int64)


def _scales(name: str, value: Any) -> np.ndarray:
    scales = REALS(name, value)
    if scales.ndim != 1 or np.any(scales < 0):
        raise InvalidParameterError(
            f"{name} must be a 1-d array of numbers >= 0; "
            f"got {np.array2string(scales, threshold=5)}."
        )
    return scales


def _few_people(arguments: dict[str, Any]) -> None:
    PEOPLE("people", arguments["bits"].size)


def _asked(arguments: dict[str, Any]) -> None:
    rows = arguments["self"].matrix.shape[0]
    arguments["queries"] = integer("queries", arguments["queries"], low=1, high=rows)


@guard(true_count=whole(low=0), epsilon=POSITIVE, queries=whole(1, 10_000_000), rng=RNG)
def averaging_attack(
    true_count: int, epsilon: float, queries: int, *, rng: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Ask for the same count ``queries`` times; return the answers and their running average.

    The ``k`` answers are :math:`k\\varepsilon`-DP; their average is off by about
    :math:`\\sqrt{2}/(\\varepsilon\\sqrt{k})`.

    >>> answers, averages = averaging_attack(118, epsilon=0.1, queries=1000, rng=0)
    >>> round(float(averages[0]), 1), round(float(averages[-1]), 1)
    (119.0, 118.2)
    """
    answers = noisy_count(np.full(queries, true_count), epsilon, rng=rng)
    averages = np.cumsum(answers) / np.arange(1, queries + 1)
    return answers, averages


@guard(people=PEOPLE, share=SHARE, rng=RNG)
def secret_bits(people: int, share: float = 0.5, *, rng: Seed = None) -> np.ndarray:
    """One secret yes/no per person (say "has a medical condition"), as 0/1 integers.

    >>> secret_bits(8, rng=1)
    array([0, 0, 1, 0, 1, 1, 0, 1])
    """
    return (rng.random(people) < share).astype(np.int64)


@guard(people=PEOPLE, queries=QUERIES, rng=RNG)
def random_subset_queries(people: int, queries: int, *, rng: Seed = None) -> np.ndarray:
    """A ``queries x people`` 0/1 matrix: row ``j`` picks each person with chance 1/2.

    >>> random_subset_queries(4, 2, rng=0)
    array([[1, 1, 1, 0],
           [0, 0, 0, 0]])
    """
    return rng.integers(0, 2, size=(queries, people))


@dataclass(frozen=True)
class ReconstructionResult:
    """What a reconstruction attack recovered."""

    guess: np.ndarray  # the attacker's 0/1 guess of every person's bit
    fraction_correct: float  # share of people whose bit is right (1/2 is a coin flip)
    queries: int  # noisy subset sums asked
    noise_scale: float  # scale of the Laplace noise on each answer


def _least_squares_guess(matrix: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """Solve ``matrix @ x ≈ answers`` in the least-squares sense and round x to 0/1."""
    estimate, *_ = np.linalg.lstsq(matrix.astype(float), answers, rcond=None)
    return (estimate > 0.5).astype(np.int64)


@guard(bits=_bits, queries=QUERIES, noise_scale=nonnegative_number, rng=RNG, where=_few_people)
def reconstruction_attack(
    bits: Any, queries: int, noise_scale: float, *, rng: Seed = None
) -> ReconstructionResult:
    """Rebuild secret bits from noisy answers to random subset-sum queries.

    The answers are :math:`a = A x + \\mathrm{Lap}(b)`; the attacker rounds the
    least-squares :math:`x` to 0/1. With :math:`b \\ll \\sqrt{n}` almost every bit comes
    back. Each answer is :math:`(1/b)`-DP: ``queries`` answers spend :math:`m / b`.

    Examples
    --------
    >>> bits = secret_bits(100, rng=1)
    >>> reconstruction_attack(bits, queries=200, noise_scale=1.0, rng=2).fraction_correct
    0.96
    >>> reconstruction_attack(bits, queries=200, noise_scale=30.0, rng=2).fraction_correct
    0.51
    """
    matrix = random_subset_queries(bits.size, queries, rng=rng)
    noise = rng.laplace(0.0, noise_scale or 1.0, queries) * (noise_scale > 0)
    guess = _least_squares_guess(matrix, matrix @ bits + noise)
    return ReconstructionResult(guess, float(np.mean(guess == bits)), queries, noise_scale)


class ReconstructionExperiment:
    """One attacker's queries and one draw of noise, reused for many settings.

    The first ``m`` queries are the first ``m`` rows of one matrix, and
    :math:`\\hat x = A^+ A x + b\\,A^+ z` is linear in the noise scale :math:`b`,
    so one pseudo-inverse and one noise draw :math:`z` serve every scale.

    >>> experiment = ReconstructionExperiment(secret_bits(100, rng=1), max_queries=400, rng=2)
    >>> experiment.fraction_correct(400, [0.0, 2.0, 30.0]).round(2)
    array([1.  , 0.95, 0.53])
    """

    @guard(bits=_bits, max_queries=QUERIES, rng=RNG, where=_few_people)
    def __init__(self, bits: Any, max_queries: int, *, rng: Seed = None) -> None:
        self.bits = bits
        self.matrix = random_subset_queries(bits.size, max_queries, rng=rng)
        self.noise = rng.laplace(0.0, 1.0, max_queries)
        self._parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _signal_and_wobble(self, queries: int) -> tuple[np.ndarray, np.ndarray]:
        if queries not in self._parts:
            rows = self.matrix[:queries].astype(float)
            pseudo_inverse = np.linalg.pinv(rows)
            self._parts[queries] = (
                pseudo_inverse @ (rows @ self.bits),
                pseudo_inverse @ self.noise[:queries],
            )
        return self._parts[queries]

    @guard(queries=TIED, noise_scale=nonnegative_number, where=_asked)
    def guess(self, queries: int, noise_scale: float) -> np.ndarray:
        """The attacker's 0/1 guesses from the first ``queries`` answers at this noise scale."""
        signal, wobble = self._signal_and_wobble(queries)
        return (signal + noise_scale * wobble > 0.5).astype(np.int64)

    @guard(queries=TIED, noise_scales=_scales, where=_asked)
    def fraction_correct(self, queries: int, noise_scales: Any) -> np.ndarray:
        """Share of bits recovered at each noise scale (1/2 is a coin flip)."""
        signal, wobble = self._signal_and_wobble(queries)
        estimates = signal[None, :] + noise_scales[:, None] * wobble[None, :]
        return np.mean((estimates > 0.5) == self.bits[None, :], axis=1)
