"""Continue by e-mail, and transcripts (docs/web.md, "The visitor's e-mail").

- An agent's reply to a visitor who has left (no open widget socket, on any node) is queued in
  the e-mail outbox, with the signed link back to the chat and the signed reply-to address.
- A transcript is queued on the visitor's (or staff's) request, and on close when the company
  has turned that on.
- A reply that comes back by e-mail (``mail/inbound.py`` hands it here) is written into the
  chat as the visitor; a closed chat is continued in a new one that names it.

Only to a visitor who left an address and consented to e-mail. The outbox row's id is derived
from what caused it (the message, the close), so a node that sees the event twice, or two nodes
that both see it, queue one e-mail.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from uuid import UUID

import structlog

from guiders.domain.chat import Chat, ChatStatus
from guiders.domain.errors import Conflict, NotFound, RateLimited, Unauthenticated, ValidationFailed
from guiders.domain.events import StoredEvent
from guiders.domain.mail_links import chat_of_reply_address, reply_text
from guiders.domain.message import MAX_CONTENT_LENGTH, Message, SenderRole
from guiders.domain.visitor import Visitor
from guiders.services.access import Principal, check_chat_access
from guiders.services.chat_mail import ChatMailService
from guiders.services.chats import ChatService
from guiders.services.messages import MessageDraft, MessageService
from guiders.services.ports import QueuedEmail, UnitOfWork, UnitOfWorkFactory
from guiders.services.ports.chat_mail import InboundReply, ReplyInbox
from guiders.services.visitors import visitor_principal

log = structlog.get_logger(__name__)

REPLY_KIND = "chat_reply"
TRANSCRIPT_KIND = "transcript"
TRANSCRIPT_EVERY = timedelta(minutes=2)
"""A visitor may ask for a transcript at most this often (each one is an e-mail)."""
TRANSCRIPTS_PER_ADDRESS = 3
TRANSCRIPT_ADDRESS_WINDOW = timedelta(hours=1)
"""At most this many transcripts to one address an hour, whichever visitor asks: the address
is the visitor's word (unverified), and visitors are free to make, so a per-visitor limit alone
let an anonymous client have the company's mail server write to anyone, over and over."""
TRANSCRIPT_MESSAGES = 500
_IDS = uuid.UUID("0d7c1c8e-4a53-4f5e-a0a3-6f3f5a0c2b17")

VisitorOnline = Callable[[UUID], Awaitable[bool]]


