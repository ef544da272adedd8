"""Softmax regression with its gradients written out: the model every device trains.

Scores :math:`z = W x + b` for the 10 digits, probabilities :math:`p = \\mathrm{softmax}(z)`,
loss :math:`-\\log p_y`, and its gradients

.. math:: g = p - \\text{onehot}(y), \\qquad
    \\frac{\\partial L}{\\partial W} = g\\, x^\\top, \\qquad \\frac{\\partial L}{\\partial b} = g ,

which :mod:`privlab.fl.attacks` inverts. Parameters travel as one flat vector
``theta`` of :data:`SIZE` numbers (``W`` row by row, then ``b``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._guard import WHOLES, guard, real_array
from ..errors import InvalidParameterError
from .digits import CLASSES, PIXELS

__all__ = ["SIZE", "accuracy", "gradients", "initial_parameters", "loss", "unpack"]

SIZE = CLASSES * PIXELS + CLASSES  # 650


def _parameters(name: str, value: Any) -> np.ndarray:
    """``theta``: a vector of :data:`SIZE` finite numbers."""
    theta = real_array(name, value)
    if theta.shape != (SIZE,):
        raise InvalidParameterError(
            f"{name} must be a vector of {SIZE} numbers (W then b); got shape {theta.shape}."
        )
    return theta


def _images(name: str, value: Any) -> np.ndarray:
    """Images: one row of :data:`~privlab.fl.digits.PIXELS` numbers per image."""
    images = real_array(name, value)
    if images.ndim != 2 or images.shape[1] != PIXELS:
        raise InvalidParameterError(
            f"{name} must have shape (n, {PIXELS}), one row per image; got {images.shape}."
        )
    return images


def _labels_of_images(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels: one digit per image, at least one example."""
    if labels.shape != (images.shape[0],):
        raise InvalidParameterError(
            f"labels must have one entry per image ({images.shape[0]}); got shape {labels.shape}."
        )
    if labels.size == 0:
        raise InvalidParameterError("images and labels must hold at least one example; got 0.")
    if labels.min() < 0 or labels.max() >= CLASSES:
        raise InvalidParameterError(
            f"labels must be digits from 0 to {CLASSES - 1}; got {int(labels.min())} to "
            f"{int(labels.max())}."
        )
    return labels


def _examples(arguments: dict[str, Any]) -> None:
    """``where`` of a guard with ``images`` and ``labels``."""
    _labels_of_images(arguments["images"], arguments["labels"])


def initial_parameters() -> np.ndarray:
    """All zeros: every digit equally likely (a fair, reproducible start)."""
    return np.zeros(SIZE)


@guard(theta=_parameters)
def unpack(theta: Any) -> tuple[np.ndarray, np.ndarray]:
    """The weight matrix ``W`` (10 x 64) and bias ``b`` (10) inside the flat vector ``theta``."""
    return theta[: CLASSES * PIXELS].reshape(CLASSES, PIXELS), theta[CLASSES * PIXELS :]


def _probabilities(theta: np.ndarray, images: np.ndarray) -> np.ndarray:
    """Each image's probability of each digit: the softmax of :math:`W x + b`, shape (n, 10)."""
    weights, bias = unpack(theta)
    scores = images @ weights.T + bias
    scores -= scores.max(axis=1, keepdims=True)  # the same softmax, without overflow
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


@guard(theta=_parameters, images=_images, labels=WHOLES, where=_examples)
def loss(theta: Any, images: Any, labels: Any) -> float:
    """Mean cross-entropy :math:`-\\log p_y` over the examples.

    >>> round(loss(initial_parameters(), np.zeros((2, 64)), [3, 7]), 4)  # log 10
    2.3026
    """
    picked = _probabilities(theta, images)[np.arange(labels.size), labels]
    return float(-np.mean(np.log(np.maximum(picked, 1e-300))))


@guard(theta=_parameters, images=_images, labels=WHOLES, where=_examples)
def gradients(theta: Any, images: Any, labels: Any) -> np.ndarray:
    """The gradient of :func:`loss`, as a flat vector like ``theta``.

    With :math:`G = P - Y` over :math:`n` examples: :math:`G^\\top X / n`, :math:`\\sum_i G_i / n`.

    >>> image = np.zeros((1, 64)); image[0, 5] = 1.0
    >>> weights, bias = unpack(gradients(initial_parameters(), image, [3]))
    >>> bias.round(2).tolist()  # 0.1 for every digit, minus 1 for the true one
    [0.1, 0.1, 0.1, -0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    >>> float(weights[3, 5] / bias[3])  # row 3 of dW is the image times bias[3]
    1.0
    """
    g = _probabilities(theta, images)
    g[np.arange(labels.size), labels] -= 1.0
    g /= labels.size
    return np.concatenate([(g.T @ images).ravel(), g.sum(axis=0)])


@guard(theta=_parameters, images=_images, labels=WHOLES, where=_examples)
def accuracy(theta: Any, images: Any, labels: Any) -> float:
    """Share of examples whose most likely digit is the true one.

    >>> accuracy(initial_parameters(), np.zeros((4, 64)), [0, 0, 1, 2])  # ties go to 0
    0.5
    """
    return float(np.mean(np.argmax(_probabilities(theta, images), axis=1) == labels))
