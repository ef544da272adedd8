"""Checks for lesson 05, "On-device learning".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. The test cases are fixed: hand-made
updates, one-example updates of softmax regression trained on the shipped
digits, masked rounds built from seeded keys, and the privacy accounting of
:func:`~privlab.fl.dp.dp_fedavg_epsilon`. :func:`masked_round` gives the
learner the data of exercise 3.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from nacl.public import PrivateKey

from privlab.errors import InvalidParameterError
from privlab.fl.attacks import invert_update, reconstruction_error
from privlab.fl.digits import load_digits
from privlab.fl.dp import clip_update, dp_fedavg_epsilon
from privlab.fl.fedavg import local_sgd, weighted_mean
from privlab.fl.model import SIZE, initial_parameters, unpack
from privlab.fl.secagg import decode, encode, pairwise_mask
from privlab.lessons.kit.checks import Answers, CaseExercise, Exercise, mistake, passes, right
from privlab.lessons.kit.feedback import (
    LearnerCodeError,
    _NotAttempted,
    as_number,
    call_learner,
    listing,
)
from privlab.lessons.kit.feedback import shown as _shown

__all__ = [
    "NOISE_CHOICES",
    "NOISE_DELTA",
    "NOISE_RATE",
    "NOISE_ROUNDS",
    "NOISE_TARGET",
    "SCALE_BITS",
    "check_clip",
    "check_fedavg_step",
    "check_noise_for_budget",
    "check_ratio_attack",
    "check_unmask_sum",
    "masked_round",
]


# --------------------------------------------------------------------------
# Numbers in messages, and the learner's arrays
# --------------------------------------------------------------------------


def _g(value: float) -> str:
    """A number to 6 significant digits; rounding noise below 1e-12 shows as 0.

    >>> _g(9.25185853854297e-18), _g(-1e-13), _g(0.1 + 0.2), _g(-2.5e-7)
    ('0', '0', '0.3', '-2.5e-07')
    """
    value = float(value)
    return "0" if abs(value) < 1e-12 else f"{value:.6g}"


def _power_of_ten(value: float) -> str:
    """A small number as ``1e-5`` rather than Python's ``1e-05``.

    >>> _power_of_ten(1e-5), _power_of_ten(2.5e-10), _power_of_ten(0.01)
    ('1e-5', '2.5e-10', '0.01')
    """
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{m[1].replace('+', '')}{m[2]}", f"{value:g}")


def _entries(array: np.ndarray, count: int = 4) -> str:
    """The first few entries of a vector: ``[0.25, -1.5, 3, ...]``."""
    shown = ", ".join(_g(x) for x in np.ravel(array)[:count])
    return f"[{shown}{', ...' if np.size(array) > count else ''}]"


def _float_array(value: Any) -> np.ndarray | None:
    """A learner's numbers as a float array, or ``None`` if they are not finite real numbers."""
    if value is None or isinstance(value, (str, bytes, dict, set, frozenset, type)):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if array.dtype.kind not in "iuf":
        return None
    with np.errstate(all="ignore"):
        array = array.astype(float)
    return array if np.all(np.isfinite(array)) else None


def _norm(vector: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(vector))


def _same(got: Any, target: np.ndarray, tolerance: float = 1e-9) -> bool:
    """Two float arrays of one shape agree, relative to the size of ``target``."""
    if got is None or got.shape != target.shape:
        return False
    scale = max(float(np.max(np.abs(target), initial=0.0)), 1e-12)
    with np.errstate(all="ignore"):
        return bool(np.max(np.abs(got - target), initial=0.0) <= tolerance * scale)


def _is(key: str) -> Callable[[Answers], bool]:
    """The learner's array ``got`` is the case's ``key``."""
    return lambda a: _same(a["got"], a[key])


# --------------------------------------------------------------------------
# Exercise 1: the server's step
# --------------------------------------------------------------------------

_STEP_EXAMPLE = (
    {3: [0.2, -0.1, 0.4], 8: [-0.3, 0.5, 0.0], 11: [0.1, 0.1, -0.2]},
    {3: 10, 8: 40, 11: 50},
)


@cache
def _step_cases() -> tuple[tuple[dict[int, np.ndarray], dict[int, int]], ...]:
    """(updates, examples): the lesson's example, then rounds listing devices in another order."""
    generator = np.random.default_rng(501)
    updates, examples = _STEP_EXAMPLE
    cases = [({k: np.array(v) for k, v in updates.items()}, dict(examples))]
    for devices, length in ((5, SIZE), (4, 10), (2, 7)):
        ids = np.sort(generator.choice(100, size=devices, replace=False)).tolist()
        counts = generator.choice(np.arange(5, 200), size=devices, replace=False).tolist()
        round_updates = {k: generator.normal(scale=0.1, size=length) for k in ids}
        round_examples = dict(zip(reversed(ids), reversed(counts), strict=True))
        cases.append((round_updates, round_examples))
    return tuple(cases)


@cache
def _step_facts() -> list[Answers]:
    """Each round with its step and the typical wrong steps."""
    facts = []
    for updates, examples in _step_cases():
        total, devices = sum(examples.values()), len(updates)
        weighted_sum = sum(examples[k] * update for k, update in updates.items())
        pairs = zip(examples.values(), updates.values(), strict=True)
        facts.append({
            "updates": updates, "examples": examples, "devices": devices,
            "counts": sorted(examples.values()), "step": weighted_mean(updates, examples),
            "first": weighted_mean(*_step_cases()[0]),
            "mean": sum(updates.values()) / devices, "weighted_sum": weighted_sum,
            "per_device": weighted_sum / devices,
            "twice": weighted_mean(updates, examples) / devices,
            "by_position": sum(n / total * update for n, update in pairs),
            "plain_sum": sum(updates.values()),
        })  # fmt: skip
    return facts


