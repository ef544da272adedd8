"""A privacy accountant: a total budget, a ledger of releases, and a hard stop.

Releases :math:`(\\varepsilon_i, \\delta_i)` about the same people are together
:math:`(\\sum_i \\varepsilon_i, \\sum_i \\delta_i)`-DP (sequential composition). The
accountant refuses a release that would overspend before any noise is drawn, and a
label names one release: asking again with the same label and query gives back the
published answer at no cost, so re-running a notebook cell never spends twice.
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._guard import LABEL, POSITIVE, RNG, Seed, call_outside, fraction, function, guard
from ..errors import BudgetExceededError, InvalidParameterError, ReleaseConflictError

__all__ = ["PrivacyAccountant", "Release", "budget_for"]

_TOLERANCE = 1e-12  # spending exactly the budget must not fail on rounding
_DELTA = fraction(include_zero=True)


_MECHANISM = functools.partial(function, such_as="dp.noisy_count")


def _no_extra(name: str, value: tuple[Any, ...]) -> tuple[Any, ...]:
    if value:
        raise InvalidParameterError(
            f"release takes the mechanism's other settings as keywords (for example "
            f"lower=0, upper=200); got {len(value)} extra value(s) without a name: "
            f"{', '.join(map(repr, value))}."
        )
    return value


@dataclass(frozen=True)
class Release:
    """One line of the ledger: what was released, with which mechanism, at what cost."""

    label: str
    mechanism: str
    epsilon: float
    delta: float
    answer: Any
    parameters: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""


def _fingerprint(value: Any, parameters: dict[str, Any]) -> str:
    """A digest of the true input and the settings, to tell one query from another."""
    array = np.asarray(value)
    digest = hashlib.sha256(str(array.dtype).encode() + str(array.shape).encode())
    digest.update(array.tobytes() if array.dtype != object else repr(value).encode())
    digest.update(repr(sorted(parameters.items())).encode())
    return digest.hexdigest()[:16]


class PrivacyAccountant:
    """Keep the privacy books for one data set.

    Parameters
    ----------
    epsilon : float
        The total ε budget, > 0.
    delta : float, default 0
        The total δ budget, in [0, 1).
    rng : numpy.random.Generator, int or None
        Randomness handed to each mechanism (a seed makes a lesson reproducible).

    Examples
    --------
    >>> from privlab import dp
    >>> budget = PrivacyAccountant(epsilon=1.0, rng=0)
    >>> budget.release("buyers", dp.noisy_count, 118, epsilon=0.5)
    120
    >>> budget.release("buyers", dp.noisy_count, 118, epsilon=0.5)  # re-run: same answer, free
    120
    >>> budget.spent_epsilon, budget.remaining_epsilon
    (0.5, 0.5)
    >>> budget.release("buyers again", dp.noisy_count, 118, epsilon=0.5)  # fresh noise, spends
    118
    >>> budget.remaining_epsilon
    0.0
    """

    @guard(epsilon=POSITIVE, delta=_DELTA, rng=RNG)
    def __init__(self, epsilon: float, delta: float = 0.0, *, rng: Seed = None) -> None:
        self.total_epsilon = epsilon
        self.total_delta = delta
        self._rng = rng
        self._ledger: list[Release] = []

    @property
    def ledger(self) -> tuple[Release, ...]:
        """Every release so far, oldest first (read-only)."""
        return tuple(self._ledger)

    @property
    def spent_epsilon(self) -> float:
        """Sum of the ε of all releases (sequential composition)."""
        return math.fsum(release.epsilon for release in self._ledger)

    @property
    def spent_delta(self) -> float:
        """Sum of the δ of all releases."""
        return math.fsum(release.delta for release in self._ledger)

    @property
    def remaining_epsilon(self) -> float:
        """ε still available, never below 0."""
        return max(0.0, self.total_epsilon - self.spent_epsilon)

    @property
    def remaining_delta(self) -> float:
        """δ still available, never below 0."""
        return max(0.0, self.total_delta - self.spent_delta)

    @guard(epsilon=POSITIVE, delta=_DELTA)
    def can_afford(self, epsilon: float, delta: float = 0.0) -> bool:
        """Whether a release costing ``(epsilon, delta)`` fits in what is left."""
        return (
            self.spent_epsilon + epsilon <= self.total_epsilon + _TOLERANCE
            and self.spent_delta + delta <= self.total_delta + _TOLERANCE
        )

    @guard(label=LABEL, mechanism=_MECHANISM, extra=_no_extra, epsilon=POSITIVE, delta=_DELTA)
    def release(
        self,
        label: str,
        mechanism: Callable[..., Any],
        value: Any,
        *extra: Any,
        epsilon: float,
        delta: float = 0.0,
        **parameters: Any,
    ) -> Any:
        """Answer with ``mechanism(value, epsilon=..., rng=..., **parameters)``, budget allowing.

        ``delta=delta`` is passed too when ``delta > 0``. Raises
        :class:`~privlab.errors.BudgetExceededError` (nothing drawn or recorded) when
        the release would overspend, :class:`~privlab.errors.ReleaseConflictError`
        when ``label`` was used for a different query.
        """
        name = getattr(mechanism, "__name__", repr(mechanism))
        settings = {"mechanism": name, "epsilon": epsilon, "delta": delta, **parameters}
        fingerprint = _fingerprint(value, settings)

        earlier = self._find(label)
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise ReleaseConflictError(
                    f"label {label!r} was already used for a different release "
                    f"({earlier.mechanism}, ε = {earlier.epsilon:g}); use a new label "
                    "for a new release (it will spend budget again)."
                )
            return earlier.answer  # the same number again: no new information, no cost

        if not self.can_afford(epsilon, delta):
            raise BudgetExceededError(self._overspend_message(label, epsilon, delta))
        if delta > 0:
            parameters = {**parameters, "delta": delta}
        answer = call_outside(mechanism, value, epsilon=epsilon, rng=self._rng, **parameters)
        self._ledger.append(
            Release(label, name, epsilon, delta, answer, dict(parameters), fingerprint)
        )
        return answer

    def _find(self, label: str) -> Release | None:
        return next((release for release in self._ledger if release.label == label), None)

    def _overspend_message(self, label: str, epsilon: float, delta: float) -> str:
        if self.spent_epsilon + epsilon > self.total_epsilon + _TOLERANCE:
            return (
                f"release {label!r} would spend ε = {epsilon:g} but only "
                f"ε = {self.remaining_epsilon:g} of the budget is left (total ε = "
                f"{self.total_epsilon:g}, spent {self.spent_epsilon:g}); nothing was released."
            )
        return (
            f"release {label!r} would spend δ = {delta:g} but only δ = "
            f"{self.remaining_delta:g} is left (total δ = {self.total_delta:g}); "
            "nothing was released."
        )

    def __repr__(self) -> str:
        lines = [
            f"PrivacyAccountant: spent ε = {self.spent_epsilon:g} of {self.total_epsilon:g}"
            + (f", δ = {self.spent_delta:g} of {self.total_delta:g}" if self.total_delta else "")
            + f" in {len(self._ledger)} release(s)"
        ]
        lines += [
            f"  {r.label}: {r.mechanism}, ε = {r.epsilon:g}"
            + (f", δ = {r.delta:g}" if r.delta else "")
            + f" -> {_short(r.answer)}"
            for r in self._ledger
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(r.label)}</td><td><code>{html.escape(r.mechanism)}</code></td>"
            f"<td>{r.epsilon:g}</td><td>{r.delta:g}</td><td>{html.escape(_short(r.answer))}</td></tr>"
            for r in self._ledger
        )
        share = self.spent_epsilon / self.total_epsilon
        return (
            f"<p><b>Privacy budget:</b> spent ε = {self.spent_epsilon:g} of "
            f"{self.total_epsilon:g} ({share:.0%}), δ = {self.spent_delta:g} of "
            f"{self.total_delta:g}; {len(self._ledger)} release(s).</p>"
            "<table><thead><tr><th>label</th><th>mechanism</th><th>ε</th><th>δ</th>"
            f"<th>answer</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def _short(answer: Any) -> str:
    text = np.array2string(answer, precision=4, threshold=6) if np.ndim(answer) else f"{answer:.6g}"
    return text if len(text) <= 60 else text[:57] + "..."


_BUDGETS: dict[str, PrivacyAccountant] = {}


@guard(dataset=LABEL, epsilon=POSITIVE, delta=_DELTA, rng=RNG)
def budget_for(
    dataset: str, epsilon: float, delta: float = 0.0, *, rng: Seed = None
) -> PrivacyAccountant:
    """The one accountant for ``dataset`` in this Python session, made on first use.

    Re-running ``budget = PrivacyAccountant(...)`` makes a new, full budget;
    ``budget_for`` hands back the same one, so re-running the cell is safe.

    Examples
    --------
    >>> first = budget_for("doctest purchases", epsilon=1.0)
    >>> first is budget_for("doctest purchases", epsilon=1.0)
    True
    """
    existing = _BUDGETS.get(dataset)
    if existing is None:
        existing = _BUDGETS[dataset] = PrivacyAccountant(epsilon, delta, rng=rng)
    elif (existing.total_epsilon, existing.total_delta) != (epsilon, delta):
        raise InvalidParameterError(
            f"epsilon and delta must be those of the budget for {dataset!r}, already set to "
            f"ε = {existing.total_epsilon:g}, δ = {existing.total_delta:g}; got "
            f"ε = {epsilon:g}, δ = {delta:g}. A data set's budget is fixed once set: "
            "changing it would let re-run cells spend more."
        )
    return existing
