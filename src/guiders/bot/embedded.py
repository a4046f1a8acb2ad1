"""The bot inside ``guiders up``: an in-process worker (see ``supervision.py``) that still
talks HTTP and Socket.IO to its own server through the client, as it would to a remote one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from guiders.bot.runner import run_bot
from guiders.bot.settings import BotSettings


async def run_embedded(
    base_url: str, api_key: str, data_dir: Path, on_ready: Callable[[bool], None] | None = None
) -> None:
    await run_bot(base_url, api_key, BotSettings.load(), data_dir, on_ready=on_ready)
