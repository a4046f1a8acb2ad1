"""A company's settings, as sections an admin edits in the console.

Each section is one document with its own rules. They are validated here, not at the edge,
because the console, the CLI and the API all change them and must refuse the same values.
pydantic does the field checks so an error names the field (``greetings.en``) the form shows it
beside. A company that never saved a section gets its defaults, so reading never fails.

Secrets (the LLM key, the SMTP password, webhook keys) are not settings: they live encrypted in
``services/company_secrets.py`` and a section only names them.
"""

from __future__ import annotations

import re
from datetime import date, time
from email.utils import parseaddr
from functools import cache
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from guiders.domain.errors import ValidationFailed

LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
"""A language tag as the widget reads it off the page: ``en`` or ``en-GB``."""

ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=2000)]
PerLanguage = Annotated[dict[str, LongText], Field(max_length=20)]
"""A text per language (``{"en": ..., "es": ...}``); the visitor's language picks one."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _languages(texts: dict[str, str]) -> dict[str, str]:
    for tag in texts:
        if not LANGUAGE.match(tag):
            raise ValueError(f"{tag!r} is not a language tag like 'en' or 'en-GB'")
    return texts


class CompanyProfile(Section):
    name: Annotated[str, Field(min_length=1, max_length=120)] = "My company"
    time_zone: str = "UTC"
    default_language: str = "en"

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in _zones():
            raise ValueError("an IANA time zone such as 'Europe/Madrid'")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not LANGUAGE.match(value):
            raise ValueError("a language tag like 'en' or 'en-GB'")
        return value


class WidgetLook(Section):
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#2563eb"
    title: ShortText = "Chat with us"
    position: Literal["right", "left"] = "right"
    launcher_text: ShortText = "Chat"
    greetings: PerLanguage = Field(
        default_factory=lambda: {
            "en": "Hi! How can we help?",
            "es": "¡Hola! ¿En qué podemos ayudarte?",
        }
    )

    _greetings = field_validator("greetings")(_languages)


DEFAULT_BOT_NAME = "Guiders AI"
"""The bot's name until an admin gives it another (``bot.name``): the one default every
display of the bot (its messages' sender, its welcome, the widget) falls back to."""


class BotConfig(Section):
    enabled: bool = True
    name: Annotated[str, Field(min_length=1, max_length=80)] = DEFAULT_BOT_NAME
    avatar_url: Annotated[str, Field(max_length=500, pattern=r"^(https://\S+)?$")] = ""
    welcome: PerLanguage = Field(
        default_factory=lambda: {
            "en": "Hi {name}! I'm {bot}, the virtual assistant. How can I help?",
            "es": "¡Hola {name}! Soy {bot}, el asistente virtual. ¿En qué puedo ayudarte?",
        }
    )
    escalation_keywords: Annotated[list[ShortText], Field(max_length=100)] = Field(
        default_factory=lambda: ["human", "agent", "person", "humano", "agente", "persona"]
    )
    max_bot_messages: Annotated[int, Field(ge=1, le=100)] = 5
    answer_threshold: Annotated[float, Field(ge=0, le=1)] = 0.53
    disclosure: PerLanguage = Field(
        default_factory=lambda: {
            "en": "You are chatting with an AI assistant. A person can take over at any time.",
            "es": "Estás hablando con un asistente de IA. Una persona puede atenderte cuando"
            " quieras.",
        }
    )

    _welcome = field_validator("welcome", "disclosure")(_languages)


class TimeSlot(Section):
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> TimeSlot:
        if self.end <= self.start:
            raise ValueError("a slot ends after it starts")
        return self


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(Section):
    """Open slots per weekday in the company's time zone; no slots on a day means closed."""

    always_open: bool = True
    week: dict[Weekday, Annotated[list[TimeSlot], Field(max_length=6)]] = Field(
        default_factory=dict
    )
    holidays: Annotated[list[date], Field(max_length=366)] = Field(default_factory=list)
    outside_hours: Literal["offer_email", "bot_only"] = "offer_email"

    @field_validator("week")
    @classmethod
    def _no_overlap(cls, week: dict[str, list[TimeSlot]]) -> dict[str, list[TimeSlot]]:
        for day, slots in week.items():
            ordered = sorted(slots, key=lambda s: s.start)
            for before, after in pairwise(ordered):
                if after.start < before.end:
                    raise ValueError(f"the slots of {day} overlap")
        return week


class Routing(Section):
    policy: Literal["least_busy", "most_senior"] = "least_busy"
    by_department: bool = False
    accept_timeout_s: Annotated[int, Field(ge=10, le=3600)] = 120


class Privacy(Section):
    retention_days: Annotated[int | None, Field(ge=1, le=3650)] = None
    """Conversations, visitors and tracking older than this are deleted; None keeps them."""
    transcript_on_close: bool = False


WEBHOOK_NAME = r"^[a-z0-9][a-z0-9_.-]{0,60}$"
"""A webhook's name; its signing secret is the company secret ``webhook:<name>``."""


class WebhookTarget(Section):
    name: Annotated[str, Field(pattern=WEBHOOK_NAME)]
    url: Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s/]+\S*$")]
    events: Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=50)] = Field(
        default_factory=list
    )
    """Event types (``chat.closed``) or prefixes (``chat.*``); empty: every event."""
    enabled: bool = True


