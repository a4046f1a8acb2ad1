"""The widget, the agent console and the dashboard in a real browser against a real server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
XSS = "<img src=x onerror=alert(1)>"


def watch(page: Page, dialogs: list[str], errors: list[str]) -> Page:
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Expected 4xx (a visitor without a score yet) are not errors; a 5xx or a script error is.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and errors.append(m.text)
        ),
    )
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    return page


def sign_in(page: Page, base: str, path: str, staff: dict[str, Any]) -> None:
    page.goto(f"{base}{path}")
    page.fill("input[name=email]", staff["email"])
    page.fill("input[name=password]", staff["password"])
    page.click("button[type=submit]")


def test_visitor_and_agent_hold_a_conversation_rendered_as_text(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = server.credentials()
    ben = creds["staff"][1]
    dialogs: list[str] = []
    errors: list[str] = []
    visitor = watch(browser.new_context().new_page(), dialogs, errors)
    agent = watch(browser.new_context().new_page(), dialogs, errors)

    visitor.goto(f"{server.base}/")
    visitor.click("#guiders-widget .launcher")
    log = visitor.locator("#guiders-widget .log")
    visitor.fill("#guiders-widget input[aria-label=Message]", "Hi, do you ship to Spain?")
    visitor.press("#guiders-widget input[aria-label=Message]", "Enter")
    expect(log.locator(".mine .text", has_text="ship to Spain")).to_have_count(1)
    expect(log.locator(".mine.pending")).to_have_count(0)

    sign_in(agent, server.base, "/console/", ben)
    queued = agent.locator(".queue .item", has_text="ship to Spain")
    expect(queued).to_have_count(1)
    queued.locator("button.take").click()
    expect(agent.locator(".mine .item")).to_have_count(1)
    # the chat's status reads as a word, in the list and the header, never the API's capitals
    expect(agent.locator(".mine .item small")).to_have_text(re.compile(r"^(Assigned|Active)$"))
    expect(agent.locator(".chat .chat-status")).to_have_text(re.compile(r"^(Assigned|Active) · "))
    expect(agent.locator(".msgs .m.visitor .text")).to_have_text(["Hi, do you ship to Spain?"])
    expect(visitor.locator("#guiders-widget .subtitle")).to_have_text(
        "You are chatting with Ben Turner"
    )

    reply = agent.locator("input[aria-label=Reply]")
    reply.press_sequentially("Yes")
    expect(visitor.locator("#guiders-widget .typing")).to_contain_text("typing")
    reply.fill(XSS)
    reply.press("Enter")
    expect(log.locator(".theirs .text")).to_have_text([XSS])
    visitor.fill("#guiders-widget input[aria-label=Message]", XSS)
    visitor.press("#guiders-widget input[aria-label=Message]", "Enter")
    expect(agent.locator(".msgs .m.visitor .text").last).to_have_text(XSS)

    agent.check(".compose input[type=checkbox]")
    reply.fill("VIP: offer free returns")
    reply.press("Enter")
    expect(agent.locator(".msgs .m.internal .text")).to_have_text(["VIP: offer free returns"])
    agent.uncheck(".compose input[type=checkbox]")

    # Away and back: what was sent meanwhile arrives once, by resume from the last seq.
    visitor.evaluate("GuidersWidget.disconnect()")
    reply.fill("Sent while you were away")
    reply.press("Enter")
    expect(agent.locator(".msgs .m.commercial .text").last).to_have_text("Sent while you were away")
    visitor.evaluate("GuidersWidget.connect()")
    expect(log.locator(".text", has_text="while you were away")).to_have_count(1)
    # One more live message: the socket delivers in order, so a duplicate from the resume would
    # be shown before it arrives.
    reply.fill("Anything else?")
    reply.press("Enter")
    expect(log.locator(".text").last).to_have_text("Anything else?")
    expect(log.locator(".text", has_text="while you were away")).to_have_count(1)
    expect(log.locator(".text")).to_have_count(5)
    expect(log.locator("text=VIP: offer free returns")).to_have_count(0)

    for page in (visitor, agent):
        assert page.locator("img").count() == 0
    visitor.screenshot(path=str(screenshots / "widget-conversation.png"))
    agent.screenshot(path=str(screenshots / "console-conversation.png"))

    # A reload is the same visitor and the same chat, with every message once.
    visitor.reload()
    visitor.click("#guiders-widget .launcher")
    expect(log.locator(".text")).to_have_count(5)

    agent.fill("input[aria-label=Resolution]", "answered")
    agent.click("button.close-chat")
    expect(visitor.locator("#guiders-widget .rate .star")).to_have_count(5)
    visitor.screenshot(path=str(screenshots / "widget-rating-prompt.png"))
    visitor.click("#guiders-widget button.star[aria-label='4 of 5']")
    expect(visitor.locator("#guiders-widget .thanks")).to_be_visible()
    expect(agent.locator(".chat .empty", has_text="answered · rated 4/5")).to_be_visible()
    visitor.screenshot(path=str(screenshots / "widget-rated.png"))
    assert dialogs == [], dialogs
    assert errors == [], errors


def test_visitor_asks_for_a_human_then_ends_and_rates_the_chat(
    server: ServerProcess, browser: Any
) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{server.base}/")
    page.click("#guiders-widget .launcher")
    page.click("#guiders-widget button.human")
    expect(page.locator("#guiders-widget .subtitle")).to_have_text("Finding a person for you…")
    agent = browser.new_context().new_page()
    carla = server.credentials()["staff"][2]
    sign_in(agent, server.base, "/console/", {**carla, "password": "wrong"})
    expect(agent.locator(".login-error")).not_to_be_empty()
    sign_in(agent, server.base, "/console/", carla)
    agent.select_option("select[aria-label='My status']", "away")
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}

    def carla_status() -> str:
        listed = httpx.get(f"{server.base}/api/v2/commercials", headers=key).json()["data"]
        return str(next(c["status"] for c in listed if c["id"] == carla["commercialId"]))

    eventually_sync(lambda: carla_status() == "away", timeout=5, what="Carla's status: away")
    agent.select_option("select[aria-label='My status']", "online")
    expect(agent.locator("select[aria-label='My status']")).to_have_value("online")
    # asking for a person puts the chat ahead (HIGH); URGENT waits for the SLA clock
    urgent = agent.locator(".queue .item", has=agent.locator(".prio.HIGH"))
    expect(urgent).to_have_count(1)
    page.click("#guiders-widget button.end")
    page.click("#guiders-widget button.star[aria-label='2 of 5']")
    expect(page.locator("#guiders-widget .thanks")).to_be_visible()
    expect(urgent).to_have_count(0)
    chat_id = page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('guiders:') && k !== 'guiders:fp'))).chatId"
    )
    token = agent.evaluate("JSON.parse(sessionStorage.getItem('guiders:staff')).access")
    chat = httpx.get(
        f"{server.base}/api/v2/chats/{chat_id}", headers={"authorization": f"Bearer {token}"}
    ).json()
    assert chat["status"] == "CLOSED" and chat["satisfactionRating"] == 2


STATE = """() => JSON.parse(localStorage.getItem(Object.keys(localStorage)
              .find(k => k.startsWith('guiders:') && k !== 'guiders:fp')) || '{}')"""


def widget_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(STATE)
    return state


def test_an_agent_sees_live_visitors_and_invites_one_to_chat(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    visitor_context = browser.new_context()
    visitor = visitor_context.new_page()
    visitor.goto(f"{server.base}/#shoes")
    expect(visitor.locator("#guiders-widget .launcher")).to_be_visible()
    visitor.wait_for_function("() => Object.keys(localStorage).length > 1")
    visitor_id = widget_state(visitor)["visitorId"]
    agent = browser.new_context().new_page()
    sign_in(agent, server.base, "/console/", server.credentials()["staff"][2])
    row = agent.locator(f".visitor-row[data-visitor='{visitor_id}']")
    expect(row.locator(".page")).to_have_text("Demo Shop · Guiders")
    expect(row.locator(".segment")).to_have_text("no score")
    row.locator("button.invite").click()
    greeting = visitor.locator("#guiders-widget .log .theirs .text")
    expect(greeting).to_have_text(
        ["Hi! I'm Carla Ruiz from the team. Can I help you find anything?"]
    )
    expect(visitor.locator("#guiders-widget .subtitle")).to_have_text(
        "You are chatting with Carla Ruiz"
    )
    expect(agent.locator(".mine .item")).to_have_count(1)
    agent.screenshot(path=str(screenshots / "console-live-visitors.png"))
    visitor.screenshot(path=str(screenshots / "widget-invited.png"))
    visitor_context.close()
    expect(row).to_have_count(0)


def test_nurturing_content_shows_as_a_card_with_only_safe_links(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{server.base}/")
    page.click("#guiders-widget .launcher")
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('guiders:') "
        "&& k !== 'guiders:fp' && JSON.parse(localStorage[k]).chatId)"
    )
    chat = widget_state(page)["chatId"]
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}
    for title, url in (
        ("Sizing guide", "https://example.com/sizes"),
        ("Bad", "javascript:alert(1)"),
    ):
        r = httpx.post(
            f"{server.base}/api/v2/chats/{chat}/messages",
            json={
                "content": f"{title}: find your fit",
                "metadata": {"nurturing": True, "title": title, "url": url},
            },
            headers=key,
        )
        assert r.status_code == 201, r.text
    cards = page.locator("#guiders-widget .card.nurturing")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator("b")).to_have_text("Sizing guide")
    expect(cards.nth(0).locator("a")).to_have_attribute("href", "https://example.com/sizes")
    expect(cards.nth(1).locator("a")).to_have_count(0)

    # The nurturing strategy's content, as a score puts the visitor in that segment.
    scored = httpx.put(
        f"{server.base}/api/v2/visitors/{widget_state(page)['visitorId']}/prediction",
        json={"conversionProbability": 0.05, "segment": "nurturing", "modelVersion": "test"},
        headers=key,
    )
    assert scored.status_code == 200, scored.text
    expect(cards).to_have_count(3)
    expect(cards.nth(2).locator("b")).not_to_be_empty()
    page.screenshot(path=str(screenshots / "widget-nurturing.png"))
    # In the demo its "Read more" leads to the shop's buying guide, a page of the demo itself.
    more = cards.nth(2).locator("a")
    expect(more).to_have_attribute("href", "/buying-guide")
    with page.context.expect_page() as opened:
        more.click()
    guide = opened.value
    expect(guide.locator("h1")).to_have_text("How to choose: our buying guide")
    expect(guide.locator("#guiders-widget .launcher")).to_be_visible()
    assert httpx.get(f"{server.base}/buying-guide").status_code == 200


def test_a_send_whose_reply_was_lost_is_retried_without_a_duplicate(
    server: ServerProcess, browser: Any
) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{server.base}/")
    page.click("#guiders-widget .launcher")
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('guiders:') "
        "&& k !== 'guiders:fp' && JSON.parse(localStorage[k]).chatId)"
    )

    def stored_then_lost(route: Any) -> None:
        route.fetch()  # the server stores the message ...
        route.abort()  # ... and the browser never hears back

    pattern = "**/api/v2/chats/*/messages"
    page.route(pattern, stored_then_lost)
    page.evaluate("GuidersWidget.disconnect()")  # nor does the socket tell it
    box = "#guiders-widget input[aria-label=Message]"
    page.fill(box, "Did this arrive?")
    page.press(box, "Enter")
    retry = page.locator("#guiders-widget .msg.failed button.retry")
    expect(retry).to_be_visible()
    page.unroute(pattern)
    retry.click()
    log = page.locator("#guiders-widget .log")
    expect(log.locator(".mine:not(.pending):not(.failed) .text")).to_have_text(["Did this arrive?"])
    page.evaluate("GuidersWidget.connect()")
    expect(page.locator("#guiders-widget .offline")).to_have_count(0)
    state = widget_state(page)
    # A live message after the resume: delivered in order, so a replayed duplicate comes first.
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}
    marker = httpx.post(
        f"{server.base}/api/v2/chats/{state['chatId']}/messages",
        json={"content": "It did."},
        headers=key,
    )
    assert marker.status_code == 201, marker.text
    expect(log.locator(".text")).to_have_text(["Did this arrive?", "It did."])
    listed = httpx.get(
        f"{server.base}/api/v2/chats/{state['chatId']}/messages",
        headers={"authorization": f"Bearer {state['accessToken']}"},
    ).json()["messages"]
    assert [m["content"] for m in listed] == ["Did this arrive?", "It did."]


def test_a_chat_closed_while_the_visitor_was_away_asks_for_a_rating_on_return(
    server: ServerProcess, browser: Any
) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{server.base}/")
    page.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    page.fill(box, "I'll be right back")
    page.press(box, "Enter")
    expect(page.locator("#guiders-widget .mine:not(.pending)")).to_have_count(1)
    page.evaluate("GuidersWidget.disconnect()")
    state = widget_state(page)
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}
    url = f"{server.base}/api/v2/chats/{state['chatId']}"
    assert httpx.put(f"{url}/close", json={}, headers=key).status_code == 200
    page.reload()
    page.click("#guiders-widget .launcher")
    expect(page.locator("#guiders-widget .text")).to_have_text(["I'll be right back"])
    page.click("#guiders-widget button.star[aria-label='3 of 5']")
    expect(page.locator("#guiders-widget .thanks")).to_be_visible()
    assert httpx.get(url, headers=key).json()["satisfactionRating"] == 3
    page.reload()
    page.click("#guiders-widget .launcher")
    expect(page.locator("#guiders-widget input[aria-label=Message]")).to_be_visible()
    page.wait_for_function(
        f"() => {{ const s = ({STATE})(); return s.chatId && s.chatId !== '{state['chatId']}'; }}"
    )


def test_pages_carry_a_content_security_policy(server: ServerProcess) -> None:
    for path in ("/", "/buying-guide", "/console/", "/dashboard/"):
        csp = httpx.get(f"{server.base}{path}").headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp


def test_dashboard_renders_its_charts_with_data(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    creds = server.credentials()
    visitor = httpx.post(
        f"{server.base}/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "dash"},
    ).json()
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    chat = httpx.post(f"{server.base}/api/v2/chats", json={}, headers=vh).json()["chatId"]
    closed = httpx.put(
        f"{server.base}/api/v2/chats/{chat}/close", json={"satisfaction": 5}, headers=vh
    )
    assert closed.status_code == 200
    errors: list[str] = []
    page = watch(browser.new_context().new_page(), [], errors)
    sign_in(page, server.base, "/dashboard/", creds["staff"][0])
    for panel in ("p95", "throughput", "errors", "messages"):
        expect(page.locator(f"[data-panel={panel}]")).not_to_have_attribute("data-points", "0")
    expect(page.locator("[data-panel=chats]")).to_have_attribute("data-points", "6")
    expect(page.locator("[data-panel=csat] h3")).to_contain_text("/ 5 from")
    painted = page.evaluate(
        """() => [...document.querySelectorAll('[data-source] canvas')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })"""
    )
    # the bot is off here; segments exist only if an earlier test in this module scored a visitor
    optional = page.locator("[data-panel=segments], [data-panel=ai-confidence]").count()
    assert len(painted) == 7 + optional and all(n > 100 for n in painted), painted
    # AI, answers from documents (no question asked here) and one of segments/confidence
    expect(page.locator(".nodata", has_text="no data yet")).to_have_count(3 - optional)
    expect(page.locator("[data-panel=revenue] h3")).to_contain_text("conversion rate")
    alert = page.locator("[data-panel=alerts] li[data-rule=HighResponseTime]")
    expect(alert).to_contain_text("WARNING")
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)
    page.click("button[data-range='7 days']")  # the stored points (GET /history)
    expect(page.locator("button[data-range='7 days']")).to_be_disabled()
    expect(page.locator(".grid[data-source]")).to_have_attribute("data-source", "history")
    expect(page.locator("[data-panel=throughput]")).not_to_have_attribute("data-points", "0")
    page.screenshot(path=str(screenshots / "dashboard-week.png"), full_page=True)
    assert errors == [], errors


def test_a_agent_is_refused_the_team_dashboard(server: ServerProcess, browser: Any) -> None:
    """The page gives an agent their own view (test_dashboard_figures.py); the API still
    refuses them the team's figures."""
    page = browser.new_context().new_page()
    sign_in(page, server.base, "/dashboard/", server.credentials()["staff"][1])
    expect(page.locator("[data-view=own]")).to_be_visible()
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('guiders:staff')).access")
    refused = httpx.get(
        f"{server.base}/api/v2/dashboard/snapshot", headers={"authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403


def test_the_admin_opens_the_console_away_and_takes_chats_only_once_online(
    server: ServerProcess, browser: Any
) -> None:
    """docs/settings.md, "Who takes chats": the demo's Olga is not handed visitors."""
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    olga = creds["admin"]
    for member in creds["staff"]:
        r = httpx.put(
            f"{server.base}/api/v2/commercials/{member['commercialId']}/status",
            json={"status": "offline"},
            headers=key,
        )
        assert r.status_code == 200, r.text
    console = browser.new_context().new_page()
    sign_in(console, server.base, "/console/", olga)
    status = console.locator("select[aria-label='My status']")
    expect(status).to_have_value("away")

    v = httpx.post(
        f"{server.base}/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "olga-test"},
    ).json()
    chat = httpx.post(
        f"{server.base}/api/v2/chats/with-message",
        json={"firstMessage": {"content": "Is anyone there?"}},
        headers={"authorization": f"Bearer {v['accessToken']}"},
    ).json()["chatId"]
    r = httpx.post(
        f"{server.base}/api/v2/chats/{chat}/handoff",
        json={"reason": "agent_requested", "summary": "asks for a person", "language": "en"},
        headers=key,
    )
    assert r.status_code == 202, r.text

    def state() -> tuple[str, str | None]:
        body = httpx.get(f"{server.base}/api/v2/chats/{chat}", headers=key).json()
        return body["status"], (body.get("assignedCommercial") or {}).get("id")

    def queued() -> bool:
        page = httpx.get(f"{server.base}/api/v2/chats/{chat}/messages?limit=50", headers=key)
        return any(m["metadata"].get("isEscalationPending") for m in page.json()["messages"])

    # the hand-off found nobody to take it, with Olga's console open, and queued it
    eventually_sync(queued, timeout=30, what="the hand-off's queued message")
    expect(console.locator(f".queue .item[data-chat='{chat}']")).to_have_count(1)
    assert state() == ("PENDING", None)
    status.select_option("online")  # she says she takes chats: the queued one comes to her
    eventually_sync(
        lambda: state()[1] == olga["commercialId"], timeout=30, what="the chat assigned to Olga"
    )
