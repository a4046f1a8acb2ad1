"""Where a company's settings sections are kept (``store/settings.py`` implements it)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class StoredSection:
    company_id: UUID
    section: str
    document: dict[str, Any]
    revision: int
    """Counts the saves: a form sends back the revision it showed, so two admins editing at
    once do not overwrite each other silently."""
    updated_at: datetime
    updated_by: str | None


class SettingsStore(abc.ABC):
    @abc.abstractmethod
    async def section(self, company_id: UUID, section: str) -> StoredSection | None: ...

    @abc.abstractmethod
    async def sections(self, company_id: UUID) -> list[StoredSection]: ...

    @abc.abstractmethod
    async def of_every_company(self, section: str) -> list[StoredSection]:
        """One section as every company saved it (the mail dispatcher's list of senders)."""

    @abc.abstractmethod
    async def save_section(self, stored: StoredSection) -> None:
        """Insert or replace; the caller has checked the revision inside the transaction."""
