"""Handwritten digits for lesson 05, and ways to spread them over devices.

The test set of the UCI "Optical Recognition of Handwritten Digits" (Alpaydin and
Kaynak, 1998): 1,797 images of 8 x 8 pixels (0 to 16), labels 0 to 9, shipped as
``data/digits.csv.gz`` under CC BY 4.0. :func:`split_iid` deals them out evenly;
:func:`split_dirichlet` gives each device a skewed mix, as phones have.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

from .._guard import POSITIVE, PROBABILITY, RNG, TIED, WHOLES, Seed, guard, integer, integer_array
from ..errors import InvalidParameterError

__all__ = [
    "CLASSES",
    "DIGITS_FILE",
    "PIXELS",
    "label_counts",
    "load_digits",
    "split_dirichlet",
    "split_iid",
    "train_test_split",
]

DIGITS_FILE = "digits.csv.gz"
PIXELS = 64
CLASSES = 10
_DATA = Path(__file__).resolve().parents[2] / "data"


def _digits_file(name: str, value: Any) -> Path:
    if value is not None and not isinstance(value, (str, Path)):
        raise InvalidParameterError(f"{name} must be None, a str or a Path; got {value!r}.")
    file = Path(value) if value is not None else _DATA / DIGITS_FILE
    if not file.exists():
        raise InvalidParameterError(
            f"{name} must name the digits file ({DIGITS_FILE}); {str(file)!r} does not exist. "
            "It ships in the repository's data/ folder: install privlab from a clone."
        )
    return file


def _devices(arguments: dict[str, Any]) -> None:
    """At most one device per example; ``min_size`` at most an even share of them."""
    examples = arguments["labels"].size
    devices = arguments["devices"] = integer("devices", arguments["devices"], low=1)
    if devices > examples:
        raise InvalidParameterError(
            f"devices must be at most the number of examples ({examples}), so that every "
            f"device holds one; got {devices}."
        )
    if "min_size" in arguments:
        high = max(1, examples // devices)
        arguments["min_size"] = integer("min_size", arguments["min_size"], low=1, high=high)


def _digit_labels(name: str, value: Any) -> np.ndarray:
    labels = integer_array(name, value)
    if labels.ndim != 1 or labels.size == 0 or labels.min() < 0 or labels.max() >= CLASSES:
        raise InvalidParameterError(
            f"{name} must be a non-empty 1-d array of digits 0 to {CLASSES - 1}; "
            f"got {labels!r:.40}."
        )
    return labels


def _device_rows(name: str, parts: Any, examples: int, *, empty: bool = False) -> list[np.ndarray]:
    """Each device's row numbers: a non-empty list of 1-d arrays of rows that exist."""
    if isinstance(parts, (str, bytes)) or not isinstance(parts, (list, tuple)) or not parts:
        raise InvalidParameterError(
            f"{name} must be a non-empty list of row-number arrays, one per device; "
            f"got {type(parts).__name__}."
        )
    checked = [integer_array(f"{name}[{i}]", part) for i, part in enumerate(parts)]
    for i, rows in enumerate(checked):
        if rows.ndim != 1 or not (empty or rows.size):
            raise InvalidParameterError(
                f"{name}[{i}] must be a {'' if empty else 'non-empty '}1-d array of row "
                f"numbers; got shape {rows.shape}."
            )
        if rows.size and (rows.min() < 0 or rows.max() >= examples):
            raise InvalidParameterError(
                f"{name}[{i}] must hold row numbers from 0 to {examples - 1}; got "
                f"{int(rows.min())} to {int(rows.max())}."
            )
    return checked


def _parts_of_labels(arguments: dict[str, Any]) -> None:
    size = arguments["labels"].size
    arguments["parts"] = _device_rows("parts", arguments["parts"], size, empty=True)


