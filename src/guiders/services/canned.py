"""Canned responses: each agent's own and the company's; ``/shortcut`` expansion in a chat.

Agents create, edit and delete their own; admins (and integration keys) the company's. Every
staff member reads the company's and their own; nobody reads another agent's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.canned import MAX_PER_OWNER, CannedResponse, checked, expand, visible
from guiders.domain.company import StaffRole
from guiders.domain.errors import Conflict, Forbidden, NotFound
from guiders.domain.visitor_identity import display_name
from guiders.services.access import Principal, check_chat_access, require_staff_or_key
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory


def _may_manage(principal: Principal, owner_id: UUID | None) -> None:
    """Company responses: an admin or a key; personal ones: their agent only."""
    if owner_id is None:
        if principal.is_integration or principal.role == StaffRole.ADMIN:
            return
        raise Forbidden("Only an admin manages the company's canned responses", field="scope")
    if not (principal.is_staff and principal.subject_id == owner_id):
        raise Forbidden("An agent manages only their own canned responses", field="scope")


class CannedService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def listing(self, principal: Principal) -> list[CannedResponse]:
        """The company's and the caller's own (a key sees the company's)."""
        require_staff_or_key(principal)
        async with self._uow() as uow:
            responses = await uow.canned.of_company(principal.company_id)
        mine = principal.subject_id if principal.is_staff else None
        return [r for r in responses if r.owner_id in (None, mine)]

    async def create(
        self, principal: Principal, *, scope: str, shortcut: str, title: str, content: str
    ) -> CannedResponse:
        require_staff_or_key(principal)
        owner_id = None if scope == "company" else principal.subject_id
        _may_manage(principal, owner_id)
        shortcut, title, content = checked(shortcut, title, content)
        now = datetime.now(UTC)
        async with self._uow() as uow:
            if await uow.canned.count(principal.company_id, owner_id) >= MAX_PER_OWNER:
                raise Conflict(f"At most {MAX_PER_OWNER} canned responses", field="scope")
            await self._check_free(uow, principal.company_id, owner_id, shortcut, None)
            response = CannedResponse(
                id=uuid.uuid4(),
                company_id=principal.company_id,
                owner_id=owner_id,
                shortcut=shortcut,
                title=title,
                content=content,
                created_at=now,
                updated_at=now,
            )
            await uow.canned.add(response)
            await uow.commit()
        return response

    async def update(
        self, principal: Principal, response_id: UUID, *, shortcut: str, title: str, content: str
    ) -> CannedResponse:
        async with self._uow() as uow:
            response = await self._own(uow, principal, response_id)
            response.edit(shortcut=shortcut, title=title, content=content, at=datetime.now(UTC))
            await self._check_free(
                uow, principal.company_id, response.owner_id, response.shortcut, response.id
            )
            await uow.canned.save(response)
            await uow.commit()
        return response

    async def delete(self, principal: Principal, response_id: UUID) -> None:
        async with self._uow() as uow:
            await self._own(uow, principal, response_id)
            await uow.canned.remove(response_id)
            await uow.commit()

    async def expand(self, principal: Principal, chat_id: UUID, text: str) -> tuple[str, list[str]]:
        """``text`` with each known ``/shortcut`` replaced, the variables filled from the chat."""
        require_staff_or_key(principal)
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            responses = await uow.canned.of_company(principal.company_id)
            company = await uow.tenancy.get_company(principal.company_id)
            staff = (
                await uow.tenancy.get_staff(principal.subject_id) if principal.is_staff else None
            )
        info = chat.visitor_info
        variables = {
            "visitor.name": display_name(chat.visitor_id, info.name),
            "visitor.email": info.email,
            "agent.name": principal.name or (staff.name if staff else None),
            "agent.email": staff.email if staff else None,
            "company.name": company.name if company else None,
            "chat.id": str(chat.id),
        }
        return expand(text, visible(responses, principal.subject_id), variables)

    async def _own(
        self, uow: UnitOfWork, principal: Principal, response_id: UUID
    ) -> CannedResponse:
        require_staff_or_key(principal)
        response = await uow.canned.get(response_id)
        if response is None or response.company_id != principal.company_id:
            raise NotFound("Canned response not found", field="id")
        if response.owner_id is not None and response.owner_id != principal.subject_id:
            raise NotFound("Canned response not found", field="id")
        _may_manage(principal, response.owner_id)
        return response

    @staticmethod
    async def _check_free(
        uow: UnitOfWork, company_id: UUID, owner_id: UUID | None, shortcut: str, own: UUID | None
    ) -> None:
        existing = await uow.canned.find(company_id, owner_id, shortcut)
        if existing is not None and existing.id != own:
            raise Conflict(f"/{shortcut} already exists", field="shortcut")
