"""Whole numbers modulo :math:`2^{64}` (or :math:`2^{32}`), and fixed point: privlab's one encoder.

numpy ``uint64`` (``uint32``) arrays wrap around silently, which is exactly
arithmetic modulo :math:`2^{k}`. Negative numbers use two's complement
(:math:`-x` is stored as :math:`2^{k} - x`); decimals use fixed point, as CrypTen
does: :math:`x` is stored as :math:`\\mathrm{round}(x \\cdot 2^{16})`. A sum of
fixed-point numbers is the fixed-point number of the sum; products here are of
whole numbers. numpy *scalars* warn on overflow, so the ``ring_*`` helpers
always hand back arrays (0-d for one number).
"""

from __future__ import annotations

import numbers
from functools import reduce
from typing import Any

import numpy as np

from .._guard import BOOLEAN, TIED, guard, integer
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

RING_BITS = 64  # privlab.mpc computes modulo 2**64; secure aggregation may pick 32
RING_SIZE = 2**RING_BITS
FRACTION_BITS = 16  # bits after the binary point in fixed point (CrypTen's default)
SCALE = 2**FRACTION_BITS  # a decimal x is stored as round(x * SCALE)
MAX_INTEGER = 2**63 - 1  # the signed 64-bit range
MIN_INTEGER = -(2**63)
MAX_FIXED = 2**47  # decimals need |x| < 2**47, so that x * 2**16 fits the signed range

_UNSIGNED = {32: np.dtype(np.uint32), 64: np.dtype(np.uint64)}
_SIGNED = {32: np.dtype(np.int32), 64: np.dtype(np.int64)}


def _ring_bits(name: str, value: Any) -> int:
    if isinstance(value, bool) or value not in _UNSIGNED:
        raise InvalidParameterError(f"{name} must be 32 or 64; got {value!r}.")
    return int(value)


def _scale_bits(arguments: dict[str, Any]) -> None:
    """``scale_bits`` from 0 to ``bits - 2``: the value 1 must fit the signed range."""
    bits = arguments["bits"]
    arguments["scale_bits"] = integer("scale_bits", arguments["scale_bits"], low=0, high=bits - 2)


def _numbers(name: str, values: Any, fixed_point: bool, bits: int, scale_bits: int) -> np.ndarray:
    """What :func:`encode` accepts: signed ``bits``-bit whole numbers, or decimals that fit."""
    if fixed_point:
        return _fixed_point_numbers(name, values, bits, scale_bits)
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    allowed = f"whole numbers from {low} to {high} (signed {bits}-bit)"
    hint = " (for decimals, use fixed_point=True)"
    return _whole_numbers(name, values, low, high, np.int64, allowed, hint)


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


def _whole_numbers(
    name: str, values: Any, low: int, high: int, dtype: Any, allowed: str, hint: str = ""
) -> np.ndarray:
    """Whole numbers from ``low`` to ``high`` as ``dtype``: numpy integers checked at once, the
    rest (floats, Python ints beyond int64, which numpy cannot hold exactly) one by one."""
    array = _as_array(name, values, allowed)
    if array.dtype.kind not in "iu":
        array = np.asarray(values, dtype=object)
        for value in array.flat:
            if not isinstance(value, numbers.Integral):
                raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(value)}{hint}.")
    outside = np.asarray((array < low) | (array > high), dtype=bool)  # exact, even for uint64
    if np.any(outside):
        raise _out_of_range(name, allowed, array[outside][0])
    return array.astype(dtype)


def _fixed_point_numbers(name: str, values: Any, bits: int, scale_bits: int) -> np.ndarray:
    """Finite numbers whose ``round(x * 2**s)`` fits the signed range, as a float array."""
    room = bits - 1 - scale_bits
    allowed = (
        f"finite numbers with |x| < 2**{room} = {2**room} "
        f"(so that x * 2**{scale_bits} fits {bits} bits)"
    )
    array = _as_array(name, values, allowed)
    if array.dtype == object:  # Python ints too big for numpy: compare them exactly
        for value in array.flat:
            if not abs(value) < 2**room:
                raise _out_of_range(name, allowed, value)
    as_float = array.astype(np.float64)
    outside = ~(np.abs(np.rint(as_float * 2.0**scale_bits)) < 2.0 ** (bits - 1))  # and NaN
    if np.any(outside):
        raise _out_of_range(name, allowed, array[outside][0])
    return as_float


def _ring_elements(
    name: str, values: Any, bits: int = RING_BITS, allowed: str | None = None
) -> np.ndarray:
    """Ring elements as ``uint64`` (``uint32``); other whole numbers if in 0 .. 2**bits - 1."""
    if isinstance(values, np.ndarray) and values.dtype == _UNSIGNED[bits]:
        return values
    allowed = allowed or f"ring elements (whole numbers from 0 to 2**{bits} - 1 = {2**bits - 1})"
    return _whole_numbers(name, values, 0, 2**bits - 1, _UNSIGNED[bits], allowed)


def _out_of_range(name: str, allowed: str, value: Any) -> InvalidParameterError:
    return InvalidParameterError(f"{name} must be {allowed}; got {_shown(value)}.")


def _encodable(arguments: dict[str, Any]) -> None:
    _scale_bits(arguments)
    fixed_point, bits, scale_bits = (arguments[k] for k in ("fixed_point", "bits", "scale_bits"))
    arguments["values"] = _numbers("values", arguments["values"], fixed_point, bits, scale_bits)


