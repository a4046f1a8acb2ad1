"""The bot follows the console's bot settings, refreshed on a clock, and falls back to its own
configuration until an admin saves them or when they cannot be read."""

from __future__ import annotations

from typing import Any

from guiders.bot.company_settings import CompanyBotSettings
from guiders.bot.settings import BotSettings
from guiders.domain.settings import DEFAULT_BOT_NAME, BotConfig


class FakeApi:
    def __init__(self) -> None:
        self.reply: Any = {"sections": [_bot(0, {}), _company("en")]}
        self.calls = 0

    async def request(self, method: str, path: str) -> Any:
        self.calls += 1
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def _bot(revision: int, values: dict[str, Any]) -> dict[str, Any]:
    base = {
        "enabled": True,
        "name": "Robin",
        "welcome": {"en": "Hi {name}, I am {bot} {not-a-field}", "es": "Hola {name}"},
        "escalation_keywords": ["refund"],
        "max_bot_messages": 3,
        "answer_threshold": 0.4,
        "disclosure": {"en": "An AI answers."},
    }
    return {"section": "bot", "revision": revision, "values": {**base, **values}}


def _company(language: str) -> dict[str, Any]:
    return {"section": "company", "revision": 1, "values": {"default_language": language}}


async def test_the_bot_config_holds_until_an_admin_saves_the_section() -> None:
    api, now = FakeApi(), [0.0]
    config = BotSettings(bot_name="Env Bot", auto_respond_threshold=0.9)
    settings = CompanyBotSettings(api, config, refresh_s=5, clock=lambda: now[0])
    first = await settings.current()
    assert (first.from_console, first.threshold) == (False, 0.9)
    assert first.name == "Robin"  # the name is always the company's: the server signs with it

    api.reply = {"sections": [_bot(2, {"enabled": False, "name": "Rosa"}), _company("es")]}
    assert (await settings.current()).enabled  # not refreshed yet
    now[0] = 5.0
    second = await settings.current()
    assert (second.from_console, second.enabled, second.name) == (True, False, "Rosa")
    assert (second.escalation_keywords, second.max_messages, second.threshold) == (
        ["refund"],
        3,
        0.4,
    )
    assert api.calls == 2

    api.reply = RuntimeError("server away")
    now[0] = 10.0
    assert (await settings.current()).name == "Rosa"  # the last values read stay


async def test_the_welcome_picks_the_language_and_only_fills_its_placeholders() -> None:
    api = FakeApi()
    api.reply = {"sections": [_bot(1, {}), _company("en")]}
    behaviour = await CompanyBotSettings(api, BotSettings()).current()
    assert behaviour.welcome_text("en-GB", "Eva") == "Hi Eva, I am Robin {not-a-field}"
    assert behaviour.welcome_text("es", "Eva") == "Hola Eva"
    assert behaviour.welcome_text("fr", "Eva").startswith("Hi Eva")


async def test_a_bot_that_cannot_read_the_settings_uses_the_one_default_name() -> None:
    api = FakeApi()
    api.reply = RuntimeError("server away")
    behaviour = await CompanyBotSettings(api, BotSettings()).current()
    assert behaviour.name == DEFAULT_BOT_NAME == BotConfig().name
