"""The agent's daily tools in a real browser: canned responses typed as /shortcut, a transfer
with a note and tags, the visitor's identity and side panel, alerts for new chats, and Markdown
that tries to run script staying inert in the widget and the console."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.test_web import sign_in, watch
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
HANDLE = re.compile(r"^Visitor \d{4}$")


def visitor_says(
    server: ServerProcess, browser: Any, text: str, errors: list[str], dialogs: list[str]
) -> Page:
    page = watch(browser.new_context().new_page(), dialogs, errors)
    page.goto(f"{server.base}/")
    page.click("#guiders-widget .launcher")
    page.fill("#guiders-widget input[aria-label=Message]", text)
    page.press("#guiders-widget input[aria-label=Message]", "Enter")
    expect(page.locator("#guiders-widget .log .mine .text", has_text=text[:12])).to_have_count(1)
    return page


def take(agent: Page, text: str) -> None:
    queued = agent.locator(".queue .item", has_text=text)
    expect(queued).to_have_count(1, timeout=60_000)  # a new chat reaches the queue live
    queued.locator("button.take").click()
    expect(agent.locator(".msgs .m.visitor .text", has_text=text)).to_have_count(1)


def test_canned_responses_are_typed_as_shortcuts_with_variables(
    server: ServerProcess, browser: Any
) -> None:
    creds = server.credentials()
    errors: list[str] = []
    dialogs: list[str] = []
    agent = watch(browser.new_context().new_page(), dialogs, errors)
    sign_in(agent, server.base, "/console/", creds["staff"][1])
    agent.click("button.canned-page")
    for shortcut, content in (
        ("greet", "Hello {visitor.name}, I am {agent.name}. **Welcome**!"),
        ("sig", "Anything else? - {agent.name}"),
    ):
        agent.fill("[aria-label=Shortcut]", shortcut)
        agent.fill("[aria-label=Content]", content)
        agent.click(".canned-form button[type=submit]")
        expect(agent.locator(f".canned-list tr[data-shortcut={shortcut}]")).to_have_count(1)
    # a bad shortcut shows the server's error next to the form
    agent.fill("[aria-label=Shortcut]", "no spaces")
    agent.fill("[aria-label=Content]", "x")
    agent.click(".canned-form button[type=submit]")
    expect(agent.locator(".canned-form .err")).to_contain_text("shortcut")
    agent.click("button.canned-page")

    visitor = visitor_says(server, browser, "Canned: where is my order?", errors, dialogs)
    take(agent, "Canned: where is my order?")
    # the visitor's stable handle, the same in the list, the chat and the side panel
    name = agent.locator(".chat .row b").first.inner_text()
    assert HANDLE.match(name), name
    expect(agent.locator(".visitor-panel .visitor-name")).to_have_text(name)
    expect(agent.locator(".mine .item b", has_text=name)).to_have_count(1)

    reply = agent.locator("input[aria-label=Reply]")
    reply.press_sequentially("/gr")
    expect(agent.locator(".canned-option")).to_have_count(1)
    reply.press("Tab")
    expect(reply).to_have_value("/greet ")
    reply.press_sequentially("/s")
    agent.locator(".canned-option", has_text="/sig").click()
    expect(reply).to_have_value("/greet /sig ")
    expect(agent.locator(".canned-preview")).to_contain_text(f"Hello {name}, I am Ben Turner.")
    reply.press("Enter")
    sent = f"Hello {name}, I am Ben Turner. Welcome! Anything else? - Ben Turner"
    log = visitor.locator("#guiders-widget .log")
    expect(log.locator(".theirs .text")).to_have_text([sent])
    expect(log.locator(".theirs .text strong")).to_have_text(["Welcome"])
    expect(agent.locator(".msgs .m.commercial .text")).to_have_text([sent])
    assert errors == [] and dialogs == [], (errors, dialogs)


def test_a_chat_is_handed_on_with_a_note_and_tagged(server: ServerProcess, browser: Any) -> None:
    creds = server.credentials()
    errors: list[str] = []
    dialogs: list[str] = []
    ben = watch(browser.new_context().new_page(), dialogs, errors)
    carla = watch(browser.new_context().new_page(), dialogs, errors)
    sign_in(ben, server.base, "/console/", creds["staff"][1])
    sign_in(carla, server.base, "/console/", creds["staff"][2])
    expect(carla.locator(".live")).to_have_text("live")
    visitor_says(server, browser, "Transfer: I need a refund", errors, dialogs)
    take(ben, "Transfer: I need a refund")

    ben.fill("[aria-label='Add tag']", "refund")
    ben.press("[aria-label='Add tag']", "Enter")
    expect(ben.locator(".tags .tag")).to_have_text(["refund×"])

    ben.click("button.transfer-open")
    option = ben.locator("[aria-label='Transfer to'] option", has_text="Carla Ruiz")
    expect(option).to_have_count(1)
    ben.select_option("[aria-label='Transfer to']", value=option.get_attribute("value"))
    ben.fill("[aria-label='Transfer note']", "Order 1234, wants the money back")
    ben.click(".transfer button[type=submit]")
    expect(ben.locator(".mine .item", has_text="refund")).to_have_count(0)

    mine = carla.locator(".mine .item", has_text="refund")
    expect(mine).to_have_count(1)
    mine.click()
    expect(carla.locator(".msgs .m.internal .text")).to_have_text(
        ["Transfer note: Order 1234, wants the money back"]
    )
    expect(carla.locator(".tags .tag")).to_have_text(["refund×"])
    carla.click("[aria-label='Remove tag refund']")
    expect(carla.locator(".tags .tag")).to_have_count(0)
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    types = [
        e["type"]
        for e in httpx.get(f"{server.base}/api/v2/events?limit=1000", headers=key).json()["events"]
    ]
    assert "chat.transferred" in types and "chat.untagged" in types
    assert errors == [] and dialogs == [], (errors, dialogs)


def test_new_chats_raise_alerts_and_the_side_panel_searches(
    server: ServerProcess, browser: Any
) -> None:
    creds = server.credentials()
    errors: list[str] = []
    dialogs: list[str] = []
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=server.base)
    agent = watch(context.new_page(), dialogs, errors)
    sign_in(agent, server.base, "/console/", creds["staff"][1])
    expect(agent.locator(".live")).to_have_text("live")
    agent.click("button.alerts")
    expect(agent.locator("button.alerts.on")).to_have_count(1)
    base_title = agent.title()
    visitor_says(server, browser, "Alerts: a new chat about marmalade", errors, dialogs)
    expect(agent).to_have_title(re.compile(r"^\(1\) "))
    take(agent, "marmalade")
    expect(agent).to_have_title(base_title)

    agent.fill("[aria-label='Search conversations']", "MARMALADE")
    agent.press("[aria-label='Search conversations']", "Enter")
    expect(agent.locator(".hits li")).to_have_count(1)
    expect(agent.locator(".hits .preview")).to_have_text(["Alerts: a new chat about marmalade"])
    assert errors == [] and dialogs == [], (errors, dialogs)


ATTACKS = [
    "[click me](javascript:alert(1))",
    "[data](data:text/html,<script>alert(2)</script>)",
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    '<a href="javascript:alert(3)" onclick="window.__pwned=3">html link</a>',
    "**bold** and *it* and [safe](https://example.com/docs)\n- one\n- two",
]


def test_markdown_that_tries_to_run_script_stays_inert(server: ServerProcess, browser: Any) -> None:
    creds = server.credentials()
    errors: list[str] = []
    dialogs: list[str] = []
    visitor = visitor_says(server, browser, "Markdown: hello", errors, dialogs)
    agent = watch(browser.new_context().new_page(), dialogs, errors)
    sign_in(agent, server.base, "/console/", creds["staff"][1])
    take(agent, "Markdown: hello")
    reply = agent.locator("input[aria-label=Reply]")
    box = "#guiders-widget input[aria-label=Message]"
    for attack in ATTACKS:
        visitor.fill(box, attack.replace("\n", " "))
        visitor.press(box, "Enter")
        reply.fill(attack.replace("\n", " "))
        reply.press("Enter")
    # every message arrived on both sides
    expect(visitor.locator("#guiders-widget .log .theirs .text")).to_have_count(len(ATTACKS))
    expect(agent.locator(".msgs .m.visitor .text")).to_have_count(len(ATTACKS) + 1)
    for page, scope in ((visitor, "#guiders-widget .log"), (agent, ".msgs")):
        area = page.locator(scope)
        assert area.locator("script").count() == 0
        assert area.locator("img").count() == 0
        assert area.locator("[onerror], [onclick]").count() == 0
        links = area.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs and all(h == "https://example.com/docs" for h in hrefs), hrefs
        for i in range(links.count()):
            assert links.nth(i).get_attribute("target") == "_blank"
            assert set((links.nth(i).get_attribute("rel") or "").split()) >= {
                "noopener",
                "noreferrer",
            }
        expect(area.locator("strong", has_text="bold").first).to_be_visible()
        expect(
            area.locator(".text", has_text="<script>window.__pwned = 1</script>").first
        ).to_be_visible()
        assert area.locator("a", has_text="click me").count() == 0
        assert page.evaluate("window.__pwned") is None
    visitor.locator("#guiders-widget .log .theirs .text", has_text="click me").first.click()
    agent.locator(".msgs .m.visitor .text", has_text="html link").first.click()
    assert visitor.evaluate("window.__pwned") is None and agent.evaluate("window.__pwned") is None
    assert dialogs == [], dialogs
    assert errors == [], errors
