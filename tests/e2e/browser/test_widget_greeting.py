"""What a visitor sees on ``guiders up`` with the bot on and the demo's own documents: one
greeting (never the widget's and the bot's, nor two welcomes), and an answer about shipping
from the demo shop's help pages with its source under it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from guiders.bot.knowledge import ensure_kb
from guiders.bot.settings import DEMO_KB
from tests.conftest import require_service
from tests.e2e.browser.conftest import STATIC
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WIDGET = "#guiders-widget"
GREETING = "Hi! How can we help?"  # the widget's default greeting (settings: widget)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[ServerProcess]:
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    ensure_kb(tmp_path / "models" / "demo_kb", DEMO_KB)
    proc = ServerProcess(
        tmp_path,
        bot=True,
        documents=True,
        GUIDERS_BOT_RESPONSE_DELAY_MS="0",
        GUIDERS_BOT_TYPING_MS_PER_CHAR="0",
        GUIDERS_BOT_DEFAULT_LANGUAGE="en",
    )
    proc.start()
    yield proc
    proc.stop()
    shutil.rmtree(tmp_path / "models", ignore_errors=True)


def visitor_page(browser: Any, server: ServerProcess, errors: list[str]) -> Page:
    page: Page = browser.new_context(locale="en-GB").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    page.goto(f"{server.base}/")
    return page


def greetings(page: Page) -> list[str]:
    """Every greeting the log shows: the widget's own and the bot's welcomes."""
    log = page.locator(f"{WIDGET} .log")
    widget = log.locator(".greeting").all_inner_texts()
    welcomes = [t for t in log.locator(".theirs.ai .text").all_inner_texts() if "Hi " in t]
    return widget + welcomes


def chat_id(page: Page) -> str:
    return str(
        page.evaluate(
            "JSON.parse(localStorage.getItem(Object.keys(localStorage)"
            ".find(k => k.startsWith('guiders:') && k !== 'guiders:fp'))).chatId"
        )
    )


def test_the_visitor_sees_one_greeting_even_when_two_welcomes_are_posted(
    demo_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    page = visitor_page(browser, demo_server, errors)
    page.click(f"{WIDGET} .launcher")
    log = page.locator(f"{WIDGET} .log")
    welcome = log.locator(".theirs.ai .text", has_text="Guiders AI")
    expect(welcome).to_have_count(1, timeout=60000)
    expect(log.locator(".greeting")).to_have_count(0)  # the bot's welcome took its place
    assert len(greetings(page)) == 1, greetings(page)

    # a second welcome (another bot deployment, a restarted bot): stored, not shown twice
    creds = demo_server.credentials()
    r = httpx.post(
        f"{demo_server.base}/api/v2/chats/{chat_id(page)}/messages",
        json={
            "content": "Hi again! I'm another assistant.",
            "type": "ai-response",
            "metadata": {"isWelcome": True},
            "clientMessageId": "second-welcome",
        },
        headers={"authorization": f"Bearer {creds['integrationKey']}"},
    )
    assert r.status_code in (200, 201), r.text
    page.reload()
    page.click(f"{WIDGET} .launcher")
    expect(welcome).to_have_count(1, timeout=15000)
    expect(log.locator(".theirs .text", has_text="another assistant")).to_have_count(0)
    expect(log.locator(".greeting")).to_have_count(0)
    page.screenshot(path=str(screenshots / "widget-one-greeting.png"))
    assert errors == []


def test_shipping_is_answered_from_the_demo_help_pages_with_the_source(
    demo_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = demo_server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}

    def indexed() -> bool:
        r = httpx.get(f"{demo_server.base}/api/v2/knowledge/sources", headers=key)
        sources = r.json()["sources"]
        return len(sources) == 2 and all(s["status"] == "indexed" for s in sources)

    eventually_sync(indexed, timeout=120, interval=0.5, what="the demo's help pages indexed")
    errors: list[str] = []
    page = visitor_page(browser, demo_server, errors)
    page.click(f"{WIDGET} .launcher")
    log = page.locator(f"{WIDGET} .log")
    expect(log.locator(".theirs.ai .text", has_text="Guiders AI")).to_have_count(1, timeout=60000)
    box = f"{WIDGET} input[aria-label=Message]"
    page.fill(box, "How long does shipping take?")
    page.press(box, "Enter")
    answer = log.locator(".theirs.ai", has=page.locator(".sources"))
    expect(answer).to_have_count(1, timeout=30000)
    expect(answer.locator(".text")).to_contain_text("2 to 4 working days")
    expect(answer.locator(".sources .source").first).to_have_text("Shipping and delivery")
    page.screenshot(path=str(screenshots / "widget-demo-documents.png"))
    assert errors == []
