"""DP-FedAvg: federated averaging with clipping, Gaussian noise and privacy accounting.

McMahan, Ramage, Talwar and Zhang (2018, "Learning Differentially Private
Recurrent Language Models") make federated averaging differentially private
for each *device*: whether one phone took part or not barely changes what the
server releases. One round:

1. The server picks each of its ``N`` devices independently with probability
   ``q`` (Poisson sampling); on average ``q N`` take part.
2. Each picked device computes its model update, a vector :math:`u_i`, and
   clips it to L2 norm at most ``C`` (:func:`clip_update`). One device can then
   move the sum by at most ``C``: that is the sensitivity.
3. The server adds up the clipped updates and adds Gaussian noise
   :math:`N(0, (zC)^2 I)`, where ``z`` is the *noise multiplier*
   (:func:`noisy_sum`).
4. It divides by the *expected* number of devices ``q N``, not by the number
   that actually came (:func:`dp_fedavg_average`). A fixed denominator leaks
   nothing about who took part, so the division is free post-processing.

The privacy of many rounds is counted with Renyi DP of the *sampled Gaussian
mechanism* (Mironov, Talwar and Zhang 2019): :func:`dp_fedavg_rdp` per round,
:func:`dp_fedavg_epsilon` for ``rounds`` rounds as (epsilon, delta), and
:func:`noise_multiplier_for` to pick ``z`` for a target epsilon. Sampling
helps a lot: a device that is picked in only a fraction ``q`` of the rounds is
hidden much better than one that is always in.

Examples
--------
One round with 1,000 devices, ``q = 0.05``:

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> picked = rng.random(1_000) < 0.05  # Poisson sampling
>>> int(picked.sum())
45
>>> updates = rng.normal(size=(int(picked.sum()), 3))  # one row per picked device
>>> average = dp_fedavg_average(
...     updates, clip_norm=1.0, noise_multiplier=1.0, expected_devices=0.05 * 1_000, rng=1
... )
>>> average.shape
(3,)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _guard as check
from ..dp.composition import rdp_to_dp
from ..errors import InvalidParameterError

__all__ = [
    "DEFAULT_ORDERS",
    "clip_update",
    "dp_fedavg_average",
    "dp_fedavg_epsilon",
    "dp_fedavg_rdp",
    "noise_multiplier_for",
    "noisy_sum",
]

#: Renyi orders used by default: the whole numbers 2 to 256. Many rounds with
#: little noise want a small order, few rounds with much noise a large one.
DEFAULT_ORDERS = np.arange(2, 257)
MAX_EPSILON = 1000.0  # e**1000: no privacy left to calibrate noise for
MAX_NOISE = 1e6  # a million times the clip norm: the update is gone
MAX_ROUNDS = 1_000_000  # a round a minute for two years


# --------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------


def _update_vector(update: Any) -> np.ndarray:
    """One model update: a non-empty 1-d array of finite numbers."""
    vector = check.real_array("update", update)
    if vector.ndim != 1 or vector.size == 0:
        raise InvalidParameterError(
            f"update must be a non-empty 1-d array of numbers; got {_shown(update, vector)}."
        )
    return vector


def _update_rows(updates: Any) -> np.ndarray:
    """Several model updates, one per row, all of one length (zero rows allowed)."""
    if isinstance(updates, (list, tuple)):
        lengths = sorted({int(np.size(row)) for row in updates})
        if len(lengths) > 1:
            raise InvalidParameterError(
                f"updates must all have the same length; got lengths {lengths}."
            )
    rows = check.real_array("updates", updates)
    if rows.ndim != 2 or rows.shape[1] == 0:
        raise InvalidParameterError(
            "updates must be a 2-d array with one update per row, or a list of vectors of "
            "one length (a round without devices: an array of shape (0, d)); "
            f"got {_shown(updates, rows)}."
        )
    return rows


def _orders(orders: Any) -> np.ndarray:
    """Renyi orders: whole numbers >= 2 (a number or a 1-d array), as int64."""
    array = check.real_array("orders", orders)
    if array.ndim > 1 or array.size == 0 or np.any(array < 2) or np.any(array != np.round(array)):
        raise InvalidParameterError(
            f"orders must be whole numbers >= 2 (a number or a 1-d array); "
            f"got {_shown(orders, array)}."
        )
    return array.astype(np.int64)


def _shown(value: Any, array: np.ndarray) -> str:
    """How an error message shows a bad argument: its repr, or the shape of an array."""
    return repr(value) if array.ndim == 0 else f"an array of shape {array.shape}"


# --------------------------------------------------------------------------
# One round: clip, add up, add noise, divide
# --------------------------------------------------------------------------


def clip_update(update: Any, clip_norm: float) -> np.ndarray:
    """Scale a model update down to L2 norm at most ``clip_norm``; shorter ones stay as they are.

    .. math:: \\bar u = u \\cdot \\min\\left(1, \\frac{C}{\\lVert u \\rVert_2}\\right)

    Clipping bounds what one device can add to the sum (the sensitivity), which
    the noise of :func:`noisy_sum` then hides. Clipping *alone* hides nothing:
    it keeps the direction of the update, and with it every ratio between its
    entries, which is all the gradient-inversion attack of lesson 05 needs to
    rebuild an image. Only the noise protects.

    Parameters
    ----------
    update : 1-d array of float
        The model update of one device.
    clip_norm : float
        The largest L2 norm allowed, ``C`` > 0. Fixed in advance, never taken
        from the updates themselves.

    Returns
    -------
    numpy.ndarray
        The clipped update (a new array): the same direction, norm at most
        ``C`` (up to rounding in the last digit).

    Examples
    --------
    >>> clip_update([3.0, 4.0], clip_norm=1.0)  # norm 5 -> 1
    array([0.6, 0.8])
    >>> clip_update([0.3, 0.4], clip_norm=1.0)  # norm 0.5: left alone
    array([0.3, 0.4])
    """
    vector = _update_vector(update)
    clip_norm = check.positive_number("clip_norm", clip_norm)
    norm = float(np.linalg.norm(vector))
    return vector * (clip_norm / max(norm, clip_norm))


def noisy_sum(
    updates: Any,
    *,
    clip_norm: float,
    noise_multiplier: float,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Clip each update to norm ``C``, add them up and add Gaussian noise of scale ``z C``.

    .. math:: S = \\sum_i u_i \\min\\left(1, \\frac{C}{\\lVert u_i \\rVert_2}\\right)
        + N\\left(0, (zC)^2 I\\right)

    One device moves the clipped sum by at most ``C`` (it joins or leaves), so
    noise of standard deviation :math:`zC` gives every device the same
    protection, whatever ``C`` is: the privacy depends on ``z`` alone
    (see :func:`dp_fedavg_rdp`).

    **Floating-point noise.** The noise is a numpy float draw added to float
    updates, as in production DP-SGD libraries (Opacus, TensorFlow Privacy).
    It has the weakness Mironov (2012) showed for floating-point Laplace noise
    (lesson 02; :func:`privlab.dp.exact.float_leak`): which floats an output
    can be depends on the input, so its lowest bits can tell neighbours apart.
    The fix is to round each clipped update to an integer grid and add
    discrete Gaussian noise (:func:`privlab.dp.exact.discrete_gaussian_exact`),
    which secure aggregation can then sum exactly: the distributed discrete
    Gaussian mechanism of Kairouz, Liu and Steinke (ICML 2021). Its accounting
    is theirs, not :func:`dp_fedavg_rdp`: a sum of discrete Gaussians is not a
    discrete Gaussian, and the rounding adds to the sensitivity.

    Parameters
    ----------
    updates : 2-d array of float, or list of 1-d arrays of one length
        One model update per row. A round in which no device was picked is an
        array of shape ``(0, d)``: it still releases the noise.
    clip_norm : float
        The largest L2 norm of one update, ``C`` > 0.
    noise_multiplier : float
        ``z`` > 0: the noise standard deviation in units of ``C``.
    rng : numpy.random.Generator, int or None
        Source of randomness, or a seed for reproducible draws.

    Returns
    -------
    numpy.ndarray
        The noisy sum, one entry per coordinate of the updates.

    Examples
    --------
    >>> updates = [[3.0, 4.0], [0.3, 0.4]]  # clipped to [0.6, 0.8] and [0.3, 0.4]
    >>> noisy_sum(updates, clip_norm=1.0, noise_multiplier=1e-9, rng=0).round(6)
    array([0.9, 1.2])
    >>> noisy_sum(updates, clip_norm=1.0, noise_multiplier=1.0, rng=0).round(2)
    array([1.03, 1.07])
    """
    rows = _update_rows(updates)
    clip_norm = check.positive_number("clip_norm", clip_norm)
    noise_multiplier = check.positive_number("noise_multiplier", noise_multiplier)
    generator = check.rng(rng)
    norms = np.linalg.norm(rows, axis=1)
    clipped = rows * (clip_norm / np.maximum(norms, clip_norm))[:, np.newaxis]
    noise = generator.normal(loc=0.0, scale=noise_multiplier * clip_norm, size=rows.shape[1])
    return clipped.sum(axis=0) + noise


