"""What the arguments of :mod:`privlab.fl` may be: the checks its guard lines name.

They live here, not beside their functions, so that FedAvg and the masks open their modules.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from nacl.public import PrivateKey, PublicKey

from .._guard import Check, integer, integer_array, real_array
from ..errors import InvalidParameterError
from ..mpc.ring import _ring_elements
from .model import _images, _labels_of_images

MAX_ROUNDS = 10_000
MAX_EPOCHS = 1_000
MAX_LEARNING_RATE = 100.0  # a larger step only diverges
KEY_BYTES = 32
CHUNK_BITS = 16  # a 32-byte secret in 16 chunks, each below 2**16 < PRIME
CHUNKS = KEY_BYTES * 8 // CHUNK_BITS


def short(value: Any) -> str:
    """A value for an error message: arrays and long values by their shape or type."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    text = repr(value)
    return text if len(text) <= 60 else f"a value of type {type(value).__name__}"


def function(name: str, value: Any) -> Callable | None:
    if value is not None and not callable(value):
        raise InvalidParameterError(f"{name} must be None or a function; got {value!r}.")
    return value


def test_pair(name: str, value: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Held-out examples: None, or a pair (images, labels)."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidParameterError(f"{name} must be a pair (images, labels); got {value!r:.60}.")
    images = _images("images", value[0])
    return images, _labels_of_images(images, integer_array("labels", value[1]))


def device_rows(parts: Any, examples: int) -> list[np.ndarray]:
    """Each device's row numbers: a non-empty list of non-empty arrays of rows that exist."""
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence) or not parts:
        raise InvalidParameterError(
            "parts must be a non-empty list of row-number arrays, one per device; "
            f"got {type(parts).__name__}."
        )
    checked = []
    for device, part in enumerate(parts):
        rows = integer_array(f"parts[{device}]", part)
        if rows.ndim != 1 or rows.size == 0:
            raise InvalidParameterError(
                f"parts[{device}] must be a non-empty 1-d array of row numbers; got shape "
                f"{rows.shape}."
            )
        if rows.min() < 0 or rows.max() >= examples:
            raise InvalidParameterError(
                f"parts[{device}] must hold row numbers from 0 to {examples - 1}; got "
                f"{int(rows.min())} to {int(rows.max())}."
            )
        checked.append(rows)
    return checked


def fedavg_options(arguments: dict[str, Any]) -> None:
    """``where`` of :func:`~privlab.fl.fedavg.fedavg`: the examples, parts and DP options."""
    images, labels = arguments["images"], arguments["labels"]
    _labels_of_images(images, labels)
    arguments["parts"] = device_rows(arguments["parts"], labels.size)
    noise = arguments["noise_multiplier"]
    if noise < 0:
        raise InvalidParameterError(f"noise_multiplier must be a number >= 0; got {noise!r}.")
    if arguments["clip_norm"] is not None and arguments["aggregate"] is not None:
        raise InvalidParameterError(
            "aggregate must be None with clip_norm: DP-FedAvg has its own server step."
        )
    if arguments["clip_norm"] is None and noise:
        raise InvalidParameterError(
            f"noise_multiplier needs clip_norm (noise is scaled to it); got {noise!r} "
            "without clip_norm."
        )


def update_dict(name: str, value: Any) -> dict[Any, np.ndarray]:
    """Device -> update, a non-empty dict of arrays of one shape."""
    if not isinstance(value, dict) or not value:
        raise InvalidParameterError(
            f"{name} must be a non-empty dict of device -> update; got {value!r:.60}."
        )
    arrays = {device: real_array(f"{name}[{device}]", u) for device, u in value.items()}
    if len({a.shape for a in arrays.values()}) != 1:
        raise InvalidParameterError(f"{name} must all have one shape.")
    return arrays


