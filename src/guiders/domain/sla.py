"""Service-level timers: how long a visitor waits for a person, in business time only.

- **first response**: from when the visitor asked for a person (or the chat reached an agent,
  when nobody asked) to that person's first message;
- **next response**: once a person has answered, from each visitor message that follows a
  reply of theirs to their next reply.

The assistant's messages stop no timer: they are not a person answering. Time outside the
company's business hours does not count (``domain/business_hours.py``). A timer that runs past
its target is a breach, recorded once as ``chat.sla_breached`` (aggregate type ``sla``, the
chat's id), which the alerts and the pipeline read from the event log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from guiders.domain.business_hours import Schedule
from guiders.domain.events import DomainEvent, Stream
from guiders.domain.settings import SlaTargets

BREACHED = "chat.sla_breached"


class SlaKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"


@dataclass(frozen=True, slots=True)
class Turn:
    at: datetime
    role: Literal["visitor", "agent"]
    """Only a person's messages: the visitor's and an agent's (not the assistant's)."""


@dataclass(frozen=True, slots=True)
class Clock:
    kind: SlaKind
    started_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Breach:
    kind: SlaKind
    started_at: datetime
    due_at: datetime | None
    target_s: float
    business_s: float
    answered: bool


def clocks(waiting_since: datetime | None, turns: Sequence[Turn]) -> list[Clock]:
    """The timers of one chat. ``waiting_since``: when a person was first wanted (the agent
    request, or the first assignment); None: nobody has been wanted yet, no timer runs."""
    if waiting_since is None:
        return []
    ordered = sorted(turns, key=lambda t: t.at)
    first_reply = next((t.at for t in ordered if t.role == "agent" and t.at >= waiting_since), None)
    out = [Clock(SlaKind.FIRST_RESPONSE, waiting_since, first_reply)]
    if first_reply is None:
        return out
    started: datetime | None = None
    for turn in ordered:
        if turn.at <= first_reply:
            continue
        if turn.role == "visitor" and started is None:
            started = turn.at
        elif turn.role == "agent" and started is not None:
            out.append(Clock(SlaKind.NEXT_RESPONSE, started, turn.at))
            started = None
    if started is not None:
        out.append(Clock(SlaKind.NEXT_RESPONSE, started, None))
    return out


def target_seconds(kind: SlaKind, targets: SlaTargets) -> float | None:
    minutes = (
        targets.first_response_minutes
        if kind is SlaKind.FIRST_RESPONSE
        else targets.next_response_minutes
    )
    return None if minutes is None else minutes * 60.0


def breaches(
    timers: Sequence[Clock], schedule: Schedule, targets: SlaTargets, now: datetime
) -> list[Breach]:
    """The timers that ran (or still run) past their target, in business time."""
    out = []
    for clock in timers:
        target = target_seconds(clock.kind, targets)
        if target is None:
            continue
        end = clock.answered_at or now
        spent = schedule.business_seconds(clock.started_at, end)
        if spent > target:
            due = schedule.add_business_seconds(clock.started_at, target)
            out.append(
                Breach(
                    clock.kind, clock.started_at, due, target, spent, clock.answered_at is not None
                )
            )
    return out


def breach_event(company_id: UUID, chat_id: UUID, breach: Breach, at: datetime) -> DomainEvent:
    return Stream("sla", chat_id, company_id).event(
        BREACHED,
        at,
        {
            "chat_id": str(chat_id),
            "kind": breach.kind.value,
            "started_at": breach.started_at.isoformat(),
            "due_at": breach.due_at.isoformat() if breach.due_at else None,
            "target_seconds": breach.target_s,
            "business_seconds": round(breach.business_s, 1),
            "answered": breach.answered,
        },
    )
