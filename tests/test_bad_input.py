"""Every public function of the core, fed bad input, refuses it clearly.

The test is generated, not written call by call:

1. It lists every public function, and every public method (and ``__init__``) of
   every public class, in the core: ``privlab.dp``, ``mpc``, ``fl``, ``crypto``,
   ``lift``, ``data`` and ``randomness``.
2. It runs the docstring examples and records the first call each example makes
   of each of them: a call known to be valid. The few without an example get
   one from ``EXTRA_CALLS`` below. A public name with neither fails the test.
3. For every parameter in turn, it repeats that call with the parameter replaced
   by bad values: another type (``object()``, ``None``, a string for a number,
   bytes for a string and back), NaN and infinities, negative, zero and huge
   numbers (2**70, 1e308), empty and 2-d arrays, an array with a NaN inside.

What must happen:

* a value of the wrong type, or NaN, is refused: never accepted;
* anything else is either accepted (a huge epsilon is a valid epsilon) or refused;
* a refusal is a privlab error; an :class:`~privlab.errors.InvalidParameterError`
  names the parameter (or, for a clash between two, another parameter of the same
  call); nothing crashes deep inside numpy or PyNaCl;
* no call takes more than a few seconds (a huge size is refused, not tried).

``ALLOWED`` lists, with a reason each, the few (function, parameter) pairs where
a rule above does not apply.
"""

from __future__ import annotations

import copy
import copyreg
import doctest
import importlib
import inspect
import math
import numbers
import pkgutil
import re
import signal
import sys
import types
import typing
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import privlab
from privlab import _guard
from privlab.errors import InvalidParameterError, PrivlabError

CORE = (
    "privlab.dp",
    "privlab.mpc",
    "privlab.fl",
    "privlab.crypto",
    "privlab.lift",
    "privlab.data",
    "privlab.randomness",
)
# A huge size tried instead of refused runs for minutes; a valid call, a second or two even
# on a busy machine (the browser tests run beside these).
SECONDS_PER_CALL = 10
MUST, MAY = "must be refused", "may be accepted"

# Read-only dicts (types.MappingProxyType) cannot be deep-copied by default; the
# recorded calls are copied before each use, so that no call sees another's changes.
copyreg.pickle(types.MappingProxyType, lambda proxy: (types.MappingProxyType, (dict(proxy),)))


# --- 1. The public names --------------------------------------------------------------


