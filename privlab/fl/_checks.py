"""The checks that the guard lines of :mod:`privlab.fl` name (here, so that FedAvg and the
masks open their modules)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from nacl.public import PrivateKey, PublicKey

from .._guard import Check, integer, integer_array, real_array, shown
from ..errors import InvalidParameterError
from ..mpc.ring import _ring_elements
from .digits import _device_rows
from .model import _images, _labels_of_images

MAX_ROUNDS = 10_000
MAX_EPOCHS = 1_000
MAX_LEARNING_RATE = 100.0  # a larger step only diverges
KEY_BYTES = 32
CHUNK_BITS = 16  # a 32-byte secret in 16 chunks, each below 2**16 < PRIME
CHUNKS = KEY_BYTES * 8 // CHUNK_BITS


def short(value: Any) -> str:
    """A value for an error message: an array by its shape, bytes by length, else its repr."""
    return f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else shown(value)


def test_pair(name: str, value: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Held-out examples: None, or a pair (images, labels)."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidParameterError(f"{name} must be a pair (images, labels); got {value!r:.60}.")
    images = _images("images", value[0])
    return images, _labels_of_images(images, integer_array("labels", value[1]))


def fedavg_options(arguments: dict[str, Any]) -> None:
    """``where`` of :func:`~privlab.fl.fedavg.fedavg`: the examples, parts and DP options."""
    images, labels = arguments["images"], arguments["labels"]
    _labels_of_images(images, labels)
    arguments["parts"] = _device_rows("parts", arguments["parts"], labels.size)
    noise = arguments["noise_multiplier"]
    if arguments["clip_norm"] is not None and arguments["aggregate"] is not None:
        raise InvalidParameterError(
            "aggregate must be None with clip_norm: DP-FedAvg has its own server step."
        )
    if arguments["clip_norm"] is None and noise:
        raise InvalidParameterError(
            f"noise_multiplier needs clip_norm (noise is scaled to it); got {noise!r} "
            "without clip_norm."
        )


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


def device_updates(least: int = 2) -> Check:
    """Device id -> float update, all of one length, from ``least`` devices; or a 2-d array."""

    def check(name: str, value: Any) -> dict[int | str, np.ndarray]:
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
                    f"{name} must be a dict {{device id: 1-d array}} or a 2-d array (one row "
                    f"per device); got {short(value)}."
                )
            rows = dict(enumerate(array))
        ids = list(rows)
        if len(ids) < least:
            raise InvalidParameterError(
                f"{name} must come from at least {least} devices; got {len(ids)}."
            )
        odd = next((i for i in ids if rows[i].size != rows[ids[0]].size), None)
        if odd is not None:
            raise InvalidParameterError(
                f"{name} must all have the same length; got length {rows[ids[0]].size} for "
                f"device {ids[0]!r} and {rows[odd].size} for device {odd!r}."
            )
        return rows

    return check


def threshold(value: Any, n: int) -> int:
    """From 2 to the number of devices."""
    try:
        return integer("threshold", value, low=2, high=n)
    except InvalidParameterError as error:
        raise InvalidParameterError(
            f"{error} (Against a server that lies about who dropped out, helped by c devices, "
            "2 * threshold must exceed the number of devices plus c.)"
        ) from None


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
