"""Events per second through the whole pipeline, and lag from an event's commit to its action,
with one worker and with two (separate processes sharing a Redis consumer group).

A real server (``guiders up`` on SQLite) runs in a subprocess; visitors send messages that one
rule answers (``send_message``), so each event goes through every stage: filter, enrich (chat,
visitor, prediction over HTTP), analyse, decide, and the rules saga (saga create, step, the
reply, completion) over the public API.

* throughput: a backlog of ``--backlog`` messages is written first, then the workers start;
  events/s = replies / time from the first reply to the last (worker start-up excluded).
* lag: messages arrive at a fixed ``--rate`` per second for ``--seconds``; lag = time the
  action finished - the event's ``occurredAt`` (stamped in the committing transaction).

    .venv/bin/python benchmarks/pipeline.py [--backlog 200] [--rate 10] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RULES = """
rules:
  - name: answer-ping
    when: {event: [message.sent], sender: [visitor], keywords: [ping]}
    then:
      - {type: send_message, template: "pong"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "GUIDERS_RATE_LIMIT_PER_MINUTE": "100000000",
        "GUIDERS_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000000",
        "GUIDERS_PIPELINE_ENABLED": "false",  # no in-process rules worker
        "PYTHONPATH": str(ROOT / "src"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "guiders.cli",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "server.log", "ab"),  # noqa: SIM115 - the child keeps it
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text()[-2000:])
        time.sleep(0.2)
    raise TimeoutError(base)


# -- worker mode: one worker process, writing (event id, occurredAt, action done) lines -------


async def worker_main(args: argparse.Namespace) -> None:
    from redis.asyncio import Redis

    from guiders.client import GuidersClient
    from guiders.pipeline.processor import Processor
    from guiders.pipeline.reload import RulesWatcher
    from guiders.pipeline.saga_api import ApiSagaStore
    from guiders.pipeline.sources import RedisStreamSource
    from guiders.sagas import SagaRunner

    out = open(args.out, "a", buffering=1)  # noqa: SIM115, ASYNC230 - one line per event
    async with GuidersClient(args.base, args.key) as client:
        processor = Processor(
            client,
            RulesWatcher(Path(args.rules)),
            SagaRunner(ApiSagaStore(client), {}),
            consumer="bench",
        )
        redis = Redis.from_url(args.redis)
        source = RedisStreamSource(
            client, redis, "bench", args.name, stream=args.stream, batch=20, block_ms=50,
            start_at_end=False,
        )  # fmt: skip

        async def handle(event: dict[str, Any]) -> None:
            outcome = await processor.process(event)
            if outcome.status == "done":
                out.write(json.dumps([event["eventId"], event["occurredAt"], time.time()]) + "\n")

        deadline = time.monotonic() + args.run_for
        while time.monotonic() < deadline:
            await source.pump(handle)
        await redis.aclose()


# -- driver ------------------------------------------------------------------------------------


async def send_messages(
    http: httpx.AsyncClient, creds: dict[str, Any], count: int, rate: float | None
) -> None:
    headers_list = []
    chats = []
    for i in range(8):
        r = await http.post(
            "/api/auth/visitor/register",
            json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": f"b{i}"},
        )
        headers = {"authorization": f"Bearer {r.json()['accessToken']}"}
        chat = (await http.post("/api/v2/chats", json={}, headers=headers)).json()["chatId"]
        headers_list.append(headers)
        chats.append(chat)
    start = time.monotonic()
    tasks = []
    for i in range(count):
        if rate:
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        k = i % len(chats)
        tasks.append(
            asyncio.create_task(
                http.post(
                    f"/api/v2/chats/{chats[k]}/messages",
                    json={"content": f"ping {i}"},
                    headers=headers_list[k],
                )
            )
        )
        if not rate and len(tasks) >= 16:
            await asyncio.gather(*tasks)
            tasks.clear()
    await asyncio.gather(*tasks)


