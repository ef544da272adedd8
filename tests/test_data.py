"""The generated data sets: the shipped CSV files match their seeded generators."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from privlab import data

DATA = Path(__file__).resolve().parent.parent / "data"


def test_shipped_csv_matches_the_generator():
    shipped = (DATA / data.AD_CAMPAIGN_FILE).read_text(encoding="utf-8")
    assert shipped == data.to_csv(data.ad_campaign()), "run: python -m privlab.data data"


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
    assert data.AD_CAMPAIGN_FILE in readme
    assert "licence" in readme or "license" in readme