def examples_of_updates(arguments: dict[str, Any]) -> None:
    """``examples``: device -> its number of examples (>= 1), for the devices of ``updates``."""
    updates, examples = arguments["updates"], arguments["examples"]
    if not isinstance(examples, dict) or examples.keys() != updates.keys():
        raise InvalidParameterError(
            f"examples must be a dict with the same devices as updates ({sorted(updates)}); "
            f"got {examples!r:.60}."
        )
    arguments["examples"] = {
        device: integer(f"examples[{device}]", n, low=1) for device, n in examples.items()
    }


def key(name: str, value: Any) -> bytes:
    """32 bytes; for a key's name, a ``nacl.public`` key too."""
    is_key = "key" in name
    if is_key and isinstance(value, (PrivateKey, PublicKey)):
        return bytes(value)
    if not isinstance(value, bytes) or len(value) != KEY_BYTES:
        allowed = f"{KEY_BYTES} bytes" + (" or a nacl.public key" if is_key else "")
        raise InvalidParameterError(f"{name} must be {allowed}; got {short(value)}.")
    return value


def public_keys(name: str, value: Any) -> list[bytes]:
    """Every device's public key, at least 2."""
    if isinstance(value, (bytes, str)) or not isinstance(value, Sequence) or len(value) < 2:
        raise InvalidParameterError(
            f"{name} must be a list of at least 2 public keys; got {short(value)}."
        )
    return [key(f"{name}[{i}]", item) for i, item in enumerate(value)]


def secret(name: str, value: Any) -> bytes:
    if not isinstance(value, bytes) or not value:
        raise InvalidParameterError(f"{name} must be non-empty bytes; got {short(value)}.")
    return value


def one_of(*choices: str) -> Check:
    def check(name: str, value: Any) -> str:
        if value not in choices:
            raise InvalidParameterError(f"{name} must be one of {sorted(choices)}; got {value!r}.")
        return value

    return check


def chunks(name: str, value: Any) -> np.ndarray:
    allowed = f"{CHUNKS} whole numbers from 0 to 2**{CHUNK_BITS} - 1"
    values = integer_array(name, value, allowed)
    if values.shape != (CHUNKS,) or np.any((values < 0) | (values >= 2**CHUNK_BITS)):
        raise InvalidParameterError(f"{name} must be {allowed}; got {short(values)}.")
    return values


def ring_vector(name: str, value: Any, bits: int) -> np.ndarray:
    """A non-empty 1-d array of ring elements modulo ``2**bits``."""
    vector = _ring_elements(name, value, bits, f"whole numbers from 0 to 2**{bits} - 1")
    if vector.ndim != 1 or vector.size == 0:
        raise InvalidParameterError(f"{name} must be a non-empty 1-d array; got {short(vector)}.")
    return vector


def scale_bits(arguments: dict[str, Any]) -> None:
    high = arguments["bits"] - 2
    arguments["scale_bits"] = integer("scale_bits", arguments["scale_bits"], low=0, high=high)


def fits_the_sum(name: str, values: np.ndarray, bits: int, scale: int, devices: int) -> None:
    """``devices * |round(x * 2**scale)| < 2**(bits - 1)``: a sum of ``devices`` cannot wrap."""
    too_big = np.abs(np.round(values * 2.0**scale)) * devices >= 2.0 ** (bits - 1)
    if np.any(too_big):
        limit = 2.0 ** (bits - 1) / devices / 2.0**scale
        raise InvalidParameterError(
            f"{name} must have every value of magnitude below {limit:.6g} "
            f"(2**{bits - 1} / {devices} devices / 2**{scale}), so that the sum of "
            f"{devices} updates fits {bits}-bit fixed point; got {values[too_big].flat[0]:.6g}. "
            "Clip the updates, or use fewer scale_bits or bits=64."
        )


def _device_id(key: Any) -> int | str:
    if isinstance(key, numbers.Integral) and not isinstance(key, (bool, np.bool_)):
        return int(key)
    if isinstance(key, str) and key:
        return key
    raise InvalidParameterError(
        f"updates must have device ids that are whole numbers or non-empty strings; got {key!r}."
    )


