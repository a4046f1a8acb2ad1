"""analytics: visitor analyses, conversions, e-mail consent and the mail outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guiders.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, guiders.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.add_column(_when("email_consent_at"))

    op.create_table(
        "visitor_analyses",
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("conversion_probability", sa.Float(precision=53), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("top_factors", _JSON, nullable=False),
        sa.Column("features", _JSON, nullable=False),
        sa.Column("profile", _JSON, nullable=False),
        sa.Column("context", _JSON, nullable=False),
        _when("scored_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["visitors.id"], name=op.f("fk_visitor_analyses_visitor_id_visitors")
        ),
        sa.PrimaryKeyConstraint("visitor_id", name=op.f("pk_visitor_analyses")),
    )
    with op.batch_alter_table("visitor_analyses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visitor_analyses_company_segment", ["company_id", "segment"], unique=False
        )

    op.create_table(
        "visitor_conversions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("value", sa.Float(precision=53), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        _when("occurred_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_visitor_conversions_visitor_id_visitors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_conversions")),
    )
    with op.batch_alter_table("visitor_conversions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visitor_conversions_visitor_id"), ["visitor_id"], unique=False
        )

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_address", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", nullable=False),
        _when("locked_until"),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _when("created_at", nullable=False),
        _when("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_mail_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_outbox_visitor_id"), ["visitor_id"], unique=False)


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_table("visitor_conversions")
    op.drop_table("visitor_analyses")
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_column("email_consent_at")
