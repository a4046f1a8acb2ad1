"""Rules edited in the console reach the pipeline worker: the rules the API holds
(``GET /api/v2/pipeline/rules``, validated before they were saved) are written to a local file
that ``RulesWatcher`` follows, so the hot reload (a bad file keeps the last good rules) applies
to them as to a hand-edited file. Until an admin saves rules in the console, the file the worker
was started with is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any, Protocol

import structlog

log = structlog.get_logger(__name__)
REFRESH_S = 5.0


class _Requests(Protocol):
    async def request(self, method: str, path: str) -> Any: ...


class ConsoleRules:
    def __init__(
        self, client: _Requests, started_with: Path, path: Path, *, refresh_s: float = REFRESH_S
    ) -> None:
        self._client = client
        self._started_with = started_with
        self.path = path
        self._refresh_s = refresh_s

    def prepare(self) -> Path:
        """The followed file, holding the start-up rules until the console's are read."""
        self._write(self._started_with.read_text(encoding="utf-8"))
        return self.path

    async def refresh(self) -> bool:
        """True when the followed file changed."""
        try:
            reply = await self._client.request("GET", "/v2/pipeline/rules")
        except Exception:
            log.warning("could not read the console's pipeline rules; keeping the current ones")
            return False
        if not isinstance(reply, dict) or reply.get("source") != "console":
            text = self._started_with.read_text(encoding="utf-8")
        else:
            text = str(reply.get("yaml") or "")
        return self._write(text)

    async def follow(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self._refresh_s)

    def _write(self, text: str) -> bool:
        with contextlib.suppress(OSError):
            if self.path.read_text(encoding="utf-8") == text:
                return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, self.path)
        log.info("pipeline.console_rules_written", path=str(self.path))
        return True
