"""Shadow mode: the bot's drafts reviewed by agents, per-topic acceptance, graduation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.shadow import ShadowView
from guiders.api.schemas import Body
from guiders.domain.shadow import GraduationPolicy
from guiders.services.shadow import ShadowService

router = APIRouter(prefix="/v2/bot/shadow", tags=["bot"], route_class=WireRoute)

Topic = Annotated[str, Field(min_length=1, max_length=100)]


class Review(Body):
    topic: Topic
    action: Literal["sent", "edited", "discarded"]
    draft_id: str = Field(alias="draftId", min_length=1, max_length=100)
    chat_id: str | None = Field(default=None, alias="chatId", max_length=100)


async def get_shadow(request: Request) -> ShadowService:
    """One service per app (it keeps each company's folded stream)."""
    service: ShadowService | None = getattr(request.app.state, "shadow", None)
    if service is None:
        runtime = runtime_of(request)
        settings = runtime.settings
        policy = GraduationPolicy(
            settings.shadow_graduation_acceptance, settings.shadow_graduation_min_drafts
        )
        service = ShadowService(runtime.services.uow, policy)
        request.app.state.shadow = service
    return service


ShadowDep = Annotated[ShadowService, Depends(get_shadow)]


@router.get("", response_model=ShadowView)
async def view(principal: CurrentPrincipal, shadow: ShadowDep) -> dict[str, Any]:
    """Per topic: drafts reviewed, sent unchanged, edited, discarded, acceptance, whether a
    graduation is proposed or done (supervisors, admins, integration keys)."""
    return await shadow.view(principal)


@router.post("/reviews", status_code=201, response_model=ShadowView)
async def review(body: Review, principal: CurrentPrincipal, shadow: ShadowDep) -> dict[str, Any]:
    """A staff member sent, edited or discarded a draft (``shadow.draft_reviewed``); 409 when
    that draft was reviewed already."""
    return await shadow.review(principal, body.topic, body.action, body.draft_id, body.chat_id)


@router.post("/topics/{topic}/graduate", response_model=ShadowView)
async def graduate(
    principal: CurrentPrincipal,
    shadow: ShadowDep,
    topic: Annotated[str, Path(min_length=1, max_length=100)],
) -> dict[str, Any]:
    """An admin lets the bot answer the topic alone (``shadow.topic_graduated``)."""
    return await shadow.graduate(principal, topic)
