"""privacy: visitors' data keys (crypto-shredding), consents, retention per company

Revision ID: 0013_privacy
Revises: 0008
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guiders.store.types

revision = "0013_privacy"
down_revision = "0014_team"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visitor_keys",
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.Column("created_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("visitor_id", name=op.f("pk_visitor_keys")),
    )
    with op.batch_alter_table("visitor_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visitor_keys_company_id"), ["company_id"], unique=False
        )
    op.create_table(
        "visitor_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_consents")),
    )
    with op.batch_alter_table("visitor_consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visitor_consents_visitor", ["visitor_id", "purpose", "recorded_at"], unique=False
        )
    op.create_table(
        "privacy_settings",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("retention_days", sa.Integer()),
        sa.Column("updated_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_privacy_settings_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_privacy_settings")),
    )


def downgrade() -> None:
    op.drop_table("privacy_settings")
    with op.batch_alter_table("visitor_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_visitor_consents_visitor")
    op.drop_table("visitor_consents")
    with op.batch_alter_table("visitor_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitor_keys_company_id"))
    op.drop_table("visitor_keys")
