"""A group commit's message rows and chat changes, carried into the events statement.

On PostgreSQL every statement is a round trip, and a batch of sends made six: ``BEGIN``, the
chats read for update, the messages insert, the chats update, the events (counter, rows and
outbox in one statement already) and ``COMMIT``. Measured with one sender, the socket writes of
those round trips were about half of a batch's CPU (docs/performance.md, seventh pass). The
unit of work hands the batch's messages and changed chats to the event log, which writes them as
two more parts of its own statement (``WITH carried_messages AS (INSERT …), carried_chats AS
(UPDATE …), reserved AS …``): four round trips instead of six, in the same transaction, so
nothing about atomicity or ordering changes. What is carried but finds no events to ride with
is written on its own before the commit.

Each column goes in as one array (``unnest``), so the statement text depends only on which chat
columns changed, and asyncpg prepares each variant once. The values pass through each column's
own bind processor for the connection's dialect, the functions SQLAlchemy would run
(``store/bulk_insert.py`` does the same for ``executemany``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Dialect, Table

from guiders.store.tables import chats, messages

Processor = Callable[[Any], Any] | None


class _Columns:
    """Some columns of a table as PostgreSQL arrays: their casts and bind processors."""

    def __init__(self, table: Table, names: Sequence[str], dialect: Dialect) -> None:
        self.names = tuple(names)
        self.casts = tuple(f"{table.c[n].type.compile(dialect=dialect)}[]" for n in self.names)
        self._processors: tuple[Processor, ...] = tuple(
            table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in self.names
        )

    def arrays(self, rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        return [
            [row[name] for row in rows] if process is None else [process(row[name]) for row in rows]
            for name, process in zip(self.names, self._processors, strict=True)
        ]


@dataclass(slots=True)
class CarriedWrites:
    """Rows to write with the next events statement of the transaction."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    """Every column of each new message."""
    chats: list[dict[str, Any]] = field(default_factory=list)
    """Each changed chat: ``id`` and the columns that changed, every one the same columns."""

    def __bool__(self) -> bool:
        return bool(self.messages or self.chats)


class CarriedStatements:
    """The SQL parts and parameters of carried writes, per dialect and column set."""

    def __init__(self) -> None:
        self._columns: dict[tuple[str, str, tuple[str, ...]], _Columns] = {}

    def parts(
        self, dialect: Dialect, writes: CarriedWrites, first: int
    ) -> tuple[list[str], list[Any]]:
        """The ``WITH`` parts (without ``WITH``) and their parameters, numbered from ``first``."""
        ctes: list[str] = []
        params: list[Any] = []
        if writes.messages:
            cols = self._of(dialect, messages, tuple(messages.c.keys()))
            ctes.append(
                f"carried_messages AS (INSERT INTO messages ({', '.join(cols.names)}) "
                f"SELECT * FROM unnest({_placeholders(cols, first)}))"
            )
            params.extend(cols.arrays(writes.messages))
            first += len(cols.names)
        if writes.chats:
            names = tuple(writes.chats[0])
            cols = self._of(dialect, chats, names)
            assignments = ", ".join(f"{n} = carried.{n}" for n in names if n != "id")
            ctes.append(
                f"carried_chats AS (UPDATE chats SET {assignments} "
                f"FROM unnest({_placeholders(cols, first)}) AS carried({', '.join(names)}) "
                "WHERE chats.id = carried.id)"
            )
            params.extend(cols.arrays(writes.chats))
        return ctes, params

    def _of(self, dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Columns:
        key = (dialect.name, table.name, names)
        found = self._columns.get(key)
        if found is None:
            found = self._columns[key] = _Columns(table, names, dialect)
        return found


def _placeholders(cols: _Columns, first: int) -> str:
    return ", ".join(f"${first + i}::{cast}" for i, cast in enumerate(cols.casts))


def chat_changes(
    changed: Sequence[tuple[Any, dict[str, Any], dict[str, Any]]],
) -> list[dict[str, Any]]:
    """``(chat id, changed columns, all columns)`` of each chat, as rows of one column set: the
    union of what changed (a column one chat did not change is written with its own value)."""
    names = sorted({name for _, diff, _ in changed for name in diff})
    if not names:
        return []
    return [
        {"id": chat_id, **{name: values[name] for name in names}}
        for chat_id, diff, values in changed
        if diff
    ]
