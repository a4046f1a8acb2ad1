"""``GuidersClient``: the public API from Python, for the bot, analytics, pipeline and users.

::

    async with GuidersClient("http://127.0.0.1:8000", "gdr_live_…") as client:
        client.on("chat:created", on_chat)
        await client.connect()               # Socket.IO: reconnects and resumes by itself
        await client.send_message(chat_id, "Hello!")

Every REST call retries 5xx, 429 (honouring ``Retry-After``) and network errors; errors are
the server's own codes as ``guiders.domain.errors`` classes. A message send always carries a
``clientMessageId`` (made up when the caller gives none), so a retried send is stored once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from guiders.client.http import HttpTransport, RetryPolicy
from guiders.client.models import (
    Agent,
    Chat,
    EventPage,
    GroundedReply,
    Message,
    Page,
    Session,
    Visitor,
)
from guiders.client.realtime import Handler, RealtimeConnection
from guiders.domain.errors import Unavailable

M = TypeVar("M", bound=BaseModel)


def _page(model: type[M], body: dict[str, Any], key: str) -> Page[M]:
    return Page[M](
        items=[model.model_validate(x) for x in body.get(key, [])],
        total=body.get("total"),
        has_more=bool(body.get("hasMore")),
        next_cursor=body.get("nextCursor"),
    )


class GuidersClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        reconnection_delay_s: float = 0.5,
        reconnection_delay_max_s: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpTransport(
            self.base_url, api_key, timeout_s=timeout_s, retry=retry, transport=transport
        )
        self.realtime = RealtimeConnection(
            self.base_url,
            api_key,
            reconnection_delay_s=reconnection_delay_s,
            reconnection_delay_max_s=reconnection_delay_max_s,
        )

    async def __aenter__(self) -> GuidersClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.realtime.close()
        await self.http.aclose()

    # -- real time -----------------------------------------------------------------------

    def on(self, event: str, handler: Handler) -> None:
        """Call ``handler(payload)`` for each server event ``event``; ``"*"`` for all.

        Handlers run one at a time in ``seq`` order; keep them short (hand long work to a
        task) or they hold back the events behind them.
        """
        self.realtime.on(event, handler)

    async def connect(self, *, wait_for_server_s: float = 0.0, from_seq: int | None = None) -> None:
        """Open the socket. Without ``from_seq`` it starts from the log's current end (live
        only); with it, everything after that ``seq`` is delivered first.
        ``wait_for_server_s`` keeps trying while the server is not up yet."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(Unavailable),
            stop=stop_after_delay(wait_for_server_s),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            reraise=True,
        ):
            with attempt:
                head = await self.events(limit=1)
                await self.realtime.start(
                    last_seq=head.last_seq if from_seq is None else from_seq,
                    company_id=head.events[0].company_id if head.events else None,
                )

    @property
    def last_seq(self) -> int | None:
        return self.realtime.last_seq

    async def join_chat(self, chat_id: str) -> None:
        """Receive this chat's ``message:new`` and typing events (kept across reconnects)."""
        await self.realtime.join_chat(chat_id)

    async def leave_chat(self, chat_id: str) -> None:
        await self.realtime.leave_chat(chat_id)

    async def typing(self, chat_id: str, on: bool = True, *, wait: bool = True) -> bool:
        """``typing:start``/``typing:stop`` in a joined chat (ephemeral, never stored);
        ``wait=False`` sends without waiting for the server's acknowledgement."""
        return await self.realtime.typing(chat_id, on, wait=wait)

    # -- REST ----------------------------------------------------------------------------

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """Any API call (``path`` under ``/api``), with the same auth, retries and errors."""
        return await self.http.request(method, f"/api{path}", json=json, params=params)

    async def send_message(
        self,
        chat_id: str,
        content: str,
        *,
        type: str = "text",
        metadata: dict[str, Any] | None = None,
        client_message_id: str | None = None,
    ) -> Message:
        body = {
            "content": content,
            "type": type,
            "metadata": metadata or {},
            "clientMessageId": client_message_id or f"gc-{uuid.uuid4()}",
        }
        return Message.model_validate(
            await self.request("POST", f"/v2/chats/{chat_id}/messages", json=body)
        )

    async def knowledge_answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        *,
        language: str | None = None,
        chat_id: str | None = None,
    ) -> GroundedReply:
        """The company's documents' answer to ``question`` (``history``: earlier turns as
        ``{speaker, text}``), with its citations and scores."""
        body = {
            "question": question,
            "history": history or [],
            "language": language,
            "chatId": chat_id,
        }
        return GroundedReply.model_validate(
            await self.request("POST", "/v2/knowledge/answer", json=body)
        )

    async def upload(
        self, path: str, files: list[tuple[str, bytes, str]], data: dict[str, str] | None = None
    ) -> Any:
        """A ``multipart/form-data`` POST (``files``: name, content, content type), under
        ``/api``, with the same auth and errors as ``request``."""
        return await self.http.upload(f"/api{path}", files, data or {})

    async def send_internal_note(
        self, chat_id: str, content: str, *, metadata: dict[str, Any] | None = None
    ) -> Message:
        """A note only staff see (``type: internal``)."""
        return await self.send_message(chat_id, content, type="internal", metadata=metadata)

    async def get_chat(self, chat_id: str) -> Chat:
        return Chat.model_validate(await self.request("GET", f"/v2/chats/{chat_id}"))

    async def list_chats(
        self,
        *,
        status: str | list[str] | None = None,
        visitor_id: str | None = None,
        assigned_agent_id: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
        sort: str = "createdAt",
        order: str = "asc",
    ) -> Page[Chat]:
        statuses = ",".join(status) if isinstance(status, list) else status
        body = await self.request(
            "GET",
            "/v2/chats",
            params={
                "status": statuses,
                "visitorId": visitor_id,
                "assignedCommercialId": assigned_agent_id,
                "limit": limit,
                "cursor": cursor,
                "sort": sort,
                "order": order,
            },
        )
        return _page(Chat, body, "chats")

    async def iter_chats(self, **filters: Any) -> AsyncIterator[Chat]:
        """Every chat matching ``list_chats`` filters, following the cursor."""
        cursor: str | None = None
        while True:
            page = await self.list_chats(cursor=cursor, **filters)
            for chat in page.items:
                yield chat
            if not page.has_more or not page.next_cursor:
                return
            cursor = page.next_cursor

    async def pending_queue(self, limit: int = 50) -> list[Chat]:
        body = await self.request("GET", "/v2/chats/queue/pending", params={"limit": limit})
        return [Chat.model_validate(c) for c in body["chats"]]

    async def list_messages(
        self, chat_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Message]:
        """Oldest first; internal notes included (keys see what staff see)."""
        body = await self.request(
            "GET", f"/v2/chats/{chat_id}/messages", params={"limit": limit, "cursor": cursor}
        )
        return _page(Message, body, "messages")

    async def all_messages(self, chat_id: str) -> list[Message]:
        out: list[Message] = []
        cursor: str | None = None
        while True:
            page = await self.list_messages(chat_id, cursor=cursor)
            out.extend(page.items)
            if not page.has_more or not page.next_cursor:
                return out
            cursor = page.next_cursor

    async def assign(self, chat_id: str, agent_id: str) -> Chat:
        return Chat.model_validate(
            await self.request("PUT", f"/v2/chats/{chat_id}/assign/{agent_id}")
        )

    async def request_handoff(
        self,
        chat_id: str,
        *,
        reason: str,
        summary: str = "",
        language: str = "en",
        key: str | None = None,
        answer_timeout_s: float | None = None,
        reply_to: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Asks the server to hand the chat to a person (it runs the hand-off saga and tells
        the visitor); returns ``{sagaId, chatId, status}`` at once (202)."""
        body: dict[str, Any] = {"reason": reason, "summary": summary, "language": language}
        optional = {
            "key": key,
            "answerTimeoutS": answer_timeout_s,
            "replyTo": reply_to,
            "metadata": metadata,
        }
        body |= {k: v for k, v in optional.items() if v is not None}
        result: dict[str, Any] = await self.request(
            "POST", f"/v2/chats/{chat_id}/handoff", json=body
        )
        return result

    async def close_chat(
        self,
        chat_id: str,
        *,
        reason: str | None = None,
        satisfaction: int | None = None,
        resolution: str | None = None,
    ) -> Chat:
        body = {
            k: v
            for k, v in {
                "reason": reason,
                "satisfaction": satisfaction,
                "resolution": resolution,
            }.items()
            if v is not None
        }
        return Chat.model_validate(
            await self.request("PUT", f"/v2/chats/{chat_id}/close", json=body)
        )

    async def list_agents(
        self, *, available: bool = False, order_by: str | None = None
    ) -> list[Agent]:
        """``available=True, order_by="workload"``: the least loaded available agent first."""
        body = await self.request(
            "GET",
            "/v2/commercials",
            params={"status": "available" if available else None, "orderBy": order_by},
        )
        return [Agent.model_validate(c) for c in body["data"]]

    async def available_agents(self) -> list[Agent]:
        return await self.list_agents(available=True, order_by="workload")

    async def set_agent_status(self, agent_id: str, status: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.request(
            "PUT", f"/v2/commercials/{agent_id}/status", json={"status": status}
        )
        return result

    async def get_visitor(self, visitor_id: str) -> Visitor:
        return Visitor.model_validate(await self.request("GET", f"/v2/visitors/{visitor_id}"))

    async def visitor_chats(self, visitor_id: str, *, limit: int = 20) -> Page[Chat]:
        body = await self.request(
            "GET", f"/v2/visitors/{visitor_id}/chats", params={"limit": limit}
        )
        return _page(Chat, body, "chats")

    async def visitor_events(self, visitor_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Tracking events (page views and the like), newest first."""
        body = await self.request(
            "GET", f"/v2/visitors/{visitor_id}/events", params={"limit": limit}
        )
        events: list[dict[str, Any]] = body["events"]
        return events

    async def visitor_sessions(self, visitor_id: str, *, limit: int = 20) -> list[Session]:
        body = await self.request(
            "GET", f"/v2/visitors/{visitor_id}/sessions", params={"limit": limit}
        )
        return [Session.model_validate(s) for s in body["sessions"]]

    async def events(
        self,
        *,
        after_seq: int | None = None,
        aggregate_id: str | None = None,
        types: list[str] | None = None,
        limit: int = 100,
    ) -> EventPage:
        """The company's event log (``seq`` order) and its current ``lastSeq``."""
        body = await self.request(
            "GET",
            "/v2/events",
            params={
                "afterSeq": after_seq,
                "aggregateId": aggregate_id,
                "type": ",".join(types) if types else None,
                "limit": limit,
            },
        )
        return EventPage.model_validate(
            {"events": body["events"], "last_seq": body["lastSeq"], "has_more": body["hasMore"]}
        )
