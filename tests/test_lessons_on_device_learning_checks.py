"""Lesson 05's exercise checks.

Right answers pass, each typical mistake gets its own message, and junk never raises.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from notebook_tools import JUNK, assert_incorrect, raises, stub

from privlab.fl import secagg
from privlab.fl.attacks import invert_update
from privlab.fl.digits import load_digits
from privlab.fl.dp import clip_update, dp_fedavg_epsilon, noise_multiplier_for
from privlab.fl.fedavg import local_sgd, weighted_mean
from privlab.fl.model import initial_parameters, unpack
from privlab.fl.secagg import decode, secure_aggregate
from privlab.lessons.kit.feedback import Feedback
from privlab.lessons.on_device_learning import checks as ex

# --------------------------------------------------------------------------
# Exercise 1
# --------------------------------------------------------------------------


def good_step(updates, examples):
    total = sum(examples.values())
    return sum(examples[device] / total * update for device, update in updates.items())


def numpy_step(updates, examples):
    devices = list(updates)
    weights = np.array([examples[device] for device in devices], dtype=float)
    return weights @ np.array([updates[device] for device in devices]) / weights.sum()


def test_fedavg_step_right_answers():
    right = ex.check_fedavg_step(good_step)
    assert right and "examples" in right.message
    assert ex.check_fedavg_step(numpy_step)
    assert ex.check_fedavg_step(weighted_mean)
    assert ex.check_fedavg_step(
        lambda u, e: np.average([u[k] for k in u], axis=0, weights=[e[k] for k in u])
    )


def test_step_cases_list_devices_in_another_order():
    cases = ex._step_cases()
    assert any(list(updates) != list(examples) for updates, examples in cases)
    assert all(set(updates) == set(examples) for updates, examples in cases)
    assert np.allclose(weighted_mean(*cases[0]), [-0.05, 0.24, -0.06])


def mean_step(updates, examples):
    return sum(updates.values()) / len(updates)


def weighted_sum(updates, examples):
    return sum(examples[k] * update for k, update in updates.items())


def by_position(updates, examples):
    return np.average(list(updates.values()), axis=0, weights=list(examples.values()))


STEP_HINTS = {  # the hint each mistake gets
    "plain mean": "Weight each update by its device's share of the examples, n_k / Σn.",
    "without the division by Σn": "Divide by the total number of examples, sum(examples.values()).",
    "instead of by the number of examples": (
        "Divide by sum(examples.values()), not by len(updates)."
    ),
    "divided once more": "Σ_k n_k / Σn · Δ_k is the whole step: do not divide again.",
    "by their position": (
        "Look each weight up by device: for device, update in updates.items(), use "
        "examples[device]."
    ),
    "plain sum": "Weight each update by n_k / Σn before adding.",
    "Python list": "Wrap it: np.array(...), or add NumPy arrays, which gives an array.",
    "list of 3 vectors": "Add the weighted updates together, e.g. with sum(...).",
    "one row": "Sum over the devices: `.sum(axis=0)`.",
    "dict": "Return one NumPy array, as long as each update: Σ_k n_k / Σn · Δ_k.",
    "one number": "Return one NumPy array, as long as each update: Σ_k n_k / Σn · Δ_k.",
    "shape": "Return one NumPy array, as long as each update: Σ_k n_k / Σn · Δ_k.",
    "does not use its arguments": (
        "Compute from the function's own `updates` and `examples`, not from variables outside it."
    ),
    "but the server's step is": (
        "Σ_k n_k / Σn · Δ_k: each update times its device's share of all the examples, added up."
    ),
    "NumPy array of numbers": "Return one NumPy array, as long as each update: Σ_k n_k / Σn · Δ_k.",
}


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (mean_step, "plain mean"),
        (weighted_sum, "without the division by Σn"),
        (lambda u, e: weighted_sum(u, e) / len(u), "instead of by the number of examples"),
        (lambda u, e: good_step(u, e) / len(u), "divided once more"),
        (by_position, "by their position"),
        (lambda u, e: sum(u.values()), "plain sum"),
        (lambda u, e: list(good_step(u, e)), "Python list"),
        (lambda u, e: [e[k] / sum(e.values()) * v for k, v in u.items()], "list of 3 vectors"),
        (lambda u, e: np.array([e[k] / sum(e.values()) * v for k, v in u.items()]), "one row"),
        (lambda u, e: {k: e[k] * v for k, v in u.items()}, "dict"),
        (lambda u, e: float(good_step(u, e).sum()), "one number"),
        (lambda u, e: good_step(u, e)[:2], "shape"),
        (lambda u, e: np.array([-0.05, 0.24, -0.06]), "does not use its arguments"),
        (lambda u, e: good_step(u, e) + 0.01, "but the server's step is"),
        (lambda u, e: "step", "NumPy array of numbers"),
    ],
)
def test_fedavg_step_mistakes(wrong, phrase):
    feedback = ex.check_fedavg_step(wrong)
    assert_incorrect(feedback, phrase)
    assert feedback.hint == STEP_HINTS[phrase], feedback


def test_fedavg_step_shows_rounding_noise_as_zero():
    """The plain mean of the lesson's example has a first entry of 0 up to rounding."""
    feedback = ex.check_fedavg_step(mean_step)
    assert_incorrect(feedback, "returns [0, 0.166667, 0.0666667]")
    assert "e-1" not in feedback.message and "e-0" not in feedback.message, feedback
    assert_incorrect(ex.check_fedavg_step(lambda u, e: mean_step(u, e)[:1].sum()), "number, 0;")


