"""A local OpenAI-compatible server for tests: it answers, fails (500) or hangs on demand."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Literal

from aiohttp import web

Mode = Literal["answer", "fail", "hang"]


class FakeOpenAI:
    def __init__(self, reply: str = "Hi from the fake LLM") -> None:
        self.mode: Mode = "answer"
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.keys: list[str] = []
        """The bearer key of each request, in order."""
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._release = asyncio.Event()

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.keys.append(request.headers.get("authorization", "").removeprefix("Bearer "))
        if self.mode == "fail":
            return web.json_response({"error": {"message": "boom", "type": "server"}}, status=500)
        if self.mode == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), 30)
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )
