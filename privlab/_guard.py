"""Argument checks at the door: one line above each public function says what it accepts.

>>> @guard(epsilon=POSITIVE, rng=RNG)
... def noise(epsilon, rng=None):
...     return rng.laplace(0, 1 / epsilon)
>>> noise(-1)
Traceback (most recent call last):
...
privlab.errors.InvalidParameterError: epsilon must be a finite number > 0; got -1.

A check takes a parameter's name and value and returns the value cleaned (a float,
an array, a Generator) or raises :class:`~privlab.errors.InvalidParameterError`:
``"<name> must be <what is allowed>; got <value>."``. When one guarded function
calls another, the inner one skips its checks (as scikit-learn's
``prefer_skip_nested_validation`` does), so a check that converts a value (a seed
into a Generator) does not run there: callers pass converted values.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import InvalidParameterError

__all__ = ["InvalidParameterError", "guard"]

Check = Callable[[str, Any], Any]
Seed = np.random.Generator | int | None  # what an ``rng`` argument may be
_inside = contextvars.ContextVar("privlab_inside_a_guarded_call", default=False)


def guard(where: Callable[[dict[str, Any]], None] | None = None, **checks: Check) -> Callable:
    """Check the named arguments at the door, in order; then ``where(arguments)``, if given.

    ``where`` checks what ties the checked arguments together and may replace values.
    """

    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)
        unknown = set(checks) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{function.__qualname__} has no parameter {sorted(unknown)}")

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if _inside.get():
                return function(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            for name, check in checks.items():
                arguments[name] = check(name, arguments[name])
            if where is not None:
                where(arguments)
            token = _inside.set(True)
            try:
                return function(*bound.args, **bound.kwargs)
            finally:
                _inside.reset(token)

        guarded.checks = checks  # the guard table: read by the tests
        return guarded

    return decorate


def unguarded() -> contextvars.Token:
    """Leave privlab's code for the learner's (a callback): guards check again until reset."""
    return _inside.set(False)


def call_outside(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call a learner's function (a mechanism, a sampler) with its guards checking again."""
    token = unguarded()
    try:
        return function(*args, **kwargs)
    finally:
        _inside.reset(token)


# --- What a parameter may be: the checks a guard line names ---


def _fail(name: str, allowed: str, value: Any) -> InvalidParameterError:
    shown = repr(value) if not isinstance(value, np.ndarray) else f"an array of shape {value.shape}"
    return InvalidParameterError(f"{name} must be {allowed}; got {shown}.")


def boolean(name: str, value: Any) -> bool:
    """True or False (numpy's bools too), never 0, 1 or a string."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def whole(low: int | None = None, high: int | None = None) -> Check:
    """A whole number (not a bool) from ``low`` to ``high``."""
    return functools.partial(integer, low=low, high=high)


def positive(high: float) -> Check:
    """A number > 0 and at most ``high`` (where a larger one would never finish)."""
    return functools.partial(positive_number, high=high)


def fraction(*, include_zero: bool = False, include_one: bool = False) -> Check:
    """A number between 0 and 1, with or without the ends."""
    return functools.partial(unit_interval, include_zero=include_zero, include_one=include_one)


def real_number(name: str, value: Any) -> float:
    """A finite real number (not a bool), as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, "a real number", value)
    value = float(value)
    if not math.isfinite(value):
        raise _fail(name, "a finite number", value)
    return value


def positive_number(name: str, value: Any, *, high: float | None = None) -> float:
    """A finite number > 0 (and at most ``high``, if given), as a float."""
    allowed = "a finite number > 0" if high is None else f"a number > 0 and at most {high:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, allowed, value)
    as_float = float(value)
    if not math.isfinite(as_float) or as_float <= 0 or (high is not None and as_float > high):
        raise _fail(name, allowed, value)
    return as_float


def nonnegative_number(name: str, value: Any) -> float:
    """A finite number >= 0 (a noise scale that may be 0, a claimed epsilon)."""
    number = real_number(name, value)
    if number < 0:
        raise InvalidParameterError(f"{name} must be a number >= 0; got {number!r}.")
    return number