def _step_derive(a: Answers) -> Answers:
    got = _float_array(a["result"])
    entries = "" if got is None else _entries(got)
    return {
        "got": got,
        "shown_result": _shown(a["result"]),
        "number_shown": _g(got) if got is not None and got.ndim == 0 else "",
        "shown": f"For {a['devices']} devices with {a['counts']} examples, fedavg_step returns "
        f"{entries}",
        "step_entries": _entries(a["step"]),
    }


def _per_device(a: Answers) -> bool:
    """The step returned as a list of one weighted vector per device."""
    result, step, devices = a["result"], a["step"], a["devices"]
    if not isinstance(result, (list, tuple)) or len(result) != devices or devices < 2:
        return False
    rows = [_float_array(item) for item in result]
    return all(row is not None and row.shape == step.shape for row in rows)


_STEP_HINT = "Return one NumPy array, as long as each update: Σ_k n_k / Σn · Δ_k."

check_fedavg_step = CaseExercise(
    "Exercise 1 (the server's step)",
    cases=_step_facts,
    arguments=["updates", "examples"],
    derive=_step_derive,
    rules=[
        mistake(
            lambda a: a["number"] and _same(a["got"], a["first"]),
            "fedavg_step returns the step of the lesson's example whatever it is given: it "
            "does not use its arguments.",
            "Compute from the function's own `updates` and `examples`, not from variables "
            "outside it.",
        ),
        mistake(
            lambda a: isinstance(a["result"], dict),
            "fedavg_step returned a dict (one entry per device?); the server's step is one "
            "vector, the weighted updates added up.",
            _STEP_HINT,
        ),
        mistake(
            _per_device,
            "fedavg_step returned a list of {devices} vectors, one per device; the server adds "
            "them up into one step.",
            "Add the weighted updates together, e.g. with sum(...).",
        ),
        mistake(
            lambda a: a["got"] is None,
            "fedavg_step should return a NumPy array of numbers; got {shown_result}.",
            _STEP_HINT,
        ),
        mistake(
            lambda a: a["got"].ndim == 0,
            "fedavg_step returned one number, {number_shown}; the step is a vector with one "
            "entry per parameter ({step.size} here).",
            _STEP_HINT,
        ),
        mistake(
            lambda a: a["got"].ndim == 2 and a["got"].shape == (a["devices"], a["step"].size),
            "fedavg_step returned a 2-d array, one row per device (shape {got.shape}); the "
            "server adds the rows up into one step.",
            "Sum over the devices: `.sum(axis=0)`.",
        ),
        mistake(
            lambda a: a["got"].shape != a["step"].shape,
            "fedavg_step returned an array of shape {got.shape}; the step has the shape of "
            "one update, {step.shape}.",
            _STEP_HINT,
        ),
        mistake(
            lambda a: isinstance(a["result"], (list, tuple)) and _same(a["got"], a["step"]),
            "fedavg_step returned a Python list with the right numbers; return a NumPy array, so "
            "that `theta + step` adds entry by entry (`+` on lists joins them).",
            "Wrap it: np.array(...), or add NumPy arrays, which gives an array.",
        ),
        passes(_is("step")),
        mistake(
            _is("mean"),
            "{shown}. That is the plain mean of the updates: every device counts the same, so a "
            "device with 5 examples moves the model as much as one with 500.",
            "Weight each update by its device's share of the examples, n_k / Σn.",
        ),
        mistake(
            _is("weighted_sum"),
            "{shown}. That is the weighted sum Σ n_k Δ_k without the division by Σn: a step "
            "hundreds of times too long, which would throw the model far off.",
            "Divide by the total number of examples, sum(examples.values()).",
        ),
        mistake(
            _is("per_device"),
            "{shown}. That divides the weighted sum by the number of devices instead of by the "
            "number of examples Σn: the weights n_k / K do not add up to 1.",
            "Divide by sum(examples.values()), not by len(updates).",
        ),
        mistake(
            _is("twice"),
            "{shown}. That is the weighted mean divided once more by the number of devices: the "
            "weights n_k / Σn already add up to 1, so the step comes out K times too short.",
            "Σ_k n_k / Σn · Δ_k is the whole step: do not divide again.",
        ),
        mistake(
            _is("by_position"),
            "{shown}. That pairs the updates and the example counts by their position in the two "
            "dicts, but the dicts list the devices in different orders: some updates got "
            "another device's weight.",
            "Look each weight up by device: for device, update in updates.items(), use "
            "examples[device].",
        ),
        mistake(
            _is("plain_sum"),
            "{shown}. That is the plain sum of the updates, neither weighted nor divided.",
            "Weight each update by n_k / Σn before adding.",
        ),
    ],
    otherwise=mistake(
        None,
        "{shown}, but the server's step is {step_entries}.",
        "Σ_k n_k / Σn · Δ_k: each update times its device's share of all the examples, added up.",
    ),
    correct="Each update counts in proportion to its device's examples, so the step is what one "
    "gradient step on all the devices' data together would roughly be, and devices with more "
    "data pull harder. The server needs only the updates and the counts, never an image.",
    hint_on_error="Make fedavg_step(updates, examples) return one array.",
).checker("fedavg_step")


# --------------------------------------------------------------------------
# Exercise 2: the ratio attack
# --------------------------------------------------------------------------

_ATTACK_CASES = (  # (row of the digits, epochs, learning rate, brightness): the lesson's first
    (42, 3, 0.5, 1.0),
    (7, 1, 0.1, 1.0),
    (1234, 5, 1.0, 1.0),
    (305, 2, 0.25, 1.0),
    (999, 10, 0.5, 1.0),
    (66, 4, 0.05, 1.0),
    (500, 3, 0.5, 0.8),
    (41, 2, 0.3, 0.55),
)


