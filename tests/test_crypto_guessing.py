"""Tests of privlab.crypto.guessing: the arithmetic of a brute-force calculator.

* search_space is A^L; crack_seconds is N / (2r), and N / 2 expected guesses
  is checked by simulation (a wrong formula, N, fails the same check);
  vault_success_chance is a / N, at most 1.
* Attackers: memory, not cores, limits Argon2id guesses at the sensitive
  cost; "none" uses the fast-hash rate.
* human_duration at its unit boundaries, in words (never "1e+03"), and never
  shorter for a longer time.
* measure_kdf times a real derivation.
* Every bad argument raises InvalidParameterError naming it.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privlab.crypto.backup import COSTS
from privlab.crypto.guessing import (
    ALPHABETS,
    ATTACKERS,
    COST_NAMES,
    KEY_SPACE,
    TYPICAL_SECONDS,
    WORDLIST_SIZE,
    Attacker,
    crack_seconds,
    human_duration,
    measure_kdf,
    search_space,
    vault_success_chance,
)
from privlab.errors import InvalidParameterError

GIB = 2**30
MINUTE, HOUR, DAY = 60, 3600, 86400
YEAR = 365.25 * DAY
LAPTOP, GPU_RIG, BOTNET = ATTACKERS


# --------------------------------------------------------------------------
# Search spaces, expected time, vault chances
# --------------------------------------------------------------------------


def test_search_space_is_alphabet_to_the_length():
    """A^L: PINs, letters, diceware words; the backup key's 16^64 = 2^256."""
    assert search_space(6, 10) == 10**6
    assert search_space(8, ALPHABETS["lower-case letters"]) == 26**8
    assert search_space(12, ALPHABETS["every keyboard character"]) == 94**12
    assert search_space(4, WORDLIST_SIZE) == 7776**4 == 3_656_158_440_062_976
    assert WORDLIST_SIZE == 6**5
    assert search_space(64, 16) == KEY_SPACE == 2**256
    assert isinstance(search_space(100, 1_000_000), int)  # exact, however large


@settings(max_examples=50, deadline=None)
@given(
    space=st.integers(1, 10**30) | st.floats(1e-3, 1e300),
    rate=st.floats(1e-6, 1e15),
)
def test_crack_seconds_is_half_the_space_over_the_rate(space, rate):
    """t = N / (2r), for int and float spaces."""
    assert crack_seconds(space, rate) == pytest.approx(float(space) / (2 * rate), rel=1e-12)


def test_crack_seconds_examples():
    """A 6-digit PIN at 80 guesses a second; the key at the botnet's fast-hash rate."""
    assert crack_seconds(10**6, 80.0) == 6250.0
    assert crack_seconds(1000, 1) == 500.0
    assert crack_seconds(KEY_SPACE, BOTNET.rate("none")) > 1e56 * YEAR


def test_expected_guesses_n_over_2_by_simulation():
    """Mean guesses to find a random secret among 1,000 in a fixed order: ≈ 500.5.

    The formula N/2 (crack_seconds at one guess a second) is within 2 % of the
    simulated mean; a wrong formula, N, is not: the check can fail.
    """
    rng = np.random.default_rng(2024)
    space, trials = 1000, 20_000
    order = rng.permutation(space)  # the attacker's fixed guessing order
    position = np.empty(space, dtype=int)
    position[order] = np.arange(space)
    secrets = rng.integers(0, space, size=trials)
    guesses = position[secrets] + 1  # guesses until (and including) the right one
    mean = guesses.mean()
    assert mean == pytest.approx((space + 1) / 2, rel=0.02)  # 500.5

    def within_2_percent(formula) -> bool:
        return abs(formula(space, 1.0) - mean) <= 0.02 * mean

    assert within_2_percent(crack_seconds)
    assert not within_2_percent(lambda n, r: n / r)  # the broken variant


def test_vault_success_chance_by_simulation():
    """10 guesses against a random 3-digit secret succeed about 1 % of the time."""
    rng = np.random.default_rng(7)
    secrets = rng.integers(0, 1000, size=50_000)
    simulated = np.mean(secrets < 10)  # the attacker tries 000, 001, ..., 009
    assert vault_success_chance(1000, 10) == 0.01
    assert simulated == pytest.approx(0.01, abs=0.002)


def test_vault_success_chance_is_attempts_over_space_at_most_one():
    """a / N; 0 for no attempts; capped at 1."""
    assert vault_success_chance(10**6, 10) == pytest.approx(1e-5)
    assert vault_success_chance(KEY_SPACE, 10) == pytest.approx(10 / 2**256)
    assert vault_success_chance(100, 0) == 0.0
    assert vault_success_chance(5, 10) == 1.0
    assert vault_success_chance(5, 5) == 1.0


# --------------------------------------------------------------------------
# Attackers
# --------------------------------------------------------------------------


