"""A read model for the dashboard: the times of a company's chats (``store/`` implements it)."""

from __future__ import annotations

import abc
from datetime import datetime
from uuid import UUID

from guiders.domain.chat_figures import ChatTiming


class ChatTimings(abc.ABC):
    @abc.abstractmethod
    async def since(
        self, company_id: UUID, since: datetime, *, agent_id: UUID | None, limit: int
    ) -> list[ChatTiming]:
        """Chats opened since ``since``, oldest first; only one agent's when ``agent_id``."""
