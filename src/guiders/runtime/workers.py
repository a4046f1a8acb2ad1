"""Workers beside the request path: this node's knowledge ingestion and answer indexes, and the
bot, analytics and pipeline that ``guiders up`` runs as clients of its own API."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from guiders.config import Settings
from guiders.services.container import Services
from guiders.services.ports import UnitOfWork
from guiders.supervision import BackgroundWorker, Readiness

if TYPE_CHECKING:
    from guiders.ingest.answers import NodeIndexes
    from guiders.ingest.worker import IngestionWorker


def knowledge_workers(
    settings: Settings, uow: Callable[[], UnitOfWork], services: Services
) -> tuple[IngestionWorker | None, NodeIndexes | None]:
    """The ingestion worker and this node's answer indexes. One thread runs the encoder for
    both (it is not safe to share between threads): ingestion encodes a document at a time,
    so a question waits at most that long behind it."""
    if not settings.knowledge_enabled:
        return None, None
    from guiders.ingest.answers import NodeIndexes
    from guiders.ingest.jobs import JobSettings
    from guiders.ingest.worker import IngestionWorker

    encoder = ThreadPoolExecutor(1, thread_name_prefix="knowledge")
    job = JobSettings(
        allow_private=settings.knowledge_allow_private_addresses,
        max_bytes=settings.knowledge_max_bytes,
        timeout_s=settings.knowledge_fetch_timeout_s,
        max_redirects=settings.knowledge_max_redirects,
        max_pages=settings.knowledge_max_pages,
    )
    worker = IngestionWorker(
        uow,
        job,
        poll_s=settings.knowledge_poll_s,
        parse_processes=settings.knowledge_parse_processes,
        encode_executor=encoder,
    )
    indexes = NodeIndexes(uow, encoder)
    services.knowledge.answers = indexes
    services.knowledge.wake = worker.wake
    return worker, indexes


async def _imported_in_thread(module: str) -> None:
    """Imports ``module`` in a thread, so that the server keeps answering meanwhile (the
    analytics worker pulls in scikit-learn and pandas, the bot NumPy and its models: seconds).
    The worker then imports it again, from ``sys.modules``, with its types."""
    await asyncio.to_thread(importlib.import_module, module)


def embedded_workers(
    settings: Settings, url: str, key: Callable[[], str]
) -> list[BackgroundWorker]:
    """The bot, analytics and pipeline workers ``guiders up`` runs next to the server; each
    talks to it through the client, with the integration key ``key()`` gives when it starts.

    Each imports its modules when it first starts (after the server answers, see
    ``supervise``), not here: ``guiders up`` served nothing until they were loaded. An import
    error is the worker's crash, logged with its traceback and retried with backoff."""
    workers = []
    if settings.bot_enabled:
        bot_ready = Readiness()

        async def bot() -> None:
            await _imported_in_thread("guiders.bot.embedded")
            from guiders.bot.embedded import run_embedded

            await run_embedded(url, key(), settings.data_dir, on_ready=bot_ready.set)

        workers.append(BackgroundWorker("bot", bot, server=url, readiness=bot_ready))
    if settings.analytics_enabled:

        async def analytics() -> None:
            await _imported_in_thread("guiders.analytics.embedded")
            from guiders.analytics.embedded import run_embedded

            await run_embedded(settings, url, key())

        workers.append(BackgroundWorker("analytics", analytics, server=url))
    if settings.pipeline_enabled:

        async def pipeline() -> None:
            await _imported_in_thread("guiders.pipeline.embedded")
            from guiders.pipeline.embedded import run_embedded

            await run_embedded(settings, url, key())

        workers.append(BackgroundWorker("pipeline", pipeline, server=url))
    return workers