def test_the_gpu_rig_is_limited_by_memory_at_the_sensitive_cost():
    """1 GiB a guess: 192 GiB run 192 guesses at once, not 1,024 cores' worth."""
    _, sensitive = COSTS["sensitive"]
    _, interactive = COSTS["interactive"]
    assert sensitive == GIB
    assert GPU_RIG.cores == 1024 and GPU_RIG.memory_bytes == 192 * GIB
    assert GPU_RIG.parallel(sensitive) == 192 < GPU_RIG.cores
    assert GPU_RIG.parallel(interactive) == 1024  # 64 MiB: 3,072 fit, cores limit
    assert LAPTOP.parallel(sensitive) == 8  # 16 GiB fit 16, but 8 cores
    assert LAPTOP.parallel(4 * GIB) == 4  # memory-bound
    assert LAPTOP.parallel(interactive) == 8
    assert GPU_RIG.parallel(10**15) == 1  # at least one guess at a time
    assert GPU_RIG.parallel(1) == 1024


def test_rate_is_parallel_times_speed_over_seconds():
    """rate = parallel(m) * core_speed / s; typical seconds when none are measured."""
    assert GPU_RIG.rate("sensitive", seconds_per_guess=2.0) == 192 * 0.5 / 2.0
    assert GPU_RIG.rate("sensitive") == 192 * 0.5 / TYPICAL_SECONDS["sensitive"]
    assert LAPTOP.rate("interactive", seconds_per_guess=0.1) == pytest.approx(80.0)
    assert LAPTOP.rate("moderate") == 8 / TYPICAL_SECONDS["moderate"]
    assert BOTNET.rate("interactive", seconds_per_guess=0.1) == pytest.approx(4e6)
    assert GPU_RIG.rate((1, 8192), seconds_per_guess=0.001) == 1024 * 0.5 / 0.001


def test_no_stretching_uses_the_fast_hash_rate():
    """Cost "none": billions a second, whatever the memory."""
    assert COST_NAMES == ("none", "interactive", "moderate", "sensitive")
    for attacker in ATTACKERS:
        assert attacker.rate("none") == attacker.fast_hash_rate
        assert attacker.rate("none") > 1000 * attacker.rate("interactive")
    assert GPU_RIG.rate("none") == 1.6e11


def test_a_stronger_cost_is_slower_to_attack():
    """For every attacker: none > interactive > moderate > sensitive guesses a second."""
    for attacker in ATTACKERS:
        rates = [attacker.rate(cost) for cost in COST_NAMES]
        assert rates == sorted(rates, reverse=True)
        assert len(set(rates)) == 4


# --------------------------------------------------------------------------
# Durations in words
# --------------------------------------------------------------------------

WORDS = re.compile(
    r"instantly"
    r"|[1-9]\d* (second|minute|hour|day|year)s?"
    r"|\d{1,3}(\.\d{1,2})? (thousand|million|billion|trillion) years"
    r"|10\^\d+ years"
)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "instantly"),
        (0.999, "instantly"),
        (1, "1 second"),
        (2, "2 seconds"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (90, "2 minutes"),
        (HOUR - 1, "60 minutes"),
        (HOUR, "1 hour"),
        (DAY - 1, "24 hours"),
        (DAY, "1 day"),
        (3 * DAY, "3 days"),
        (YEAR - 1, "365 days"),
        (YEAR, "1 year"),
        (2 * YEAR, "2 years"),
        (999 * YEAR, "999 years"),
        (1e3 * YEAR, "1 thousand years"),
        (1.5e3 * YEAR, "1.5 thousand years"),
        (999.4e3 * YEAR, "999 thousand years"),
        (999.6e3 * YEAR, "1 million years"),
        (1e6 * YEAR, "1 million years"),
        (999.99e6 * YEAR, "1 billion years"),
        (4e9 * YEAR, "4 billion years"),
        (1e12 * YEAR, "1 trillion years"),
        (123.4e12 * YEAR, "123 trillion years"),
        (999.7e12 * YEAR, "10^15 years"),
        (1e15 * YEAR, "10^15 years"),
        (9.9e15 * YEAR, "10^15 years"),
        (1e70 * YEAR, "10^70 years"),
    ],
)
def test_human_duration_at_its_boundaries(seconds, words):
    """The unit changes where it should; 3 significant figures; no "1e+03 thousand"."""
    assert human_duration(seconds) == words
    assert WORDS.fullmatch(words)


SCALE = {"second": 1, "minute": MINUTE, "hour": HOUR, "day": DAY, "year": YEAR}
BIG = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def as_seconds(words: str) -> float:
    """Read a description back as seconds (what a reader would understand)."""
    if words == "instantly":
        return 0.0
    number, *rest = words.split()
    if number.startswith("10^"):
        return 10.0 ** int(number[3:]) * YEAR
    if len(rest) == 2:  # "4 billion years"
        return float(number) * BIG[rest[0]] * YEAR
    return float(number) * SCALE[rest[0].rstrip("s")]


