"""Statements per group-commit batch of ``POST /api/v2/chats/{id}/messages``, on SQLite and
PostgreSQL: concurrent sends through the app in process, every statement the engine sends
counted (SQLAlchemy's ``before_cursor_execute``, in the group commit's task only; an
``executemany`` counts once, as one call to the driver), per batch the group commit ran. On
PostgreSQL add two round trips a batch: ``BEGIN`` and ``COMMIT`` are not cursor executions.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/send_statements.py [--sends 16]
        [--client-ids] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime

PG_URL = os.environ.get(
    "GUIDERS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def count(settings: Settings, args: argparse.Namespace) -> None:
    rt = Runtime.build(settings)
    await rt.db.create_schema()
    await rt.start()
    try:
        demo = await seed_demo(rt.services, settings.data_dir)
        app = create_app(settings, rt)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            r = await api.post(
                "/api/auth/visitor/register",
                json={"apiKey": demo["siteKey"], "domain": "www.localhost", "fingerprint": "s"},
            )
            headers = {"authorization": f"Bearer {r.json()['accessToken']}"}
            chat = (await api.post("/api/v2/chats", json={}, headers=headers)).json()["chatId"]
            url = f"/api/v2/chats/{chat}/messages"
            await api.post(url, json={"content": "warm"}, headers=headers)
            seen: collections.Counter[str] = collections.Counter()

            def on_execute(*a: Any) -> None:
                task = asyncio.current_task()
                if task is None or task.get_name() != "group-commit":
                    return  # the relay's clean-up, sagas: not the batch's
                statement = " ".join(str(a[2]).split())[:70]
                seen[statement] += 1

            sync_engine = rt.db.engine.sync_engine
            event.listen(sync_engine, "before_cursor_execute", on_execute)
            group = rt.services.messages.group_commit
            batches = group.batches
            bodies = [{"content": f"m{i}"} for i in range(args.sends)]
            if args.client_ids:
                for i, body in enumerate(bodies):
                    body["clientMessageId"] = f"c{i}"
            answers = await asyncio.gather(
                *(api.post(url, json=b, headers=headers) for b in bodies)
            )
            event.remove(sync_engine, "before_cursor_execute", on_execute)
            assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
            n = group.batches - batches
            print(
                f"{rt.db.engine.dialect.name}: {args.sends} sends, {n} batches, "
                f"{sum(seen.values())} statements ({sum(seen.values()) / n:.1f} per batch)"
            )
            for statement, times in seen.most_common():
                print(f"  {times:4d}  {statement}")
    finally:
        await rt.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sends", type=int, default=16)
    parser.add_argument("--client-ids", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    base: dict[str, Any] = {
        "environment": "test",
        "jwt_secret": "statement-count-secret-of-32-bytes!",
        "presence_requires_connection": False,
    }
    with tempfile.TemporaryDirectory() as tmp:
        await count(Settings(data_dir=Path(tmp), **base), args)
    if args.no_postgres:
        return
    import asyncpg

    schema = f"s_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+asyncpg", "")
    conn = await asyncpg.connect(raw)
    await conn.execute(f"CREATE SCHEMA {schema}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp), database_url=PG_URL, database_schema=schema, **base
            )
            await count(settings, args)
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