def test_fedavg_step_stub_and_errors():
    assert ex.check_fedavg_step(...).status == "not attempted"
    assert ex.check_fedavg_step(stub).status == "not attempted"
    assert ex.check_fedavg_step(raises).status == "error"
    assert ex.check_fedavg_step(lambda u: u).status == "error"  # one argument too few


# --------------------------------------------------------------------------
# Exercise 2
# --------------------------------------------------------------------------


def good_rebuild(update):
    weights, bias = unpack(update)
    row = np.argmax(np.abs(bias))
    return weights[row] / bias[row], np.argmax(bias)


def any_row(update):
    weights, bias = unpack(update)
    row = int(np.flatnonzero(bias)[0])
    return weights[row] / bias[row], int(np.flatnonzero(bias > 0)[0])


def test_updates_follow_the_sign_of_the_task():
    """An update is −η times gradients: the label's bias entry is the only positive one."""
    for update, image, label in ex._attack_cases():
        _, bias = unpack(update)
        assert bias[label] > 0 and np.sum(bias > 0) == 1
        rebuilt, guess = invert_update(update)
        assert guess == label and np.sqrt(np.mean((rebuilt - image) ** 2)) < 1e-12
    assert len({label for _, _, label in ex._attack_cases()}) == len(ex._ATTACK_CASES)


def brightest_pixel_rebuild(update):
    """The mistake of scaling the label's row so that its brightest pixel is 1."""
    weights, bias = unpack(update)
    label = int(np.argmax(bias))
    return weights[label] / weights[label].max(), label


def test_attack_cases_include_dimmed_digits():
    """Every shipped digit's brightest pixel is 1: only dimmed ones tell the two scalings apart."""
    images, _ = load_digits()
    assert np.all(images.max(axis=1) <= 1.0)
    brightest = sorted(round(float(image.max()), 12) for _, image, _ in ex._attack_cases())
    assert brightest[:2] == [0.55, 0.8] and set(brightest[2:]) == {1.0}
    for update, image, _ in ex._attack_cases():
        rebuilt, _ = brightest_pixel_rebuild(update)
        assert np.allclose(rebuilt, image) == (image.max() == 1.0)


def test_the_lessons_update_is_the_first_case():
    images, labels = load_digits()
    theta = initial_parameters()
    update = local_sgd(theta, images[42:43], labels[42:43], epochs=3, learning_rate=0.5, rng=0)
    assert np.array_equal(update - theta, ex._attack_cases()[0][0])


def test_ratio_attack_right_answers():
    right = ex.check_ratio_attack(good_rebuild)
    assert right and "the photo" in right.message and "8 digits" in right.message
    assert ex.check_ratio_attack(any_row)
    assert ex.check_ratio_attack(invert_update)
    assert ex.check_ratio_attack(
        lambda u: [good_rebuild(u)[0].reshape(8, 8), 0 + good_rebuild(u)[1]]
    )
    assert ex.check_ratio_attack(lambda u: (list(good_rebuild(u)[0]), float(good_rebuild(u)[1])))


def rows(update):
    return unpack(update)


