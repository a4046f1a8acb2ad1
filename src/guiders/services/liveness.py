"""Who may be given a chat now: agents with a live connection, not only an "online" status.

An agent's status is a row in the database; whether their console is open is presence
(``PresenceStore``, shared by every node). A status left "online" by an agent who closed every
tab, or by a node that died, must not win them a chat: assignment, the widget's availability
badge and the hand-off ask presence too. ``required=False`` (setting
``presence_requires_connection``) trusts the status alone, for agents who work only through
the REST API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from guiders.domain.agent import Agent, AgentStatus
from guiders.domain.assignment import Candidate
from guiders.services.ports import PresenceStore


class Liveness:
    def __init__(self, store: PresenceStore | None = None, *, required: bool = True) -> None:
        self._store = store
        self._required = required

    @property
    def enforced(self) -> bool:
        return self._store is not None and self._required

    async def candidates(
        self, agents: Sequence[Agent], workloads: Mapping[UUID, int]
    ) -> list[Candidate]:
        live: set[str] | None = None
        if self._store is not None and self._required:
            asked = [str(c.id) for c in agents if c.status != AgentStatus.OFFLINE]
            live = await self._store.connected(asked)
        return [
            Candidate(c, workloads.get(c.id, 0), connected=live is None or str(c.id) in live)
            for c in agents
        ]
