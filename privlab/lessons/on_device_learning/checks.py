"""Checks for lesson 05, "On-device learning".

Each ``check_*`` function takes the learner's answer and returns a
:class:`~privlab.lessons.kit.feedback.Feedback`. The test cases are fixed: hand-made
updates, one-example updates of softmax regression trained on the shipped
digits, masked rounds built from seeded keys, and the privacy accounting of
:func:`~privlab.fl.dp.dp_fedavg_epsilon`.

One helper gives the learner the data of an exercise: :func:`masked_round`
(exercise 3), whose fixed-point encoding keeps :data:`SCALE_BITS` fractional bits.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
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
from privlab.lessons.kit.feedback import (
    Feedback,
    LearnerCodeError,
    _NotAttempted,
    as_number,
    call_learner,
    check,
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


def _g(value: float) -> str:
    """A number for a message, to 6 significant digits; rounding noise below 1e-12 shows as 0.

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
    """The first few entries of a vector, for a message: ``[0.25, -1.5, 3, ...]``."""
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
    """The L2 norm (inf when it overflows, without a warning)."""
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(vector))


def _same(got: np.ndarray, target: np.ndarray, tolerance: float = 1e-9) -> bool:
    """Whether two float arrays of one shape agree, relative to the size of ``target``."""
    if got.shape != target.shape:
        return False
    scale = max(float(np.max(np.abs(target), initial=0.0)), 1e-12)
    with np.errstate(all="ignore"):
        return bool(np.max(np.abs(got - target), initial=0.0) <= tolerance * scale)


# --------------------------------------------------------------------------
# Exercise 1: the server's step
# --------------------------------------------------------------------------

_STEP_EXAMPLE = (
    {3: [0.2, -0.1, 0.4], 8: [-0.3, 0.5, 0.0], 11: [0.1, 0.1, -0.2]},
    {3: 10, 8: 40, 11: 50},
)


@lru_cache(maxsize=1)
def _step_cases() -> tuple[tuple[dict[int, np.ndarray], dict[int, int]], ...]:
    """(updates, examples): the lesson's example, then rounds of various sizes.

    The later rounds list the devices of ``examples`` in another order than
    those of ``updates``, as nothing promises the same order.
    """
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


def _step_mistakes(
    updates: dict[int, np.ndarray], examples: dict[int, int]
) -> list[tuple[np.ndarray, str, str]]:
    """(value, what it is, hint) for each typical wrong server step."""
    devices = len(updates)
    total = sum(examples.values())
    weighted_sum = sum(examples[k] * update for k, update in updates.items())
    by_position = sum(
        n / total * update for n, update in zip(examples.values(), updates.values(), strict=True)
    )
    return [
        (
            sum(updates.values()) / devices,
            "That is the plain mean of the updates: every device counts the same, so a device "
            "with 5 examples moves the model as much as one with 500.",
            "Weight each update by its device's share of the examples, n_k / Σn.",
        ),
        (
            weighted_sum,
            "That is the weighted sum Σ n_k Δ_k without the division by Σn: a step hundreds of "
            "times too long, which would throw the model far off.",
            "Divide by the total number of examples, sum(examples.values()).",
        ),
        (
            weighted_sum / devices,
            "That divides the weighted sum by the number of devices instead of by the number of "
            "examples Σn: the weights n_k / K do not add up to 1.",
            "Divide by sum(examples.values()), not by len(updates).",
        ),
        (
            weighted_mean(updates, examples) / devices,
            "That is the weighted mean divided once more by the number of devices: the weights "
            "n_k / Σn already add up to 1, so the step comes out K times too short.",
            "Σ_k n_k / Σn · Δ_k is the whole step: do not divide again.",
        ),
        (
            by_position,
            "That pairs the updates and the example counts by their position in the two dicts, "
            "but the dicts list the devices in different orders: some updates got another "
            "device's weight.",
            "Look each weight up by device: for device, update in updates.items(), use "
            "examples[device].",
        ),
        (
            sum(updates.values()),
            "That is the plain sum of the updates, neither weighted nor divided.",
            "Weight each update by n_k / Σn before adding.",
        ),
    ]


