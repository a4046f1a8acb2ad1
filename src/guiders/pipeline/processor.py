"""One event through the stages: filter -> enrich -> analyse -> decide -> dispatch.

The actions an event's rules decide on run as a ``rules`` saga whose id is derived from the
event's id: each action is a step, recorded in the event log (``saga.step_recorded``, named
``rule#index:kind``) once done, so every action is an event naming the rule that fired it, and a
redelivered event (at-least-once) skips the actions already done. The plan is stored in the
saga, so a redelivery performs what was decided the first time even if the rules changed since;
webhook secrets are not stored, they are looked up in the live rules when the step runs.

A failing event is retried with exponential backoff, then parked as a dead letter with its
error (``guiders pipeline dlq list|retry``); the stream moves on. A saga another worker holds
is not a failure: the event waits for that worker's lease (a live one finishes the saga, a dead
one's lease runs out and this worker takes it over) and spends no attempt; if the lease is
still held after two lease times, the event is left to its source to deliver again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from guiders.client import GuidersClient
from guiders.domain.errors import NotFound
from guiders.pipeline.analysis import Analyzer
from guiders.pipeline.context import EventContext
from guiders.pipeline.dispatcher import ActionSkipped, Dispatcher
from guiders.pipeline.engine import PlannedAction
from guiders.pipeline.enrichment import Enricher, base_context, is_relevant
from guiders.pipeline.reload import RulesWatcher
from guiders.sagas import SagaDefinition, SagaRunner, SagaState, Step, StepContext

log = structlog.get_logger(__name__)

RULES_SAGA = "rules"
NAMESPACE = uuid.UUID("0b9a4a52-27c3-4f0e-8a51-3d0b1c6e9f21")

STORED = "stored:"
"""A webhook ``secret`` with this prefix names a stored company secret (``webhook:<name>``)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    seq: int
    event_id: str
    status: str  # skipped | done | parked
    actions: tuple[str, ...] = ()
    error: str | None = None


class SagaHeld(Exception):
    """The event's saga is leased to another worker until ``until``."""

    def __init__(self, saga_id: str, owner: str | None, until: datetime | None) -> None:
        super().__init__(f"rules saga {saga_id} is held by {owner} until {until}")
        self.until = until

    def wait_s(self, lease_s: float) -> float:
        """Until the lease runs out (a little after), at most one lease time."""
        if self.until is None:
            return 0.1
        left = (self.until - datetime.now(UTC)).total_seconds()
        return min(max(left, 0.0) + 0.1, lease_s)


