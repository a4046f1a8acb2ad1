"""The widget with the AI bot on: welcome, an answer from the knowledge base, and a hand-over
(``¿precio?``) that shows the agent's name, in a real browser against ``guiders up``; and one
greeting, never the widget's and the bot's, nor two welcomes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from guiders.ai.kb_data import load_data
from guiders.bot.settings import DEMO_KB
from tests.conftest import require_service
from tests.e2e.browser.conftest import STATIC
from tests.e2e.conftest import copy_demo_kb
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
ANSWERS = load_data(DEMO_KB).answers


@pytest.fixture
def bot_server(tmp_path: Path, demo_kb_model: Path) -> Iterator[ServerProcess]:
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    copy_demo_kb(demo_kb_model, tmp_path)  # trained once for the run: the server only loads it
    proc = ServerProcess(
        tmp_path,
        bot=True,
        GUIDERS_BOT_RESPONSE_DELAY_MS="0",
        GUIDERS_BOT_TYPING_MS_PER_CHAR="0",
    )
    proc.start()
    yield proc
    proc.stop()
    shutil.rmtree(tmp_path / "models", ignore_errors=True)


def test_the_bot_welcomes_answers_and_hands_over_in_the_widget(
    bot_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = bot_server.credentials()
    carla = next(s for s in creds["staff"] if s["name"] == "Carla Ruiz")
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    r = httpx.put(
        f"{bot_server.base}/api/v2/commercials/{carla['commercialId']}/status",
        json={"status": "online"},
        headers=key,
    )
    assert r.status_code == 200, r.text
    errors: list[str] = []
    page = browser.new_context().new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    page.goto(f"{bot_server.base}/")
    page.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    log = page.locator("#guiders-widget .log")

    page.fill(box, "how long does shipping take?")
    page.press(box, "Enter")
    bot = log.locator(".theirs.ai .text")
    expect(bot.first).to_contain_text("Guiders AI", timeout=30000)  # the welcome
    expect(bot.nth(1)).to_have_text(ANSWERS["shipping"]["en"], timeout=15000)
    page.screenshot(path=str(screenshots / "widget-bot-answer.png"))

    page.fill(box, "¿precio?")
    page.press(box, "Enter")
    expect(log.locator(".theirs .text", has_text="Carla Ruiz")).to_have_count(1, timeout=15000)
    expect(page.locator("#guiders-widget .subtitle")).to_have_text(
        "You are chatting with Carla Ruiz"
    )
    expect(log.locator(".mine .text")).to_have_text(["how long does shipping take?", "¿precio?"])
    page.screenshot(path=str(screenshots / "widget-bot-handover.png"))
    assert errors == []


WIDGET = "#guiders-widget"


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
    bot_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    page = visitor_page(browser, bot_server, errors)
    page.click(f"{WIDGET} .launcher")
    log = page.locator(f"{WIDGET} .log")
    welcome = log.locator(".theirs.ai .text", has_text="Guiders AI")
    expect(welcome).to_have_count(1, timeout=60000)
    expect(log.locator(".greeting")).to_have_count(0)  # the bot's welcome took its place
    assert len(greetings(page)) == 1, greetings(page)

    # a second welcome (another bot deployment, a restarted bot): stored, not shown twice
    creds = bot_server.credentials()
    r = httpx.post(
        f"{bot_server.base}/api/v2/chats/{chat_id(page)}/messages",
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