@cache
def _attack_cases() -> tuple[tuple[np.ndarray, np.ndarray, int], ...]:
    """(update, image, label): one-example updates ``local_sgd(...) - theta`` from zeros.

    Every shipped digit has 1.0 as its brightest pixel, so the last cases dim
    theirs: only the bias entry, not the brightest pixel, then gives the scale.
    """
    images, labels = load_digits()
    theta = initial_parameters()
    cases = []
    for seed, (row, epochs, rate, brightness) in enumerate(_ATTACK_CASES):
        image, label = brightness * images[row : row + 1], labels[row : row + 1]
        update = local_sgd(theta, image, label, epochs=epochs, learning_rate=rate, rng=seed)
        cases.append((update - theta, image[0].copy(), int(labels[row])))
    return tuple(cases)


@cache
def _attack_facts() -> list[Answers]:
    first = _attack_cases()[0][1]
    return [
        {"update": update, "original": image, "label": label, "first": first}
        for update, image, label in _attack_cases()
    ]


def _label(value: Any) -> int | None:
    """A digit from 0 to 9 as an int (a NumPy integer, a whole float or a 0-d array too)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    number = as_number(value)
    if number is None or number != int(number) or not 0 <= number <= 9:
        return None
    return int(number)


def _scaled_image(pixels: np.ndarray, original: np.ndarray) -> float | None:
    """The factor ``c`` if ``pixels`` is ``c`` times the original picture (c ≠ 0, 1), else None."""
    with np.errstate(all="ignore"):
        factor = float(pixels @ original) / float(original @ original)
        scaled = np.allclose(
            pixels, factor * original, rtol=1e-7, atol=1e-9 * max(abs(factor), 1e-12)
        )
    if not scaled or not math.isfinite(factor):
        return None
    if factor == 0 or math.isclose(factor, 1.0, rel_tol=1e-7):
        return None
    return factor


def _rebuilt(a: Answers) -> Answers:
    """The learner's pair taken apart, and what its image is when it is not the picture."""
    result, update, original = a["result"], a["update"], a["original"]
    weights, bias = unpack(update)
    pair = isinstance(result, (tuple, list)) and len(result) == 2
    image, guess = result if pair else (None, None)
    pixels = _float_array(image)
    seen = {
        "pair": pair, "image": image, "guess": guess, "pixels": pixels, "bias": bias,
        "digit": _label(guess), "shown_result": _shown(result), "shown_image": _shown(image),
        "shown_guess": _shown(guess), "copies": False, "factor": None, "row_bias": None,
        "rows": None, "brightest": float(np.max(original)),
    }  # fmt: skip
    if pixels is not None and pixels.size == weights.size:
        usable = bias != 0
        divided = np.divide(
            weights, bias[:, None], out=np.zeros_like(weights), where=usable[:, None]
        )
        rows = pixels.reshape(weights.shape)
        seen["copies"] = np.allclose(rows[usable], divided[usable], rtol=1e-9, atol=1e-12)
    if pixels is None or pixels.shape not in ((64,), (8, 8)):
        return seen
    pixels = seen["pixels"] = pixels.ravel()
    seen["error"] = reconstruction_error(pixels, original)
    factor = seen["factor"] = _scaled_image(pixels, original) if seen["error"] > 1e-9 else None
    if factor is not None:
        as_it_is = [i for i in range(10) if np.allclose(pixels, weights[i], rtol=1e-9, atol=1e-15)]
        seen["row_bias"] = bias[as_it_is[0]] if as_it_is else None
        seen["rows"] = next(
            (
                (i, j)
                for i in range(10)
                for j in range(10)
                if i != j and bias[j] and np.allclose(pixels, weights[i] / bias[j], rtol=1e-9)
            ),
            None,
        )
    if seen["digit"] is not None:
        seen["digit_bias"] = bias[seen["digit"]]
        seen["wrong"] = (
            f"For a one-example update of the digit {a['label']}, your image is right but the "
            f"label {seen['digit']} is not"
        )
    return seen


_ONE_ROW = "Take one row i of W and divide it by b[i]: W[i] / b[i], 64 pixels."
_PAIR = "End with `return image, label`: 64 pixels, then one digit."
_WHERE = "For a one-example update of the digit {label}"

