"""security: login throttles, second factors, invitations, company security and secrets

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guiders.store.types

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", guiders.store.types.UTCDateTime(timezone=True)),
        sa.Column("locked_until", guiders.store.types.UTCDateTime(timezone=True)),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_throttles_window_started_at", ["window_started_at"], unique=False
        )
    op.create_table(
        "staff_totp",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("confirmed_at", guiders.store.types.UTCDateTime(timezone=True)),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        sa.Column(
            "recovery_hashes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_users.id"], name=op.f("fk_staff_totp_staff_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_totp")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("expires_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", guiders.store.types.UTCDateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_invitations_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_company_id"), ["company_id"], unique=False)
    op.create_table(
        "company_security",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("admins_need_totp", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_company_security_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_security")),
    )
    op.create_table(
        "company_secrets",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_company_secrets_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "name", name=op.f("pk_company_secrets")),
    )


def downgrade() -> None:
    op.drop_table("company_secrets")
    op.drop_table("company_security")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_company_id"))
    op.drop_table("invitations")
    op.drop_table("staff_totp")
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index("ix_login_throttles_window_started_at")
    op.drop_table("login_throttles")
