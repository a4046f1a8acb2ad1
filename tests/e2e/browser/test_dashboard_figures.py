"""The dashboard for the people who read it, in a real browser: an admin sees response times,
per-agent rows, CSV export and an axis labelled with the hour; an agent gets their own view,
with no request refused on any refresh."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.test_web import sign_in, watch
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _answered_chat(server: ServerProcess, fp: str, rating: int | None) -> None:
    creds = server.credentials()
    ben = creds["staff"][1]
    visitor = httpx.post(
        f"{server.base}/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": fp},
    ).json()
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    login = httpx.post(
        f"{server.base}/api/user/auth/login",
        json={"email": ben["email"], "password": ben["password"]},
    ).json()
    bh = {"authorization": f"Bearer {login['access_token']}"}
    chat = httpx.post(f"{server.base}/api/v2/chats", json={}, headers=vh).json()["chatId"]
    httpx.put(f"{server.base}/api/v2/chats/{chat}/assign/{ben['commercialId']}", headers=bh)
    r = httpx.post(
        f"{server.base}/api/v2/chats/{chat}/messages", json={"content": "hello"}, headers=bh
    )
    assert r.status_code == 201
    if rating:
        closed = httpx.put(
            f"{server.base}/api/v2/chats/{chat}/close", json={"satisfaction": rating}, headers=vh
        )
        assert closed.status_code == 200


def test_an_admin_reads_response_times_per_agent_and_exports_csv(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    _answered_chat(server, "fig-admin-1", 5)
    _answered_chat(server, "fig-admin-2", 3)
    errors: list[str] = []
    refused: list[str] = []
    page = watch(browser.new_context(accept_downloads=True).new_page(), [], errors)
    # a supervisor's dashboard asks only for what a supervisor may read (the retention panel
    # is an admin's: asking for it was a 403 in the log of every supervisor)
    page.on("response", lambda r: r.status in (401, 403) and refused.append(r.url))
    sign_in(page, server.base, "/dashboard/", server.credentials()["staff"][0])
    times = page.locator("[data-panel=response-times]")
    expect(times.locator("tr[data-row=first-response] td").nth(1)).to_contain_text(" s")
    ben = server.credentials()["staff"][1]["commercialId"]
    row = page.locator(f"[data-panel=agents] tr[data-agent='{ben}']")
    expect(row).to_contain_text("Ben Turner")
    expect(row).to_contain_text("4.0 / 5 (2)")
    with page.expect_download() as got:
        page.click("[data-panel=agents] button[data-csv=agents]")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text())))
    assert rows[0][:2] == ["agent", "chats"]
    assert any(r[0] == "Ben Turner" and r[1] == "2" and float(r[4]) == 4.0 for r in rows[1:]), rows
    # the live axis starts with the hour: HH:MM:SS, never minutes and seconds alone
    p95 = page.locator("[data-panel=throughput]")
    expect(p95).not_to_have_attribute("data-points", "0")
    first, last = p95.get_attribute("data-first-label"), p95.get_attribute("data-last-label")
    assert first and last and all(re.fullmatch(r"\d{2}:\d{2}:\d{2}", v) for v in (first, last))
    with page.expect_download() as got:
        page.click("[data-panel=throughput] button[data-csv=throughput]")
    line = Path(got.value.path()).read_text().splitlines()[1]
    assert re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", line), line
    page.screenshot(path=str(screenshots / "dashboard-figures.png"), full_page=True)
    assert refused == [], refused
    assert errors == [], errors


def test_an_agent_gets_their_own_view_and_no_refusals(
    server: ServerProcess, browser: Any, screenshots: Path
) -> None:
    _answered_chat(server, "fig-agent-1", None)
    refused: list[str] = []
    errors: list[str] = []
    page = watch(browser.new_context().new_page(), [], errors)
    page.on("response", lambda r: r.status in (401, 403) and refused.append(r.url))
    creds = server.credentials()
    sign_in(page, server.base, "/dashboard/", creds["staff"][1])
    expect(page.locator("[data-view=own]")).to_be_visible()
    expect(page.locator(".figures")).to_have_attribute("data-scope", "own")
    rows = page.locator("[data-panel=agents] tr[data-agent]")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ben Turner")
    expect(page.locator("[data-panel=throughput]")).to_have_count(0)
    page.click("button[data-days='30']")
    expect(page.locator("button[data-days='30']")).to_be_disabled()
    expect(rows).to_have_count(1)
    page.screenshot(path=str(screenshots / "dashboard-agent.png"), full_page=True)
    assert refused == [], refused
    assert errors == [], errors
