"""The bot's knowledge base: load the trained model, training it first when it is missing or
older than its source file (the demo KB trains in about 10 s: no encoder fine-tuning for a
small YAML KB, see docs/kb.md)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import structlog

from guiders.ai.kb_model import KnowledgeBase

log = structlog.get_logger(__name__)
SOURCE_STAMP = "source.sha256"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def needs_training(model_dir: Path, kb_file: Path) -> bool:
    stamp = model_dir / SOURCE_STAMP
    if not (model_dir / "meta.json").exists():
        return True
    return stamp.exists() and stamp.read_text().strip() != _digest(kb_file)


def ensure_kb(model_dir: Path, kb_file: Path) -> KnowledgeBase:
    """The model at ``model_dir``, trained from ``kb_file`` first if needed.

    Training runs in its own process: in a thread it would hold the server's GIL for seconds
    (measured: message fan-out stalled during the first start). One torch thread, because
    sentences are encoded one at a time, where a second thread buys little and, on a busy
    machine, makes training several times slower (15 s with one, 57-128 s with two).
    """
    if needs_training(model_dir, kb_file):
        started = time.monotonic()
        log.info("training the knowledge base", source=str(kb_file), out=str(model_dir))
        scratch = model_dir.with_name(model_dir.name + ".training")
        shutil.rmtree(scratch, ignore_errors=True)
        command = [sys.executable, "-m", "guiders.ai.cli", "train", "--data", str(kb_file)]
        command += ["--out", str(scratch), "--threads", "1"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"training the knowledge base failed: {done.stderr[-2000:]}")
        (scratch / SOURCE_STAMP).write_text(_digest(kb_file) + "\n")
        shutil.rmtree(model_dir, ignore_errors=True)
        scratch.rename(model_dir)
        log.info("knowledge base trained", seconds=round(time.monotonic() - started, 1))
    return KnowledgeBase.load(model_dir)
