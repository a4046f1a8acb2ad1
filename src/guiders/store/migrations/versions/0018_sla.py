"""sla_breaches: each SLA timer that ran past its target, recorded once

Revision ID: 0018_sla
Revises: 0010
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guiders.store.types

revision = "0018_sla"
down_revision = "0013_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_breaches",
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("breached_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "kind", "started_at", name=op.f("pk_sla_breaches")),
    )
    op.create_index(
        op.f("ix_sla_breaches_company_id"), "sla_breaches", ["company_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sla_breaches_company_id"), table_name="sla_breaches")
    op.drop_table("sla_breaches")
