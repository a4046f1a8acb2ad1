"""Tables of the agent's daily tools: canned responses, departments and their members.

Registered on the one ``metadata`` (``tables.py`` imports this module at its end). The
full-text search structures over messages are not tables of this metadata: see ``search.py``.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, Uuid

from guiders.store.metadata import metadata
from guiders.store.types import UTCDateTime

canned_responses = Table(
    "canned_responses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False),
    Column("owner_id", Uuid, ForeignKey("staff_users.id")),
    Column("shortcut", String(32), nullable=False),
    Column("title", String(100), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_canned_responses_company", "company_id", "shortcut"),
)
"""``owner_id`` NULL: the company's response; else one agent's own."""

departments = Table(
    "departments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("company_id", "name", name="uq_departments_company_name"),
)

department_members = Table(
    "department_members",
    metadata,
    Column("department_id", Uuid, ForeignKey("departments.id"), primary_key=True),
    Column("commercial_id", Uuid, ForeignKey("commercials.id"), primary_key=True),
)