def _step_shape_problem(
    result: Any, updates: dict[int, np.ndarray], right: np.ndarray
) -> tuple[str, str] | None:
    """(message, hint) when the step is not one vector like the updates, or None."""
    hint = "Return one NumPy array, as long as each update: Σ_k n_k / Σn · Δ_k."
    if result is None:
        return None
    if isinstance(result, dict):
        return (
            "fedavg_step returned a dict (one entry per device?); the server's step is one "
            "vector, the weighted updates added up.",
            hint,
        )
    if isinstance(result, (list, tuple)) and len(result) == len(updates) and len(updates) > 1:
        rows = [_float_array(item) for item in result]
        if all(row is not None and row.shape == right.shape for row in rows):
            return (
                f"fedavg_step returned a list of {len(result)} vectors, one per device; the "
                "server adds them up into one step.",
                "Add the weighted updates together, e.g. with sum(...).",
            )
    got = _float_array(result)
    if got is None:
        return f"fedavg_step should return a NumPy array of numbers; got {_shown(result)}.", hint
    if got.ndim == 0:
        return (
            f"fedavg_step returned one number, {_g(got)}; the step is a vector with one "
            f"entry per parameter ({right.size} here).",
            hint,
        )
    if got.ndim == 2 and got.shape[0] == len(updates) and got.shape[1] == right.size:
        return (
            f"fedavg_step returned a 2-d array, one row per device (shape {got.shape}); the "
            "server adds the rows up into one step.",
            "Sum over the devices: `.sum(axis=0)`.",
        )
    if got.shape != right.shape:
        return (
            f"fedavg_step returned an array of shape {got.shape}; the step has the shape of "
            f"one update, {right.shape}.",
            hint,
        )
    if isinstance(result, (list, tuple)) and _same(got, right):
        return (
            "fedavg_step returned a Python list with the right numbers; return a NumPy array, so "
            "that `theta + step` adds entry by entry (`+` on lists joins them).",
            "Wrap it: np.array(...), or add NumPy arrays, which gives an array.",
        )
    return None


@check("Exercise 1 (the server's step)", "Make fedavg_step(updates, examples) return one array.")
def check_fedavg_step(fedavg_step: Any) -> Feedback:
    """``fedavg_step(updates, examples)`` must give ``Σ_k n_k / Σn · Δ_k``."""
    name = "Exercise 1 (the server's step)"
    cases = _step_cases()
    first_right = weighted_mean(*cases[0])
    for number, (updates, examples) in enumerate(cases):
        result = call_learner(
            fedavg_step, {k: v.copy() for k, v in updates.items()}, dict(examples)
        )
        right = weighted_mean(updates, examples)
        problem = _step_shape_problem(result, updates, right)
        if problem and number and _same_answer(result, first_right):
            problem = None  # the constant answer gets its own message below
        if problem:
            return Feedback(name, "incorrect", *problem)
        got = _float_array(result)
        if got is not None and _same(got, right):
            continue
        shown = (
            f"For {len(updates)} devices with {sorted(examples.values())} examples, "
            f"fedavg_step returns {_entries(got) if got is not None else _shown(result)}"
        )
        if number and got is not None and _same_answer(got, first_right):
            return Feedback(
                name,
                "incorrect",
                "fedavg_step returns the step of the lesson's example whatever it is given: it "
                "does not use its arguments.",
                "Compute from the function's own `updates` and `examples`, not from variables "
                "outside it.",
            )
        for value, message, hint in _step_mistakes(updates, examples):
            if got is not None and _same(got, value):
                return Feedback(name, "incorrect", f"{shown}. {message}", hint)
        return Feedback(
            name,
            "incorrect",
            f"{shown}, but the server's step is {_entries(right)}.",
            "Σ_k n_k / Σn · Δ_k: each update times its device's share of all the examples, "
            "added up.",
        )
    return Feedback(
        name,
        "correct",
        "Each update counts in proportion to its device's examples, so the step is what one "
        "gradient step on all the devices' data together would roughly be, and devices with "
        "more data pull harder. The server needs only the updates and the counts, never an "
        "image.",
    )


def _same_answer(result: Any, target: np.ndarray) -> bool:
    got = _float_array(result)
    return got is not None and _same(got, target)


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


@lru_cache(maxsize=1)
def _attack_cases() -> tuple[tuple[np.ndarray, np.ndarray, int], ...]:
    """(update, image, label): one-example updates ``local_sgd(...) - theta`` from zeros.

    Every shipped digit has 1.0 as its brightest pixel, so the last cases dim
    theirs (times 0.8 and 0.55): only the bias entry, not the brightest pixel
    of the row, then gives the image's scale.
    """
    images, labels = load_digits()
    theta = initial_parameters()
    cases = []
    for seed, (row, epochs, rate, brightness) in enumerate(_ATTACK_CASES):
        image, label = brightness * images[row : row + 1], labels[row : row + 1]
        update = local_sgd(theta, image, label, epochs=epochs, learning_rate=rate, rng=seed)
        cases.append((update - theta, image[0].copy(), int(labels[row])))
    return tuple(cases)


