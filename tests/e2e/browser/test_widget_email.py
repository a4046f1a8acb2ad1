"""Nobody online: the visitor leaves an e-mail in the widget, an agent replies after they left,
the reply is e-mailed (real SMTP to a local sink), the visitor answers by e-mail (real SMTP to
the server's inbound endpoint) and, from the e-mailed link in a fresh browser, finds the whole
conversation in the widget."""

from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import require_service
from tests.e2e.browser.conftest import STATIC
from tests.e2e.server import ServerProcess, free_port
from tests.integration.test_mail import SmtpServer
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DOMAIN = "reply.localhost.test"
STATE = """() => JSON.parse(localStorage.getItem(Object.keys(localStorage)
      .find(k => k.startsWith('guiders:') && k !== 'guiders:fp')))"""


@pytest.fixture
def mail_world(tmp_path: Path) -> Iterator[tuple[ServerProcess, SmtpServer, int]]:
    require_service("the built front end (make test builds web/)", (STATIC / "widget.js").is_file())
    sink = SmtpServer(free_port())
    sink.start()
    port, inbound = free_port(), free_port()
    proc = ServerProcess(
        tmp_path,
        port=port,
        GUIDERS_SMTP_HOST="127.0.0.1",
        GUIDERS_SMTP_PORT=str(sink.port),
        GUIDERS_MAIL_POLL_S="0.1",
        GUIDERS_INBOUND_SMTP_PORT=str(inbound),
        GUIDERS_INBOUND_MAIL_DOMAIN=DOMAIN,
        GUIDERS_CHAT_PAGE_URL=f"http://127.0.0.1:{port}/",
    )
    proc.start(timeout=180)  # a loaded machine: the first start builds the knowledge index
    try:
        yield proc, sink, inbound
    finally:
        proc.stop()
        sink.stop()


def test_nobody_online_the_email_reply_comes_back_into_the_chat(
    mail_world: tuple[ServerProcess, SmtpServer, int], browser: Any, screenshots: Path
) -> None:
    server, sink, inbound = mail_world
    visit = browser.new_context()
    page = visit.new_page()
    page.goto(f"{server.base}/")
    page.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    page.fill(box, "Do you ship to Chile?")
    page.press(box, "Enter")
    # nobody is online: the hand-off (what the bot asks for; the bot is off here) finds no
    # agent, the visitor is told they are queued, and the widget offers e-mail
    page.click("#guiders-widget button.human")
    expect(page.locator("#guiders-widget .mine:not(.pending) .text")).to_have_count(1)
    state = page.evaluate(STATE)
    handoff = httpx.post(
        f"{server.base}/api/v2/chats/{state['chatId']}/handoff",
        json={"reason": "visitor asked for a person", "language": "en"},
        headers={"authorization": f"Bearer {server.credentials()['integrationKey']}"},
    )
    assert handoff.status_code == 202, handoff.text
    line = page.locator("#guiders-widget .email-capture")
    expect(line).to_be_visible(timeout=30_000)
    page.screenshot(path=str(screenshots / "widget-email-line.png"))
    page.fill("#guiders-widget .email-capture input[type=email]", "not an address")
    page.click("#guiders-widget .email-capture input[name=consent]")
    page.click("#guiders-widget .email-save")
    expect(line.locator(".error")).to_contain_text("check the e-mail address")
    page.fill("#guiders-widget .email-capture input[type=email]", "vera@example.org")
    page.click("#guiders-widget .email-save")
    expect(line).to_have_count(0)
    page.screenshot(path=str(screenshots / "widget-email-captured.png"))
    visit.close()  # the visitor leaves

    supervisor = next(s for s in server.credentials()["staff"] if s["role"] == "supervisor")
    login = httpx.post(
        f"{server.base}/api/user/auth/login",
        json={"email": supervisor["email"], "password": supervisor["password"]},
    )
    agent = {"authorization": f"Bearer {login.json()['access_token']}"}
    consents = httpx.get(
        f"{server.base}/api/v2/visitors/{state['visitorId']}/email-consents", headers=agent
    )
    assert [c["consent"] for c in consents.json()["consents"]] == [True]
    assert "E-mail me the replies" in consents.json()["consents"][0]["consentText"]

    def visitor_gone() -> bool:
        r = httpx.get(f"{server.base}/api/presence/chat/{state['chatId']}", headers=agent)
        return not r.json()["participants"][0]["online"]

    eventually_sync(visitor_gone, timeout=15, interval=0.2, what="the visitor's socket closed")
    r = httpx.post(
        f"{server.base}/api/v2/chats/{state['chatId']}/messages",
        json={"content": "Yes, in 5 days."},
        headers=agent,
    )
    assert r.status_code == 201, r.text
    eventually_sync(
        lambda: any("replied to your chat" in str(m["Subject"]) for m in sink.inbox.messages),
        timeout=20,
        what="the reply e-mail",
    )
    mail = next(m for m in sink.inbox.messages if "replied to your chat" in str(m["Subject"]))
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"(http://127\.0\.0\.1:\d+/#guiders-chat=\S+)", body)
    assert link is not None, body
    reply_to = re.sub(r"\s+", "", str(mail["Reply-To"]))

    answer = EmailMessage()
    answer["From"] = "Vera <vera@example.org>"
    answer["To"] = reply_to
    answer["Subject"] = "Re: " + str(mail["Subject"])
    answer["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    answer.set_content("Perfect, thank you!\n\nOn Mon, Ana wrote:\n> Yes, in 5 days.")
    with smtplib.SMTP("127.0.0.1", inbound, timeout=10) as client:
        client.send_message(answer)

    # the e-mailed link, in another browser: the whole conversation, the answer included
    fresh = browser.new_context().new_page()
    fresh.goto(link.group(1))
    log = fresh.locator("#guiders-widget .log")
    expect(log.locator(".theirs .text").last).to_have_text("Yes, in 5 days.", timeout=60_000)
    expect(log.locator(".mine .text")).to_have_text(
        ["Do you ship to Chile?", "Perfect, thank you!"], timeout=15_000
    )
    assert "guiders-chat" not in fresh.url
    fresh.screenshot(path=str(screenshots / "widget-email-resumed.png"))