class Integrations(Section):
    """The LLM endpoint, SMTP and outgoing webhooks; their keys and passwords are company
    secrets (``llm_api_key``, ``smtp_password``, ``webhook:<name>``), never stored here."""

    llm_base_url: Annotated[str, Field(max_length=500, pattern=r"^(https?://\S+)?$")] = ""
    llm_model: ShortText = ""
    smtp_host: Annotated[str, Field(max_length=255, pattern=r"^[A-Za-z0-9.-]*$")] = ""
    """Empty: the company's e-mail goes out through the installation's server, if any."""
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_username: Annotated[str, Field(max_length=200, pattern=r"^[^\r\n]*$")] = ""
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    """``tls`` is implicit TLS (port 465); ``starttls`` upgrades a plain connection (587)."""
    smtp_from: Annotated[str, Field(max_length=255, validate_default=True)] = ""
    webhooks: Annotated[list[WebhookTarget], Field(max_length=10)] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy_starttls(cls, data: Any) -> Any:
        """A document saved before ``smtp_security`` had a ``smtp_starttls`` flag."""
        if isinstance(data, dict) and "smtp_starttls" in data:
            data = dict(data)
            flag = data.pop("smtp_starttls")
            data.setdefault("smtp_security", "starttls" if flag else "none")
        return data

    @field_validator("smtp_from")
    @classmethod
    def _sender(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            if info.data.get("smtp_host"):
                raise ValueError("the From address, e.g. 'Acme <help@acme.example>'")
            return value
        if not _is_address(value):
            raise ValueError("an address like 'help@acme.example' or 'Acme <help@acme.example>'")
        return value

    @field_validator("webhooks")
    @classmethod
    def _unique(cls, hooks: list[WebhookTarget]) -> list[WebhookTarget]:
        names = [h.name for h in hooks]
        if len(set(names)) != len(names):
            raise ValueError("two webhooks have the same name")
        return hooks


class PipelineRules(Section):
    """The pipeline's business rules as YAML, edited in the console; the API validates them
    with the pipeline's own validator before saving (errors name the line). Empty: the
    pipeline keeps the rules file it was started with."""

    yaml: Annotated[str, Field(max_length=200_000)] = ""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class SlaTargets(Section):
    """How soon a person answers, counted in business time only (``domain/sla.py``)."""

    first_response_minutes: Annotated[int | None, Field(ge=1, le=10080)] = 5
    """From the visitor asking for a person to a person's first message; None: no target."""
    next_response_minutes: Annotated[int | None, Field(ge=1, le=10080)] = 10
    """From a visitor's message to the person's next reply, once a person has answered."""


LEGACY_FIELDS = frozenset({"smtp_starttls"})
"""Fields older releases stored that a section still reads (and renames) on the way in."""

SECTIONS: dict[str, type[Section]] = {
    "company": CompanyProfile,
    "widget": WidgetLook,
    "bot": BotConfig,
    "business_hours": BusinessHours,
    "routing": Routing,
    "privacy": Privacy,
    "pipeline_rules": PipelineRules,
    "integrations": Integrations,
    "sla": SlaTargets,
}
"""Every section, by the name the API and the audit event use."""


def section_type(name: str) -> type[Section]:
    try:
        return SECTIONS[name]
    except KeyError:
        raise ValidationFailed(
            f"no such settings section; one of {', '.join(SECTIONS)}", field="section"
        ) from None


def defaults(name: str) -> Section:
    return section_type(name)()


def parse(name: str, document: dict[str, Any]) -> Section:
    """The section a document describes, or ValidationFailed naming the first bad field."""
    kind = section_type(name)
    try:
        return kind.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise ValidationFailed(first["msg"].removeprefix("Value error, "), field=field) from None


def stored(name: str, document: dict[str, Any] | None) -> Section:
    """A stored document read back; a document an older release wrote falls back field by field
    to today's defaults rather than failing the reader."""
    if document is None:
        return defaults(name)
    kind = section_type(name)
    known = {k: v for k, v in document.items() if k in kind.model_fields or k in LEGACY_FIELDS}
    try:
        return kind.model_validate(known)
    except ValidationError:
        return kind()


def to_document(section: Section) -> dict[str, Any]:
    return section.model_dump(mode="json")


def changed_fields(before: Section, after: Section) -> list[str]:
    old, new = to_document(before), to_document(after)
    return sorted(k for k in new if old.get(k) != new[k])


def _is_address(value: str) -> bool:
    """One plain address, with or without a display name; no line breaks (header injection)."""
    if any(c in value for c in "\r\n"):
        return False
    _name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain and " " not in address)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}
