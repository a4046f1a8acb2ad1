"""The bot and the analytics scorer as two replicas each on one Redis consumer group: one
replica is killed with ``kill -9`` mid-batch, the other claims its pending events (XAUTOCLAIM)
and every event is handled once: one welcome and one reply per chat, one score per visitor.

The four replicas start together (one fixture: their start-up, loading models, is most of the
time) against one server; each test kills whichever replica of its kind is mid-batch."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.exceptions import ResponseError

from tests.conftest import REDIS_URL
from tests.conversion_model import small_model
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

CLAIM_IDLE_S = 5.0
"""Shorter than a batch takes here (chats' 3 s typed replies, each chat's events in order): a
live replica's heartbeat keeps its entries, so only the killed one's are claimed; a slow one's
taken over would show as a second welcome or reply. Longer than an event loop's stall on a
loaded machine (the heartbeat beats every third of it)."""
TAKEOVER_BOUND_S = CLAIM_IDLE_S + 30.0
"""Claim time, plus the surviving replica's next pump and redoing the work on a loaded machine."""
CHATS = 8
VISITORS = 8


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception:
        pytest.skip("Redis is not running")
    yield client
    client.close()


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "guiders.cli", *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=out,
        )


def started(procs: list[subprocess.Popen[bytes]], logs: list[Path], line: str) -> None:
    """Every replica has joined: its log says so (a consumer of a group only shows in
    ``XINFO CONSUMERS`` once it has read an entry)."""

    def joined() -> bool:
        for p, log in zip(procs, logs, strict=True):
            assert p.poll() is None, log.read_text()[-3000:]
        return all(line in log.read_text() for log in logs)

    eventually_sync(joined, timeout=300, interval=0.5, what=line)


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def kill_mid_batch(
    redis: Redis,
    stream: str,
    group: str,
    replicas: dict[str, subprocess.Popen[bytes]],
    progress: Callable[[], bool],
) -> tuple[str, float, int]:
    """Waits until the work is under way and a replica holds unacknowledged entries, then
    ``kill -9`` that replica; returns its name, when, and how many entries it left pending.

    Which replica reads which entries is Redis's choice (the first blocked reader), so the
    victim is whichever is mid-batch when the work has begun, not a fixed one."""
    holder: list[str] = []

    def mid_batch() -> bool:
        # the slow check first: the kill follows the pending one at once
        if not progress():
            return False
        for name in replicas:
            try:
                if redis.xpending_range(stream, group, "-", "+", 100, name):
                    holder[:] = [name]
                    return True
            except ResponseError:  # no group yet: the replicas have not pumped
                return False
        return False

    eventually_sync(mid_batch, timeout=120, interval=0.05, what="a replica halfway a batch")
    name = holder[0]
    victim = replicas[name]
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait()
    left = len(redis.xpending_range(stream, group, "-", "+", 100, name))
    assert left > 0, f"{name} was killed with nothing pending: not mid-batch"
    return name, killed_at, left


@dataclass
class Replicas:
    """A server, and two bot and two scorer replica processes, each pair one consumer group."""

    server: ServerProcess
    bot_group: str
    scorer_group: str
    bots: list[subprocess.Popen[bytes]]
    scorers: list[subprocess.Popen[bytes]]

    @property
    def bot_stream(self) -> str:
        return f"guiders:bot:{self.bot_group}"

    @property
    def scorer_stream(self) -> str:
        return f"guiders:analytics:{self.scorer_group}"


def bot_data(base: Path, kb_dir: Path) -> Path:
    """A data directory with the demo knowledge base's model (a replica loads, not trains)."""
    data_dir = base / "bot"
    shutil.copytree(kb_dir, data_dir / "models" / "demo_kb")
    return data_dir


