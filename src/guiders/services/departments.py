"""Departments: a company's teams and who is in each. Staff read them; admins edit them.

The settings' team page may edit membership through ``set_members``; a transfer to a
department (``services/transfers.py``) picks among its members.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from guiders.domain.company import StaffRole
from guiders.domain.department import MAX_DEPARTMENTS, Department, department_name
from guiders.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from guiders.services.access import Principal, require_staff_or_key
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory


def _require_admin(principal: Principal) -> None:
    if not (principal.is_integration or principal.role == StaffRole.ADMIN):
        raise Forbidden("Only an admin edits departments")


class DepartmentService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def listing(self, principal: Principal) -> list[Department]:
        require_staff_or_key(principal)
        async with self._uow() as uow:
            return await uow.departments.of_company(principal.company_id)

    async def create(self, principal: Principal, name: str, member_ids: list[UUID]) -> Department:
        _require_admin(principal)
        name = department_name(name)
        async with self._uow() as uow:
            existing = await uow.departments.of_company(principal.company_id)
            if len(existing) >= MAX_DEPARTMENTS:
                raise Conflict(f"At most {MAX_DEPARTMENTS} departments", field="name")
            if any(d.name.lower() == name.lower() for d in existing):
                raise Conflict(f"{name} already exists", field="name")
            department = Department(uuid.uuid4(), principal.company_id, name)
            department.set_members(await self._members(uow, principal, member_ids))
            await uow.departments.add(department)
            await uow.commit()
        return department

    async def update(
        self,
        principal: Principal,
        department_id: UUID,
        *,
        name: str | None,
        member_ids: list[UUID] | None,
    ) -> Department:
        _require_admin(principal)
        async with self._uow() as uow:
            department = await self._get(uow, principal, department_id)
            if name is not None:
                department.rename(name)
                other = await uow.departments.by_name(principal.company_id, department.name)
                if other is not None and other.id != department.id:
                    raise Conflict(f"{department.name} already exists", field="name")
            if member_ids is not None:
                department.set_members(await self._members(uow, principal, member_ids))
            await uow.departments.save(department)
            await uow.commit()
        return department

    async def set_members(
        self, principal: Principal, department_id: UUID, member_ids: list[UUID]
    ) -> Department:
        return await self.update(principal, department_id, name=None, member_ids=member_ids)

    async def delete(self, principal: Principal, department_id: UUID) -> None:
        _require_admin(principal)
        async with self._uow() as uow:
            await self._get(uow, principal, department_id)
            await uow.departments.remove(department_id)
            await uow.commit()

    @staticmethod
    async def _get(uow: UnitOfWork, principal: Principal, department_id: UUID) -> Department:
        department = await uow.departments.get(department_id)
        if department is None or department.company_id != principal.company_id:
            raise NotFound("Department not found", field="id")
        return department

    @staticmethod
    async def _members(uow: UnitOfWork, principal: Principal, member_ids: list[UUID]) -> list[UUID]:
        if len(member_ids) > 500:
            raise ValidationFailed("at most 500 members", field="memberIds")
        for member in dict.fromkeys(member_ids):
            agent = await uow.agents.get(member)
            if agent is None or agent.company_id != principal.company_id:
                raise NotFound("Commercial not found", field="memberIds")
        return list(member_ids)
