"""events.schema_version: the log holds domain facts (schema 2); older rows are schema 1

Rows already stored keep their wire-shaped (camelCase) payload and get ``schema_version`` 1
from the column's default; readers upcast them (``guiders.domain.upcasting``). Nothing in the
append-only log is rewritten.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-06 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "schema_version", sa.SmallInteger(), server_default=sa.text("1"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("schema_version")
