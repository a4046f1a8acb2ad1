"""The stream processor against the real API (SQLite and PostgreSQL) and real Redis: rules
fire the right actions once, failing events are parked and retried, and two workers split a
Redis stream with nothing handled twice and nothing lost."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from guiders.api.app import create_app
from guiders.client import GuidersClient, RetryPolicy
from guiders.config import Settings
from guiders.pipeline.dispatcher import Dispatcher
from guiders.pipeline.processor import Processor, SagaHeld, rules_saga_id, saga_context
from guiders.pipeline.reload import RulesWatcher
from guiders.pipeline.saga_api import ApiSagaStore
from guiders.pipeline.sources import LogSource, RedisStreamSource, store_position
from guiders.pipeline.webhooks import verify
from guiders.runtime import Runtime
from guiders.sagas import SagaRunner, SagaState
from tests.integration.test_api import key_headers, visitor
from tests.waiting import eventually

RULES = """
rules:
  - name: refund-is-urgent
    when: {event: [message.sent], sender: [visitor], keywords: [refund]}
    then:
      - {type: set_priority, priority: URGENT}
      - {type: tag, tags: [billing]}
      - {type: notify_agents, template: "Refund asked in {{ chat.id }}"}
      - {type: send_message, template: "An agent will look at your refund, {{ urgency }}"}
      - {type: webhook, url: "http://crm.test/hook", secret: "webhook-secret", attempts: 1,
         body: {text: "{{ message }}"}}
"""


class Hooks:
    """A webhook receiver behind httpx's MockTransport; ``fail`` makes it answer 500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fail:
            return httpx.Response(500)
        headers = request.headers
        assert verify(
            "webhook-secret",
            headers["x-guiders-timestamp"],
            request.content,
            headers["x-guiders-signature"],
        )
        self.received.append(
            {"key": headers["x-guiders-idempotency-key"], **json.loads(request.content)}
        )
        return httpx.Response(204)


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


def make_processor(
    client: GuidersClient,
    tmp_path: Path,
    hooks: Hooks,
    consumer: str = "pipeline",
    lease_s: float = 30.0,
) -> Processor:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    http = httpx.AsyncClient(transport=httpx.MockTransport(hooks))
    return Processor(
        client,
        RulesWatcher(rules),
        SagaRunner(ApiSagaStore(client), {}, lease_s=lease_s),
        dispatcher=Dispatcher(client, http),
        consumer=consumer,
        attempts=2,
        backoff_s=0.01,
    )


async def _say(api: httpx.AsyncClient, v: dict[str, Any], chat_id: str, text: str) -> None:
    r = await api.post(
        f"/api/v2/chats/{chat_id}/messages", json={"content": text}, headers=v["headers"]
    )
    assert r.status_code == 201, r.text


async def test_rules_fire_the_right_actions_once_even_when_events_are_redelivered(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any], tmp_path: Path
) -> None:
    hooks = Hooks()
    processor = make_processor(client, tmp_path, hooks)
    source = LogSource(client, "pipeline")
    assert await source.pump(processor.process) == 0  # starts at the log's end
    v = await visitor(api, demo, fp="rules")
    chat_id = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    await _say(api, v, chat_id, "Hello there")
    await _say(api, v, chat_id, "I want a REFUND now!")
    outcomes: list[Any] = []

    async def keep(event: dict[str, Any]) -> None:
        outcomes.append(await processor.process(event))

    assert await source.pump(keep) >= 3
    done = [o for o in outcomes if o.status == "done"]
    assert len(done) == 1
    assert done[0].actions == (
        "refund-is-urgent#0:set_priority",
        "refund-is-urgent#1:tag",
        "refund-is-urgent#2:notify_agents",
        "refund-is-urgent#3:send_message",
        "refund-is-urgent#4:webhook",
    )
    chat = await client.get_chat(chat_id)
    assert chat.priority == "URGENT" and chat.metadata["tags"] == ["billing"]
    messages = await client.all_messages(chat_id)
    assert [m.type for m in messages] == ["text", "text", "internal", "ai-response"]
    assert messages[3].content.startswith("An agent will look at your refund")
    assert messages[3].metadata["rule"] == "refund-is-urgent"
    assert [h["text"] for h in hooks.received] == ["I want a REFUND now!"]
    assert hooks.received[0]["rule"] == "refund-is-urgent"

    # Redelivery (a crash before the position was stored): nothing happens twice.
    await store_position(client, "pipeline", done[0].seq - 1)
    assert await source.pump(processor.process) >= 1
    assert len(await client.all_messages(chat_id)) == 4
    assert len(hooks.received) == 1

    steps = await client.events(types=["saga.step_recorded"])
    names = [e.payload["step"]["name"] for e in steps.events]
    assert names == list(done[0].actions)


