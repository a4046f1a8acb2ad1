"""Full-text search over messages: SQLite FTS5 and PostgreSQL ``tsvector`` with a GIN index.

Neither structure is a table of ``metadata`` (an FTS5 virtual table and an expression index
cannot be described there alike), so ``install`` creates them: after ``create_schema`` (tests,
the demo) through a ``metadata`` hook, in migration ``0011_agent_tools``, and their current form
in ``0021_search_pending``.

- SQLite: ``messages_fts``, an FTS5 table of (content, message_id). It holds its own copy of
  the text (not an external-content table: ``messages`` has no INTEGER primary key, and VACUUM
  may renumber its rowids). A new message is not indexed in the transaction that writes it: a
  trigger notes its id in ``messages_fts_pending`` and ``catch_up`` indexes what is noted, a
  batch at a time (every second, ``services/search_indexing.py``, and before every search, in
  the search's own transaction, so a search always finds what was sent before it). FTS5 writes
  a new segment of its index at every commit and merges segments as they pile up: indexed in
  the send's transaction, that was 40 % of SQLite's work per message under load, at a batch of
  16 (``docs/performance.md``); indexed a thousand at a time it costs next to nothing. Deletes
  and content updates reach the index through triggers, which find a message's entry by key in
  ``messages_fts_ids`` (written by the catch-up): ``message_id`` is an unindexed column of the
  FTS5 table, and finding it there read the whole index for every deleted message.
- PostgreSQL: ``ix_messages_content_fts``, a GIN index on ``to_tsvector('simple', content)``;
  the query uses the same expression, so it is answered from the index (GIN keeps its own list
  of pending entries, so PostgreSQL needs none of ours).

On SQLite, a later migration that *recreates* ``messages`` (Alembic's batch mode copies the
table when SQLite cannot alter it in place) drops its triggers: such a migration must run
``statements("sqlite")`` again and rebuild ``messages_fts`` (``SQLITE_BACKFILL`` after a
``DELETE FROM messages_fts``). Adding a column does not recreate the table.

The ``simple`` configuration (no stemming, no stop words) works the same for every language a
company's visitors write in. What the user typed is reduced to words (at most 8), each matched
as a prefix, all required: no query syntax of either database reaches it.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    MetaData,
    Table,
    Text,
    Uuid,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.services.ports import ConversationSearch, SearchHit
from guiders.store.metadata import metadata
from guiders.store.tables import chats, messages

_UNINDEX_OLD = (
    "DELETE FROM messages_fts WHERE rowid = "
    "(SELECT entry FROM messages_fts_ids WHERE message_id = old.id); "
    "DELETE FROM messages_fts_ids WHERE message_id = old.id;"
)
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5("
    "content, message_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TABLE IF NOT EXISTS messages_fts_pending (message_id CHAR(32) NOT NULL)",
    # where each message is in the index: a delete finds its entry by key, never by a scan
    # of the index's text (``message_id`` is an unindexed column of the FTS5 table)
    "CREATE TABLE IF NOT EXISTS messages_fts_ids "
    "(message_id CHAR(32) NOT NULL PRIMARY KEY, entry INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts_pending (message_id) VALUES (new.id); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN "
    f"{_UNINDEX_OLD} END",
    # a message is noted at most once: a catch-up never indexes it twice
    "CREATE TRIGGER IF NOT EXISTS messages_fts_update AFTER UPDATE OF content ON messages BEGIN "
    f"{_UNINDEX_OLD} "
    "DELETE FROM messages_fts_pending WHERE message_id = old.id; "
    "INSERT INTO messages_fts_pending (message_id) VALUES (new.id); END",
)
SQLITE_BACKFILL = "INSERT INTO messages_fts (content, message_id) SELECT content, id FROM messages"
SQLITE_BACKFILL_IDS = (
    "INSERT OR IGNORE INTO messages_fts_ids (message_id, entry) "
    "SELECT message_id, rowid FROM messages_fts"
)
"""After ``SQLITE_BACKFILL``: where each message went (migration ``0021_search_pending``)."""
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
    "DROP TABLE IF EXISTS messages_fts_pending",
    "DROP TABLE IF EXISTS messages_fts_ids",
)
_PENDING_UP_TO = (
    "SELECT max(rowid) FROM (SELECT rowid FROM messages_fts_pending ORDER BY rowid LIMIT :limit)"
)
_INDEX_PENDING = (
    "INSERT INTO messages_fts (content, message_id) SELECT m.content, m.id "
    "FROM messages_fts_pending AS p JOIN messages AS m ON m.id = p.message_id "
    "WHERE p.rowid <= :last"
)
_LAST_ENTRY = "SELECT coalesce(max(rowid), 0) FROM messages_fts"
_NOTE_ENTRIES = (
    "INSERT INTO messages_fts_ids (message_id, entry) "
    "SELECT message_id, rowid FROM messages_fts WHERE rowid > :before"
)
_CLEAR_PENDING = "DELETE FROM messages_fts_pending WHERE rowid <= :last"
POSTGRES_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_messages_content_fts ON messages "
    "USING gin (to_tsvector('simple', content))",
)
POSTGRES_DROP = ("DROP INDEX IF EXISTS ix_messages_content_fts",)

SEARCH_NAMES = ("messages_fts", "ix_messages_content_fts")
"""Names (and prefixes: FTS5's shadow tables) the schema comparison leaves out."""

CATCH_UP_BATCH = 1000
"""Messages indexed per statement (a bounded hold of SQLite's write lock)."""
MAX_TERMS = 8
MAX_TERM = 50
WORD = re.compile(r"\w+", re.UNICODE)

# The FTS5 table as a query sees it; on a MetaData of its own, so create_all never makes it.
_fts = Table("messages_fts", MetaData(), Column("content", Text), Column("message_id", Uuid))
_VECTOR = func.to_tsvector(literal_column("'simple'"), messages.c.content)


def statements(dialect: str) -> tuple[str, ...]:
    return SQLITE_DDL if dialect == "sqlite" else POSTGRES_DDL


def drops(dialect: str) -> tuple[str, ...]:
    return SQLITE_DROP if dialect == "sqlite" else POSTGRES_DROP


def is_search_object(name: str | None) -> bool:
    return bool(name) and any(str(name).startswith(n) for n in SEARCH_NAMES)


@event.listens_for(metadata, "after_create")
def _install(target: MetaData, connection: Connection, **_: Any) -> None:
    for statement in statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def terms(query: str) -> list[str]:
    """The words of what the user typed, lower-cased, bounded."""
    words = [w.lower()[:MAX_TERM] for w in WORD.findall(query)]
    return list(dict.fromkeys(words))[:MAX_TERMS]


class SqlConversationSearch(ConversationSearch):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def search(
        self,
        company_id: UUID,
        query: str,
        *,
        visitor_id: UUID | None = None,
        include_internal: bool = True,
        limit: int = 20,
    ) -> list[SearchHit]:
        words = terms(query)
        if not words:
            return []
        columns = (
            messages.c.id,
            messages.c.chat_id,
            chats.c.visitor_id,
            messages.c.content,
            messages.c.sent_at,
        )
        if self._conn.dialect.name == "sqlite":
            match = " ".join(f'"{w}"*' for w in words)
            stmt = (
                select(*columns)
                .select_from(
                    _fts.join(messages, messages.c.id == _fts.c.message_id).join(
                        chats, chats.c.id == messages.c.chat_id
                    )
                )
                .where(_fts.c.content.op("MATCH")(match))
            )
        else:
            tsquery = " & ".join(f"'{w}':*" for w in words)
            stmt = (
                select(*columns)
                .select_from(messages.join(chats, chats.c.id == messages.c.chat_id))
                .where(_VECTOR.op("@@")(func.to_tsquery(literal_column("'simple'"), tsquery)))
            )
        stmt = stmt.where(messages.c.company_id == company_id, chats.c.company_id == company_id)
        if visitor_id is not None:
            stmt = stmt.where(chats.c.visitor_id == visitor_id)
        if not include_internal:
            stmt = stmt.where(messages.c.is_internal.is_(False))
        stmt = stmt.order_by(messages.c.sent_at.desc()).limit(limit)
        if self._conn.dialect.name == "sqlite":
            while await self.catch_up(CATCH_UP_BATCH) == CATCH_UP_BATCH:
                pass
        return [
            SearchHit(
                message_id=r.id,
                chat_id=r.chat_id,
                visitor_id=r.visitor_id,
                content=r.content,
                sent_at=r.sent_at,
            )
            for r in await self._conn.execute(stmt)
        ]

    async def catch_up(self, limit: int) -> int:
        if self._conn.dialect.name != "sqlite":
            return 0
        last = (await self._conn.execute(text(_PENDING_UP_TO), {"limit": limit})).scalar()
        if last is None:
            return 0
        # FTS5 numbers new entries after its highest: what this catch-up added is above it
        before = (await self._conn.execute(text(_LAST_ENTRY))).scalar_one()
        await self._conn.execute(text(_INDEX_PENDING), {"last": last})
        await self._conn.execute(text(_NOTE_ENTRIES), {"before": before})
        cleared = await self._conn.execute(text(_CLEAR_PENDING), {"last": last})
        return int(cleared.rowcount)
