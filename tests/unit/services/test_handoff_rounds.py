"""A hand-off that no agent accepts, round after round: the visitor hears each hand-off text
once (joining, withdrawn, queued), never one per agent who lets the chat wait.

Each round runs under a new runner and saga definition over the same store, as after a
restart or on another server: what was said is known from the saved saga alone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from guiders.sagas import MemorySagaStore, SagaRunner, SagaState
from guiders.services.handoff_saga import (
    TYPE,
    Agent,
    ChatState,
    HandoffRequest,
    HandoffSettings,
    handoff_saga,
)

QUICK = HandoffSettings(answer_timeout_s=0.05, poll_s=0.01)


@dataclass
class Said:
    content: str
    internal: bool
    metadata: dict[str, Any]


@dataclass
class NobodyAnswers:
    """A chat system whose agents are online but never write to the visitor."""

    online: list[str]
    status: str = "PENDING"
    assigned_to: str | None = None
    said: dict[str, Said] = field(default_factory=dict)

    async def chat(self, chat_id: str) -> ChatState:
        return ChatState(status=self.status, is_open=True, assigned_to=self.assigned_to)

    async def available_agents(self) -> list[Agent]:
        return [Agent(id=a, name=a.title(), status="online") for a in self.online]

    async def agent(self, agent_id: str) -> Agent | None:
        return Agent(id=agent_id, name=agent_id.title(), status="online")

    async def assign(self, chat_id: str, agent_id: str) -> None:
        self.status, self.assigned_to = "ASSIGNED", agent_id

    async def release(self, chat_id: str, reason: str) -> None:
        self.status, self.assigned_to = "PENDING", None

    async def say(
        self, chat_id: str, content: str, *, internal: bool, metadata: dict[str, Any], key: str
    ) -> None:
        self.said.setdefault(key, Said(content, internal, metadata))  # a repeated key: no-op

    async def set_bot_muted(self, chat_id: str, muted: bool) -> None:
        pass

    def to_visitor(self) -> list[str]:
        return [s.content for s in self.said.values() if not s.internal]

    def notes(self) -> list[str]:
        return [s.content for s in self.said.values() if s.internal]


async def run_chain(desk: NobodyAnswers, store: MemorySagaStore, saga_id: str) -> SagaState:
    """As ``HandoffWorker`` runs a chain, with a fresh runner for every round."""
    state = await store.load(saga_id)
    assert state is not None
    while True:
        runner = SagaRunner(store, {TYPE: handoff_saga(desk, store, QUICK)})
        state = await runner.run(state)
        follow = state.context.get("next")
        if state.status != "FAILED" or not follow:
            return state
        nxt = await store.load(str(follow))
        if nxt is None or nxt.finished:
            return state
        state = nxt


async def test_rounds_without_an_answer_tell_the_visitor_each_thing_once() -> None:
    desk = NobodyAnswers(online=["ana", "ben", "carla"])
    store = MemorySagaStore()
    ask = HandoffRequest(
        chat_id=str(uuid.uuid4()),
        company_id=str(uuid.uuid4()),
        reason="visitor asked",
        summary="wants a person",
        language="en",
    )
    await store.save(SagaState(id=ask.saga_id, type=TYPE, context=ask.context()))

    last = await run_chain(desk, store, ask.saga_id)

    assert last.status == "STARTED" and last.context["waiting"]  # queued after three rounds
    assert len(desk.notes()) == 3  # each agent was briefed
    told = desk.to_visitor()
    assert told == [
        "I'm passing you to Ana, who will help you right away.",
        "Ana could not take your chat right now; I'm finding someone else.",
        "No agent is available right now. The first one to come online will take your chat;"
        " there is no need to close it. Meanwhile I'll keep answering what I can.",
    ]

    desk.online.append("dan")  # someone new comes online, and lets the chat wait too
    last = await run_chain(desk, store, last.id)

    assert last.status == "STARTED" and last.context["waiting"]
    assert len(desk.notes()) == 4  # Dan was briefed
    assert desk.to_visitor() == told  # the visitor heard nothing new, least of all a repeat
