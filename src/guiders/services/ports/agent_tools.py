"""The agent's daily tools: canned responses, departments, search over conversations."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from guiders.domain.canned import CannedResponse
from guiders.domain.department import Department


class CannedRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, response: CannedResponse) -> None: ...
    @abc.abstractmethod
    async def get(self, response_id: UUID) -> CannedResponse | None: ...
    @abc.abstractmethod
    async def save(self, response: CannedResponse) -> None: ...
    @abc.abstractmethod
    async def remove(self, response_id: UUID) -> None: ...
    @abc.abstractmethod
    async def of_company(self, company_id: UUID) -> list[CannedResponse]:
        """Every response of the company, the company's and each agent's."""

    @abc.abstractmethod
    async def find(
        self, company_id: UUID, owner_id: UUID | None, shortcut: str
    ) -> CannedResponse | None: ...
    @abc.abstractmethod
    async def count(self, company_id: UUID, owner_id: UUID | None) -> int: ...


class DepartmentRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, department: Department) -> None: ...
    @abc.abstractmethod
    async def get(self, department_id: UUID) -> Department | None: ...
    @abc.abstractmethod
    async def save(self, department: Department) -> None: ...
    @abc.abstractmethod
    async def remove(self, department_id: UUID) -> None: ...
    @abc.abstractmethod
    async def of_company(self, company_id: UUID) -> list[Department]: ...
    @abc.abstractmethod
    async def by_name(self, company_id: UUID, name: str) -> Department | None: ...


@dataclass(frozen=True, slots=True)
class SearchHit:
    chat_id: UUID
    visitor_id: UUID
    message_id: UUID
    content: str
    sent_at: datetime


class ConversationSearch(abc.ABC):
    """Full-text search over messages: SQLite FTS5, PostgreSQL ``tsvector`` (never ``LIKE``)."""

    @abc.abstractmethod
    async def search(
        self,
        company_id: UUID,
        query: str,
        *,
        visitor_id: UUID | None = None,
        include_internal: bool = True,
        limit: int = 20,
    ) -> list[SearchHit]:
        """The newest matching messages of one company (of one visitor when named)."""

    @abc.abstractmethod
    async def catch_up(self, limit: int) -> int:
        """Index up to ``limit`` messages written since the last catch-up; how many were.

        SQLite indexes new messages in batches rather than in the transaction that writes
        them (``store/search.py``); PostgreSQL's index is kept by the database (always 0)."""
