"""The generated data sets: the shipped CSV files match their seeded generators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from privlab import data

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(
    ("name", "generator"),
    [(data.AD_CAMPAIGN_FILE, data.ad_campaign), (data.PURCHASES_FILE, data.campaign_purchases)],
)
def test_shipped_csv_matches_the_generator(name, generator):
    shipped = (DATA / name).read_text(encoding="utf-8")
    assert shipped == data.to_csv(generator()), "run: python -m privlab.data data"


def test_purchases_are_skewed_with_a_few_huge_orders():
    shop = data.campaign_purchases()
    amounts = shop["amount_eur"]
    assert amounts.size == 2000 and np.all(amounts >= 3)
    assert 20 < np.median(amounts) < 30
    assert amounts.mean() > 1.3 * np.median(amounts)  # the long tail pulls the mean up
    assert np.sum(amounts > 1000) == 3
    assert set(shop["campaign"]) == set(data.CAMPAIGNS)
    assert 5 <= np.sum(shop["campaign"] == "Rare books") <= 20  # small enough for noise to matter


def test_alice_can_be_singled_out():
    people = data.ad_campaign()
    singled_out = (people["age"] == 67) & (people["postcode"] == "1017")
    assert singled_out.sum() == 1
    assert people["name"][singled_out][0] == "Alice"
    assert people["bought"][singled_out][0]
    assert people["bought"].sum() == 118
    assert np.all((people["age"] >= 18) & (people["age"] <= 80))


def test_data_readme_states_source_and_licence():
    readme = (DATA / "README.md").read_text(encoding="utf-8").lower()
    assert data.AD_CAMPAIGN_FILE in readme and data.PURCHASES_FILE in readme
    assert "licence" in readme or "license" in readme
