"""Ready before it talks: the bot joins the server's events only after its model is loaded and
answers, and says it is ready only then (``/api/ready`` of ``guiders up`` reads it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from guiders.bot import runner
from guiders.bot.settings import BotSettings


class FakeKb:
    def __init__(self, order: list[str]) -> None:
        self.order = order

    def classify(self, text: str, language: str | None = None) -> Any:
        self.order.append("model answers")


class FakeBot:
    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.answerer = type("A", (), {"llm": None})()
        self.client = self
        self.llm = self

    async def refresh(self, *, force: bool = False) -> None:
        pass

    async def start(self, *, wait_for_server_s: float = 0.0, listen: bool = True) -> None:
        self.order.append("joins the events")

    async def stop(self) -> None:
        self.order.append("stops")

    async def aclose(self) -> None:
        pass


async def test_the_bot_joins_only_with_its_model_loaded_and_then_says_it_is_ready(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    order: list[str] = []

    def ensure_kb(model_dir: Path, kb_file: Path) -> FakeKb:
        order.append("model loaded")
        return FakeKb(order)

    monkeypatch.setattr(runner, "ensure_kb", ensure_kb)
    monkeypatch.setattr(runner, "build_bot", lambda *a: FakeBot(order))
    stop = asyncio.Event()

    def on_ready(ready: bool) -> None:
        order.append(f"ready={ready}")
        if ready:
            stop.set()

    await runner.run_bot("http://x", "k", BotSettings(), tmp_path, stop=stop, on_ready=on_ready)
    assert order == [
        "model loaded",
        "model answers",
        "joins the events",
        "ready=True",
        "ready=False",  # not ready before it stops
        "stops",
    ]


def test_the_model_is_kept_until_the_knowledge_file_changes(tmp_path: Path) -> None:
    """``guiders bot prepare`` (and every start) trains only when the KB's SHA-256 changed."""
    import hashlib

    from click.testing import CliRunner

    from guiders.bot.knowledge import SOURCE_STAMP, needs_training
    from guiders.cli import main

    kb = tmp_path / "kb.yaml"
    kb.write_text("intents: []\n")
    model = tmp_path / "var" / "models" / "demo_kb"
    assert needs_training(model, kb)  # nothing built yet
    model.mkdir(parents=True)
    (model / "meta.json").write_text("{}")
    (model / SOURCE_STAMP).write_text(hashlib.sha256(kb.read_bytes()).hexdigest() + "\n")
    assert not needs_training(model, kb)
    config = tmp_path / "bot.yaml"
    config.write_text(f"kbFile: {kb}\n")
    done = CliRunner().invoke(
        main, ["bot", "prepare", "--config", str(config), "--data-dir", str(tmp_path / "var")]
    )
    assert done.exit_code == 0, done.output
    assert "up to date" in done.output
    kb.write_text("intents: [changed]\n")
    assert needs_training(model, kb)
