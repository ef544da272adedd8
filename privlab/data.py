"""Small, synthetic data sets for the lessons, made by seeded generators.

Nothing here describes real people: every row comes from a fixed seed, so the
lessons' numbers are the same on every machine. ``python -m privlab.data``
writes each set (and the two tables of :mod:`privlab.lift.study`) to ``data/`` as CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from ._guard import RNG, InvalidParameterError, Seed, guard, whole
from .lift.study import LIFT_ADVERTISER_FILE, LIFT_PUBLISHER_FILE, lift_study

__all__ = [
    "AD_CAMPAIGN_FILE",
    "CAMPAIGNS",
    "PURCHASES_FILE",
    "ad_campaign",
    "campaign_purchases",
    "head",
    "to_csv",
]

AD_CAMPAIGN_FILE = "ad-campaign-clicks.csv"
PURCHASES_FILE = "campaign-purchases.csv"

_FIRST_NAMES = (
    "Aaliyah Ben Chloe Dmitri Elena Farid Grace Hugo Ines Jamal Kenji Lena Mateo Nadia Omar "
    "Priya Quentin Rosa Samir Tara Umar Vera Wei Xavier Yara Zoe Amir Bea Carlos Dana Emeka "
    "Fatima Gustav Hana Ivan Julia Kofi Lucia Marco Nina Oskar Paula Ravi Sofia Tomas Uma "
    "Viktor Wanda Yusuf Zara"
).split()
_POSTCODES = ("1011", "1012", "1013", "1015", "1016", "1017", "1018", "1019", "1071", "1072")


@guard(rng=RNG)
def ad_campaign(rng: Seed = 2026) -> dict[str, np.ndarray]:
    """1,500 people who clicked a bookshop's ad; exactly 118 of them bought.

    One of them is Alice, the only customer aged 67 in postcode 1017, and a buyer:
    easy to single out, the point of the differencing attack in lesson 01.

    Returns
    -------
    dict of str to numpy.ndarray
        Columns ``customer_id``, ``name``, ``age`` (18-80), ``postcode`` and ``bought``.

    Examples
    --------
    >>> people = ad_campaign()
    >>> len(people["name"]), int(people["bought"].sum())
    (1500, 118)
    >>> alice = people["name"] == "Alice"
    >>> int(people["age"][alice][0]), str(people["postcode"][alice][0])
    (67, '1017')
    """
    size, buyers = 1500, 118
    age = np.clip(np.round(rng.normal(41, 14, size)), 18, 80).astype(int)
    postcode = rng.choice(_POSTCODES, size=size)
    first = rng.choice(_FIRST_NAMES, size=size)
    initial = rng.choice(list("ABCDEFGHIJKLMNOPRSTVWZ"), size=size)
    name = np.array([f"{f} {i}." for f, i in zip(first, initial, strict=True)], dtype=object)
    alice = int(rng.integers(size))
    # Alice must be the only 67-year-old in postcode 1017.
    clash = (age == 67) & (postcode == "1017")
    age[clash] = 66
    age[alice], postcode[alice], name[alice] = 67, "1017", "Alice"
    others = np.delete(np.arange(size), alice)
    bought = np.zeros(size, dtype=bool)
    bought[rng.choice(others, size=buyers - 1, replace=False)] = True
    bought[alice] = True
    return {
        "customer_id": np.arange(1, size + 1),
        "name": name.astype(str),
        "age": age,
        "postcode": postcode.astype(str),
        "bought": bought,
    }


CAMPAIGNS = (
    "Spring sale",
    "Book club",
    "Crime week",
    "Children's books",
    "Poetry night",
    "Rare books",
)
_CAMPAIGN_SHARES = (0.45, 0.26, 0.17, 0.085, 0.029, 0.006)
# Three very large orders, the kind a mean must survive: a school, a library, a collector.
_LARGE_ORDERS = (("Spring sale", 2450.00), ("Book club", 1870.00), ("Rare books", 5200.00))


@guard(rng=RNG)
def campaign_purchases(rng: Seed = 2027) -> dict[str, np.ndarray]:
    """2,000 customers of a bookshop, the ad campaign that brought each, and what they spent.

    One row per customer. Order values are skewed like real shop data: most are
    €10-€60, a few hundreds, and three thousands (a school, a library, a collector);
    the small "Rare books" campaign brought a few customers who spend a lot.

    Returns
    -------
    dict of str to numpy.ndarray
        Columns ``customer_id``, ``campaign`` (one of :data:`CAMPAIGNS`) and ``amount_eur``.

    Examples
    --------
    >>> shop = campaign_purchases()
    >>> len(shop["campaign"]), round(float(shop["amount_eur"].max()))
    (2000, 5200)
    """
    size = 2000
    campaign = rng.choice(np.array(CAMPAIGNS), size=size, p=_CAMPAIGN_SHARES)
    amount = np.exp(rng.normal(np.log(24.0), 0.75, size))
    rare = campaign == "Rare books"
    amount[rare] = np.exp(rng.normal(np.log(180.0), 0.6, rare.sum()))
    amount = np.clip(amount, 3.0, None)
    for row, (name, value) in zip(
        rng.choice(size, len(_LARGE_ORDERS), replace=False), _LARGE_ORDERS, strict=True
    ):
        campaign[row], amount[row] = name, value
    return {
        "customer_id": np.arange(1, size + 1),
        "campaign": campaign.astype(str),
        "amount_eur": np.round(amount, 2),
    }


def _table(name: str, table: Any) -> dict[str, np.ndarray]:
    if not isinstance(table, dict) or not table:
        raise InvalidParameterError(
            f"{name} must be a non-empty dict of columns; got {type(table).__name__}."
        )
    try:
        columns = {key: np.asarray(column) for key, column in table.items()}
    except (TypeError, ValueError) as error:  # ragged lists and the like
        raise InvalidParameterError(f"{name} columns must be 1-d arrays.") from error
    shapes = [column.shape for column in columns.values()]
    if not all(isinstance(key, str) for key in columns) or len(set(shapes)) != 1:
        raise InvalidParameterError(
            f"{name} must map column names to 1-d columns of one length; got shapes {shapes}."
        )
    if len(shapes[0]) != 1 or any(c.dtype == object for c in columns.values()):
        raise InvalidParameterError(
            f"{name} columns must be 1-d arrays of numbers or strings; "
            f"got {[f'{c.dtype} {c.shape}' for c in columns.values()]}."
        )
    return columns


@guard(rows=whole(low=1), table=_table)
def head(table: dict[str, np.ndarray], rows: int = 5) -> str:
    """The first ``rows`` rows of a table of columns, as aligned text.

    >>> print(head({"name": np.array(["Alice", "Ben"]), "age": np.array([67, 30])}))
    name   age
    Alice   67
    Ben     30
    """
    cells = [list(table)] + [
        [str(column[i]) for column in table.values()]
        for i in range(min(rows, len(next(iter(table.values())))))
    ]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    numeric = [np.issubdtype(column.dtype, np.number) for column in table.values()]
    lines = [
        "   ".join(
            cell.rjust(width) if is_number and i else cell.ljust(width)
            for cell, width, is_number in zip(row, widths, numeric, strict=True)
        ).rstrip()
        for i, row in enumerate(cells)
    ]
    return "\n".join(lines)


@guard(table=_table)
def to_csv(table: dict[str, np.ndarray]) -> str:
    """The table as CSV text, one row per person, with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(table))
    for row in zip(*table.values(), strict=True):
        writer.writerow([str(value) for value in row])
    return out.getvalue()


def _write_data_files(folder: str) -> list[Path]:
    study = lift_study()
    tables = (
        (AD_CAMPAIGN_FILE, ad_campaign()),
        (PURCHASES_FILE, campaign_purchases()),
        (LIFT_PUBLISHER_FILE, study.publisher),
        (LIFT_ADVERTISER_FILE, study.advertiser),
    )
    written = []
    for name, table in tables:
        path = Path(folder) / name
        path.write_text(to_csv(table), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m privlab.data [folder]
    import sys

    for written in _write_data_files(sys.argv[1] if len(sys.argv) > 1 else "data"):
        print("wrote", written)
