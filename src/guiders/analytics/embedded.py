"""The analytics worker inside ``guiders up``: a model on first start, then the worker loop.

``make run`` must not wait for training. When the model directory is empty, a separate process
trains the demo model from the bundled UCI data with the members the full selection picks on
it (boosting + extra trees: ~6 s instead of ~16-22 s on two cores) while the server already
serves; the worker queues visitors until the model appears, then scores them.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

import structlog

from guiders.analytics.health_reporting import HealthReporter, RetrainSetup
from guiders.analytics.model import is_compatible
from guiders.analytics.segments import Segmenter
from guiders.analytics.worker import AnalyticsWorker, ModelSlot, WorkerConfig
from guiders.client import GuidersClient
from guiders.config import Settings

log = structlog.get_logger(__name__)

DEMO_MEMBERS = "hist_gradient_boosting,extra_trees"
BUNDLED_CSV = Path(__file__).resolve().parents[3] / "data" / "online-shoppers" / "train.csv"


async def ensure_model(model_dir: Path, csv: Path = BUNDLED_CSV) -> bool:
    """Trains into a scratch directory and renames it into place; False when it could not."""
    state = await asyncio.to_thread(_prepare, model_dir, csv)
    if state != "train":
        return state == "ready"
    scratch = _scratch(model_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "guiders.analytics.cli",
        "train",
        "--csv",
        str(csv),
        "--out",
        str(scratch),
        "--members",
        DEMO_MEMBERS,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        log.error("demo model training failed", stderr=err.decode(errors="replace")[-2000:])
        return False
    await asyncio.to_thread(_install, scratch, model_dir)
    log.info("demo conversion model ready", directory=str(model_dir))
    return True


def _scratch(model_dir: Path) -> Path:
    return model_dir.with_name(model_dir.name + ".training")


def _installed(model_dir: Path) -> bool:
    """A model this version can load (one from an older feature list is trained again)."""
    try:
        return is_compatible(json.loads((model_dir / "model.json").read_text()))
    except (OSError, ValueError):
        return False


def _prepare(model_dir: Path, csv: Path) -> str:
    if _installed(model_dir):
        return "ready"
    if not csv.is_file():
        log.warning("no model and no training data; visitors will not be scored", csv=str(csv))
        return "missing"
    shutil.rmtree(_scratch(model_dir), ignore_errors=True)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    return "train"


def _install(scratch: Path, model_dir: Path) -> None:
    if _installed(model_dir):
        return
    if (model_dir / "model.json").is_file():
        kept = model_dir.with_name(f"{model_dir.name}.incompatible-{int(time.time())}")
        model_dir.rename(kept)
        log.warning("a model of another feature list was moved aside", directory=str(kept))
    shutil.rmtree(model_dir, ignore_errors=True)
    scratch.rename(model_dir)


async def run_embedded(settings: Settings, base_url: str, api_key: str) -> None:
    model_dir = settings.resolved_model_dir
    training = asyncio.create_task(ensure_model(model_dir))
    slot = ModelSlot(
        model_dir,
        Segmenter(
            vip_above=settings.analytics_vip_above,
            nurturing_below=settings.analytics_nurturing_below,
        ),
    )
    config = WorkerConfig(
        debounce_s=settings.analytics_debounce_s, poll_s=settings.analytics_poll_s
    )
    try:
        async with GuidersClient(base_url, api_key) as client:
            health = HealthReporter(
                client,
                slot,
                interval_s=settings.analytics_health_interval_s,
                retrain=RetrainSetup(
                    BUNDLED_CSV, model_dir, members=tuple(DEMO_MEMBERS.split(","))
                ),
            )
            worker = AnalyticsWorker(
                client,
                slot,
                config=config,
                state_path=settings.data_dir / "analytics-state.json",
                health=health,
            )
            await worker.run()
    finally:
        training.cancel()