def integer(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """A whole number (not a bool), optionally within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(name, _int_range(low, high), value)
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(name, _int_range(low, high), value)
    return value


def _int_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"a whole number from {low} to {high}"
    if low is not None:
        return f"a whole number >= {low}"
    if high is not None:
        return f"a whole number <= {high}"
    return "a whole number"


# The most numbers one call may draw or allocate: 10**8 float64 is 800 MB, the
# most a 2 GB notebook server can spare.
MAX_ITEMS = 10**8


def shape(name: str, value: Any) -> tuple[int, ...]:
    """A whole number >= 0 or a tuple of them, a shape of at most ``MAX_ITEMS`` entries."""
    return _shape(name, value, "a whole number >= 0 or a tuple of them")


def size(name: str, value: Any) -> tuple[int, ...] | None:
    """numpy's ``size``: ``None`` (one number) or a shape."""
    if value is None:
        return None
    return _shape(name, value, "None, a whole number >= 0 or a tuple of them")


def _shape(name: str, value: Any, allowed: str) -> tuple[int, ...]:
    parts = value if isinstance(value, tuple) else (value,)
    if not all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in parts):
        raise _fail(name, allowed, value)
    if any(p < 0 for p in parts):
        raise _fail(name, allowed, value)
    if math.prod(int(p) for p in parts) > MAX_ITEMS:
        raise _fail(name, f"a shape of at most {MAX_ITEMS:,} entries", value)
    return tuple(int(p) for p in parts)


def real_array(name: str, value: Any) -> np.ndarray:
    """A number or array of finite real numbers, as a float array."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged lists and the like
        raise _fail(name, "a number or an array of numbers", value) from error
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise _fail(name, "a number or an array of numbers", value)
    if np.iscomplexobj(array):
        raise _fail(name, "real (not complex) numbers", value)
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise _fail(name, "finite numbers (no NaN or infinity)", value)
    return array


def integer_array(
    name: str, value: Any, allowed: str = "a whole number or an array of whole numbers"
) -> np.ndarray:
    """A whole number or an array of whole numbers (any sign), as int64."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise _fail(name, allowed, value) from error
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise _fail(name, allowed, value)
    if array.dtype.kind == "u" and np.any(array > np.iinfo(np.int64).max):  # would wrap negative
        limit = " below 2**63" if allowed.startswith("a whole number or") else ""
        too_big = int(array[array > np.iinfo(np.int64).max].flat[0])
        raise InvalidParameterError(f"{name} must be {allowed}{limit}; got {too_big}.")
    return array.astype(np.int64)


def count_array(name: str, value: Any) -> np.ndarray:
    """A whole number >= 0, or an array of them, as int64."""
    array = integer_array(name, value, "a count (whole number >= 0) or an array of counts")
    if np.any(array < 0):
        raise _fail(name, "counts >= 0", value)
    return array


