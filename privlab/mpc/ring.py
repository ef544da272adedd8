"""The ring :math:`\\mathbb{Z}_{2^{64}}`: whole numbers modulo :math:`2^{64}`, and fixed point.

Additive secret sharing computes in a ring where adding and multiplying wrap
around: :math:`a + b` means :math:`(a + b) \\bmod 2^{64}`. A computer does this
for free: numpy ``uint64`` arrays wrap around silently, which is exactly
arithmetic modulo :math:`2^{64}`.

* **Negative numbers** use two's complement, as every CPU does: :math:`-x` is
  stored as :math:`2^{64} - x`. Reading the same 64 bits as a signed ``int64``
  (``.view(np.int64)``) gives the negative number back. So whole numbers from
  :data:`MIN_INTEGER` to :data:`MAX_INTEGER` fit, and sums and products come
  out right as long as the true result fits too.
* **Decimals** use fixed point, as CrypTen does: :math:`x` is stored as the
  whole number :math:`\\mathrm{round}(x \\cdot 2^{16})`, so the step between two
  decimals is :math:`2^{-16} \\approx 0.000015`. A sum of fixed-point numbers
  is the fixed-point number of the sum; a product would need rescaling, which
  this package leaves out (products here are of whole numbers).

Only numpy *arrays* wrap silently: numpy *scalars* warn on overflow. The
helpers :func:`ring_add`, :func:`ring_subtract`, :func:`ring_multiply` and
:func:`ring_sum` therefore always hand back arrays (0-d for a single number).
"""

from __future__ import annotations

import numbers
from functools import reduce
from typing import Any

import numpy as np

from ..errors import InvalidParameterError

__all__ = [
    "FRACTION_BITS",
    "MAX_FIXED",
    "MAX_INTEGER",
    "MIN_INTEGER",
    "RING_BITS",
    "RING_SIZE",
    "SCALE",
    "decode",
    "encode",
    "ring_add",
    "ring_multiply",
    "ring_subtract",
    "ring_sum",
]

RING_BITS = 64
"""Bits of a ring element: the ring is the whole numbers modulo ``2**64``."""

RING_SIZE = 2**RING_BITS
"""Number of ring elements, ``2**64``."""

FRACTION_BITS = 16
"""Bits after the binary point in fixed point (CrypTen's default)."""

SCALE = 2**FRACTION_BITS
"""Fixed-point scale: a decimal ``x`` is stored as ``round(x * SCALE)``."""

MAX_INTEGER = 2**63 - 1
"""Largest whole number that fits (signed 64-bit)."""

MIN_INTEGER = -(2**63)
"""Smallest whole number that fits (signed 64-bit)."""

MAX_FIXED = 2**47
"""Decimals must satisfy ``|x| < 2**47``, so that ``x * 2**16`` fits the signed range."""

_WHOLE_RANGE = f"whole numbers from {MIN_INTEGER} to {MAX_INTEGER} (signed 64-bit)"
_FIXED_RANGE = f"finite numbers with |x| < 2**47 = {MAX_FIXED} (so that x * 2**16 fits 64 bits)"
_RING_RANGE = f"ring elements (whole numbers from 0 to 2**64 - 1 = {RING_SIZE - 1})"


# --------------------------------------------------------------------------
# Encoding: numbers to ring elements and back
# --------------------------------------------------------------------------


def encode(values: Any, *, fixed_point: bool = False) -> np.ndarray:
    """Turn whole numbers (or decimals, in fixed point) into ring elements.

    .. math::

        \\mathrm{encode}(x) = x \\bmod 2^{64}
        \\qquad
        \\mathrm{encode}_{\\mathrm{fixed}}(x) = \\mathrm{round}(x \\cdot 2^{16}) \\bmod 2^{64}

    Parameters
    ----------
    values : int, float or array-like
        Whole numbers from ``MIN_INTEGER`` to ``MAX_INTEGER``; with
        ``fixed_point=True``, any finite numbers with ``|x| < 2**47``.
    fixed_point : bool, default False
        Store decimals as ``round(x * 2**16)``.

    Returns
    -------
    numpy.ndarray
        ``uint64`` ring elements, same shape as ``values`` (0-d for one number).

    Raises
    ------
    InvalidParameterError
        A value is out of range, or a decimal was given without ``fixed_point=True``.

    Examples
    --------
    >>> encode(5)
    array(5, dtype=uint64)
    >>> encode([-1, 2])  # -1 is 2**64 - 1: two's complement
    array([18446744073709551615,                    2], dtype=uint64)
    >>> encode(1.5, fixed_point=True)  # 1.5 * 2**16
    array(98304, dtype=uint64)
    """
    return _encode("values", values, fixed_point)


