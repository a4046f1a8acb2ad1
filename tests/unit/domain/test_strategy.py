"""The segment decision tree (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from guiders.domain.agent import Agent, AgentStatus
from guiders.domain.analysis import Analysis, Segment
from guiders.domain.assignment import Candidate
from guiders.domain.chat import Chat, ChatMetadata, Priority, VisitorInfo
from guiders.domain.strategy import NurturingContent, StrategyConfig, plan

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
COMPANY = uuid.uuid4()
CONFIG = StrategyConfig(content=NurturingContent("Guide", "Read this"))


def analysis(segment: Segment, p: float) -> Analysis:
    return Analysis(uuid.uuid4(), COMPANY, p, segment, "m", NOW, context={"pagesSeen": ["/a"]})


def agent(seniority: int, status: AgentStatus = AgentStatus.ONLINE) -> Agent:
    return Agent(uuid.uuid4(), COMPANY, f"a{seniority}", status=status, seniority=seniority)


def chat(visitor: uuid.UUID) -> Chat:
    return Chat.open(
        id=uuid.uuid4(),
        company_id=COMPANY,
        visitor_info=VisitorInfo(id=visitor),
        metadata=ChatMetadata(),
        priority=Priority.NORMAL,
        at=NOW,
    )


def test_vip_pending_chat_goes_to_the_most_senior_available_even_if_busier() -> None:
    a = analysis(Segment.VIP, 0.9)
    junior, senior, offline = agent(1), agent(3), agent(5, AgentStatus.OFFLINE)
    open_chat = chat(a.visitor_id)
    decided = plan(
        a,
        Segment.STANDARD,
        open_chats=[open_chat],
        candidates=[Candidate(junior, 0), Candidate(senior, 2), Candidate(offline, 0)],
        has_email_consent=True,
        last_email_at=None,
        config=CONFIG,
    )
    assert decided.assign == {open_chat.id: senior.id}
    assert decided.raise_priority == [open_chat.id]
    assert not decided.open_proactive_chat and not decided.send_email


def test_vip_without_chat_is_offered_one_only_on_entering_the_segment() -> None:
    a = analysis(Segment.VIP, 0.9)
    args = dict(candidates=[], has_email_consent=False, last_email_at=None, config=CONFIG)
    entering = plan(a, None, open_chats=[], **args)  # type: ignore[arg-type]
    assert entering.open_proactive_chat and entering.notes == ["no commercial available"]
    assert plan(a, Segment.VIP, open_chats=[], **args).empty  # type: ignore[arg-type]


def test_nurturing_content_on_entry_and_email_once_per_cooldown_with_consent() -> None:
    a = analysis(Segment.NURTURING, 0.1)
    first = plan(
        a,
        None,
        open_chats=[],
        candidates=[],
        has_email_consent=True,
        last_email_at=None,
        config=CONFIG,
    )
    assert first.content == CONFIG.content and first.send_email
    recent = plan(
        a,
        Segment.NURTURING,
        open_chats=[],
        candidates=[],
        has_email_consent=True,
        last_email_at=NOW - timedelta(days=1),
        config=CONFIG,
    )
    assert recent.empty
    no_consent = plan(
        a,
        None,
        open_chats=[],
        candidates=[],
        has_email_consent=False,
        last_email_at=None,
        config=CONFIG,
    )
    assert no_consent.content is not None and not no_consent.send_email


def test_standard_gets_a_persona_with_the_pages_seen() -> None:
    a = analysis(Segment.STANDARD, 0.6)
    decided = plan(
        a,
        Segment.NURTURING,
        open_chats=[],
        candidates=[],
        has_email_consent=True,
        last_email_at=None,
        config=CONFIG,
    )
    assert decided.persona is not None and decided.persona["pagesSeen"] == ["/a"]
    assert not decided.send_email