ATTACK_HINTS = {  # the hint each mistake gets
    "the signs flip": "Take the label whose entry of b is positive: np.argmax(b).",
    "negative": "Take the label whose entry of b is positive: np.argmax(b).",
    "all the wrong digits": "Take the label whose entry of b is positive: np.argmax(b).",
    "as it is": "Divide the row by its own bias entry: W[i] / b[i].",
    "another row's": "Divide a row by its own bias entry: W[i] / b[i], with the same i.",
    "times a constant, 2": "Row i of W is the image times b[i]: divide W[i] by b[i], exactly.",
    "times a constant, -1": "Row i of W is the image times b[i]: divide W[i] by b[i], exactly.",
    (
        "you scaled the row so its brightest pixel is 1; the image's brightest pixel need "
        "not be 1: divide by the bias entry b[i], which is exactly the factor."
    ): (
        "Here the brightest pixel is 0.8. Row i of W is the image times b[i], so W[i] / "
        "b[i] is the image, not W[i] / W[i].max()."
    ),
    "is 1;": (
        "Here the brightest pixel is 0.8. Row i of W is the image times b[i], so W[i] / "
        "b[i] is the image, not W[i] / W[i].max()."
    ),
    "all of W": "Take one row i of W and divide it by b[i]: W[i] / b[i], 64 pixels.",
    "10 copies": "Pick one row i with b[i] ≠ 0 (the largest |b[i]| is the safest): W[i] / b[i].",
    "whole update": "Take one row i of W and divide it by b[i]: W[i] / b[i], 64 pixels.",
    "off by 0.01": (
        "Unpack the update into W and b. Row i of W is the image times b[i], so W[i] / "
        "b[i] is the image; the label is the digit whose entry of b is the only positive "
        "one."
    ),
    "only an array": "End with `return image, label`: 64 pixels, then one digit.",
    "(label, image)": "End with `return image, label`: 64 pixels, then one digit.",
    "one digit from 0 to 9": (
        "Return the position (0 to 9) of the odd entry of b, e.g. with np.argmax."
    ),
    "64 numbers": "Take one row i of W and divide it by b[i]: W[i] / b[i], 64 pixels.",
    "64 pixels": "Take one row i of W and divide it by b[i]: W[i] / b[i], 64 pixels.",
    "pair (image, label)": "End with `return image, label`: 64 pixels, then one digit.",
    "does not use its argument": (
        "Compute from the function's own `update`, not from variables outside it."
    ),
}


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda u: (good_rebuild(u)[0], np.argmin(rows(u)[1])), "the signs flip"),
        (lambda u: (good_rebuild(u)[0], int(np.flatnonzero(rows(u)[1] < 0)[0])), "negative"),
        (lambda u: (good_rebuild(u)[0], (np.argmax(rows(u)[1]) + 1) % 10), "all the wrong digits"),
        (lambda u: (rows(u)[0][np.argmax(rows(u)[1])], np.argmax(rows(u)[1])), "as it is"),
        (lambda u: (rows(u)[0][3], np.argmax(rows(u)[1])), "as it is"),
        (lambda u: (rows(u)[0][0] / rows(u)[1][1], np.argmax(rows(u)[1])), "another row's"),
        (lambda u: (2 * good_rebuild(u)[0], good_rebuild(u)[1]), "times a constant, 2"),
        (lambda u: (-good_rebuild(u)[0], good_rebuild(u)[1]), "times a constant, -1"),
        (
            brightest_pixel_rebuild,
            "you scaled the row so its brightest pixel is 1; the image's brightest pixel need "
            "not be 1: divide by the bias entry b[i], which is exactly the factor.",
        ),
        (lambda u: (good_rebuild(u)[0] / good_rebuild(u)[0].max(), good_rebuild(u)[1]), "is 1;"),
        (lambda u: (rows(u)[0], np.argmax(rows(u)[1])), "all of W"),
        (lambda u: (rows(u)[0].ravel(), np.argmax(rows(u)[1])), "all of W"),
        (lambda u: (rows(u)[0] / rows(u)[1][:, None], np.argmax(rows(u)[1])), "10 copies"),
        (lambda u: (u, np.argmax(rows(u)[1])), "whole update"),
        (lambda u: (good_rebuild(u)[0] + 0.01, good_rebuild(u)[1]), "off by 0.01"),
        (lambda u: good_rebuild(u)[0], "only an array"),
        (lambda u: good_rebuild(u)[::-1], "(label, image)"),
        (lambda u: (good_rebuild(u)[0], "one"), "one digit from 0 to 9"),
        (lambda u: (good_rebuild(u)[0], 10), "one digit from 0 to 9"),
        (lambda u: ("image", 1), "64 numbers"),
        (lambda u: (np.zeros(10), 1), "64 pixels"),
        (lambda u: 7, "pair (image, label)"),
        (lambda u: good_rebuild(ex._attack_cases()[0][0]), "does not use its argument"),
    ],
)
def test_ratio_attack_mistakes(wrong, phrase):
    feedback = ex.check_ratio_attack(wrong)
    assert_incorrect(feedback, phrase)
    assert feedback.hint == ATTACK_HINTS[phrase], feedback


