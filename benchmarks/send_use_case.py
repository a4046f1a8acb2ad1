"""The send use case alone, without HTTP: ``--senders`` concurrent senders post into one chat
through ``MessageService.send`` (the group commit, the unit of work, the database) and the
process's CPU time per message is printed, with the batches the group commit made and how long
its commits held the loop (wall and CPU, the slow ones counted: an fsync in a commit stalls the
whole server on SQLite, whose statements run on the loop's thread).

    PYTHONPATH=$PWD/src taskset -c 0 .venv/bin/python benchmarks/send_use_case.py
        [--senders 16] [--messages 16000] [--rounds 3] [--postgres]

Pin it to one core (``taskset -c 0``) as the send benchmark pins its server. The figure is the
median of ``--rounds`` fresh databases. Run on a quiet machine: CPU time per message is the
steadier figure, but a busy neighbour still moves it by 10-20 %.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime
from guiders.services.messages import MessageDraft
from guiders.store import unit_of_work

PG_URL = os.environ.get(
    "GUIDERS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
SLOW_COMMIT_S = 0.003


class CommitClock:
    """Wall and CPU time of every commit of the store's units of work, while installed."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self._original: Any = None

    def __enter__(self) -> CommitClock:
        original = self._original = unit_of_work.SqlUnitOfWork._commit
        clock = self

        async def timed(uow: unit_of_work.SqlUnitOfWork) -> None:
            cpu, wall = time.process_time(), time.perf_counter()
            await original(uow)
            clock.cpus.append(time.process_time() - cpu)
            clock.walls.append(time.perf_counter() - wall)

        unit_of_work.SqlUnitOfWork._commit = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        unit_of_work.SqlUnitOfWork._commit = self._original  # type: ignore[method-assign]


async def one_round(settings: Settings, senders: int, total: int) -> dict[str, float]:
    rt = Runtime.build(settings)
    await rt.db.create_schema()
    await rt.start()
    try:
        demo = await seed_demo(rt.services, settings.data_dir)
        principal = await rt.services.tokens.authenticate_key(demo["integrationKey"])
        app = create_app(settings, rt)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            key = {"Authorization": f"Bearer {demo['integrationKey']}"}
            visitor = await api.post(
                "/api/auth/visitor/register",
                json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": "b"},
            )
            made = await api.post(
                "/api/v2/chats", json={"visitorId": visitor.json()["visitorId"]}, headers=key
            )
        chat_id = uuid.UUID(made.json()["chatId"])
        send = rt.services.messages.send
        per_sender = total // senders

        async def sender(n: int) -> None:
            for m in range(per_sender):
                await send(principal, chat_id, MessageDraft(content=f"hello there {n} {m}"))

        await sender(0)  # warm: statement caches, the visitor's key
        group = rt.services.messages.group_commit
        batches, sends = group.batches, group.sends
        with CommitClock() as commits:
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(sender(n) for n in range(senders)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sent = group.sends - sends
        slow = [w for w in commits.walls if w > SLOW_COMMIT_S]
        return {
            "cpu_ms": 1000 * cpu / sent,
            "per_s": sent / wall,
            "batch": sent / max(group.batches - batches, 1),
            "commit_wall_s": sum(commits.walls),
            "commit_cpu_s": sum(commits.cpus),
            "slow_commits": len(slow),
            "slow_commit_s": sum(slow),
            "run_s": wall,
        }
    finally:
        await rt.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--messages", type=int, default=16_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    base: dict[str, Any] = {
        "environment": "test",
        "jwt_secret": "use-case-benchmark-secret-32-bytes!",
        "presence_requires_connection": False,
        "analytics_enabled": False,
        "pipeline_enabled": False,
        "bot_enabled": False,
        "knowledge_enabled": False,
    }
    results = []
    for n in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            if not args.postgres:
                result = await one_round(
                    Settings(data_dir=Path(tmp), **base), args.senders, args.messages
                )
            else:
                import asyncpg

                schema = f"uc_{uuid.uuid4().hex[:12]}"
                conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
                await conn.execute(f"CREATE SCHEMA {schema}")
                try:
                    settings = Settings(
                        data_dir=Path(tmp), database_url=PG_URL, database_schema=schema, **base
                    )
                    result = await one_round(settings, args.senders, args.messages)
                finally:
                    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
                    await conn.close()
        results.append(result)
        print(
            f"round {n}: {result['cpu_ms']:.3f} ms CPU/message, {result['per_s']:.0f} msg/s, "
            f"batches of {result['batch']:.1f}; commits held the loop "
            f"{result['commit_wall_s']:.2f} s "
            f"of {result['run_s']:.2f} s (CPU {result['commit_cpu_s']:.2f} s), "
            f"{result['slow_commits']:.0f} over {1000 * SLOW_COMMIT_S:.0f} ms totalling "
            f"{result['slow_commit_s']:.2f} s",
            flush=True,
        )
    backend = "postgresql" if args.postgres else "sqlite"
    print(
        f"{backend}: median {statistics.median(r['cpu_ms'] for r in results):.3f} ms CPU per "
        f"message, {statistics.median(r['per_s'] for r in results):.0f} msg/s "
        f"({args.senders} senders, {args.messages} messages, {args.rounds} rounds)"
    )


if __name__ == "__main__":
    asyncio.run(main())
