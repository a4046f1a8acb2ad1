"""Fixtures the end-to-end modules share."""

from __future__ import annotations

from pathlib import Path

import pytest

from guiders.bot.knowledge import ensure_kb
from guiders.bot.settings import DEMO_KB


@pytest.fixture(scope="session")
def demo_kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo knowledge base's model, trained once per session: training takes 15 s on a
    quiet machine and over 90 s on a loaded one, and the tests only read it (or copy it)."""
    out = tmp_path_factory.mktemp("demo-kb") / "demo_kb"
    ensure_kb(out, DEMO_KB)
    return out
