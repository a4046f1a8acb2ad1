"""The cost of metrics on the send path: accepted messages per second through
POST /api/v2/chats/{id}/messages with metrics on and off (GUIDERS_METRICS_ENABLED), on SQLite,
alternating on/off/on/off so drift on a shared machine hits both alike. Prints each run, the
medians and the relative cost.

    .venv/bin/python benchmarks/metrics_cost.py [--seconds 5] [--clients 16] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from send_message import guiders_target, load, start_guiders


async def measure(enabled: bool, args: argparse.Namespace, port: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        proc = start_guiders(port, data, {"GUIDERS_METRICS_ENABLED": str(enabled).lower()})
        try:
            creds = json.loads((data / "demo-credentials.json").read_text())
            url, headers = await guiders_target(f"http://127.0.0.1:{port}", creds)
            await load(url, headers, 1, args.clients)  # warm up
            return await load(url, headers, args.seconds, args.clients)
        finally:
            proc.terminate()
            proc.wait()


async def bookkeeping_us(n: int = 20000) -> float:
    """In-process: what one sent message adds (middleware timing, two counters, one event)."""
    from datetime import UTC, datetime
    from uuid import uuid4

    from guiders.domain.events import StoredEvent
    from guiders.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS, record_event

    event = StoredEvent(
        seq=1,
        event_id=uuid4(),
        type="message.sent",
        aggregate_type="chat",
        aggregate_id=uuid4(),
        company_id=uuid4(),
        version=1,
        payload={"sender": {"role": "visitor"}},
        occurred_at=datetime.now(UTC),
        actor_id=None,
        actor_type="visitor",
        correlation_id=None,
    )
    route = "/api/v2/chats/{chat_id}/messages"
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        HTTP_LATENCY.labels(route).observe(time.perf_counter() - t)
        HTTP_REQUESTS.labels("POST", route, "201").inc()
        await record_event(event)
    return (time.perf_counter() - start) / n * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.clients} clients, {args.seconds:.0f} s a run, SQLite, one uvicorn worker")
    rates: dict[bool, list[float]] = {True: [], False: []}
    for n in range(args.rounds):
        for enabled in (True, False):
            rate = await measure(enabled, args, 18720 + n * 2 + enabled)
            rates[enabled].append(rate)
            print(f"  metrics {'on ' if enabled else 'off'}  {rate:8.0f} msg/s", flush=True)
    on, off = statistics.median(rates[True]), statistics.median(rates[False])
    print(f"median on {on:.0f} msg/s, off {off:.0f} msg/s, cost {(off - on) / off * 100:+.1f}%")
    per = await bookkeeping_us()
    print(f"metrics bookkeeping per sent message, in process: {per:.1f} us")


if __name__ == "__main__":
    asyncio.run(main())
