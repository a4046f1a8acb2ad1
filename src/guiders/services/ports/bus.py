"""Committed events to subscribers (``bus/`` implements it: in process, or Redis)."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from guiders.domain.events import StoredEvent

Handler = Callable[[StoredEvent], Awaitable[None]]


class EventBus(abc.ABC):
    """Publishes committed events to subscribers (in process, or through Redis).

    Three kinds of subscriber:

    - ``subscribe``: the events of the companies this node follows (``follow`` /
      ``unfollow``, called as sockets of a company arrive and leave). A bus that hands every
      event to every node (in process, or Redis in ``shared`` routing) gives them all.
    - ``subscribe_node``: events of the given types on every node, whatever it follows (a
      node-local worker woken by them).
    - ``subscribe_published``: every event once, on the node that publishes it (state shared
      by the nodes, or counted once: metrics, a shared cache).
    """

    @abc.abstractmethod
    async def publish(self, events: Sequence[StoredEvent]) -> None: ...

    @abc.abstractmethod
    def subscribe(self, handler: Handler) -> None: ...

    def subscribe_node(self, handler: Handler, types: frozenset[str]) -> None:
        async def of_types(event: StoredEvent) -> None:
            if event.type in types:
                await handler(event)

        self.subscribe(of_types)

    def subscribe_published(self, handler: Handler) -> None:
        self.subscribe(handler)

    async def follow(self, company_id: UUID) -> None:
        """This node needs the company's events from now on (counted: one call per socket).

        Returns once every event published after this call is sure to be handed over, so a
        caller reading the log's end afterwards misses nothing in between."""
        return None

    def unfollow(self, company_id: UUID) -> None:
        """One ``follow`` of the company is over; at the last one the node stops reading it."""
        return None

    def on_resync(self, callback: Callable[[], Awaitable[None]]) -> None:
        """``callback`` runs when the bus may have lost events it had accepted (a restarted
        Redis): subscribers then read what they miss from the log. A bus that cannot lose
        them never calls it."""
        return None

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True
