"""Answers from documents in a real browser against ``guiders up``: a supervisor uploads a
document in the console's Knowledge page; the visitor asks; the widget shows the answer with
a clickable source; a question the documents (and intents) cannot answer reaches an agent; and
the demo's own help pages, which ``guiders up`` adds, answer "how long does shipping take?"
with their source."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import require_service
from tests.e2e.browser.conftest import STATIC
from tests.e2e.browser.test_web import sign_in
from tests.e2e.conftest import copy_demo_kb
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

GUIDE = b"""# Warranty guide

## Laptop warranty

Every Guiders laptop comes with a three year warranty that covers hardware faults.
To claim it, send the serial number to warranty@example.com.

## Batteries

Batteries are covered for eighteen months.
"""


@pytest.fixture
def bot_server(
    tmp_path: Path, demo_kb_model: Path, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    """``indirect`` parameter True: with the demo's help pages (``guiders up``'s default)."""
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    copy_demo_kb(demo_kb_model, tmp_path)
    proc = ServerProcess(
        tmp_path,
        bot=True,
        documents=getattr(request, "param", False),
        GUIDERS_BOT_RESPONSE_DELAY_MS="0",
        GUIDERS_BOT_TYPING_MS_PER_CHAR="0",
        GUIDERS_BOT_DEFAULT_LANGUAGE="en",
    )
    proc.start()
    yield proc
    proc.stop()
    shutil.rmtree(tmp_path / "models", ignore_errors=True)


def test_an_uploaded_document_answers_the_visitor_with_a_clickable_source(
    bot_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = bot_server.credentials()
    ana = next(s for s in creds["staff"] if s["role"] == "supervisor")
    errors: list[str] = []
    console = browser.new_context().new_page()
    console.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(console, bot_server.base, "/console/", ana)
    console.click("button:has-text('Knowledge')")
    console.set_input_files(
        "input[name=files]",
        files=[{"name": "warranty.md", "mimeType": "text/markdown", "buffer": GUIDE}],
    )
    console.fill("form:has(input[name=files]) input[name=url]", "https://help.example.com/warranty")
    console.click("form:has(input[name=files]) button[type=submit]")
    row = console.locator(".source-row", has_text="warranty.md")
    expect(row).to_have_attribute("data-status", "indexed", timeout=90000)
    expect(row).to_contain_text("1 pages")
    console.screenshot(path=str(screenshots / "console-knowledge.png"))

    visitor = browser.new_context().new_page()
    visitor.on("pageerror", lambda e: errors.append(str(e)))
    visitor.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    visitor.goto(f"{bot_server.base}/")
    visitor.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    log = visitor.locator("#guiders-widget .log")
    visitor.fill(box, "How long is the warranty on a laptop?")
    visitor.press(box, "Enter")
    answer = log.locator(".theirs.ai", has=visitor.locator(".sources"))
    expect(answer).to_have_count(1, timeout=30000)
    expect(answer.locator(".text")).to_contain_text("three year warranty")
    source = answer.locator(".sources a.source")
    expect(source).to_have_text("Warranty guide")
    expect(source).to_have_attribute("href", "https://help.example.com/warranty")
    expect(source).to_have_attribute("target", "_blank")
    expect(source).to_have_attribute("rel", "noopener noreferrer")
    visitor.screenshot(path=str(screenshots / "widget-knowledge-answer.png"))

    carla = next(s for s in creds["staff"] if s["name"] == "Carla Ruiz")
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    r = httpx.put(
        f"{bot_server.base}/api/v2/commercials/{carla['commercialId']}/status",
        json={"status": "online"},
        headers=key,
    )
    assert r.status_code == 200, r.text
    visitor.fill(box, "Can I bring my dog to your warehouse on Sundays?")
    visitor.press(box, "Enter")
    # the supervisor's open console counts as online too: either of them may take it
    agent = re.compile("Ana García|Carla Ruiz")
    expect(log.locator(".theirs .text", has_text=agent)).to_have_count(1, timeout=30000)
    visitor.screenshot(path=str(screenshots / "widget-knowledge-handover.png"))
    assert errors == []


@pytest.mark.parametrize("bot_server", [True], indirect=True)
def test_shipping_is_answered_from_the_demo_help_pages_with_the_source(
    bot_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = bot_server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}

    def indexed() -> bool:
        r = httpx.get(f"{bot_server.base}/api/v2/knowledge/sources", headers=key)
        sources = r.json()["sources"]
        return len(sources) == 2 and all(s["status"] == "indexed" for s in sources)

    eventually_sync(indexed, timeout=120, interval=0.5, what="the demo's help pages indexed")
    errors: list[str] = []
    page = browser.new_context(locale="en-GB").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{bot_server.base}/")
    page.click("#guiders-widget .launcher")
    log = page.locator("#guiders-widget .log")
    expect(log.locator(".theirs.ai .text", has_text="Guiders AI")).to_have_count(1, timeout=60000)
    box = "#guiders-widget input[aria-label=Message]"
    page.fill(box, "How long does shipping take?")
    page.press(box, "Enter")
    answer = log.locator(".theirs.ai", has=page.locator(".sources"))
    expect(answer).to_have_count(1, timeout=30000)
    expect(answer.locator(".text")).to_contain_text("2 to 4 working days")
    expect(answer.locator(".sources .source").first).to_have_text("Shipping and delivery")
    page.screenshot(path=str(screenshots / "widget-demo-documents.png"))
    assert errors == []
