"""Files sent in chats: their metadata (a repository in the unit of work) and their bytes
(a ``FileStore``: the data directory by default, S3-compatible storage as an option)."""

from __future__ import annotations

import abc
from uuid import UUID

from guiders.domain.attachment import Attachment


class AttachmentRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, attachment: Attachment) -> None: ...
    @abc.abstractmethod
    async def get(self, attachment_id: UUID) -> Attachment | None: ...
    @abc.abstractmethod
    async def usage_of_visitor(self, visitor_id: UUID) -> tuple[int, int]:
        """How many files the chats of this visitor hold, and their bytes."""

    @abc.abstractmethod
    async def of_visitor(self, visitor_id: UUID) -> list[Attachment]: ...
    @abc.abstractmethod
    async def delete_of_visitor(self, visitor_id: UUID) -> list[Attachment]:
        """Removes the visitor's attachment rows and returns them (their bytes are the caller's
        to delete from the ``FileStore``, after the commit): GDPR erasure."""


class FileStore(abc.ABC):
    """Bytes by key. Keys are made by the service (``company/chat/id``), never by a client."""

    @abc.abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...
    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...
