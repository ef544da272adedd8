"""How long guessing a password (or a key) takes: the arithmetic behind a brute-force calculator.

A secret drawn at random from :math:`N` possibilities is found, on average,
after :math:`N/2` guesses: at :math:`r` guesses a second, :math:`t = N / (2r)`.
:math:`N` is :math:`A^L` for :math:`L` characters from an alphabet of
:math:`A` (:func:`search_space`), :math:`7776^W` for :math:`W` diceware words,
:math:`2^{256}` for the backup key; passwords people *make up* fall far sooner.
Against Argon2id each guess takes :math:`s` seconds and :math:`m` bytes, so an
attacker with :math:`c` cores and :math:`M` bytes runs :math:`\\min(c, \\lfloor
M/m \\rfloor)` at once (:meth:`Attacker.rate`): memory limits them too. The
:data:`ATTACKERS` are round assumptions; :func:`measure_kdf` measures :math:`s` here.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import nacl.utils

from .. import _guard as check
from .._guard import POSITIVE, guard, optional, whole
from ..errors import InvalidParameterError
from ._kdf import COSTS, KEY_DIGITS, SALT_BYTES, _cost
from .backup import derive_key

__all__ = [
    "ALPHABETS",
    "ATTACKERS",
    "TYPICAL_SECONDS",
    "WORDLIST_SIZE",
    "Attacker",
    "crack_seconds",
    "human_duration",
    "measure_kdf",
    "search_space",
    "vault_success_chance",
]

ALPHABETS: dict[str, int] = {
    "digits 0-9": 10,
    "lower-case letters": 26,
    "letters and digits": 62,
    "every keyboard character": 94,
}
"""Alphabets a password can be drawn from, and their sizes."""

WORDLIST_SIZE = 7776
"""Words in a diceware list: five dice pick one word (:math:`6^5`)."""

KEY_SPACE = 16**KEY_DIGITS
"""Possible 64-digit backup keys: :math:`16^{64} = 2^{256}`."""

TYPICAL_SECONDS: dict[str, float] = {"interactive": 0.1, "moderate": 0.4, "sensitive": 1.6}
"""Seconds for one Argon2id guess on one core of a typical laptop, until measured."""

_GIB = 2**30
_SECONDS_PER_YEAR = 365.25 * 24 * 3600


def _cost_or_none(name: str, cost: Any) -> Any:
    """``"none"`` or an Argon2id cost (checked, returned as given)."""
    if isinstance(cost, str) and cost == "none":
        return cost
    _cost(name, cost)
    return cost


def _typical_known(arguments: dict[str, Any]) -> None:
    cost = arguments["cost"]
    if arguments["seconds_per_guess"] is None and not isinstance(cost, str):
        raise InvalidParameterError(
            f"seconds_per_guess must be given for cost={cost!r}; typical figures "
            f"exist only for {list(TYPICAL_SECONDS)}."
        )


def _space(name: str, space: Any) -> float:
    """A search space as a float; beyond a float's range (about 1e308) it is refused."""
    try:
        value = float(space) if isinstance(space, int) and not isinstance(space, bool) else space
    except OverflowError:
        raise InvalidParameterError(
            f"{name} must be at most about 1e308 possibilities (a float's range); got a number "
            f"with {len(str(space))} digits."
        ) from None
    return check.positive_number(name, value)


def _duration(name: str, seconds: Any) -> float:
    number = check.real_number(name, seconds)
    if number < 0:
        raise InvalidParameterError(f"{name} must be ≥ 0; got {seconds!r}.")
    return number


