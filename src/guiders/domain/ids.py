"""Time-ordered ids (UUID version 7, RFC 9562) for the rows written most: messages and events.

A random (version 4) primary key sends every insert to a random leaf of its index: once the
index outgrows the page cache, each batch of sends dirties and rewrites a page per row and per
index, and reads back pages it had evicted (on SQLite, ``benchmarks/send_message.py`` measured
twice the WAL writes and three times the page reads of time-ordered keys). A version 7 id starts
with the Unix time in milliseconds, so new rows append at the right edge of the index, as a
sequence would, while ids stay globally unique without a coordinator.

Written here rather than taken from a package: it is the RFC's bit layout over ``os.urandom``,
and it returns the standard library's ``uuid.UUID`` (a package's subclass would reach drivers and
serialisers that check the exact type). Python 3.14's ``uuid.uuid7`` can replace it.

Ids that must be unguessable (sessions, keys, tokens) stay random (version 4): a version 7 id
carries 74 random bits and tells when it was made.
"""

from __future__ import annotations

import os
import time
from uuid import UUID

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_A = (1 << 12) - 1
_RAND_B = (1 << 62) - 1


def time_ordered_id(now_ns: int | None = None) -> UUID:
    """A new version 7 id: 48 bits of Unix milliseconds, then 74 random bits."""
    millis = (time.time_ns() if now_ns is None else now_ns) // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    return UUID(
        int=(millis << 80)
        | _VERSION
        | ((random >> 62) & _RAND_A) << 64
        | _VARIANT
        | (random & _RAND_B)
    )
