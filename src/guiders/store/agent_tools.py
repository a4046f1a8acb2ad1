"""Canned responses and departments in SQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.canned import CannedResponse
from guiders.domain.department import Department
from guiders.services.ports import CannedRepository, DepartmentRepository
from guiders.store.agent_tools_tables import canned_responses, department_members, departments


class SqlCannedRepository(CannedRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, response: CannedResponse) -> None:
        await self._conn.execute(canned_responses.insert().values(**_canned_values(response)))

    async def get(self, response_id: UUID) -> CannedResponse | None:
        stmt = select(canned_responses).where(canned_responses.c.id == response_id)
        row = (await self._conn.execute(stmt)).first()
        return _canned(row._mapping) if row else None

    async def save(self, response: CannedResponse) -> None:
        values = _canned_values(response)
        await self._conn.execute(
            update(canned_responses).where(canned_responses.c.id == response.id).values(**values)
        )

    async def remove(self, response_id: UUID) -> None:
        await self._conn.execute(
            delete(canned_responses).where(canned_responses.c.id == response_id)
        )

    async def of_company(self, company_id: UUID) -> list[CannedResponse]:
        stmt = (
            select(canned_responses)
            .where(canned_responses.c.company_id == company_id)
            .order_by(canned_responses.c.shortcut, canned_responses.c.id)
        )
        return [_canned(r._mapping) for r in await self._conn.execute(stmt)]

    async def find(
        self, company_id: UUID, owner_id: UUID | None, shortcut: str
    ) -> CannedResponse | None:
        owner = (
            canned_responses.c.owner_id.is_(None)
            if owner_id is None
            else canned_responses.c.owner_id == owner_id
        )
        stmt = select(canned_responses).where(
            canned_responses.c.company_id == company_id,
            canned_responses.c.shortcut == shortcut,
            owner,
        )
        row = (await self._conn.execute(stmt)).first()
        return _canned(row._mapping) if row else None

    async def count(self, company_id: UUID, owner_id: UUID | None) -> int:
        owner = (
            canned_responses.c.owner_id.is_(None)
            if owner_id is None
            else canned_responses.c.owner_id == owner_id
        )
        stmt = select(func.count()).where(canned_responses.c.company_id == company_id, owner)
        return int((await self._conn.execute(stmt)).scalar_one())


def _canned_values(r: CannedResponse) -> dict[str, Any]:
    return {
        "id": r.id,
        "company_id": r.company_id,
        "owner_id": r.owner_id,
        "shortcut": r.shortcut,
        "title": r.title,
        "content": r.content,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def _canned(r: Any) -> CannedResponse:
    return CannedResponse(
        id=r["id"],
        company_id=r["company_id"],
        owner_id=r["owner_id"],
        shortcut=r["shortcut"],
        title=r["title"],
        content=r["content"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class SqlDepartmentRepository(DepartmentRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, department: Department) -> None:
        await self._conn.execute(
            departments.insert().values(
                id=department.id, company_id=department.company_id, name=department.name
            )
        )
        await self._set_members(department)

    async def get(self, department_id: UUID) -> Department | None:
        row = (
            await self._conn.execute(select(departments).where(departments.c.id == department_id))
        ).first()
        return (await self._with_members([row._mapping]))[0] if row else None

    async def save(self, department: Department) -> None:
        await self._conn.execute(
            update(departments)
            .where(departments.c.id == department.id)
            .values(name=department.name)
        )
        await self._set_members(department)

    async def remove(self, department_id: UUID) -> None:
        await self._conn.execute(
            delete(department_members).where(department_members.c.department_id == department_id)
        )
        await self._conn.execute(delete(departments).where(departments.c.id == department_id))

    async def of_company(self, company_id: UUID) -> list[Department]:
        stmt = (
            select(departments)
            .where(departments.c.company_id == company_id)
            .order_by(departments.c.name)
        )
        return await self._with_members([r._mapping for r in await self._conn.execute(stmt)])

    async def by_name(self, company_id: UUID, name: str) -> Department | None:
        stmt = select(departments).where(
            departments.c.company_id == company_id, departments.c.name == name
        )
        row = (await self._conn.execute(stmt)).first()
        return (await self._with_members([row._mapping]))[0] if row else None

    async def _set_members(self, department: Department) -> None:
        await self._conn.execute(
            delete(department_members).where(department_members.c.department_id == department.id)
        )
        if department.member_ids:
            await self._conn.execute(
                department_members.insert(),
                [
                    {"department_id": department.id, "commercial_id": m}
                    for m in department.member_ids
                ],
            )

    async def _with_members(self, rows: list[Any]) -> list[Department]:
        ids = [r["id"] for r in rows]
        members: dict[UUID, list[UUID]] = {i: [] for i in ids}
        if ids:
            stmt = (
                select(department_members)
                .where(department_members.c.department_id.in_(ids))
                .order_by(department_members.c.commercial_id)
            )
            for m in await self._conn.execute(stmt):
                members[m.department_id].append(m.commercial_id)
        return [
            Department(
                id=r["id"], company_id=r["company_id"], name=r["name"], member_ids=members[r["id"]]
            )
            for r in rows
        ]
