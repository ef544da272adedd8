"""What a model update gives away: rebuilding a training image from one update.

For softmax regression trained on one example, :math:`\\partial L/\\partial W = g\\,x^\\top`
and :math:`\\partial L/\\partial b = g`, so

.. math:: x = \\frac{(\\partial L/\\partial W)_i}{(\\partial L/\\partial b)_i} \\quad (g_i \\neq 0),

exactly, and the label is the digit whose bias entry has the other sign. A FedAvg
update keeps the ratio (Phong et al., 2017; Zhu, Liu and Han, 2019); a batch gives
a mixture of its images. Clipping keeps the ratio too; only noise stops the attack.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._guard import REALS, guard
from ..errors import InvalidParameterError
from .model import _parameters, unpack

__all__ = ["invert_update", "reconstruction_error"]


def _flat_update(name: str, value: Any) -> np.ndarray:
    """A flat update or gradient of :data:`~privlab.fl.model.SIZE` numbers, with a bias part."""
    update = _parameters(name, value)
    if not np.any(unpack(update)[1]):
        raise InvalidParameterError(f"{name} must have a nonzero bias part; got all zeros.")
    return update


@guard(update=_flat_update)
def invert_update(update: Any) -> tuple[np.ndarray, int]:
    """The image (64 pixels) and label behind an update or gradient of softmax regression.

    Uses the row with the largest bias entry in size (the least affected by noise); for
    a batch the image is a weighted mixture of its images.

    >>> from privlab.fl.digits import load_digits
    >>> from privlab.fl.fedavg import local_sgd
    >>> from privlab.fl.model import initial_parameters
    >>> images, labels = load_digits()
    >>> theta = initial_parameters()
    >>> update = local_sgd(theta, images[:1], labels[:1], epochs=3, rng=0) - theta
    >>> image, label = invert_update(update)
    >>> label, float(np.abs(image - images[0]).max()) < 1e-12
    (0, True)
    """
    weights, bias = unpack(update)
    row = int(np.argmax(np.abs(bias)))
    return weights[row] / bias[row], _odd_one_out(bias)


def _odd_one_out(bias: np.ndarray) -> int:
    """The entry whose sign differs from the majority's (for a gradient: the negative one)."""
    negative = bias < 0
    minority = negative if negative.sum() <= (~negative).sum() else ~negative
    candidates = np.flatnonzero(minority)
    if candidates.size == 0:
        return int(np.argmax(np.abs(bias)))
    return int(candidates[np.argmax(np.abs(bias[candidates]))])


def _same_shape(arguments: dict[str, Any]) -> None:
    rebuilt, original = arguments["rebuilt"], arguments["original"]
    if rebuilt.shape != original.shape:
        raise InvalidParameterError(
            f"rebuilt must have the shape of original {original.shape}; got {rebuilt.shape}."
        )


@guard(rebuilt=REALS, original=REALS, where=_same_shape)
def reconstruction_error(rebuilt: Any, original: Any) -> float:
    """Root-mean-square difference per pixel between two images of one shape (pixels in [0, 1]).

    >>> reconstruction_error(np.zeros(64), np.full(64, 0.5))
    0.5
    """
    return float(np.sqrt(np.mean((rebuilt - original) ** 2)))