def decode(ring_values: Any, *, fixed_point: bool = False) -> np.ndarray:
    """Read ring elements as signed whole numbers (or as fixed-point decimals).

    .. math::

        \\mathrm{decode}(r) = \\begin{cases} r & r < 2^{63} \\\\ r - 2^{64} & r \\ge 2^{63}
        \\end{cases}
        \\qquad
        \\mathrm{decode}_{\\mathrm{fixed}}(r) = \\mathrm{decode}(r) / 2^{16}

    Parameters
    ----------
    ring_values : array-like
        ``uint64`` ring elements (whole numbers from 0 to ``2**64 - 1``).
    fixed_point : bool, default False
        Divide by ``2**16`` and return floats.

    Returns
    -------
    numpy.ndarray
        ``int64`` values, or ``float64`` with ``fixed_point=True``.

    Examples
    --------
    >>> decode(encode([-7, 7]))
    array([-7,  7])
    >>> decode(encode(-2.25, fixed_point=True), fixed_point=True)
    array(-2.25)
    """
    fixed_point = _flag("fixed_point", fixed_point)
    signed = _ring_elements("ring_values", ring_values).view(np.int64)
    return np.asarray(signed / SCALE) if fixed_point else signed


# --------------------------------------------------------------------------
# Arithmetic modulo 2**64
# --------------------------------------------------------------------------


def ring_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`(a + b) \\bmod 2^{64}` on ``uint64`` arrays, as an array.

    >>> ring_add(encode(2**63 - 1), encode(1))  # wraps around
    array(9223372036854775808, dtype=uint64)
    """
    return np.asarray(np.add(_ring_elements("a", a), _ring_elements("b", b)))


def ring_subtract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`(a - b) \\bmod 2^{64}` on ``uint64`` arrays, as an array.

    >>> decode(ring_subtract(encode(3), encode(5)))
    array(-2)
    """
    return np.asarray(np.subtract(_ring_elements("a", a), _ring_elements("b", b)))


def ring_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`(a \\cdot b) \\bmod 2^{64}` on ``uint64`` arrays, as an array.

    >>> decode(ring_multiply(encode(-3), encode(5)))
    array(-15)
    """
    return np.asarray(np.multiply(_ring_elements("a", a), _ring_elements("b", b)))


def ring_sum(arrays: Any) -> np.ndarray:
    """:math:`\\sum_i a_i \\bmod 2^{64}` of a sequence of ``uint64`` arrays of one shape.

    >>> decode(ring_sum([encode(5), encode(-2), encode(10)]))
    array(13)
    """
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise InvalidParameterError(
            f"arrays must be a non-empty list of uint64 arrays; got {arrays!r:.60}."
        )
    elements = [_ring_elements(f"arrays[{i}]", array) for i, array in enumerate(arrays)]
    return np.asarray(reduce(np.add, elements))


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def _encode(name: str, values: Any, fixed_point: bool) -> np.ndarray:
    """:func:`encode`, with error messages naming the caller's parameter."""
    fixed_point = _flag("fixed_point", fixed_point)
    signed = _fixed_point_numbers(name, values) if fixed_point else _whole_numbers(name, values)
    return signed.view(np.uint64)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def _shown(value: Any) -> str:
    """A value for an error message: a number as itself, a big array by its shape."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else f"a value of type {type(value).__name__}"


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_array(name: str, values: Any, allowed: str) -> np.ndarray:
    """``values`` as a numpy array of real numbers (bools, text and ragged lists refused)."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as error:
        raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(values)}.") from error
    if array.dtype.kind in "iuf":
        return array
    if array.dtype.kind == "O" and all(_is_real(value) for value in array.flat):
        return array  # Python ints too big for int64, or mixed with floats
    raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(values)}.")


