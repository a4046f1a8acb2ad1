"""The bot's settings: defaults from the integration guide, then a YAML file, then the
environment (``GUIDERS_BOT_*``), each overriding the one before.

The file uses the guide's camelCase names (``autoRespondThreshold: 0.8``) or snake_case;
``GUIDERS_BOT_ESCALATION_KEYWORDS`` takes a comma-separated list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from guiders.ai.llm import LlmConfig
from guiders.domain.settings import DEFAULT_BOT_NAME

DEFAULT_KEYWORDS = [
    "precio",
    "precios",
    "cotización",
    "presupuesto",
    "venta",
    "urgente",
    "price",
    "prices",
    "pricing",
    "quote",
    "quotation",
    "sale",
    "sales",
    "urgent",
]
DEMO_KB = Path(__file__).resolve().parent.parent / "ai" / "demo_kb.yaml"


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDERS_BOT_", extra="ignore")

    bot_name: str = DEFAULT_BOT_NAME
    """Only while the server's settings cannot be read: the server signs the bot's messages
    with the company's ``bot.name``, and the bot's welcome uses that name too."""
    auto_respond_threshold: float = Field(0.8, ge=0, le=1)
    escalation_keywords: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_KEYWORDS)
    )
    escalation_intents: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["human_agent"]
    )
    shadow_topics: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """KB intents answered as drafts for the agent only (shadow mode, docs/bot-testing.md)."""
    max_messages_before_escalation: int = Field(5, ge=1)
    response_delay_ms: int = Field(300, ge=0)
    typing_ms_per_char: int = Field(20, ge=0)
    typing_max_ms: int = Field(1500, ge=0)
    default_language: Literal["es", "en"] = "es"
    visitor_fallback_name: str = "visitante"
    welcome_message: str = "¡Hola {name}! Soy {bot}, el asistente virtual. ¿En qué puedo ayudarte?"
    fallback_message: str = (
        "Ahora mismo no puedo responder a eso; un agente te ayudará en cuanto esté disponible."
    )
    escalation_timeout_s: float = Field(120.0, gt=0)
    """How long the agent a chat is handed to has to answer (sent with the hand-off request)."""
    history_messages: int = Field(10, ge=0)
    kb_cache_ttl_s: float = Field(1800.0, ge=0)
    knowledge_enabled: bool = Field(
        True, description="Answer from the company's documents first (docs/knowledge.md)"
    )
    kb_model_dir: Path | None = None
    kb_file: Path = DEMO_KB
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 10.0
    llm_retries: int = 2
    llm_backoff_initial_s: float = 0.5
    llm_rate_per_s: float = 10.0
    llm_burst: int = 50
    breaker_failures: int = 5
    breaker_recovery_s: float = 30.0
    breaker_successes: int = 3

    @field_validator("escalation_keywords", "escalation_intents", "shadow_topics", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment beats the file (passed as init values), which beats defaults."""
        return env_settings, init_settings

    @classmethod
    def load(cls, path: Path | None = None, **overrides: Any) -> BotSettings:
        values: dict[str, Any] = {}
        if path is not None:
            raw = yaml.safe_load(path.read_text()) or {}
            if not isinstance(raw, dict):
                raise ValueError(f"{path}: expected a mapping of settings")
            values = {_snake(str(k)): v for k, v in raw.items()}
        return cls(**{**values, **overrides})

    def reply_delay_s(self, text: str, spent_s: float = 0.0) -> float:
        """The human-like pause before a reply: ``min(300 ms + 20 ms × characters, 1.5 s)``
        with the configured figures, less ``spent_s``, the time the visitor has already waited
        (the message's delivery to the bot, then classifying, asking the documents or an LLM):
        the pause is what is left of the typing time, not added to it. The cap bounds the whole
        pause, because the visitor waits for all of it (the guide's 1 s + 50 ms × characters
        up to 5 s made a typical answer take 6 s)."""
        pause = self.response_delay_ms + self.typing_ms_per_char * len(text)
        return max(0.0, min(pause, self.typing_max_ms) / 1000 - spent_s)

    def llm_config(self) -> LlmConfig | None:
        if not self.llm_base_url:
            return None
        return LlmConfig(
            base_url=self.llm_base_url,
            model=self.llm_model,
            api_key=self.llm_api_key,
            timeout_s=self.llm_timeout_s,
            retries=self.llm_retries,
            backoff_initial_s=self.llm_backoff_initial_s,
            rate_per_s=self.llm_rate_per_s,
            burst=self.llm_burst,
            breaker_failures=self.breaker_failures,
            breaker_recovery_s=self.breaker_recovery_s,
            breaker_successes=self.breaker_successes,
        )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
