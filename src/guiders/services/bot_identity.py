"""Who a company's AI messages are from: one name, the company's ``bot.name`` setting.

Every message with the ``ai`` role (the bot's answers through its integration key, the
server's hand-off, any other integration) is signed with that name, so the widget, the console
and transcripts show the bot under the name the widget's settings announce
(``GET /v2/settings/visitor``), whatever the key that sent it is called. Its one default is
``DEFAULT_BOT_NAME`` in ``domain/settings.py``.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from guiders.domain.message import SenderRole
from guiders.domain.settings import BotConfig
from guiders.services.access import Principal
from guiders.services.settings import SettingsService


class BotIdentity:
    def __init__(self, settings: SettingsService) -> None:
        self._settings = settings

    async def name(self, company_id: UUID) -> str:
        section = await self._settings.effective(company_id, "bot")
        assert isinstance(section, BotConfig)
        return section.name

    async def sign(self, principal: Principal) -> Principal:
        """``principal`` as the author of a message: an AI sender under the bot's name."""
        if principal.sender_role is not SenderRole.AI:
            return principal
        name = await self.name(principal.company_id)
        return principal if principal.name == name else replace(principal, name=name)
