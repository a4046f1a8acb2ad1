"""A company's secrets (LLM API key, SMTP password, webhook secrets), kept encrypted.

Admins set and delete them and read them masked (``sk-…abcd``); only an integration key (the
bot, the pipeline: the company's own automation) reads a plain value, and the composition root
can read one for the in-process workers. The plain value never reaches the database or the
event log (the log says which secret changed, not its value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.company import StaffRole
from guiders.domain.errors import Forbidden, NotFound, ValidationFailed
from guiders.domain.events import DomainEvent, Stream
from guiders.services.access import Principal
from guiders.services.ports import StoredSecret, UnitOfWorkFactory
from guiders.services.secret_box import SecretBox, mask

NAME = re.compile(r"^(llm_api_key|smtp_password|webhook:[a-z0-9][a-z0-9_.-]{0,60})$")
"""The secrets there are: the bot's LLM key, the SMTP password, one per webhook (by name)."""
MAX_VALUE = 4096


@dataclass(frozen=True, slots=True)
class MaskedSecret:
    name: str
    masked: str
    updated_at: datetime


class CompanySecretService:
    def __init__(self, uow: UnitOfWorkFactory, box: SecretBox) -> None:
        self._uow = uow
        self._box = box

    async def put(self, principal: Principal, name: str, value: str) -> MaskedSecret:
        _require_admin(principal)
        _check_name(name)
        if not value or len(value) > MAX_VALUE:
            raise ValidationFailed(f"a secret is 1 to {MAX_VALUE} characters", field="value")
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            await uow.security.save_secret(
                StoredSecret(principal.company_id, name, self._box.encrypt(value), now)
            )
            uow.record(_changed(principal.company_id, name, "set", now))
            await uow.commit()
        return MaskedSecret(name, mask(value), now)

    async def delete(self, principal: Principal, name: str) -> None:
        _require_admin(principal)
        _check_name(name)
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            if not await uow.security.delete_secret(principal.company_id, name):
                raise NotFound("No such secret", field="name")
            uow.record(_changed(principal.company_id, name, "deleted", now))
            await uow.commit()

    async def list_masked(self, principal: Principal) -> list[MaskedSecret]:
        _require_admin(principal)
        async with self._uow() as uow:
            stored = await uow.security.secrets_of(principal.company_id)
        return [
            MaskedSecret(s.name, mask(self._box.decrypt(s.ciphertext)), s.updated_at)
            for s in stored
        ]

    async def reveal(self, principal: Principal, name: str) -> str:
        """The plain value, for the company's own automation (an integration key)."""
        if not principal.is_integration:
            raise Forbidden("Only an integration key reads a secret's value")
        _check_name(name)
        value = await self.value(principal.company_id, name)
        if value is None:
            raise NotFound("No such secret", field="name")
        return value

    async def value(self, company_id: UUID, name: str) -> str | None:
        """For the composition root (in-process workers); no authorisation here."""
        async with self._uow() as uow:
            stored = await uow.security.secret(company_id, name)
        return self._box.decrypt(stored.ciphertext) if stored else None


def _require_admin(principal: Principal) -> None:
    if not (principal.is_staff and principal.role == StaffRole.ADMIN):
        raise Forbidden("Only an admin manages the company's secrets")


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise ValidationFailed(
            "a secret is llm_api_key, smtp_password or webhook:<name>", field="name"
        )


def _changed(company_id: UUID, name: str, change: str, at: datetime) -> DomainEvent:
    return Stream("company_secret", company_id, company_id).event(
        "company.secret_changed", at, {"name": name, "change": change}, version=1
    )