def _whole_numbers(name: str, values: Any) -> np.ndarray:
    """Signed whole numbers as an ``int64`` array, refusing anything out of range."""
    array = _as_array(name, values, _WHOLE_RANGE)
    if array.dtype.kind in "iu":
        if array.dtype == np.uint64 and np.any(array > MAX_INTEGER):
            raise _out_of_range(name, _WHOLE_RANGE, array[array > MAX_INTEGER][0])
        return array.astype(np.int64)
    # A float or object array: decimals, or Python ints beyond int64 that numpy
    # could not store exactly. Look at the numbers themselves.
    exact = np.asarray(values, dtype=object)
    for value in exact.flat:
        if not isinstance(value, numbers.Integral):
            raise InvalidParameterError(
                f"{name} must be {_WHOLE_RANGE}; got {_shown(value)} "
                "(for decimals, use fixed_point=True)."
            )
        if not MIN_INTEGER <= int(value) <= MAX_INTEGER:
            raise _out_of_range(name, _WHOLE_RANGE, value)
    return np.array([int(value) for value in exact.flat], dtype=np.int64).reshape(exact.shape)


def _fixed_point_numbers(name: str, values: Any) -> np.ndarray:
    """``round(x * 2**16)`` as an ``int64`` array, refusing ``|x| >= 2**47``."""
    array = _as_array(name, values, _FIXED_RANGE)
    if array.dtype == object:  # Python ints too big for numpy: compare them exactly
        for value in array.flat:
            if not abs(value) < MAX_FIXED:
                raise _out_of_range(name, _FIXED_RANGE, value)
    as_float = array.astype(np.float64)
    outside = ~(np.abs(as_float) < MAX_FIXED)  # also catches NaN
    if np.any(outside):
        raise _out_of_range(name, _FIXED_RANGE, array[outside][0])
    return np.asarray(np.rint(as_float * SCALE).astype(np.int64))


def _ring_elements(name: str, values: Any) -> np.ndarray:
    """``uint64`` ring elements; other whole numbers are accepted if in 0 .. 2**64 - 1."""
    if isinstance(values, np.ndarray) and values.dtype == np.uint64:
        return values
    array = _as_array(name, values, _RING_RANGE)
    if array.dtype.kind in "iu":
        if np.any(array < 0):
            raise InvalidParameterError(
                f"{name} must be {_RING_RANGE}; got {_shown(array[array < 0][0])}."
            )
        return array.astype(np.uint64)
    exact = np.asarray(values, dtype=object)
    for value in exact.flat:
        if not isinstance(value, numbers.Integral) or not 0 <= int(value) < RING_SIZE:
            raise InvalidParameterError(f"{name} must be {_RING_RANGE}; got {_shown(value)}.")
    return np.array([int(value) for value in exact.flat], dtype=np.uint64).reshape(exact.shape)


def _short_number(number: Any) -> str:
    """Long numbers shortened to their first and last digits: 15532090213829581543 -> 1553…543."""
    text = str(number)
    return text if len(text) <= 9 else f"{text[:4]}…{text[-3:]}"


def _short_value(payload: np.ndarray) -> str:
    """A payload as a short string for tables: at most three numbers, each shortened."""
    if payload.ndim == 0:
        return _short_number(payload.item())
    values = payload.ravel()
    shown = ", ".join(_short_number(value) for value in values[:3].tolist())
    if values.size > 3:
        shown += f", … ({values.size} values)"
    return f"[{shown}]"


def _out_of_range(name: str, allowed: str, value: Any) -> InvalidParameterError:
    return InvalidParameterError(f"{name} must be {allowed}; got {_shown(value)}.")