def _label(value: Any) -> int | None:
    """A digit from 0 to 9 as an int (a NumPy integer, a whole float or a 0-d array too)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    number = as_number(value)
    if number is None or number != int(number) or not 0 <= number <= 9:
        return None
    return int(number)


def _pair(result: Any) -> tuple[Any, Any, str, str]:
    """The learner's ``(image, label)``, or (None, None, why not, hint)."""
    hint = "End with `return image, label`: 64 pixels, then one digit."
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        if _float_array(result) is not None and np.size(result) in (64, SIZE):
            return None, None, "rebuild returned only an array; it should return a pair.", hint
        return (
            None,
            None,
            f"rebuild should return a pair (image, label); got {_shown(result)}.",
            hint,
        )
    first, second = result
    if _label(first) is not None and _label(second) is None and np.size(second) >= 64:
        return (
            None,
            None,
            "rebuild returned (label, image); the order asked for is (image, label).",
            hint,
        )
    return first, second, "", ""


def _image_problem(image: Any, update: np.ndarray) -> tuple[np.ndarray | None, str, str]:
    """The learner's image as 64 floats, or (None, why not, hint)."""
    weights, bias = unpack(update)
    pixels = _float_array(image)
    one_row = "Take one row i of W and divide it by b[i]: W[i] / b[i], 64 pixels."
    if pixels is None:
        return None, f"the image should be 64 numbers; got {_shown(image)}.", one_row
    if pixels.shape in ((64,), (8, 8)):
        return pixels.ravel(), "", ""
    if pixels.size == SIZE:
        return None, "the image is the whole update (650 numbers), W and b together.", one_row
    if pixels.size == weights.size:
        rows = pixels.reshape(weights.shape)
        usable = bias != 0
        divided = np.divide(
            weights, bias[:, None], out=np.zeros_like(weights), where=usable[:, None]
        )
        if np.allclose(rows[usable], divided[usable], rtol=1e-9, atol=1e-12):
            return (
                None,
                "the image is W with each row divided by its bias entry: 10 copies of the "
                "picture, one per digit. Return one of them.",
                "Pick one row i with b[i] ≠ 0 (the largest |b[i]| is the safest): W[i] / b[i].",
            )
        return (
            None,
            f"the image has {pixels.size} numbers: all of W (10 rows of 64, one per digit). "
            "Each row is the picture times one number, the row's bias entry.",
            one_row,
        )
    return None, f"the image should have 64 pixels; got shape {pixels.shape}.", one_row


def _scaled_image(pixels: np.ndarray, original: np.ndarray) -> float | None:
    """The factor ``c`` if ``pixels`` is ``c`` times the original picture (c ≠ 1), else None."""
    norm = float(original @ original)
    with np.errstate(all="ignore"):
        factor = float(pixels @ original) / norm
        scaled = np.allclose(
            pixels, factor * original, rtol=1e-7, atol=1e-9 * max(abs(factor), 1e-12)
        )
    if not scaled or not math.isfinite(factor):
        return None
    if factor == 0 or math.isclose(factor, 1.0, rel_tol=1e-7):
        return None
    return factor


def _image_mistake(
    pixels: np.ndarray, update: np.ndarray, original: np.ndarray
) -> tuple[str, str] | None:
    """(message, hint) for a rebuilt image that is the picture times a constant, or None."""
    weights, bias = unpack(update)
    factor = _scaled_image(pixels, original)
    if factor is None:
        return None
    for i in range(weights.shape[0]):
        if np.allclose(pixels, weights[i], rtol=1e-9, atol=1e-15):
            return (
                "your image is a row of W as it is: the right picture times that row's bias "
                f"entry ({bias[i]:.4g}), so its pixels are far too small (or negative).",
                "Divide the row by its own bias entry: W[i] / b[i].",
            )
    for i in range(weights.shape[0]):
        for j in range(bias.size):
            if i != j and bias[j] and np.allclose(pixels, weights[i] / bias[j], rtol=1e-9):
                return (
                    f"your image is W[{i}] / b[{j}]: row {i} divided by another row's bias "
                    f"entry. That is the right picture times b[{i}] / b[{j}] = {factor:.4g}.",
                    "Divide a row by its own bias entry: W[i] / b[i], with the same i.",
                )
    brightest = float(np.max(original))
    if brightest > 0 and np.allclose(pixels, original / brightest, rtol=1e-7, atol=1e-12):
        return (
            "you scaled the row so its brightest pixel is 1; the image's brightest pixel need "
            "not be 1: divide by the bias entry b[i], which is exactly the factor.",
            f"Here the brightest pixel is {brightest:.4g}. Row i of W is the image times b[i], "
            "so W[i] / b[i] is the image, not W[i] / W[i].max().",
        )
    return (
        f"your image is the right picture times a constant, {factor:.4g}: the shape is right "
        "but the pixel values are not.",
        "Row i of W is the image times b[i]: divide W[i] by b[i], exactly.",
    )


