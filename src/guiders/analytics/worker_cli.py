"""``guiders analytics worker``: the scoring worker, alone or as one of N replicas."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from guiders.analytics.segments import Segmenter
from guiders.client.cli_options import ApiAccess, api_options, work_group_options

if TYPE_CHECKING:
    from guiders.client.work_group_settings import WorkGroupSettings


@click.command()
@api_options(key_envvar="GUIDERS_API_KEY")
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
@work_group_options("analytics", shares="the scoring")
def worker(
    api: ApiAccess,
    model_dir: Path,
    state_path: Path | None,
    debounce: float,
    poll: float,
    vip_above: float | None,
    nurturing_below: float | None,
    group: WorkGroupSettings,
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
        async with GuidersClient(api.server, api.key) as client:
            scorer = AnalyticsWorker(
                client,
                ModelSlot(model_dir, segmenter),
                config=WorkerConfig(debounce_s=debounce, poll_s=poll),
                state_path=state_path,
            )
            if group.redis_url is None:
                await scorer.run()
                return
            await run_replica(scorer, group, asyncio.Event())

    click.echo(f"scoring visitors of {api.server} with the model in {model_dir}", err=True)
    asyncio.run(go())
