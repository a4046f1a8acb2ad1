"""Crypto-shredding of the event log: each visitor's personal facts sealed with their own key.

The store seals an event's personal fields (``domain/personal_data.py``) as it appends it, with
AES-256-GCM under a key of the visitor the event is about, the event's id as associated data
(a sealed part cannot be moved to another row). The key is kept in ``visitor_keys``, itself
encrypted with the deployment's secrets key (``SecretBox``): a database dump alone opens
nothing. Readers of the log (the event log port, the relay, replay) open what they read; erasing
a visitor deletes the key, and their events then read with placeholders and ``_erased``.

Keys are cached per process (a TTL cache of ready ciphers), so the send path pays one AES-GCM
call per event and no query once the visitor's key is known. A key only enters the shared
cache once read back committed; one created inside a transaction stays with that transaction
(a rolled-back key must never seal anything). Erasure evicts the key on every node through the
``visitor.erased`` event, and the TTL bounds what a node that missed it could still open.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cachetools import LRUCache, TTLCache
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.events import StoredEvent
from guiders.domain.personal_data import (
    PERSONAL,
    SEALED_KEY,
    erased,
    put_back,
    set_aside,
    subject_of,
)
from guiders.services.secret_box import SecretBox
from guiders.store.privacy_tables import visitor_keys
from guiders.store.tables import chats

_INSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_compact = json.JSONEncoder(separators=(",", ":")).encode
"""``json.dumps`` with separators builds a new encoder on every call."""


ERASURE_EVENTS = frozenset({"visitor.erased"})
"""What every node hears (not only those serving the company): it drops the visitor's key."""


class VisitorKeys:
    """The process's key ring: wraps, unwraps and caches visitors' data keys."""

    def __init__(self, box: SecretBox, *, ttl_s: float = 300.0, max_items: int = 50_000) -> None:
        self._box = box
        self.ciphers: TTLCache[UUID, AESGCM] = TTLCache(maxsize=max_items, ttl=ttl_s)
        self.chat_visitor: LRUCache[UUID, UUID] = LRUCache(maxsize=max_items)

    def session(self, conn: AsyncConnection) -> KeySession:
        return KeySession(self, conn)

    def forget(self, visitor_id: UUID) -> None:
        self.ciphers.pop(visitor_id, None)

    async def on_event(self, event: StoredEvent) -> None:
        """Bus subscriber: a visitor erased on any node is forgotten here too."""
        if event.type == "visitor.erased":
            self.forget(event.aggregate_id)

    def wrap(self, key: bytes) -> str:
        return self._box.encrypt(base64.b64encode(key).decode("ascii"))

    def unwrap(self, wrapped: str) -> AESGCM:
        return AESGCM(base64.b64decode(self._box.decrypt(wrapped)))


