"""The guard table: every public function of the core says at its door what it accepts.

A public function (or method) of the core is written ``@guard(name=CHECK, ...)``
above its idea, and its guard names every parameter it takes, but ``self`` and
the few in ``FREE`` below (with why each needs no check). ``tests/test_bad_input.py``
then feeds bad values to every parameter of every public function; this test makes
sure each of them is refused at the door, by one declarative line, not deep inside.
"""

from __future__ import annotations

import inspect

import pytest
from test_bad_input import PUBLIC

from privlab import _guard

# (function, parameter) -> why the parameter is not checked at the door.
FREE: dict[tuple[str, str], str] = {
    ("privlab.dp.accountant.PrivacyAccountant.release", "value"): "the mechanism checks it",
    ("privlab.dp.accountant.PrivacyAccountant.release", "parameters"): "the mechanism checks them",
    ("privlab.dp.audit.audit_epsilon", "data_a"): "the sampler checks it",
    ("privlab.dp.audit.audit_epsilon", "data_b"): "the sampler checks it",
    ("privlab.dp.audit.noise_sampler", "params"): "the noise function checks them",
    ("privlab.dp.audit.sampler_for", "params"): "the mechanism checks them",
    ("privlab.mpc.network.Party.__init__", "input"): "a party's private input may be any value",
}

# Not yet written with a guard line (checked in the body, or in where= without naming the
# parameter): the list shrinks as the rest of the core moves to guard lines, and a name on it
# that needs nothing any more makes the test below fail, so it cannot go stale.
NOT_YET = {
    "privlab.crypto.backup.derive_key",
    "privlab.crypto.backup.open_backup",
    "privlab.crypto.history.ChatStore.restore",
}


# Public functions with nothing to check: no parameters but self.
NO_PARAMETERS = sorted(
    name
    for name, function in PUBLIC.items()
    if not [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
)


def unchecked(name: str, function) -> list[str]:
    """The parameters of ``function`` its guard does not name (all of them without a guard)."""
    checks = getattr(function, "checks", None)
    parameters = [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
    if checks is None:
        return parameters
    return [p for p in parameters if p not in checks and (name, p) not in FREE]


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - set(NO_PARAMETERS) - NOT_YET))
def test_every_parameter_is_checked_at_the_door(name):
    assert unchecked(name, PUBLIC[name]) == []


def test_the_not_yet_list_holds_only_what_is_still_unguarded():
    done = sorted(
        name for name in NOT_YET if name not in PUBLIC or not unchecked(name, PUBLIC[name])
    )
    assert done == [], "guarded now: remove from NOT_YET"


def test_free_parameters_exist():
    """An entry of FREE names a real parameter of a real public function."""
    for name, parameter in FREE:
        assert parameter in inspect.signature(PUBLIC[name]).parameters, (name, parameter)


def test_an_unguarded_function_is_found():
    def bare(epsilon, rng=None):
        return epsilon

    @_guard.guard(epsilon=_guard.POSITIVE)
    def half(epsilon, rng=None):
        return epsilon

    assert unchecked("bare", bare) == ["epsilon", "rng"]
    assert unchecked("half", half) == ["rng"]


def test_a_guard_naming_no_parameter_is_refused():
    with pytest.raises(TypeError, match="no parameter"):
        _guard.guard(epsilom=_guard.POSITIVE)(lambda epsilon: epsilon)


def test_inner_calls_skip_the_checks_and_outer_calls_do_not():
    seen = []

    def counted(name, value):
        seen.append(name)
        return value

    @_guard.guard(x=counted)
    def inner(x):
        return x

    @_guard.guard(y=counted)
    def outer(y):
        return inner(y)

    assert outer(1) == 1 and seen == ["y"]
    assert inner(2) == 2 and seen == ["y", "x"]