def test_brightest_pixel_mistake_names_the_dimmed_digit():
    feedback = ex.check_ratio_attack(brightest_pixel_rebuild)
    assert_incorrect(feedback, "For a one-example update of the digit 8")
    assert "Here the brightest pixel is 0.8." in feedback.hint, feedback
    assert "times a constant" not in feedback.message, feedback


def test_ratio_attack_stub_and_errors():
    assert ex.check_ratio_attack(...).status == "not attempted"
    assert ex.check_ratio_attack(stub).status == "not attempted"
    assert ex.check_ratio_attack(raises).status == "error"
    assert ex.check_ratio_attack(lambda u: u.shape[1]).status == "error"


# --------------------------------------------------------------------------
# Exercise 3
# --------------------------------------------------------------------------


def good_unmask(masked):
    return decode(np.sum(masked, axis=0, dtype=np.uint32))


def by_hand(masked):
    total = np.zeros(len(masked[0]), dtype=np.uint32)
    for vector in masked:
        total = total + vector  # uint32 wraps around modulo 2**32
    signed = total.astype(np.int64)
    signed[signed >= 2**31] -= 2**32
    return signed / 2**16


def test_masked_round():
    round_ = ex.masked_round()
    masked, updates = round_["masked"], round_["updates"]
    assert len(masked) == 4 and all(v.dtype == np.uint32 and v.shape == (6,) for v in masked)
    assert updates.shape == (4, 6)
    assert np.array_equal(good_unmask(masked), updates.sum(axis=0))  # exact, no rounding
    assert (updates.sum(axis=0) < 0).any() and (updates.sum(axis=0) > 0).any()
    assert not np.array_equal(good_unmask(masked[:3]), updates[:3].sum(axis=0))  # masks stay
    masked[0][0] += 1  # the helper returns copies
    assert np.array_equal(good_unmask(ex.masked_round()["masked"]), updates.sum(axis=0))


def test_secure_aggregate_adds_self_masks_that_the_plain_sum_keeps():
    """Why the exercise builds its own round: the full protocol's vectors also hold self masks."""
    updates = ex.masked_round()["updates"]
    result = secure_aggregate(updates, threshold=3, rng=0)
    assert np.allclose(result.total, updates.sum(axis=0))
    assert not np.allclose(good_unmask(list(result.masked.values())), updates.sum(axis=0))


def test_unmask_sum_right_answers():
    right = ex.check_unmask_sum(good_unmask)
    assert right and "cancel" in right.message
    assert ex.check_unmask_sum(by_hand)
    assert ex.check_unmask_sum(lambda m: decode(sum(m)))
    assert ex.check_unmask_sum(lambda m: decode(np.sum(m, axis=0) % 2**32))
    assert ex.check_unmask_sum(lambda m: list(sum(m).view(np.int32) / 65536))
    for devices, length, seed in ex._MASK_CASES:
        updates, masked = ex._masked(devices, length, seed)
        assert np.array_equal(good_unmask(masked), updates.sum(axis=0))


