"""The bot's LLM follows Settings → Integrations without a restart: it reads the endpoint,
model and stored key through the public API with its integration key (SQLite and PostgreSQL),
against two local fake OpenAI-compatible servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guiders.ai.answering import Answerer
from guiders.ai.kb_model import Classification
from guiders.bot.llm_source import LlmSource
from guiders.bot.settings import BotSettings
from guiders.domain.errors import Forbidden, NotFound
from guiders.runtime import Runtime
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.test_api import key_headers
from tests.integration.test_model_health_api import admin

FOUND = Classification("shipping", 0.93, False, "We ship in 2-4 working days.")


class KeyClient:
    """The bot's view of the API: its integration key, errors as the client raises them."""

    def __init__(self, api: httpx.AsyncClient, demo: dict[str, Any]) -> None:
        self._api = api
        self._headers = key_headers(demo)
        self.down = False

    async def request(self, method: str, path: str) -> Any:
        if self.down:
            raise ConnectionError("the server is unreachable")
        r = await self._api.request(method, f"/api{path}", headers=self._headers)
        if r.status_code == 404:
            raise NotFound(r.text)
        if r.status_code == 403:
            raise Forbidden(r.text)
        r.raise_for_status()
        return r.json()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeOpenAI, FakeOpenAI]]:
    one = await FakeOpenAI("from one").start()
    two = await FakeOpenAI("from two").start()
    yield one, two
    await one.stop()
    await two.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_change_of_endpoint_model_and_key_applies_without_a_restart(
    api: httpx.AsyncClient,
    demo: dict[str, Any],
    runtime: Runtime,
    fakes: tuple[FakeOpenAI, FakeOpenAI],
) -> None:
    one, two = fakes
    headers = await admin(api, runtime, demo)
    client = KeyClient(api, demo)
    answerer = Answerer(llm=None, fallback_text="sorry", bot_name="Robi")
    clock = Clock()
    source = LlmSource(client, BotSettings(), answerer, refresh_s=5.0, clock=clock)

    await source.refresh(force=True)
    assert answerer.llm is None and source.model == "guiders-kb"  # nothing set anywhere

    async def integrations(values: dict[str, Any]) -> None:
        r = await api.put("/api/v2/settings/integrations", json={"values": values}, headers=headers)
        assert r.status_code == 200, r.text

    async def key(value: str) -> None:
        r = await api.put(
            "/api/v2/company/secrets/llm_api_key", json={"value": value}, headers=headers
        )
        assert r.status_code == 200, r.text

    await key("sk-first-key-0001")
    await integrations({"llm_base_url": one.base_url, "llm_model": "model-one"})
    clock.now += 5
    await source.refresh()
    answer = await answerer.answer("how long?", FOUND, [], "en")
    assert (answer.text, answer.model) == ("from one", "model-one")
    assert one.keys == ["sk-first-key-0001"] and one.requests[0]["model"] == "model-one"

    await key("sk-second-key-0002")
    await integrations({"llm_base_url": two.base_url, "llm_model": "model-two"})
    clock.now += 1
    await source.refresh()  # within the refresh interval: no read yet
    assert (await answerer.answer("how long?", FOUND, [], "en")).text == "from one"
    clock.now += 5
    await source.refresh()
    answer = await answerer.answer("how long?", FOUND, [], "en")
    assert (answer.text, answer.model) == ("from two", "model-two")
    assert two.keys == ["sk-second-key-0002"]
    assert source.model == "model-two"

    client.down = True  # a failed read keeps the LLM in force
    clock.now += 5
    await source.refresh()
    assert (await answerer.answer("how long?", FOUND, [], "en")).text == "from two"

    client.down = False
    await integrations({"llm_base_url": ""})  # cleared: back to the knowledge base alone
    clock.now += 5
    await source.refresh()
    assert answerer.llm is None
    await source.aclose()


async def test_the_environment_endpoint_wins_and_the_stored_key_still_follows(
    api: httpx.AsyncClient,
    demo: dict[str, Any],
    runtime: Runtime,
    fakes: tuple[FakeOpenAI, FakeOpenAI],
) -> None:
    one, two = fakes
    headers = await admin(api, runtime, demo)
    r = await api.put(
        "/api/v2/settings/integrations",
        json={"values": {"llm_base_url": two.base_url}},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    answerer = Answerer(llm=None, fallback_text="sorry", bot_name="Robi")
    clock = Clock()
    settings = BotSettings(llm_base_url=one.base_url, llm_model="env-model")
    source = LlmSource(KeyClient(api, demo), settings, answerer, clock=clock)
    await source.refresh(force=True)
    await answerer.answer("how long?", FOUND, [], "en")
    r = await api.put(
        "/api/v2/company/secrets/llm_api_key", json={"value": "sk-stored-0003"}, headers=headers
    )
    assert r.status_code == 200, r.text
    clock.now += 10
    await source.refresh()
    await answerer.answer("how long?", FOUND, [], "en")
    assert one.keys == ["not-needed", "sk-stored-0003"] and not two.requests
    await source.aclose()
