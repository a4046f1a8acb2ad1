"""Chats and messages as the REST API answers them (``message:new`` carries the same message)."""

from __future__ import annotations

from typing import Any, Literal

from guiders.api.responses import Reply
from guiders.domain.chat import ChatStatus, Priority
from guiders.domain.message import MessageType

Role = Literal["visitor", "commercial", "ai", "system"]


class Sender(Reply):
    id: str
    name: str | None
    role: Role


class Message(Reply):
    """One message; ``id``/``messageId``, ``sentAt``/``timestamp``/``createdAt`` and the
    ``sender*`` keys repeat each other because the guide and the SDK each read their own."""

    messageId: str
    id: str
    chatId: str
    senderId: str
    senderName: str | None
    senderType: Role
    sender: Sender
    content: str
    type: MessageType
    isInternal: bool
    isAI: bool
    aiMetadata: dict[str, Any] | None
    metadata: dict[str, Any]
    sentAt: str
    timestamp: str
    createdAt: str
    clientMessageId: str | None
    readAt: str | None


class UnreadMessage(Message):
    isRead: bool
    readBy: str | None
    updatedAt: str


class MessagePage(Reply):
    messages: list[Message]
    total: int
    hasMore: bool
    nextCursor: str | None


class MarkedRead(Reply):
    success: bool
    markedCount: int


class VisitorInfo(Reply):
    id: str
    name: str | None
    email: str | None
    phone: str | None
    location: str | None


class AssignedCommercial(Reply):
    id: str
    name: str | None
    avatarUrl: str | None


class ChatMetadata(Reply):
    department: str | None
    source: str | None
    initialUrl: str | None
    tags: list[str]
    customFields: dict[str, Any]


class Chat(Reply):
    id: str
    chatId: str
    status: ChatStatus
    priority: Priority
    visitorId: str
    visitorInfo: VisitorInfo
    assignedCommercialId: str | None
    assignedCommercial: AssignedCommercial | None
    metadata: ChatMetadata
    createdAt: str
    assignedAt: str | None
    closedAt: str | None
    lastMessageDate: str | None
    lastMessagePreview: str | None
    totalMessages: int
    unreadMessagesCount: int
    satisfactionRating: int | None
    closeReason: str | None
    resolution: str | None
    updatedAt: str | None
    position: int | None = None
    """Only for a chat waiting in the queue: its place in it."""


class ChatPage(Reply):
    chats: list[Chat]
    total: int
    hasMore: bool
    nextCursor: str | None


class ChatQueue(Reply):
    chats: list[Chat]
    total: int


class ChatOpened(Reply):
    chatId: str
    position: int | None
    status: ChatStatus


class ChatOpenedWithMessage(ChatOpened):
    messageId: str
    message: Message


class ChatViewed(Reply):
    success: bool
    chatId: str
