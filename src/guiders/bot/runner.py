"""Build and run the bot from its settings: ``guiders bot`` and the task inside ``guiders up``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import structlog

from guiders.ai.answering import Answerer
from guiders.ai.llm import LlmClient
from guiders.bot.bot import Classifier, FirstLineBot
from guiders.bot.knowledge import ensure_kb
from guiders.bot.replicas import ReplicaOptions, run_replica
from guiders.bot.settings import BotSettings
from guiders.client import GuidersClient
from guiders.domain.errors import Forbidden, NotFound

log = structlog.get_logger(__name__)


def build_bot(server: str, key: str, settings: BotSettings, kb: Classifier) -> FirstLineBot:
    llm_config = settings.llm_config()
    answerer = Answerer(
        llm=LlmClient(llm_config) if llm_config else None,
        fallback_text=settings.fallback_message,
        bot_name=settings.bot_name,
    )
    return FirstLineBot(GuidersClient(server, key), kb, settings, answerer)


class _Requests(Protocol):
    async def request(self, method: str, path: str) -> Any: ...


async def stored_llm_key(client: _Requests) -> str | None:
    """The company's LLM key as the server keeps it, encrypted (``llm_api_key``,
    docs/security.md#secrets-at-rest), or None when none is stored."""
    try:
        body = await client.request("GET", "/v2/company/secrets/llm_api_key/value")
    except (NotFound, Forbidden):
        return None
    value = body.get("value") if isinstance(body, dict) else None
    return str(value) if value else None


async def _use_stored_llm_key(bot: FirstLineBot, settings: BotSettings) -> None:
    """Without ``GUIDERS_BOT_LLM_API_KEY`` the key stored for the company is used, if any."""
    config = settings.llm_config()
    if config is None or "llm_api_key" in settings.model_fields_set:
        return
    try:
        stored = await stored_llm_key(bot.client)
    except Exception:
        log.warning("could not read the stored LLM key; going on without it")
        return
    if stored is None:
        return
    previous = bot.answerer.llm
    bot.answerer.llm = LlmClient(replace(config, api_key=stored))
    if previous is not None:
        await previous.aclose()
    log.info("the bot uses the LLM key stored for its company")


async def _use_console_llm(bot: FirstLineBot, settings: BotSettings) -> None:
    """Without ``GUIDERS_BOT_LLM_BASE_URL`` the endpoint set in the console (Settings →
    Integrations: ``llm_base_url``, ``llm_model``) is used, with the stored key; read at start."""
    if settings.llm_config() is not None:
        return
    try:
        section = await bot.client.request("GET", "/v2/settings/integrations")
        values = section["values"]
        stored = await stored_llm_key(bot.client)
    except Exception:
        log.warning("could not read the console's LLM endpoint; going on without it")
        return
    if not values.get("llm_base_url"):
        return
    update: dict[str, Any] = {"llm_base_url": values["llm_base_url"]}
    if values.get("llm_model"):
        update["llm_model"] = values["llm_model"]
    if stored:
        update["llm_api_key"] = stored
    config = settings.model_copy(update=update).llm_config()
    if config is not None:
        bot.answerer.llm = LlmClient(config)
        bot.model_name = config.model
        log.info("the bot uses the LLM endpoint set in the console", model=config.model)


async def check_access(server: str, key: str) -> None:
    """Fail fast on a wrong URL or key, before spending seconds on the knowledge base."""
    async with GuidersClient(server, key) as client:
        await client.events(limit=1)


async def run_bot(
    server: str,
    key: str,
    settings: BotSettings,
    data_dir: Path,
    *,
    wait_for_server_s: float = 60.0,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[bool], None] | None = None,
    replica: ReplicaOptions | None = None,
) -> None:
    """Run until ``stop`` is set (or the task is cancelled).

    The bot takes no visitor message before its model is loaded: it joins the server's events
    only once the model answers (a warm-up query), then answers what was owed meanwhile (the
    last question of each chat, under that question). ``on_ready(True)`` says so
    (``/api/ready`` of ``guiders up``); False when it stops. With ``replica`` it is one of N
    bots sharing the events through a consumer group (``bot/replicas.py``).
    """
    ready = on_ready or (lambda _: None)
    model_dir = settings.kb_model_dir or data_dir / "models" / "demo_kb"
    kb = await asyncio.to_thread(ensure_kb, model_dir, settings.kb_file)
    await asyncio.to_thread(kb.classify, "hello", settings.default_language)  # warm the encoder
    bot = build_bot(server, key, settings, kb)
    try:
        await bot.start(wait_for_server_s=wait_for_server_s, listen=replica is None)
        await _use_stored_llm_key(bot, settings)
        await _use_console_llm(bot, settings)
        ready(True)
        stop = stop or asyncio.Event()
        if replica is None:
            await stop.wait()
        else:
            await run_replica(bot, replica, stop)
    finally:
        ready(False)
        await bot.stop()
        if bot.answerer.llm is not None:
            await bot.answerer.llm.aclose()
        await bot.client.aclose()
