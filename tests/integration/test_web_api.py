"""The dashboard snapshot, the visitor's rating and the pages that serve the front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import BUYING_GUIDE_URL
from guiders.runtime import Runtime
from guiders.store.replay import replay_and_compare
from guiders.web import site
from tests.integration.test_api import key_headers, staff, visitor


@pytest.fixture
async def app(runtime: Runtime, settings: Settings) -> FastAPI:
    return create_app(settings, runtime)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_the_snapshot_is_for_supervisors_and_keys_only(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    url = "/api/v2/dashboard/snapshot"
    assert (await client.get(url)).status_code == 401
    v = await visitor(client, demo)
    assert (await client.get(url, headers=v["headers"])).status_code == 403
    agent = await staff(client, demo, 1)
    refused = await client.get(url, headers=agent)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert (await client.get(url, headers=key_headers(demo))).status_code == 200
    assert (await client.get(url, headers=await staff(client, demo, 0))).status_code == 200


async def test_the_snapshot_counts_chats_and_samples_traffic(
    app: FastAPI, client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    collector = app.state.metrics_collector
    collector.sample()
    v = await visitor(client, demo)
    for text in ("one", "two"):
        chat = (await client.post("/api/v2/chats", json={}, headers=v["headers"])).json()
        await client.post(
            f"/api/v2/chats/{chat['chatId']}/messages", json={"content": text}, headers=v["headers"]
        )
    await client.put(
        f"/api/v2/chats/{chat['chatId']}/close", json={"reason": "x"}, headers=v["headers"]
    )
    collector.sample()
    body = (await client.get("/api/v2/dashboard/snapshot", headers=key_headers(demo))).json()
    assert body["chatsByStatus"]["PENDING"] == 1 and body["chatsByStatus"]["CLOSED"] == 1
    assert body["queueLength"] == 1
    last = body["series"][-1]
    assert last["throughput"] > 0 and last["p95Ms"] > 0 and last["errorRate"] == 0
    assert body["conversions"]["visitors"] >= 1  # counted from visitor.registered events
    assert body["alerts"] == []


async def test_ratings_feed_the_csat_panel(client: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    url = "/api/v2/dashboard/snapshot"
    before = (await client.get(url, headers=key_headers(demo))).json()["csat"]
    count = before["count"] if before else 0
    v = await visitor(client, demo)
    for stars in (5, 3):
        chat = (await client.post("/api/v2/chats", json={}, headers=v["headers"])).json()
        await client.put(f"/api/v2/chats/{chat['chatId']}/close", json={}, headers=v["headers"])
        await client.put(
            f"/api/v2/chats/{chat['chatId']}/rating",
            json={"satisfaction": stars},
            headers=v["headers"],
        )
    after = (await client.get(url, headers=key_headers(demo))).json()["csat"]
    assert after["count"] == count + 2
    assert after["distribution"]["5"] >= 1 and after["distribution"]["3"] >= 1


async def test_a_visitor_rates_a_chat_an_agent_closed_once(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(client, demo)
    chat = (await client.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    url = f"/api/v2/chats/{chat}/rating"
    early = await client.put(url, json={"satisfaction": 4}, headers=v["headers"])
    assert early.status_code == 409 and early.json()["error"] == "invalid_transition"
    await client.put(f"/api/v2/chats/{chat}/close", json={}, headers=key_headers(demo))
    agent = await client.put(url, json={"satisfaction": 4}, headers=await staff(client, demo, 1))
    assert agent.status_code == 403
    bad = await client.put(url, json={"satisfaction": 9}, headers=v["headers"])
    assert bad.status_code == 422 and bad.json()["field"] == "satisfaction"
    rated = await client.put(url, json={"satisfaction": 4}, headers=v["headers"])
    assert rated.status_code == 200 and rated.json()["satisfactionRating"] == 4
    again = await client.put(url, json={"satisfaction": 5}, headers=v["headers"])
    assert again.status_code == 409
    other = await visitor(client, demo, fp="someone-else")
    assert (
        await client.put(url, json={"satisfaction": 1}, headers=other["headers"])
    ).status_code == 404


async def test_pages_say_how_to_build_when_the_front_end_is_missing(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(site, "STATIC", tmp_path / "nothing")
    for path in ("/", "/buying-guide", "/console/", "/dashboard/"):
        r = await client.get(path)
        assert r.status_code == 503 and "npm run build" in r.text
    js = await client.get("/widget.js")
    assert js.status_code == 503 and js.headers["content-type"].startswith("text/javascript")


async def test_the_shop_page_carries_the_site_key_and_assets_stay_in_their_folder(
    client: httpx.AsyncClient, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.js").write_text("1")
    (tmp_path / "secret.txt").write_text("no")
    (tmp_path / "index.html").write_text(f'<script data-site-key="{site.SITE_KEY_PLACEHOLDER}">')
    monkeypatch.setattr(site, "STATIC", tmp_path)
    page = await client.get("/")
    assert page.status_code == 200 and f'data-site-key="{demo["siteKey"]}"' in page.text
    assert (await client.get("/assets/a.js")).status_code == 200
    assert (await client.get("/assets/..%2Fsecret.txt")).status_code == 404
    assert (await client.get("/assets/%2e%2e/secret.txt")).status_code == 404


async def test_the_buying_guide_is_a_page_of_the_demo_shop(
    client: httpx.AsyncClient, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Where the demo's nurturing card leads (guiders.demo.BUYING_GUIDE_URL), with the widget."""
    guide = f'<h1>How to choose</h1><script data-site-key="{site.SITE_KEY_PLACEHOLDER}">'
    (tmp_path / "buying-guide.html").write_text(guide)
    monkeypatch.setattr(site, "STATIC", tmp_path)
    page = await client.get(BUYING_GUIDE_URL)
    assert page.status_code == 200 and f'data-site-key="{demo["siteKey"]}"' in page.text
    assert "How to choose" in page.text and "content-security-policy" in page.headers


async def test_replay_rebuilds_a_rating_given_after_close(
    client: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    v = await visitor(client, demo)
    chat = (await client.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    await client.put(f"/api/v2/chats/{chat}/close", json={}, headers=key_headers(demo))
    rated = await client.put(
        f"/api/v2/chats/{chat}/rating", json={"satisfaction": 3}, headers=v["headers"]
    )
    assert rated.status_code == 200
    report = await replay_and_compare(runtime.db)
    assert report.ok, report.lines()
