"""An in-memory event log standing for the API's ``/v2/events`` and consumer positions: all that
``guiders.client.work_group``'s feed asks of a client. For the replica tests and the replica
benchmark (``benchmarks/worker_replicas.py``), where the mechanism is measured, not the server.
"""

from __future__ import annotations

from typing import Any


class MemoryLog:
    """``events`` events, seq 1..events, and the positions consumers store."""

    def __init__(self, events: int) -> None:
        self.events: list[dict[str, Any]] = [
            {"seq": n, "eventId": f"e{n}", "type": "test", "payload": {}}
            for n in range(1, events + 1)
        ]
        self.positions: dict[str, int] = {}

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if path == "/v2/events":
            after, limit = int((params or {}).get("afterSeq") or 0), int((params or {})["limit"])
            chosen = [e for e in self.events if e["seq"] > after][:limit]
            return {"events": chosen, "lastSeq": len(self.events)}
        name = path.split("/")[3]
        if method == "PUT":
            self.positions[name] = int(json["seq"])
        return {"seq": self.positions.get(name)}
