"""DP-FedAvg: federated averaging with clipping, Gaussian noise and privacy accounting.

McMahan, Ramage, Talwar and Zhang (2018) make FedAvg DP for each device: the
server picks each device with probability ``q`` (Poisson sampling), each clips its
update to L2 norm ``C`` (:func:`clip_update`), the server adds Gaussian noise
:math:`N(0, (zC)^2 I)` to the sum (:func:`noisy_sum`) and divides by the expected
number of devices (:func:`dp_fedavg_average`). Many rounds are counted with Renyi
DP of the sampled Gaussian mechanism (Mironov, Talwar and Zhang 2019):
:func:`dp_fedavg_rdp`, :func:`dp_fedavg_epsilon`, :func:`noise_multiplier_for`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._guard import POSITIVE, PROBABILITY, RNG, Seed, fraction, guard, positive, real_array, whole
from ..dp.composition import rdp_to_dp
from ..dp.gaussian import _shown
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

#: Renyi orders tried by default (many rounds with little noise want a small order).
DEFAULT_ORDERS = np.arange(2, 257)
_MAX_EPSILON = 1000.0  # e**1000: no privacy left to calibrate noise for
_MAX_NOISE = 1e6  # a million times the clip norm: the update is gone
_MAX_ROUNDS = 1_000_000  # a round a minute for two years
_RATE = fraction(include_one=True)  # a sampling rate q, 0 < q <= 1


def _update(name: str, value: Any) -> np.ndarray:
    vector = real_array(name, value)
    if vector.ndim != 1 or vector.size == 0:
        raise InvalidParameterError(
            f"{name} must be a non-empty 1-d array of numbers; got {_shown(value, vector)}."
        )
    return vector


def _updates(name: str, value: Any) -> np.ndarray:
    if isinstance(value, (list, tuple)):
        lengths = sorted({int(np.size(row)) for row in value})
        if len(lengths) > 1:
            raise InvalidParameterError(
                f"{name} must all have the same length; got lengths {lengths}."
            )
    rows = real_array(name, value)
    if rows.ndim != 2 or rows.shape[1] == 0:
        raise InvalidParameterError(
            f"{name} must be a 2-d array with one update per row, or a list of vectors of "
            "one length (a round without devices: an array of shape (0, d)); "
            f"got {_shown(value, rows)}."
        )
    return rows


def _orders(name: str, value: Any) -> np.ndarray:
    array = real_array(name, value)
    if array.ndim > 1 or array.size == 0 or np.any(array < 2) or np.any(array != np.round(array)):
        raise InvalidParameterError(
            f"{name} must be whole numbers >= 2 (a number or a 1-d array); "
            f"got {_shown(value, array)}."
        )
    return array.astype(np.int64)


def _some_orders(name: str, value: Any) -> np.ndarray:
    """Renyi orders to try, :data:`DEFAULT_ORDERS` for None, as a 1-d array."""
    return np.atleast_1d(_orders(name, DEFAULT_ORDERS if value is None else value))


@guard(update=_update, clip_norm=POSITIVE)
def clip_update(update: Any, clip_norm: float) -> np.ndarray:
    """Scale a model update down to L2 norm at most ``clip_norm``; shorter ones stay as they are.

    .. math:: \\bar u = u \\cdot \\min\\left(1, \\frac{C}{\\lVert u \\rVert_2}\\right)

    ``C`` is fixed in advance (never from the updates). Clipping bounds what one device
    adds to the sum; alone it hides nothing (the direction, all the gradient-inversion
    attack needs, is kept): only the noise protects.

    >>> clip_update([3.0, 4.0], clip_norm=1.0)  # norm 5 -> 1
    array([0.6, 0.8])
    >>> clip_update([0.3, 0.4], clip_norm=1.0)  # norm 0.5: left alone
    array([0.3, 0.4])
    """
    return update * (clip_norm / max(float(np.linalg.norm(update)), clip_norm))


@guard(updates=_updates, clip_norm=POSITIVE, noise_multiplier=POSITIVE, rng=RNG)
def noisy_sum(
    updates: Any, *, clip_norm: float, noise_multiplier: float, rng: Seed = None
) -> np.ndarray:
    """Clip each update (a row) to norm ``C``, add them up, add Gaussian noise of scale ``z C``.

    .. math:: S = \\sum_i u_i \\min\\left(1, \\frac{C}{\\lVert u_i \\rVert_2}\\right)
        + N\\left(0, (zC)^2 I\\right)

    A round without devices (shape ``(0, d)``) still releases the noise. A float draw
    (the weakness of Mironov 2012), as in Opacus and TensorFlow Privacy.

    >>> updates = [[3.0, 4.0], [0.3, 0.4]]  # clipped to [0.6, 0.8] and [0.3, 0.4]
    >>> noisy_sum(updates, clip_norm=1.0, noise_multiplier=1e-9, rng=0).round(6)
    array([0.9, 1.2])
    >>> noisy_sum(updates, clip_norm=1.0, noise_multiplier=1.0, rng=0).round(2)
    array([1.03, 1.07])
    """
    norms = np.linalg.norm(updates, axis=1)
    clipped = updates * (clip_norm / np.maximum(norms, clip_norm))[:, np.newaxis]
    noise = rng.normal(loc=0.0, scale=noise_multiplier * clip_norm, size=updates.shape[1])
    return clipped.sum(axis=0) + noise


@guard(
    updates=_updates,
    clip_norm=POSITIVE,
    noise_multiplier=POSITIVE,
    expected_devices=POSITIVE,
    rng=RNG,
)
def dp_fedavg_average(
    updates: Any,
    *,
    clip_norm: float,
    noise_multiplier: float,
    expected_devices: float,
    rng: Seed = None,
) -> np.ndarray:
    """The DP-FedAvg average: the noisy sum divided by the *expected* number of devices ``q N``.

    .. math:: \\hat u = \\frac{1}{qN}\\left(\\sum_i \\bar u_i + N(0, (zC)^2 I)\\right)

    Dividing by the number of devices that came would reveal whether one more took part.

    >>> updates = [[3.0, 4.0], [0.3, 0.4]]
    >>> dp_fedavg_average(
    ...     updates, clip_norm=1.0, noise_multiplier=1e-9, expected_devices=3, rng=0
    ... ).round(6)
    array([0.3, 0.4])
    """
    total = noisy_sum(updates, clip_norm=clip_norm, noise_multiplier=noise_multiplier, rng=rng)
    return total / expected_devices


def _logsumexp(values: np.ndarray) -> float:
    """:math:`\\log \\sum_j e^{v_j}` without overflow: factor out the largest term."""
    largest = float(np.max(values))
    return largest + math.log(float(np.sum(np.exp(values - largest))))


def _log_expm1(x: np.ndarray) -> np.ndarray:
    """:math:`\\log(e^x - 1)` for x > 0, accurate for tiny and for huge x."""
    return x + np.log(-np.expm1(-x))


def _log_a(order: int, sampling_rate: float, noise_multiplier: float) -> float:
    """:math:`\\log A_\\alpha` for one whole order, from :math:`A_\\alpha - 1` to keep its digits.

    The weights sum to 1 and the terms ``k = 0, 1`` have exponent 0, so
    :math:`A_\\alpha - 1` sums over ``k >= 2`` the weights times :math:`e^{(k^2 - k)/(2z^2)} - 1`.
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


