"""The real bot and the real analytics scorer as 1, 2 and 4 replicas against a real server:
events handled per second, per replica CPU-second, lost and duplicated.

``benchmarks/worker_replicas.py`` measures the consumer-group mechanism alone; this runs the
workers themselves. One ``guiders up`` (SQLite, or PostgreSQL + Redis with ``--shared``) with
its own bot and scorer off; then, per worker, four replica processes
(``guiders bot --redis-url …``, ``guiders analytics worker --redis-url …``) join one consumer
group on the real Redis. Per round (1, 2, 4 replicas):

1. every replica is stopped (SIGSTOP) and, once their blocking reads have timed out, a burst
   goes into the log: ``--chats`` chats with one visitor question each (bot), or
   ``--visitors`` visitors with three page views each (scorer);
2. the round's replicas are continued (SIGCONT); the others stay stopped, so they take no share
   (a stopped replica holds no entry: checked);
3. done when every chat has a welcome and a reply (every visitor a ``visitor.analyzed``) in the
   log and the group has nothing pending.

Figures: the round's stream entries / wall time from SIGCONT to done; the same per CPU-second
of the replicas (user + system, ``/proc/PID/stat``) and the server's CPU-seconds over the round;
lost (a chat without welcome or reply, a visitor without a score, after the deadline) and
duplicated (a second welcome, reply or score). The bot's typing delay is 0 (its wait is not
work); no LLM is configured (answers come from the knowledge-base classifier). The done check
polls the log every 0.5 s, which the server's CPU includes.

    .venv/bin/python benchmarks/worker_replicas_real.py [--chats 40] [--visitors 80] [--shared]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from processes import REDIS_URL, Server, SharedServices, cpu_seconds, credentials, guiders
from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from tests.conversion_model import small_model

REPLICAS = 4


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "guiders.cli", *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=out,
        )


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    print(f"  gave up waiting {timeout:g} s for {what}")
    return False


def joined(procs: list[subprocess.Popen[bytes]], logs: list[Path], line: str) -> None:
    def all_in() -> bool:
        for p, log in zip(procs, logs, strict=True):
            if p.poll() is not None:
                raise SystemExit(f"{log} exited:\n{log.read_text()[-3000:]}")
        return all(line in log.read_text() for log in logs)

    if not wait_for(all_in, 600, line):
        raise SystemExit(f"replicas never said {line!r}")


def events_after(http: httpx.Client, after: int, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        body = http.get("/api/v2/events", params={"afterSeq": after, "type": kind, "limit": 1000})
        page = body.json()["events"]
        found += page
        if len(page) < 1000:
            return found
        after = int(page[-1]["seq"])


def register(anon: httpx.Client, creds: dict[str, Any], fingerprint: str) -> dict[str, Any]:
    """A new visitor of the demo site: its ids and token."""
    body = {"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": fingerprint}
    visitor: dict[str, Any] = anon.post("/api/auth/visitor/register", json=body).json()
    return visitor


def last_seq(http: httpx.Client) -> int:
    return int(http.get("/api/v2/events", params={"limit": 1}).json()["lastSeq"])


class Group:
    """N replica processes of one worker in one consumer group."""

    def __init__(self, redis: Redis, stream: str, group: str) -> None:
        self.redis, self.stream, self.group = redis, stream, group
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], env: dict[str, str], logs: Path) -> list[Path]:
        """``REPLICAS`` processes of ``command`` in the group, r0, r1…; their logs."""
        found = []
        for i in range(REPLICAS):
            log = logs.with_name(f"{logs.name}-r{i}.log")
            joining = ["--redis-url", REDIS_URL, "--consumer", self.group, "--worker", f"r{i}"]
            self.procs.append(spawn([*command, *joining], env, log))
            found.append(log)
        return found

    def signal(self, procs: list[subprocess.Popen[bytes]], sig: signal.Signals) -> None:
        for p in procs:
            os.kill(p.pid, sig)

    def length(self) -> int:
        return int(self.redis.xlen(self.stream)) if self.redis.exists(self.stream) else 0

    def pending(self) -> int:
        return int(self.redis.xpending(self.stream, self.group)["pending"])

    def held_by(self, names: list[str]) -> int:
        members = {
            c["name"].decode(): c for c in self.redis.xinfo_consumers(self.stream, self.group)
        }
        return sum(int(members[n]["pending"]) for n in names if n in members)

    def fed(self, http: httpx.Client) -> None:
        """Waits until the replicas have fed once (the feed's start stored): a burst before it
        would be skipped, since a new group starts at the log's end."""

        def stored() -> bool:
            body = http.get(f"/api/v2/consumers/{self.group}-feed/position").json()
            return body.get("seq") is not None

        if not wait_for(stored, 120, "the group's first feed"):
            raise SystemExit("the replicas never fed their group")

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()  # SIGKILL ends a stopped process too
                p.wait()
        marks = list(self.redis.scan_iter(f"{self.stream}:*"))
        self.redis.delete(self.stream, *marks)


def run_rounds(
    name: str,
    group: Group,
    server: Server,
    http: httpx.Client,
    counts: list[int],
    burst: Callable[[int], list[str]],
    settled: Callable[[int, list[str]], tuple[int, int, bool]],
) -> None:
    """``burst(round)`` puts a round's work into the log and names its units (chats, visitors);
    ``settled(after, units)`` says (lost, duplicated, all done) from the log."""
    for n, replicas in enumerate(counts):
        group.signal(group.procs, signal.SIGSTOP)
        time.sleep(1.0)  # the stopped replicas' blocking reads (200 ms) have timed out
        after = last_seq(http)
        units = burst(n)
        running = group.procs[:replicas]
        idle = [f"r{i}" for i in range(replicas, len(group.procs))]
        before = group.length()
        cpu0 = [cpu_seconds(p.pid) for p in running]
        server0 = server.cpu_seconds
        began = time.monotonic()
        group.signal(running, signal.SIGCONT)
        state: dict[str, Any] = {}

        def done(
            after: int = after, units: list[str] = units, state: dict[str, Any] = state
        ) -> bool:
            lost, twice, complete = settled(after, units)
            state.update(lost=lost, twice=twice)
            return complete and group.pending() == 0

        finished = wait_for(done, 600, f"{name} round of {replicas}")
        took = time.monotonic() - began
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(running, cpu0, strict=True)]
        server_cpu = server.cpu_seconds - server0
        entries = group.length() - before
        if not finished:
            lost, twice, _ = settled(after, units)
            state.update(lost=lost, twice=twice)
        stolen = group.held_by(idle)
        print(
            f"{name}: {replicas} replica(s): {entries} events in {took:.1f} s = "
            f"{entries / took:.1f} events/s; replica CPU {sum(cpu):.1f} s "
            f"({' '.join(f'{c:.1f}' for c in cpu)}) = "
            f"{entries / max(sum(cpu), 1e-9):.1f} events per replica CPU-second; "
            f"server CPU {server_cpu:.1f} s; lost {state['lost']}, duplicated "
            f"{state['twice']}; held by stopped replicas {stolen}; load {load()}",
            flush=True,
        )


