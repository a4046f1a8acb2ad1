"""What sealing personal fields costs the send path (docs/privacy.md, "Cost").

Three figures on SQLite (in a temporary directory), medians of ``--rounds``:
- ``seal``: sealing one ``message.sent`` payload with the visitor's key cached (µs);
- ``open``: opening it again (µs per event, in batches of 100 as the log's readers do);
- ``append``: a unit of work appending one ``message.sent`` event and committing, with the
  key ring and without it (µs per commit), and the ratio.

    .venv/bin/python benchmarks/sealing.py [--events 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from guiders.domain.events import DomainEvent, StoredEvent
from guiders.services.secret_box import SecretBox, new_key
from guiders.store.database import Database
from guiders.store.unit_of_work import SqlUnitOfWork
from guiders.store.visitor_keys import VisitorKeys


def message(company: uuid.UUID, chat: uuid.UUID, visitor: uuid.UUID, n: int) -> DomainEvent:
    return DomainEvent(
        type="message.sent",
        aggregate_type="chat",
        aggregate_id=chat,
        company_id=company,
        payload={
            "message_id": str(uuid.uuid4()),
            "chat_id": str(chat),
            "visitor_id": str(visitor),
            "sender_id": str(visitor),
            "sender_name": "Ana",
            "sender_role": "visitor",
            "content": f"Do you ship to Portugal? I need it by Friday ({n})",
            "kind": "text",
            "internal": False,
            "metadata": {},
            "client_message_id": None,
            "sent_at": datetime.now(UTC).isoformat(),
        },
        occurred_at=datetime.now(UTC),
        version=n + 2,
    )


async def append_rate(db: Database, events: int) -> float:
    company, chat, visitor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = time.perf_counter()
    for n in range(events):
        async with SqlUnitOfWork(db) as uow:
            uow.record(message(company, chat, visitor, n))
            await uow.commit()
    return (time.perf_counter() - start) / events * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await db.create_schema()
        keys = VisitorKeys(SecretBox([new_key()]))
        seal_us, open_us, plain_us, sealed_us = [], [], [], []
        for _ in range(args.rounds):
            company, chat, visitor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            stored = [
                StoredEvent(
                    event_id=uuid.uuid4(),
                    seq=n,
                    company_id=company,
                    aggregate_type="chat",
                    aggregate_id=chat,
                    version=n,
                    type="message.sent",
                    payload=message(company, chat, visitor, n).payload,
                    actor_id=None,
                    actor_type=None,
                    correlation_id=None,
                    occurred_at=datetime.now(UTC),
                )
                for n in range(args.events)
            ]
            async with db.engine.begin() as conn:
                session = keys.session(conn)
                await session.seal(stored[0])  # creates the key
                start = time.perf_counter()
                sealed = [await session.seal(e) for e in stored]
                seal_us.append((time.perf_counter() - start) / len(stored) * 1e6)
                rows = [
                    {"event_id": e.event_id, "payload": p}
                    for e, p in zip(stored, sealed, strict=True)
                ]
                start = time.perf_counter()
                for i in range(0, len(rows), 100):
                    await session.open_all(rows[i : i + 100])
                open_us.append((time.perf_counter() - start) / len(rows) * 1e6)
            db.visitor_keys = None
            plain_us.append(await append_rate(db, args.events // 4))
            db.visitor_keys = keys
            sealed_us.append(await append_rate(db, args.events // 4))
        await db.dispose()
    med = statistics.median
    print(f"seal one message.sent (key cached): {med(seal_us):7.1f} µs")
    print(f"open one (batches of 100):          {med(open_us):7.1f} µs")
    print(f"append + commit, plain:             {med(plain_us):7.1f} µs")
    print(f"append + commit, sealed:            {med(sealed_us):7.1f} µs")
    print(f"sealed / plain:                     {med(sealed_us) / med(plain_us):7.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
