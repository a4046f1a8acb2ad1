"""The knowledge base's answers to questions already asked: the same text in the same language
gets the same classification, so a repeated question ("¿horario?", "shipping cost?") skips the
embedding model. Per bot process, with a TTL and a size bound; the KB only changes on restart.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

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
        self._clock = clock
        self._items: OrderedDict[tuple[str, str], tuple[float, Classification]] = OrderedDict()

    def get(self, text: str, language: str) -> Classification | None:
        key = (language, text.strip())
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, text: str, language: str, found: Classification) -> None:
        if self.ttl_s <= 0:
            return
        self._items[(language, text.strip())] = (self._clock() + self.ttl_s, found)
        self._items.move_to_end((language, text.strip()))
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
