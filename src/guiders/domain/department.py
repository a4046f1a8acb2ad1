"""Departments: a company's named teams (sales, support...) and the agents in each.

A chat handed to a department goes to an available member, or waits in the queue marked with
the department. The settings' team page may edit membership through the same service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from guiders.domain.errors import ValidationFailed

MAX_NAME = 100
MAX_DEPARTMENTS = 50


@dataclass(slots=True)
class Department:
    id: UUID
    company_id: UUID
    name: str
    member_ids: list[UUID] = field(default_factory=list)

    def rename(self, name: str) -> None:
        self.name = department_name(name)

    def set_members(self, member_ids: list[UUID]) -> None:
        self.member_ids = list(dict.fromkeys(member_ids))


def department_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise ValidationFailed(f"name: 1 to {MAX_NAME} characters", field="name")
    return name
