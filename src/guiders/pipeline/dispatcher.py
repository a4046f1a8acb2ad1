"""The action dispatcher: performs a planned action through the public API, idempotently.

``key`` is stable across redeliveries of one event (event id, rule, action index), so a
repeated action has no second effect: messages and notes carry it as ``clientMessageId``
(the server stores them once), priority and tags are set, not toggled, an assignment that
already happened is left alone, webhooks carry it as their idempotency header.
"""

from __future__ import annotations

from typing import Any

import httpx

from guiders.client import GuidersClient
from guiders.domain.errors import Conflict
from guiders.pipeline.context import EventContext
from guiders.pipeline.engine import PlannedAction
from guiders.pipeline.webhooks import deliver


class ActionSkipped(Exception):
    """The action does not apply to this event (no chat to send to): nothing to retry."""


class Dispatcher:
    def __init__(self, client: GuidersClient, http: httpx.AsyncClient | None = None) -> None:
        self._client = client
        self._http = http or httpx.AsyncClient()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _chat(self, ctx: EventContext, action: PlannedAction) -> str:
        if not ctx.chat_id:
            raise ActionSkipped(f"{action.kind} needs a chat; event {ctx.event_type} has none")
        return ctx.chat_id

    async def perform(self, action: PlannedAction, ctx: EventContext, key: str) -> dict[str, Any]:
        """Returns a short record of what was done (kept in the saga's step)."""
        p = action.params
        meta = {"rule": action.rule, "eventId": ctx.event_id}
        match action.kind:
            case "send_message":
                message = await self._client.send_message(
                    self._chat(ctx, action),
                    p["content"],
                    type="internal" if p["internal"] else "ai-response",
                    metadata=meta,
                    client_message_id=key,
                )
                return {"messageId": message.id}
            case "notify_agents":
                note = await self._client.send_message(
                    self._chat(ctx, action),
                    p["content"],
                    type="internal",
                    metadata={**meta, "notification": True},
                    client_message_id=key,
                )
                return {"messageId": note.id}
            case "set_priority":
                await self._client.request(
                    "PUT",
                    f"/v2/chats/{self._chat(ctx, action)}/priority",
                    json={"priority": p["priority"]},
                )
                return {"priority": p["priority"]}
            case "tag":
                await self._client.request(
                    "POST", f"/v2/chats/{self._chat(ctx, action)}/tags", json={"tags": p["tags"]}
                )
                return {"tags": p["tags"]}
            case "assign":
                return await self._assign(self._chat(ctx, action), p)
            case "webhook":
                body = {
                    "rule": action.rule,
                    "event": {"id": ctx.event_id, "type": ctx.event_type, "seq": ctx.seq},
                    "chatId": ctx.chat_id,
                    "visitorId": ctx.visitor_id,
                    **p["body"],
                }
                status = await deliver(
                    self._http,
                    p["url"],
                    p["secret"],
                    body,
                    idempotency_key=key,
                    attempts=p["attempts"],
                    timeout_s=p["timeout_s"],
                )
                return {"status": status}
            case "email":
                if not p["to"] or "@" not in p["to"]:
                    raise ActionSkipped("no e-mail address for this visitor")
                try:
                    queued = await self._client.request(
                        "POST",
                        "/v2/mail/outbox",
                        json={
                            "to": p["to"],
                            "subject": p["subject"],
                            "body": p["body"],
                            "visitorId": ctx.visitor_id,
                            "idempotencyKey": key,
                        },
                    )
                except Conflict as exc:  # no address or no consent: retrying will not help
                    raise ActionSkipped(str(exc)) from exc
                return {"emailId": queued.get("id")}
        raise ActionSkipped(f"unknown action {action.kind}")

    async def _assign(self, chat_id: str, p: dict[str, Any]) -> dict[str, Any]:
        chat = await self._client.get_chat(chat_id)
        if chat.assigned_agent_id or not chat.is_open:
            return {"skipped": f"chat is {chat.status}"}
        agents = await self._client.list_agents(available=True, order_by="workload")
        if p.get("agent"):
            wanted = p["agent"].casefold()
            agents = [a for a in agents if wanted in (a.id.casefold(), a.name.casefold())]
        elif p.get("policy") == "senior":
            agents = sorted(agents, key=lambda a: (-a.seniority, a.workload))
        if not agents:
            raise ActionSkipped("no matching agent is available")
        try:
            await self._client.assign(chat_id, agents[0].id)
        except Conflict:
            chat = await self._client.get_chat(chat_id)
            if not chat.assigned_agent_id:
                raise
        return {"commercialId": agents[0].id}
