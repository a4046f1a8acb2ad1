"""SQLite's checkpoints run in a thread of their own (store/wal_checkpoints.py): what is
committed reaches the database file itself without any commit checkpointing inline."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from guiders.store.database import Database
from guiders.store.wal_checkpoints import FALLBACK_PAGES


def rows_in_main_file(db_file: Path, copy: Path) -> int:
    """Rows of ``t`` in the database file alone, the log left behind."""
    shutil.copyfile(db_file, copy)
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    except sqlite3.OperationalError:  # the table itself not checkpointed yet
        return 0
    finally:
        conn.close()


async def test_commits_reach_the_database_file_through_the_thread(tmp_path: Path) -> None:
    db_file = tmp_path / "g.db"
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    assert db.checkpointer is not None
    try:
        async with db.engine.begin() as conn:
            assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == (
                FALLBACK_PAGES
            )
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        for n in range(50):
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        # far below the fallback: no commit has checkpointed, the rows are only in the log
        assert rows_in_main_file(db_file, tmp_path / "before.db") == 0
        db.start()
        deadline = time.monotonic() + 10
        while rows_in_main_file(db_file, tmp_path / "after.db") < 50:
            assert time.monotonic() < deadline, "the checkpoint thread never copied the log"
            await asyncio.sleep(0.05)
        assert db.checkpointer.passes >= 1
    finally:
        await db.dispose()


async def test_an_in_memory_database_keeps_sqlites_own_checkpoints() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    assert db.checkpointer is None
    try:
        db.start()
        async with db.engine.begin() as conn:
            assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == 1000
    finally:
        await db.dispose()
