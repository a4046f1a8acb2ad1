"""email: consents with the text shown, companies' e-mail toggles, the outbox's Reply-To

Revision ID: 0015_email
Revises: 0008
Create Date: 2026-12-06 23:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guiders.store.types

revision = "0015_email"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("chat_id", sa.Uuid()),
        sa.Column("email", sa.String(length=254)),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=20)),
        sa.Column("at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_email_consents_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_consents")),
    )
    with op.batch_alter_table("email_consents", schema=None) as batch_op:
        batch_op.create_index("ix_email_consents_visitor_id", ["visitor_id"], unique=False)
    op.create_table(
        "chat_mail_settings",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("transcript_on_close", sa.Boolean(), nullable=False),
        sa.Column("inbound_domain", sa.String(length=253)),
        sa.Column("chat_page_url", sa.String(length=500)),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_chat_mail_settings_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_chat_mail_settings")),
    )
    with op.batch_alter_table("chat_mail_settings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_mail_settings_inbound_domain", ["inbound_domain"], unique=False
        )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=320)))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
    op.drop_table("chat_mail_settings")
    op.drop_table("email_consents")