def spawn_workers(
    n: int, base: str, key: str, rules: Path, out: Path, stream: str, redis: str, run_for: float
) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker-mode",
                "--base",
                base,
                "--key",
                key,
                "--rules",
                str(rules),
                "--out",
                str(out),
                "--stream",
                stream,
                "--redis",
                redis,
                "--name",
                f"w{i}",
                "--run-for",
                str(run_for),
            ],
            env=env,
        )
        for i in range(n)
    ]


def read_lines(path: Path) -> list[tuple[str, float, float]]:
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            event_id, occurred, done = json.loads(line)
            rows.append((event_id, datetime.fromisoformat(occurred).timestamp(), float(done)))
    return rows


async def measure(args: argparse.Namespace, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        proc, base = start_server(data)
        try:
            creds = json.loads((data / "demo-credentials.json").read_text())
            rules = data / "rules.yaml"
            rules.write_text(RULES)
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                # throughput: the backlog first, then the workers drain it
                await send_messages(http, creds, args.backlog, None)
                out = data / "backlog.jsonl"
                stream = f"bench:{uuid.uuid4().hex}"
                procs = spawn_workers(
                    workers, base, creds["integrationKey"], rules, out, stream, args.redis,
                    run_for=args.backlog / 2 + 30,
                )  # fmt: skip
                while len(read_lines(out)) < args.backlog:
                    if all(p.poll() is not None for p in procs):
                        break
                    await asyncio.sleep(0.2)
                rows = read_lines(out)
                for p in procs:
                    p.terminate()
                    p.wait()
                span = max(r[2] for r in rows) - min(r[2] for r in rows) if rows else 0.0
                throughput = (len(rows) - 1) / span if span > 0 else 0.0
                ids = [r[0] for r in rows]
                duplicates = len(ids) - len(set(ids))

                # lag: a fixed arrival rate
                out = data / "lag.jsonl"
                stream = f"bench:{uuid.uuid4().hex}"
                head = await http.get(
                    "/api/v2/events",
                    params={"limit": 1},
                    headers={"authorization": f"Bearer {creds['integrationKey']}"},
                )
                await http.put(
                    "/api/v2/consumers/bench-feed/position",
                    json={"seq": head.json()["lastSeq"]},
                    headers={"authorization": f"Bearer {creds['integrationKey']}"},
                )
                procs = spawn_workers(
                    workers, base, creds["integrationKey"], rules, out, stream, args.redis,
                    run_for=args.seconds + 30,
                )  # fmt: skip
                await asyncio.sleep(3)  # workers up and attached to the group
                expected = int(args.rate * args.seconds)
                await send_messages(http, creds, expected, args.rate)
                deadline = time.monotonic() + 30
                while len(read_lines(out)) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
                for p in procs:
                    p.terminate()
                    p.wait()
                lags = sorted(done - occurred for _, occurred, done in read_lines(out))
        finally:
            proc.terminate()
            proc.wait()
    q = statistics.quantiles(lags, n=100) if len(lags) >= 2 else [float("nan")] * 99
    return {
        "throughput": throughput,
        "duplicates": duplicates,
        "handled": len(lags),
        "expected": expected,
        "p50": q[49] * 1000,
        "p99": q[98] * 1000,
    }


async def driver(args: argparse.Namespace) -> None:
    print(
        f"pipeline benchmark: backlog {args.backlog}, lag at {args.rate}/s for {args.seconds} s, "
        "SQLite server, Redis consumer group, one rule answering every message"
    )
    for workers in (1, 2):
        r = await measure(args, workers)
        print(
            f"  {workers} worker(s): {r['throughput']:6.1f} events/s (backlog drain)  "
            f"lag p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
            f"({r['handled']}/{r['expected']} at the fixed rate, {r['duplicates']} duplicates)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backlog", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--worker-mode", action="store_true", help=argparse.SUPPRESS)
    for name in ("--base", "--key", "--rules", "--out", "--stream", "--name"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--run-for", type=float, default=60, help=argparse.SUPPRESS)
    args = parser.parse_args()
    asyncio.run(worker_main(args) if args.worker_mode else driver(args))


if __name__ == "__main__":
    main()