check_ratio_attack = CaseExercise(
    "Exercise 2 (the ratio attack)",
    cases=_attack_facts,
    arguments=["update"],
    derive=_rebuilt,
    rules=[
        mistake(
            lambda a: (
                not a["pair"]
                and _float_array(a["result"]) is not None
                and np.size(a["result"]) in (64, SIZE)
            ),
            "rebuild returned only an array; it should return a pair.",
            _PAIR,
        ),
        mistake(
            lambda a: not a["pair"],
            "rebuild should return a pair (image, label); got {shown_result}.",
            _PAIR,
        ),
        mistake(
            lambda a: (
                _label(a["image"]) is not None and a["digit"] is None and np.size(a["guess"]) >= 64
            ),
            "rebuild returned (label, image); the order asked for is (image, label).",
            _PAIR,
        ),
        mistake(
            lambda a: a["pixels"] is None,
            "the image should be 64 numbers; got {shown_image}.",
            _ONE_ROW,
        ),
        mistake(
            lambda a: a["pixels"].size == SIZE,
            "the image is the whole update (650 numbers), W and b together.",
            _ONE_ROW,
        ),
        mistake(
            lambda a: a["copies"],
            "the image is W with each row divided by its bias entry: 10 copies of the "
            "picture, one per digit. Return one of them.",
            "Pick one row i with b[i] ≠ 0 (the largest |b[i]| is the safest): W[i] / b[i].",
        ),
        mistake(
            lambda a: a["pixels"].size == 640,
            "the image has 640 numbers: all of W (10 rows of 64, one per digit). Each row is "
            "the picture times one number, the row's bias entry.",
            _ONE_ROW,
        ),
        mistake(
            lambda a: a["pixels"].shape != (64,),
            "the image should have 64 pixels; got shape {pixels.shape}.",
            _ONE_ROW,
        ),
        mistake(
            lambda a: a["digit"] is None,
            "the label should be one digit from 0 to 9; got {shown_guess}.",
            "Return the position (0 to 9) of the odd entry of b, e.g. with np.argmax.",
        ),
        mistake(
            lambda a: (
                a["error"] > 1e-9
                and a["number"]
                and reconstruction_error(a["pixels"], a["first"]) <= 1e-9
            ),
            "rebuild returns the lesson's digit whatever update it gets: it does not use its "
            "argument.",
            "Compute from the function's own `update`, not from variables outside it.",
        ),
        mistake(
            lambda a: a["row_bias"] is not None,
            _WHERE + ": your image is a row of W as it is: the right picture times that row's "
            "bias entry ({row_bias:.4g}), so its pixels are far too small (or negative).",
            "Divide the row by its own bias entry: W[i] / b[i].",
        ),
        mistake(
            lambda a: a["rows"] is not None,
            _WHERE + ": your image is W[{rows[0]}] / b[{rows[1]}]: row {rows[0]} divided by "
            "another row's bias entry. That is the right picture times b[{rows[0]}] / "
            "b[{rows[1]}] = {factor:.4g}.",
            "Divide a row by its own bias entry: W[i] / b[i], with the same i.",
        ),
        mistake(
            lambda a: (
                a["factor"] is not None
                and a["brightest"] > 0
                and np.allclose(a["pixels"], a["original"] / a["brightest"], rtol=1e-7, atol=1e-12)
            ),
            _WHERE + ": you scaled the row so its brightest pixel is 1; the image's brightest "
            "pixel need not be 1: divide by the bias entry b[i], which is exactly the factor.",
            "Here the brightest pixel is {brightest:.4g}. Row i of W is the image times b[i], "
            "so W[i] / b[i] is the image, not W[i] / W[i].max().",
        ),
        mistake(
            lambda a: a["factor"] is not None,
            _WHERE + ": your image is the right picture times a constant, {factor:.4g}: the "
            "shape is right but the pixel values are not.",
            "Row i of W is the image times b[i]: divide W[i] by b[i], exactly.",
        ),
        mistake(
            lambda a: a["error"] > 1e-9,
            _WHERE + ", your image is off by {error:.3g} per pixel (root mean square); the "
            "ratio gives it exactly.",
            "Unpack the update into W and b. Row i of W is the image times b[i], so W[i] / b[i] "
            "is the image; the label is the digit whose entry of b is the only positive one.",
        ),
        passes(lambda a: a["digit"] == a["label"]),
        mistake(
            lambda a: a["digit"] == int(np.argmin(a["bias"])),
            "{wrong}: it has the most negative entry of b. That is how the label shows in a "
            "gradient (p_y − 1 < 0, all other entries > 0), but the update is −η times the "
            "gradients, so the signs flip: the label's entry is the only positive one.",
            "Take the label whose entry of b is positive: np.argmax(b).",
        ),
        mistake(
            lambda a: a["digit_bias"] < 0,
            "{wrong}: its entry of b is negative, {digit_bias:.3g}, like those of all the "
            "wrong digits. In the update the label's entry is the only positive one.",
            "Take the label whose entry of b is positive: np.argmax(b).",
        ),
    ],
    otherwise=mistake(
        None,
        "{wrong}.",
        "The label is the digit whose entry of b has the other sign: np.argmax(b).",
    ),
    correct="You rebuilt {count} digits from their updates alone, pixel for pixel (off by at "
    "most {worst:.1g}), and named each label. With one example per update, the update is the "
    "photo: the server never saw the image, yet it can read it. With more examples the ratio "
    "gives a blend of them, which still leaks a lot.",
    finish=lambda function, seen: {
        "count": len(seen),
        "worst": max(case["error"] for case in seen),
    },
    hint_on_error="Make rebuild(update) return (image, label).",
).checker("rebuild")


# --------------------------------------------------------------------------
# Exercise 3: unmasking the sum
# --------------------------------------------------------------------------

SCALE_BITS = 16
"""Fractional bits of exercise 3's fixed point: x is stored as round(x * 2**16) modulo 2**32."""

_ROUND = 2**32
_UNIT = 2**SCALE_BITS
_MASK_CASES = ((4, 6, 503), (3, 5, 504), (6, 8, 505), (5, 40, 506))  # devices, numbers, seed
_ROUNDED_ENOUGH = 3  # a sum rounded to 3 decimals or more is right: at most 0.0005 off