@pytest.fixture(scope="module")
def replicas(
    redis: Redis, demo_kb_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    """The server starts while the conversion model trains (set-up is most of the time)."""
    base = tmp_path_factory.mktemp("replicas-run")
    server = ServerProcess(tmp_path_factory.mktemp("replicas"))
    with ThreadPoolExecutor(2) as pool:
        starting = pool.submit(server.start, 180)  # a loaded CI machine starts it slowly
        copying = pool.submit(bot_data, base, demo_kb_model)
        try:
            model = small_model(base)
            data_dir = copying.result()
            starting.result()
        except BaseException:
            server.stop()
            raise
    key = server.credentials()["integrationKey"]
    suffix = uuid.uuid4().hex[:8]
    bot_group, scorer_group = f"bots{suffix}", f"scorers{suffix}"
    bot_env = {
        "GUIDERS_BOT_RESPONSE_DELAY_MS": "3000",  # each reply "types" 3 s: a batch is long
        "GUIDERS_BOT_TYPING_MAX_MS": "3000",
        "GUIDERS_BOT_KNOWLEDGE_ENABLED": "false",
    }

    def bot(name: str) -> subprocess.Popen[bytes]:
        return spawn(
            [
                "bot", "--server", server.base, "--key", key, "--data-dir", str(data_dir),
                "--redis-url", REDIS_URL, "--consumer", bot_group, "--worker", name,
                "--claim-idle-s", str(CLAIM_IDLE_S),
            ],
            bot_env,
            base / f"bot-{name}.log",
        )  # fmt: skip

    def scorer(name: str) -> subprocess.Popen[bytes]:
        return spawn(
            [
                "analytics", "worker", "--server", server.base, "--model", str(model),
                "--redis-url", REDIS_URL, "--consumer", scorer_group, "--worker", name,
                "--claim-idle-s", str(CLAIM_IDLE_S), "--debounce", "1.5",
            ],
            {"GUIDERS_API_KEY": key},
            base / f"scorer-{name}.log",
        )  # fmt: skip

    found = Replicas(
        server, bot_group, scorer_group, [bot("a"), bot("b")], [scorer("a"), scorer("b")]
    )
    try:
        started(found.bots, [base / f"bot-{n}.log" for n in "ab"], "bot replica started")
        started(
            found.scorers, [base / f"scorer-{n}.log" for n in "ab"], "analytics replica started"
        )
        yield found
    finally:
        stop_all(found.bots + found.scorers)
        server.stop()
        marks = list(redis.scan_iter(f"{found.scorer_stream}:*"))  # the scorers' marks, locks
        redis.delete(found.bot_stream, found.scorer_stream, *marks)


def test_two_bot_replicas_answer_each_chat_once_across_a_kill(
    redis: Redis, replicas: Replicas
) -> None:
    server = replicas.server
    creds = server.credentials()
    staff = {"authorization": f"Bearer {creds['integrationKey']}"}
    group, stream = replicas.bot_group, replicas.bot_stream
    with httpx.Client(base_url=server.base, timeout=30) as http:
        chats: dict[str, str] = {}
        for i in range(CHATS):
            v = http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost",
                      "fingerprint": f"{group}-{i}"},
            ).json()  # fmt: skip
            visitor = {"authorization": f"Bearer {v['accessToken']}"}
            chat = http.post("/api/v2/chats", json={}, headers=visitor).json()["chatId"]
            r = http.post(
                f"/api/v2/chats/{chat}/messages",
                json={"content": "how long does shipping take?"},
                headers=visitor,
            )
            assert r.status_code == 201, r.text
            chats[chat] = r.json()["id"]

        def bot_messages(chat: str) -> list[dict[str, Any]]:
            body = http.get(
                f"/api/v2/chats/{chat}/messages", params={"limit": 100}, headers=staff
            ).json()
            return [m for m in body["messages"] if m["type"] == "ai-response"]

        def replies() -> int:
            return sum(
                any(m["metadata"].get("replyTo") == q for m in bot_messages(c))
                for c, q in chats.items()
            )

        def welcomed() -> bool:
            """A welcome is out: its chat's typed reply (3 s) keeps the question pending, so
            the kill lands mid-batch; waiting for a first reply instead could miss the window
            (all replies land together and are acknowledged at once)."""
            return any(bot_messages(chat) for chat in chats)

        killed, killed_at, left = kill_mid_batch(
            redis, stream, group, dict(zip("ab", replicas.bots, strict=True)), welcomed
        )

        def all_answered() -> bool:
            return redis.xpending(stream, group)["pending"] == 0 and replies() == CHATS

        eventually_sync(
            all_answered, timeout=180, what="the other replica to take over the killed one's chats"
        )
        takeover = time.monotonic() - killed_at
        print(f"\nbot takeover: {left} pending events of the killed replica {killed} handled "
              f"{takeover:.1f} s after kill -9 (claim idle {CLAIM_IDLE_S:g} s)")  # fmt: skip
        for chat, question in chats.items():
            found = bot_messages(chat)
            welcomes = [m for m in found if m["metadata"].get("isWelcome")]
            answers = [m for m in found if m["metadata"].get("replyTo") == question]
            assert len(welcomes) == 1 and len(answers) == 1, found
            assert len(found) == 2, found
        members = {c["name"].decode(): c for c in redis.xinfo_consumers(stream, group)}
        assert members[killed]["pending"] == 0
        assert takeover < TAKEOVER_BOUND_S


def test_two_scoring_replicas_score_each_visitor_once_across_a_kill(
    redis: Redis, replicas: Replicas
) -> None:
    server = replicas.server
    creds = server.credentials()
    staff = {"authorization": f"Bearer {creds['integrationKey']}"}
    group, stream = replicas.scorer_group, replicas.scorer_stream
    with httpx.Client(base_url=server.base, timeout=30) as http:
        visitors: list[str] = []
        for i in range(VISITORS):
            v = http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost",
                      "fingerprint": f"{group}-{i}"},
            ).json()  # fmt: skip
            auth = {"authorization": f"Bearer {v['accessToken']}"}
            views = [
                {"visitorId": v["visitorId"], "sessionId": v["sessionId"], "type": "page_view",
                 "url": f"/products/p-{i}-{n}", "pageCategory": "product", "durationMs": 30_000}
                for n in range(3)
            ]  # fmt: skip
            r = http.post("/api/tracking/events", json={"events": views}, headers=auth)
            assert r.status_code in (200, 202), r.text
            visitors.append(v["visitorId"])

        def analyzed() -> dict[str, int]:
            counts = dict.fromkeys(visitors, 0)
            body = http.get(
                "/api/v2/events",
                params={"type": "visitor.analyzed", "limit": 1000},
                headers=staff,
            ).json()
            for event in body["events"]:
                if event["aggregateId"] in counts:
                    counts[event["aggregateId"]] += 1
            return counts

        killed, killed_at, left = kill_mid_batch(
            redis,
            stream,
            group,
            dict(zip("ab", replicas.scorers, strict=True)),
            lambda: sum(analyzed().values()) >= 1,
        )

        def all_scored() -> bool:
            pending = redis.xpending(stream, group)["pending"]
            return pending == 0 and all(n >= 1 for n in analyzed().values())

        eventually_sync(
            all_scored, timeout=180, what="the other replica to take over the killed one's visitors"
        )
        takeover = time.monotonic() - killed_at
        print(f"\nscorer takeover: {left} pending events of the killed replica {killed} handled "
              f"{takeover:.1f} s after kill -9 (claim idle {CLAIM_IDLE_S:g} s)")  # fmt: skip
        counts = analyzed()
        assert all(n == 1 for n in counts.values()), counts
        assert takeover < TAKEOVER_BOUND_S
