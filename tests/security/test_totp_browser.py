"""In a real browser: an agent turns on two-factor sign-in in the console and signs in with a
code; a new admin joins through an invitation link."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import browser, server  # noqa: F401 - fixtures
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_an_agent_turns_on_totp_and_signs_in_with_a_code(
    server: ServerProcess,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    member = server.credentials()["staff"][2]
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{server.base}/console/")
    page.fill("input[name=email]", member["email"])
    page.fill("input[name=password]", member["password"])
    page.click("button[type=submit]")
    page.click("button.security")
    page.click("button.totp-start")
    secret = page.locator(".totp-secret").inner_text()
    assert page.locator(".otpauth-uri").inner_text().startswith("otpauth://totp/")
    totp = pyotp.TOTP(secret)
    page.fill(".two-factor input[name=code]", totp.now())
    page.click(".two-factor button[type=submit]")
    expect(page.locator(".two-factor .recovery-codes")).to_be_visible()
    expect(page.locator(".totp-state")).to_have_text("On · 10 recovery codes left")
    page.click(".top button:has-text('Sign out')")

    page.fill("input[name=email]", member["email"])
    page.fill("input[name=password]", member["password"])
    page.click("button[type=submit]")
    code_box = page.locator("input[name=code]")
    expect(code_box).to_be_visible()
    # the code just used is spent: the next time step's code (accepted for clock drift)
    code_box.fill(totp.at(time.time() + 30))
    page.click("button[type=submit]")
    expect(page.locator(".top .who")).to_have_text(member["name"])
    assert errors == [], errors


def test_an_invited_admin_joins_through_the_link(
    server: ServerProcess,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "guiders.cli", "company", "create", "--name", "Gamma",
         "--domain", "gamma.example", "--admin-email", "admin@gamma.example",
         "--data-dir", str(server.data_dir), "--base-url", server.base],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    link = json.loads(out.stdout)["invitation"]["link"]
    page = browser.new_context().new_page()
    page.goto(link)
    page.fill("input[name=name]", "Gia Admin")
    page.fill("input[name=password]", "a long enough password")
    page.click("button[type=submit]")
    page.fill("input[name=email]", "admin@gamma.example")
    page.fill("input[name=password]", "a long enough password")
    page.click("button[type=submit]")
    expect(page.locator(".top .who")).to_have_text("Gia Admin")