@cache
def _masked(devices: int, length: int, seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Float updates (multiples of 2**-10, so the encoding is exact) and their masked vectors.

    Device ``u`` sends :math:`x_u + \\sum_{v > u} p_{uv} - \\sum_{v < u} p_{vu} \\bmod 2^{32}`.
    """
    generator = np.random.default_rng(seed)
    updates = np.round(generator.normal(scale=0.5, size=(devices, length)) * 1024) / 1024
    keys = [PrivateKey(generator.bytes(32)) for _ in range(devices)]
    masked = []
    for u, update in enumerate(updates):
        vector = encode(update, scale_bits=SCALE_BITS, devices=devices)
        for v in range(devices):
            if v != u:
                mask = pairwise_mask(keys[u], keys[v].public_key, length)
                vector = vector + mask if v > u else vector - mask
        vector.flags.writeable = False
        masked.append(vector)
    updates.flags.writeable = False
    return updates, masked


def masked_round() -> dict[str, Any]:
    """A simplified round of secure aggregation with pairwise masks only (exercise 3).

    Four devices each hold an update of six numbers. Each encodes its update
    in fixed point (:func:`~privlab.fl.secagg.encode`, :data:`SCALE_BITS` = 16
    fractional bits, modulo :math:`2^{32}`) and adds, or subtracts, one
    pairwise mask (:func:`~privlab.fl.secagg.pairwise_mask`) per other device.
    Nobody drops out and there are no self masks, so the masks cancel in the
    sum.

    Returns
    -------
    dict
        ``masked``: the four ``uint32`` vectors the server receives;
        ``updates``: the true float updates, shape ``(4, 6)``, that the server
        never sees.

    Examples
    --------
    >>> round_ = masked_round()
    >>> len(round_["masked"]), round_["masked"][0].dtype, round_["updates"].shape
    (4, dtype('uint32'), (4, 6))
    """
    updates, masked = _masked(*_MASK_CASES[0])
    return {"masked": [vector.copy() for vector in masked], "updates": updates.copy()}


@cache
def _mask_facts() -> list[Answers]:
    """Each round with its sum and the typical wrong unmaskings."""
    facts = []
    for devices, length, seed in _MASK_CASES:
        masked = list(_masked(devices, length, seed)[1])
        ring = np.sum(masked, axis=0, dtype=np.uint32)
        unwrapped = np.sum(np.array(masked, dtype=np.int64), axis=0)
        total = decode(ring, scale_bits=SCALE_BITS)
        facts.append({
            "masked": masked, "devices": devices, "length": length, "total": total,
            "first": masked_round()["updates"].sum(axis=0),
            "decoded_first": np.sum([decode(v, scale_bits=SCALE_BITS) for v in masked], axis=0),
            "unwrapped": unwrapped / _UNIT, "undecoded": unwrapped.astype(float),
            "ring": ring.astype(float), "whole": ring.view(np.int32).astype(float),
            "unsigned": ring / _UNIT, "mean": total / devices, "too_small": total * _UNIT / _ROUND,
            "ring_too_small": ring / _ROUND,
        })  # fmt: skip
    return facts


def _rounded_to(got: np.ndarray, total: np.ndarray) -> int | None:
    """The number of decimals (0 to 9) ``got`` is ``total`` rounded to, if it is, else None.

    Each entry must lie on the grid of that many decimals and be at most half a
    step from the right value, as ``np.round``, ``round`` or ``f"{x:.3f}"`` give.
    """
    with np.errstate(all="ignore"):
        if not np.max(np.abs(got - total), initial=0.0) <= 0.5:  # more than rounding can do
            return None
        for decimals in range(10):
            step = 10.0**-decimals
            scaled = got / step
            on_grid = np.allclose(scaled, np.round(scaled), rtol=0.0, atol=1e-6)
            if on_grid and np.max(np.abs(got - total), initial=0.0) <= step / 2 + 1e-9:
                return decimals
    return None


def _unmasked(a: Answers) -> Answers:
    got, total = _float_array(a["result"]), a["total"]
    seen = {"got": got, "shown_result": _shown(a["result"]), "decimals": None, "wrapped": False}
    if got is None or got.shape != total.shape or _same(got, total):
        return seen
    decimals = seen["decimals"] = _rounded_to(got, total)
    if decimals is not None:
        seen["places"] = (
            "whole numbers" if decimals == 0 else f"{decimals} decimal{'s' * (decimals > 1)}"
        )
        seen["lost"] = f"{10.0**-decimals / 2:g}"
    with np.errstate(all="ignore"):
        steps = (got - total) * _UNIT / _ROUND
        seen["wrapped"] = np.allclose(steps, np.round(steps), atol=1e-6) and np.any(np.round(steps))
    seen["shown"] = f"With {a['devices']} devices, unmask_sum returns {_entries(got)}"
    seen["total_entries"] = _entries(total)
    return seen


_NO_WRAP = (
    "The masked vectors were added as ordinary numbers (floats, int64, or `np.sum`, which "
    "turns uint32 into uint64), so the sum never wrapped around 2^32: it is up to "
    "{devices} × 2^32. The masks cancel only modulo 2^32, so they are still in it."
)
_WRAP_HINT = (
    "Add the vectors as uint32, which wraps around by itself "
    "(`np.sum(masked, axis=0, dtype=np.uint32)`), or take `% 2**32` of the sum; then decode."
)


def _rounded_note(function: Any, seen: list[Answers]) -> Answers:
    rounded = sorted({case["decimals"] for case in seen if case["decimals"] is not None})
    note = ""
    if rounded:
        note = (
            f" (You rounded it to {listing(rounded)} decimals, which is fine here; the sum "
            "itself is exact to 2^-16.)"
        )
    return {"note": note}


check_unmask_sum = CaseExercise(
    "Exercise 3 (unmasking the sum)",
    cases=_mask_facts,
    arguments=["masked"],
    derive=_unmasked,
    rules=[
        mistake(
            lambda a: a["got"] is None,
            "unmask_sum should return an array of numbers; got {shown_result}.",
            "Return one float per entry of the vectors: the sum of the updates.",
        ),
        mistake(
            lambda a: a["got"].shape != a["total"].shape and _same(a["got"], a["first"]),
            "unmask_sum returns the sum of the lesson's round whatever it is given: it does "
            "not use its argument.",
            "Compute from the function's own `masked`, not from variables outside it.",
        ),
        mistake(
            lambda a: a["got"].shape != a["total"].shape,
            "unmask_sum returned shape {got.shape}; with {devices} vectors of {length} "
            "numbers, the sum has shape {total.shape}.",
            "Add the vectors entry by entry (over the devices), keeping one number per entry.",
        ),
        passes(_is("total")),
        passes(lambda a: a["decimals"] is not None and a["decimals"] >= _ROUNDED_ENOUGH),
        mistake(
            lambda a: a["decimals"] is not None,
            "{shown}: that is the right sum, {total_entries}, rounded to {places}. The "
            "unmasked sum is exact (to 2^-16, about 0.000015), and rounding to {places} "
            "throws away up to {lost} of it.",
            "Return the decoded sum unrounded (or rounded to 3 decimals or more).",
        ),
        mistake(
            _is("decoded_first"),
            "{shown}. That decodes each masked vector before adding: each one alone is random "
            "numbers, and the masks cancel only in the sum modulo 2^32, which decoding first "
            "loses (the result is off by multiples of 65,536).",
            "Add the raw uint32 vectors first (they wrap around modulo 2^32), then decode once.",
        ),
        mistake(
            _is("unwrapped"),
            "{shown}. Your numbers are huge, up to {devices} × 65,536. " + _NO_WRAP,
            _WRAP_HINT,
        ),
        mistake(
            _is("undecoded"),
            "{shown}. Your numbers are huge, up to {devices} × 2^32, and not decoded. " + _NO_WRAP,
            _WRAP_HINT,
        ),
        mistake(
            _is("ring"),
            "{shown}. That is the sum in the ring, right but still encoded: whole numbers from "
            "0 to 2^32.",
            "Decode it: values from 2^31 up stand for negative numbers (subtract 2^32), then "
            "divide by 2^16.",
        ),
        mistake(
            _is("whole"),
            "{shown}. That is the sum in whole numbers, with the sign right, but not divided by "
            "2^16: the fixed-point encoding stored x as round(x · 2^16).",
            "Divide by 2**16 = 65,536.",
        ),
        mistake(
            _is("unsigned"),
            "{shown}. Negative numbers wrapped around: some of your entries are close to "
            "65,536 = 2^32 / 2^16. In the ring, −x is stored as 2^32 − x, so values from 2^31 "
            "up stand for negative numbers.",
            "Before dividing by 2^16, subtract 2^32 from every value ≥ 2^31 (or view the uint32 "
            "sum as int32).",
        ),
        mistake(
            _is("mean"),
            "{shown}. That is the mean of the updates; the question asks for their sum.",
            "Do not divide by the number of devices.",
        ),
        mistake(
            _is("too_small"),
            "{shown}. That is the sum divided by 2^32 instead of 2^16, so 65,536 times too "
            "small: the ring has 2^32 elements, but the scale of the fixed point is 2^16 (x was "
            "stored as round(x · 2^16)).",
            f"Divide the signed sum by 2**{SCALE_BITS} = 65,536, not by 2**32.",
        ),
        mistake(
            _is("ring_too_small"),
            "{shown}. That divides the sum in the ring by 2^32 instead of 2^16, so it is 65,536 "
            "times too small, and the negative entries wrapped around: values from 2^31 up "
            "stand for negative numbers.",
            f"Subtract 2^32 from every value ≥ 2^31, then divide by 2**{SCALE_BITS} = 65,536.",
        ),
        mistake(
            lambda a: a["wrapped"],
            "{shown}: some entries are off by whole multiples of 65,536 = 2^32 / 2^16. The sum "
            "was not taken modulo 2^32 before decoding.",
            "Add as uint32 (it wraps around by itself), then decode once.",
        ),
    ],
    otherwise=mistake(
        None,
        "{shown}, but the sum of the updates is {total_entries}.",
        "Add the uint32 vectors (wrapping modulo 2^32), read values ≥ 2^31 as negative "
        "(subtract 2^32), and divide by 2^16.",
    ),
    correct="Each masked vector on its own is uniformly random numbers, but every pairwise mask "
    "is added by one device and subtracted by the other, so modulo 2^32 they all cancel and the "
    "sum comes out exactly.{note} The server learns the sum, which is all FedAvg needs, and no "
    "single update: the ratio attack has nothing to work on.",
    finish=_rounded_note,
    hint_on_error="Make unmask_sum(masked) return an array of floats.",
).checker("unmask_sum")


# --------------------------------------------------------------------------
# Exercise 4: clipping
# --------------------------------------------------------------------------


@cache
def _clip_cases() -> tuple[tuple[np.ndarray, float], ...]:
    """(update, clip_norm): long and short updates, small ones first."""
    generator = np.random.default_rng(504)
    big = generator.normal(scale=0.05, size=SIZE)  # norm about 1.27
    return (
        (np.array([3.0, 4.0]), 2.0),
        (np.array([0.3, 0.4]), 2.0),
        (np.array([-6.0, 8.0, 0.0]), 5.0),
        (np.array([1.2, 0.0, -1.6]), 2.0),  # norm exactly 2
        (big, 0.5),
        (big, 10.0),
        (generator.normal(scale=3.0, size=40), 0.1),
    )


@cache
def _clip_facts() -> list[Answers]:
    """Each update with its clipped form and the typical wrong clippings."""
    facts = []
    for update, clip_norm in _clip_cases():
        norm = float(np.linalg.norm(update))
        facts.append({
            "update": update, "clip_norm": clip_norm, "norm": norm, "long": norm > clip_norm,
            "what": "long" if norm > clip_norm else "short",
            "clipped": clip_update(update, clip_norm), "to_c": update * clip_norm / norm,
            "entries_clipped": np.clip(update, -clip_norm, clip_norm), "unit": update / norm,
            "l1": update * min(1.0, clip_norm / float(np.sum(np.abs(update)))),
            "upside_down": update * min(1.0, norm / clip_norm),
        })  # fmt: skip
    return facts


def _call_or_none(clip: Any, *arguments: Any) -> Any:
    """The learner's result, None included; a function that never returns anything is a stub."""
    try:
        return call_learner(clip, *arguments)
    except _NotAttempted:
        return None


def _returns_something(clip: Any) -> bool:
    for update, clip_norm in _clip_cases():
        try:
            call_learner(clip, update.copy(), clip_norm)
        except (_NotAttempted, LearnerCodeError):
            continue
        return True
    return False


def _clipped(a: Answers) -> Answers:
    changed = not np.array_equal(a["given"][0], a["update"])
    if a["result"] is None and not changed and not _returns_something(a["function"]):
        raise _NotAttempted  # a stub, or no `return` at all
    got = _float_array(a["result"])
    seen = {"changed": changed, "got": got, "shown_result": _shown(a["result"])}
    if got is not None:
        seen["form"] = "one number" if got.ndim == 0 else f"shape {got.shape}"
        seen["shown"] = (
            f"For a {a['what']} update of norm {a['norm']:.4g} and clip_norm = "
            f"{a['clip_norm']:g}, clip returns {_entries(got, 3)}, of norm {_norm(got):.4g}"
        )
        seen["clipped_entries"] = _entries(a["clipped"], 3)
    return seen


def _demo_attack(clip: Any, seen: list[Answers]) -> Answers:
    """A sentence on the ratio attack against an update clipped by the learner's ``clip``."""
    update, original, label = _attack_cases()[0]
    clipped = _float_array(call_learner(clip, update.copy(), 0.1 * float(np.linalg.norm(update))))
    if clipped is None or clipped.shape != update.shape:
        return {"attack": ""}
    try:
        image, guess = invert_update(clipped)
    except InvalidParameterError:
        return {"attack": ""}
    named = "and its label" if guess == label else "but not its label"
    return {
        "attack": " Yet the ratio attack on the lesson's update clipped to a tenth of its norm "
        f"with your `clip` still rebuilds the digit {label} {named}, off by "
        f"{reconstruction_error(image, original):.1g} per pixel: clipping scales W and b by the "
        "same number, so every ratio W[i] / b[i] stays as it was."
    }


_CLIP_HINT = "Scale by min(1, C / ‖u‖), ‖u‖ the L2 norm."

check_clip = CaseExercise(
    "Exercise 4 (clipping)",
    cases=_clip_facts,
    arguments=["update", "clip_norm"],
    call=_call_or_none,
    derive=_clipped,
    rules=[
        mistake(
            lambda a: a["changed"],
            "clip changed the update it was given; return a new array. (It was an update of "
            "norm {norm:.4g}, with clip_norm = {clip_norm:g}.) The caller may still need the "
            "original update, and a function that returns nothing gives None.",
            "Compute `update * factor`, which makes a new array, and return it; avoid "
            "`update *= factor`, which rewrites the caller's array.",
        ),
        mistake(
            lambda a: a["result"] is None and not a["long"],
            "clip returns None for an update shorter than clip_norm: return it unchanged. (This "
            "one has norm {norm:.4g}, and clip_norm = {clip_norm:g}.)",
            "Every path through the function needs a `return`: an update within C comes back "
            "as it is.",
        ),
        mistake(
            lambda a: a["result"] is None,
            "clip returns None for an update longer than clip_norm: return it scaled down to "
            "norm clip_norm. (This one has norm {norm:.4g}, and clip_norm = {clip_norm:g}.)",
            "Every path through the function needs a `return`: a long update comes back times "
            "C / ‖u‖.",
        ),
        mistake(
            lambda a: a["got"] is None,
            "clip should return an array of numbers; got {shown_result}.",
            "Return update times one number, min(1, C / ‖update‖).",
        ),
        mistake(
            lambda a: a["got"].shape != a["update"].shape,
            "clip returned {form}; it should return the clipped update, shape {update.shape}.",
            "Return update * factor, not the norm or the factor itself.",
        ),
        passes(_is("clipped")),
        mistake(
            _is("to_c"),
            "{shown}. That scales every update to norm exactly C, so this short one (norm "
            "{norm:.4g} < C = {clip_norm:g}) is enlarged. Clipping only shortens updates that "
            "are too long.",
            "Scale by min(1, C / ‖u‖): an update already within C stays as it is.",
        ),
        mistake(
            _is("entries_clipped"),
            "{shown}. That clips each entry to [−C, C] (np.clip): the norm can still be far "
            "above C, and cutting some entries and not others changes the update's direction.",
            "Scale the whole vector by one number, min(1, C / ‖u‖), with ‖u‖ = np.linalg.norm(u).",
        ),
        mistake(
            _is("unit"),
            "{shown}. That divides by the norm without multiplying by C: the result has norm 1, "
            "not C = {clip_norm:g}.",
            "Multiply by C / ‖u‖ (when ‖u‖ > C), not by 1 / ‖u‖.",
        ),
        mistake(
            _is("l1"),
            "{shown}. That uses the L1 norm (the sum of |entries|) instead of the L2 norm (the "
            "length, √Σ u_i²): the update is shortened more than needed.",
            "‖u‖ = np.linalg.norm(update), the square root of the sum of squares.",
        ),
        mistake(
            lambda a: a["long"] and _same(a["got"], a["update"]),
            "{shown}. That returns this long update unchanged, though its norm {norm:.4g} is "
            "above C = {clip_norm:g}.",
            "Scale by min(1, C / ‖u‖), which is below 1 exactly when ‖u‖ > C.",
        ),
        mistake(
            _is("upside_down"),
            "{shown}. That scales by ‖u‖ / C, upside down: the factor is C / ‖u‖.",
            "Scale by min(1, C / ‖u‖).",
        ),
        mistake(
            lambda a: not a["long"],
            "{shown}. An update within C must come back unchanged.",
            _CLIP_HINT,
        ),
        mistake(
            lambda a: _norm(a["got"]) > a["clip_norm"] * (1 + 1e-9),
            "{shown}. That is longer than C = {clip_norm:g}.",
            _CLIP_HINT,
        ),
    ],
    otherwise=mistake(
        None,
        "{shown}. The clipped update should be {clipped_entries}, of norm {clip_norm:g}.",
        _CLIP_HINT,
    ),
    correct="Long updates are scaled down to norm C and short ones left alone, always in the "
    "same direction: one device can now move the sum by at most C, the sensitivity that the "
    "noise must hide.{attack} Clipping bounds; only the noise hides.",
    finish=_demo_attack,
    hint_on_error="Make clip(update, clip_norm) return an array like update.",
).checker("clip")


# --------------------------------------------------------------------------
# Exercise 5: noise for a budget
# --------------------------------------------------------------------------

NOISE_ROUNDS = 50
"""Rounds of DP-FedAvg in exercise 5."""

NOISE_RATE = 0.05
"""Chance that a device takes part in a round (Poisson sampling), exercise 5."""

NOISE_DELTA = 1e-5
"""The delta of exercise 5."""

NOISE_TARGET = 2.0
"""The largest epsilon allowed in exercise 5."""

NOISE_CHOICES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
"""The noise multipliers exercise 5 chooses from."""


def _epsilon(z: float) -> float:
    return dp_fedavg_epsilon(
        rounds=NOISE_ROUNDS, sampling_rate=NOISE_RATE, noise_multiplier=z, delta=NOISE_DELTA
    )


def _noise_facts() -> Answers:
    """Epsilon of each choice, the answer and the choice below it, and the setting in words."""
    table = {z: _epsilon(z) for z in NOISE_CHOICES}
    best = min(choice for choice, epsilon in table.items() if epsilon <= NOISE_TARGET)
    below = max(choice for choice in NOISE_CHOICES if choice < best)
    return {
        "table": table, "best": best, "best_epsilon": table[best], "below": below,
        "below_epsilon": table[below], "target": NOISE_TARGET, "rounds": NOISE_ROUNDS,
        "delta": _power_of_ten(NOISE_DELTA), "share": f"{NOISE_RATE:.0%}",
        "choices": list(NOISE_CHOICES),
        "setting": f"{NOISE_ROUNDS} rounds, q = {NOISE_RATE:g}, δ = "
        f"{_power_of_ten(NOISE_DELTA)}, target ε ≤ {NOISE_TARGET:g}",
    }  # fmt: skip


def _noise_answer(a: Answers) -> Answers:
    """The learner's z as a number, the choice it is, and the choice whose epsilon it is."""
    guess, table = as_number(a["z"]), a["table"]
    if guess is None:
        return {"guess": None, "shown_z": _shown(a["z"])}
    choice = next((c for c in NOISE_CHOICES if math.isclose(guess, c, rel_tol=1e-9)), None)
    epsilon_of = next(
        (
            c
            for c, epsilon in table.items()
            if math.isclose(guess, epsilon, rel_tol=1e-3) or round(guess, 2) == round(epsilon, 2)
        ),
        None,
    )
    in_range = min(NOISE_CHOICES) / 10 < guess < 10 * max(NOISE_CHOICES)
    return {
        "guess": guess,
        "choice": choice,
        "choice_epsilon": table.get(choice),
        "ratio": choice / a["best"] if choice else None,
        "epsilon_of": epsilon_of,
        "exact": in_range and math.isclose(_epsilon(guess), NOISE_TARGET, rel_tol=1e-3),
    }


_NOISE_HINT = (
    "Compute ε for each z of `ex.NOISE_CHOICES` with `dp_fedavg_epsilon(rounds=..., "
    "sampling_rate=..., noise_multiplier=z, delta=...)` and keep the smallest z with "
    "ε ≤ {target:g}."
)

check_noise_for_budget = Exercise(
    "Exercise 5 (noise for a budget)",
    answers=["z"],
    facts=_noise_facts,
    derive=_noise_answer,
    rules=[
        mistake(
            lambda a: a["guess"] is None,
            "z should be one number, a noise multiplier; got {shown_z}.",
            _NOISE_HINT,
        ),
        right(
            lambda a: a["choice"] == a["best"],
            "z = {best:g} gives ε = {best_epsilon:.2f} ≤ {target:g} (with δ = {delta}) over "
            "{rounds} rounds, while z = {below:g} would give ε = {below_epsilon:.2f}. The "
            "smallest noise that meets the budget keeps the most accuracy. Sampling does much "
            "of the work: a device takes part in only {share} of the rounds.",
        ),
        mistake(
            lambda a: a["choice"] is not None and a["choice_epsilon"] > NOISE_TARGET,
            "z = {choice:g} gives ε = {choice_epsilon:.2f} over {rounds} rounds: above the "
            "target {target:g}. Less noise, more privacy spent.",
            _NOISE_HINT,
        ),
        mistake(
            lambda a: a["choice"] is not None,
            "z = {choice:g} keeps ε ≤ {target:g} (ε = {choice_epsilon:.2f}), but so does the "
            "smaller z = {best:g} (ε = {best_epsilon:.2f}). Its noise is {ratio:.3g} times as "
            "large (the noise's standard deviation is z · C), which costs accuracy for privacy "
            "nobody asked for.",
            "Take the smallest z of the list that meets the budget.",
        ),
        mistake(
            lambda a: a["epsilon_of"] is not None,
            "{guess:g} is the ε of z = {epsilon_of:g} ({setting}). The question asks for the "
            "noise multiplier z itself.",
            _NOISE_HINT,
        ),
        mistake(
            lambda a: a["exact"],
            "z = {guess:.4g} is the exact z with ε = {target:g} ({setting}), but the lesson's "
            "training offers only the noise multipliers {choices}.",
            "Pick the smallest z of `ex.NOISE_CHOICES` with ε ≤ the target.",
        ),
    ],
    otherwise=mistake(
        None,
        "{guess:g} is not one of the noise multipliers to choose from, {choices} ({setting}).",
        _NOISE_HINT,
    ),
).checker()
