"""``guiders analytics worker``: the scoring worker, alone or as one of N replicas."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import click

from guiders.analytics.segments import Segmenter
from guiders.client.work_group import CLAIM_IDLE_S


@click.command()
@click.option("--server", required=True, help="Base URL of the Guiders server.")
@click.option(
    "--key",
    "api_key",
    required=True,
    envvar="GUIDERS_API_KEY",
    show_envvar=True,
    help="Integration key (better from the environment than on the command line).",
)
@click.option(
    "--model",
    "model_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Model directory (reloaded when its model.json changes).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to keep the log cursor and page statistics between runs.",
)
@click.option("--debounce", default=2.0, show_default=True, type=float, help="Seconds of quiet.")
@click.option("--poll", default=1.0, show_default=True, type=float, help="Seconds between reads.")
@click.option("--vip-above", default=None, type=float, help="Override the model's threshold.")
@click.option("--nurturing-below", default=None, type=float, help="Override the threshold.")
@click.option(
    "--redis-url",
    default=None,
    envvar="GUIDERS_REDIS_URL",
    help="Run as one of N replicas sharing the scoring (Redis consumer group).",
)
@click.option("--worker", "worker_name", default=None, help="This replica's name in the group.")
@click.option("--consumer", default="analytics", show_default=True, help="The group's name.")
@click.option(
    "--claim-idle-s",
    type=float,
    default=CLAIM_IDLE_S,
    show_default=True,
    help="With --redis-url: take over a dead replica's events once idle this long "
    "(XAUTOCLAIM min-idle; a live replica's heartbeat keeps its own fresh).",
)
def worker(
    server: str,
    api_key: str,
    model_dir: Path,
    state_path: Path | None,
    debounce: float,
    poll: float,
    vip_above: float | None,
    nurturing_below: float | None,
    redis_url: str | None,
    worker_name: str | None,
    consumer: str,
    claim_idle_s: float,
) -> None:
    """Follow the event log and re-score visitors when new tracking arrives.

    With --redis-url it is one of N replicas: each due visitor is scored by one of them, and a
    replica that dies has its events taken over (docs/deployment.md, "Workers").
    """
    from guiders.analytics.replicas import run_replica
    from guiders.analytics.worker import AnalyticsWorker, ModelSlot, WorkerConfig
    from guiders.client import GuidersClient

    segmenter = None
    if vip_above is not None or nurturing_below is not None:
        segmenter = Segmenter(
            vip_above=0.8 if vip_above is None else vip_above,
            nurturing_below=0.4 if nurturing_below is None else nurturing_below,
        )

    async def go() -> None:
        async with GuidersClient(server, api_key) as client:
            scorer = AnalyticsWorker(
                client,
                ModelSlot(model_dir, segmenter),
                config=WorkerConfig(debounce_s=debounce, poll_s=poll),
                state_path=state_path,
            )
            if redis_url is None:
                await scorer.run()
                return
            name = worker_name or f"analytics-{socket.gethostname()}-{os.getpid()}"
            await run_replica(
                scorer,
                redis_url,
                name,
                asyncio.Event(),
                consumer=consumer,
                claim_idle_s=claim_idle_s,
            )

    click.echo(f"scoring visitors of {server} with the model in {model_dir}", err=True)
    asyncio.run(go())