class KeySession:
    """The key ring as one connection (one transaction) sees it."""

    def __init__(self, ring: VisitorKeys, conn: AsyncConnection) -> None:
        self._ring = ring
        self._conn = conn
        self._created: dict[UUID, AESGCM] = {}
        self._sealing: dict[tuple[UUID, str], tuple[AESGCM, str]] = {}
        """Per aggregate and visitor id as the payload spells it: the cipher and the subject
        as written. A batch of sends seals many events of one chat: one look-up for all."""

    async def seal(self, event: StoredEvent) -> dict[str, Any]:
        """The payload to store for ``event``: its personal values sealed, if it has any."""
        if event.type not in PERSONAL:
            return event.payload
        public, personal = set_aside(event.type, event.payload)
        if not personal:
            return event.payload
        spelled = event.payload.get("visitor_id")
        if not isinstance(spelled, str):
            spelled = None
        known = self._sealing.get((event.aggregate_id, spelled)) if spelled else None
        if known is None:
            subject = subject_of(
                event.type, event.aggregate_type, event.aggregate_id, event.payload
            )
            if subject is None and event.aggregate_type == "chat":
                subject = await self._visitor_of_chat(event.aggregate_id)
            if subject is None:
                return event.payload  # no visitor to key it to: erased by its aggregate instead
            known = (await self._cipher(event.company_id, subject), str(subject))
            if spelled:
                self._sealing[(event.aggregate_id, spelled)] = known
        cipher, subject_text = known
        nonce = os.urandom(12)
        sealed = cipher.encrypt(nonce, _compact(personal).encode(), event.event_id.bytes)
        public[SEALED_KEY] = {
            "subject": subject_text,
            "paths": list(personal),
            "data": base64.b64encode(nonce + sealed).decode("ascii"),
        }
        return public

    async def open_all(self, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The payloads of ``rows`` as appended, or with their erased fields marked."""
        wanted = {
            UUID(r["payload"][SEALED_KEY]["subject"])
            for r in rows
            if isinstance(r["payload"], dict) and SEALED_KEY in r["payload"]
        }
        ciphers = await self._ciphers(wanted) if wanted else {}
        return [_opened(r, ciphers) for r in rows]

    async def drop(self, visitor_id: UUID) -> bool:
        """Deletes the visitor's key: their sealed facts can never be opened again."""
        self._created.pop(visitor_id, None)
        self._sealing.clear()
        self._ring.forget(visitor_id)
        result = await self._conn.execute(
            delete(visitor_keys).where(visitor_keys.c.visitor_id == visitor_id)
        )
        return bool(result.rowcount)

    async def _cipher(self, company_id: UUID, visitor_id: UUID) -> AESGCM:
        known = self._created.get(visitor_id) or self._ring.ciphers.get(visitor_id)
        if known is not None:
            return known  # the send path: no query, no set
        known = (await self._ciphers({visitor_id})).get(visitor_id)
        if known is not None:
            return known
        key = AESGCM.generate_key(bit_length=256)
        insert = _INSERT[self._conn.dialect.name]
        stmt = (
            insert(visitor_keys)
            .values(
                visitor_id=visitor_id,
                company_id=company_id,
                wrapped_key=self._ring.wrap(key),
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=[visitor_keys.c.visitor_id])
        )
        result = await self._conn.execute(stmt)
        if result.rowcount:
            cipher = AESGCM(key)
            self._created[visitor_id] = cipher
            return cipher
        # another transaction made one first (and has committed it): use theirs
        found = await self._ciphers({visitor_id})
        return found[visitor_id]

    async def _ciphers(self, visitor_ids: set[UUID]) -> dict[UUID, AESGCM]:
        out: dict[UUID, AESGCM] = {}
        missing: list[UUID] = []
        for vid in visitor_ids:
            cipher = self._created.get(vid) or self._ring.ciphers.get(vid)
            if cipher is not None:
                out[vid] = cipher
            else:
                missing.append(vid)
        for start in range(0, len(missing), 500):
            rows = await self._conn.execute(
                select(visitor_keys.c.visitor_id, visitor_keys.c.wrapped_key).where(
                    visitor_keys.c.visitor_id.in_(missing[start : start + 500])
                )
            )
            for vid, wrapped in rows:
                cipher = self._ring.unwrap(wrapped)
                out[vid] = cipher
                self._ring.ciphers[vid] = cipher
        return out

    async def _visitor_of_chat(self, chat_id: UUID) -> UUID | None:
        known = self._ring.chat_visitor.get(chat_id)
        if known is not None:
            return known
        found = (
            await self._conn.execute(select(chats.c.visitor_id).where(chats.c.id == chat_id))
        ).scalar_one_or_none()
        if found is not None:
            self._ring.chat_visitor[chat_id] = found
        return found


def _opened(row: Mapping[str, Any], ciphers: Mapping[UUID, AESGCM]) -> dict[str, Any]:
    payload: dict[str, Any] = row["payload"]
    if not isinstance(payload, dict) or SEALED_KEY not in payload:
        return payload
    public = {k: v for k, v in payload.items() if k != SEALED_KEY}
    envelope = payload[SEALED_KEY]
    cipher = ciphers.get(UUID(envelope["subject"]))
    if cipher is None:
        return erased(public, envelope["paths"])
    raw = base64.b64decode(envelope["data"])
    try:
        plain = cipher.decrypt(raw[:12], raw[12:], _event_id(row["event_id"]).bytes)
    except InvalidTag:
        return erased(public, envelope["paths"])
    return put_back(public, json.loads(plain))


def _event_id(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
