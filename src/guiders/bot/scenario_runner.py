"""Running a scenario against a running server, exactly as a visitor would.

Each run is a new visitor: ``POST /api/auth/visitor/register`` with the site key, a Socket.IO
connection with the visitor's token, a new chat joined (``chat:join``), then each turn is a
``POST /api/v2/chats/{id}/messages`` followed by waiting on the socket, with a deadline, for the
bot's reply to it (``metadata.replyTo`` is the message's id), a hand-off message, or the chat's
assignment. Nothing here reads the database or calls a staff route: what passes here passes
for a visitor of the site.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import socketio

from guiders.bot.scenarios import Reply, Scenario, TurnResult, check_run, is_handoff
from guiders.client import GuidersClient


@dataclass(frozen=True)
class Target:
    server: str
    site_key: str
    domain: str | None = None
    """The site's domain the widget would send; default: the server URL's host."""
    reply_timeout_s: float = 20.0

    @property
    def site_domain(self) -> str:
        return self.domain or urlsplit(self.server).hostname or "localhost"


@dataclass
class RunResult:
    scenario: str
    run: int
    turns: list[TurnResult]
    failures: list[str]
    seconds: float
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


@dataclass
class _Inbox:
    chat_id: str = ""
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = field(default_factory=asyncio.Queue)

    async def on_message(self, data: Any) -> None:
        if isinstance(data, dict) and str(data.get("chatId")) == self.chat_id:
            await self.queue.put(("message", data))

    async def on_assigned(self, data: Any) -> None:
        if isinstance(data, dict) and str(data.get("chatId")) == self.chat_id:
            await self.queue.put(("assigned", data))


def _reply(payload: dict[str, Any]) -> Reply | None:
    """A message the visitor sees from someone else; the welcome is not a reply to anything."""
    sender = payload.get("sender") or {}
    role = str(sender.get("role") or ("ai" if payload.get("isAI") else ""))
    metadata = payload.get("metadata") or {}
    if role == "visitor" or payload.get("isInternal") or metadata.get("isWelcome"):
        return None
    return Reply(str(payload.get("content") or ""), metadata, role or "system")


async def _register(target: Target) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=target.server.rstrip("/"), timeout=10.0) as http:
        response = await http.post(
            "/api/auth/visitor/register",
            json={
                "apiKey": target.site_key,
                "domain": target.site_domain,
                "fingerprint": f"bot-test-{uuid.uuid4()}",
                "userAgent": "guiders-bot-test",
            },
        )
    if response.status_code != 200:
        raise RuntimeError(f"visitor register refused ({response.status_code}): {response.text}")
    body: dict[str, Any] = response.json()
    return body


async def _wait_turn(inbox: _Inbox, sent_id: str, deadline: float) -> TurnResult:
    result = TurnResult(say="", replies=[])
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            result.timed_out = True
            return result
        try:
            kind, payload = await asyncio.wait_for(inbox.queue.get(), left)
        except TimeoutError:
            result.timed_out = True
            return result
        if kind == "assigned":
            result.assigned = True
            return result
        reply = _reply(payload)
        if reply is None:
            continue
        result.replies.append(reply)
        if str(reply.metadata.get("replyTo")) == sent_id or is_handoff(reply):
            return result


async def converse(target: Target, scenario: Scenario) -> list[TurnResult]:
    """One run: a new visitor holds the scenario's conversation; the replies of each turn."""
    visitor = await _register(target)
    token = str(visitor["accessToken"])
    inbox = _Inbox()
    sio = socketio.AsyncClient(reconnection=True, logger=False, engineio_logger=False)
    sio.on("message:new", inbox.on_message)
    sio.on("chat:assigned", inbox.on_assigned)
    turns: list[TurnResult] = []
    async with GuidersClient(target.server, token) as client:
        try:
            await sio.connect(
                target.server,
                auth={"token": token},
                transports=["websocket"],
                socketio_path="socket.io",
                wait_timeout=10,
            )
            chat = await client.request("POST", "/v2/chats", json={})
            inbox.chat_id = str(chat["chatId"])
            ack = await sio.call("chat:join", {"chatId": inbox.chat_id}, timeout=10)
            if not (isinstance(ack, dict) and ack.get("success")):
                raise RuntimeError(f"chat:join refused: {ack}")
            for turn in scenario.turns:
                sent = await client.send_message(
                    inbox.chat_id, turn.say, client_message_id=f"bot-test-{uuid.uuid4()}"
                )
                deadline = time.monotonic() + target.reply_timeout_s
                if turns and (turns[-1].assigned or any(map(is_handoff, turns[-1].replies))):
                    deadline = time.monotonic() + min(2.0, target.reply_timeout_s)
                result = await _wait_turn(inbox, sent.id, deadline)
                result.say = turn.say
                turns.append(result)
        finally:
            await sio.disconnect()
    return turns


async def run_scenarios(
    target: Target,
    scenarios: list[Scenario],
    runs: int,
    progress: Callable[[RunResult], None] = lambda _: None,
) -> list[RunResult]:
    """Every scenario ``runs`` times, one after the other (gentle on the server under test)."""
    out: list[RunResult] = []
    for scenario in scenarios:
        for run in range(1, runs + 1):
            started = time.perf_counter()
            try:
                turns = await converse(target, scenario)
                result = RunResult(
                    scenario.name,
                    run,
                    turns,
                    check_run(scenario, turns),
                    time.perf_counter() - started,
                )
            except Exception as exc:  # a refused call or a dead server fails the run, not the tool
                result = RunResult(
                    scenario.name, run, [], [], time.perf_counter() - started, error=repr(exc)
                )
            out.append(result)
            progress(result)
    return out