UNMASK_HINTS = {  # the hint each mistake gets
    "never wrapped around": (
        "Add the vectors as uint32, which wraps around by itself (`np.sum(masked, axis=0, "
        "dtype=np.uint32)`), or take `% 2**32` of the sum; then decode."
    ),
    "huge": (
        "Add the vectors as uint32, which wraps around by itself (`np.sum(masked, axis=0, "
        "dtype=np.uint32)`), or take `% 2**32` of the sum; then decode."
    ),
    "not decoded": (
        "Add the vectors as uint32, which wraps around by itself (`np.sum(masked, axis=0, "
        "dtype=np.uint32)`), or take `% 2**32` of the sum; then decode."
    ),
    "Negative numbers wrapped around": (
        "Before dividing by 2^16, subtract 2^32 from every value ≥ 2^31 (or view the "
        "uint32 sum as int32)."
    ),
    "not divided by 2^16": "Divide by 2**16 = 65,536.",
    "decodes each masked vector": (
        "Add the raw uint32 vectors first (they wrap around modulo 2^32), then decode once."
    ),
    "still encoded": (
        "Decode it: values from 2^31 up stand for negative numbers (subtract 2^32), then "
        "divide by 2^16."
    ),
    "mean": "Do not divide by the number of devices.",
    "divided by 2^32 instead of 2^16": "Divide the signed sum by 2**16 = 65,536, not by 2**32.",
    "65,536 times too small": "Divide the signed sum by 2**16 = 65,536, not by 2**32.",
    "the negative entries wrapped around": (
        "Subtract 2^32 from every value ≥ 2^31, then divide by 2**16 = 65,536."
    ),
    "multiples of 65,536": "Add as uint32 (it wraps around by itself), then decode once.",
    "but the sum of the updates is": (
        "Add the uint32 vectors (wrapping modulo 2^32), read values ≥ 2^31 as negative "
        "(subtract 2^32), and divide by 2^16."
    ),
    "shape": "Add the vectors entry by entry (over the devices), keeping one number per entry.",
    "does not use its argument": (
        "Compute from the function's own `masked`, not from variables outside it."
    ),
    "array of numbers": "Return one float per entry of the vectors: the sum of the updates.",
}


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda m: np.sum(m, axis=0) / 2**16, "never wrapped around"),
        (lambda m: np.sum(np.array(m, dtype=float), axis=0) / 2**16, "huge"),
        (lambda m: np.sum(np.array(m, dtype=np.int64), axis=0), "not decoded"),
        (lambda m: sum(m) / 2**16, "Negative numbers wrapped around"),
        (lambda m: sum(m).view(np.int32), "not divided by 2^16"),
        (lambda m: sum(decode(vector) for vector in m), "decodes each masked vector"),
        (lambda m: sum(m), "still encoded"),
        (lambda m: good_unmask(m) / len(m), "mean"),
        (lambda m: sum(m).view(np.int32) / 2**32, "divided by 2^32 instead of 2^16"),
        (lambda m: good_unmask(m) * 2**16 / 2**32, "65,536 times too small"),
        (lambda m: sum(m) / 2**32, "the negative entries wrapped around"),
        (lambda m: by_hand(m) + 65536 * (by_hand(m) < -0.5), "multiples of 65,536"),
        (lambda m: good_unmask(m) + 0.5, "but the sum of the updates is"),
        (lambda m: good_unmask(m)[:3], "shape"),
        (lambda m: ex.masked_round()["updates"].sum(axis=0), "does not use its argument"),
        (lambda m: "sum", "array of numbers"),
    ],
)
def test_unmask_sum_mistakes(wrong, phrase):
    feedback = ex.check_unmask_sum(wrong)
    assert_incorrect(feedback, phrase)
    assert feedback.hint == UNMASK_HINTS[phrase], feedback


@pytest.mark.parametrize("decimals", [3, 4, 6])
def test_unmask_sum_rounded_right_answers(decimals):
    """A right sum rounded as a learner would, to 3 decimals or more, is right."""
    for rounded in (
        lambda m: np.round(good_unmask(m), decimals),
        lambda m: [round(float(x), decimals) for x in good_unmask(m)],
        lambda m: [float(f"{x:.{decimals}f}") for x in good_unmask(m)],
    ):
        feedback = ex.check_unmask_sum(rounded)
        assert feedback, feedback
        assert f"rounded it to {decimals} decimals" in feedback.message


@pytest.mark.parametrize(
    ("decimals", "phrase"),
    [(2, "rounded to 2 decimals"), (1, "rounded to 1 decimal."), (0, "rounded to whole numbers")],
)
def test_unmask_sum_coarsely_rounded_is_said_to_be_rounded(decimals, phrase):
    feedback = ex.check_unmask_sum(lambda m: np.round(good_unmask(m), decimals))
    assert_incorrect(feedback, phrase)
    assert "modulo" not in feedback.message and "3 decimals or more" in feedback.hint


def test_unmask_sum_near_misses_are_not_taken_for_rounding():
    for wrong in (
        lambda m: good_unmask(m) * 2**16 / (2**16 - 1),  # divided by 65,535
        lambda m: good_unmask(m) + 1e-4,
        lambda m: np.round(good_unmask(m) + 0.003, 3),
    ):
        feedback = ex.check_unmask_sum(wrong)
        assert_incorrect(feedback, "but the sum of the updates is")
        assert "modulo 2^32 before decoding" not in feedback.message


def test_scale_bits_is_exported():
    assert ex.SCALE_BITS == 16 == secagg.SCALE_BITS
    assert "SCALE_BITS" in ex.__all__
    masked = ex.masked_round()["masked"]
    total = np.sum(masked, axis=0, dtype=np.uint32).view(np.int32)
    assert np.array_equal(total / 2**ex.SCALE_BITS, ex.masked_round()["updates"].sum(axis=0))


def test_unmask_sum_scale_mistake_gets_its_own_message():
    feedback = ex.check_unmask_sum(lambda m: sum(m).view(np.int32) / 2**32)
    assert_incorrect(feedback, "instead of 2^16")
    assert "2**16" in feedback.hint and "but the sum of the updates is" not in feedback.message


def test_unmask_sum_stub_and_errors():
    assert ex.check_unmask_sum(...).status == "not attempted"
    assert ex.check_unmask_sum(stub).status == "not attempted"
    assert ex.check_unmask_sum(raises).status == "error"


# --------------------------------------------------------------------------
# Exercise 4
# --------------------------------------------------------------------------


def good_clip(update, clip_norm):
    return update * min(1, clip_norm / np.linalg.norm(update))


def test_clip_right_answers():
    right = ex.check_clip(good_clip)
    assert right and "ratio attack" in right.message and "off by 1e-" in right.message
    assert ex.check_clip(clip_update)
    assert ex.check_clip(lambda u, c: u * (c / max(np.linalg.norm(u), c)))
    assert ex.check_clip(lambda u, c: u if np.linalg.norm(u) <= c else c * u / np.linalg.norm(u))


def test_clip_cases_have_long_short_and_exact_updates():
    norms = [np.linalg.norm(u) / c for u, c in ex._clip_cases()]
    assert min(norms) < 1 < max(norms) and any(np.isclose(n, 1.0) for n in norms)


CLIP_HINTS = {  # the hint each mistake gets
    "enlarged": "Scale by min(1, C / ‖u‖): an update already within C stays as it is.",
    "np.clip": (
        "Scale the whole vector by one number, min(1, C / ‖u‖), with ‖u‖ = np.linalg.norm(u)."
    ),
    "without multiplying by C": "Multiply by C / ‖u‖ (when ‖u‖ > C), not by 1 / ‖u‖.",
    "L1 norm": "‖u‖ = np.linalg.norm(update), the square root of the sum of squares.",
    "unchanged": "Scale by min(1, C / ‖u‖), which is below 1 exactly when ‖u‖ > C.",
    "upside down": "Scale by min(1, C / ‖u‖).",
    "should be": "Scale by min(1, C / ‖u‖), ‖u‖ the L2 norm.",
    "longer than C": "Scale by min(1, C / ‖u‖), ‖u‖ the L2 norm.",
    "come back unchanged": "Scale by min(1, C / ‖u‖), ‖u‖ the L2 norm.",
    "one number": "Return update * factor, not the norm or the factor itself.",
    "shape": "Return update * factor, not the norm or the factor itself.",
    "array of numbers": "Return update times one number, min(1, C / ‖update‖).",
}


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (lambda u, c: u * c / np.linalg.norm(u), "enlarged"),
        (lambda u, c: np.clip(u, -c, c), "np.clip"),
        (lambda u, c: u / np.linalg.norm(u), "without multiplying by C"),
        (lambda u, c: u * min(1, c / np.abs(u).sum()), "L1 norm"),
        (lambda u, c: u, "unchanged"),
        (lambda u, c: u * max(1, c / np.linalg.norm(u)), "unchanged"),
        (
            lambda u, c: good_clip(u, c) if np.linalg.norm(u) > c else u * np.linalg.norm(u) / c,
            "upside down",
        ),
        (lambda u, c: 0.99 * good_clip(u, c), "should be"),
        (lambda u, c: 1.01 * good_clip(u, c), "longer than C"),
        (lambda u, c: good_clip(u, c) if np.linalg.norm(u) > c else 3 * u, "come back unchanged"),
        (lambda u, c: min(1, c / np.linalg.norm(u)), "one number"),
        (lambda u, c: good_clip(u, c)[:1], "shape"),
        (lambda u, c: None if False else "clipped", "array of numbers"),
    ],
)
def test_clip_mistakes(wrong, phrase):
    feedback = ex.check_clip(wrong)
    assert_incorrect(feedback, phrase)
    assert feedback.hint == CLIP_HINTS[phrase], feedback


