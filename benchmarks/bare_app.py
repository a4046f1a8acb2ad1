"""The baseline: a bare FastAPI endpoint that returns 201, served by uvicorn's defaults."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()


@app.post("/api/v2/chats/{chat_id}/messages", status_code=201)
async def accept(chat_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": chat_id, "content": body.get("content")}


@app.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