def core_modules() -> list[types.ModuleType]:
    names = [
        info.name
        for info in pkgutil.walk_packages(privlab.__path__, "privlab.")
        if info.name.startswith(CORE) and not info.name.rsplit(".", 1)[-1].startswith("_")
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def _own_code(function: Any) -> bool:
    return inspect.isfunction(function) and "privlab" in function.__code__.co_filename


def public_callables() -> dict[str, Callable[..., Any]]:
    """Qualified name -> function, for every public function and method of the core."""
    found: dict[str, Callable[..., Any]] = {}
    for module in core_modules():
        for name, thing in vars(module).items():
            if name.startswith("_") or getattr(thing, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(thing):
                found[f"{module.__name__}.{name}"] = thing
            elif inspect.isclass(thing) and not issubclass(thing, BaseException):
                for attribute, member in vars(thing).items():
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    public = attribute == "__init__" or not attribute.startswith("_")
                    if public and _own_code(member):
                        found[f"{module.__name__}.{name}.{attribute}"] = member
    return found


PUBLIC = public_callables()
GUARDED = _guard.guard()(lambda: None).__code__  # the code of every guard's door


# --- 2. A valid call of each ------------------------------------------------------------


def record_doctest_calls() -> dict[str, dict[str, Any]]:
    """The arguments of the first call each docstring example makes of each public name."""
    targets = {inspect.unwrap(function).__code__: name for name, function in PUBLIC.items()}
    calls: dict[str, dict[str, Any]] = {}

    def watch(frame: types.FrameType, event: str, _arg: Any) -> None:
        name = targets.get(frame.f_code)
        if event != "call" or name is None or name in calls:
            return
        caller = frame.f_back
        if caller is not None and caller.f_code is GUARDED:
            caller = caller.f_back  # the guard at the door; who called it?
        if caller is None or not caller.f_code.co_filename.startswith("<doctest"):
            return  # only calls written in an example, not the package's inner calls
        calls[name] = copy.deepcopy(dict(frame.f_locals))

    finder = doctest.DocTestFinder()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    for module in core_modules():
        for test in finder.find(module):
            sys.setprofile(watch)
            try:
                runner.run(test, out=lambda _text: None)
            finally:
                sys.setprofile(None)
    return calls


def _extra_calls() -> dict[str, Callable[[], dict[str, Any]]]:
    """Valid calls of the public names whose docstrings show no call of their own."""
    from privlab import crypto, dp, fl, mpc  # noqa: F401  (loads the subpackages)
    from privlab.crypto import backup, guessing, history, keys, ratchet, relay, vault
    from privlab.dp import accountant, attacks
    from privlab.fl import secagg_device
    from privlab.mpc import network
    from privlab.randomness import SecretRandom

    def chat_store() -> history.ChatStore:
        phone = history.ChatStore("alice", clock=history.FakeClock())
        phone.add("bob", "bob", "hello")
        return phone

    def session() -> ratchet.RatchetSession:
        return ratchet.start_chat(keys.Identity("A", rng=1), keys.Identity("B", rng=2), rng=3)[0]

    def header() -> backup.BackupHeader:
        sealed = backup.seal_backup(b"{}", key=bytes(32), rng=0)
        return backup.read_header(sealed)

    def server() -> relay.RelayServer:
        relay_server = relay.RelayServer()
        relay_server.publish_bundle("bob", keys.Identity("Bob", rng=2).prekey_bundle())
        return relay_server

    def key_vault() -> vault.KeyVault:
        keeper = vault.KeyVault(cost="interactive")
        keeper.store("bob", "correct horse", bytes(32))
        return keeper

    def pair() -> tuple[network.Network, network.Party]:
        net = network.Network()
        alice = net.join(network.Party("alice", 30))
        net.join(network.Party("bob", 12))
        return net, alice

    def broadcast() -> dict[str, Any]:
        net, alice = pair()
        return {"self": alice, "network": net, "receivers": ["bob"], "payload": 1, "label": "x"}

    def receive() -> dict[str, Any]:
        _net, alice = pair()
        payload = np.array([7], dtype=np.uint64)
        message = network.Message(1, "bob", "alice", "a number", payload, payload.nbytes)
        return {"self": alice, "message": message}

    return {
        "privlab.crypto.backup.BackupHeader.describe": lambda: {"self": header()},
        "privlab.crypto.backup.BackupHeader.to_bytes": lambda: {"self": header()},
        "privlab.crypto.guessing.Attacker.parallel": lambda: {
            "self": guessing.ATTACKERS[0],
            "memory_per_guess": 2**26,
        },
        "privlab.crypto.history.ChatStore.delete_expired": lambda: {"self": chat_store()},
        "privlab.crypto.history.ChatStore.export": lambda: {"self": chat_store()},
        "privlab.crypto.history.ChatStore.forward": lambda: {
            "self": chat_store(),
            "message_id": 1,
            "to_chat": "bob",
        },
        "privlab.crypto.history.ChatStore.message": lambda: {"self": chat_store(), "message_id": 1},
        "privlab.crypto.history.ChatStore.open_chat": lambda: {"self": chat_store(), "chat": "dan"},
        "privlab.crypto.history.ChatStore.set_timer": lambda: {
            "self": chat_store(),
            "chat": "bob",
            "timer": "7 days",
        },
        "privlab.crypto.history.ChatStore.timer": lambda: {"self": chat_store(), "chat": "bob"},
        "privlab.crypto.history.StoredMessage.expired": lambda: {
            "self": chat_store().messages("bob")[0],
            "now": 0.0,
        },
        "privlab.crypto.ratchet.RatchetSession.__init__": lambda: {
            "self": object.__new__(ratchet.RatchetSession),
            "state": session().export_state(),
        },
        "privlab.crypto.relay.RelayServer.pending": lambda: {"self": server(), "recipient": "bob"},
        "privlab.crypto.vault.KeyVault.attempts_left": lambda: {"self": key_vault(), "user": "bob"},
        "privlab.crypto.vault.KeyVault.is_locked": lambda: {"self": key_vault(), "user": "bob"},
        "privlab.data.to_csv": lambda: {"table": {"id": np.arange(3), "value": np.ones(3)}},
        "privlab.dp.accountant.PrivacyAccountant.can_afford": lambda: {
            "self": accountant.PrivacyAccountant(epsilon=1.0),
            "epsilon": 0.5,
        },
        "privlab.dp.attacks.ReconstructionExperiment.guess": lambda: {
            "self": attacks.ReconstructionExperiment(np.arange(20) % 2, max_queries=40, rng=0),
            "queries": 30,
            "noise_scale": 0.5,
        },
        "privlab.fl.fedavg.weighted_mean": lambda: {
            "updates": {0: np.ones(4), 1: np.zeros(4)},
            "examples": {0: 3, 1: 1},
        },
        "privlab.fl.secagg_device.AdvertisedKeys.signed_bytes": lambda: {
            "self": secagg_device.AdvertisedKeys(bytes(32), bytes(32), bytes(64)),
        },
        "privlab.mpc.network.Party.broadcast": broadcast,
        "privlab.mpc.network.Party.receive": receive,
        "privlab.randomness.SecretRandom.generator": lambda: {"self": SecretRandom.from_rng(0)},
    }


EXTRA_CALLS = _extra_calls()
# Names that are public but take no arguments a caller could get wrong.
NOTHING_TO_CHECK: dict[str, str] = {}
RECORDED = record_doctest_calls()


def valid_call(name: str) -> dict[str, Any]:
    if name in RECORDED:
        return copy.deepcopy(RECORDED[name])
    return EXTRA_CALLS[name]()


def test_every_public_name_has_a_valid_call():
    missing = sorted(set(PUBLIC) - set(RECORDED) - set(EXTRA_CALLS) - set(NOTHING_TO_CHECK))
    assert not missing, f"public names without an example call (add one to EXTRA_CALLS): {missing}"


@pytest.mark.parametrize("name", sorted(EXTRA_CALLS))
def test_extra_calls_are_valid(name):
    call(PUBLIC[name], valid_call(name))  # raises if the call is not a valid one


# --- 3. Bad values ----------------------------------------------------------------------

# (function, parameter) -> why a rule does not apply there.
ALLOWED: dict[tuple[str, str], str] = {
    ("privlab.dp.accountant.PrivacyAccountant.release", "value"): (
        "passed on to the mechanism, whose own error names its parameter (true_count)"
    ),
    ("privlab.dp.audit.audit_epsilon", "data_a"): (
        "passed on to the sampler; the error says the sampler could not use it"
    ),
    ("privlab.dp.audit.audit_epsilon", "data_b"): (
        "passed on to the sampler; the error says the sampler could not use it"
    ),
    ("privlab.mpc.network.Network.send", "payload"): "a message may carry any value",
    ("privlab.mpc.network.Party.send", "payload"): "a message may carry any value",
    ("privlab.mpc.network.Party.broadcast", "payload"): "a message may carry any value",
    ("privlab.mpc.network.Party.__init__", "input"): "a party's private input may be any value",
    ("privlab.crypto.relay.RelayServer.publish_bundle", "bundle"): (
        "the server stores whatever it is given and never looks inside"
    ),
    ("privlab.crypto.relay.RelayServer.replace_bundle", "bundle"): (
        "the server stores whatever it is given and never looks inside"
    ),
}
# Exact samplers take rationals as strings ("1/3") on purpose.
for _name in PUBLIC:
    if _name.startswith("privlab.dp.exact.") and not _name.endswith(
        ("textbook_laplace", "could_come_from", "float_leak")
    ):
        for _parameter in ("gamma", "scale", "sigma_squared", "epsilon"):
            ALLOWED[(_name, _parameter)] = "exact parameters may be given as strings such as '1/3'"


def _admits(annotation: Any, kind: type) -> bool | None:
    """Does the type hint admit values of ``kind``? None when it does not say (Any or none)."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return None
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        answers = [_admits(arg, kind) for arg in typing.get_args(annotation)]
        return True if True in answers else (None if None in answers else False)
    if origin is not None:
        annotation = origin
    if annotation is float:
        annotation = numbers.Real
    if annotation is int:
        annotation = numbers.Integral
    try:
        return issubclass(kind, annotation)
    except TypeError:
        return None


def bad_values(value: Any, default: Any, hint: Any, parameter: str) -> list[tuple[str, Any, str]]:
    """(label, bad value, rule) for one parameter whose valid value is ``value``."""
    wrong_type = [("object()", object(), MUST)]
    none_allowed = _admits(hint, type(None))
    if value is not None and default is not None and parameter != "rng":
        wrong_type.append(("None", None, MAY if none_allowed else MUST))
    if isinstance(value, (bool, np.bool_)):
        return [*wrong_type, ("'yes'", "yes", MUST)]
    if isinstance(value, numbers.Number):
        text_rule = MAY if _admits(hint, str) else MUST
        cases = [("nan", math.nan, MUST), ("'3'", "3", text_rule), ("b'3'", b"3", MUST)]
        cases += [("inf", math.inf, MAY), ("-inf", -math.inf, MAY), ("-1", -1, MAY), ("0", 0, MAY)]
        cases += [("2**70", 2**70, MAY), ("1e308", 1e308, MAY), ("1.5", 1.5, MAY)]
        return wrong_type + cases
    if isinstance(value, str):
        bytes_rule = MAY if _admits(hint, bytes) else MUST
        return [*wrong_type, ("bytes", value.encode(), bytes_rule), ("''", "", MAY), ("3", 3, MUST)]
    if isinstance(value, (bytes, bytearray)):
        text_rule = MAY if _admits(hint, str) else MUST
        text = value.decode("latin-1")
        return [*wrong_type, ("str", text, text_rule), ("b''", b"", MAY), ("3", 3, MUST)]
    if isinstance(value, np.ndarray) and value.ndim > 0 and value.size > 0:
        cases = [("empty", value[:0], MAY), ("2-d", np.stack([value, value]), MAY)]
        if np.issubdtype(value.dtype, np.number) and not np.issubdtype(value.dtype, np.integer):
            with_nan = value.astype(float)
            with_nan.flat[0] = np.nan
            cases.append(("NaN inside", with_nan, MUST))
        if np.issubdtype(value.dtype, np.number):
            cases.append(("strings", value.astype(str), MUST))
        return wrong_type + cases
    if isinstance(value, (list, tuple)) and value:
        return [*wrong_type, ("empty", type(value)(), MAY), ("nested", [value, value], MAY)]
    if isinstance(value, dict) and value:
        first = next(iter(value))
        return [*wrong_type, ("{}", {}, MAY), ("bad item", {**value, first: object()}, MUST)]
    return wrong_type


class _TooSlow(Exception):
    pass


def _too_slow(*_: Any) -> None:
    raise _TooSlow


def call(function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Call ``function`` with recorded arguments (positional-only and *args put back in place)."""
    positional, keywords = [], {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name not in arguments:
            continue
        value = arguments[parameter.name]
        if parameter.kind is parameter.POSITIONAL_ONLY:
            positional.append(value)
        elif parameter.kind is parameter.VAR_POSITIONAL:
            positional.extend(value)
        elif parameter.kind is parameter.VAR_KEYWORD:
            keywords.update(value)
        else:
            keywords[parameter.name] = value
    if keywords.get("self") is not None:  # a method: self goes first
        positional.insert(0, keywords.pop("self"))
    return function(*positional, **keywords)


def outcome(function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """None if the call returned, else the error (or "slow")."""
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_CALL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(function, arguments)
        return None
    except _TooSlow:
        return "slow"
    except Exception as error:
        return error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _names_a_parameter(message: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![\w.]){re.escape(name)}\b", message) for name in names)


def problems_of(
    name: str, function: Callable[..., Any], valid_call: Callable[[], dict[str, Any]]
) -> list[str]:
    """What goes wrong when each argument of a valid call is replaced by bad values."""
    signature = inspect.signature(function)
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        hints = {}
    valid = valid_call()
    names = [p for p in signature.parameters if p not in ("self", "cls")]
    found = []
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls") or parameter.kind in (
            parameter.VAR_POSITIONAL,
            parameter.VAR_KEYWORD,
        ):
            continue
        if (name, parameter.name) in ALLOWED:
            continue
        default = parameter.default
        value = valid.get(parameter.name, default)
        if value is inspect.Parameter.empty:
            continue
        hint = hints.get(parameter.name, inspect.Parameter.empty)
        for label, bad, rule in bad_values(value, default, hint, parameter.name):
            arguments = valid_call()
            arguments[parameter.name] = bad
            result = outcome(function, arguments)
            where = f"{parameter.name}={label}"
            if result is None:
                if rule is MUST:
                    found.append(f"{where}: accepted")
            elif result == "slow":
                found.append(f"{where}: still running after {SECONDS_PER_CALL} s")
            elif isinstance(result, InvalidParameterError):
                if not _names_a_parameter(str(result), names):
                    found.append(f"{where}: the error names no parameter: {result}")
            elif not isinstance(result, PrivlabError):
                found.append(f"{where}: {type(result).__name__}: {str(result)[:160]}")
    return found


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - set(NOTHING_TO_CHECK)))
def test_bad_input_is_refused_clearly(name):
    if name not in RECORDED and name not in EXTRA_CALLS:
        pytest.fail(f"{name} has no example call")
    found = problems_of(name, PUBLIC[name], lambda: valid_call(name))
    assert not found, f"{name}:\n  " + "\n  ".join(found)


# --- The test can fail --------------------------------------------------------------------


def _unchecked_log(epsilon: float, label: str = "x") -> float:
    """A function without checks at the door: numpy decides what happens."""
    return float(np.log(epsilon)) + len(label)


def _checked_log(epsilon: float, label: str = "x") -> float:
    from privlab import _guard

    epsilon = _guard.positive_number("epsilon", epsilon)
    if not isinstance(label, str):
        raise InvalidParameterError(f"label must be a string; got {label!r}.")
    return math.log(epsilon) + len(label)


def test_a_function_without_checks_fails_the_test():
    found = problems_of("unchecked", _unchecked_log, lambda: {"epsilon": 2.0, "label": "x"})
    found_text = "\n".join(found)
    assert "epsilon=nan: accepted" in found_text
    assert "epsilon=object(): TypeError" in found_text
    assert "label=bytes: accepted" in found_text
    assert "label=3: TypeError" in found_text


def test_a_function_with_checks_passes_it():
    assert problems_of("checked", _checked_log, lambda: {"epsilon": 2.0, "label": "x"}) == []


def test_an_error_that_names_no_parameter_fails_the_test():
    def vague(epsilon: float) -> float:
        raise InvalidParameterError("something is wrong")

    found = problems_of("vague", vague, lambda: {"epsilon": 2.0})
    assert found and all("names no parameter" in line for line in found)