def clip_long_only(update, clip_norm):
    """Half written: returns only when the update is too long."""
    norm = np.linalg.norm(update)
    if norm > clip_norm:
        return update * clip_norm / norm


def clip_short_only(update, clip_norm):
    """Half written: returns only when the update is short enough."""
    if np.linalg.norm(update) <= clip_norm:
        return update


def clip_in_place(update, clip_norm):
    """Scales the caller's array and returns nothing."""
    update *= min(1, clip_norm / np.linalg.norm(update))


def clip_in_place_and_return(update, clip_norm):
    update *= min(1, clip_norm / np.linalg.norm(update))
    return update


def no_return(update, clip_norm):
    """Computes the clipped update, but forgets to return it."""
    update * min(1, clip_norm / np.linalg.norm(update))


CLIP_PARTLY_HINTS = {  # the hint each mistake gets
    "returns None for an update shorter than clip_norm: return it unchanged": (
        "Every path through the function needs a `return`: an update within C comes back as it is."
    ),
    "returns None for an update longer than clip_norm": (
        "Every path through the function needs a `return`: a long update comes back times C / ‖u‖."
    ),
    "clip changed the update it was given; return a new array": (
        "Compute `update * factor`, which makes a new array, and return it; avoid `update "
        "*= factor`, which rewrites the caller's array."
    ),
}


@pytest.mark.parametrize(
    ("wrong", "phrase"),
    [
        (clip_long_only, "returns None for an update shorter than clip_norm: return it unchanged"),
        (clip_short_only, "returns None for an update longer than clip_norm"),
        (clip_in_place, "clip changed the update it was given; return a new array"),
        (clip_in_place_and_return, "clip changed the update it was given; return a new array"),
    ],
)
def test_clip_partly_written(wrong, phrase):
    feedback = ex.check_clip(wrong)
    assert_incorrect(feedback, phrase)
    assert feedback.hint == CLIP_PARTLY_HINTS[phrase], feedback


def test_clip_long_only_names_the_short_case():
    feedback = ex.check_clip(clip_long_only)
    assert "norm 0.5, and clip_norm = 2" in feedback.message, feedback


def test_clip_stub_and_errors():
    for unfinished in (..., stub, no_return, lambda u, c: None):
        feedback = ex.check_clip(unfinished)
        assert feedback.status == "not attempted", feedback
        assert "Replace each `...`" in feedback.message, feedback
    assert "`return` statement" in ex.check_clip(no_return).message
    assert ex.check_clip(raises).status == "error"


# --------------------------------------------------------------------------
# Exercise 5
# --------------------------------------------------------------------------


def epsilon(z):
    return dp_fedavg_epsilon(
        rounds=ex.NOISE_ROUNDS,
        sampling_rate=ex.NOISE_RATE,
        noise_multiplier=z,
        delta=ex.NOISE_DELTA,
    )


def test_the_answer_is_the_smallest_z_within_budget():
    assert (ex.NOISE_ROUNDS, ex.NOISE_DELTA, ex.NOISE_TARGET) == (50, 1e-5, 2.0)
    within = [z for z in ex.NOISE_CHOICES if epsilon(z) <= ex.NOISE_TARGET]
    assert min(within) == 1.5
    assert epsilon(1.0) > ex.NOISE_TARGET + 1  # not a close call either way
    assert epsilon(1.5) < ex.NOISE_TARGET - 0.5


