"""``/docs`` renders the whole API in a real browser under its CSP, from local assets only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Its own server: /docs needs no built front end."""
    proc = ServerProcess(tmp_path_factory.mktemp("docs"))
    proc.start()
    yield proc
    proc.stop()


def test_swagger_ui_renders_under_its_csp_without_the_network(
    server: ServerProcess, browser: Any
) -> None:
    page = browser.new_page()
    messages: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(server.base) else None,
    )
    try:
        page.goto(f"{server.base}/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        assert page.locator(".opblock").count() > 20
        assert "Guiders API" in page.locator(".info .title").inner_text()
    finally:
        page.close()
    assert outside == [], outside
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m], messages