async def test_a_failing_event_is_parked_then_retried_from_the_dead_letters(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any], tmp_path: Path
) -> None:
    hooks = Hooks()
    hooks.fail = True
    processor = make_processor(client, tmp_path, hooks, consumer="dlq-test")
    source = LogSource(client, "dlq-test")
    await source.pump(processor.process)
    v = await visitor(api, demo, fp="dlq")
    chat_id = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    await _say(api, v, chat_id, "refund please")
    outcomes = []

    async def keep(event: dict[str, Any]) -> None:
        outcomes.append(await processor.process(event))

    await source.pump(keep)
    [parked] = [o for o in outcomes if o.status == "parked"]
    assert "status 500" in (parked.error or "")
    letters = (
        await api.get("/api/v2/consumers/dlq-test/dead-letters", headers=key_headers(demo))
    ).json()["deadLetters"]
    assert [d["seq"] for d in letters] == [parked.seq] and letters[0]["attempts"] == 2
    # The actions before the webhook ran once; the stream moved on past the event.
    assert len(await client.all_messages(chat_id)) == 3
    while await source.pump(keep):  # our own actions' events: nothing fires on them
        pass
    assert [o.status for o in outcomes if o.status != "skipped"] == ["parked"]

    hooks.fail = False
    retried = await processor.process(letters[0]["event"])
    assert retried.status == "done" and len(hooks.received) == 1
    assert len(await client.all_messages(chat_id)) == 3  # no duplicate note or reply


async def test_a_saga_held_by_a_dead_worker_waits_for_its_lease_and_is_never_parked(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any], tmp_path: Path
) -> None:
    """A worker killed mid-saga leaves its lease; the worker that takes the event over waits
    for the lease to run out (spending no attempt) and does the saga, instead of parking it."""
    hooks = Hooks()
    processor = make_processor(client, tmp_path, hooks, consumer="held-test", lease_s=0.5)
    source = LogSource(client, "held-test")
    await source.pump(processor.process)
    v = await visitor(api, demo, fp="held")
    chat_id = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    await _say(api, v, chat_id, "refund please")
    events: list[dict[str, Any]] = []

    async def collect(event: dict[str, Any]) -> None:
        events.append(event)

    await source.pump(collect)
    [event] = [e for e in events if e["type"] == "message.sent"]
    ctx, actions = await processor.plan(event)
    store = processor.runner.store

    async def held_by(owner: str, lease: timedelta) -> None:
        saga_id = rules_saga_id("held-test", event["eventId"])
        existing = await store.load(saga_id)
        state = existing or SagaState(saga_id, "rules", context=saga_context(ctx, actions))
        state.owner, state.lease_expires_at = owner, datetime.now(UTC) + lease
        state.status, state.steps = "STARTED", []
        await store.save(state)

    # A live holder that keeps its lease past two lease times: the event is left pending.
    await held_by("live-worker", timedelta(seconds=60))
    with pytest.raises(SagaHeld):
        await processor.process(event)
    # A dead holder's lease runs out: the saga is done once, nothing is parked.
    await held_by("dead-worker", timedelta(seconds=0.6))
    outcome = await processor.process(event)
    assert outcome.status == "done" and len(hooks.received) == 1
    letters = (
        await api.get("/api/v2/consumers/held-test/dead-letters", headers=key_headers(demo))
    ).json()["deadLetters"]
    assert letters == []


@pytest.mark.redis
async def test_two_workers_split_a_redis_stream_and_take_over_a_dead_workers_entries(
    client: GuidersClient,
    api: httpx.AsyncClient,
    demo: dict[str, Any],
    tmp_path: Path,
    settings: Settings,
) -> None:
    from tests.conftest import require_service

    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        await redis.ping()
    except Exception:
        require_service("Redis", False)
    stream = f"test:pipeline:{uuid.uuid4().hex}"
    hooks = Hooks()
    processor = make_processor(client, tmp_path, hooks, consumer="group")
    handled: dict[str, list[str]] = {"a": [], "b": []}

    def recorder(name: str) -> Any:
        async def handle(event: dict[str, Any]) -> None:
            outcome = await processor.process(event)
            assert outcome.status != "parked", outcome.error
            handled[name].append(event["eventId"])

        return handle

    def source(worker: str) -> RedisStreamSource:
        return RedisStreamSource(
            client, redis, "group", worker, stream=stream, batch=5, block_ms=10,
            claim_idle_s=0.2,
        )  # fmt: skip

    a, b = source("a"), source("b")
    try:
        await a.pump(recorder("a"))  # creates the group, feeds from the log's end
        v = await visitor(api, demo, fp="redis")
        chat_id = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
        for i in range(12):
            await _say(api, v, chat_id, f"refund {i}" if i % 3 == 0 else f"hello {i}")
        # A third worker reads some entries and dies without acknowledging them.
        await a.feed()
        dead = await redis.xreadgroup("group", "dead", {stream: ">"}, count=3)
        assert len(dead[0][1]) == 3

        async def nothing_pending() -> bool:
            # Past claim_idle_s a live worker claims the dead one's entries on its next pump;
            # done when neither worker finds anything more and nothing is left unacknowledged.
            handled = await a.pump(recorder("a")) + await b.pump(recorder("b"))
            return handled == 0 and (await redis.xpending(stream, "group"))["pending"] == 0

        await eventually(nothing_pending, what="the dead worker's entries to be taken over")
    finally:
        await redis.delete(stream)
        await redis.aclose()
    everything = handled["a"] + handled["b"]
    expected = [
        e.event_id for e in (await client.events(after_seq=0, limit=1000)).events
        if e.type in ("message.sent",) and e.aggregate_id == chat_id
        and e.payload["sender_role"] == "visitor"
    ]  # fmt: skip
    assert len(everything) == len(set(everything)), "an event was handled twice"
    relevant = set(expected)
    assert relevant <= set(everything), "an event was lost"
    assert handled["a"] and handled["b"], handled
    messages = await client.all_messages(chat_id)
    assert sum(1 for m in messages if m.type == "ai-response") == 4


ASSIGN_RULES = """
rules:
  - name: high-to-ben
    stop: true
    when: {event: [chat.created], priority: [HIGH]}
    then: [{type: assign, agent: "ben turner"}]
  - name: senior-first
    when: {event: [chat.created]}
    then: [{type: assign, policy: senior}]
"""


async def test_assign_by_policy_and_to_a_named_agent(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any], tmp_path: Path
) -> None:
    ana, ben, carla = (s["commercialId"] for s in demo["staff"])
    for agent in (ana, ben, carla):
        await client.set_agent_status(agent, "online")
    rules = tmp_path / "assign.yaml"
    rules.write_text(ASSIGN_RULES)
    processor = Processor(
        client, RulesWatcher(rules), SagaRunner(ApiSagaStore(client), {}), consumer="assign"
    )
    source = LogSource(client, "assign")
    await source.pump(processor.process)
    v = await visitor(api, demo, fp="assign")
    normal = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    high = (
        await api.post("/api/v2/chats", json={"priority": "HIGH"}, headers=v["headers"])
    ).json()["chatId"]
    while await source.pump(processor.process):
        pass
    assert (await client.get_chat(normal)).assigned_agent_id == ana  # most senior
    assert (await client.get_chat(high)).assigned_agent_id == ben


async def test_a_bad_rules_edit_is_refused_and_the_old_rules_stay_live(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any], tmp_path: Path
) -> None:
    rules = tmp_path / "live.yaml"
    rules.write_text(
        "rules:\n  - name: tag-refunds\n    when: {keywords: [refund]}\n"
        "    then: [{type: tag, tags: [refund]}]\n"
    )
    watcher = RulesWatcher(rules, interval_s=0)
    processor = Processor(client, watcher, SagaRunner(ApiSagaStore(client), {}), consumer="live")
    source = LogSource(client, "live")
    await source.pump(processor.process)
    rules.write_text("rules:\n  - name: tag-refunds\n    when: {keyword: [refund]}\n    then: []\n")
    stat = rules.stat()
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    v = await visitor(api, demo, fp="live")
    chat_id = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    await _say(api, v, chat_id, "refund")
    while await source.pump(processor.process):
        pass
    assert watcher.last_error is not None
    assert f"{rules}, line 3, field 'rules.0.when.keyword'" in watcher.last_error.describe()
    assert (await client.get_chat(chat_id)).metadata["tags"] == ["refund"]
