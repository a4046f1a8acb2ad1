"""What the dashboard's readers ask about chats: how long visitors waited for a person, how long
until the first answer from one, and each agent's figures. Pure: given the chats' times.

- **Waiting time**: from when the visitor needed a person (they asked for one, else the chat
  opened) until an agent was assigned.
- **First-response time**: from the same moment until the first public message of an agent.
- Percentiles are nearest-rank over the chats that have the figure (an unanswered chat has no
  first-response time and is counted apart, not as zero).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ChatTiming:
    chat_id: UUID
    agent_id: UUID | None
    created_at: datetime
    agent_requested_at: datetime | None
    assigned_at: datetime | None
    first_reply_at: datetime | None
    satisfaction: int | None

    @property
    def needed_person_at(self) -> datetime:
        return self.agent_requested_at or self.created_at

    @property
    def waiting_s(self) -> float | None:
        if self.assigned_at is None:
            return None
        return max(0.0, (self.assigned_at - self.needed_person_at).total_seconds())

    @property
    def first_response_s(self) -> float | None:
        if self.first_reply_at is None:
            return None
        return max(0.0, (self.first_reply_at - self.needed_person_at).total_seconds())


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def spread(values: Sequence[float]) -> dict[str, Any]:
    return {"count": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95)}


def figures(timings: Iterable[ChatTiming]) -> dict[str, Any]:
    chats = list(timings)
    waits = [w for c in chats if (w := c.waiting_s) is not None]
    firsts = [f for c in chats if (f := c.first_response_s) is not None]
    return {
        "chats": len(chats),
        "waitingSeconds": spread(waits),
        "firstResponseSeconds": spread(firsts),
        "unanswered": sum(1 for c in chats if c.first_reply_at is None),
    }


def per_agent(timings: Iterable[ChatTiming], names: dict[UUID, str]) -> list[dict[str, Any]]:
    """One row per agent who had a chat in the window (and every agent named, with zeros)."""
    mine: dict[UUID, list[ChatTiming]] = defaultdict(list)
    for chat in timings:
        if chat.agent_id is not None:
            mine[chat.agent_id].append(chat)
    rows = []
    for agent in sorted(set(names) | set(mine), key=lambda a: (names.get(a, ""), str(a))):
        chats = mine.get(agent, [])
        firsts = [f for c in chats if (f := c.first_response_s) is not None]
        ratings = [c.satisfaction for c in chats if c.satisfaction is not None]
        rows.append(
            {
                "commercialId": str(agent),
                "name": names.get(agent, "former agent"),
                "chats": len(chats),
                "firstResponseP50Seconds": percentile(firsts, 50),
                "firstResponseP95Seconds": percentile(firsts, 95),
                "csatAverage": round(sum(ratings) / len(ratings), 2) if ratings else None,
                "csatCount": len(ratings),
            }
        )
    return rows