def test_human_duration_never_says_less_for_more():
    """Over 0 s to 10^80 years (and next to every boundary) the words never go down."""
    grid = list(np.logspace(-2, 88, 3000))
    for edge in [MINUTE, HOUR, DAY, YEAR, *(x * YEAR for x in (1e3, 1e6, 1e9, 1e12, 1e15))]:
        grid += [edge * (1 - 1e-3), edge * (1 - 1e-6), edge, edge * (1 + 1e-6)]
    grid += [x * YEAR for x in (999.49e3, 999.5e3, 999.51e3, 999.5e12, 999.99e12)]
    grid.sort()
    said = [human_duration(float(s)) for s in grid]
    assert all(WORDS.fullmatch(words) for words in said), [
        w for w in said if not WORDS.fullmatch(w)
    ]
    values = [as_seconds(words) for words in said]
    assert all(b >= a for a, b in itertools.pairwise(values))
    # A few orderings spelled out:
    assert as_seconds(human_duration(59.9)) <= as_seconds(human_duration(60))
    assert as_seconds(human_duration(999.9e12 * YEAR)) >= as_seconds(human_duration(999e12 * YEAR))


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e90), st.floats(0, 1e90))
def test_human_duration_is_monotonic_for_any_two_times(a, b):
    """For any two durations the longer one is never described as shorter."""
    low, high = sorted((a, b))
    assert as_seconds(human_duration(low)) <= as_seconds(human_duration(high))


def test_measure_kdf_returns_seconds():
    """A real Argon2id run, timed: a small positive number of seconds."""
    seconds = measure_kdf((1, 8192), repeats=2)
    assert isinstance(seconds, float)
    assert 0 < seconds < 1


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: search_space(0, 10), "length must be a whole number from 1 to 100"),
        (lambda: search_space(101, 10), "length"),
        (lambda: search_space(6.0, 10), "length"),
        (lambda: search_space(6, 1), "symbols must be a whole number from 2"),
        (lambda: search_space(6, True), "symbols"),
        (lambda: crack_seconds(0, 1.0), "space must be a finite number > 0"),
        (lambda: crack_seconds(-5, 1.0), "space"),
        (lambda: crack_seconds("1000", 1.0), "space"),
        (lambda: crack_seconds(float("inf"), 1.0), "space"),
        (lambda: crack_seconds(1000, 0), "rate must be a finite number > 0"),
        (lambda: crack_seconds(1000, float("nan")), "rate"),
        (lambda: vault_success_chance(0, 10), "space"),
        (lambda: vault_success_chance(1000, -1), "attempts must be a whole number >= 0"),
        (lambda: vault_success_chance(1000, 1.5), "attempts"),
        (lambda: human_duration(-1), "seconds must be ≥ 0"),
        (lambda: human_duration(float("nan")), "seconds must be a finite number"),
        (lambda: human_duration(float("inf")), "seconds must be a finite number"),
        (lambda: human_duration("1 hour"), "seconds must be a real number"),
        (lambda: measure_kdf("fast"), "cost must be one of"),
        (lambda: measure_kdf((0, 8192)), "cost passes"),
        (lambda: measure_kdf((1, 8192), repeats=0), "repeats must be a whole number from 1 to 20"),
        (lambda: measure_kdf((1, 8192), repeats=21), "repeats"),
        (lambda: LAPTOP.parallel(0), "memory_per_guess must be a whole number >= 1"),
        (lambda: LAPTOP.parallel(1.5), "memory_per_guess"),
        (lambda: LAPTOP.rate("fast"), "cost must be one of"),
        (lambda: LAPTOP.rate("interactive", seconds_per_guess=0), "seconds_per_guess"),
        (lambda: LAPTOP.rate("interactive", seconds_per_guess=-1), "seconds_per_guess"),
        (lambda: LAPTOP.rate((1, 8192)), "seconds_per_guess must be given"),
        (lambda: LAPTOP.rate([1, 8192]), "seconds_per_guess must be given"),
    ],
)
def test_bad_arguments_name_the_parameter(call, named):
    """Each bad argument raises InvalidParameterError (a ValueError) that names it."""
    with pytest.raises(InvalidParameterError, match=named) as caught:
        call()
    assert isinstance(caught.value, ValueError)


def test_an_attacker_is_plain_data():
    """An Attacker is a frozen record of round figures."""
    mine = Attacker("me", cores=2, memory_bytes=GIB, core_speed=1.0, fast_hash_rate=1e6)
    assert mine.parallel(COSTS["moderate"][1]) == 2
    assert mine.rate("moderate", seconds_per_guess=0.5) == 4.0
    with pytest.raises(AttributeError):
        mine.cores = 4  # type: ignore[misc]


def test_a_search_space_beyond_a_float_is_refused_by_name():
    huge = search_space(100, 7776)
    with pytest.raises(InvalidParameterError, match="space must be at most"):
        crack_seconds(huge, rate=1.0)
    with pytest.raises(InvalidParameterError, match="space must be at most"):
        vault_success_chance(huge, attempts=10)