def bot_phase(server: Server, redis: Redis, base: Path, args: argparse.Namespace) -> None:
    from guiders.bot.knowledge import ensure_kb
    from guiders.bot.settings import DEMO_KB

    creds = credentials(base / "server")
    key = creds["integrationKey"]
    data_dir = base / "bot"
    ensure_kb(data_dir / "models" / "demo_kb", DEMO_KB)
    consumer = f"benchbot{uuid.uuid4().hex[:8]}"
    group = Group(redis, f"guiders:bot:{consumer}", consumer)
    env = {
        "GUIDERS_BOT_RESPONSE_DELAY_MS": "0",
        "GUIDERS_BOT_TYPING_MAX_MS": "0",
        "GUIDERS_BOT_KNOWLEDGE_ENABLED": "false",
    }
    command = ["bot", "--server", server.base, "--key", key, "--data-dir", str(data_dir)]
    logs = group.start(command, env, base / "bot")
    http = httpx.Client(base_url=server.base, timeout=60)
    staff = {"authorization": f"Bearer {key}"}
    http.headers.update(staff)
    try:
        joined(group.procs, logs, "bot replica started")
        group.fed(http)
        questions: dict[str, str] = {}

        def burst(round_: int) -> list[str]:
            chats = []
            with httpx.Client(base_url=server.base, timeout=60) as anon:
                for i in range(args.chats):
                    v = register(anon, creds, f"{consumer}-{round_}-{i}")
                    auth = {"authorization": f"Bearer {v['accessToken']}"}
                    chat = anon.post("/api/v2/chats", json={}, headers=auth).json()["chatId"]
                    r = anon.post(
                        f"/api/v2/chats/{chat}/messages",
                        json={"content": "how long does shipping take?"},
                        headers=auth,
                    )
                    r.raise_for_status()
                    questions[chat] = r.json()["id"]
                    chats.append(chat)
            return chats

        def settled(after: int, chats: list[str]) -> tuple[int, int, bool]:
            welcomes: Counter[str] = Counter()
            replies: Counter[str] = Counter()
            for e in events_after(http, after, "message.sent"):
                p = e["payload"]
                if p.get("kind") != "ai-response" or p.get("chat_id") not in questions:
                    continue
                meta = p.get("metadata") or {}
                if meta.get("isWelcome"):
                    welcomes[p["chat_id"]] += 1
                if meta.get("replyTo") == questions[p["chat_id"]]:
                    replies[p["chat_id"]] += 1
            lost = sum(1 for c in chats if not welcomes[c] or not replies[c])
            twice = sum(max(0, welcomes[c] - 1) + max(0, replies[c] - 1) for c in chats)
            return lost, twice, lost == 0

        run_rounds("bot", group, server, http, args.counts, burst, settled)
    finally:
        http.close()
        group.stop()


