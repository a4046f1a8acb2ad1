"""Group commit of sends: concurrent messages share one transaction.

A send is queued with a future; one drain task takes everything queued so far and runs it in
one unit of work: each chat is read (and on PostgreSQL locked) once per batch, the messages are
inserted in one statement, each touched chat is saved once, and the events of all of them are
numbered and appended together, each request's events with its own actor and correlation id.
Every caller is answered only after the commit that holds its message, so a send that returned
201 survives a ``kill -9`` exactly as before. While a batch commits the next one gathers: no
timer, no added wait when the server is idle (a lone send is a batch of one).

The requests of a batch run one after another inside the transaction, so each sees what the
ones before it wrote (an idempotent repeat finds the first copy, ``seq`` follows arrival order).
A request refused by the domain (no access, closed chat, bad content) fails alone: it is refused
before it changes anything. Any other failure rolls the whole transaction back and every request
of the batch is run again on its own, so one bad send cannot fail the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.chat import Chat
from guiders.domain.errors import GuidersError
from guiders.domain.message import Message
from guiders.services.access import Principal
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory, correlation_id_var

Outcome = tuple[Message, bool]
MAX_BATCH = 256
GATHER_S = 0.002
"""How long a batch under load waits for the clients the last commit answered to send again."""


@dataclass(slots=True)
class Send:
    principal: Principal
    chat_id: UUID
    draft: Any
    """What the step makes a message of (``messages.MessageDraft``)."""
    correlation_id: str | None
    future: asyncio.Future[Outcome]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(slots=True)
class Batch:
    """What one transaction has read and written so far."""

    uow: UnitOfWork
    chats: dict[UUID, Chat | None] = field(default_factory=dict)
    loaded_version: dict[UUID, int] = field(default_factory=dict)
    touched: dict[UUID, Chat] = field(default_factory=dict)
    new: list[Message] = field(default_factory=list)
    by_client_id: dict[tuple[UUID, UUID, str], Message] = field(default_factory=dict)
    looked_up: set[tuple[UUID, UUID, str]] = field(default_factory=set)
    """Client ids read already: not in ``by_client_id`` means not stored."""

    async def preload(self, sends: Sequence[Send]) -> None:
        """Every chat of the batch in one read (locked in id order on PostgreSQL), then the
        client ids the sends carry in one more: not one statement per send."""
        wanted = {send.chat_id for send in sends} - self.chats.keys()
        if wanted:
            found = await self.uow.chats.get_many(list(wanted), for_update=True)
            for chat_id in wanted:
                chat = self.chats[chat_id] = found.get(chat_id)
                if chat is not None:
                    self.loaded_version[chat_id] = chat.version
        keys = {
            (send.chat_id, send.principal.subject_id, client_id)
            for send in sends
            if (client_id := getattr(send.draft, "client_message_id", None))
            and self.chats.get(send.chat_id) is not None
        } - self.looked_up
        if keys:
            self.by_client_id.update(await self.uow.messages.by_client_ids(sorted(keys)))
            self.looked_up |= keys

    async def chat(self, chat_id: UUID) -> Chat | None:
        if chat_id not in self.chats:
            chat = await self.uow.chats.get(chat_id, for_update=True)
            self.chats[chat_id] = chat
            if chat is not None:
                self.loaded_version[chat_id] = chat.version
        return self.chats[chat_id]

    async def existing(self, chat_id: UUID, sender_id: UUID, client_id: str) -> Message | None:
        key = (chat_id, sender_id, client_id)
        found = self.by_client_id.get(key)
        if found is None and key not in self.looked_up:
            found = await self.uow.messages.by_client_id(chat_id, sender_id, client_id)
        return found

    def add(self, chat: Chat, message: Message) -> None:
        self.touched[chat.id] = chat
        self.new.append(message)
        if message.client_message_id:
            key = (chat.id, message.sender.id, message.client_message_id)
            self.by_client_id[key] = message


class Tainted(Exception):
    """A request failed after it had changed a chat the batch shares: the batch is void."""


Step = Callable[[Batch, Send], Awaitable[Outcome]]


class GroupCommit:
    def __init__(self, uow: UnitOfWorkFactory, step: Step, *, gather_s: float = GATHER_S) -> None:
        """``step(batch, send)`` does one request's work in the batch and returns its outcome."""
        self._uow = uow
        self._step = step
        self._gather_s = gather_s
        self._queue: list[Send] = []
        self._drain_task: asyncio.Task[None] | None = None
        self._busy = False
        """The last batch held more than one send."""
        self._clients = 0
        """Sends answered by the last commit plus those queued meanwhile: how many to gather."""
        self._gathered: asyncio.Event | None = None
        self.batches = 0
        self.sends = 0

    async def submit(self, principal: Principal, chat_id: UUID, draft: Any) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append(Send(principal, chat_id, draft, correlation_id_var.get(), future))
        if self._gathered is not None and len(self._queue) >= self._clients:
            self._gathered.set()
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = asyncio.create_task(self._drain(), name="group-commit")
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            if self._busy:
                await self._gather()
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._busy = len(batch) > 1
            try:
                outcomes = await self._run(batch)
                self._clients = min(len(batch) + len(self._queue), MAX_BATCH)
            except Exception:
                # the transaction is gone as a whole: each send again in one of its own
                for send in batch:
                    try:
                        outcomes = await self._run([send])
                    except BaseException as exc:
                        outcomes = [exc]
                    _settle(send, outcomes[0])
            except BaseException as exc:  # cancelled at shutdown: nobody is left waiting
                for send in batch:
                    _settle(send, exc)
                raise
            else:
                for send, outcome in zip(batch, outcomes, strict=True):
                    _settle(send, outcome)

    async def _gather(self) -> None:
        """Under load, wait (at most ``gather_s``) until as many sends are queued as the last
        commit answered and saw arrive: its clients come back and join this batch.

        Taken at once, a batch holds only the clients already back, and the rest pay a
        transaction of their own: on PostgreSQL, 16 clients settled into batches of 15 and 1,
        12 and 4 (each batch's round trips let part of them in), and every batch pays about
        1.6 ms of fixed CPU (docs/performance.md, eighth pass). An idle server never waits: a
        lone send is not "busy"."""
        await asyncio.sleep(0)
        if len(self._queue) >= self._clients:
            return
        self._gathered = asyncio.Event()
        try:
            async with asyncio.timeout(self._gather_s):
                await self._gathered.wait()
        except TimeoutError:
            pass
        finally:
            self._gathered = None

    async def _run(self, sends: Sequence[Send]) -> list[Outcome | BaseException]:
        """One transaction for ``sends``; a lone send's refusal is raised, not returned."""
        outcomes: list[Outcome | BaseException] = []
        async with self._uow() as uow:
            batch = Batch(uow)
            await batch.preload(sends)
            for send in sends:
                versions = {cid: c.version for cid, c in batch.chats.items() if c is not None}
                try:
                    outcome = await self._step(batch, send)
                except GuidersError as exc:
                    if len(sends) == 1:
                        raise
                    chat = batch.chats.get(send.chat_id)
                    before = versions.get(send.chat_id, batch.loaded_version.get(send.chat_id))
                    if chat is not None and chat.version != before:
                        raise Tainted from exc
                    outcomes.append(exc)
                    continue
                outcomes.append(outcome)
            if batch.new:
                await uow.commit_batch(batch.new, batch.touched.values())
        self.batches += 1
        self.sends += len(sends)
        return outcomes


def _settle(send: Send, outcome: Outcome | BaseException) -> None:
    if send.future.done():  # the caller went away; what was committed stays committed
        return
    if isinstance(outcome, BaseException):
        send.future.set_exception(outcome)
    else:
        send.future.set_result(outcome)
