"""The widget as a visitor on a phone and in Spanish finds it: with nobody online, the notices
and the e-mail line stack above the conversation, and the conversation must stay readable; every
text is in the page's language; the panel can be closed and a file attached from the keyboard."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.test_web import watch
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WIDGET = "#guiders-widget"
# The demo page says lang="en"; this makes it Spanish before the widget reads it.
SPANISH_PAGE = """new MutationObserver(() => {
  const html = document.documentElement;
  if (html && html.lang !== 'es') html.lang = 'es';
}).observe(document, {childList: true, subtree: true})"""


def nobody_can_answer(page: Page, server: ServerProcess, text: str) -> None:
    """The visitor writes, asks for a person and, nobody being online, is offered e-mail."""
    page.goto(f"{server.base}/")
    page.click(f"{WIDGET} .launcher")
    box = page.locator(f"{WIDGET} .bar input:not([type=file])")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(f"{WIDGET} .mine:not(.pending) .text")).to_have_count(1)
    page.click(f"{WIDGET} button.human")
    chat = page.evaluate(
        """() => JSON.parse(localStorage.getItem(Object.keys(localStorage)
           .find(k => k.startsWith('guiders:') && k !== 'guiders:fp'))).chatId"""
    )
    handoff = httpx.post(
        f"{server.base}/api/v2/chats/{chat}/handoff",
        json={"reason": "visitor asked for a person", "language": "es"},
        headers={"authorization": f"Bearer {server.credentials()['integrationKey']}"},
    )
    assert handoff.status_code == 202, handoff.text
    expect(page.locator(f"{WIDGET} .email-capture").first).to_be_visible()


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_on_a_phone_in_spanish_the_chat_fills_the_screen_and_stays_readable(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    context.add_init_script(SPANISH_PAGE)
    page = watch(context.new_page(), [], errors)
    nobody_can_answer(page, server, "¿Hacéis envíos a Chile?")

    capture = page.locator(f"{WIDGET} .email-capture").first
    expect(capture.locator(".email-title")).to_contain_text("Déjanos tu e-mail")
    expect(capture.locator(".consent")).to_contain_text("Enviadme por e-mail")
    expect(capture.locator("button.email-save")).to_have_text("Enviádmelo por e-mail")
    expect(capture.locator("button.email-skip")).to_have_text("No, gracias")
    expect(page.locator(f"{WIDGET} button.transcript-send")).to_have_text("Enviar transcripción")
    # the settings' default title is English: the page's title (data-title) shows instead
    expect(page.locator(f"{WIDGET} .head b")).to_have_text("Demo Shop")
    page.click(f"{WIDGET} button.email-save")
    expect(capture.locator(".error")).to_have_text("Revisa la dirección de e-mail.")

    # the panel is the whole screen; the conversation keeps room under the notices
    panel = box(page, f"{WIDGET} .panel")
    assert panel["x"] == 0 and panel["y"] == 0, panel
    assert panel["width"] == 390 and panel["height"] == 844, panel
    log = box(page, f"{WIDGET} .log")
    assert log["height"] >= 140, log
    bar = box(page, f"{WIDGET} .bar")
    assert bar["y"] + bar["height"] <= 844, bar
    # the launcher would cover the send bar: the header's button closes instead
    expect(page.locator(f"{WIDGET} .launcher")).to_be_hidden()
    page.screenshot(path=str(screenshots / "widget-phone-es.png"))

    # a keyboard user reaches the file picker (it was display:none, out of the tab order)
    attach = page.locator(f"{WIDGET} .attach input[type=file]")
    expect(attach).to_have_attribute("aria-label", "Adjuntar una imagen o un PDF")
    attach.focus()
    assert (
        page.evaluate(
            "() => document.querySelector('#guiders-widget').shadowRoot.activeElement?.type"
        )
        == "file"
    )

    page.click(f"{WIDGET} .head-close")
    expect(page.locator(f"{WIDGET} .panel")).to_have_count(0)
    expect(page.locator(f"{WIDGET} .launcher")).to_be_visible()
    assert errors == [], errors


def test_on_a_laptop_the_email_line_leaves_room_for_the_conversation(
    server: ServerProcess, browser: Any
) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB").new_page()
    nobody_can_answer(page, server, "Do you ship to Chile?")
    panel = box(page, f"{WIDGET} .panel")
    assert panel["height"] >= 560, panel
    assert box(page, f"{WIDGET} .log")["height"] >= 140
    expect(page.locator(f"{WIDGET} .email-capture .email-title").first).to_contain_text(
        "Leave your e-mail"
    )
    # on a wide screen the launcher stays where it was and closes the panel too
    page.click(f"{WIDGET} .launcher")
    expect(page.locator(f"{WIDGET} .panel")).to_have_count(0)


def test_the_launcher_appears_in_the_companys_look_and_never_changes_under_the_pointer(
    server: ServerProcess, browser: Any
) -> None:
    """A launcher drawn in the defaults and redrawn when the look arrived (the icon becoming the
    demo's "Chat", or moving to the other side) lost a click pressed during the redraw: the
    panel stayed shut. It now appears once, in the company's look."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    errors: list[str] = []
    watch(page, [], errors)
    held: list[Any] = []
    page.route("**/api/v2/settings/visitor", lambda route: held.append(route))
    page.goto(f"{server.base}/")
    deadline = time.monotonic() + 30
    while not held:
        assert time.monotonic() < deadline, "the widget never asked for the company's look"
        page.wait_for_timeout(20)
    launcher = page.locator(f"{WIDGET} .launcher")
    expect(launcher).to_have_count(0)
    for route in held:
        route.continue_()
    expect(launcher).to_have_text("Chat")
    launcher.click()
    expect(page.locator(f"{WIDGET} .panel")).to_be_visible()
    assert errors == [], errors
