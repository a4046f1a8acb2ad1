"""Build and run the bot from its settings: ``guiders bot`` and the task inside ``guiders up``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog

from guiders.ai.answering import Answerer
from guiders.ai.llm import LlmClient
from guiders.bot.bot import Classifier, FirstLineBot
from guiders.bot.knowledge import ensure_kb
from guiders.bot.settings import BotSettings
from guiders.client import GuidersClient

log = structlog.get_logger(__name__)


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
) -> None:
    """Run until ``stop`` is set (or the task is cancelled)."""
    model_dir = settings.kb_model_dir or data_dir / "models" / "demo_kb"
    kb = await asyncio.to_thread(ensure_kb, model_dir, settings.kb_file)
    bot = build_bot(server, key, settings, kb)
    try:
        await bot.start(wait_for_server_s=wait_for_server_s)
        await (stop or asyncio.Event()).wait()
    finally:
        await bot.stop()
        if bot.answerer.llm is not None:
            await bot.answerer.llm.aclose()
        await bot.client.aclose()
