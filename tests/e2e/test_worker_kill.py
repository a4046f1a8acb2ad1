"""Pipeline workers sharing a Redis consumer group: one is killed with ``kill -9`` mid-batch,
another takes its pending events over with XAUTOCLAIM, and every event is handled once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from tests.conftest import REDIS_URL
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

RULES = """
rules:
  - name: note-each
    when: {event: [message.sent], sender: [visitor]}
    then:
      - {type: notify_agents, template: "seen {{ message }}"}
"""
MESSAGES = 40
CLAIM_IDLE_S = 3.0
LEASE_S = 2.0
"""Shorter than the claim time, so the takeover is quick: a rules saga the killed worker held
is waited for (spending no attempt) until its lease runs out."""


@pytest.fixture
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception:
        pytest.skip("Redis is not running")
    yield client
    client.close()


def worker(server: ServerProcess, key: str, rules: Path, consumer: str, name: str) -> Any:
    return subprocess.Popen(
        [
            sys.executable, "-m", "guiders.cli", "pipeline", "run", "--url", server.base,
            "--rules", str(rules), "--consumer", consumer, "--worker", name,
            "--redis-url", REDIS_URL, "--claim-idle-s", str(CLAIM_IDLE_S), "--batch", "50",
            "--lease-s", str(LEASE_S),
        ],
        env={**os.environ, "GUIDERS_PIPELINE_API_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_worker_killed_mid_batch_has_its_events_taken_over_and_each_is_handled_once(
    tmp_path: Path, redis: Redis
) -> None:
    # The workers write with the key the test polls with: at the default 600 a minute the
    # polling could leave a worker's write refused and its event parked, a note short for ever.
    server = ServerProcess(tmp_path, GUIDERS_RATE_LIMIT_PER_MINUTE="100000")
    try:
        server.start(timeout=180)  # a loaded CI machine starts it slowly
    except BaseException:
        server.stop()
        raise
    creds = server.credentials()
    key = creds["integrationKey"]
    staff = {"authorization": f"Bearer {key}"}
    consumer = f"kill{uuid.uuid4().hex[:8]}"
    stream = f"guiders:pipeline:{consumer}"
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    workers: list[Any] = []
    try:
        with httpx.Client(base_url=server.base, timeout=30) as http:
            workers.append(worker(server, key, rules, consumer, "a"))

            def fed_from() -> object:
                return http.get(
                    f"/api/v2/consumers/{consumer}-feed/position", headers=staff
                ).json()["seq"]

            # the feed has its position (the log's end): what is sent from now on is fed
            eventually_sync(fed_from, timeout=90, what="the feed position")
            v = http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": consumer},
            ).json()
            visitor = {"authorization": f"Bearer {v['accessToken']}"}
            chat = http.post("/api/v2/chats", json={}, headers=visitor).json()["chatId"]
            for i in range(MESSAGES):
                r = http.post(
                    f"/api/v2/chats/{chat}/messages", json={"content": f"q{i}"}, headers=visitor
                )
                assert r.status_code == 201, r.text

            def notes() -> list[dict[str, Any]]:
                """The chat's internal notes; a refused read (a 429 or 503 while the test polls
                every 50 ms beside two workers) fails this poll, and the wait polls again."""
                r = http.get(f"/api/v2/chats/{chat}/messages", params={"limit": 100}, headers=staff)
                assert r.status_code == 200, r.text
                return [m for m in r.json()["messages"] if m.get("isInternal")]

            def a_mid_batch() -> bool:
                pending = redis.xpending_range(stream, consumer, "-", "+", 100, "a")
                return len(pending) > 0 and len(notes()) >= 2

            eventually_sync(a_mid_batch, timeout=90, interval=0.05, what="a halfway a batch")
            os.kill(workers[0].pid, signal.SIGKILL)
            killed_at = time.monotonic()
            workers[0].wait()
            left = len(redis.xpending_range(stream, consumer, "-", "+", 100, "a"))
            assert left > 0, "a was killed with nothing pending: not mid-batch"
            # b starts now (a process start, a minute on a loaded machine): the time below
            # includes it, and the claim time once it reads
            workers.append(worker(server, key, rules, consumer, "b"))

            def taken_over() -> bool:
                info = redis.xpending(stream, consumer)
                return info["pending"] == 0 and len(notes()) >= MESSAGES

            eventually_sync(
                taken_over, timeout=120, interval=0.25, what="b to take over a's events"
            )
            takeover = time.monotonic() - killed_at
            print(f"\nworker takeover: {left} pending events of the killed worker handled "
                  f"{takeover:.1f} s after kill -9 (claim idle {CLAIM_IDLE_S:g} s)")  # fmt: skip
            found = notes()
            per_event = Counter(n["metadata"]["eventId"] for n in found)
            assert len(found) == MESSAGES, "an event was handled twice or not at all"
            assert all(count == 1 for count in per_event.values())
            assert sorted(n["content"] for n in found) == sorted(
                f"seen q{i}" for i in range(MESSAGES)
            )
            consumers = {c["name"].decode(): c for c in redis.xinfo_consumers(stream, consumer)}
            assert "b" in consumers and consumers["a"]["pending"] == 0
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
        redis.delete(stream)
        server.stop()
