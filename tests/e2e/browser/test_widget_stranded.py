"""The visitor is never stranded (issue 17), in a real browser against ``guiders up`` with the
bot: the AI disclosure before the first AI message, the page's language throughout, waiting
with a place in the queue, nobody online (the e-mail capture), outside business hours."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from playwright.sync_api import Page, expect

from guiders.config import Settings
from guiders.domain.company import StaffRole
from guiders.domain.settings import BotConfig
from tests.conftest import require_service
from tests.e2e.browser.conftest import STATIC
from tests.e2e.conftest import copy_demo_kb
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DISCLOSURE = BotConfig().disclosure
WIDGET = "#guiders-widget"
ADMIN = ("root@demo.guiders.local", "admin-password-123")


@pytest.fixture(scope="module")
def bot_server(
    tmp_path_factory: pytest.TempPathFactory, demo_kb_model: Path
) -> Iterator[ServerProcess]:
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    data = tmp_path_factory.mktemp("stranded")
    copy_demo_kb(demo_kb_model, data)  # trained once for the run: the server only loads it
    proc = ServerProcess(
        data,
        bot=True,
        GUIDERS_BOT_RESPONSE_DELAY_MS="0",
        GUIDERS_BOT_TYPING_MS_PER_CHAR="0",
    )
    proc.start(timeout=180)  # a loaded machine: the server and its bot take a while
    asyncio.run(_add_admin(data))

    def bot_ready() -> bool:  # /api/ready waits for the in-process bot's model
        return httpx.get(f"{proc.base}/api/ready", timeout=5).status_code == 200

    eventually_sync(bot_ready, timeout=300, interval=1, what="the bot (GET /api/ready)")
    yield proc
    proc.stop()
    shutil.rmtree(data / "models", ignore_errors=True)


async def _add_admin(data: Path) -> None:
    """An admin of the demo company (the demo seeds none), to change its settings."""
    from guiders.runtime import Runtime

    runtime = Runtime.build(Settings(data_dir=data))
    try:
        company = UUID(_credentials(data)["companyId"])
        await runtime.services.tenancy.add_staff(
            company, email=ADMIN[0], name="Root", role=StaffRole.ADMIN, password=ADMIN[1]
        )
    finally:
        await runtime.db.dispose()


def _credentials(data: Path) -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads((data / "demo-credentials.json").read_text())
    return loaded


def key(server: ServerProcess) -> dict[str, str]:
    return {"authorization": f"Bearer {server.credentials()['integrationKey']}"}


def everyone(server: ServerProcess, status: str) -> None:
    for member in server.credentials()["staff"]:
        if member.get("commercialId"):
            r = httpx.put(
                f"{server.base}/api/v2/commercials/{member['commercialId']}/status",
                json={"status": status},
                headers=key(server),
            )
            assert r.status_code == 200, r.text


def business_hours(server: ServerProcess, values: dict[str, Any]) -> None:
    login = httpx.post(
        f"{server.base}/api/user/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}
    )
    assert login.status_code == 200, login.text
    headers = {"authorization": f"Bearer {login.json()['access_token']}"}
    r = httpx.put(
        f"{server.base}/api/v2/settings/business_hours", json={"values": values}, headers=headers
    )
    assert r.status_code == 200, r.text


class ShopSite:
    """The customer's pages on their own loopback server (a page Playwright fulfils itself
    counts as a public page, and Chromium then blocks its socket to a local server)."""

    def __init__(self, server: ServerProcess) -> None:
        site_key = server.credentials()["siteKey"]

        def html(lang: str) -> bytes:
            return (
                f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
                f"<title>Shop</title></head><body><h1>Shop</h1><script "
                f"src='{server.base}/widget.js' data-site-key='{site_key}'></script></body></html>"
            ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                lang = self.path.strip("/").removesuffix(".html")
                self.send_response(200 if lang in ("en", "es") else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.end_headers()
                if lang in ("en", "es"):
                    self.wfile.write(html(lang))

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def shop(bot_server: ServerProcess) -> Iterator[ShopSite]:
    site = ShopSite(bot_server)
    yield site
    site.close()


def page_in(browser: Any, shop: ShopSite, lang: str, locale: str) -> Page:
    """A page of the site with ``<html lang=...>``, in a browser whose language is ``locale``."""
    context = browser.new_context(locale=locale, timezone_id="UTC")
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    page.goto(f"{shop.base}/{lang}.html")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def say(page: Page, text: str) -> None:
    box = page.locator(f"{WIDGET} .bar input[aria-label=Message]")
    box.fill(text)
    box.press("Enter")


def test_an_english_page_gets_english_throughout_and_the_disclosure_first(
    bot_server: ServerProcess, browser: Any, shop: ShopSite, screenshots: Path
) -> None:
    everyone(bot_server, "offline")
    page = page_in(browser, shop, "en", "es-ES")  # the page's lang beats the browser's
    page.click(f"{WIDGET} .launcher")
    log = page.locator(f"{WIDGET} .log")
    welcome = log.locator(".theirs.ai").first
    expect(welcome).to_contain_text("Hi there! I'm Guiders AI", timeout=60000)
    # the disclosure is the log's first item: shown before the first AI message
    first = log.locator(":scope > *").first
    expect(first).to_have_class("disclosure")
    expect(first).to_have_text(DISCLOSURE["en"])
    expect(welcome.locator(".ai-label")).to_have_text("AI")  # each AI message is labelled
    expect(page.locator(f"{WIDGET} .human")).to_have_text("Talk to a human")
    expect(page.locator(f"{WIDGET} .bar input[aria-label=Message]")).to_have_attribute(
        "placeholder", "Write a message…"
    )
    say(page, "how long does shipping take?")
    expect(log.locator(".theirs.ai")).to_have_count(2, timeout=30000)
    expect(log.locator(".theirs.ai .ai-label")).to_have_count(2)
    page.screenshot(path=str(screenshots / "widget-english-disclosure.png"))

    def recorded() -> bool:
        events = httpx.get(
            f"{bot_server.base}/api/v2/events?limit=1000", headers=key(bot_server)
        ).json()["events"]
        shown = [e for e in events if e["type"] == "ai.disclosure_shown"]
        return any(e["payload"]["text"] == DISCLOSURE["en"] for e in shown)

    eventually_sync(recorded, timeout=10, interval=0.2, what="the disclosure's event")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_spanish_page_gets_spanish(
    bot_server: ServerProcess, browser: Any, shop: ShopSite, screenshots: Path
) -> None:
    page = page_in(browser, shop, "es", "en-US")
    page.click(f"{WIDGET} .launcher")
    log = page.locator(f"{WIDGET} .log")
    expect(log.locator(".theirs.ai").first).to_contain_text(
        "¡Hola visitante! Soy Guiders AI", timeout=60000
    )
    expect(log.locator(".disclosure")).to_have_text(DISCLOSURE["es"])
    expect(log.locator(".theirs.ai .ai-label").first).to_have_text("IA")
    expect(page.locator(f"{WIDGET} .human")).to_have_text("Hablar con una persona")
    expect(page.locator(f"{WIDGET} .send")).to_have_text("Enviar")
    page.screenshot(path=str(screenshots / "widget-spanish.png"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_nobody_online_says_so_offers_the_email_and_waiting_shows_the_queue_place(
    bot_server: ServerProcess, browser: Any, shop: ShopSite, screenshots: Path
) -> None:
    everyone(bot_server, "offline")
    # someone asked for a person before this visitor: this one is second in the queue
    creds = bot_server.credentials()
    other = httpx.post(
        f"{bot_server.base}/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "first-in-line"},
    ).json()
    other_headers = {"authorization": f"Bearer {other['accessToken']}"}
    chat = httpx.post(f"{bot_server.base}/api/v2/chats", json={}, headers=other_headers).json()
    r = httpx.post(
        f"{bot_server.base}/api/v2/chats/{chat['chatId']}/request-agent", headers=other_headers
    )
    assert r.status_code == 200, r.text

    page = page_in(browser, shop, "en", "en-US")
    page.click(f"{WIDGET} .launcher")
    notice = page.locator(f"{WIDGET} .offline-notice")
    expect(notice).to_contain_text("Nobody from our team is online right now.", timeout=15000)
    expect(notice.locator(".email-capture")).to_be_visible()
    expect(page.locator(f"{WIDGET} .subtitle")).to_have_text("Nobody is online right now")
    page.screenshot(path=str(screenshots / "widget-nobody-online.png"))

    log = page.locator(f"{WIDGET} .log")
    expect(log.locator(".theirs.ai").first).to_be_visible(timeout=60000)  # the welcome
    page.click(f"{WIDGET} .human")
    waiting = page.locator(f"{WIDGET} .notice.waiting")
    expect(waiting).to_contain_text("You are number 2 in the queue.", timeout=15000)
    expect(waiting).to_contain_text("We can't estimate the wait yet.")  # no data: no guess
    expect(page.locator(f"{WIDGET} .subtitle")).to_have_text("Finding a person for you…")
    # a visitor message while waiting is never met with silence
    say(page, "tell me a joke about penguins")  # nothing the knowledge can answer
    expect(log.locator(".theirs.ai", has_text="still waiting for a person")).to_have_count(
        1, timeout=30000
    )
    expect(log.locator(".theirs.ai", has_text="still waiting for a person")).to_contain_text(
        "you're number 2 in the queue"
    )
    page.screenshot(path=str(screenshots / "widget-waiting.png"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_outside_business_hours_says_when_someone_is_back(
    bot_server: ServerProcess, browser: Any, shop: ShopSite, screenshots: Path
) -> None:
    everyone(bot_server, "online")  # people online, but the office is closed
    slot = [{"start": "09:00", "end": "09:30"}]
    week = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), slot)
    today = datetime.now(UTC).date().isoformat()
    business_hours(bot_server, {"always_open": False, "week": week, "holidays": [today]})
    try:
        page = page_in(browser, shop, "en", "en-US")
        page.click(f"{WIDGET} .launcher")
        notice = page.locator(f"{WIDGET} .offline-notice")
        expect(notice).to_contain_text("We're outside our business hours.", timeout=15000)
        expect(notice).to_contain_text("Someone will be back tomorrow at 09:00 AM.")
        expect(notice.locator(".email-capture")).to_be_visible()
        expect(page.locator(f"{WIDGET} .subtitle")).to_have_text("We're closed right now")
        page.screenshot(path=str(screenshots / "widget-closed.png"))
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        business_hours(bot_server, {"always_open": True})
        everyone(bot_server, "offline")
