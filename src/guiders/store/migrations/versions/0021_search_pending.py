"""search_pending: SQLite indexes new messages for search in batches, not in their transaction

A new message's id is noted in ``messages_fts_pending`` by the insert trigger, and indexed into
``messages_fts`` by the next catch-up (``guiders.store.search``); a content update is noted the
same way. ``messages_fts_ids`` records where each message is in the index, so a delete (an
erasure, the retention job) finds its entry by key instead of scanning the index's text: 7.5 ms
per deleted message at 50,000 messages before, growing with the table. PostgreSQL is unchanged
(its GIN index is kept by the database).

Revision ID: 0021_search_pending
Revises: 0020_consents
Create Date: 2026-12-07 12:30:00
"""

from __future__ import annotations

from alembic import op

from guiders.store import search

revision = "0021_search_pending"
down_revision = "0020_consents"
branch_labels = None
depends_on = None

_REPLACED = ("messages_fts_insert", "messages_fts_update", "messages_fts_delete")
_INDEXED_IN_TRANSACTION = (
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts (content, message_id) VALUES (new.content, new.id); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN "
    "DELETE FROM messages_fts WHERE message_id = old.id; "
    "INSERT INTO messages_fts (content, message_id) VALUES (new.content, new.id); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "DELETE FROM messages_fts WHERE message_id = old.id; END",
)
"""The triggers as ``0011_agent_tools`` made them, for the downgrade."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in _REPLACED:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in search.statements("sqlite"):
        op.execute(statement)
    op.execute(search.SQLITE_BACKFILL_IDS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "INSERT INTO messages_fts (content, message_id) SELECT m.content, m.id "
        "FROM messages AS m WHERE m.id IN (SELECT message_id FROM messages_fts_pending)"
    )
    for trigger in _REPLACED:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS messages_fts_pending")
    op.execute("DROP TABLE IF EXISTS messages_fts_ids")
    for statement in _INDEXED_IN_TRANSACTION:
        op.execute(statement)
