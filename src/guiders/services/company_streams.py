"""A company's own event stream (model health, shadow mode), folded from the log.

A process keeps each company's fold and the ``seq`` it has read up to, and reads only what is
newer (``seq`` is per company and never reused, so a later read misses nothing another process
appended): a use case costs a short read, not the stream's whole history. Callers get a copy,
so what they change before their commit never leaks into the kept fold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from guiders.services.ports import EventFilter, UnitOfWork

PAGE = 1000


class Fold(Protocol):
    def apply(self, type_: str, payload: Mapping[str, Any], version: int) -> None: ...


S = TypeVar("S", bound=Fold)


class CompanyStreams(Generic[S]):
    def __init__(
        self,
        new: Callable[[UUID], S],
        stream_id: Callable[[UUID], UUID],
        copy: Callable[[S], S],
    ) -> None:
        self._new = new
        self._stream_id = stream_id
        self._copy = copy
        self._folds: dict[UUID, tuple[int, S]] = {}

    async def state(self, uow: UnitOfWork, company_id: UUID) -> S:
        seq, cached = self._folds.get(company_id, (0, self._new(company_id)))
        state = self._copy(cached)
        while True:
            page = await uow.events.read(
                EventFilter(
                    company_id=company_id,
                    aggregate_id=self._stream_id(company_id),
                    after_seq=seq,
                    limit=PAGE,
                )
            )
            for event in page:
                state.apply(event.type, event.payload, event.version)
                seq = event.seq
            if len(page) < PAGE:
                break
        self._folds[company_id] = (seq, state)
        return self._copy(state)
