"""The pipeline worker inside ``guiders up``: the shipped rules (or ``GUIDERS_PIPELINE_RULES``)
on the local server's event log, through the client, under its own consumer name.

It uses no KB model in process (the bot already holds one; a second copy would double the
memory of the demo), so rules on ``intent`` do not fire here; run ``guiders pipeline run
--kb-model`` as a separate worker for them. With ``GUIDERS_REDIS_URL`` set it joins the
consumer group like any other worker.
"""

from __future__ import annotations

import asyncio
import os

import structlog

from guiders.client import GuidersClient
from guiders.config import Settings
from guiders.pipeline.analysis import Analyzer
from guiders.pipeline.cli import EXAMPLE_RULES
from guiders.pipeline.company_webhooks import CONSUMER as HOOKS_CONSUMER
from guiders.pipeline.company_webhooks import CompanyWebhooks, guarded_client
from guiders.pipeline.console_rules import ConsoleRules
from guiders.pipeline.processor import Processor
from guiders.pipeline.reload import RulesWatcher
from guiders.pipeline.sources import EventSource, Handler, LogSource, RedisStreamSource
from guiders.pipeline.worker import Worker, build_runner

log = structlog.get_logger(__name__)

CONSUMER = "guiders-up-pipeline"


async def run_embedded(settings: Settings, base_url: str, api_key: str) -> None:
    rules = settings.pipeline_rules or EXAMPLE_RULES
    name = f"up-{os.getpid()}"
    async with GuidersClient(base_url, api_key) as client:
        analyzer = Analyzer()
        runner = build_runner(client, analyzer, owner=name)
        # the console's rules, when an admin saved some, through a file the watcher follows
        console = ConsoleRules(client, rules, settings.data_dir / "pipeline-rules.console.yaml")
        processor = Processor(
            client, RulesWatcher(console.prepare()), runner, analyzer=analyzer, consumer=CONSUMER
        )
        following = asyncio.create_task(console.follow())
        hooks_http = guarded_client(allow_private=settings.webhooks_allow_private_addresses)
        hooks = CompanyWebhooks(client, hooks_http)
        sending = asyncio.create_task(
            run_source(LogSource(client, HOOKS_CONSUMER), hooks.handle), name="company-webhooks"
        )
        source: EventSource
        if settings.redis_url:
            from redis.asyncio import Redis

            source = RedisStreamSource(client, Redis.from_url(settings.redis_url), CONSUMER, name)
        else:
            source = LogSource(client, CONSUMER)
        log.info("pipeline worker started", rules=str(rules), consumer=CONSUMER)
        try:
            await Worker(processor, source).run()
        finally:
            following.cancel()
            sending.cancel()
            await hooks_http.aclose()


async def run_source(source: LogSource, handler: Handler) -> None:
    """Pump the log into ``handler`` for ever; a failed batch is retried after a pause."""
    while True:
        try:
            handled = await source.pump(handler)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("company webhooks: a batch failed; retrying")
            handled = 0
        if not handled:
            await asyncio.sleep(0.5)
