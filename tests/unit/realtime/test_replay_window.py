"""A replay reads no further back than the principal's window (``realtime/fanout.py``).

``lastSeq: 0`` (every new widget's first connect, or any anonymous client's ``resume``) read
the company's whole log to find the visitor's few events: 200,000 events took over a minute
against a real ``guiders up``, as often as the socket's event budget allowed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from guiders.domain.events import StoredEvent
from guiders.realtime.fanout import (
    REPLAY_PAGE,
    STAFF_REPLAY_WINDOW,
    VISITOR_REPLAY_WINDOW,
    Fanout,
    SocketState,
)
from guiders.services.access import Principal, PrincipalKind

LOG_END = 200_000
COMPANY = uuid4()


class _Manager:
    def __init__(self) -> None:
        self.rooms: dict[str, Any] = {"/": {}}


class _Sio:
    def __init__(self) -> None:
        self.manager = _Manager()


def _fanout(kind: PrincipalKind) -> tuple[Fanout, list[int]]:
    principal = Principal(kind=kind, company_id=COMPANY, subject_id=uuid4())
    fanout = Fanout(_Sio(), {"s": SocketState(principal)}, uow=None)  # type: ignore[arg-type]
    read: list[int] = []

    async def read_log(company_id: UUID, after_seq: int, limit: int) -> list[StoredEvent]:
        seqs = range(after_seq + 1, min(after_seq + limit, LOG_END) + 1)
        read.extend(seqs)
        return [_event(seq) for seq in seqs]

    async def log_end(company_id: UUID) -> int:
        return LOG_END

    fanout._read_log = read_log  # type: ignore[method-assign]
    fanout._log_end = log_end  # type: ignore[method-assign]
    return fanout, read


def _event(seq: int) -> StoredEvent:
    return StoredEvent(
        uuid4(), seq, COMPANY, "visitor", uuid4(), 1, "visitor.session_started", {},
        None, None, None, datetime.now(UTC),
    )  # fmt: skip


async def test_a_visitor_replay_from_zero_reads_only_the_window() -> None:
    fanout, read = _fanout(PrincipalKind.VISITOR)
    replayed = await fanout.replay("s", 0)
    assert replayed.truncated
    assert len(read) <= VISITOR_REPLAY_WINDOW + REPLAY_PAGE
    assert min(read) == LOG_END - VISITOR_REPLAY_WINDOW + 1


async def test_staff_get_a_longer_window_and_a_recent_resume_is_whole() -> None:
    fanout, read = _fanout(PrincipalKind.STAFF)
    assert (await fanout.replay("s", 0)).truncated
    assert len(read) <= STAFF_REPLAY_WINDOW + REPLAY_PAGE
    fanout, read = _fanout(PrincipalKind.VISITOR)
    replayed = await fanout.replay("s", LOG_END - 10)
    assert not replayed.truncated
    assert read == list(range(LOG_END - 9, LOG_END + 1))
