"""Read and change a company's settings; every change is an audited event.

Readers in the hot path (the bot, the widget's configuration, assignment) go through
``effective``, a small per-process cache with a short time to live: a change made on one node
reaches every other node within ``ttl_s`` seconds without a restart, and the node that made the
change sees it at once. A change is recorded as ``settings.changed`` with the section, who made
it, and the document before and after, in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain import settings as catalogue
from guiders.domain.company import StaffRole
from guiders.domain.errors import Conflict, Forbidden
from guiders.domain.events import DomainEvent, Stream
from guiders.domain.settings import Section
from guiders.services.access import Principal
from guiders.services.company_cache import CompanyCache
from guiders.services.ports import StoredSection, UnitOfWorkFactory

VISITOR_SECTIONS = ("company", "widget", "bot", "business_hours")
"""What the widget may read: how it looks, what it says, and when people answer."""


@dataclass(frozen=True, slots=True)
class SectionState:
    name: str
    values: Section
    revision: int
    """0 while the company still uses the defaults."""
    updated_at: datetime | None
    updated_by: str | None


class SettingsService:
    def __init__(self, uow: UnitOfWorkFactory, *, ttl_s: float = 2.0) -> None:
        self._uow = uow
        self._ttl_s = ttl_s
        self._sections: dict[str, CompanyCache[Section]] = {}
        """Per section, each company's values: when they expire under load, the concurrent
        readers (every send signed with the bot's name) share one look-up."""

    @property
    def lookups(self) -> int:
        """Look-ups of stored sections started by ``effective`` (the tests count them)."""
        return sum(cache.lookups for cache in self._sections.values())

    async def read(self, principal: Principal, section: str) -> SectionState:
        _require_reader(principal)
        catalogue.section_type(section)
        async with self._uow() as uow:
            stored = await uow.settings.section(principal.company_id, section)
        return _state(section, stored)

    async def read_all(self, principal: Principal) -> list[SectionState]:
        _require_reader(principal)
        async with self._uow() as uow:
            stored = {s.section: s for s in await uow.settings.sections(principal.company_id)}
        return [_state(name, stored.get(name)) for name in catalogue.SECTIONS]

    async def for_visitor(self, company_id: UUID) -> dict[str, Section]:
        """The sections the widget shows; anonymous visitors may read these, nothing else."""
        return {name: await self.effective(company_id, name) for name in VISITOR_SECTIONS}

    async def effective(self, company_id: UUID, section: str) -> Section:
        """The values in force, for the company's own use; no authorisation here."""
        cache = self._sections.get(section)
        if cache is None:
            catalogue.section_type(section)  # an unknown name gets no cache of its own
            cache = self._sections[section] = CompanyCache(ttl_s=self._ttl_s, companies=4096)

        async def load() -> Section:
            async with self._uow() as uow:
                stored = await uow.settings.section(company_id, section)
            return catalogue.stored(section, stored.document if stored else None)

        return await cache.get(company_id, load)

    async def update(
        self,
        principal: Principal,
        section: str,
        document: dict[str, Any],
        *,
        revision: int | None = None,
    ) -> SectionState:
        """Replace a section; ``revision`` (the one the form showed) refuses a lost update."""
        _require_admin(principal)
        values = catalogue.parse(section, document)
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            current = await uow.settings.section(principal.company_id, section)
            current_revision = current.revision if current else 0
            if revision is not None and revision != current_revision:
                raise Conflict(
                    "Someone else changed these settings; reload to see their change",
                    field="revision",
                )
            before = catalogue.stored(section, current.document if current else None)
            saved = StoredSection(
                company_id=principal.company_id,
                section=section,
                document=catalogue.to_document(values),
                revision=current_revision + 1,
                updated_at=now,
                updated_by=principal.actor.id,
            )
            await uow.settings.save_section(saved)
            uow.record(_changed(saved, before, values))
            await uow.commit()
        if section in self._sections:  # read again, as committed, on the next use
            self._sections[section].forget(principal.company_id)
        return _state(section, saved)


def _state(name: str, stored: StoredSection | None) -> SectionState:
    if stored is None:
        return SectionState(name, catalogue.defaults(name), 0, None, None)
    return SectionState(
        name,
        catalogue.stored(name, stored.document),
        stored.revision,
        stored.updated_at,
        stored.updated_by,
    )


def _require_reader(principal: Principal) -> None:
    if not (principal.is_staff or principal.is_integration):
        raise Forbidden("Only the company's staff and its integrations read its settings")


def _require_admin(principal: Principal) -> None:
    if not (principal.is_staff and principal.role == StaffRole.ADMIN):
        raise Forbidden("Only an admin changes the company's settings")


def _changed(saved: StoredSection, before: Section, after: Section) -> DomainEvent:
    return Stream("company_settings", saved.company_id, saved.company_id).event(
        "settings.changed",
        saved.updated_at,
        {
            "section": saved.section,
            "revision": saved.revision,
            "changed": catalogue.changed_fields(before, after),
            "before": catalogue.to_document(before),
            "after": saved.document,
        },
        version=saved.revision,
    )