def scorer_phase(server: Server, redis: Redis, base: Path, args: argparse.Namespace) -> None:
    creds = credentials(base / "server")
    key = creds["integrationKey"]
    model = small_model(base)
    consumer = f"benchscore{uuid.uuid4().hex[:8]}"
    group = Group(redis, f"guiders:analytics:{consumer}", consumer)
    command = ["analytics", "worker", "--server", server.base, "--model", str(model)]
    command += ["--debounce", "0.2"]
    logs = group.start(command, {"GUIDERS_API_KEY": key}, base / "scorer")
    http = httpx.Client(base_url=server.base, timeout=60)
    http.headers.update({"authorization": f"Bearer {key}"})
    try:
        joined(group.procs, logs, "analytics replica started")
        group.fed(http)

        def burst(round_: int) -> list[str]:
            visitors = []
            with httpx.Client(base_url=server.base, timeout=60) as anon:
                for i in range(args.visitors):
                    v = register(anon, creds, f"{consumer}-{round_}-{i}")
                    views = [
                        {"visitorId": v["visitorId"], "sessionId": v["sessionId"],
                         "type": "page_view", "url": f"/products/p-{i}-{n}",
                         "pageCategory": "product", "durationMs": 30_000}
                        for n in range(3)
                    ]  # fmt: skip
                    r = anon.post(
                        "/api/tracking/events",
                        json={"events": views},
                        headers={"authorization": f"Bearer {v['accessToken']}"},
                    )
                    r.raise_for_status()
                    visitors.append(v["visitorId"])
            return visitors

        def settled(after: int, visitors: list[str]) -> tuple[int, int, bool]:
            scores = Counter(
                e["aggregateId"] for e in events_after(http, after, "visitor.analyzed")
            )
            lost = sum(1 for v in visitors if not scores[v])
            twice = sum(max(0, scores[v] - 1) for v in visitors)
            return lost, twice, lost == 0

        run_rounds("scorer", group, server, http, args.counts, burst, settled)
    finally:
        http.close()
        group.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=40, help="Chats per bot round.")
    parser.add_argument("--visitors", type=int, default=80, help="Visitors per scorer round.")
    parser.add_argument("--replicas", default="1,2,4")
    parser.add_argument("--workers", default="bot,scorer")
    parser.add_argument("--shared", action="store_true", help="PostgreSQL + Redis server.")
    args = parser.parse_args()
    args.counts = [int(x) for x in args.replicas.split(",")]
    if max(args.counts) > REPLICAS:
        raise SystemExit(f"at most {REPLICAS} replicas")
    redis = Redis.from_url(REDIS_URL)
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
        base = Path(tmp)
        (base / "server").mkdir()
        shared = asyncio.run(SharedServices().create()) if args.shared else None
        server = guiders(base / "server", shared.env if shared else None)
        try:
            print(f"server: {'PostgreSQL + Redis' if shared else 'SQLite'}", flush=True)
            if "scorer" in args.workers:
                scorer_phase(server, redis, base, args)
            if "bot" in args.workers:
                bot_phase(server, redis, base, args)
        finally:
            server.stop()
            if shared:
                asyncio.run(shared.drop())
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
