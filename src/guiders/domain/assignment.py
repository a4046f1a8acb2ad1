"""Which agent gets a chat: least workload, then most senior, then longest idle; and who is
offered chats at all when they open the console."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from guiders.domain.agent import Agent, AgentStatus
from guiders.domain.company import StaffRole

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Candidate:
    agent: Agent
    workload: int
    connected: bool = True
    """Whether the agent has a live connection (a console socket) on any node: an agent
    whose status says online but who closed every tab is never given a chat."""

    @property
    def available(self) -> bool:
        return self.connected and self.agent.is_available(self.workload)


def status_on_console_open(role: StaffRole | None) -> AgentStatus:
    """What opening the console makes a member of staff who was offline.

    Agents and supervisors come online and are offered chats at once. An admin comes in
    ``away``: as in Intercom and Zendesk, an administrator is given conversations only when
    they also work as an agent and say they are available, so whoever opens Settings (the
    demo's Olga) is not handed visitors. Choosing "online" in the console makes an admin
    assignable like anyone else until they leave; ``None`` (a principal without a role, the
    REST-only agents) counts as an agent."""
    return AgentStatus.AWAY if role is StaffRole.ADMIN else AgentStatus.ONLINE


def rank_available(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Available candidates, best first."""
    return sorted(
        (c for c in candidates if c.available),
        key=lambda c: (
            c.workload,
            -c.agent.seniority,
            c.agent.last_activity_at or _NEVER,
            str(c.agent.id),
        ),
    )


def rank_for_policy(candidates: Iterable[Candidate], policy: str) -> list[Candidate]:
    """Available candidates in the order the company's routing policy (``routing.policy``)
    offers them a chat: ``least_busy`` (workload, then seniority) or ``most_senior``
    (seniority first, workload breaking ties)."""
    ranked = rank_available(candidates)
    if policy == "most_senior":
        ranked.sort(key=lambda c: -c.agent.seniority)
    return ranked


def choose_agent(candidates: Iterable[Candidate], *, most_senior: bool = False) -> Agent | None:
    """The policy's pick, or None when nobody is available.

    ``most_senior`` puts seniority first (the VIP strategy); workload still breaks ties.
    """
    ranked = rank_available(candidates)
    if most_senior:
        ranked.sort(key=lambda c: -c.agent.seniority)
    return ranked[0].agent if ranked else None