@guard(fixed_point=BOOLEAN, bits=_ring_bits, values=TIED, scale_bits=TIED, where=_encodable)
def encode(
    values: Any,
    *,
    fixed_point: bool = False,
    bits: int = RING_BITS,
    scale_bits: int = FRACTION_BITS,
) -> np.ndarray:
    """Turn whole numbers (or decimals, in fixed point) into ring elements.

    .. math:: \\mathrm{encode}(x) = x \\bmod 2^{k}, \\qquad
              \\mathrm{encode}_{\\mathrm{fixed}}(x) = \\mathrm{round}(x \\cdot 2^{s}) \\bmod 2^{k}

    Parameters
    ----------
    values : int, float or array-like
        Whole numbers that fit ``bits`` signed bits; with ``fixed_point``, finite
        numbers with ``|x| < 2**(bits - 1 - scale_bits)`` (``2**47`` by default).
    fixed_point : bool, default False
        Store decimals as ``round(x * 2**scale_bits)``.
    bits : {64, 32}
        :math:`k`, the size of the ring.
    scale_bits : int, default 16
        :math:`s`, from 0 to ``bits - 2``.

    Returns
    -------
    numpy.ndarray
        ``uint64`` (``uint32``) ring elements, the shape of ``values``.

    >>> encode(5)
    array(5, dtype=uint64)
    >>> encode([-1, 2])  # -1 is 2**64 - 1: two's complement
    array([18446744073709551615,                    2], dtype=uint64)
    >>> encode(1.5, fixed_point=True)  # 1.5 * 2**16
    array(98304, dtype=uint64)
    >>> encode([1.5, -1.0], fixed_point=True, bits=32)
    array([     98304, 4294901760], dtype=uint32)
    """
    if fixed_point:
        values = np.rint(np.asarray(values, dtype=np.float64) * 2.0**scale_bits)
    # |values| < 2**(bits - 1): int64 holds them exactly; the cast wraps modulo 2**bits
    return np.asarray(values).astype(np.int64).astype(_UNSIGNED[bits])


def _decodable(arguments: dict[str, Any]) -> None:
    _scale_bits(arguments)
    values, bits = arguments["ring_values"], arguments["bits"]
    arguments["ring_values"] = _ring_elements("ring_values", values, bits)


@guard(fixed_point=BOOLEAN, bits=_ring_bits, ring_values=TIED, scale_bits=TIED, where=_decodable)
def decode(
    ring_values: Any,
    *,
    fixed_point: bool = False,
    bits: int = RING_BITS,
    scale_bits: int = FRACTION_BITS,
) -> np.ndarray:
    """Read ring elements as signed whole numbers (or as fixed-point decimals).

    .. math:: \\mathrm{decode}(r) = r \\text{ if } r < 2^{k-1}, \\text{ else } r - 2^{k};
              \\qquad \\mathrm{decode}_{\\mathrm{fixed}}(r) = \\mathrm{decode}(r) / 2^{s}

    Parameters
    ----------
    ring_values : array-like
        Ring elements, whole numbers from 0 to ``2**bits - 1``.
    fixed_point : bool, default False
        Divide by ``2**scale_bits`` and return floats.
    bits, scale_bits : int
        As for :func:`encode`.

    Returns
    -------
    numpy.ndarray
        ``int64`` (``int32``) values, or ``float64`` with ``fixed_point``.

    >>> decode(encode([-7, 7]))
    array([-7,  7])
    >>> decode(encode(-2.25, fixed_point=True), fixed_point=True)
    array(-2.25)
    """
    signed = np.asarray(ring_values).astype(_UNSIGNED[bits], copy=False).view(_SIGNED[bits])
    return np.asarray(signed / 2.0**scale_bits) if fixed_point else signed


def _ring(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.uint64)


@guard(a=_ring_elements, b=_ring_elements)
def ring_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`(a + b) \\bmod 2^{64}` on ``uint64`` arrays, as an array.

    >>> ring_add(encode(2**63 - 1), encode(1))  # wraps around
    array(9223372036854775808, dtype=uint64)
    """
    return np.asarray(np.add(_ring(a), _ring(b)))


@guard(a=_ring_elements, b=_ring_elements)
def ring_subtract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`(a - b) \\bmod 2^{64}` on ``uint64`` arrays, as an array.

    >>> decode(ring_subtract(encode(3), encode(5)))
    array(-2)
    """
    return np.asarray(np.subtract(_ring(a), _ring(b)))


@guard(a=_ring_elements, b=_ring_elements)
def ring_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`(a \\cdot b) \\bmod 2^{64}` on ``uint64`` arrays, as an array.

    >>> decode(ring_multiply(encode(-3), encode(5)))
    array(-15)
    """
    return np.asarray(np.multiply(_ring(a), _ring(b)))


def _ring_arrays(name: str, arrays: Any) -> list[np.ndarray]:
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise InvalidParameterError(
            f"{name} must be a non-empty list of uint64 arrays; got {arrays!r:.60}."
        )
    return [_ring_elements(f"{name}[{i}]", array) for i, array in enumerate(arrays)]


@guard(arrays=_ring_arrays)
def ring_sum(arrays: Any) -> np.ndarray:
    """:math:`\\sum_i a_i \\bmod 2^{64}` of a sequence of ``uint64`` arrays of one shape.

    >>> decode(ring_sum([encode(5), encode(-2), encode(10)]))
    array(13)
    """
    return np.asarray(reduce(np.add, [_ring(array) for array in arrays]))


def _encode(name: str, values: Any, fixed_point: bool) -> np.ndarray:
    """:func:`encode` (64 bits), with error messages naming the caller's parameter."""
    checked = _numbers(name, values, fixed_point, RING_BITS, FRACTION_BITS)
    return encode(checked, fixed_point=fixed_point)


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