def test_noise_for_budget():
    right = ex.check_noise_for_budget(1.5)
    assert right and "1.40" in right.message and "δ = 1e-5" in right.message
    assert ex.check_noise_for_budget(np.float64(1.5))
    assert ex.check_noise_for_budget(min(z for z in ex.NOISE_CHOICES if epsilon(z) <= 2))
    assert_incorrect(ex.check_noise_for_budget(1.0), "3.18")
    assert_incorrect(ex.check_noise_for_budget(0.5), "above the target")
    assert_incorrect(ex.check_noise_for_budget(0.75), "above the target")
    assert_incorrect(ex.check_noise_for_budget(2.0), "smaller z = 1.5")
    assert_incorrect(ex.check_noise_for_budget(3), "2 times as large")
    assert_incorrect(ex.check_noise_for_budget(epsilon(1.5)), "the ε of z = 1.5")
    assert_incorrect(ex.check_noise_for_budget(1.4), "the ε of z = 1.5")
    assert_incorrect(ex.check_noise_for_budget(3.18), "the ε of z = 1")
    exact = noise_multiplier_for(2.0, rounds=50, sampling_rate=ex.NOISE_RATE, delta=1e-5)
    assert_incorrect(ex.check_noise_for_budget(exact), "exact z")
    assert_incorrect(ex.check_noise_for_budget(1.25), "not one of")
    assert_incorrect(ex.check_noise_for_budget(-1), "not one of")
    assert_incorrect(ex.check_noise_for_budget("1.5"), "one number")
    assert_incorrect(ex.check_noise_for_budget(None), "one number")
    assert ex.check_noise_for_budget(...).status == "not attempted"


@pytest.mark.parametrize("z", [1.5, 1.25, 1.4, 1.0, 2.0, "z", -1])
def test_delta_is_written_as_a_power_of_ten(z):
    feedback = ex.check_noise_for_budget(z)
    assert "1e-05" not in repr(feedback), feedback
    if "δ" in feedback.message:
        assert "δ = 1e-5" in feedback.message, feedback


# --------------------------------------------------------------------------
# All checks
# --------------------------------------------------------------------------

CHECKS = (
    ex.check_fedavg_step,
    ex.check_ratio_attack,
    ex.check_unmask_sum,
    ex.check_clip,
    ex.check_noise_for_budget,
)
FUNCTION_CHECKS = CHECKS[:4]


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_answer(a):
    for check in CHECKS:
        feedback = check(a)
        assert isinstance(feedback, Feedback)
        assert repr(feedback) and feedback._repr_html_()
        assert "could not use this answer" not in feedback.message, feedback


@settings(max_examples=40, deadline=None)
@given(a=JUNK)
def test_checks_never_raise_on_any_returned_value(a):
    """Functions that return junk get feedback too, never an exception."""
    for check in FUNCTION_CHECKS:
        feedback = check(lambda *args, a=a: a)
        assert isinstance(feedback, Feedback)
        assert feedback.status in ("incorrect", "not attempted"), feedback
        assert "could not use this answer" not in feedback.message, feedback


@settings(max_examples=40, deadline=None)
@given(a=JUNK, b=JUNK)
def test_checks_never_raise_on_any_returned_pair(a, b):
    for check in FUNCTION_CHECKS:
        feedback = check(lambda *args, a=a, b=b: (a, b))
        assert feedback.status == "incorrect", feedback
        assert "could not use this answer" not in feedback.message, feedback


def test_exercise_names():
    names = [check(...).exercise for check in CHECKS]
    assert names == [
        "Exercise 1 (the server's step)",
        "Exercise 2 (the ratio attack)",
        "Exercise 3 (unmasking the sum)",
        "Exercise 4 (clipping)",
        "Exercise 5 (noise for a budget)",
    ]


@pytest.mark.parametrize(
    ("z", "hint"),
    [
        (1.0, "Compute ε for each z of `ex.NOISE_CHOICES`"),
        (3.0, "Take the smallest z of the list that meets the budget."),
        (1.4, "Compute ε for each z of `ex.NOISE_CHOICES`"),
        (1.25, "Compute ε for each z of `ex.NOISE_CHOICES`"),
        ("z", "keep the smallest z with ε ≤ 2."),
    ],
)
def test_noise_for_budget_hints(z, hint):
    assert_incorrect(ex.check_noise_for_budget(z), hint, where="hint")


def test_noise_for_budget_exact_z_hint():
    exact = noise_multiplier_for(2.0, rounds=50, sampling_rate=ex.NOISE_RATE, delta=1e-5)
    feedback = ex.check_noise_for_budget(exact)
    assert feedback.hint == "Pick the smallest z of `ex.NOISE_CHOICES` with ε ≤ the target."
