"""metric snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guiders.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("node", sa.String(length=120), nullable=False),
        sa.Column("at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "point",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_snapshots")),
    )
    with op.batch_alter_table("metric_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_metric_snapshots_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("metric_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_snapshots_at")
    op.drop_table("metric_snapshots")
