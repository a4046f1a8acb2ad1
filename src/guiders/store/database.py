"""Engine creation and schema set-up, one code path for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from guiders.config import Settings
from guiders.store import search as _search  # noqa: F401  (installs full-text search with the tables)
from guiders.store.tables import metadata
from guiders.store.wal_checkpoints import FALLBACK_PAGES, WalCheckpointer

if TYPE_CHECKING:
    from guiders.store.visitor_keys import VisitorKeys


class Database:
    """The engine plus what SQLite needs to behave under concurrency.

    SQLite allows one writer; transactions that upgrade from read to write fail with
    ``database is locked`` instead of waiting. Serialising transactions in the process (the only
    process that may use a SQLite file here) and starting them with ``BEGIN IMMEDIATE`` avoids
    that, while WAL keeps other readers (``guiders events show``, a second CLI) unblocked.

    SQLite statements run on the event loop itself (see ``InlineSqliteConnection``).
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
        connect_retries: int = 0,
        retry_backoff_s: float = 0.1,
    ) -> None:
        self.url = url
        self.visitor_keys: VisitorKeys | None = None
        """The key ring that seals and opens visitors' facts in the log (set by the runtime;
        None: events are stored and read as they are)."""
        self.connect_retries = connect_retries
        self.retry_backoff_s = retry_backoff_s
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        self.checkpointer: WalCheckpointer | None = None
        """SQLite's checkpoints in a thread (``wal_checkpoints.py``), once ``start`` is called."""
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                self.checkpointer = WalCheckpointer(path)
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs = {
                "async_creator": _inline_sqlite_creator(path or ":memory:"),
                # Connection.close() already rolls back an open transaction.
                "pool_reset_on_return": None,
            }
        else:
            kwargs = {
                "pool_size": pool_min,
                "max_overflow": max(pool_max - pool_min, 0),
                "pool_recycle": pool_recycle_s,
                # No pre-ping: with asyncpg it is a transaction and two round trips on every
                # checkout (a tenth of the send path). A connection the server dropped fails
                # once, is invalidated, and the API answers 503 with Retry-After instead.
                "pool_pre_ping": False,
            }
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.write_lock = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _configure_sqlite(
                self.engine,
                foreign_keys=foreign_keys,
                checkpoint_pages=FALLBACK_PAGES if self.checkpointer is not None else None,
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.resolved_database_url,
            pool_min=settings.db_pool_min,
            pool_max=settings.db_pool_max,
            pool_recycle_s=settings.db_pool_idle_s,
            schema=settings.database_schema,
            connect_retries=settings.db_retries,
            retry_backoff_s=settings.db_retry_backoff_s,
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

    def start(self) -> None:
        """Background work of the database itself: SQLite's checkpoints off the loop."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        await self.engine.dispose()

    async def begin(self) -> AsyncConnection:
        """A connection in a transaction. Getting the connection is retried with exponential
        backoff (a database restart, a failover): nothing was done yet, so it is safe to
        repeat; a statement that fails later is never retried here."""
        delay = self.retry_backoff_s
        for attempt in range(self.connect_retries + 1):
            try:
                conn = await self._connect()
                break
            except (OperationalError, InterfaceError, OSError):
                if attempt == self.connect_retries:
                    raise
                await asyncio.sleep(delay)
                delay *= 2
        _ = await conn.begin()
        return conn

    async def _connect(self) -> AsyncConnection:
        return await self.engine.connect()

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A read outside a unit of work (figures, history).

        On SQLite every transaction begins ``IMMEDIATE`` and statements run on the loop's
        thread (``InlineSqliteConnection``): a read that did not wait its turn behind the units
        of work would sit in SQLite's busy handler, blocking the loop, while the holder of the
        lock could not run to release it ("database is locked" after the busy timeout)."""
        lock = self.write_lock if self.write_lock is not None else contextlib.nullcontext()
        async with lock, self.engine.connect() as conn:
            yield conn


class InlineSqliteConnection(aiosqlite.Connection):
    """aiosqlite without the thread hop per call.

    Our statements take microseconds (WAL, ``synchronous=NORMAL``: a commit does not wait for
    the disk), while handing each one to aiosqlite's thread and waking the loop for its result
    costs more, and under load every hop also waits its turn behind other requests: 25 hops a
    message kept the write lock held several times longer than the work. Running the calls
    inline trades that for a loop blocked for the duration of each statement, which on this
    single-process backend is the smaller cost. The thread is still used to open and close.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE`` straight to the driver. Issued through SQLAlchemy (a statement
        of its own: compiled-cache look-up, execution context, greenlet hop) it was a quarter
        of an empty transaction's cost, 23 of 85 µs, paid by every unit of work."""
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        self._connection.execute("BEGIN IMMEDIATE")


def _inline_sqlite_creator(path: str) -> Callable[[], Any]:
    async def connect() -> aiosqlite.Connection:
        # Opened by aiosqlite's thread, then used from the loop's: one user at a time.
        return await InlineSqliteConnection(
            lambda: sqlite3.connect(path, check_same_thread=False), 64
        )

    return connect


def _configure_sqlite(
    engine: AsyncEngine, *, foreign_keys: bool, checkpoint_pages: int | None
) -> None:
    """``checkpoint_pages``: the log's size at which a commit checkpoints (None: SQLite's
    default, 1,000 pages)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        if checkpoint_pages is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        driver = conn.connection.driver_connection
        if isinstance(driver, InlineSqliteConnection):
            driver.begin_immediate()
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
