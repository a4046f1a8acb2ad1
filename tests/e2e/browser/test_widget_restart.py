"""The widget across a server crash and restart: what was sent meanwhile arrives once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import require_service
from tests.e2e.browser.conftest import STATIC
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUIDERS_BOT_ENABLED", "false")
        mp.setenv("GUIDERS_ANALYTICS_ENABLED", "false")
        proc = ServerProcess(tmp_path)
        proc.start()
    yield proc
    proc.stop()


def test_the_widget_resumes_after_the_server_is_killed_and_restarted(
    own_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{own_server.base}/")
    page.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    page.fill(box, "before the crash")
    page.press(box, "Enter")
    log = page.locator("#guiders-widget .log")
    expect(log.locator(".mine:not(.pending) .text")).to_have_text(["before the crash"])

    own_server.kill()
    expect(page.locator("#guiders-widget .offline")).to_be_visible()
    own_server.start()
    state = page.evaluate(
        """() => JSON.parse(localStorage.getItem(Object.keys(localStorage)
              .find(k => k.startsWith('guiders:') && k !== 'guiders:fp')))"""
    )
    key = {"authorization": f"Bearer {own_server.credentials()['integrationKey']}"}
    for text in ("sent while you reconnected", "and one more"):
        r = httpx.post(
            f"{own_server.base}/api/v2/chats/{state['chatId']}/messages",
            json={"content": text},
            headers=key,
        )
        assert r.status_code == 201
    expect(page.locator("#guiders-widget .offline")).to_have_count(0, timeout=15000)
    expect(log.locator(".theirs .text")).to_have_text(
        ["sent while you reconnected", "and one more"]
    )
    page.fill(box, "after the restart")
    page.press(box, "Enter")
    expect(log.locator(".text")).to_have_text(
        ["before the crash", "sent while you reconnected", "and one more", "after the restart"]
    )
    # A live message last: the socket delivers in order, so a replayed duplicate comes first.
    r = httpx.post(
        f"{own_server.base}/api/v2/chats/{state['chatId']}/messages",
        json={"content": "the last one"},
        headers=key,
    )
    assert r.status_code == 201
    expect(log.locator(".text")).to_have_text(
        [
            "before the crash",
            "sent while you reconnected",
            "and one more",
            "after the restart",
            "the last one",
        ]
    )
    page.screenshot(path=str(screenshots / "widget-after-restart.png"))
