"""Shared fixtures: an isolated CLIO_HOME per test, the real PostgreSQL, a small sample corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from env_support import use_clio_env

PG_URL = os.environ.get("CLIO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = Path("/usr/bin/chromium")
# no network beyond the page under test: no QUIC, updates, sync or background fetches
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def clio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CLIO_HOME; every other CLIO_* and DAGSTER_HOME variable is cleared."""
    home = tmp_path / "clio"
    use_clio_env(monkeypatch, {"CLIO_HOME": str(home)})
    return home


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The real PostgreSQL on 127.0.0.1:5432; skipped (outside CI only) when none is reachable."""
    import psycopg2

    try:
        psycopg2.connect(PG_URL, connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {PG_URL}: {error}")
        pytest.skip(f"no PostgreSQL reachable at {PG_URL}")
    return PG_URL


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory: pytest.TempPathFactory):
    """Two days of the synthetic corpus, with malformed records, shared by the end-to-end tests."""
    from clio_dagster.sample import generate_sample

    out = tmp_path_factory.mktemp("sample")
    return generate_sample(out, days=2, conversations=1500, seed=7, malformed=12)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Debian chromium through playwright, for the browser tests of the explorer and serve
    (one per module: a playwright session lives no longer than the tests that drive it)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
