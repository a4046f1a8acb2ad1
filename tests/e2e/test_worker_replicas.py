"""The bot and the analytics scorer as two replicas each on one Redis consumer group: one
replica is killed with ``kill -9`` mid-batch, the other claims its pending events (XAUTOCLAIM)
and every event is handled once: one welcome and one reply per chat, one score per visitor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from redis import Redis
from redis.exceptions import ResponseError

from guiders.analytics.cli import analytics
from guiders.analytics.dataset import load_csv
from guiders.bot.knowledge import ensure_kb
from guiders.bot.settings import DEMO_KB
from tests.conftest import REDIS_URL
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

CLAIM_IDLE_S = 15.0
"""Longer than a replica takes to handle a batch here (a 4 s typed reply, on a loaded machine):
a shorter one lets the other replica claim entries that are merely slow, handling them twice."""
TAKEOVER_BOUND_S = CLAIM_IDLE_S + 30.0
"""Claim time, plus the surviving replica's next pump and redoing the work on a loaded machine."""
CHATS = 10
VISITORS = 10
TRAIN_CSV = Path(__file__).resolve().parents[2] / "data" / "online-shoppers" / "train.csv"


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception:
        pytest.skip("Redis is not running")
    yield client
    client.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("replicas"))
    try:
        proc.start(timeout=180)  # a loaded CI machine starts it slowly
    except BaseException:
        proc.stop()
        raise
    yield proc
    proc.stop()


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
    victim: subprocess.Popen[bytes],
    name: str,
    progress: Callable[[], bool],
) -> tuple[float, int]:
    """Waits until ``name`` holds unacknowledged entries while the work is under way, then
    ``kill -9``; returns when, and how many entries it left pending."""

    def mid_batch() -> bool:
        # the slow check first: the kill follows the pending one at once
        if not progress():
            return False
        try:
            return len(redis.xpending_range(stream, group, "-", "+", 100, name)) > 0
        except ResponseError:  # no group yet: the replicas have not pumped
            return False

    eventually_sync(mid_batch, timeout=120, interval=0.05, what=f"{name} halfway a batch")
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait()
    left = len(redis.xpending_range(stream, group, "-", "+", 100, name))
    assert left > 0, f"{name} was killed with nothing pending: not mid-batch"
    return killed_at, left


@pytest.fixture(scope="module")
def bot_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo knowledge base built once (a replica loads, not trains)."""
    data_dir = tmp_path_factory.mktemp("bot")
    ensure_kb(data_dir / "models" / "demo_kb", DEMO_KB)
    return data_dir


def test_two_bot_replicas_answer_each_chat_once_across_a_kill(
    server: ServerProcess, redis: Redis, bot_data: Path, tmp_path: Path
) -> None:
    creds = server.credentials()
    key = creds["integrationKey"]
    staff = {"authorization": f"Bearer {key}"}
    data_dir = bot_data
    group = f"bots{uuid.uuid4().hex[:8]}"
    stream = f"guiders:bot:{group}"
    env = {
        "GUIDERS_BOT_RESPONSE_DELAY_MS": "4000",  # each reply "types" 4 s: a batch is long
        "GUIDERS_BOT_TYPING_MAX_MS": "4000",
        "GUIDERS_BOT_KNOWLEDGE_ENABLED": "false",
    }

    def bot(name: str) -> subprocess.Popen[bytes]:
        return spawn(
            [
                "bot", "--server", server.base, "--key", key, "--data-dir", str(data_dir),
                "--redis-url", REDIS_URL, "--consumer", group, "--worker", name,
                "--claim-idle-s", str(CLAIM_IDLE_S),
            ],
            env,
            tmp_path / f"bot-{name}.log",
        )  # fmt: skip

    procs = [bot("a"), bot("b")]
    try:
        with httpx.Client(base_url=server.base, timeout=30) as http:
            started(procs, [tmp_path / f"bot-{n}.log" for n in "ab"], "bot replica started")
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

            killed_at, left = kill_mid_batch(
                redis, stream, group, procs[0], "a", lambda: replies() >= 1
            )

            def all_answered() -> bool:
                return redis.xpending(stream, group)["pending"] == 0 and replies() == CHATS

            eventually_sync(all_answered, timeout=180, what="b to take over a's chats")
            takeover = time.monotonic() - killed_at
            print(f"\nbot takeover: {left} pending events of the killed replica handled "
                  f"{takeover:.1f} s after kill -9 (claim idle {CLAIM_IDLE_S:g} s)")  # fmt: skip
            for chat, question in chats.items():
                found = bot_messages(chat)
                welcomes = [m for m in found if m["metadata"].get("isWelcome")]
                answers = [m for m in found if m["metadata"].get("replyTo") == question]
                assert len(welcomes) == 1 and len(answers) == 1, found
                assert len(found) == 2, found
            members = {c["name"].decode(): c for c in redis.xinfo_consumers(stream, group)}
            assert members["a"]["pending"] == 0
            assert takeover < TAKEOVER_BOUND_S
    finally:
        stop_all(procs)
        redis.delete(stream)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw, labels = load_csv(TRAIN_CSV)
    small = raw.sample(n=1500, random_state=2)
    base = tmp_path_factory.mktemp("model")
    csv = base / "small.csv"
    small.assign(Revenue=labels[small.index] == 1).to_csv(csv, index=False)
    out = base / "conversion"
    args = ["train", "--csv", str(csv), "--out", str(out), "--members", "extra_trees"]
    result = CliRunner().invoke(analytics, [*args, "--no-refit"])
    assert result.exit_code == 0, result.output
    return out


def test_two_scoring_replicas_score_each_visitor_once_across_a_kill(
    server: ServerProcess, redis: Redis, model_dir: Path, tmp_path: Path
) -> None:
    creds = server.credentials()
    key = creds["integrationKey"]
    staff = {"authorization": f"Bearer {key}"}
    group = f"scorers{uuid.uuid4().hex[:8]}"
    stream = f"guiders:analytics:{group}"

    def scorer(name: str) -> subprocess.Popen[bytes]:
        return spawn(
            [
                "analytics", "worker", "--server", server.base, "--model", str(model_dir),
                "--redis-url", REDIS_URL, "--consumer", group, "--worker", name,
                "--claim-idle-s", str(CLAIM_IDLE_S), "--debounce", "1.5",
            ],
            {"GUIDERS_API_KEY": key},
            tmp_path / f"scorer-{name}.log",
        )  # fmt: skip

    procs = [scorer("a"), scorer("b")]
    try:
        with httpx.Client(base_url=server.base, timeout=30) as http:
            logs = [tmp_path / f"scorer-{n}.log" for n in "ab"]
            started(procs, logs, "analytics replica started")
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

            killed_at, left = kill_mid_batch(
                redis, stream, group, procs[0], "a", lambda: sum(analyzed().values()) >= 1
            )

            def all_scored() -> bool:
                pending = redis.xpending(stream, group)["pending"]
                return pending == 0 and all(n >= 1 for n in analyzed().values())

            eventually_sync(all_scored, timeout=180, what="b to take over a's visitors")
            takeover = time.monotonic() - killed_at
            print(f"\nscorer takeover: {left} pending events of the killed replica handled "
                  f"{takeover:.1f} s after kill -9 (claim idle {CLAIM_IDLE_S:g} s)")  # fmt: skip
            counts = analyzed()
            assert all(n == 1 for n in counts.values()), counts
            assert takeover < TAKEOVER_BOUND_S
    finally:
        stop_all(procs)
        redis.delete(stream, *redis.scan_iter(f"{stream}:*"))  # the scorers' marks and locks
