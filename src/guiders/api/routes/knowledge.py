"""Knowledge sources, grounded answers and the content-gap list (docs/knowledge.md)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.datastructures import UploadFile

from guiders.api.deps import CurrentPrincipal, ServicesDep, runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.knowledge import GapList, GroundedReply, PageList, Source, SourceList
from guiders.api.schemas import Body, iso
from guiders.domain.errors import PayloadTooLarge, ValidationFailed
from guiders.domain.knowledge import CrawlLimits, KnowledgeDocument, KnowledgeSource
from guiders.services.knowledge import UploadedFile
from guiders.services.knowledge_gaps import GapGroup

router = APIRouter(prefix="/v2/knowledge", tags=["knowledge"], route_class=WireRoute)
MAX_FILES = 20


class FaqPair(Body):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(min_length=1, max_length=5000)


class SourceBody(Body):
    """A URL source (``url``) or a FAQ source (``faq``: question/answer pairs)."""

    url: str | None = Field(default=None, min_length=8, max_length=2000)
    name: str | None = Field(default=None, min_length=1, max_length=300)
    faq: list[FaqPair] | None = Field(default=None, min_length=1, max_length=500)
    max_pages: int = Field(default=50, ge=1, le=5000, alias="maxPages")
    max_depth: int = Field(default=3, ge=0, le=20, alias="maxDepth")
    recrawl_hours: float = Field(default=24.0, ge=0, le=24 * 365, alias="recrawlHours")


class Turn(Body):
    speaker: str = Field(default="user", max_length=40)
    text: str = Field(max_length=10_000)


class AnswerBody(Body):
    question: str = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=50)
    language: str | None = Field(default=None, max_length=10)
    chat_id: str | None = Field(default=None, alias="chatId", max_length=80)


def source_response(s: KnowledgeSource) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "kind": s.kind.value,
        "name": s.name,
        "url": s.url,
        "status": s.status.value,
        "error": s.error,
        "pageCount": s.page_count,
        "chunkCount": s.chunk_count,
        "failedCount": s.failed_count,
        "progress": s.progress,
        "limits": s.limits.as_dict(),
        "lastCrawlAt": iso(s.last_crawl_at),
        "nextCrawlAt": iso(s.next_crawl_at),
        "createdAt": iso(s.created_at),
        "updatedAt": iso(s.updated_at),
    }


def page_response(d: KnowledgeDocument) -> dict[str, Any]:
    return {
        "id": str(d.id),
        "key": d.key,
        "url": d.url,
        "title": d.title,
        "status": d.status.value,
        "error": d.error,
        "chunkCount": d.chunk_count,
        "contentType": d.content_type,
        "updatedAt": iso(d.updated_at),
    }


def gap_response(g: GapGroup) -> dict[str, Any]:
    return {
        "question": g.question,
        "count": g.count,
        "lastAskedAt": iso(g.last_asked_at),
        "examples": g.examples,
        "reasons": g.reasons,
    }


@router.get("/sources", response_model=SourceList)
async def list_sources(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    found = await services.knowledge.sources(principal)
    return {"sources": [source_response(s) for s in found], "total": len(found)}


@router.post("/sources", status_code=201, response_model=Source)
async def add_source(
    body: SourceBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    if (body.url is None) == (body.faq is None):
        raise ValidationFailed("send either url or faq", field="url")
    if body.faq is not None:
        pairs = [(p.question, p.answer) for p in body.faq]
        source = await services.knowledge.add_faq(principal, body.name or "FAQ", pairs)
    else:
        limits = CrawlLimits(body.max_pages, body.max_depth, body.recrawl_hours)
        source = await services.knowledge.add_url(principal, body.url or "", body.name, limits)
    return source_response(source)


@router.post("/sources/upload", status_code=201, response_model=Source)
async def upload_source(
    request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """``multipart/form-data``: one or more ``files`` (HTML, Markdown, text, PDF, DOCX), an
    optional ``name`` and an optional ``url`` where the documents are published (the link
    citations show). Over the size limits: 413."""
    settings = runtime_of(request).settings
    limit = settings.knowledge_upload_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the upload is over the {limit} byte limit", limit=limit)
    received = bytearray()
    async for piece in request.stream():
        received.extend(piece)
        if len(received) > limit:
            raise PayloadTooLarge(f"the upload is over the {limit} byte limit", limit=limit)
    request._body = bytes(received)  # read once, bounded; the form parser reads it from here
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=10)
    except Exception as exc:
        raise ValidationFailed(f"not a multipart form: {exc}", field="files") from exc
    files: list[UploadedFile] = []
    for item in form.getlist("files") + form.getlist("file"):
        if not isinstance(item, UploadFile):
            raise ValidationFailed("files must be files", field="files")
        content = await item.read()
        if len(content) > settings.knowledge_max_bytes:
            raise PayloadTooLarge(
                f"{item.filename} is over the {settings.knowledge_max_bytes} byte limit",
                limit=settings.knowledge_max_bytes,
            )
        if not content:
            raise ValidationFailed(f"{item.filename} is empty", field="files")
        files.append(UploadedFile(item.filename or "upload", item.content_type, content))
    name = form.get("name")
    title = name[:300] if isinstance(name, str) and name.strip() else None
    link = form.get("url")
    url = link.strip()[:2000] if isinstance(link, str) and link.strip() else None
    source = await services.knowledge.add_upload(principal, title, files, url=url)
    return source_response(source)


@router.get("/sources/{source_id}", response_model=Source)
async def get_source(
    source_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    return source_response(await services.knowledge.get(principal, source_id))


@router.delete("/sources/{source_id}", status_code=204)
async def remove_source(
    source_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    await services.knowledge.remove(principal, source_id)
    return Response(status_code=204)


@router.post("/sources/{source_id}/recrawl", status_code=202, response_model=Source)
async def recrawl_source(
    source_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    return source_response(await services.knowledge.recrawl(principal, source_id))


@router.get("/sources/{source_id}/pages", response_model=PageList)
async def source_pages(
    source_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    pages = await services.knowledge.pages(principal, source_id)
    return {"pages": [page_response(d) for d in pages], "total": len(pages)}


@router.post("/answer", response_model=GroundedReply)
async def answer(
    body: AnswerBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    history = [{"speaker": t.speaker, "text": t.text} for t in body.history]
    return await services.knowledge.answer(
        principal, body.question, history, body.language, body.chat_id
    )


@router.get("/gaps", response_model=GapList)
async def gaps(
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    found = await services.knowledge.gaps(principal, limit)
    return {"gaps": [gap_response(g) for g in found], "total": len(found)}
