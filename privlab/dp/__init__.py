"""Differential privacy: noisy answers whose noise hides any one person.

A mechanism ``M`` is *epsilon-differentially private* when, for every pair of
neighbouring data sets ``D`` and ``D'`` (they differ in one person) and every
set of outputs ``S``,

.. math:: \\Pr[M(D) \\in S] \\le e^{\\varepsilon} \\, \\Pr[M(D') \\in S].

Smaller epsilon means the two worlds look more alike: more privacy, more noise.

The package is split into small modules, each readable on its own; everything
public is also importable from ``privlab.dp`` directly:

* :mod:`~privlab.dp.mechanisms`: Laplace, discrete Laplace, randomized response.
* :mod:`~privlab.dp.sums`: clipped sums and means, histograms.
* :mod:`~privlab.dp.accountant`: a privacy budget with a ledger and a hard stop.
* :mod:`~privlab.dp.attacks`: averaging and reconstruction attacks (``dp.attacks``).
"""

from __future__ import annotations

from . import attacks
from .accountant import PrivacyAccountant, Release, budget_for
from .mechanisms import (
    discrete_laplace_noise,
    discrete_laplace_pmf,
    estimate_proportion,
    expected_absolute_error,
    keep_probability,
    laplace_mechanism,
    laplace_pdf,
    laplace_scale,
    noisy_count,
    randomized_response,
    randomized_response_std_error,
    simulate_randomized_response,
)
from .sums import (
    clip,
    clipped_mean,
    clipped_sum,
    clipping_error,
    noisy_histogram,
    sum_sensitivity,
)

__all__ = [
    "PrivacyAccountant",
    "Release",
    "attacks",
    "budget_for",
    "clip",
    "clipped_mean",
    "clipped_sum",
    "clipping_error",
    "discrete_laplace_noise",
    "discrete_laplace_pmf",
    "estimate_proportion",
    "expected_absolute_error",
    "keep_probability",
    "laplace_mechanism",
    "laplace_pdf",
    "laplace_scale",
    "noisy_count",
    "noisy_histogram",
    "randomized_response",
    "randomized_response_std_error",
    "simulate_randomized_response",
    "sum_sensitivity",
]
