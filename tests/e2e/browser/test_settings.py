"""The console's settings pages in a real browser: an admin changes a value, sees it take effect
in the widget (or the API the widget and bot read), and finds the change in the audit page; a
bad value shows its error next to the field; a stale form asks for a reload; a non-admin gets
"no access"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from playwright.sync_api import Page, expect

from guiders.config import Settings
from guiders.domain.company import StaffRole
from guiders.pipeline.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.e2e.browser.test_web import sign_in
from tests.e2e.browser.test_widget_bot import bot_server  # noqa: F401 - a fixture
from tests.e2e.server import ServerProcess, free_port
from tests.integration.test_company_webhooks import Receiver
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
ADMIN = {"email": "sofia@demo.guiders.local", "password": "admin-password-123"}


def add_admin(server: ServerProcess) -> dict[str, str]:
    """An admin in the demo company (the demo has a supervisor and agents only)."""
    from guiders.runtime import Runtime

    async def go() -> None:
        runtime = Runtime.build(Settings(data_dir=server.data_dir))
        try:
            if await _exists(runtime):
                return
            await runtime.services.tenancy.add_staff(
                UUID(server.credentials()["companyId"]),
                email=ADMIN["email"],
                name="Sofia Admin",
                role=StaffRole.ADMIN,
                password=ADMIN["password"],
            )
        finally:
            await runtime.db.dispose()

    async def _exists(runtime: Any) -> bool:
        async with runtime.services.uow() as uow:
            return await uow.tenancy.staff_by_email(ADMIN["email"]) is not None

    # Playwright's sync API runs an event loop in this thread: the set-up gets its own thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result()
    return ADMIN


def settings_page(browser: Any, server: ServerProcess, page_id: str, errors: list[str]) -> Page:
    page = browser.new_context().new_page()
    page.on("dialog", lambda d: d.accept())  # the revoke's confirm
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    sign_in(page, server.base, f"/console/#settings/{page_id}", add_admin(server))
    expect(page.locator(f".settings-page[data-page={page_id}]")).to_be_visible(timeout=15000)
    return page


def field(page: Page, name: str) -> Any:
    return page.locator(f".settings-page .field[data-name='{name}']")


def open_widget(browser: Any, server: ServerProcess) -> Page:
    visitor = browser.new_context(locale="en-GB").new_page()
    visitor.goto(f"{server.base}/")
    return visitor


def test_the_widget_page_previews_saves_and_the_widget_shows_it(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    page = settings_page(browser, server, "widget", errors)
    colour = field(page, "colour").locator("input")
    expect(colour).to_have_value("#2563eb")

    colour.fill("red")
    page.click(".settings-page button.save")
    error = field(page, "colour").locator(".field-error")
    expect(error).to_be_visible()
    expect(colour).to_have_attribute("aria-invalid", "true")

    colour.fill("#ff0066")
    field(page, "title").locator("input").fill("Talk to Demo")
    field(page, "launcher_text").locator("input").fill("Help")
    field(page, "greetings").locator("textarea").first.fill("Hello from the settings page")
    expect(page.locator(".widget-preview .preview-title")).to_have_text("Talk to Demo")
    expect(page.locator(".widget-preview .preview-greeting")).to_have_text(
        "Hello from the settings page"
    )
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_contain_text("revision 1")
    expect(error).to_have_count(0)
    page.screenshot(path=str(screenshots / "settings-widget.png"))

    visitor = open_widget(browser, server)
    launcher = visitor.locator("#guiders-widget .launcher")
    expect(launcher).to_have_text("Help", timeout=15000)
    launcher.click()
    expect(visitor.locator("#guiders-widget .head b")).to_have_text("Talk to Demo")
    expect(visitor.locator("#guiders-widget .head")).to_have_css(
        "background-color", "rgb(255, 0, 102)"
    )
    expect(visitor.locator("#guiders-widget .greeting")).to_have_text(
        "Hello from the settings page"
    )
    visitor.screenshot(path=str(screenshots / "settings-widget-visitor.png"))

    page.click(".settings-nav a[href='#settings/audit']")
    row = page.locator(".audit-log tr[data-section=widget]").first
    expect(row.locator(".who")).to_have_text("Sofia Admin")
    expect(row.locator(".what")).to_contain_text("colour")
    expect(row.locator(".diff")).to_contain_text("colour: #2563eb → #ff0066")
    expect(row.locator(".diff")).to_contain_text("en: Hello from the settings page")
    assert errors == []


def test_company_bot_routing_privacy_and_hours_save_and_show_field_errors(
    server: ServerProcess, browser: Any
) -> None:
    errors: list[str] = []
    page = settings_page(browser, server, "company", errors)
    zone = field(page, "time_zone").locator("input")
    zone.fill("Mars/Olympus")
    page.click(".settings-page button.save")
    expect(field(page, "time_zone").locator(".field-error")).to_contain_text("IANA")
    zone.fill("Europe/Madrid")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_be_visible()

    page.click(".settings-nav a[href='#settings/bot']")
    threshold = field(page, "answer_threshold").locator("input")
    threshold.fill("7")
    page.click(".settings-page button.save")
    expect(field(page, "answer_threshold").locator(".field-error")).to_be_visible()
    threshold.fill("0.7")
    field(page, "escalation_keywords").locator("input").fill("human, refund")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_be_visible()

    page.click(".settings-nav a[href='#settings/hours']")
    page.get_by_label("Always open").uncheck()
    page.get_by_label("Add a slot on Monday").click()
    page.get_by_label("Monday slot 1 end").fill("08:00")
    page.click(".settings-page button.save")
    monday = page.locator(".day[data-day=mon]")
    expect(monday.locator(".field-error")).to_contain_text("ends after it starts")
    page.get_by_label("Monday slot 1 end").fill("13:00")
    page.get_by_label("Add a slot on Monday").click()
    page.get_by_label("Monday slot 2 start").fill("15:00")
    page.get_by_label("Monday slot 2 end").fill("19:00")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_be_visible()

    page.click(".settings-nav a[href='#settings/routing']")
    field(page, "policy").locator("select").select_option("most_senior")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_be_visible()

    page.click(".settings-nav a[href='#settings/privacy']")
    field(page, "retention_days").locator("input").fill("0")
    page.click(".settings-page button.save")
    expect(field(page, "retention_days").locator(".field-error")).to_be_visible()
    field(page, "retention_days").locator("input").fill("90")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_be_visible()

    # What the widget and the bot read now
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}
    sections = {
        s["section"]: s["values"]
        for s in httpx.get(f"{server.base}/api/v2/settings", headers=key).json()["sections"]
    }
    assert sections["company"]["time_zone"] == "Europe/Madrid"
    assert sections["bot"]["answer_threshold"] == 0.7
    assert sections["bot"]["escalation_keywords"] == ["human", "refund"]
    assert sections["business_hours"]["week"]["mon"] == [
        {"start": "09:00:00", "end": "13:00:00"},
        {"start": "15:00:00", "end": "19:00:00"},
    ]
    assert sections["routing"]["policy"] == "most_senior"
    assert sections["privacy"]["retention_days"] == 90

    page.click(".settings-nav a[href='#settings/audit']")
    for section in ("company", "bot", "business_hours", "routing", "privacy"):
        expect(page.locator(f".audit-log tr[data-section={section}]").first).to_be_visible()
    assert errors == []


def test_a_stale_form_asks_for_a_reload(server: ServerProcess, browser: Any) -> None:
    errors: list[str] = []
    first = settings_page(browser, server, "privacy", errors)
    second = settings_page(browser, server, "privacy", errors)
    first.get_by_label("E-mail the transcript when a chat closes").check()
    first.click(".settings-page button.save")
    expect(first.locator(".settings-page .saved")).to_be_visible()
    second.click(".settings-page button.save")
    stale = second.locator(".settings-page .err.stale")
    expect(stale).to_contain_text("reload")
    stale.locator("button.reload").click()
    expect(stale).to_have_count(0)
    expect(second.get_by_label("E-mail the transcript when a chat closes")).to_be_checked()


def test_an_agent_gets_no_access(server: ServerProcess, browser: Any) -> None:
    page = browser.new_context().new_page()
    sign_in(page, server.base, "/console/#settings/widget", server.credentials()["staff"][1])
    expect(page.locator(".no-access")).to_contain_text("No access", timeout=15000)
    expect(page.locator(".settings-form")).to_have_count(0)
    # the way back to the chats; once there, no Settings button that leads only to "No access"
    page.click("button.settings-toggle")
    expect(page.get_by_role("heading", name=re.compile("Pending queue"))).to_be_visible()
    expect(page.locator("button.settings-toggle")).to_have_count(0)


def test_team_invites_changes_and_deactivates_members(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    page = settings_page(browser, server, "team", errors)
    invite = page.locator("form.invite")
    invite.locator("input[name=email]").fill("not-an-email")
    invite.locator("button[type=submit]").click()
    expect(invite.locator(".field[data-name=email] .field-error")).to_be_visible()
    invite.locator("input[name=email]").fill("dan@demo.guiders.local")
    invite.locator("button[type=submit]").click()
    link = page.locator(".invitation-link code")
    expect(link).to_contain_text("#invitation=")

    newcomer = browser.new_context().new_page()
    newcomer.goto(link.inner_text())
    newcomer.fill("input[name=name]", "Dan New")
    newcomer.fill("input[name=password]", "dan-password-123")
    newcomer.click("button[type=submit]")
    sign_in(
        newcomer,
        server.base,
        "/console/",
        {"email": "dan@demo.guiders.local", "password": "dan-password-123"},
    )
    expect(newcomer.locator(".top .who")).to_have_text("Dan New", timeout=15000)

    page.reload()
    ben = server.credentials()["staff"][1]
    row = page.locator(f"tr[data-member='{ben['email']}']")
    row.locator("input[name=maxChats]").fill("99")
    row.locator("button.save-member").click()
    expect(row.locator(".field-error")).to_be_visible()
    row.locator("input[name=maxChats]").fill("3")
    row.locator("input[name=skills]").fill("billing, sales")
    row.get_by_label(f"{ben['email']} is active").uncheck()
    row.locator("button.save-member").click()
    expect(page.locator(f"tr.inactive[data-member='{ben['email']}']")).to_have_count(1)
    page.screenshot(path=str(screenshots / "settings-team.png"))

    refused = browser.new_context().new_page()
    sign_in(refused, server.base, "/console/", ben)
    expect(refused.locator(".login-error")).to_contain_text("deactivated")

    page.click(".settings-nav a[href='#settings/audit']")
    expect(page.locator(".audit-log tr[data-type='staff.updated']").first).to_be_visible()
    assert errors == []


def test_site_keys_are_created_and_revoked(server: ServerProcess, browser: Any) -> None:
    errors: list[str] = []
    page = settings_page(browser, server, "sites", errors)
    form = page.locator("form.new-site")
    form.locator("input[name=name]").fill("Blog")
    form.locator("input[name=domain]").fill("blog.example")
    form.locator("input[name=aliases]").fill("bad host!")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field[data-name=aliases] .field-error")).to_be_visible()
    form.locator("input[name=aliases]").fill("news.example")
    form.locator("button[type=submit]").click()
    site = page.locator(".site[data-site='blog.example']")
    key = site.locator(".site-key")
    expect(key).to_contain_text("gsk_")
    site_key = key.inner_text()

    def register(host: str) -> int:
        return httpx.post(
            f"{server.base}/api/auth/visitor/register",
            json={"apiKey": site_key, "domain": host, "fingerprint": "browser-site"},
            headers={"origin": f"https://{host}"},
        ).status_code

    assert register("news.example") == 200
    site.locator("button.revoke").click()
    expect(page.locator(".site.revoked[data-site='blog.example']")).to_have_count(1)
    assert register("news.example") != 200
    page.click(".settings-nav a[href='#settings/audit']")
    expect(page.locator(".audit-log tr[data-type='site.revoked']").first).to_be_visible()
    assert errors == []


def test_the_bot_page_changes_what_the_bot_says(
    bot_server: ServerProcess,  # noqa: F811 - the fixture imported above
    browser: Any,
    screenshots: Path,
) -> None:
    errors: list[str] = []
    page = settings_page(browser, bot_server, "bot", errors)
    field(page, "name").locator("input").fill("Robin")
    welcome = field(page, "welcome")
    welcome.locator("textarea").first.fill("Welcome from the console, I am {bot}!")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_be_visible()

    visitor = open_widget(browser, bot_server)
    visitor.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    visitor.fill(box, "hello there")
    visitor.press(box, "Enter")
    bot = visitor.locator("#guiders-widget .log .theirs.ai .text")
    expect(bot.first).to_contain_text("Welcome from the console, I am Robin!", timeout=60000)
    visitor.screenshot(path=str(screenshots / "settings-bot-welcome.png"))
    page.click(".settings-nav a[href='#settings/audit']")
    expect(page.locator(".audit-log tr[data-section=bot]").first).to_contain_text("welcome")
    assert errors == []


@pytest.fixture(scope="module")
def pipeline_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("settings-pipeline"),
        pipeline=True,
        GUIDERS_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES="true",
    )
    proc.start()
    yield proc
    proc.stop()


def test_integrations_keep_secrets_masked_and_webhooks_deliver_with_a_log(
    pipeline_server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    receiver = Receiver(fail_first=0)
    try:
        errors: list[str] = []
        page = settings_page(browser, pipeline_server, "integrations", errors)
        page.click(".settings-page button.add-webhook")
        page.get_by_label("Webhook 1 name").fill("crm")
        page.get_by_label("Webhook 1 URL").fill("ftp://nowhere")
        page.get_by_label("Webhook 1 events").fill("chat.*")
        page.click(".settings-page .settings-form button.save")
        expect(page.locator(".webhook .field-error")).to_contain_text("pattern")
        page.get_by_label("Webhook 1 URL").fill(receiver.url)
        page.click(".settings-page .settings-form button.save")
        expect(page.locator(".settings-page .saved").first).to_be_visible()

        secrets = page.locator("form.secrets")
        secrets.get_by_label("Secret", exact=True).select_option("webhook:crm")
        secrets.get_by_label("Secret value").fill("whsec-browser-0123456789")
        secrets.locator("button.save-secret").click()
        masked = secrets.locator("tr[data-secret='webhook:crm'] .masked")
        expect(masked).to_be_visible()
        assert "whsec-browser-0123456789" not in masked.inner_text()

        visitor = open_widget(browser, pipeline_server)
        visitor.click("#guiders-widget .launcher")
        visitor.fill("#guiders-widget input[aria-label=Message]", "hello hooks")
        visitor.press("#guiders-widget input[aria-label=Message]", "Enter")
        row = page.locator(".delivery-log tr.delivered").first
        expect(row).to_contain_text("crm", timeout=30000)
        page.screenshot(path=str(screenshots / "settings-integrations.png"))
        sent, body = receiver.requests[0]
        assert verify(
            "whsec-browser-0123456789", sent[TIMESTAMP_HEADER], body, sent[SIGNATURE_HEADER]
        )

        page.click(".settings-nav a[href='#settings/audit']")
        expect(page.locator(".audit-log tr[data-section=integrations]").first).to_be_visible()
        expect(
            page.locator(".audit-log tr[data-type='company.secret_changed']").first
        ).to_be_visible()
        assert errors == []
    finally:
        receiver.close()


def test_pipeline_rules_are_validated_by_line_and_reach_the_pipeline(
    pipeline_server: ServerProcess, browser: Any
) -> None:
    errors: list[str] = []
    page = settings_page(browser, pipeline_server, "rules", errors)
    editor = page.locator("textarea.rules-yaml")
    expect(editor).to_have_value(re.compile("rules:"))
    bad = (
        "version: 1\nrules:\n  - name: broken\n    when:\n      event: [message.sent]\n"
        "    then:\n      - type: no_such_action\n"
    )
    editor.fill(bad)
    page.click(".settings-page button.validate")
    expect(page.locator(".rules-problems li").first).to_contain_text("Line 7")
    page.click(".settings-page button.save")
    expect(page.locator(".field[data-name=yaml] .field-error")).to_contain_text("line")
    good = (
        "version: 1\nrules:\n  - name: tag-refunds\n    when:\n      event: [message.sent]\n"
        "      keywords: [refund]\n    then:\n      - type: tag\n        tags: [refund]\n"
    )
    editor.fill(good)
    page.click(".settings-page button.validate")
    expect(page.locator(".rules-valid")).to_contain_text("1 rule")
    page.click(".settings-page button.save")
    expect(page.locator(".settings-page .saved")).to_contain_text("revision 1")
    followed = pipeline_server.data_dir / "pipeline-rules.console.yaml"
    eventually_sync(
        lambda: followed.is_file() and "tag-refunds" in followed.read_text(),
        timeout=30,
        what="the pipeline's rules file following the console",
    )
    assert errors == []


def test_smtp_set_in_the_console_sends_the_companys_mail_and_email_has_one_page(
    server: ServerProcess, browser: Any
) -> None:
    from tests.integration.test_mail import SmtpServer

    smtp = SmtpServer(free_port())
    smtp.start()
    try:
        errors: list[str] = []
        page = settings_page(browser, server, "integrations", errors)
        field(page, "smtp_host").locator("input").fill("127.0.0.1")
        field(page, "smtp_port").locator("input").fill(str(smtp.port))
        field(page, "smtp_security").locator("select").select_option("none")
        page.click(".settings-page .settings-form button.save")
        expect(field(page, "smtp_from").locator(".field-error")).to_contain_text("From address")
        field(page, "smtp_from").locator("input").fill("Acme Help <help@acme.example>")
        page.click(".settings-page .settings-form button.save")
        expect(page.locator(".settings-page .saved").first).to_be_visible()

        creds = server.credentials()
        with httpx.Client(base_url=server.base, timeout=10) as api:
            v = api.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "smtp-b"},
            ).json()
            contact = {"name": "Eva", "email": "eva-smtp@example.com", "emailConsent": True}
            r = api.patch(
                f"/api/v2/visitors/{v['visitorId']}",
                json=contact,
                headers={"authorization": f"Bearer {v['accessToken']}"},
            )
            assert r.status_code == 200, r.text
            body = {"visitorId": v["visitorId"], "subject": "From the console", "body": "Hi"}
            key = {"authorization": f"Bearer {creds['integrationKey']}"}
            assert api.post("/api/v2/mail/outbox", json=body, headers=key).status_code == 201
        eventually_sync(lambda: len(smtp.inbox.messages) == 1, what="the e-mail delivered")
        assert smtp.inbox.messages[0]["From"] == "Acme Help <help@acme.example>"

        page.click(".settings-nav a[href='#settings/email']")
        expect(
            page.locator(".settings-page[data-page=email] input[name=inboundDomain]")
        ).to_be_visible()
        expect(page.locator("input[name=transcriptOnClose]")).to_have_count(0)
        expect(page.locator("button.mail-settings-open")).to_have_count(0)
        assert errors == []
    finally:
        smtp.stop()
