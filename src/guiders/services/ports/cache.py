"""Short-lived copies of reads (``cache/`` implements it: in memory, or Redis)."""

from __future__ import annotations

import abc
from typing import Any


class Cache(abc.ABC):
    """Short-lived copies of reads (JSON values) with a time to live: in memory for one process,
    in Redis when several nodes share it. A miss is never an error; writers delete what they
    change."""

    @abc.abstractmethod
    async def get(self, key: str) -> Any | None: ...

    @abc.abstractmethod
    async def set(self, key: str, value: Any, ttl_s: float) -> None: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None:
        """Releases connections, if any."""
