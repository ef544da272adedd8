"""Fixtures for the browser tests: one headless Chromium, one JupyterLab, one Voila per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import ROOT, Server, chromium, jupyter_server
from playwright.sync_api import BrowserContext, Page, sync_playwright

SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with (
        sync_playwright() as playwright,
        chromium(playwright, tmp_path_factory.mktemp("chromium-profile")) as context,
    ):
        yield context


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with jupyter_server("lab", tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="session")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with jupyter_server("voila", tmp_path_factory.mktemp("voila")) as server:
        yield server


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
