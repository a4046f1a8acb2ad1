"""What the end-to-end tests share across modules: the demo knowledge base, trained once."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from guiders.bot.knowledge import ensure_kb, needs_training
from guiders.bot.settings import DEMO_KB


@pytest.fixture(scope="session")
def demo_kb_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo KB's model, trained from ``DEMO_KB`` once for the run.

    Training is a process of its own on one core, 15 s on a quiet machine and a minute or more
    on a loaded one; six modules each trained their own copy. Under pytest-xdist the workers
    of one run share the base temporary directory's parent, so one trains while the others wait
    on the lock. Servers get a copy (``copy_demo_kb``), never this directory.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    model = root / "demo_kb"
    with open(root / "demo_kb.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if needs_training(model, DEMO_KB):
            ensure_kb(model, DEMO_KB)
    return model


def copy_demo_kb(model: Path, data_dir: Path) -> None:
    """The trained model where ``guiders up --data-dir data_dir`` loads it without training."""
    shutil.copytree(model, data_dir / "models" / "demo_kb")
