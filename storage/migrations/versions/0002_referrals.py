"""Referrals: case references, the referral record, its history and additions, the outbox,
and counts of dialog answers that end without a referral.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gate_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_gate_answers_at"), "gate_answers", ["at"], unique=False)
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("tags", sa.String(length=64), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("residence", sa.String(length=16), nullable=False),
        sa.Column("crime_status", sa.String(length=32), nullable=False),
        sa.Column("signs", sa.String(length=512), nullable=False),
        sa.Column("has_serious_sign", sa.Boolean(), nullable=False),
        sa.Column("employee_role", sa.String(length=32), nullable=False),
        sa.Column("employee_administration", sa.String(length=32), nullable=False),
        sa.Column("employee_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("employee_name_enc", sa.Text(), nullable=True),
        sa.Column("employee_contact_enc", sa.Text(), nullable=True),
        sa.Column("description_enc", sa.Text(), nullable=False),
        sa.Column("context_enc", sa.Text(), nullable=False),
        sa.Column("youth_enc", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("year", "sequence", name="uq_referrals_year_sequence"),
    )
    op.create_index(
        "ix_referrals_employee", "referrals", ["employee_pseudonym", "created_at"], unique=False
    )
    op.create_index(
        "ix_referrals_queue", "referrals", ["unit", "status", "created_at"], unique=False
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "available_at"], unique=False)
    op.create_table(
        "referral_additions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_referral_additions_referral", "referral_additions", ["referral_id"], unique=False
    )
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_referral_events_referral", "referral_events", ["referral_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_referral_events_referral", table_name="referral_events")
    op.drop_table("referral_events")
    op.drop_index("ix_referral_additions_referral", table_name="referral_additions")
    op.drop_table("referral_additions")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_referrals_queue", table_name="referrals")
    op.drop_index("ix_referrals_employee", table_name="referrals")
    op.drop_table("referrals")
    op.drop_table("reference_counters")
    op.drop_index(op.f("ix_gate_answers_at"), table_name="gate_answers")
    op.drop_table("gate_answers")
