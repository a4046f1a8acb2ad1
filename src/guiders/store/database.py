"""Engine creation and schema set-up, one code path for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from guiders.config import Settings
from guiders.store.tables import metadata


class Database:
    """The engine plus what SQLite needs to behave under concurrency.

    SQLite allows one writer; transactions that upgrade from read to write fail with
    ``database is locked`` instead of waiting. Serialising transactions in the process (the only
    process that may use a SQLite file here) and starting them with ``BEGIN IMMEDIATE`` avoids
    that, while WAL keeps other readers (``guiders events show``, a second CLI) unblocked.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_min: int = 2,
        pool_max: int = 10,
        pool_recycle_s: int = 300,
        schema: str | None = None,
        foreign_keys: bool = True,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs = {
                "pool_size": pool_min,
                "max_overflow": max(pool_max - pool_min, 0),
                "pool_recycle": pool_recycle_s,
                "pool_pre_ping": True,
            }
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.write_lock = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _configure_sqlite(self.engine, foreign_keys=foreign_keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.resolved_database_url,
            pool_min=settings.db_pool_min,
            pool_max=settings.db_pool_max,
            pool_recycle_s=settings.db_pool_idle_s,
            schema=settings.database_schema,
        )

    async def create_schema(self) -> None:
        """Tables as ``metadata`` describes them; production uses ``guiders migrate``."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def begin(self) -> AsyncConnection:
        conn = await self.engine.connect()
        _ = await conn.begin()
        return conn


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
