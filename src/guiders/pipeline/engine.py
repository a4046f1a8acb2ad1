"""The decision engine: which rules fire on an event, and the actions they ask for.

Pure: given a ``RuleSet`` and an ``EventContext`` it returns ``PlannedAction``s with their
templates already rendered. Performing them is the dispatcher's job, so the same decisions can
be shown by a dry run or asserted in a unit test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guiders.pipeline import templates
from guiders.pipeline.conditions import holds
from guiders.pipeline.context import EventContext
from guiders.pipeline.rules import (
    Action,
    Assign,
    Email,
    NotifyAgents,
    RuleSet,
    SendMessage,
    SetPriority,
    Tag,
    Webhook,
)


@dataclass(frozen=True, slots=True)
class PlannedAction:
    rule: str
    index: int
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def key(self, event_id: str) -> str:
        """Stable across redeliveries of the same event: the idempotency key of the effect."""
        return f"{event_id}:{self.rule}:{self.index}"

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items() if k != "secret")
        return f"{self.rule}#{self.index} {self.kind}({shown})"


def _params(action: Action, variables: dict[str, Any]) -> dict[str, Any]:
    match action:
        case SendMessage():
            return {
                "content": templates.render(action.template, variables),
                "internal": action.internal,
            }
        case Assign():
            return {"policy": action.policy, "agent": action.agent}
        case SetPriority():
            return {"priority": action.priority.value}
        case Tag():
            return {"tags": list(action.tags)}
        case NotifyAgents():
            return {"content": templates.render(action.template, variables)}
        case Webhook():
            return {
                "url": action.url,
                "secret": action.secret,
                "timeout_s": action.timeout_s,
                "attempts": action.attempts,
                "body": {k: templates.render(v, variables) for k, v in action.body.items()},
            }
        case Email():
            return {
                "to": templates.render(action.to, variables).strip(),
                "subject": templates.render(action.subject, variables).strip(),
                "body": templates.render(action.template, variables),
            }
    raise AssertionError(f"unknown action {action!r}")  # pragma: no cover


class DecisionEngine:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def fired(self, ctx: EventContext) -> list[str]:
        """Names of the rules whose conditions hold, in file order, up to a ``stop`` rule."""
        names = []
        for rule in self.rules.rules:
            if rule.enabled and holds(rule.when, ctx, self.rules.settings):
                names.append(rule.name)
                if rule.stop:
                    break
        return names

    def decide(self, ctx: EventContext) -> list[PlannedAction]:
        variables = ctx.template_vars()
        by_name = {r.name: r for r in self.rules.rules}
        planned = []
        for name in self.fired(ctx):
            rule = by_name[name]
            variables["rule"] = {"name": rule.name, "description": rule.description}
            for index, action in enumerate(rule.then):
                planned.append(
                    PlannedAction(
                        rule=rule.name,
                        index=index,
                        kind=action.type,
                        params=_params(action, variables),
                    )
                )
        return planned
