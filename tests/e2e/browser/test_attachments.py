"""Attachments in a real browser: a visitor sends an image from the widget and the agent sees it
in the console; the agent sends a PDF back; HTML named .png is refused with a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.test_web import sign_in, watch
from tests.e2e.server import ServerProcess
from tests.integration.test_attachments import PDF, png
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_an_image_from_the_widget_is_seen_in_the_console_and_a_pdf_goes_back(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = server.credentials()
    dialogs: list[str] = []
    errors: list[str] = []
    visitor = watch(browser.new_context().new_page(), dialogs, errors)
    agent = watch(browser.new_context().new_page(), dialogs, errors)

    visitor.goto(f"{server.base}/")
    visitor.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    visitor.fill(box, "Here is a photo of the damage")
    visitor.press(box, "Enter")
    log = visitor.locator("#guiders-widget .log")
    expect(log.locator(".mine .text", has_text="photo of the damage")).to_have_count(1)
    picker = visitor.locator("#guiders-widget input[type=file]")
    picker.set_input_files({"name": "damage.png", "mimeType": "image/png", "buffer": png(40, 30)})
    shown = log.locator(".mine .attachment.image img")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("alt", "damage.png")
    eventually_sync(lambda: shown.evaluate("img => img.naturalWidth") == 40, what="the image drawn")

    # HTML dressed as an image is refused by its content, and nothing is sent
    html = b"<!doctype html><script>alert(1)</script>"
    picker.set_input_files({"name": "cat.png", "mimeType": "image/png", "buffer": html})
    expect(visitor.locator("#guiders-widget .error")).to_contain_text("PDF")
    expect(log.locator(".attachment")).to_have_count(1)

    sign_in(agent, server.base, "/console/", creds["staff"][1])
    queued = agent.locator(".queue .item", has_text="damage.png")  # the last message
    expect(queued).to_have_count(1)
    queued.locator("button.take").click()
    image = agent.locator(".msgs .m.visitor .attachment.image img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("alt", "damage.png")
    eventually_sync(lambda: image.evaluate("img => img.naturalWidth") == 40, what="the image drawn")
    agent.locator(".compose input[type=file]").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(agent.locator(".msgs .m.commercial .attachment.file")).to_contain_text("invoice.pdf")
    expect(log.locator(".theirs .attachment.file")).to_contain_text("invoice.pdf")
    agent.screenshot(path=str(screenshots / "console-attachment.png"))
    visitor.screenshot(path=str(screenshots / "widget-attachment.png"))
    assert dialogs == [], dialogs
    assert errors == [], errors
