"""A company's own stream of facts (model health, shadow mode): one stream per company, with an
id derived from the company, folded back into state.

What such a fold adds is written as events against that stream, each the next version, and
applied to the fold at once, so the state a command returns events from is the state a later
read of the log rebuilds.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from guiders.domain.events import DomainEvent


@dataclass
class CompanyFold:
    aggregate_type: ClassVar[str]
    namespace: ClassVar[UUID]
    """Of the stream's id: ``uuid5(namespace, company_id)``."""

    company_id: UUID
    version: int = 0

    @classmethod
    def stream_id(cls, company_id: UUID) -> UUID:
        return uuid.uuid5(cls.namespace, str(company_id))

    def apply(self, type_: str, payload: Mapping[str, Any], version: int) -> None:
        raise NotImplementedError

    def _event(self, type_: str, payload: dict[str, Any], at: datetime) -> DomainEvent:
        self.version += 1
        event = DomainEvent(
            type=type_,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.stream_id(self.company_id),
            company_id=self.company_id,
            payload=payload,
            occurred_at=at,
            version=self.version,
        )
        self.apply(type_, payload, self.version)
        return event