@guard(orders=_orders, sampling_rate=_RATE, noise_multiplier=positive(_MAX_NOISE))
def dp_fedavg_rdp(orders: Any, sampling_rate: float, noise_multiplier: float) -> Any:
    """Renyi DP of one DP-FedAvg round: the Poisson-sampled Gaussian mechanism.

    For whole orders :math:`\\alpha \\ge 2` (Mironov, Talwar and Zhang 2019):

    .. math::
        A_\\alpha = \\sum_{k=0}^{\\alpha} \\binom{\\alpha}{k} (1-q)^{\\alpha-k} q^k
        \\exp\\left(\\frac{k^2 - k}{2z^2}\\right), \\qquad
        \\varepsilon(\\alpha) = \\frac{\\log A_\\alpha}{\\alpha - 1}.

    >>> dp_fedavg_rdp(2, sampling_rate=1.0, noise_multiplier=2.0)  # 2 / (2 * 4)
    0.25
    >>> dp_fedavg_rdp([2, 8], sampling_rate=0.01, noise_multiplier=2.0)
    array([2.84e-05, 1.16e-04])
    """
    rdp = np.array(
        [
            _log_a(int(order), sampling_rate, noise_multiplier) / (order - 1)
            for order in orders.ravel()
        ]
    ).reshape(orders.shape)
    return rdp.item() if orders.ndim == 0 else rdp


