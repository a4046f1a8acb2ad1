"""The knowledge base's answers to questions already asked: the same text in the same language
gets the same classification, so a repeated question ("¿horario?", "shipping cost?") skips the
embedding model. Per bot process, with a TTL and a size bound (cachetools' ``TTLCache``, least
recently used out first); the KB only changes on restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

from guiders.ai.kb_model import Classification


class KbAnswerCache:
    def __init__(
        self,
        ttl_s: float,
        max_items: int = 5_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._items: TTLCache[tuple[str, str], Classification] | None = (
            TTLCache(maxsize=max_items, ttl=ttl_s, timer=clock) if ttl_s > 0 else None
        )

    def get(self, text: str, language: str) -> Classification | None:
        if self._items is None:
            return None
        return self._items.get((language, text.strip()))

    def put(self, text: str, language: str, found: Classification) -> None:
        if self._items is not None:
            self._items[(language, text.strip())] = found

    def __len__(self) -> int:
        return 0 if self._items is None else len(self._items)
