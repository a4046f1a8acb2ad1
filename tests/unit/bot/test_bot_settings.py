"""Bot settings: the guide's defaults, a YAML file, and the environment over the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from guiders.bot.settings import BotSettings


def test_defaults_are_the_guides() -> None:
    s = BotSettings()
    assert s.auto_respond_threshold == 0.8
    assert s.max_messages_before_escalation == 5
    assert s.response_delay_ms == 300
    assert {"precio", "cotización", "venta", "urgente", "price", "urgent"} <= set(
        s.escalation_keywords
    )
    assert s.reply_delay_s("x" * 10) == pytest.approx(0.5)
    assert s.reply_delay_s("x" * 1000) == 1.5  # the cap bounds the whole pause
    # the time spent deciding is part of the pause the visitor sees, never added to it
    assert s.reply_delay_s("x" * 1000, spent_s=0.4) == pytest.approx(1.1)
    assert s.reply_delay_s("x" * 10, spent_s=2.0) == 0.0
    assert s.llm_config() is None  # the LLM is off unless configured


def test_file_uses_the_guides_names_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text(
        "autoRespondThreshold: 0.6\nmaxMessagesBeforeEscalation: 3\n"
        "escalationKeywords: [oferta]\nbotName: Robi\nllmBaseUrl: http://127.0.0.1:9/v1\n"
    )
    monkeypatch.setenv("GUIDERS_BOT_MAX_MESSAGES_BEFORE_ESCALATION", "7")
    monkeypatch.setenv("GUIDERS_BOT_ESCALATION_KEYWORDS", "descuento, Oferta Especial")
    s = BotSettings.load(path)
    assert s.auto_respond_threshold == 0.6
    assert s.bot_name == "Robi"
    assert s.max_messages_before_escalation == 7
    assert s.escalation_keywords == ["descuento", "Oferta Especial"]
    llm = s.llm_config()
    assert llm is not None and llm.timeout_s == 10 and llm.retries == 2
    assert (llm.rate_per_s, llm.burst) == (10, 50)


def test_a_threshold_outside_zero_to_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("autoRespondThreshold: 1.5\n")
    with pytest.raises(ValueError, match="auto_respond_threshold"):
        BotSettings.load(path)
