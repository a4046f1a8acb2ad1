"""Carrying out a strategy plan inside the unit of work that recorded the score.

Each action is a domain command on a chat (priority, assignment, a proactive chat and its
messages) or a row in the e-mail outbox; one ``strategy.applied`` event on the visitor says
what was done and why, with the segment and the score.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from guiders.domain.analysis import Analysis, Segment
from guiders.domain.chat import Chat
from guiders.domain.chat_details import ChatMetadata, VisitorInfo
from guiders.domain.message import MessageType
from guiders.domain.strategy import VIP_PRIORITY, Plan, StrategyConfig
from guiders.domain.visitor import Visitor
from guiders.services.access import Principal
from guiders.services.messages import MessageDraft, build_message
from guiders.services.ports import QueuedEmail, UnitOfWork

FOLLOWUP_KIND = "nurturing_followup"


@dataclass(frozen=True, slots=True)
class MailTemplate:
    subject: str
    body: str

    def render(self, visitor: Visitor) -> tuple[str, str]:
        name = " ".join((visitor.name or "").split())[:100] or "there"  # no line breaks
        return self.subject.replace("{name}", name), self.body.replace("{name}", name)


def _note(analysis: Analysis) -> str:
    factors = ", ".join(
        f"{f.get('feature')} {f.get('value')} ({float(f.get('contribution', 0.0)):+.2f})"
        for f in analysis.top_factors[:3]
    )
    return (
        f"VIP visitor: {analysis.conversion_probability:.0%} likely to convert"
        + (f"; why: {factors}" if factors else "")
        + ". Please follow up directly."
    )


async def carry_out(
    uow: UnitOfWork,
    principal: Principal,
    visitor: Visitor,
    analysis: Analysis,
    decided: Plan,
    open_chats: list[Chat],
    config: StrategyConfig,
    template: MailTemplate,
) -> None:
    if decided.empty:
        return
    now = analysis.scored_at
    by_id = {c.id: c for c in open_chats}
    actions: list[dict[str, Any]] = []
    for chat_id in decided.raise_priority:
        chat = by_id[chat_id]
        actions.append(
            {"action": "raise_priority", "chat_id": str(chat_id), "from": chat.priority.value}
        )
        chat.change_priority(VIP_PRIORITY, now)
        uow.track(chat)
    for chat_id, agent_id in decided.assign.items():
        chat = by_id[chat_id]
        chat.assign(agent_id, reason="vip", at=now, by_supervisor=True)
        await _post(uow, principal, chat, _note(analysis), internal=True, at=now)
        uow.track(chat)
        actions.append({"action": "assign", "chat_id": str(chat_id), "agent_id": str(agent_id)})
    for chat_id in set(decided.raise_priority) | set(decided.assign):
        await uow.chats.save(by_id[chat_id])
    if decided.open_proactive_chat:
        chat = await _proactive_chat(uow, principal, visitor, analysis, decided, config, now)
        actions.append(
            {
                "action": "proactive_chat",
                "chat_id": str(chat.id),
                "agent_id": str(decided.proactive_agent) if decided.proactive_agent else None,
            }
        )
    if decided.persona is not None:
        actions.append({"action": "bot_persona", "persona": decided.persona})
    if decided.content is not None:
        actions.append({"action": "content", "content": decided.content.to_dict()})
    if decided.send_email and visitor.email:
        subject, body = template.render(visitor)
        email = QueuedEmail(
            id=uuid.uuid4(),
            company_id=visitor.company_id,
            visitor_id=visitor.id,
            kind=FOLLOWUP_KIND,
            to_address=visitor.email,
            subject=subject,
            body=body,
            created_at=now,
            next_attempt_at=now,
        )
        await uow.mail.add(email)
        actions.append({"action": "email_queued", "email_id": str(email.id)})
    visitor.record_strategy(
        {
            "strategy": _NAMES[analysis.segment],
            "segment": analysis.segment.value,
            "conversion_probability": analysis.conversion_probability,
            "model_version": analysis.model_version,
            "actions": actions,
            "notes": decided.notes,
        },
        now,
    )


_NAMES = {
    Segment.VIP: "direct_follow_up",
    Segment.STANDARD: "personalised_bot",
    Segment.NURTURING: "nurturing",
}


async def _proactive_chat(
    uow: UnitOfWork,
    principal: Principal,
    visitor: Visitor,
    analysis: Analysis,
    decided: Plan,
    config: StrategyConfig,
    now: datetime,
) -> Chat:
    chat = Chat.open(
        id=uuid.uuid4(),
        company_id=visitor.company_id,
        visitor_info=VisitorInfo(
            id=visitor.id,
            name=visitor.name,
            email=visitor.email,
            phone=visitor.phone,
            location=visitor.location,
        ),
        metadata=ChatMetadata(
            source="proactive",
            initial_url=visitor.current_url,
            tags=["vip", "proactive"],
            custom_fields={"conversionProbability": analysis.conversion_probability},
        ),
        priority=VIP_PRIORITY,
        at=now,
    )
    uow.track(chat)
    await uow.chats.add(chat)
    await _post(uow, principal, chat, config.proactive_message, internal=False, at=now)
    if decided.proactive_agent is not None:
        chat.assign(decided.proactive_agent, reason="vip", at=now, by_supervisor=True)
        await _post(uow, principal, chat, _note(analysis), internal=True, at=now)
    await uow.chats.save(chat)
    return chat


async def _post(
    uow: UnitOfWork, principal: Principal, chat: Chat, content: str, *, internal: bool, at: datetime
) -> UUID:
    draft = MessageDraft(
        content=content,
        type=MessageType.INTERNAL if internal else MessageType.TEXT,
        is_internal=internal,
        metadata={"strategy": "direct_follow_up"},
    )
    message = build_message(principal, chat, draft, at)
    chat.post_message(message)
    await uow.messages.add(message)
    return message.id
