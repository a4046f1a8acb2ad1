"""Small training runs shared by the test modules, each done once per test session.

Cached functions instead of a ``conftest.py``: the test tree has no packages, and a
second ``conftest`` module elsewhere would clash with this one by name.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from functools import cache
from pathlib import Path

from guiders.ai.kb_data import LabelledData, load_data, parse_clinc_json
from guiders.ai.kb_model import KnowledgeBase, train

ROOT = Path(__file__).resolve().parents[3]
CLINC = ROOT / "data" / "clinc150" / "train_val.json"
DEMO_KB = ROOT / "src" / "guiders" / "ai" / "demo_kb.yaml"
INTENTS = [
    "translate",
    "weather",
    "alarm",
    "balance",
    "book_flight",
    "recipe",
    "timer",
    "pto_request",
    "credit_score",
    "tell_joke",
]


@cache
def clinc_subset() -> LabelledData:
    """10 intents x 20 training rows; val rows of the same intents; 20 oos val rows."""
    raw = json.loads(CLINC.read_text())
    train_rows: list[list[str]] = []
    val_rows: list[list[str]] = []
    for intent in INTENTS:
        train_rows += [r for r in raw["train"] if r[1] == intent][:20]
        val_rows += [r for r in raw["val"] if r[1] == intent][:5]
    return parse_clinc_json(
        {"train": train_rows, "val": val_rows, "oos_val": raw["oos_val"][:20]}, "subset.json"
    )


@cache
def clinc_model() -> KnowledgeBase:
    return train(clinc_subset())


@cache
def demo_model_dir() -> Path:
    out = Path(tempfile.mkdtemp(prefix="guiders-demo-kb-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    train(load_data(DEMO_KB), out)
    return out
