"""What a person trying the console met (docs/web.md, "The agent console"): an agent who opens a
queued chat is offered *Take* and an internal note, not a reply box the server refuses; a send
that fails says why where the agent looks and keeps what they wrote; the audit reads as words,
not JSON; the Knowledge page says it is loading rather than "no documents"; a link to a settings
page opens it in an open console; and the demo shop fits a phone, so the launcher is reachable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.browser.test_web import sign_in, watch
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WIDGET = "#guiders-widget"


def visitor_writes(browser: Any, server: ServerProcess, text: str, errors: list[str]) -> Any:
    page = watch(browser.new_context().new_page(), [], errors)
    page.goto(f"{server.base}/")
    page.click(f"{WIDGET} .launcher")
    box = page.locator(f"{WIDGET} input[aria-label=Message]")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(f"{WIDGET} .mine:not(.pending) .text")).to_have_count(1)
    return page


def test_an_agent_takes_a_queued_chat_before_replying_and_may_leave_a_note_meanwhile(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    visitor = visitor_writes(browser, server, "Queued: is the Trail Runner waterproof?", errors)
    agent = watch(browser.new_context().new_page(), [], errors)
    sign_in(agent, server.base, "/console/", server.credentials()["staff"][2])
    agent.locator(".queue .item", has_text="Trail Runner waterproof").click()

    # not hers yet: no reply box the server would refuse, no close, but Take and a note
    offer = agent.locator(".take-first")
    expect(offer).to_contain_text("take it to reply")
    expect(agent.locator("button.close-chat")).to_have_count(0)
    note = agent.locator(".compose input[type=checkbox]")
    expect(note).to_be_checked()
    expect(note).to_be_disabled()
    reply = agent.locator("input[aria-label=Reply]")
    reply.fill("Check the stock before answering")
    reply.press("Enter")
    expect(agent.locator(".msgs .m.internal .text")).to_have_text(
        ["Check the stock before answering"]
    )
    agent.screenshot(path=str(screenshots / "console-queued-chat.png"))

    offer.locator("button.take").click()
    expect(offer).to_have_count(0)
    expect(note).not_to_be_checked()
    reply.fill("Yes, it is waterproof.")
    reply.press("Enter")
    expect(visitor.locator(f"{WIDGET} .log .theirs .text")).to_have_text(["Yes, it is waterproof."])
    expect(visitor.locator(f"{WIDGET} .log", has_text="Check the stock")).to_have_count(0)
    agent.fill("input[aria-label=Resolution]", "answered")
    agent.click("button.close-chat")
    expect(agent.locator(".chat .empty", has_text="Closed · answered")).to_be_visible()
    expect(agent.locator(".err.toast")).to_have_count(0)
    assert errors == [], errors


def test_a_refused_send_shows_why_and_keeps_the_agents_text(
    server: ServerProcess, browser: Any
) -> None:
    errors: list[str] = []
    visitor_writes(browser, server, "Refused: where is my parcel?", errors)
    agent = browser.new_context().new_page()
    sign_in(agent, server.base, "/console/", server.credentials()["staff"][1])
    agent.locator(".queue .item", has_text="where is my parcel").locator("button.take").click()

    def refuse(route: Route) -> None:
        route.fulfill(
            status=503,
            content_type="application/json",
            json={"error": "unavailable", "message": "The server is busy, try again"},
        )

    agent.route("**/api/v2/chats/*/messages", refuse)
    reply = agent.locator("input[aria-label=Reply]")
    reply.fill("It left the warehouse this morning")
    reply.press("Enter")
    toast = agent.locator(".err.toast[role=alert]")
    expect(toast).to_contain_text("The server is busy, try again")
    expect(reply).to_have_value("It left the warehouse this morning")
    toast.locator("button[aria-label=Dismiss]").click()
    expect(toast).to_have_count(0)

    agent.unroute("**/api/v2/chats/*/messages")
    reply.press("Enter")
    expect(agent.locator(".msgs .m.commercial .text")).to_have_text(
        ["It left the warehouse this morning"]
    )
    expect(reply).to_have_value("")


def test_the_audit_reads_as_words_and_a_settings_link_opens_in_the_open_console(
    server: ServerProcess, browser: Any
) -> None:
    errors: list[str] = []
    page = watch(browser.new_context().new_page(), [], errors)
    sign_in(page, server.base, "/console/", server.credentials()["admin"])
    expect(page.locator(".top .who")).to_be_visible()
    page.evaluate("location.hash = '#settings/audit'")
    created = page.locator(".audit-log tr[data-type='staff.created']").first
    expect(created.locator(".what")).to_contain_text("Team member added")
    expect(created.locator(".diff")).to_contain_text("role: ")
    expect(created.locator(".diff")).not_to_contain_text('{"')
    expect(created.locator(".diff")).not_to_contain_text("user id")
    expect(page.locator(".audit-log tr[data-type='site.created'] .diff").first).to_contain_text(
        "domain: localhost"
    )
    # the team's table stays inside its card (its Save buttons stuck out on a laptop)
    page.click(".settings-nav a[href='#settings/team']")
    save = page.locator(".members button.save-member").first
    expect(save).to_be_visible()
    card, button = page.locator(".settings-form.team").bounding_box(), save.bounding_box()
    assert card and button and button["x"] + button["width"] <= card["x"] + card["width"]
    assert errors == [], errors


def test_the_knowledge_page_says_loading_until_it_knows_the_sources(
    server: ServerProcess, browser: Any
) -> None:
    page = browser.new_context().new_page()
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/v2/knowledge/sources", hold)
    sign_in(page, server.base, "/console/", server.credentials()["admin"])
    expect(page.locator(".top .who")).to_be_visible()
    page.evaluate("location.hash = '#settings/knowledge'")
    expect(page.locator(".settings-page .loading")).to_have_text("Loading…")
    expect(page.locator(".settings-page", has_text="No documents yet")).to_have_count(0)
    released = True
    for route in held:
        route.continue_()
    expect(page.locator(".settings-page h2", has_text="Sources")).to_have_text(
        re.compile(r"Sources \(\d+\)")
    )
    expect(page.locator(".settings-page .loading")).to_have_count(0)


def test_the_demo_shop_fits_a_phone_and_its_launcher_opens_the_chat(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    context = browser.new_context(
        viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True
    )
    page = watch(context.new_page(), [], errors)
    page.goto(f"{server.base}/")
    # nothing wider than the screen: a fixed launcher stays on it, not under the page's footer
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click(f"{WIDGET} .launcher")
    box = page.locator(f"{WIDGET} input[aria-label=Message]")
    box.fill("Hello from a phone")
    box.press("Enter")
    expect(page.locator(f"{WIDGET} .mine:not(.pending) .text")).to_have_text(["Hello from a phone"])
    page.screenshot(path=str(screenshots / "demo-shop-phone.png"))
    assert errors == [], errors


def test_the_widget_is_used_from_the_keyboard_and_its_buttons_look_what_they_are(
    server: ServerProcess, browser: Any
) -> None:
    errors: list[str] = []
    page = watch(browser.new_context().new_page(), [], errors)
    page.goto(f"{server.base}/")
    launcher = page.locator(f"{WIDGET} .launcher")
    launcher.focus()
    page.keyboard.press("Enter")
    # the cursor is in the message box: type, Enter sends
    box = page.locator(f"{WIDGET} input[aria-label=Message]")
    expect(box).to_be_focused()
    page.keyboard.type("Typed without the mouse")
    page.keyboard.press("Enter")
    expect(page.locator(f"{WIDGET} .mine:not(.pending) .text")).to_have_text(
        ["Typed without the mouse"]
    )
    # asked once, "Talk to a human" is off and looks it
    human = page.locator(f"{WIDGET} button.human")
    human.click()
    expect(human).to_be_disabled()
    colour = "el => getComputedStyle(el).color"
    assert human.evaluate(colour) != page.locator(f"{WIDGET} button.end").evaluate(colour)
    # ended, the transcript link under the stars looks like the widget's other links
    page.click(f"{WIDGET} button.end")
    transcript = page.locator(f"{WIDGET} .rate button.transcript-send")
    expect(transcript).to_be_visible()
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderStyle]"
    assert transcript.evaluate(style) == ["rgba(0, 0, 0, 0)", "none"]
    # Escape closes the panel and gives the focus back to the launcher
    transcript.focus()
    page.keyboard.press("Escape")
    expect(page.locator(f"{WIDGET} .panel")).to_have_count(0)
    expect(launcher).to_be_focused()
    assert errors == [], errors