_ATTACK_HINT = (
    "Unpack the update into W and b. Row i of W is the image times b[i], so W[i] / b[i] is "
    "the image; the label is the digit whose entry of b is the only positive one."
)


@check("Exercise 2 (the ratio attack)", "Make rebuild(update) return (image, label).")
def check_ratio_attack(rebuild: Any) -> Feedback:
    """``rebuild(update)`` must give the 64 pixels and the label behind a one-example update."""
    name = "Exercise 2 (the ratio attack)"
    cases = _attack_cases()
    worst = 0.0
    for number, (update, original, label) in enumerate(cases):
        result = call_learner(rebuild, update.copy())
        image, guess, problem, hint = _pair(result)
        if problem:
            return Feedback(name, "incorrect", problem, hint)
        pixels, problem, hint = _image_problem(image, update)
        if pixels is None:
            return Feedback(name, "incorrect", problem, hint)
        digit = _label(guess)
        if digit is None:
            return Feedback(
                name,
                "incorrect",
                f"the label should be one digit from 0 to 9; got {_shown(guess)}.",
                "Return the position (0 to 9) of the odd entry of b, e.g. with np.argmax.",
            )
        error = reconstruction_error(pixels, original)
        where = f"For a one-example update of the digit {label}"
        if error > 1e-9:
            if number and reconstruction_error(pixels, cases[0][1]) <= 1e-9:
                return Feedback(
                    name,
                    "incorrect",
                    "rebuild returns the lesson's digit whatever update it gets: it does not "
                    "use its argument.",
                    "Compute from the function's own `update`, not from variables outside it.",
                )
            mistake = _image_mistake(pixels, update, original)
            if mistake:
                return Feedback(name, "incorrect", f"{where}: {mistake[0]}", mistake[1])
            return Feedback(
                name,
                "incorrect",
                f"{where}, your image is off by {error:.3g} per pixel (root mean square); the "
                "ratio gives it exactly.",
                _ATTACK_HINT,
            )
        worst = max(worst, error)
        if digit == label:
            continue
        _, bias = unpack(update)
        wrong = f"{where}, your image is right but the label {digit} is not"
        hint = "Take the label whose entry of b is positive: np.argmax(b)."
        if digit == int(np.argmin(bias)):
            message = (
                f"{wrong}: it has the most negative entry of b. That is how the label shows in a "
                "gradient (p_y − 1 < 0, all other entries > 0), but the update is −η times the "
                "gradients, so the signs flip: the label's entry is the only positive one."
            )
        elif bias[digit] < 0:
            message = (
                f"{wrong}: its entry of b is negative, {bias[digit]:.3g}, like those of all the "
                "wrong digits. In the update the label's entry is the only positive one."
            )
        else:
            message = f"{wrong}."
            hint = "The label is the digit whose entry of b has the other sign: np.argmax(b)."
        return Feedback(name, "incorrect", message, hint)
    return Feedback(
        name,
        "correct",
        f"You rebuilt {len(cases)} digits from their updates alone, pixel for pixel (off by at "
        f"most {worst:.1g}), and named each label. With one example per update, the update is "
        "the photo: the server never saw the image, yet it can read it. With more examples "
        "the ratio gives a blend of them, which still leaks a lot.",
    )


# --------------------------------------------------------------------------
# Exercise 3: unmasking the sum
# --------------------------------------------------------------------------

SCALE_BITS = 16
"""Fractional bits of exercise 3's fixed point.

Each update x was encoded as round(x * 2**16) modulo 2**32; values from 2**31
up stand for negative numbers.
"""

_ROUND = 2**32
_UNIT = 2**SCALE_BITS
_MASK_CASES = ((4, 6, 503), (3, 5, 504), (6, 8, 505), (5, 40, 506))  # devices, numbers, seed


