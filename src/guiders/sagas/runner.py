"""Running sagas: steps in order, state saved after each, compensation in reverse on failure.

A worker owns a saga through a lease written to its state (owner, expiry). If the worker dies,
the lease runs out and another worker's ``resume_orphans`` picks the saga up where the saved
state says it was. A step may therefore run twice (its effect happened, the save did not), so
steps must be idempotent: they use ids derived from the saga's id (``client_message_id``, a
``sagaId`` custom field) and check before acting.

Statuses: STARTED -> COMPLETED, or STARTED -> COMPENSATING -> FAILED. A compensation that
fails is recorded on its step (``compensation_failed`` with the error) and the others still
run; the saga's ``error`` lists them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from guiders.domain.errors import Conflict
from guiders.sagas.state import SagaState, SagaStore

log = structlog.get_logger(__name__)


class StepFailed(Exception):
    """A step that cannot succeed (the agent did not answer): compensate, do not retry."""


class StepWaiting(Exception):
    """A step that cannot go on yet (no agent is free): the saga stays STARTED with its lease
    released, and a later ``run`` (a scan, an event) tries the step again."""


@dataclass(slots=True)
class StepContext:
    saga_id: str
    data: dict[str, Any]
    heartbeat: Callable[[], Awaitable[None]]


StepFn = Callable[[StepContext], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    action: StepFn
    compensate: StepFn | None = None


@dataclass(frozen=True, slots=True)
class SagaDefinition:
    type: str
    steps: tuple[Step, ...]
    on_compensated: StepFn | None = None
    """Runs after every compensation, before FAILED is saved (hand the work on, say so)."""
    compensate_on_error: bool = True
    """False: a failing step leaves the saga STARTED (lease released) and the error is raised,
    for sagas whose caller retries them (the rule actions of an event)."""


DefinitionSource = SagaDefinition | Callable[[SagaState], SagaDefinition]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SagaRunner:
    store: SagaStore
    definitions: dict[str, DefinitionSource]
    owner: str = field(default_factory=lambda: f"worker-{uuid.uuid4().hex[:8]}")
    lease_s: float = 30.0

    async def start(
        self, type: str, saga_id: str, context: dict[str, Any], *, known_new: bool = False
    ) -> SagaState:
        """Creates the saga (once: a second start of the same id is a no-op) and runs it.
        ``known_new``: the caller just found no saga with this id (saves a read)."""
        state = None if known_new else await self.store.load(saga_id)
        if state is None:
            fresh = SagaState(id=saga_id, type=type, context=context, owner=self.owner)
            fresh.lease_expires_at = now() + timedelta(seconds=self.lease_s)
            try:
                state = await self.store.save(fresh)
            except Conflict:
                state = await self.store.load(saga_id)
                assert state is not None
        return await self.run(state)

    def _claimable(self, state: SagaState) -> bool:
        return (
            state.owner is None
            or state.owner == self.owner
            or state.lease_expires_at is None
            or state.lease_expires_at <= now()
        )

    async def _save(self, state: SagaState) -> SagaState:
        state.owner = self.owner
        state.lease_expires_at = now() + timedelta(seconds=self.lease_s)
        saved = await self.store.save(state)
        state.revision = saved.revision
        return state

    async def _release(self, state: SagaState) -> SagaState:
        """Saved still STARTED with no owner: any worker may pick it up again."""
        state.owner = None
        state.lease_expires_at = None
        state.revision = (await self.store.save(state)).revision
        return state

    async def run(self, state: SagaState) -> SagaState:
        """Runs (or resumes) a saga this worker can claim; returns its state when it stops."""
        if state.finished or not self._claimable(state):
            return state
        try:
            return await self._run(state)
        except Conflict:
            log.warning("saga.lease_lost", saga=state.id, owner=self.owner)
            return await self.store.load(state.id) or state

    async def _run(self, state: SagaState) -> SagaState:
        source = self.definitions[state.type]
        definition = source if isinstance(source, SagaDefinition) else source(state)
        fresh_claim = (
            state.owner == self.owner
            and state.lease_expires_at is not None
            and state.lease_expires_at - now() > timedelta(seconds=self.lease_s / 2)
        )
        if not fresh_claim:
            state = await self._save(state)

        async def heartbeat() -> None:
            await self._save(state)

        ctx = StepContext(saga_id=state.id, data=state.context, heartbeat=heartbeat)
        if state.status == "STARTED":
            for step in definition.steps:
                if state.step(step.name) is not None:
                    continue
                try:
                    await step.action(ctx)
                except StepWaiting as waiting:
                    log.info("saga.waiting", saga=state.id, step=step.name, reason=str(waiting))
                    return await self._release(state)
                except Exception as exc:
                    log.warning("saga.step_failed", saga=state.id, step=step.name, error=str(exc))
                    if not definition.compensate_on_error:
                        await self._release(state)
                        raise
                    state.status = "COMPENSATING"
                    state.error = f"{step.name}: {type(exc).__name__}: {exc}"
                    state.context["failedStep"] = step.name
                    state.context["failure"] = str(exc)
                    await self._save(state)
                    break
                record = {"name": step.name, "status": "done", "at": now().isoformat()}
                if ctx.data.get("_result") is not None:
                    record["result"] = ctx.data.pop("_result")
                state.steps.append(record)
                if step is not definition.steps[-1]:
                    await self._save(state)  # the last one is saved with COMPLETED
            else:
                state.status = "COMPLETED"
                state.owner = None
                state.lease_expires_at = None
                saved = await self.store.save(state)
                state.revision = saved.revision
                return state
        return await self._compensate(state, definition, ctx)

    async def _compensate(
        self, state: SagaState, definition: SagaDefinition, ctx: StepContext
    ) -> SagaState:
        failures = []
        by_name = {s.name: s for s in definition.steps}
        for record in reversed(state.steps):
            if record["status"] != "done":
                continue
            step = by_name[record["name"]]
            if step.compensate is not None:
                try:
                    await step.compensate(ctx)
                except Exception as exc:
                    record["status"] = "compensation_failed"
                    record["error"] = f"{type(exc).__name__}: {exc}"
                    failures.append(f"{step.name}: {exc}")
                    await self._save(state)
                    continue
            record["status"] = "compensated"
            await self._save(state)
        if definition.on_compensated is not None:
            await definition.on_compensated(ctx)
        state.status = "FAILED"
        if failures:
            state.error = f"{state.error}; compensation failed: {'; '.join(failures)}"
        state.owner = None
        state.lease_expires_at = None
        saved = await self.store.save(state)
        state.revision = saved.revision
        return state

    async def resume_orphans(self, types: tuple[str, ...] | None = None) -> list[SagaState]:
        """Runs every unfinished saga whose owner's lease has run out (a dead worker's)."""
        finished = []
        for type in types if types is not None else tuple(self.definitions):
            for state in await self.store.unfinished(type):
                if state.type in self.definitions and self._claimable(state):
                    finished.append(await self.run(state))
        return finished
