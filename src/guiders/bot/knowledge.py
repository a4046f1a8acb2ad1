"""The bot's knowledge base: load the trained model, training it first when it is missing or
older than its source file (the demo KB trains in about 10 s: no encoder fine-tuning for a
small YAML KB, see docs/kb.md)."""

from __future__ import annotations

import hashlib
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
    """The model at ``model_dir``, trained from ``kb_file`` first if needed."""
    if needs_training(model_dir, kb_file):
        import torch

        from guiders.ai.kb_data import load_data
        from guiders.ai.kb_model import train

        # One thread: sentences are encoded one at a time (int8), where a second thread
        # buys little and, on a busy machine, makes training several times slower
        # (measured: 15 s with one thread, 57-128 s with two, on 2 loaded cores).
        torch.set_num_threads(1)

        started = time.monotonic()
        log.info("training the knowledge base", source=str(kb_file), out=str(model_dir))
        train(load_data(kb_file), model_dir)
        (model_dir / SOURCE_STAMP).write_text(_digest(kb_file) + "\n")
        log.info("knowledge base trained", seconds=round(time.monotonic() - started, 1))
    return KnowledgeBase.load(model_dir)