@lru_cache(maxsize=len(_MASK_CASES))
def _masked(devices: int, length: int, seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Float updates (multiples of 2**-10, so the encoding is exact) and their masked vectors.

    Device ``u`` sends :math:`x_u + \\sum_{v > u} p_{uv} - \\sum_{v < u} p_{vu} \\bmod 2^{32}`
    with the pairwise masks of :func:`~privlab.fl.secagg.pairwise_mask`, and no self mask.
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


def _unmask_mistakes(
    masked: list[np.ndarray], right: np.ndarray
) -> list[tuple[np.ndarray, str, str]]:
    """(value, what it is, hint) for each typical wrong unmasking."""
    ring = np.sum(masked, axis=0, dtype=np.uint32)
    unwrapped = np.sum(np.array(masked, dtype=np.int64), axis=0)
    devices = len(masked)
    no_wrap = (
        f"The masked vectors were added as ordinary numbers (floats, int64, or `np.sum`, which "
        f"turns uint32 into uint64), so the sum never wrapped around 2^32: it is up to "
        f"{devices} × 2^32. The masks cancel only modulo 2^32, so they are still in it."
    )
    wrap_hint = (
        "Add the vectors as uint32, which wraps around by itself "
        "(`np.sum(masked, axis=0, dtype=np.uint32)`), or take `% 2**32` of the sum; then decode."
    )
    return [
        (
            np.sum([decode(vector, scale_bits=SCALE_BITS) for vector in masked], axis=0),
            "That decodes each masked vector before adding: each one alone is random numbers, "
            "and the masks cancel only in the sum modulo 2^32, which decoding first loses (the "
            "result is off by multiples of 65,536).",
            "Add the raw uint32 vectors first (they wrap around modulo 2^32), then decode once.",
        ),
        (
            unwrapped / _UNIT,
            f"Your numbers are huge, up to {devices} × 65,536. {no_wrap}",
            wrap_hint,
        ),
        (
            unwrapped.astype(float),
            f"Your numbers are huge, up to {devices} × 2^32, and not decoded. {no_wrap}",
            wrap_hint,
        ),
        (
            ring.astype(float),
            "That is the sum in the ring, right but still encoded: whole numbers from 0 to 2^32.",
            "Decode it: values from 2^31 up stand for negative numbers (subtract 2^32), then "
            "divide by 2^16.",
        ),
        (
            ring.view(np.int32).astype(float),
            "That is the sum in whole numbers, with the sign right, but not divided by 2^16: the "
            "fixed-point encoding stored x as round(x · 2^16).",
            "Divide by 2**16 = 65,536.",
        ),
        (
            ring / _UNIT,
            "Negative numbers wrapped around: some of your entries are close to 65,536 = "
            "2^32 / 2^16. In the ring, −x is stored as 2^32 − x, so values from 2^31 up stand "
            "for negative numbers.",
            "Before dividing by 2^16, subtract 2^32 from every value ≥ 2^31 (or view the uint32 "
            "sum as int32).",
        ),
        (
            right / devices,
            "That is the mean of the updates; the question asks for their sum.",
            "Do not divide by the number of devices.",
        ),
        (
            right * _UNIT / _ROUND,
            "That is the sum divided by 2^32 instead of 2^16, so 65,536 times too small: the "
            "ring has 2^32 elements, but the scale of the fixed point is 2^16 (x was stored as "
            "round(x · 2^16)).",
            f"Divide the signed sum by 2**{SCALE_BITS} = 65,536, not by 2**32.",
        ),
        (
            ring / _ROUND,
            "That divides the sum in the ring by 2^32 instead of 2^16, so it is 65,536 times too "
            "small, and the negative entries wrapped around: values from 2^31 up stand for "
            "negative numbers.",
            f"Subtract 2^32 from every value ≥ 2^31, then divide by 2**{SCALE_BITS} = 65,536.",
        ),
    ]


def _rounded_to(got: np.ndarray, right: np.ndarray) -> int | None:
    """The number of decimals ``got`` is ``right`` rounded to, if it is (0 to 9), else None.

    Each entry must lie on the grid of that many decimals and be at most half a
    step from the right value, as ``np.round``, ``round`` or ``f"{x:.3f}"`` give.
    """
    with np.errstate(all="ignore"):
        if not np.max(np.abs(got - right), initial=0.0) <= 0.5:  # more than rounding can do
            return None
        for decimals in range(10):
            step = 10.0**-decimals
            scaled = got / step
            on_grid = np.allclose(scaled, np.round(scaled), rtol=0.0, atol=1e-6)
            if on_grid and np.max(np.abs(got - right), initial=0.0) <= step / 2 + 1e-9:
                return decimals
    return None


_ROUNDED_ENOUGH = 3
"""Exercise 3 accepts a sum rounded to 3 or more decimals: at most 0.0005 off."""


@check("Exercise 3 (unmasking the sum)", "Make unmask_sum(masked) return an array of floats.")
def check_unmask_sum(unmask_sum: Any) -> Feedback:
    """``unmask_sum(masked)`` must decode the uint32 sum of the masked vectors (wrapping).

    The sum may be rounded to 3 or more decimals (as a learner might, to print
    it); rounded to fewer, the check says so.
    """
    name = "Exercise 3 (unmasking the sum)"
    first_right = masked_round()["updates"].sum(axis=0)
    rounded: set[int] = set()
    for devices, length, seed in _MASK_CASES:
        _, masked = _masked(devices, length, seed)
        right = decode(np.sum(masked, axis=0, dtype=np.uint32), scale_bits=SCALE_BITS)
        result = call_learner(unmask_sum, [vector.copy() for vector in masked])
        got = _float_array(result)
        if got is None:
            return Feedback(
                name,
                "incorrect",
                f"unmask_sum should return an array of numbers; got {_shown(result)}.",
                "Return one float per entry of the vectors: the sum of the updates.",
            )
        if got.shape != right.shape and _same(got, first_right):
            return Feedback(
                name,
                "incorrect",
                "unmask_sum returns the sum of the lesson's round whatever it is given: it does "
                "not use its argument.",
                "Compute from the function's own `masked`, not from variables outside it.",
            )
        if got.shape != right.shape:
            return Feedback(
                name,
                "incorrect",
                f"unmask_sum returned shape {got.shape}; with {devices} vectors of {length} "
                f"numbers, the sum has shape {right.shape}.",
                "Add the vectors entry by entry (over the devices), keeping one number per entry.",
            )
        if _same(got, right):
            continue
        decimals = _rounded_to(got, right)
        if decimals is not None and decimals >= _ROUNDED_ENOUGH:
            rounded.add(decimals)
            continue
        shown = f"With {devices} devices, unmask_sum returns {_entries(got)}"
        if decimals is not None:
            places = (
                "whole numbers" if decimals == 0 else f"{decimals} decimal{'s' * (decimals > 1)}"
            )
            return Feedback(
                name,
                "incorrect",
                f"{shown}: that is the right sum, {_entries(right)}, rounded to {places}. The "
                "unmasked sum is exact (to 2^-16, about 0.000015), and rounding to "
                f"{places} throws away up to {10.0**-decimals / 2:g} of it.",
                "Return the decoded sum unrounded (or rounded to 3 decimals or more).",
            )
        for value, message, hint in _unmask_mistakes(masked, right):
            if _same(got, value):
                return Feedback(name, "incorrect", f"{shown}. {message}", hint)
        with np.errstate(all="ignore"):
            steps = (got - right) * _UNIT / _ROUND
            wrapped = np.allclose(steps, np.round(steps), atol=1e-6) and np.any(np.round(steps))
        if wrapped:
            return Feedback(
                name,
                "incorrect",
                f"{shown}: some entries are off by whole multiples of 65,536 = 2^32 / 2^16. "
                "The sum was not taken modulo 2^32 before decoding.",
                "Add as uint32 (it wraps around by itself), then decode once.",
            )
        return Feedback(
            name,
            "incorrect",
            f"{shown}, but the sum of the updates is {_entries(right)}.",
            "Add the uint32 vectors (wrapping modulo 2^32), read values ≥ 2^31 as negative "
            "(subtract 2^32), and divide by 2^16.",
        )
    note = ""
    if rounded:
        places = listing(sorted(rounded))
        note = (
            f" (You rounded it to {places} decimals, which is fine here; the sum itself is exact "
            "to 2^-16.)"
        )
    return Feedback(
        name,
        "correct",
        "Each masked vector on its own is uniformly random numbers, but every pairwise mask is "
        "added by one device and subtracted by the other, so modulo 2^32 they all cancel and "
        f"the sum comes out exactly.{note} The server learns the sum, which is all FedAvg needs, "
        "and no single update: the ratio attack has nothing to work on.",
    )


# --------------------------------------------------------------------------
# Exercise 4: clipping
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
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


def _clip_mistakes(update: np.ndarray, clip_norm: float) -> list[tuple[np.ndarray, str, str]]:
    """(value, what it is, hint) for each typical wrong clipping."""
    norm = float(np.linalg.norm(update))
    l1 = float(np.sum(np.abs(update)))
    mistakes = [
        (
            update * clip_norm / norm,
            f"That scales every update to norm exactly C, so this short one (norm {norm:.4g} < "
            f"C = {clip_norm:g}) is enlarged. Clipping only shortens updates that are too long.",
            "Scale by min(1, C / ‖u‖): an update already within C stays as it is.",
        ),
        (
            np.clip(update, -clip_norm, clip_norm),
            "That clips each entry to [−C, C] (np.clip): the norm can still be far above C, "
            "and cutting some entries and not others changes the update's direction.",
            "Scale the whole vector by one number, min(1, C / ‖u‖), with ‖u‖ = np.linalg.norm(u).",
        ),
        (
            update / norm,
            f"That divides by the norm without multiplying by C: the result has norm 1, not "
            f"C = {clip_norm:g}.",
            "Multiply by C / ‖u‖ (when ‖u‖ > C), not by 1 / ‖u‖.",
        ),
        (
            update * min(1.0, clip_norm / l1),
            "That uses the L1 norm (the sum of |entries|) instead of the L2 norm (the length, "
            "√Σ u_i²): the update is shortened more than needed.",
            "‖u‖ = np.linalg.norm(update), the square root of the sum of squares.",
        ),
    ]
    if norm > clip_norm:
        mistakes.append(
            (
                update,
                f"That returns this long update unchanged, though its norm {norm:.4g} is above "
                f"C = {clip_norm:g}.",
                "Scale by min(1, C / ‖u‖), which is below 1 exactly when ‖u‖ > C.",
            )
        )
    mistakes.append(
        (
            update * min(1.0, norm / clip_norm),
            "That scales by ‖u‖ / C, upside down: the factor is C / ‖u‖.",
            "Scale by min(1, C / ‖u‖).",
        )
    )
    return mistakes


def _demo_attack(clip: Any) -> str:
    """A sentence on the ratio attack against an update clipped by the learner's ``clip``."""
    update, original, label = _attack_cases()[0]
    clip_norm = 0.1 * float(np.linalg.norm(update))
    clipped = _float_array(call_learner(clip, update.copy(), clip_norm))
    if clipped is None or clipped.shape != update.shape:
        return ""
    try:
        image, guess = invert_update(clipped)
    except InvalidParameterError:
        return ""
    error = reconstruction_error(image, original)
    named = "and its label" if guess == label else "but not its label"
    return (
        f" Yet the ratio attack on the lesson's update clipped to a tenth of its norm with your "
        f"`clip` still rebuilds the digit {label} {named}, off by {error:.1g} per pixel: "
        "clipping scales W and b by the same number, so every ratio W[i] / b[i] stays as it "
        "was."
    )


def _returns_something(clip: Any) -> bool:
    """Whether ``clip`` returns anything but None for at least one of the cases."""
    for update, clip_norm in _clip_cases():
        try:
            call_learner(clip, update.copy(), clip_norm)
        except (_NotAttempted, LearnerCodeError):
            continue
        return True
    return False


@check("Exercise 4 (clipping)", "Make clip(update, clip_norm) return an array like update.")
def check_clip(clip: Any) -> Feedback:
    """``clip(update, clip_norm)`` must give ``update * min(1, C / ‖update‖)``."""
    name = "Exercise 4 (clipping)"
    for number, (update, clip_norm) in enumerate(_clip_cases()):
        given = update.copy()
        norm = float(np.linalg.norm(update))
        try:
            result = call_learner(clip, given, clip_norm)
        except _NotAttempted:
            result = None
        if not np.array_equal(given, update):
            return Feedback(
                name,
                "incorrect",
                "clip changed the update it was given; return a new array. (It was an update "
                f"of norm {norm:.4g}, with clip_norm = {clip_norm:g}.) The caller may still "
                "need the original update, and a function that returns nothing gives None.",
                "Compute `update * factor`, which makes a new array, and return it; avoid "
                "`update *= factor`, which rewrites the caller's array.",
            )
        if result is None:
            if not (number or _returns_something(clip)):
                raise _NotAttempted  # a stub, or no `return` at all
            if norm <= clip_norm:
                return Feedback(
                    name,
                    "incorrect",
                    "clip returns None for an update shorter than clip_norm: return it "
                    f"unchanged. (This one has norm {norm:.4g}, and clip_norm = {clip_norm:g}.)",
                    "Every path through the function needs a `return`: an update within C "
                    "comes back as it is.",
                )
            return Feedback(
                name,
                "incorrect",
                "clip returns None for an update longer than clip_norm: return it scaled down "
                f"to norm clip_norm. (This one has norm {norm:.4g}, and clip_norm = "
                f"{clip_norm:g}.)",
                "Every path through the function needs a `return`: a long update comes back "
                "times C / ‖u‖.",
            )
        right = clip_update(update, clip_norm)
        got = _float_array(result)
        if got is None:
            return Feedback(
                name,
                "incorrect",
                f"clip should return an array of numbers; got {_shown(result)}.",
                "Return update times one number, min(1, C / ‖update‖).",
            )
        if got.shape != update.shape:
            return Feedback(
                name,
                "incorrect",
                f"clip returned {'one number' if got.ndim == 0 else f'shape {got.shape}'}; it "
                f"should return the clipped update, shape {update.shape}.",
                "Return update * factor, not the norm or the factor itself.",
            )
        if _same(got, right):
            continue
        what = "short" if norm <= clip_norm else "long"
        shown = (
            f"For a {what} update of norm {norm:.4g} and clip_norm = {clip_norm:g}, clip "
            f"returns {_entries(got, 3)}, of norm {_norm(got):.4g}"
        )
        for value, message, hint in _clip_mistakes(update, clip_norm):
            if _same(got, value):
                return Feedback(name, "incorrect", f"{shown}. {message}", hint)
        if norm <= clip_norm:
            message = "An update within C must come back unchanged."
        elif _norm(got) > clip_norm * (1 + 1e-9):
            message = f"That is longer than C = {clip_norm:g}."
        else:
            message = f"The clipped update should be {_entries(right, 3)}, of norm {clip_norm:g}."
        return Feedback(
            name, "incorrect", f"{shown}. {message}", "Scale by min(1, C / ‖u‖), ‖u‖ the L2 norm."
        )
    return Feedback(
        name,
        "correct",
        "Long updates are scaled down to norm C and short ones left alone, always in the same "
        "direction: one device can now move the sum by at most C, the sensitivity that the "
        "noise must hide." + _demo_attack(clip) + " Clipping bounds; only the noise hides.",
    )


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


@lru_cache(maxsize=1)
def _noise_table() -> dict[float, float]:
    """Epsilon of each noise multiplier in :data:`NOISE_CHOICES`."""
    return {z: _epsilon(z) for z in NOISE_CHOICES}


def _exact_z(guess: float) -> bool:
    """Whether ``guess`` is (to 0.1%) the z whose epsilon is exactly the target."""
    if not min(NOISE_CHOICES) / 10 < guess < 10 * max(NOISE_CHOICES):
        return False
    return math.isclose(_epsilon(guess), NOISE_TARGET, rel_tol=1e-3)


@check("Exercise 5 (noise for a budget)")
def check_noise_for_budget(z: Any) -> Feedback:
    """The smallest ``z`` of :data:`NOISE_CHOICES` whose epsilon is at most the target."""
    name = "Exercise 5 (noise for a budget)"
    table = _noise_table()
    fine = [choice for choice, epsilon in table.items() if epsilon <= NOISE_TARGET]
    best = min(fine)
    below = max(choice for choice in NOISE_CHOICES if choice < best)
    setting = (
        f"{NOISE_ROUNDS} rounds, q = {NOISE_RATE:g}, δ = {_power_of_ten(NOISE_DELTA)}, target ε ≤ "
        f"{NOISE_TARGET:g}"
    )
    hint = (
        "Compute ε for each z of `ex.NOISE_CHOICES` with `dp_fedavg_epsilon(rounds=..., "
        "sampling_rate=..., noise_multiplier=z, delta=...)` and keep the smallest z with "
        f"ε ≤ {NOISE_TARGET:g}."
    )
    guess = as_number(z)
    if guess is None:
        return Feedback(
            name, "incorrect", f"z should be one number, a noise multiplier; got {_shown(z)}.", hint
        )
    choice = next((c for c in NOISE_CHOICES if math.isclose(guess, c, rel_tol=1e-9)), None)
    if choice == best:
        return Feedback(
            name,
            "correct",
            f"z = {best:g} gives ε = {table[best]:.2f} ≤ {NOISE_TARGET:g} (with δ = "
            f"{_power_of_ten(NOISE_DELTA)}) over {NOISE_ROUNDS} rounds, while z = {below:g} "
            f"would give ε = {table[below]:.2f}. The smallest noise that meets the budget keeps "
            "the most accuracy. Sampling does much of the work: a device takes part in only "
            f"{NOISE_RATE:.0%} of the rounds.",
        )
    if choice is not None and table[choice] > NOISE_TARGET:
        return Feedback(
            name,
            "incorrect",
            f"z = {choice:g} gives ε = {table[choice]:.2f} over {NOISE_ROUNDS} rounds: above the "
            f"target {NOISE_TARGET:g}. Less noise, more privacy spent.",
            hint,
        )
    if choice is not None:
        return Feedback(
            name,
            "incorrect",
            f"z = {choice:g} keeps ε ≤ {NOISE_TARGET:g} (ε = {table[choice]:.2f}), but so does "
            f"the smaller z = {best:g} (ε = {table[best]:.2f}). Its noise is "
            f"{choice / best:.3g} times as large (the noise's standard deviation is z · C), "
            "which costs accuracy for privacy nobody asked for.",
            "Take the smallest z of the list that meets the budget.",
        )
    epsilon_of = next(
        (
            c
            for c, epsilon in table.items()
            if math.isclose(guess, epsilon, rel_tol=1e-3) or round(guess, 2) == round(epsilon, 2)
        ),
        None,
    )
    if epsilon_of is not None:
        c = epsilon_of
        return Feedback(
            name,
            "incorrect",
            f"{guess:g} is the ε of z = {c:g} ({setting}). The question asks for the noise "
            "multiplier z itself.",
            hint,
        )
    if _exact_z(guess):
        return Feedback(
            name,
            "incorrect",
            f"z = {guess:.4g} is the exact z with ε = {NOISE_TARGET:g} ({setting}), but the "
            f"lesson's training offers only the noise multipliers {list(NOISE_CHOICES)}.",
            "Pick the smallest z of `ex.NOISE_CHOICES` with ε ≤ the target.",
        )
    return Feedback(
        name,
        "incorrect",
        f"{guess:g} is not one of the noise multipliers to choose from, "
        f"{list(NOISE_CHOICES)} ({setting}).",
        hint,
    )