def dp_fedavg_average(
    updates: Any,
    *,
    clip_norm: float,
    noise_multiplier: float,
    expected_devices: float,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """The DP-FedAvg average: the noisy sum divided by the *expected* number of devices.

    .. math:: \\hat u = \\frac{1}{qN}\\left(\\sum_i \\bar u_i + N(0, (zC)^2 I)\\right)

    This is the fixed-denominator estimator of McMahan et al. (2018). Dividing
    by the number of devices that actually came would reveal that number, and
    with it whether one more device took part; ``q N`` is known in advance.
    The average is unbiased for :math:`\\sum_i \\bar u_i / (qN)`, with noise
    of standard deviation :math:`zC / (qN)` per coordinate: more devices per
    round, less noise in the model.

    Parameters
    ----------
    updates : 2-d array of float, or list of 1-d arrays of one length
        The model updates of the devices picked this round, one per row.
    clip_norm : float
        The largest L2 norm of one update, ``C`` > 0.
    noise_multiplier : float
        ``z`` > 0: the noise standard deviation of the sum in units of ``C``.
    expected_devices : float
        ``q N`` > 0: the sampling probability times the number of devices.
    rng : numpy.random.Generator, int or None
        Source of randomness, or a seed for reproducible draws.

    Returns
    -------
    numpy.ndarray
        The noisy average update.

    Examples
    --------
    >>> updates = [[3.0, 4.0], [0.3, 0.4]]
    >>> dp_fedavg_average(
    ...     updates, clip_norm=1.0, noise_multiplier=1e-9, expected_devices=3, rng=0
    ... ).round(6)
    array([0.3, 0.4])
    """
    expected_devices = check.positive_number("expected_devices", expected_devices)
    total = noisy_sum(updates, clip_norm=clip_norm, noise_multiplier=noise_multiplier, rng=rng)
    return total / expected_devices


# --------------------------------------------------------------------------
# Privacy accounting: Renyi DP of the sampled Gaussian mechanism
# --------------------------------------------------------------------------


def _logsumexp(values: np.ndarray) -> float:
    """:math:`\\log \\sum_j e^{v_j}` without overflow: factor out the largest term."""
    largest = float(np.max(values))
    return largest + math.log(float(np.sum(np.exp(values - largest))))


def _log_expm1(x: np.ndarray) -> np.ndarray:
    """:math:`\\log(e^x - 1)` for x > 0, accurate for tiny and for huge x."""
    return x + np.log(-np.expm1(-x))


def _log_a(order: int, sampling_rate: float, noise_multiplier: float) -> float:
    """:math:`\\log A_\\alpha` of the sampled Gaussian mechanism for one whole order.

    The binomial weights sum to 1 and the terms ``k = 0, 1`` have exponent 0,
    so :math:`A_\\alpha - 1` is the sum over ``k >= 2`` of the weights times
    :math:`e^{(k^2 - k)/(2z^2)} - 1`. Summing that (in logs) keeps the digits of
    a tiny :math:`A_\\alpha - 1` that :math:`\\log A_\\alpha` would otherwise lose.
    """
    variance = noise_multiplier * noise_multiplier
    if sampling_rate == 1.0:  # every weight is 0 but that of k = alpha
        return (order * order - order) / (2 * variance)
    k = np.arange(2, order + 1)
    log_factorials = np.array([math.lgamma(n + 1) for n in range(order + 1)])
    log_binomials = log_factorials[order] - log_factorials[k] - log_factorials[order - k]
    log_weights = (
        log_binomials + k * math.log(sampling_rate) + (order - k) * math.log1p(-sampling_rate)
    )
    log_a_minus_one = _logsumexp(log_weights + _log_expm1((k * k - k) / (2 * variance)))
    return float(np.logaddexp(0.0, log_a_minus_one))  # log(1 + (A - 1))


def dp_fedavg_rdp(orders: Any, sampling_rate: float, noise_multiplier: float) -> Any:
    """Renyi DP of one DP-FedAvg round: the Poisson-sampled Gaussian mechanism.

    Each device is in the round with probability ``q``; its clipped update
    (sensitivity 1 in units of ``C``) gets noise of standard deviation ``z``.
    For whole orders :math:`\\alpha \\ge 2` the round is
    :math:`(\\alpha, \\varepsilon(\\alpha))`-RDP for a device joining or leaving
    (Mironov, Talwar and Zhang 2019), with

    .. math::
        A_\\alpha = \\sum_{k=0}^{\\alpha} \\binom{\\alpha}{k} (1-q)^{\\alpha-k} q^k
        \\exp\\left(\\frac{k^2 - k}{2z^2}\\right), \\qquad
        \\varepsilon(\\alpha) = \\frac{\\log A_\\alpha}{\\alpha - 1}.

    For ``q = 1`` only ``k = alpha`` is left and this is the plain Gaussian
    mechanism, :math:`\\alpha / (2z^2)`. For small ``q`` and moderate orders
    only ``k = 2`` matters and it is close to
    :math:`\\alpha q^2 (e^{1/z^2} - 1) / 2`: for large ``z`` about ``q**2``
    times the unsampled value (the rule of thumb :math:`2 q^2 \\alpha / z^2`
    is an upper bound there). Renyi DP adds up, so ``T`` rounds have ``T``
    times this at every order.

    Parameters
    ----------
    orders : int or 1-d array of int
        Renyi orders, whole numbers >= 2.
    sampling_rate : float
        ``q``, the probability that a device takes part in a round, 0 < q <= 1.
    noise_multiplier : float
        ``z`` > 0, the noise standard deviation in units of the clipping norm.

    Returns
    -------
    float or numpy.ndarray
        :math:`\\varepsilon(\\alpha)` for each order (a float for one order).

    Examples
    --------
    >>> dp_fedavg_rdp(2, sampling_rate=1.0, noise_multiplier=2.0)  # 2 / (2 * 4)
    0.25
    >>> dp_fedavg_rdp([2, 8], sampling_rate=0.01, noise_multiplier=2.0)
    array([2.84e-05, 1.16e-04])
    """
    order_array = _orders(orders)
    sampling_rate = check.unit_interval("sampling_rate", sampling_rate, include_one=True)
    noise_multiplier = check.positive_number("noise_multiplier", noise_multiplier, high=MAX_NOISE)
    rdp = np.array(
        [
            _log_a(int(order), sampling_rate, noise_multiplier) / (order - 1)
            for order in order_array.ravel()
        ]
    ).reshape(order_array.shape)
    return rdp.item() if order_array.ndim == 0 else rdp


def dp_fedavg_epsilon(
    *,
    rounds: int,
    sampling_rate: float,
    noise_multiplier: float,
    delta: float,
    orders: Any = None,
) -> float:
    """Epsilon of ``rounds`` DP-FedAvg rounds, for one device, at the given delta.

    Renyi DP composes by adding, so ``T`` rounds have
    :math:`T\\,\\varepsilon(\\alpha)` (see :func:`dp_fedavg_rdp`); the result is
    turned into (epsilon, delta) by the ``"improved"`` conversion of
    :func:`privlab.dp.composition.rdp_to_dp`, at the best of the orders:

    .. math::
        \\varepsilon = \\min_\\alpha \\; T\\,\\varepsilon(\\alpha)
        + \\log\\frac{\\alpha - 1}{\\alpha} - \\frac{\\log\\delta + \\log\\alpha}{\\alpha - 1}.

    Parameters
    ----------
    rounds : int
        ``T`` >= 1, the number of rounds.
    sampling_rate : float
        ``q``, the probability that a device takes part in a round, 0 < q <= 1.
    noise_multiplier : float
        ``z`` > 0, the noise standard deviation in units of the clipping norm.
    delta : float
        Target delta, 0 < delta < 1; well below 1 / (number of devices).
    orders : int or 1-d array of int, optional
        Renyi orders to try, whole numbers >= 2. Default :data:`DEFAULT_ORDERS`
        (2 to 256).

    Returns
    -------
    float
        The epsilon of all rounds together.

    Examples
    --------
    The example of Abadi et al. (2016) for DP-SGD: 1% of the examples per
    step, ``z = 4``, 10,000 steps. Their moments accountant (the same Renyi DP
    with the weaker ``"mironov"`` conversion) reported epsilon = 1.26:

    >>> round(dp_fedavg_epsilon(rounds=10_000, sampling_rate=0.01, noise_multiplier=4.0,
    ...                         delta=1e-5), 3)
    1.035
    """
    rounds = check.integer("rounds", rounds, low=1, high=MAX_ROUNDS)
    delta = check.unit_interval("delta", delta)
    order_array = np.atleast_1d(_orders(DEFAULT_ORDERS if orders is None else orders))
    rdp = rounds * np.atleast_1d(dp_fedavg_rdp(order_array, sampling_rate, noise_multiplier))
    epsilon, _ = rdp_to_dp(rdp, order_array, delta, conversion="improved")
    return epsilon


def noise_multiplier_for(
    epsilon: float,
    *,
    rounds: int,
    sampling_rate: float,
    delta: float,
    orders: Any = None,
) -> float:
    """The smallest noise multiplier ``z`` whose ``rounds`` rounds stay within ``epsilon``.

    Epsilon falls as ``z`` grows (every term of :math:`A_\\alpha` shrinks), so
    bisection finds the ``z`` with :math:`\\varepsilon(z) = \\varepsilon`
    (:func:`dp_fedavg_epsilon`). The answer is rounded *up*, to a relative
    precision of about :math:`10^{-9}`: its epsilon is never above the target.

    Parameters
    ----------
    epsilon : float
        Target epsilon > 0, above the smallest epsilon the orders can show at
        this delta (with endless noise), which the error message states.
    rounds : int
        ``T`` >= 1, the number of rounds.
    sampling_rate : float
        ``q``, the probability that a device takes part in a round, 0 < q <= 1.
    delta : float
        Target delta, 0 < delta < 1.
    orders : int or 1-d array of int, optional
        Renyi orders to try, whole numbers >= 2. Default :data:`DEFAULT_ORDERS`.

    Returns
    -------
    float
        The noise multiplier ``z``.

    Examples
    --------
    Which ``z`` gives epsilon = 2 over 100 rounds with 5% of the devices per round?

    >>> z = noise_multiplier_for(2.0, rounds=100, sampling_rate=0.05, delta=1e-5)
    >>> round(z, 3)
    1.447
    >>> round(dp_fedavg_epsilon(rounds=100, sampling_rate=0.05, noise_multiplier=z,
    ...                         delta=1e-5), 6)
    2.0
    """
    epsilon = check.positive_number("epsilon", epsilon, high=MAX_EPSILON)
    rounds = check.integer("rounds", rounds, low=1, high=MAX_ROUNDS)
    sampling_rate = check.unit_interval("sampling_rate", sampling_rate, include_one=True)
    delta = check.unit_interval("delta", delta)
    order_array = np.atleast_1d(_orders(DEFAULT_ORDERS if orders is None else orders))
    floor, _ = rdp_to_dp(np.zeros(order_array.shape), order_array, delta, conversion="improved")
    if epsilon <= floor:
        raise InvalidParameterError(
            f"epsilon must be > {floor:.6g} (the smallest epsilon these orders show at "
            f"delta = {delta:g}, even with endless noise); got {epsilon!r}."
        )

    def epsilon_of(noise_multiplier: float) -> float:
        return dp_fedavg_epsilon(
            rounds=rounds,
            sampling_rate=sampling_rate,
            noise_multiplier=noise_multiplier,
            delta=delta,
            orders=order_array,
        )

    low, high = _bracket(epsilon_of, epsilon)
    while high / low > 1 + 1e-9:  # invariant: epsilon_of(low) > epsilon >= epsilon_of(high)
        middle = math.sqrt(low * high)
        if epsilon_of(middle) > epsilon:
            low = middle
        else:
            high = middle
    return high


def _bracket(epsilon_of: Any, epsilon: float) -> tuple[float, float]:
    """Noise multipliers ``low < high`` with epsilon_of(low) > epsilon >= epsilon_of(high)."""
    high = 1.0
    for _ in range(200):
        if epsilon_of(high) <= epsilon:
            break
        high *= 2
    else:
        raise InvalidParameterError(
            f"epsilon must be reachable with a noise multiplier below {high:g}; got {epsilon!r}."
        )
    low = high / 2
    while epsilon_of(low) <= epsilon:  # epsilon grows without bound as z goes to 0
        low, high = low / 2, low
    return low, high
