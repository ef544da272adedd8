"""Differential privacy: noisy answers whose noise hides any one person.

A mechanism ``M`` is *epsilon-differentially private* when, for every pair of
neighbouring data sets ``D`` and ``D'`` (they differ in one person) and every
set of outputs ``S``,

.. math:: \\Pr[M(D) \\in S] \\le e^{\\varepsilon} \\, \\Pr[M(D') \\in S].

Smaller epsilon means the two worlds look more alike: more privacy, more noise.

The package is split into small modules, each readable on its own. The
mechanisms and the accountant are importable from ``privlab.dp`` directly; the
tools of lesson 02 are used through their modules (``dp.composition``,
``dp.audit``, ``dp.attacks``, ``dp.exact``, ``dp.gaussian``):

* :mod:`~privlab.dp.mechanisms`: Laplace and discrete Laplace noise, noisy counts.
* :mod:`~privlab.dp.randomized_response`: local DP for a yes/no question.
* :mod:`~privlab.dp.exact`: exact integer samplers for real releases, and why floats leak.
* :mod:`~privlab.dp.gaussian`: the Gaussian mechanism, L2 sensitivity, exact privacy profile.
* :mod:`~privlab.dp.sums`: clipped sums and means, histograms.
* :mod:`~privlab.dp.accountant`: a privacy budget with a ledger and a hard stop.
* :mod:`~privlab.dp.composition`: how totals add up: sequential, advanced, Rényi DP, zCDP.
* :mod:`~privlab.dp.audit`: estimate a lower bound on a mechanism's ε from many runs.
* :mod:`~privlab.dp.attacks`: averaging and reconstruction attacks (``dp.attacks``).
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
