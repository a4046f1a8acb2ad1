"""Time-ordered ids (domain/ids.py): RFC 9562 version 7, ordered by the millisecond they were
made, unique within it."""

from __future__ import annotations

import time
import uuid

from guiders.domain.ids import time_ordered_id


def test_an_id_is_a_standard_version_7_uuid_holding_its_millisecond() -> None:
    now_ns = time.time_ns()
    made = time_ordered_id(now_ns)
    assert type(made) is uuid.UUID
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == now_ns // 1_000_000
    assert uuid.UUID(str(made)) == made


def test_ids_sort_by_the_time_they_were_made() -> None:
    start = time.time_ns()
    ids = [time_ordered_id(start + step * 1_000_000) for step in range(200)]
    assert sorted(ids) == ids
    assert sorted(i.hex for i in ids) == [i.hex for i in ids]  # as stored on SQLite


def test_ids_made_in_the_same_millisecond_differ() -> None:
    now_ns = time.time_ns()
    ids = {time_ordered_id(now_ns) for _ in range(10_000)}
    assert len(ids) == 10_000
