"""``guiders up``: the server and the bot in one process, the bot still talking HTTP and
Socket.IO to the server through the client, as it would to a remote one."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import structlog
import uvicorn
from starlette.types import ASGIApp

from guiders.bot.runner import run_bot
from guiders.bot.settings import BotSettings

log = structlog.get_logger(__name__)


def serve_with_bot(app: ASGIApp, host: str, port: int, key: str, data_dir: Path) -> None:
    asyncio.run(_serve(app, host, port, key, data_dir))


async def _serve(app: ASGIApp, host: str, port: int, key: str, data_dir: Path) -> None:
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    local = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    bot = asyncio.create_task(run_bot(local, key, BotSettings.load(), data_dir), name="bot")
    bot.add_done_callback(_report)
    try:
        await server.serve()
    finally:
        bot.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await bot


def _report(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the bot stopped", error=repr(task.exception()))
