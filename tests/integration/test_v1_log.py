"""A log written in the old (schema 1, wire-shaped) form still replays, reads and feeds the
pipeline after the upgrade, on SQLite and PostgreSQL.

The rows come from the code before the change (``tests/fixtures/v1_log/record.py``); they are
loaded into a database at migration 0004 and upgraded to head, as an operator's upgrade would.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from guiders.api.app import create_app
from guiders.client import GuidersClient, RetryPolicy
from guiders.config import Settings
from guiders.pipeline.dispatcher import Dispatcher
from guiders.pipeline.processor import Processor
from guiders.pipeline.reload import RulesWatcher
from guiders.pipeline.saga_api import ApiSagaStore
from guiders.pipeline.sources import LogSource
from guiders.runtime import Runtime
from guiders.sagas import SagaRunner
from guiders.store.migrate import upgrade
from guiders.store.replay import replay_and_compare
from guiders.store.tables import events
from tests.fixtures.v1_log import FIXTURE, load

RULES = """
rules:
  - name: refund-to-crm
    when: {event: [message.sent], sender: [visitor], keywords: [refund]}
    then:
      - {type: webhook, url: "http://crm.test/hook", secret: "webhook-secret", attempts: 1,
         body: {text: "{{ message }}", chat: "{{ chat.id }}", visitor: "{{ visitor.id }}"}}
  - name: agents-words
    when: {event: [message.sent], sender: [commercial]}
    then:
      - {type: webhook, url: "http://crm.test/hook", secret: "webhook-secret", attempts: 1,
         body: {text: "{{ message }}"}}
"""


@pytest.fixture
async def old_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The recorded database, upgraded from 0004 to head, served by today's code."""
    url, schema = settings.resolved_database_url, settings.database_schema
    settings.legacy_api_keys = True  # the recorded key has the shape keys had then
    await asyncio.to_thread(upgrade, url, "0004", schema=schema)
    runtime = Runtime.build(settings)
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(load)
    await runtime.db.engine.dispose()
    await asyncio.to_thread(upgrade, url, schema=schema)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def test_old_rows_are_schema_1_in_the_table_and_replay_to_the_same_state(
    old_runtime: Runtime,
) -> None:
    async with old_runtime.db.engine.connect() as conn:
        versions = {r[0] for r in await conn.execute(select(events.c.schema_version))}
    assert versions == {1}
    report = await replay_and_compare(old_runtime.db)
    assert report.ok, "\n".join(report.lines())
    assert report.rows["messages"] == 4 and report.events == len(FIXTURE["rows"]["events"])


async def test_the_events_api_returns_old_rows_as_domain_facts(
    old_runtime: Runtime, settings: Settings
) -> None:
    transport = httpx.ASGITransport(app=create_app(settings, old_runtime))
    key = {"authorization": f"Bearer {FIXTURE['demo']['integrationKey']}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        body = (await api.get("/api/v2/events?limit=1000", headers=key)).json()
    logged = body["events"]
    assert len(logged) == len(FIXTURE["rows"]["events"])
    assert {e["schemaVersion"] for e in logged} == {2}
    sent = [e["payload"] for e in logged if e["type"] == "message.sent"]
    assert [(m["sender_role"], m["kind"], m["internal"]) for m in sent] == [
        ("visitor", "text", False),
        ("ai", "ai-response", False),
        ("agent", "text", False),
        ("agent", "internal", True),
    ]
    assigned = next(e["payload"] for e in logged if e["payload"].get("to") == "ASSIGNED")
    assert "agent_id" in assigned and "commercialId" not in assigned
    for e in logged:
        assert not [k for k in e["payload"] if re.search("[a-z][A-Z]", k)], e["type"]


async def test_the_pipeline_reads_an_old_log_through_the_api(
    old_runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    received: list[dict[str, Any]] = []

    def hook(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(204)

    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    transport = httpx.ASGITransport(app=create_app(settings, old_runtime))
    async with GuidersClient(
        "http://t",
        FIXTURE["demo"]["integrationKey"],
        transport=transport,
        retry=RetryPolicy(attempts=2, initial_s=0.01, max_wait_s=0.05),
    ) as client:
        processor = Processor(
            client,
            RulesWatcher(rules),
            SagaRunner(ApiSagaStore(client), {}),
            dispatcher=Dispatcher(client, httpx.AsyncClient(transport=httpx.MockTransport(hook))),
            consumer="v1-log",
            attempts=1,
            backoff_s=0.01,
            include_automation=True,
        )
        source = LogSource(client, "v1-log", start_at_end=False)
        outcomes: list[Any] = []

        async def keep(event: dict[str, Any]) -> None:
            outcomes.append(await processor.process(event))

        while await source.pump(keep):
            pass
    texts = sorted(r["text"] for r in received)
    assert texts == ["Ben here, sorry about that", "Hello, I want a refund", "check the order"]
    refund = next(r for r in received if "refund" in r["text"])
    assert refund["chat"] == FIXTURE["ids"]["chatId"]
    assert refund["visitor"] == FIXTURE["ids"]["visitorId"]
    assert not [o for o in outcomes if o.status == "parked"]
