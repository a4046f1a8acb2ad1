"""An admin exports a visitor's data from the console (a JSON download) and erases them; the
dashboard sets the retention period and shows the dry run."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.test_web import sign_in
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def an_admin_of_a_new_company(server: ServerProcess) -> dict[str, Any]:
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "guiders.cli",
            "company",
            "create",
            "--name",
            "Privacy Shop",
            "--domain",
            "privacy.localhost",
            "--admin-email",
            "dpo@privacy.localhost",
            "--data-dir",
            str(server.data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    tenant = json.loads(made.stdout)
    admin = {"email": "dpo@privacy.localhost", "password": "a-long-enough-password-7"}
    r = httpx.post(
        f"{server.base}{tenant['invitation']['acceptPath']}",
        json={"password": admin["password"], "name": "Dana DPO"},
    )
    assert r.status_code == 201, r.text
    return {**tenant, "admin": admin}


def test_an_admin_exports_and_erases_a_visitor_and_sets_retention(
    server: ServerProcess, browser: Any
) -> None:
    tenant = an_admin_of_a_new_company(server)
    v = httpx.post(
        f"{server.base}/api/auth/visitor/register",
        json={"apiKey": tenant["siteKey"], "domain": "privacy.localhost", "fingerprint": "dsr"},
    ).json()
    vh = {"authorization": f"Bearer {v['accessToken']}"}
    r = httpx.post(
        f"{server.base}/api/v2/chats/with-message",
        json={"firstMessage": {"content": "Please delete my data, order 4417"}},
        headers=vh,
    )
    assert r.status_code == 201, r.text

    errors: list[str] = []
    dialogs: list[str] = []
    page = browser.new_context(accept_downloads=True).new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))  # erasure's confirm
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    sign_in(page, server.base, "/console/", tenant["admin"])
    item = page.locator(".queue .item", has_text="order 4417")
    expect(item).to_have_count(1)
    item.click()
    expect(page.locator(".profile .privacy")).to_be_visible()

    with page.expect_download() as download:
        page.locator("button.export-data").click()
    path = download.value.path()
    exported = json.loads(open(path).read())  # noqa: SIM115 - read once
    assert exported["visitorId"] == v["visitorId"]
    assert "order 4417" in json.dumps(exported)

    page.locator("button.erase-visitor").click()
    expect(page.locator(".privacy-status")).to_have_text("Visitor erased.")
    assert dialogs and "Erase this visitor" in dialogs[0]
    key = httpx.post(
        f"{server.base}/api/user/auth/login",
        json=tenant["admin"],
    ).json()["access_token"]
    r = httpx.get(
        f"{server.base}/api/v2/privacy/visitors/{v['visitorId']}/export",
        headers={"authorization": f"Bearer {key}"},
    )
    assert r.status_code == 404

    page.goto(f"{server.base}/dashboard/")  # signed in already: the session is this tab's
    panel = page.locator(".retention")
    expect(panel).to_be_visible()
    panel.locator("input[name=retentionDays]").fill("45")
    panel.locator("button[type=submit]").click()
    expect(panel.locator(".retention-preview")).to_contain_text("Dry run")
    assert not errors, errors
