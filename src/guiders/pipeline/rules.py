"""Business rules as data: the model a rules file is validated against.

A file holds ``settings`` (time zone, business hours) and an ordered list of ``rules``. Each rule
has ``when`` conditions (all must hold) and ``then`` actions, run in order when it fires.
Unknown fields are refused, so a typo is an error with its line instead of a rule that silently
never fires.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from guiders.domain.chat import Priority
from guiders.pipeline import templates

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: str) -> time:
    match = _CLOCK.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a time of day HH:MM (24 h)")
    return time(int(match[1]), int(match[2]))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(Strict):
    """Inclusive bounds; either may be left out."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def holds(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class TimeWindow(Strict):
    """``after`` <= local time < ``before``; a window may wrap midnight (22:00 -> 06:00)."""

    after: str = "00:00"
    before: str = "23:59"

    @field_validator("after", "before")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    def holds(self, at: time) -> bool:
        start, end = parse_clock(self.after), parse_clock(self.before)
        if start <= end:
            return start <= at < end
        return at >= start or at < end


class BusinessHours(Strict):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"]  # type: ignore[arg-type]
    )
    open: str = "09:00"
    close: str = "18:00"
    holidays: list[str] = Field(default_factory=list, description="ISO dates, YYYY-MM-DD")

    @field_validator("open", "close")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _dates(cls, values: list[str]) -> list[str]:
        for v in values:
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", v):
                raise ValueError(f"'{v}' is not a date YYYY-MM-DD")
        return values


class RuleSettings(Strict):
    timezone: str = "UTC"
    business_hours: BusinessHours = Field(default_factory=BusinessHours)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}'") from exc
        return value


SenderRole = Literal["visitor", "commercial", "ai", "system"]


class Conditions(Strict):
    """Every condition given must hold; one left out does not constrain."""

    event: list[str] = Field(default_factory=list, description="event types, e.g. message.sent")
    sender: list[SenderRole] = Field(default_factory=list)
    segment: list[Literal["vip", "standard", "nurturing"]] = Field(default_factory=list)
    score: Range | None = None
    intent: list[str] = Field(default_factory=list)
    confidence: Range | None = None
    keywords: list[str] = Field(default_factory=list, description="any of these, whole words")
    urgency: Range | None = None
    sentiment: Range | None = None
    time_of_day: TimeWindow | None = None
    business_hours: bool | None = None
    priority: list[Priority] = Field(default_factory=list, description="the chat's priority")
    chat_status: list[str] = Field(default_factory=list)

    @field_validator("keywords")
    @classmethod
    def _non_empty(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("a keyword is empty")
        return values


def _template(value: str) -> str:
    error = templates.check(value)
    if error is not None:
        raise ValueError(f"template syntax error: {error}")
    return value


class SendMessage(Strict):
    type: Literal["send_message"]
    template: str = Field(min_length=1, max_length=10_000)
    internal: bool = False

    _t = field_validator("template")(_template)


class Assign(Strict):
    type: Literal["assign"]
    policy: Literal["least_loaded", "senior"] | None = None
    agent: str | None = Field(default=None, description="a commercial's id or name")

    @model_validator(mode="after")
    def _one(self) -> Assign:
        if (self.policy is None) == (self.agent is None):
            raise ValueError("give exactly one of 'policy' or 'agent'")
        return self


class SetPriority(Strict):
    type: Literal["set_priority"]
    priority: Priority


class Tag(Strict):
    type: Literal["tag"]
    tags: list[str] = Field(min_length=1)


class NotifyAgents(Strict):
    type: Literal["notify_agents"]
    template: str = Field(min_length=1, max_length=2000)

    _t = field_validator("template")(_template)


class Webhook(Strict):
    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://")
    secret: str = Field(min_length=8, description="HMAC-SHA256 key for X-Guiders-Signature")
    body: dict[str, str] = Field(default_factory=dict, description="extra templated fields")
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    attempts: int = Field(default=4, ge=1, le=10)

    @field_validator("body")
    @classmethod
    def _body(cls, values: dict[str, str]) -> dict[str, str]:
        for v in values.values():
            _template(v)
        return values


class Email(Strict):
    type: Literal["email"]
    to: str = Field(min_length=1)
    subject: str = Field(min_length=1, max_length=300)
    template: str = Field(min_length=1, max_length=20_000)

    _t = field_validator("to", "subject", "template")(_template)


Action = Annotated[
    SendMessage | Assign | SetPriority | Tag | NotifyAgents | Webhook | Email,
    Field(discriminator="type"),
]


class Rule(Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    enabled: bool = True
    stop: bool = Field(default=False, description="no later rule fires on this event")
    when: Conditions = Field(default_factory=Conditions)
    then: list[Action] = Field(min_length=1)


class RuleSet(Strict):
    version: Literal[1] = 1
    settings: RuleSettings = Field(default_factory=RuleSettings)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                raise ValueError(f"two rules are named '{rule.name}'")
            seen.add(rule.name)
        return rules
