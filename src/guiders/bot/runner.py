"""Build and run the bot from its settings: ``guiders bot`` and the task inside ``guiders up``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import structlog

from guiders.ai.answering import Answerer
from guiders.ai.llm import LlmClient
from guiders.bot.bot import Classifier, FirstLineBot
from guiders.bot.knowledge import ensure_kb
from guiders.bot.llm_source import stored_llm_key
from guiders.bot.replicas import run_replica
from guiders.bot.settings import BotSettings
from guiders.client import GuidersClient
from guiders.client.work_group_settings import WorkGroupSettings

log = structlog.get_logger(__name__)
__all__ = ["build_bot", "check_access", "run_bot", "stored_llm_key"]


def build_bot(server: str, key: str, settings: BotSettings, kb: Classifier) -> FirstLineBot:
    llm_config = settings.llm_config()
    answerer = Answerer(
        llm=LlmClient(llm_config) if llm_config else None,
        fallback_text=settings.fallback_message,
        bot_name=settings.bot_name,
    )
    return FirstLineBot(GuidersClient(server, key), kb, settings, answerer)


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
    replica: WorkGroupSettings | None = None,
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
        await bot.llm.refresh(force=True)
        ready(True)
        stop = stop or asyncio.Event()
        if replica is None:
            await stop.wait()
        else:
            await run_replica(bot, replica, stop)
    finally:
        ready(False)
        await bot.stop()
        await bot.llm.aclose()
        await bot.client.aclose()
