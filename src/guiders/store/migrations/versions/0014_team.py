"""team and site keys: deactivated staff, inactive agents, revoked site keys

Revision ID: 0014_team
Revises: 0010
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guiders.store.types

revision = "0014_team"
down_revision = "0012_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(
            sa.Column("deactivated_at", guiders.store.types.UTCDateTime(timezone=True))
        )
    with op.batch_alter_table("commercials") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("revoked_at", guiders.store.types.UTCDateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("commercials") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("deactivated_at")
