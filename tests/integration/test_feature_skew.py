"""Skew test: the live worker's features equal the batch recomputation from the raw event log.

Recorded sessions (page views with and without durations and categories, UTM tags, a referrer,
returning visitors, conversions with values, ended sessions) are sent through the public API;
the analytics worker follows the log and scores each visitor over the API, as in production.
Then the whole log is read back and :func:`scored_rows` recomputes every scored session's 17
inputs from the raw events that preceded the score. Both must agree exactly, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest

from guiders.analytics.event_rows import REPLAYED, scored_rows, training_rows
from guiders.analytics.features import UCI_FEATURES, FeatureValue
from guiders.analytics.model import ConversionModel, Prediction
from guiders.analytics.segments import Segment
from guiders.analytics.worker import AnalyticsWorker, WorkerConfig
from guiders.api.app import create_app
from guiders.client import GuidersClient, RetryPolicy
from guiders.client.models import Event
from guiders.config import Settings
from guiders.runtime import Runtime
from tests.integration.test_api import key_headers

AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
)
PAGES = (
    "/products/boots",
    "/products/socks",
    "/p/hat",
    "/blog/how-to-wax",
    "/about",
    "/cart",
    "/checkout",
    "/account/orders",
)
QUERIES = ("", "?utm_source=google&utm_medium=cpc", "?utm_source=newsletter&utm_medium=email")


class FixedModel:
    """Stands in for the conversion model: the skew test is about the inputs, not the score."""

    def predict(self, features: dict[str, FeatureValue], **_: Any) -> Prediction:
        probability = min(0.99, 0.05 + 0.03 * float(features["ProductRelated"]))
        return Prediction(probability, Segment.NURTURING, "conv-skew", [], datetime.now(UTC))


@pytest.fixture
async def client(
    runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> AsyncIterator[GuidersClient]:
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with GuidersClient(
        "http://testserver",
        demo["integrationKey"],
        transport=transport,
        retry=RetryPolicy(attempts=2, initial_s=0.01, max_wait_s=0.05),
    ) as c:
        yield c


def recorded_session(
    rng: random.Random, visitor: str, session: str, start: datetime
) -> list[dict[str, Any]]:
    """One session's tracking as a browser would send it (some fields left to the server)."""
    query = rng.choice(QUERIES)
    at = start
    out = []
    for i in range(rng.randint(1, 7)):
        url = rng.choice(PAGES) + (query if i == 0 else "")
        view: dict[str, Any] = {
            "visitorId": visitor,
            "sessionId": session,
            "type": "page_view",
            "url": url,
            "occurredAt": at.isoformat(),
        }
        if rng.random() < 0.6:
            view["durationMs"] = rng.randint(0, 240_000)
        if rng.random() < 0.5:
            view["pageCategory"] = (
                "product"
                if "/p" in url
                else "administrative"
                if "/cart" in url
                else "informational"
            )
        out.append(view)
        at += timedelta(seconds=rng.randint(5, 300))
    return out


async def catch_up(worker: AnalyticsWorker) -> None:
    while await worker.poll():
        pass


async def all_events(client: GuidersClient) -> list[Event]:
    found: list[Event] = []
    cursor = 0
    while True:
        page = await client.events(after_seq=cursor, types=list(REPLAYED), limit=1000)
        found.extend(page.events)
        if not page.has_more or not page.events:
            return found
        cursor = page.events[-1].seq


async def test_live_features_equal_the_batch_features_of_the_same_raw_events(
    api: httpx.AsyncClient, demo: dict[str, Any], client: GuidersClient
) -> None:
    rng = random.Random(20)
    worker = AnalyticsWorker(
        client,
        lambda: cast(ConversionModel, FixedModel()),
        config=WorkerConfig(rescore_window_s=1e9),
    )
    start = datetime.now(UTC) - timedelta(hours=2)
    scored = 0
    for n in range(10):
        agent = AGENTS[n % len(AGENTS)]
        for visit in range(1 + (n % 3)):  # returning visitors come back with the same fingerprint
            r = await api.post(
                "/api/auth/visitor/register",
                json={
                    "apiKey": demo["siteKey"],
                    "domain": "localhost",
                    "fingerprint": f"skew-{n}",
                    "userAgent": agent,
                },
            )
            v = r.json()
            headers = {"authorization": f"Bearer {v['accessToken']}"}
            views = recorded_session(
                rng, v["visitorId"], v["sessionId"], start + timedelta(minutes=7 * n + visit)
            )
            r = await api.post("/api/tracking/events", json={"events": views}, headers=headers)
            assert r.json()["processed"] == len(views), r.text
            if rng.random() < 0.4:
                r = await api.post(
                    f"/api/v2/visitors/{v['visitorId']}/conversions",
                    json={"value": round(rng.uniform(5, 200), 2), "sessionId": v["sessionId"]},
                    headers=key_headers(demo),
                )
                assert r.status_code == 201, r.text
            await catch_up(worker)  # the worker has folded everything before it scores
            assert await worker.score(v["visitorId"]) is not None
            scored += 1
            if rng.random() < 0.5:
                await api.post(
                    "/api/visitors/session/end", headers={"x-guiders-sid": v["sessionId"]}
                )

    pairs = scored_rows(await all_events(client))
    assert len(pairs) == scored
    differences = [
        (payload["visitorId"], name, payload["features"][name], batch[name])
        for payload, batch in pairs
        for name in UCI_FEATURES
        if payload["features"][name] != batch[name]
    ]
    assert differences == []
    # The inputs vary, so agreeing is not a coincidence of constant columns.
    assert len({payload["features"]["ProductRelated"] for payload, _ in pairs}) > 3
    assert any(payload["features"]["PageValues"] for payload, _ in pairs)
    assert {payload["features"]["VisitorType"] for payload, _ in pairs} == {
        "New_Visitor",
        "Returning_Visitor",
    }


async def test_training_rows_come_from_the_raw_events_alone(
    api: httpx.AsyncClient, demo: dict[str, Any], client: GuidersClient
) -> None:
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": "rows"},
    )
    v = r.json()
    headers = {"authorization": f"Bearer {v['accessToken']}"}
    views = recorded_session(random.Random(3), v["visitorId"], v["sessionId"], datetime.now(UTC))
    await api.post("/api/tracking/events", json={"events": views}, headers=headers)
    await api.post(
        f"/api/v2/visitors/{v['visitorId']}/conversions",
        json={"value": 30.0, "sessionId": v["sessionId"]},
        headers=key_headers(demo),
    )
    rows = training_rows(await all_events(client))
    assert len(rows) == 1 and rows[0]["Revenue"] is True
    assert sum(int(rows[0][c]) for c in ("Administrative", "Informational", "ProductRelated")) == (
        len(views)
    )