@dataclass(frozen=True)
class Attacker:
    """Someone guessing passwords, in round figures.

    ``cores`` Argon2id guesses at once (memory allowing) in ``memory_bytes``,
    each core ``core_speed`` times as fast as one of the learner's, and
    ``fast_hash_rate`` guesses a second against a password hashed once.
    """

    name: str
    cores: int
    memory_bytes: int
    core_speed: float
    fast_hash_rate: float

    @guard(memory_per_guess=whole(low=1))
    def parallel(self, memory_per_guess: int) -> int:
        """Guesses at once: :math:`\\min(c, \\lfloor M / m \\rfloor)`, at least 1."""
        return max(1, min(self.cores, self.memory_bytes // memory_per_guess))

    @guard(cost=_cost_or_none, seconds_per_guess=optional(POSITIVE), where=_typical_known)
    def rate(self, cost: str, seconds_per_guess: float | None = None) -> float:
        """Guesses per second against a password stretched at ``cost`` (or ``"none"``).

        ``cost`` is ``"none"`` (one fast hash) or an Argon2id cost;
        ``seconds_per_guess`` is one guess on one core of the learner's
        machine, :data:`TYPICAL_SECONDS` when ``None``.

        >>> laptop = ATTACKERS[0]
        >>> laptop.rate("interactive", seconds_per_guess=0.1)  # 8 cores, 10 guesses a second each
        80.0
        """
        if cost == "none":
            return self.fast_hash_rate
        _, memory = COSTS[cost] if isinstance(cost, str) else cost
        seconds = TYPICAL_SECONDS[cost] if seconds_per_guess is None else seconds_per_guess
        return self.parallel(memory) * self.core_speed / seconds


ATTACKERS: tuple[Attacker, ...] = (
    Attacker("a laptop", cores=8, memory_bytes=16 * _GIB, core_speed=1.0, fast_hash_rate=2e8),
    Attacker(
        "a GPU rig (8 cards)",
        cores=8 * 128,
        memory_bytes=8 * 24 * _GIB,
        core_speed=0.5,
        fast_hash_rate=1.6e11,
    ),
    Attacker(
        "a botnet (100,000 PCs)",
        cores=100_000 * 4,
        memory_bytes=100_000 * 8 * _GIB,
        core_speed=1.0,
        fast_hash_rate=1e13,
    ),
)
"""Three attackers. Round assumptions: a laptop with 8 cores and 16 GiB; 8
graphics cards with 24 GiB each, running 128 Argon2id guesses per card at half
a CPU core's speed (Argon2id is limited by memory, where graphics cards have
little advantage), and about 20 billion fast hashes per second per card; a
botnet of 100,000 home computers with 4 cores and 8 GiB each."""


@guard(length=whole(1, 100), symbols=whole(2, 1_000_000))
def search_space(length: int, symbols: int) -> int:
    """Possible secrets of ``length`` symbols, each drawn at random from ``symbols``: :math:`A^L`.

    >>> search_space(6, 10)  # a 6-digit PIN
    1000000
    >>> search_space(4, WORDLIST_SIZE)  # four diceware words
    3656158440062976
    """
    return symbols**length


@guard(space=_space, rate=POSITIVE)
def crack_seconds(space: int | float, rate: float) -> float:
    """Expected seconds to find a secret drawn at random from ``space``: :math:`N / (2r)`.

    >>> crack_seconds(search_space(6, 10), rate=80.0)  # a 6-digit PIN, Argon2id, a laptop
    6250.0
    """
    return space / (2 * rate)


@guard(space=_space, attempts=whole(low=0))
def vault_success_chance(space: int | float, attempts: int) -> float:
    """Chance that ``attempts`` guesses find a secret drawn at random from ``space``: :math:`a/N`.

    >>> vault_success_chance(search_space(6, 10), attempts=10)
    1e-05
    """
    return min(1.0, attempts / space)


@guard(cost=_cost, repeats=whole(1, 20))
def measure_kdf(cost: str = "interactive", repeats: int = 3) -> float:
    """Seconds for one Argon2id key derivation at ``cost`` here (median of ``repeats`` runs).

    What one guess costs an attacker with one core like yours: a tenth of a
    second (``"interactive"``) to a few seconds (``"sensitive"``, and 1 GiB).

    >>> 0 < measure_kdf((1, 8192), repeats=1) < 1
    True
    """
    times = []
    for _ in range(repeats):
        salt = nacl.utils.random(SALT_BYTES)
        start = time.perf_counter()
        derive_key("a guess", salt, cost)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@guard(seconds=_duration)
def human_duration(seconds: float) -> str:
    """A duration in words, from "instantly" to "10^60 years".

    >>> human_duration(0.2), human_duration(90), human_duration(3 * 86400)
    ('instantly', '2 minutes', '3 days')
    >>> human_duration(4e9 * 365.25 * 86400), human_duration(1e70 * 365.25 * 86400)
    ('4 billion years', '10^70 years')
    """
    s = seconds
    if s < 1:
        return "instantly"
    years = s / _SECONDS_PER_YEAR
    for unit, size in (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400)):
        if s < size * {"second": 60, "minute": 60, "hour": 24, "day": 365.25}[unit]:
            return _count(round(s / size), unit)
    if years < 1e3:
        return _count(round(years), "year")
    for word, size in (("thousand", 1e3), ("million", 1e6), ("billion", 1e9), ("trillion", 1e12)):
        shown = float(f"{years / size:.3g}")  # 999.7 thousand rounds to 1 million, not "1e+03"
        if shown < 1e3:
            return f"{shown:g} {word} years"
    return f"10^{max(15, math.floor(math.log10(years)))} years"  # from 999.5 trillion: 10^15


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


COST_NAMES = ("none", *COSTS)
"""The costs a calculator offers: no stretching, then libsodium's three."""
