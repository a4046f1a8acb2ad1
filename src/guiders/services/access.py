"""Who is calling, and what they may touch. Every read and write goes through these checks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from guiders.domain.chat import Chat
from guiders.domain.company import StaffRole
from guiders.domain.errors import Forbidden, NotFound
from guiders.domain.message import SenderRole
from guiders.services.ports import Actor


class PrincipalKind(StrEnum):
    VISITOR = "visitor"
    STAFF = "staff"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    company_id: UUID
    subject_id: UUID
    role: StaffRole | None = None
    name: str | None = None
    site_id: UUID | None = None

    @property
    def is_visitor(self) -> bool:
        return self.kind == PrincipalKind.VISITOR

    @property
    def is_staff(self) -> bool:
        return self.kind == PrincipalKind.STAFF

    @property
    def is_integration(self) -> bool:
        return self.kind == PrincipalKind.INTEGRATION

    @property
    def is_supervisor(self) -> bool:
        return self.role in (StaffRole.SUPERVISOR, StaffRole.ADMIN)

    @property
    def sender_role(self) -> SenderRole:
        return {
            PrincipalKind.VISITOR: SenderRole.VISITOR,
            PrincipalKind.STAFF: SenderRole.AGENT,
            PrincipalKind.INTEGRATION: SenderRole.AI,
        }[self.kind]

    @property
    def actor(self) -> Actor:
        kind = self.role.value if self.role else self.kind.value
        return Actor(id=str(self.subject_id), type=kind)


def check_chat_access(principal: Principal, chat: Chat | None) -> Chat:
    """Another company's chat, or another visitor's, looks exactly like a missing one."""
    if chat is None or chat.company_id != principal.company_id:
        raise NotFound("Chat not found", field="chatId")
    if principal.is_visitor and chat.visitor_id != principal.subject_id:
        raise NotFound("Chat not found", field="chatId")
    return chat


def check_visitor_access(principal: Principal, visitor_id: UUID, company_id: UUID | None) -> None:
    if company_id is None or company_id != principal.company_id:
        raise NotFound("Visitor not found", field="visitorId")
    if principal.is_visitor and principal.subject_id != visitor_id:
        raise NotFound("Visitor not found", field="visitorId")


def require_staff_or_key(principal: Principal) -> None:
    if principal.is_visitor:
        raise Forbidden("This needs a staff member or an integration key")


def require_supervisor_or_key(principal: Principal) -> None:
    if not (principal.is_integration or principal.is_supervisor):
        raise Forbidden("This needs a supervisor, an admin or an integration key")


def check_may_handle(principal: Principal, chat: Chat, action: str) -> None:
    """Who may change a chat (close it, write in it, set its priority, tags or fields), once
    ``check_chat_access`` has shown it is theirs to see:

    - its visitor, their own chat (for what the visitor may do at all);
    - an integration key (the bot, the pipeline) and a supervisor or admin, any of the company's;
    - an agent, only a chat assigned to them: a pending chat is taken first (``assign``),
      another agent's chat is theirs to transfer, not to close.
    Internal notes are not covered: any staff member may leave one (see ``MessageService``).
    """
    if principal.is_visitor or principal.is_integration or principal.is_supervisor:
        return
    if chat.assigned_agent_id != principal.subject_id:
        raise Forbidden(f"A commercial may {action} only chats assigned to them", field="chatId")
