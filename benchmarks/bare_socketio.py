"""The baseline for the real-time benchmarks: bare python-socketio on uvicorn's defaults.

The same shape as the Guiders fan-out, and nothing else: a socket joins ``chat:{id}`` on
``chat:join``; sockets that connect with ``auth.tenant`` sit in a ``tenant`` room; a REST
message is emitted to its chat's room, a REST chat to the tenant room. No credentials, no
database, no event log. With ``BARE_REDIS_URL`` set it uses python-socketio's Redis manager,
as several Guiders nodes do.

    uvicorn bare_socketio:app --port 9000
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import socketio
from fastapi import FastAPI

redis_url = os.environ.get("BARE_REDIS_URL")
manager = (
    socketio.AsyncRedisManager(redis_url, channel=os.environ.get("BARE_CHANNEL", "bare"))
    if redis_url
    else None
)
sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, cors_allowed_origins=[])
api = FastAPI()


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> None:
    if isinstance(auth, dict) and auth.get("tenant"):
        await sio.enter_room(sid, "tenant")


@sio.on("chat:join")
async def chat_join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    await sio.enter_room(sid, f"chat:{data['chatId']}")
    return {"success": True}


@api.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@api.post("/api/v2/chats/{chat_id}/messages", status_code=201)
async def send(chat_id: str, body: dict[str, Any]) -> dict[str, Any]:
    message = {
        "id": str(uuid.uuid4()),
        "chatId": chat_id,
        "content": body.get("content"),
        "sentAt": datetime.now(UTC).isoformat(),
    }
    await sio.emit("message:new", message, room=f"chat:{chat_id}")
    return message


@api.post("/api/v2/chats", status_code=201)
async def create_chat(body: dict[str, Any]) -> dict[str, Any]:
    chat = {"chatId": str(uuid.uuid4()), "createdAt": datetime.now(UTC).isoformat()}
    await sio.emit("chat:created", chat, room="tenant")
    return chat


app = socketio.ASGIApp(sio, other_asgi_app=api)
