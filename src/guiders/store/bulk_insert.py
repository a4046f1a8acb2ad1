"""Many rows of one table in one ``executemany``, without SQLAlchemy's per-row machinery.

A group commit writes a batch's messages and its events with one ``executemany`` each. Through
``Connection.execute`` SQLAlchemy builds, for every row, a dict of every bind parameter and
runs each value through its type's processor in generic code (``construct_params``): profiled on
the send path, that was about a third of the use case's CPU, more than SQLite's own work
(docs/performance.md, sixth pass). Here the table's insert is compiled once per dialect and each
column's own bind processor is looked up once: the same functions SQLAlchemy runs (the stored
values are identical, ``tests/integration/test_bulk_insert.py`` compares them), applied to
tuples that go to the driver through ``exec_driver_sql``.

Every row must hold every column of the table: there are no defaults to fill in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.ext.asyncio import AsyncConnection

Processor = Callable[[Any], Any] | None


class BulkInsert:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._plans: dict[str, tuple[str, tuple[tuple[str, Processor], ...]]] = {}

    async def many(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        plan = self._plans.get(conn.dialect.name)
        if plan is None:
            plan = self._plans[conn.dialect.name] = self._plan(conn.dialect)
        sql, columns = plan
        params = [
            tuple(row[key] if process is None else process(row[key]) for key, process in columns)
            for row in rows
        ]
        await conn.exec_driver_sql(sql, params)

    def _plan(self, dialect: Dialect) -> tuple[str, tuple[tuple[str, Processor], ...]]:
        """The insert as the dialect's driver reads it, and (column, processor) in bind order."""
        compiled = self._table.insert().compile(dialect=dialect)
        order = compiled.positiontup
        assert order is not None, "a positional paramstyle (qmark, numeric_dollar)"
        columns = tuple(
            (
                key,
                self._table.c[key].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for key in order
        )
        return str(compiled), columns