@guard(path=_digits_file)
def load_digits(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digit images ``(1797, 64)``, pixels scaled to [0, 1], and their labels 0 to 9.

    ``path`` is the ``digits.csv.gz`` file, by default the copy in the repository's ``data/``.

    >>> images, labels = load_digits()
    >>> images.shape, labels[:5].tolist(), float(images.max())
    ((1797, 64), [0, 1, 2, 3, 4], 1.0)
    """
    with gzip.open(path, "rt", encoding="ascii") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != PIXELS + 1:
        raise InvalidParameterError(
            f"path must hold rows of {PIXELS} pixels and a label; got shape {table.shape}."
        )
    return table[:, :PIXELS] / 16.0, table[:, PIXELS]


@guard(labels=WHOLES, test_share=PROBABILITY, rng=RNG)
def train_test_split(
    labels: Any, test_share: float = 0.25, rng: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of a training set and a test set, drawn at random.

    >>> train, test = train_test_split(np.arange(100), test_share=0.2, rng=0)
    >>> len(train), len(test), len(set(train) & set(test))
    (80, 20, 0)
    """
    order = rng.permutation(labels.size)
    cut = round(test_share * labels.size)
    return np.sort(order[cut:]), np.sort(order[:cut])


@guard(labels=WHOLES, devices=TIED, rng=RNG, where=_devices)
def split_iid(labels: Any, devices: int, rng: Seed = None) -> list[np.ndarray]:
    """Deal the examples out at random: every device gets the same mix of labels.

    Returns one array of row numbers per device; sizes differ by at most one.

    >>> parts = split_iid(np.arange(10) % 2, devices=3, rng=0)
    >>> [len(part) for part in parts], sorted(np.concatenate(parts).tolist()) == list(range(10))
    ([4, 3, 3], True)
    """
    order = rng.permutation(labels.size)
    return [np.sort(part) for part in np.array_split(order, devices)]


@guard(labels=WHOLES, devices=TIED, alpha=POSITIVE, rng=RNG, min_size=TIED, where=_devices)
def split_dirichlet(
    labels: Any, devices: int, alpha: float, rng: Seed = None, *, min_size: int = 1
) -> list[np.ndarray]:
    """Deal each label's examples out in Dirichlet(``alpha``) proportions (Yurochkin et al., 2019).

    A large ``alpha`` gives every device about the same mix, a small one (0.1) gives
    each label to a few devices. Drawn again until every device has ``min_size`` examples.

    >>> labels = np.repeat(np.arange(10), 50)
    >>> skewed = split_dirichlet(labels, devices=5, alpha=0.1, rng=1)
    >>> [len(np.unique(labels[part])) for part in skewed]  # labels held by each device
    [4, 5, 3, 4, 4]
    >>> even = split_dirichlet(labels, devices=5, alpha=1000.0, rng=1)
    >>> [len(np.unique(labels[part])) for part in even]
    [10, 10, 10, 10, 10]
    """
    for _attempt in range(1000):
        parts: list[list[int]] = [[] for _ in range(devices)]
        for label in np.unique(labels):
            rows = rng.permutation(np.flatnonzero(labels == label))
            shares = rng.dirichlet(np.full(devices, alpha))
            cuts = np.round(np.cumsum(shares)[:-1] * rows.size).astype(int)
            for device, chunk in enumerate(np.split(rows, cuts)):
                parts[device].extend(chunk.tolist())
        if min(len(part) for part in parts) >= min_size:
            return [np.sort(np.array(part, dtype=np.int64)) for part in parts]
    raise InvalidParameterError(
        f"alpha = {alpha:g} with {devices} devices leaves some device with fewer than "
        f"{min_size} examples in 1,000 draws; use fewer devices or a larger alpha."
    )


@guard(labels=_digit_labels, parts=TIED, where=_parts_of_labels)
def label_counts(labels: Any, parts: list[np.ndarray]) -> np.ndarray:
    """How many examples of each label each device holds: shape ``(devices, 10)``.

    >>> label_counts(np.array([0, 1, 1, 2]), [np.array([0, 1]), np.array([2, 3])])[:, :3]
    array([[1, 1, 0],
           [0, 1, 1]])
    """
    return np.array([np.bincount(labels[part], minlength=CLASSES) for part in parts])