class ChatMailer(ReplyInbox):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        addresses: ChatMailService,
        messages: MessageService,
        chats: ChatService,
        visitor_online: VisitorOnline | None = None,
    ) -> None:
        self._uow = uow
        self._addresses = addresses
        self._messages = messages
        self._chats = chats
        self.visitor_online: VisitorOnline = visitor_online or _nobody_online
        self._tasks: set[asyncio.Task[None]] = set()
        self._working = asyncio.Semaphore(4)
        """Whether the visitor has a widget socket open on any node (the runtime wires presence)."""

    # -- out -------------------------------------------------------------------------------

    async def on_event(self, event: StoredEvent) -> None:
        """Bus subscriber: an agent's reply to a visitor who left; a close (transcript).

        The bus awaits its subscribers in turn (the socket fan-out among them), so the check
        here is only on the event itself; the database work runs in a task of its own, a few
        at a time."""
        p = event.payload
        wanted = (
            event.type == "message.sent"
            and p.get("sender_role") == "agent"
            and not p.get("internal")
        ) or (event.type == "chat.status_changed" and p.get("to") == ChatStatus.CLOSED.value)
        if not wanted:
            return
        task = asyncio.create_task(self._handle(event), name="chat-mail")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, event: StoredEvent) -> None:
        async with self._working:
            try:
                if event.type == "message.sent":
                    await self.reply_by_email(event)
                else:
                    await self.transcript_on_close(event.aggregate_id)
            except Exception:
                log.exception("continue by e-mail: could not queue", event_type=event.type)

    async def drain(self) -> None:
        """Waits for what the subscriber started (tests, a clean stop)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def reply_by_email(self, event: StoredEvent) -> QueuedEmail | None:
        p = event.payload
        visitor_id = UUID(p["visitor_id"])
        if await self.visitor_online(visitor_id):
            return None
        email_id = uuid.uuid5(_IDS, f"reply:{p['message_id']}")
        chat_id = UUID(p["chat_id"])
        async with self._uow() as uow:
            visitor = await _reachable(uow, visitor_id)
            if visitor is None or await uow.mail.get(email_id) is not None:
                return None
            links = await self._addresses.links(uow, visitor, chat_id)
            who = p.get("sender_name") or "An agent"
            body = [f"{who} answered in your chat:", "", p["content"], ""]
            body += _footer(links.resume_url, links.reply_to)
            email = _email(
                email_id, visitor, REPLY_KIND, f"{who} replied to your chat", body, links.reply_to
            )
            await uow.mail.add(email)
            await uow.commit()
        return email

    async def transcript(self, principal: Principal, chat_id: UUID) -> QueuedEmail:
        """The chat so far, to the visitor's address (the visitor's or staff's request)."""
        async with self._uow() as uow:
            chat = check_chat_access(principal, await uow.chats.get(chat_id))
            visitor = await _reachable(uow, chat.visitor_id)
            if visitor is None:
                raise Conflict(
                    "The visitor has left no e-mail address with consent", field="chatId"
                )
            last = await uow.mail.last_queued_at(visitor.id, TRANSCRIPT_KIND)
            now = datetime.now(UTC)
            if last is not None and now - last < TRANSCRIPT_EVERY:
                wait = (last + TRANSCRIPT_EVERY - now).total_seconds()
                raise RateLimited("A transcript was sent moments ago", retry_after=wait, limit=1)
            if await self._address_spent(uow, chat, visitor):
                raise RateLimited(
                    "Enough transcripts went to this address for now",
                    retry_after=TRANSCRIPT_ADDRESS_WINDOW.total_seconds(),
                    limit=TRANSCRIPTS_PER_ADDRESS,
                )
            email = await self._transcript(uow, chat, visitor, uuid.uuid4())
            await uow.commit()
        return email

    async def transcript_on_close(self, chat_id: UUID) -> QueuedEmail | None:
        email_id = uuid.uuid5(_IDS, f"transcript-on-close:{chat_id}")
        async with self._uow() as uow:
            chat = await uow.chats.get(chat_id)
            if chat is None or await uow.mail.get(email_id) is not None:
                return None
            if not (await uow.chat_mail.settings(chat.company_id)).transcript_on_close:
                return None
            visitor = await _reachable(uow, chat.visitor_id)
            if visitor is None or await self._address_spent(uow, chat, visitor):
                return None
            email = await self._transcript(uow, chat, visitor, email_id)
            await uow.commit()
        return email

    @staticmethod
    async def _address_spent(uow: UnitOfWork, chat: Chat, visitor: Visitor) -> bool:
        since = datetime.now(UTC) - TRANSCRIPT_ADDRESS_WINDOW
        recent = await uow.mail.count_queued_to(
            chat.company_id, visitor.email or "", TRANSCRIPT_KIND, since
        )
        return recent >= TRANSCRIPTS_PER_ADDRESS

    async def _transcript(
        self, uow: UnitOfWork, chat: Chat, visitor: Visitor, email_id: UUID
    ) -> QueuedEmail:
        page = await uow.messages.page(
            chat.id,
            newest_first=False,
            limit=TRANSCRIPT_MESSAGES,
            cursor=None,
            since=None,
            include_internal=False,
        )
        links = await self._addresses.links(uow, visitor, chat.id)
        lines = [f"Your conversation of {chat.created_at:%Y-%m-%d}:", ""]
        lines += [_line(m) for m in page.items]
        lines += ["", *_footer(links.resume_url, links.reply_to)]
        email = _email(
            email_id, visitor, TRANSCRIPT_KIND, "Your chat transcript", lines, links.reply_to
        )
        await uow.mail.add(email)
        return email

    # -- in --------------------------------------------------------------------------------

    async def accepts(self, recipient: str) -> UUID:
        """The chat a recipient address leads to; ``Unauthenticated`` for anything else."""
        secret = self._addresses.config.secret
        return chat_of_reply_address(secret, recipient, await self._addresses.inbound_domains())

    async def receive(self, reply: InboundReply) -> Message:
        """Writes a visitor's e-mailed reply into the chat (or, closed, a new one naming it).
        The sender must be the visitor's own address: a forged From is refused."""
        chat_id = await self.accepts(reply.recipient)
        async with self._uow() as uow:
            chat = await uow.chats.get(chat_id)
            visitor = await uow.visitors.get(chat.visitor_id) if chat else None
        if chat is None or visitor is None:
            raise NotFound("The chat no longer exists", field="chatId")
        sender = parseaddr(reply.sender)[1].strip().lower()
        if not visitor.email or sender != visitor.email.strip().lower():
            raise Unauthenticated("The reply does not come from the visitor's address")
        text = reply_text(reply.body, MAX_CONTENT_LENGTH)
        if not text:
            raise ValidationFailed("The reply has no text above the quoted message", field="body")
        principal = visitor_principal(visitor)
        draft = MessageDraft(
            content=text,
            metadata={"via": "email"},
            client_message_id=f"email:{reply.message_id[:80]}" if reply.message_id else None,
        )
        if chat.status not in (ChatStatus.CLOSED, ChatStatus.ABANDONED):
            message, _ = await self._messages.send(principal, chat.id, draft)
            return message
        _, _, first = await self._chats.open(
            principal,
            visitor_id=None,
            visitor_info={},
            metadata={"source": "email", "customFields": {"continuedFrom": str(chat.id)}},
            first_message=draft,
        )
        assert first is not None
        return first


async def _nobody_online(_: UUID) -> bool:
    return False


async def _reachable(uow: UnitOfWork, visitor_id: UUID) -> Visitor | None:
    """The visitor, when they left an address and consented to e-mail."""
    visitor = await uow.visitors.get(visitor_id)
    if visitor is None or not visitor.email or visitor.email_consent_at is None:
        return None
    return visitor


def _footer(resume_url: str | None, reply_to: str | None) -> list[str]:
    lines = []
    if resume_url:
        lines += ["Continue the chat:", resume_url, ""]
    if reply_to:
        lines += ["Or simply reply to this e-mail: your answer goes into the chat."]
    return lines


def _line(message: Message) -> str:
    role = message.sender.role
    who = {
        SenderRole.VISITOR: "You",
        SenderRole.AI: "Assistant (AI)",
        SenderRole.SYSTEM: "—",
    }.get(role) or (message.sender.name or "Agent")
    return f"[{message.sent_at:%H:%M}] {who}: {message.content}"


def _email(
    email_id: UUID,
    visitor: Visitor,
    kind: str,
    subject: str,
    lines: list[str],
    reply_to: str | None,
) -> QueuedEmail:
    assert visitor.email is not None
    now = datetime.now(UTC)
    return QueuedEmail(
        id=email_id,
        company_id=visitor.company_id,
        visitor_id=visitor.id,
        kind=kind,
        to_address=visitor.email,
        subject=subject,
        body="\n".join(lines)[:100_000],
        created_at=now,
        next_attempt_at=now,
        reply_to=reply_to,
    )
