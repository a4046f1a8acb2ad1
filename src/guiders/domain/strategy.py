"""The guide's decision tree: what to do for a visitor in each segment.

Pure: given the new analysis, the previous segment and what the visitor has open, it returns a
plan; ``services/strategies.py`` carries it out in the same transaction as the analysis.

- VIP: raise every open chat to HIGH, hand PENDING ones to the most senior available
  agent, and proactively open a chat when the visitor enters VIP with none open
  ("direct follow-up"). Re-planned on every score, so a chat opened later is caught too.
- standard: a persona and context for the bot ("personalised bot, dynamic answers").
- nurturing: educational content in the widget on entering the segment, and one e-mail
  follow-up per cool-down when the visitor left an address and consented to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from guiders.domain.analysis import Analysis, Segment
from guiders.domain.assignment import Candidate, choose_agent
from guiders.domain.chat import Chat, ChatStatus, Priority

VIP_PRIORITY = Priority.HIGH


@dataclass(frozen=True, slots=True)
class NurturingContent:
    title: str
    body: str
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "body": self.body, "url": self.url}


@dataclass(frozen=True, slots=True)
class StrategyConfig:
    content: NurturingContent
    email_cooldown: timedelta = timedelta(days=7)
    proactive_message: str = (
        "Hello! One of our advisers is here if you would like help choosing or ordering."
    )


@dataclass(slots=True)
class Plan:
    segment: Segment
    raise_priority: list[UUID] = field(default_factory=list)
    assign: dict[UUID, UUID] = field(default_factory=dict)
    """chat id -> commercial id"""
    open_proactive_chat: bool = False
    proactive_agent: UUID | None = None
    persona: dict[str, Any] | None = None
    content: NurturingContent | None = None
    send_email: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.raise_priority
            or self.assign
            or self.open_proactive_chat
            or self.persona
            or self.content
            or self.send_email
        )


def persona_for(analysis: Analysis) -> dict[str, Any]:
    """What the bot should sound like and know for this visitor (any segment)."""
    ctx = analysis.context
    tone = {
        Segment.VIP: "concierge: brief, offer a person straight away",
        Segment.STANDARD: "helpful adviser: answer precisely, suggest the next step",
        Segment.NURTURING: "educational: explain, share guides, no pressure",
    }[analysis.segment]
    return {
        "segment": analysis.segment.value,
        "tone": tone,
        "pagesSeen": list(ctx.get("pagesSeen") or [])[:10],
        "productOfInterest": ctx.get("productOfInterest"),
        "returning": analysis.profile.get("returning"),
    }


def plan(
    analysis: Analysis,
    previous: Segment | None,
    *,
    open_chats: Sequence[Chat],
    candidates: Iterable[Candidate],
    has_email_consent: bool,
    last_email_at: datetime | None,
    config: StrategyConfig,
) -> Plan:
    entered = analysis.segment != previous
    result = Plan(segment=analysis.segment)
    if analysis.segment == Segment.VIP:
        pool = list(candidates)
        load = {c.agent.id: c.workload for c in pool}
        for chat in open_chats:
            if chat.priority.rank < VIP_PRIORITY.rank:
                result.raise_priority.append(chat.id)
            if chat.status == ChatStatus.PENDING:
                chosen = choose_agent(
                    [Candidate(c.agent, load[c.agent.id]) for c in pool],
                    most_senior=True,
                )
                if chosen is None:
                    result.notes.append("no commercial available")
                else:
                    result.assign[chat.id] = chosen.id
                    load[chosen.id] += 1
        if not open_chats and entered:
            result.open_proactive_chat = True
            chosen = choose_agent(pool, most_senior=True)
            result.proactive_agent = chosen.id if chosen else None
            if chosen is None:
                result.notes.append("no commercial available")
    elif analysis.segment == Segment.STANDARD:
        if entered:
            result.persona = persona_for(analysis)
    else:
        if entered:
            result.content = config.content
        due = last_email_at is None or analysis.scored_at - last_email_at >= config.email_cooldown
        if has_email_consent and due:
            result.send_email = True
    return result