def rules_saga_id(consumer: str, event_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{consumer}:{event_id}"))


def saga_context(ctx: EventContext, actions: list[PlannedAction]) -> dict[str, Any]:
    """What a rules saga stores: the event, and the plan decided the first time."""
    return {
        "eventId": ctx.event_id,
        "eventType": ctx.event_type,
        "seq": ctx.seq,
        "chatId": ctx.chat_id,
        "visitorId": ctx.visitor_id,
        "actions": [_stored(a) for a in actions],
    }


def _stored(action: PlannedAction) -> dict[str, Any]:
    params = {k: v for k, v in action.params.items() if k != "secret"}
    return {"rule": action.rule, "index": action.index, "kind": action.kind, "params": params}


class Processor:
    def __init__(
        self,
        client: GuidersClient,
        rules: RulesWatcher,
        runner: SagaRunner,
        *,
        analyzer: Analyzer | None = None,
        dispatcher: Dispatcher | None = None,
        consumer: str = "pipeline",
        include_automation: bool = False,
        attempts: int = 4,
        backoff_s: float = 0.5,
        on_action: Callable[[EventContext, PlannedAction], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.rules = rules
        self.runner = runner
        self.analyzer = analyzer or Analyzer()
        self.dispatcher = dispatcher or Dispatcher(client)
        self.enricher = Enricher(client)
        self.consumer = consumer
        self.include_automation = include_automation
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.on_action = on_action
        runner.definitions[RULES_SAGA] = self._definition

    async def plan(self, event: dict[str, Any]) -> tuple[EventContext, list[PlannedAction]]:
        """Filter, enrich, analyse and decide; no effect. Also what ``dry-run`` shows."""
        self.rules.poll()
        engine = self.rules.engine
        if not is_relevant(event, engine.rules, include_automation=self.include_automation):
            return base_context(event), []
        ctx = base_context(event)
        if ctx.text:
            ctx = base_context(event, await self.analyzer.analyse(ctx.text))
        ctx = await self.enricher.enrich(ctx)
        return ctx, engine.decide(ctx)

    async def handle(self, event: dict[str, Any]) -> Outcome:
        """One attempt; raises when an action failed (the saga keeps what was done)."""
        self.rules.poll()
        rules = self.rules.engine.rules
        if not is_relevant(event, rules, include_automation=self.include_automation):
            return Outcome(int(event["seq"]), event["eventId"], "skipped")
        saga_id = rules_saga_id(self.consumer, event["eventId"])
        existing = await self.runner.store.load(saga_id)
        if existing is None:
            ctx, actions = await self.plan(event)
            if not actions:
                return Outcome(ctx.seq, ctx.event_id, "skipped")
            context = saga_context(ctx, actions)
            state = await self.runner.start(RULES_SAGA, saga_id, context, known_new=True)
        else:
            state = await self.runner.run(existing)
        if not state.finished:
            if self._held_elsewhere(state):
                raise SagaHeld(saga_id, state.owner, state.lease_expires_at)
            raise RuntimeError(f"rules saga {saga_id} stopped unfinished (its lease was lost)")
        names = tuple(s["name"] for s in state.steps)
        return Outcome(int(event["seq"]), event["eventId"], "done", names)

    def _held_elsewhere(self, state: SagaState) -> bool:
        """Another worker's lease that has not run out: waiting for it is not a failure. Our
        own lease lost to a concurrent save is an ordinary failure, retried at once."""
        return (
            state.owner is not None
            and state.owner != self.runner.owner
            and state.lease_expires_at is not None
            and state.lease_expires_at > datetime.now(UTC)
        )

    async def process(self, event: dict[str, Any]) -> Outcome:
        """``handle`` with retries and backoff; a dead letter when they are used up. Raises
        ``SagaHeld`` if another worker still holds the event's saga after two lease times."""
        waited = 0.0
        while True:
            try:
                return await self._attempts(event)
            except SagaHeld as held:
                wait = held.wait_s(self.runner.lease_s)
                if waited + wait > 2 * self.runner.lease_s:
                    raise
                log.info("pipeline.saga_held", seq=event.get("seq"), wait_s=round(wait, 2))
                await asyncio.sleep(wait)
                waited += wait

    async def _attempts(self, event: dict[str, Any]) -> Outcome:
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential(multiplier=self.backoff_s, max=30),
                retry=retry_if_not_exception_type(SagaHeld),
                reraise=True,
            ):
                with attempt:
                    return await self.handle(event)
        except SagaHeld:
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.error("pipeline.event_parked", seq=event.get("seq"), error=error)
            await self.client.request(
                "POST",
                f"/v2/consumers/{self.consumer}/dead-letters",
                json={"event": event, "error": error[:8000], "attempts": self.attempts},
            )
            return Outcome(int(event["seq"]), event["eventId"], "parked", error=error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _definition(self, state: SagaState) -> SagaDefinition:
        d = state.context
        ctx = EventContext(
            event_type=d["eventType"],
            event_id=d["eventId"],
            seq=int(d["seq"]),
            payload={},
            chat_id=d.get("chatId"),
            visitor_id=d.get("visitorId"),
        )

        def step(stored: dict[str, Any]) -> Step:
            action = PlannedAction(
                stored["rule"], stored["index"], stored["kind"], dict(stored["params"])
            )

            async def run(step_ctx: StepContext) -> None:
                try:
                    if action.kind == "webhook":
                        action.params["secret"] = await self._secret(action)
                    step_ctx.data["_result"] = await self.dispatcher.perform(
                        action, ctx, action.key(ctx.event_id)
                    )
                except ActionSkipped as skipped:
                    step_ctx.data["_result"] = {"skipped": str(skipped)}
                if self.on_action is not None:
                    await self.on_action(ctx, action)

            return Step(f"{action.rule}#{action.index}:{action.kind}", run)

        return SagaDefinition(
            type=RULES_SAGA,
            steps=tuple(step(a) for a in d["actions"]),
            compensate_on_error=False,
        )

    async def _secret(self, action: PlannedAction) -> str:
        """The webhook's secret from the live rules; ``stored:webhook:<name>`` there names a
        secret the server keeps encrypted for the company (docs/security.md#secrets-at-rest)."""
        for rule in self.rules.engine.rules.rules:
            if rule.name == action.rule and action.index < len(rule.then):
                configured = rule.then[action.index]
                if configured.type == "webhook":
                    if not configured.secret.startswith(STORED):
                        return configured.secret
                    name = configured.secret.removeprefix(STORED)
                    try:
                        body = await self.client.request("GET", f"/v2/company/secrets/{name}/value")
                    except NotFound as exc:
                        raise ActionSkipped(f"no stored secret {name}") from exc
                    return str(body["value"])
        raise ActionSkipped(f"rule {action.rule} no longer has this webhook")
