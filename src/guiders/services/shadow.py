"""Shadow-mode use cases: agents review the bot's drafts, admins graduate topics.

The company's shadow stream (:mod:`guiders.domain.shadow`) is folded from the log, and a process
keeps the fold with the ``seq`` it read up to, reading only what is newer
(``company_streams.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.errors import Forbidden
from guiders.domain.shadow import GraduationPolicy, ReviewAction, Shadow, stream_id
from guiders.services.access import Principal, require_supervisor_or_key
from guiders.services.company_streams import CompanyStreams
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory


class ShadowService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        policy: GraduationPolicy,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self.policy = policy
        self._now = now
        self._streams = CompanyStreams(Shadow, stream_id, self._copy)

    @staticmethod
    def _copy(state: Shadow) -> Shadow:
        return replace(
            state,
            reviews={k: Counter(v) for k, v in state.reviews.items()},
            reviewed=set(state.reviewed),
            proposed=dict(state.proposed),
            graduated=dict(state.graduated),
        )

    async def _state(self, uow: UnitOfWork, company_id: UUID) -> Shadow:
        return await self._streams.state(uow, company_id)

    async def view(self, principal: Principal) -> dict[str, Any]:
        """Supervisors, admins and integration keys (the bot reads the graduated topics)."""
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
        return state.view(self.policy)

    async def review(
        self,
        principal: Principal,
        topic: str,
        action: ReviewAction,
        draft_id: str,
        chat_id: str | None,
    ) -> dict[str, Any]:
        """An agent sent, edited or discarded a draft (any staff member of the company)."""
        if not principal.is_staff:
            raise Forbidden("Drafts are reviewed by staff")
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
            events = state.review(
                topic,
                action,
                draft_id,
                chat_id,
                str(principal.subject_id),
                self._now(),
                self.policy,
            )
            for event in events:
                uow.record(event)
            await uow.commit()
        return state.view(self.policy)

    async def graduate(self, principal: Principal, topic: str) -> dict[str, Any]:
        """An admin lets the bot answer a topic alone."""
        if principal.role is None or principal.role.value != "admin":
            raise Forbidden("Only an admin can let the bot answer a topic alone")
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
            uow.record(state.graduate(topic, str(principal.subject_id), self._now()))
            await uow.commit()
        return state.view(self.policy)
