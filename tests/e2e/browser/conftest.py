"""A real server process and Debian's chromium driven by Playwright (no browser downloads)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import require_service
from tests.e2e.server import ServerProcess

CHROMIUM = Path(os.environ.get("GUIDERS_CHROMIUM", "/usr/bin/chromium"))
STATIC = Path(__file__).parents[3] / "src" / "guiders" / "web" / "static"
SCREENSHOTS = Path(__file__).parents[3] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# A condition, not a time: on a machine busy with other work, pages and servers can take longer
# than Playwright's default 5 s to reach it, and a deadline that fails on load proves nothing.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUIDERS_METRICS_INTERVAL_S", "1")
        # These pages are tested on their own: no bot messages or background scoring in between
        # (the bot's welcome in the widget is tested with the bot).
        mp.setenv("GUIDERS_BOT_ENABLED", "false")
        mp.setenv("GUIDERS_ANALYTICS_ENABLED", "false")
        # Every request is "slow": the response-time alert fires and the dashboard shows it.
        mp.setenv("GUIDERS_ALERT_P95_MS", "0.001")
        proc = ServerProcess(tmp_path_factory.mktemp("web"))
        proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_service(f"chromium at {CHROMIUM} (apt-get install chromium)", CHROMIUM.is_file())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
