"""The hand-off to a person, run by the server: asked for through the API, run as a saga.

The bot (or any integration, or a supervisor) asks ``POST /v2/chats/{id}/handoff``; the
request becomes an ``escalation`` saga in the saga table, in the same transaction as its
``saga.started`` event (which names the chat), and the answer is 202. The saga then runs in
this process (``HandoffWorker``), under a lease. Nothing of it lives only in memory:

- a server that dies mid-hand-off leaves a STARTED saga whose lease runs out; any server's
  scan (``scan_s``, and at start) claims it and goes on from its last saved step;
- a hand-off that found nobody waits as a STARTED saga (``find_agent`` step); an agent who
  comes online or a chat that closes (an agent's workload drops) wakes the scan, and the
  scan hands waiting chats, oldest first, to agents who have not already let them wait.

With several servers each runs a worker; the lease lets one of them own each saga.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import structlog

from guiders.domain.chat import OPEN_STATUSES
from guiders.domain.errors import Conflict, GuidersError, InvalidTransition
from guiders.domain.events import StoredEvent
from guiders.domain.saga import SagaStatus
from guiders.sagas import SagaDefinition, SagaRunner, SagaState
from guiders.services.access import Principal, check_chat_access, require_supervisor_or_key
from guiders.services.agents import AgentService
from guiders.services.chats import ChatService
from guiders.services.handoff_desk import SagaRecords, ServiceDesk
from guiders.services.handoff_saga import (
    TYPE,
    HandoffDesk,
    HandoffRequest,
    HandoffSettings,
    handoff_saga,
    untried_agents,
)
from guiders.services.messages import MessageService
from guiders.services.ports import UnitOfWorkFactory

log = structlog.get_logger(__name__)

WAKING_EVENTS = frozenset({"commercial.status_changed", "chat.status_changed", "chat.closed"})
"""Events after which a waiting hand-off may find an agent (online, a slot freed)."""
WAKE_COALESCE_S = 0.1


class HandoffService:
    def __init__(self, uow: UnitOfWorkFactory, records: SagaRecords) -> None:
        self._uow = uow
        self.records = records
        self.requested: Callable[[SagaState], None] = lambda state: None
        """Set by the worker of this process, to start a new hand-off at once."""

    async def request(self, principal: Principal, ask: HandoffRequest) -> SagaState:
        """Records the hand-off (once per ``ask.key``) and returns its saga. A chat with a
        hand-off under way gets that one back: it is not handed twice at the same time."""
        require_supervisor_or_key(principal)
        chat_id = UUID(ask.chat_id)
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            if chat.status not in OPEN_STATUSES:
                raise InvalidTransition(
                    f"A {chat.status.value} chat cannot be handed over",
                    current=chat.status.value,
                    target="ASSIGNED",
                )
            running = [
                s
                for s in await uow.sagas.find(
                    principal.company_id,
                    [SagaStatus.STARTED, SagaStatus.COMPENSATING],
                    TYPE,
                    500,
                )
                if s.context.get("chatId") == ask.chat_id
            ]
        if running:
            existing = await self.records.load(str(running[0].id))
            if existing is not None:
                return existing
        ask.company_id = str(principal.company_id)
        state = await self.records.load(ask.saga_id)
        if state is None:
            try:
                state = await self.records.save(
                    SagaState(id=ask.saga_id, type=TYPE, context=ask.context())
                )
            except Conflict:
                state = await self.records.load(ask.saga_id)
                assert state is not None
        self.requested(state)
        return state


class HandoffWorker:
    """Runs the server's hand-off sagas: new ones at once, orphans and the queue on a scan."""

    def __init__(
        self,
        records: SagaRecords,
        chats: ChatService,
        messages: MessageService,
        agents: AgentService,
        settings: HandoffSettings | None = None,
    ) -> None:
        self.settings = settings or HandoffSettings()
        self._records = records
        self._chats, self._messages, self._agents = chats, messages, agents
        self.runner = SagaRunner(
            records,
            {TYPE: self._definition},
            owner=f"server-{uuid.uuid4().hex[:8]}",
            lease_s=self.settings.lease_s,
        )
        self._running: dict[str, asyncio.Task[None]] = {}
        """By chat id: one hand-off per chat at a time in this process."""
        self._wake = asyncio.Event()
        self._reserving = asyncio.Lock()
        self._scan_task: asyncio.Task[None] | None = None

    def desk(self, company_id: str) -> HandoffDesk:
        return ServiceDesk(UUID(company_id), self._chats, self._messages, self._agents)

    def _definition(self, state: SagaState) -> SagaDefinition:
        desk = self.desk(str(state.context["companyId"]))
        return handoff_saga(desk, self._records, self.settings, self._reserving)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._scan_task = asyncio.create_task(self._scan_loop(), name="handoff-scan")

    async def stop(self) -> None:
        tasks = [t for t in (self._scan_task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
        self._scan_task = None

    async def idle(self) -> None:
        """Until every hand-off this process runs has stopped (finished or waiting)."""
        while running := [t for t in self._running.values() if not t.done()]:
            await asyncio.gather(*running, return_exceptions=True)

    async def on_event(self, event: StoredEvent) -> None:
        if event.type in WAKING_EVENTS:
            self._wake.set()

    def submit(self, state: SagaState) -> None:
        """Runs ``state`` (and the attempts that follow it) on a task of its own, unless this
        process already runs a hand-off of that chat."""
        chat_id = str(state.context.get("chatId"))
        current = self._running.get(chat_id)
        if current is not None and not current.done():
            return
        self._running[chat_id] = asyncio.create_task(
            self._run_chain(state), name=f"handoff-{chat_id}"
        )

    # -- running -------------------------------------------------------------------------

    async def _run_chain(self, state: SagaState) -> None:
        try:
            while True:
                state = await self.runner.run(state)
                follow = state.context.get("next")
                if state.status != "FAILED" or not follow:
                    break
                nxt = await self._records.load(str(follow))
                if nxt is None or nxt.finished:
                    break
                state = nxt
            log.info(
                "handoff.stopped",
                saga=state.id,
                chat_id=state.context.get("chatId"),
                status=state.status,
                agent=state.context.get("agentName"),
            )
        except Exception as exc:  # the next scan resumes it from its saved state
            log.warning("handoff.failed", saga=state.id, error=f"{type(exc).__name__}: {exc}")

    async def scan(self) -> int:
        """Starts every unfinished hand-off no live worker owns: a dead server's, and waiting
        ones that an agent not tried yet can now take (oldest first). Returns how many."""
        started = 0
        now = datetime.now(UTC)
        for state in await self._records.unfinished(TYPE):
            chat_id = str(state.context.get("chatId"))
            current = self._running.get(chat_id)
            if current is not None and not current.done():
                continue
            leased = state.lease_expires_at is not None and state.lease_expires_at > now
            if state.owner not in (None, self.runner.owner) and leased:
                continue
            waiting = state.context.get("waiting") and state.status == "STARTED"
            if waiting and not state.steps and not await self._worth_a_try(state):
                continue  # nobody for it yet: no write, no task
            self.submit(state)
            started += 1
        return started

    async def _worth_a_try(self, state: SagaState) -> bool:
        """A waiting hand-off is run when an agent not tried yet is free, or when its chat
        left the queue (it then ends at once); else it stays as it is, unwritten."""
        desk = self.desk(str(state.context["companyId"]))
        try:
            chat = await desk.chat(str(state.context["chatId"]))
        except GuidersError:  # the chat is gone: the run ends the saga
            return True
        if not chat.is_open or chat.status != "PENDING":
            return True
        return bool(await untried_agents(desk, state.context))

    async def _scan_loop(self) -> None:
        while True:
            try:
                await self.scan()
            except Exception as exc:  # the database was away: the next scan tries again
                log.warning("handoff.scan_failed", error=f"{type(exc).__name__}: {exc}")
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # lands as the event is set, and stop() would wait for this loop forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.scan_s):
                    await self._wake.wait()
            await asyncio.sleep(WAKE_COALESCE_S)  # a burst of events: one scan
            self._wake.clear()
