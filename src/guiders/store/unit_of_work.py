"""The SQL unit of work: one connection, one transaction, events appended inside it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.chat import Chat
from guiders.domain.message import Message
from guiders.services.ports import AfterCommit, UnitOfWork
from guiders.store.agent_tools import SqlCannedRepository, SqlDepartmentRepository
from guiders.store.agents import SqlAgentRepository
from guiders.store.analyses import SqlAnalysisRepository, SqlMailQueue
from guiders.store.attachments import SqlAttachmentRepository
from guiders.store.carried_writes import CarriedWrites, chat_changes
from guiders.store.chat_mail import SqlChatMailRecords
from guiders.store.chats import SqlChatRepository
from guiders.store.database import Database
from guiders.store.event_log import SqlEventLog
from guiders.store.knowledge import SqlKnowledgeRepository
from guiders.store.messages import SqlMessageRepository, message_values
from guiders.store.privacy import SqlPrivacyStore
from guiders.store.sagas import SqlConsumerState, SqlSagaRepository
from guiders.store.search import SqlConversationSearch
from guiders.store.security import SqlSecurityStore
from guiders.store.service_levels import SqlServiceLevelStore
from guiders.store.settings import SqlSettingsStore
from guiders.store.tenancy import SqlTenancy
from guiders.store.visitors import SqlVisitorRepository


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, db: Database, after_commit: AfterCommit | None = None) -> None:
        super().__init__(after_commit)
        self._db = db
        self._conn: AsyncConnection | None = None
        self._locked = False

    async def __aenter__(self) -> Self:
        if self._db.write_lock is not None:
            await self._db.write_lock.acquire()
            self._locked = True
        try:
            conn = await self._db.begin()
        except BaseException:
            self._release()
            raise
        self._conn = conn
        self.tenancy = SqlTenancy(conn)
        self.chats = self._chats = SqlChatRepository(conn)
        self.messages = SqlMessageRepository(conn)
        self.visitors = SqlVisitorRepository(conn)
        self.agents = SqlAgentRepository(conn)
        self.events = self._log = log = SqlEventLog(conn, self._db.visitor_keys)
        self.analyses = SqlAnalysisRepository(conn)
        self.mail = SqlMailQueue(conn)
        self.sagas = SqlSagaRepository(conn)
        self.consumers = SqlConsumerState(conn)
        self.knowledge = SqlKnowledgeRepository(conn)
        self.security = SqlSecurityStore(conn)
        self.settings = SqlSettingsStore(conn)
        self.chat_mail = SqlChatMailRecords(conn)
        self.canned = SqlCannedRepository(conn)
        self.departments = SqlDepartmentRepository(conn)
        self.search = SqlConversationSearch(conn)
        self.attachments = SqlAttachmentRepository(conn)
        self.privacy = SqlPrivacyStore(conn, log.keys)
        self.service_levels = SqlServiceLevelStore(conn)
        return self

    async def _close(self) -> None:
        try:
            if self._conn is not None:
                if self._conn.in_transaction():
                    await self._conn.rollback()
                await self._conn.close()
        finally:
            self._conn = None
            self._release()

    async def commit_batch(self, messages: Sequence[Message], chats: Iterable[Chat]) -> None:
        """On PostgreSQL the messages and the chats' changes ride in the events statement
        (``store/carried_writes.py``): two round trips fewer per batch."""
        assert self._conn is not None
        if self._conn.dialect.name != "postgresql":
            await super().commit_batch(messages, chats)
            return
        changed = [(chat.id, *self._chats.changes(chat)) for chat in chats]
        self._log.carry(CarriedWrites([message_values(m) for m in messages], chat_changes(changed)))
        await self.commit()

    async def _commit(self) -> None:
        assert self._conn is not None
        await self._log.write_carried()
        await self._conn.commit()

    async def rollback(self) -> None:
        assert self._conn is not None
        await self._conn.rollback()

    def _release(self) -> None:
        if self._locked and self._db.write_lock is not None:
            self._db.write_lock.release()
            self._locked = False
