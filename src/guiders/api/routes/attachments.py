"""Files in chats: ``POST /v2/attachments`` (multipart: ``chatId``, ``file``) and
``GET /v2/attachments/{id}``, for the chat's participants only (docs/web.md, Attachments)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from guiders.api.deps import CurrentPrincipal, runtime_of
from guiders.api.responses import Reply, WireRoute
from guiders.api.responses.chats import Message
from guiders.domain.attachment import ACCEPTED_TYPES
from guiders.domain.errors import PayloadTooLarge
from guiders.services.attachments import AttachmentService
from guiders.wire import message_response

router = APIRouter(prefix="/v2/attachments", tags=["attachments"], route_class=WireRoute)


async def get_attachments(request: Request) -> AttachmentService:
    return runtime_of(request).attachments


AttachmentsDep = Annotated[AttachmentService, Depends(get_attachments)]


class AttachmentInfo(Reply):
    id: str
    name: str
    contentType: str
    size: int
    url: str


class Uploaded(Reply):
    attachment: AttachmentInfo
    message: Message


@router.post("", status_code=201, response_model=Uploaded)
async def upload(
    principal: CurrentPrincipal,
    attachments: AttachmentsDep,
    chatId: Annotated[UUID, Form()],
    file: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    """Sends a file in the chat as a message (``image`` or ``file``); its type is read from its
    content (PNG, JPEG, GIF, WebP, PDF), never from its name: 415 otherwise, 413 past the
    size limit."""
    data = await file.read(attachments.max_bytes + 1)
    if len(data) > attachments.max_bytes:
        raise PayloadTooLarge(
            f"A file may be at most {attachments.max_bytes} bytes",
            field="file",
            limit=attachments.max_bytes,
        )
    sent = await attachments.upload(principal, chatId, file.filename, data)
    return {"attachment": sent.attachment.to_metadata(), "message": message_response(sent.message)}


@router.get(
    "/{attachment_id}",
    response_class=Response,
    responses={
        200: {
            "description": "the file's bytes",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in sorted(ACCEPTED_TYPES)
            },
        }
    },
)
async def download(
    attachment_id: UUID, principal: CurrentPrincipal, attachments: AttachmentsDep
) -> Response:
    """The file, to the chat's visitor and the company's staff (404 to anyone else). Images
    are shown inline, PDFs downloaded; the type is never sniffed by the browser."""
    found = await attachments.download(principal, attachment_id)
    a = found.attachment
    disposition = "inline" if a.inline else "attachment"
    ascii_name = a.name.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        content=found.data,
        media_type=a.content_type,
        headers={
            "Content-Disposition": (
                f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(a.name)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )
