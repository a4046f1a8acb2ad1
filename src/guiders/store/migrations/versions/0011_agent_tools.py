"""The agent's daily tools: canned responses, departments, full-text search over messages

SQLite gets an FTS5 table kept by triggers, PostgreSQL a GIN index on the messages'
``tsvector`` (``guiders.store.search``); existing messages are indexed here.

Revision ID: 0011_agent_tools
Revises: 0008
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guiders.store import search
from guiders.store.types import UTCDateTime

revision = "0011_agent_tools"
down_revision = "0015_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff_users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_canned_responses_company", "canned_responses", ["company_id", "shortcut"])
    op.create_table(
        "departments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "name", name="uq_departments_company_name"),
    )
    op.create_table(
        "department_members",
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("commercial_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["commercial_id"], ["commercials.id"]),
        sa.PrimaryKeyConstraint("department_id", "commercial_id"),
    )
    dialect = op.get_bind().dialect.name
    for statement in search.statements(dialect):
        op.execute(statement)
    if dialect == "sqlite":
        op.execute(search.SQLITE_BACKFILL)


def downgrade() -> None:
    for statement in search.drops(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("department_members")
    op.drop_table("departments")
    op.drop_index("ix_canned_responses_company", table_name="canned_responses")
    op.drop_table("canned_responses")