def binary_array(name: str, value: Any) -> np.ndarray:
    """A non-empty 1-d array of yes/no answers (bools or 0/1), as bools."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise _fail(name, "a 1-d array of True/False or 0/1 answers", value) from error
    if array.ndim != 1 or array.size == 0:
        raise _fail(name, "a non-empty 1-d array of True/False or 0/1 answers", value)
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number) or not np.all((array == 0) | (array == 1)):
            raise _fail(name, "a 1-d array of True/False or 0/1 answers", value)
    return array.astype(bool)


def rng(value: Any) -> np.random.Generator:
    """``None``, a seed or a Generator as a Generator (see :mod:`privlab.randomness`)."""
    if value is None:
        from .randomness import unpredictable_generator

        return unpredictable_generator()
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0:
        return np.random.default_rng(int(value))
    raise _fail("rng", "None, a seed (whole number >= 0) or a numpy.random.Generator", value)


def _rng(name: str, value: Any) -> np.random.Generator:
    return rng(value)


def unit_interval(
    name: str, value: Any, *, include_zero: bool = False, include_one: bool = False
) -> float:
    """A number between 0 and 1, with or without the ends (the message says which)."""
    if include_zero and include_one:
        allowed = "a number from 0 to 1"
    elif not include_zero and not include_one:
        allowed = "a number strictly between 0 and 1"
    else:
        allowed = f"a number in {'[' if include_zero else '('}0, 1{']' if include_one else ')'}"
    number = real_number(name, value)  # refuses bools, text, NaN and infinities first
    above_zero = number >= 0 if include_zero else number > 0
    below_one = number <= 1 if include_one else number < 1
    if not (above_zero and below_one):
        raise _fail(name, allowed, value)
    return number


def function(name: str, value: Any, *, such_as: str = "") -> Callable:
    """A function (``such_as`` names an example in the message)."""
    if not callable(value):
        example = f" such as {such_as}" if such_as else ""
        raise InvalidParameterError(f"{name} must be a function{example}; got {value!r}.")
    return value


def secret_stream(name: str, value: Any) -> Any:
    """``rng`` as a stream of secrets: :func:`privlab.randomness.secret_random`."""
    from .randomness import secret_random

    return secret_random(value)


def label(name: str, value: Any) -> str:
    """A non-empty string: a release's name in a ledger."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(f"{name} must be a non-empty string; got {value!r}.")
    return value


REAL: Check = real_number
POSITIVE: Check = positive_number
REALS: Check = real_array
WHOLES: Check = integer_array
COUNTS: Check = count_array
ANSWERS: Check = binary_array
SHAPE: Check = shape
SIZE: Check = size
RNG: Check = _rng
BOOLEAN: Check = boolean
PROBABILITY: Check = fraction()  # strictly between 0 and 1
SHARE: Check = fraction(include_zero=True, include_one=True)  # from 0 to 1
SECRETS: Check = secret_stream
LABEL: Check = label
FUNCTION: Check = function


# --- checks of privlab.crypto ---


def shown(value: Any) -> str:
    """A short description of a bad value: bytes by length, other values by repr."""
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes"
    if isinstance(value, numbers.Number) or value is None:
        return repr(value)
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def byte_string(name: str, value: Any) -> bytes:
    """Bytes (or a bytearray), returned as bytes."""
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidParameterError(f"{name} must be bytes; got {shown(value)}.")
    return bytes(value)


def key_bytes(name: str, value: Any) -> bytes:
    """A 32-byte key: X25519, Ed25519, a root, chain, message or backup key."""
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        raise InvalidParameterError(f"{name} must be a 32-byte key; got {shown(value)}.")
    return bytes(value)


def instance(kind: type, what: str) -> Check:
    """An instance of ``kind``; the message calls it ``what`` ("an Identity")."""

    def check(name: str, value: Any) -> Any:
        if not isinstance(value, kind):
            raise InvalidParameterError(f"{name} must be {what}; got {shown(value)}.")
        return value

    return check


BYTES: Check = byte_string
KEY: Check = key_bytes


def optional(check: Check) -> Check:
    """``None``, or what ``check`` accepts."""
    return lambda name, value: None if value is None else check(name, value)


def exact_bytes(size: int) -> Check:
    """Exactly ``size`` bytes (a nonce), returned as bytes."""

    def check(name: str, value: Any) -> bytes:
        if not isinstance(value, (bytes, bytearray)) or len(value) != size:
            raise InvalidParameterError(f"{name} must be exactly {size} bytes; got {shown(value)}.")
        return bytes(value)

    return check


def clock(name: str, value: Any) -> Any:
    """``None`` or a function of no arguments that returns the time in seconds."""
    if value is not None and not callable(value):
        raise InvalidParameterError(
            f"{name} must be None or a function of no arguments returning the time; "
            f"got {shown(value)}."
        )
    return value


CLOCK: Check = clock


# --- checks of privlab.mpc ---


def tied(name: str, value: Any) -> Any:
    """A parameter whose check needs another one: the guard's ``where=`` checks it."""
    return value


TIED: Check = tied
