"""A file sent in a chat (an image or a PDF): what it is, who may see it, how it is served.

The type is decided from the file's content by the service (its first bytes), never from the
name the sender gave it; here are the types accepted and how each is shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""Shown in the page (an ``<img>``): raster images only, never SVG (it can carry script)."""
DOWNLOAD_TYPES = frozenset({"application/pdf"})
"""Served as a download (``Content-Disposition: attachment``)."""
ACCEPTED_TYPES = INLINE_TYPES | DOWNLOAD_TYPES

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
MAX_NAME = 120


def safe_filename(name: str | None, content_type: str) -> str:
    """The sender's file name made safe to show and to put in a header: no path, no control
    or quote characters, bounded, and with the extension of the type found in the content."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = re.sub(r'[\x00-\x1f\x7f"<>:|?*;]+', "", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: MAX_NAME - 6].strip() or "file"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


@dataclass(frozen=True, slots=True)
class Attachment:
    id: UUID
    company_id: UUID
    chat_id: UUID
    visitor_id: UUID
    message_id: UUID
    uploader_id: UUID
    uploader_role: str
    name: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    created_at: datetime

    @property
    def inline(self) -> bool:
        return self.content_type in INLINE_TYPES

    @property
    def message_type(self) -> str:
        return "image" if self.inline else "file"

    def to_metadata(self) -> dict[str, Any]:
        """What the message carries (``metadata.attachment``) and the upload answers."""
        return {
            "id": str(self.id),
            "name": self.name,
            "contentType": self.content_type,
            "size": self.size,
            "url": f"/api/v2/attachments/{self.id}",
        }
