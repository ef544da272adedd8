"""Differential privacy: noisy answers whose noise hides any one person.

A mechanism ``M`` is epsilon-DP when for all neighbouring data sets ``D``, ``D'``
(they differ in one person) and every set of outputs ``S``

.. math:: \\Pr[M(D) \\in S] \\le e^{\\varepsilon} \\, \\Pr[M(D') \\in S].

The mechanisms and the accountant are importable from here; the tools of lesson 02
through their modules (exact, gaussian, composition, audit, attacks).
"""

from __future__ import annotations

from . import attacks, audit, composition, exact, gaussian
from .accountant import PrivacyAccountant, Release, budget_for
from .exact import (
    bernoulli_exp,
    discrete_gaussian_exact,
    discrete_gaussian_pmf,
    discrete_laplace_exact,
    exact_clipped_sum,
    exact_gaussian_count,
    exact_noisy_count,
)
from .gaussian import analytic_gaussian_sigma, gaussian_mechanism
from .mechanisms import (
    discrete_laplace_noise,
    discrete_laplace_pmf,
    expected_absolute_error,
    laplace_mechanism,
    laplace_pdf,
    laplace_scale,
    noisy_count,
)
from .randomized_response import (
    estimate_proportion,
    keep_probability,
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
)

__all__ = [
    "PrivacyAccountant",
    "Release",
    "analytic_gaussian_sigma",
    "attacks",
    "audit",
    "bernoulli_exp",
    "budget_for",
    "clip",
    "clipped_mean",
    "clipped_sum",
    "clipping_error",
    "composition",
    "discrete_gaussian_exact",
    "discrete_gaussian_pmf",
    "discrete_laplace_exact",
    "discrete_laplace_noise",
    "discrete_laplace_pmf",
    "estimate_proportion",
    "exact",
    "exact_clipped_sum",
    "exact_gaussian_count",
    "exact_noisy_count",
    "expected_absolute_error",
    "gaussian",
    "gaussian_mechanism",
    "keep_probability",
    "laplace_mechanism",
    "laplace_pdf",
    "laplace_scale",
    "noisy_count",
    "noisy_histogram",
    "randomized_response",
    "randomized_response_std_error",
    "simulate_randomized_response",
]