def device_updates(name: str, value: Any) -> dict[int | str, np.ndarray]:
    """Device id -> float update, all of one length, at least 2 devices; or a 2-d array."""
    if isinstance(value, Mapping):
        rows = {_device_id(i): real_array(f"{name}[{i!r}]", row) for i, row in value.items()}
        for device, row in rows.items():
            if row.ndim != 1 or row.size == 0:
                raise InvalidParameterError(
                    f"{name}[{device!r}] must be a non-empty 1-d array; got {short(row)}."
                )
    else:
        array = real_array(name, value)
        if array.ndim != 2 or array.shape[1] == 0:
            raise InvalidParameterError(
                f"{name} must be a dict {{device id: 1-d array}} or a 2-d array (one row per "
                f"device); got {short(value)}."
            )
        rows = dict(enumerate(array))
    ids = list(rows)
    if len(ids) < 2:
        raise InvalidParameterError(
            f"{name} must come from at least 2 devices (a sum of one update is the update); "
            f"got {len(ids)}."
        )
    first = rows[ids[0]].size
    odd = next((i for i in ids if rows[i].size != first), None)
    if odd is not None:
        raise InvalidParameterError(
            f"{name} must all have the same length; got length {first} for device "
            f"{ids[0]!r} and {rows[odd].size} for device {odd!r}."
        )
    return rows


def threshold(value: Any, n: int) -> int:
    """From 2 to the number of devices."""
    good = not isinstance(value, bool) and isinstance(value, numbers.Integral) and 2 <= value <= n
    if not good:
        raise InvalidParameterError(
            f"threshold must be a whole number from 2 to the number of devices ({n}); got "
            f"{value!r}. (Against a server that lies about who dropped out, helped by c "
            "devices, 2 * threshold must exceed the number of devices plus c.)"
        )
    return int(value)


def _positions(name: str, chosen: Any, ids: list[int | str]) -> frozenset[int]:
    """Positions of the devices listed in ``chosen`` (each a known id, at most once)."""
    if isinstance(chosen, (str, bytes)) or not isinstance(chosen, Iterable):
        raise InvalidParameterError(f"{name} must be a list of device ids; got {chosen!r}.")
    position_of = {device: position for position, device in enumerate(ids)}
    positions: list[int] = []
    for item in chosen:
        key = int(item) if isinstance(item, np.integer) else item
        known = isinstance(key, (int, str)) and not isinstance(key, bool) and key in position_of
        if not known:
            raise InvalidParameterError(
                f"{name} must list ids of devices in updates; got {item!r}, which is not one "
                "of them."
            )
        if position_of[key] in positions:
            raise InvalidParameterError(f"{name} must name each device once; got {key!r} twice.")
        positions.append(position_of[key])
    return frozenset(positions)


def protocol_run(arguments: dict[str, Any]) -> None:
    """``where`` of secure aggregation: threshold, dropouts, fixed point that fits the sum.

    Replaces ``dropped`` and ``dropped_after_sending`` by the devices' positions.
    """
    updates = arguments["updates"]
    ids = list(updates)
    arguments["threshold"] = threshold(arguments["threshold"], len(ids))
    if "bits" in arguments:
        scale_bits(arguments)
    bits, scale = arguments.get("bits", 32), arguments.get("scale_bits", 16)
    if "dropped" in arguments:
        gone = _positions("dropped", arguments["dropped"], ids)
        late = _positions("dropped_after_sending", arguments["dropped_after_sending"], ids)
        if gone & late:
            raise InvalidParameterError(
                "dropped_after_sending must not name devices in dropped (they never sent their "
                f"masked update); got {ids[min(gone & late)]!r} in both."
            )
        arguments["dropped"], arguments["dropped_after_sending"] = gone, late
    for device, row in updates.items():
        fits_the_sum(f"updates[{device!r}]", row, bits, scale, len(ids))
