"""Differential privacy: noisy answers whose noise hides any one person.

A mechanism ``M`` is *epsilon-differentially private* when, for every pair of
neighbouring data sets ``D`` and ``D'`` (they differ in one person) and every
set of outputs ``S``,

.. math:: \\Pr[M(D) \\in S] \\le e^{\\varepsilon} \\, \\Pr[M(D') \\in S].

Smaller epsilon means the two worlds look more alike: more privacy, more noise.

The package is split into small modules, each readable on its own; everything
public is also importable from ``privlab.dp`` directly:

* :mod:`~privlab.dp.mechanisms`: Laplace, discrete Laplace, randomized response.
"""

from __future__ import annotations

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