@guard(
    rounds=whole(1, _MAX_ROUNDS),
    sampling_rate=_RATE,
    noise_multiplier=positive(_MAX_NOISE),
    delta=PROBABILITY,
    orders=_some_orders,
)
def dp_fedavg_epsilon(
    *, rounds: int, sampling_rate: float, noise_multiplier: float, delta: float, orders: Any = None
) -> float:
    """Epsilon of ``rounds`` DP-FedAvg rounds, for one device, at the given delta.

    ``T = rounds`` rounds, each device taking part with probability ``q = sampling_rate``
    and noise of ``z = noise_multiplier`` clipping norms, have :math:`T\\,\\varepsilon(\\alpha)`
    (:func:`dp_fedavg_rdp`), turned into (epsilon, delta) by the ``"improved"`` conversion
    of :func:`privlab.dp.composition.rdp_to_dp` at the best of the ``orders`` (whole
    numbers >= 2, default :data:`DEFAULT_ORDERS`). Abadi et al. (2016), DP-SGD: their
    moments accountant reported 1.26 here.

    >>> round(dp_fedavg_epsilon(rounds=10_000, sampling_rate=0.01, noise_multiplier=4.0,
    ...                         delta=1e-5), 3)
    1.035
    """
    rdp = rounds * np.atleast_1d(dp_fedavg_rdp(orders, sampling_rate, noise_multiplier))
    epsilon, _ = rdp_to_dp(rdp, orders, delta, conversion="improved")
    return epsilon


def _reachable(arguments: dict[str, Any]) -> None:
    """Epsilon above the floor the orders show at this delta, even with endless noise."""
    orders, delta, epsilon = arguments["orders"], arguments["delta"], arguments["epsilon"]
    floor, _ = rdp_to_dp(np.zeros(orders.shape), orders, delta, conversion="improved")
    if epsilon <= floor:
        raise InvalidParameterError(
            f"epsilon must be > {floor:.6g} (the smallest epsilon these orders show at "
            f"delta = {delta:g}, even with endless noise); got {epsilon!r}."
        )


@guard(
    epsilon=positive(_MAX_EPSILON),
    rounds=whole(1, _MAX_ROUNDS),
    sampling_rate=_RATE,
    delta=PROBABILITY,
    orders=_some_orders,
    where=_reachable,
)
def noise_multiplier_for(
    epsilon: float, *, rounds: int, sampling_rate: float, delta: float, orders: Any = None
) -> float:
    """The smallest noise multiplier ``z`` whose ``rounds`` rounds stay within ``epsilon``.

    By bisection, rounded up (relative precision :math:`10^{-9}`): never above the target.

    >>> z = noise_multiplier_for(2.0, rounds=100, sampling_rate=0.05, delta=1e-5)
    >>> round(z, 3)
    1.447
    >>> round(dp_fedavg_epsilon(rounds=100, sampling_rate=0.05, noise_multiplier=z,
    ...                         delta=1e-5), 6)
    2.0
    """

    def epsilon_of(noise_multiplier: float) -> float:
        return dp_fedavg_epsilon(
            rounds=rounds,
            sampling_rate=sampling_rate,
            noise_multiplier=noise_multiplier,
            delta=delta,
            orders=orders,
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
    while epsilon_of(high) > epsilon:
        high *= 2
        if high > _MAX_NOISE:
            raise InvalidParameterError(
                f"epsilon must be reachable with a noise multiplier of at most {_MAX_NOISE:g}; "
                f"got {epsilon!r}."
            )
    low = high / 2
    while epsilon_of(low) <= epsilon:  # epsilon grows without bound as z goes to 0
        low, high = low / 2, low
    return low, high
