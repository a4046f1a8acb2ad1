"""Answers of the agent's daily tools: canned responses, departments, conversation search."""

from __future__ import annotations

from guiders.api.responses import Reply


class CannedResponseItem(Reply):
    id: str
    scope: str
    ownerId: str | None
    shortcut: str
    title: str
    content: str
    createdAt: str
    updatedAt: str


class CannedResponseList(Reply):
    responses: list[CannedResponseItem]


class CannedExpansion(Reply):
    text: str
    used: list[str]


class DepartmentItem(Reply):
    id: str
    name: str
    memberIds: list[str]


class DepartmentList(Reply):
    departments: list[DepartmentItem]


class SearchHitItem(Reply):
    chatId: str
    visitorId: str
    messageId: str
    content: str
    sentAt: str


class SearchResults(Reply):
    query: str
    hits: list[SearchHitItem]
