"""The consultant side: unit channels, consultants, claims, relays, resource persons, audit.

New tables: unit_channels, unit_members, referral_posts, referral_messages, resource_persons,
resource_suggestions, audit_log. New columns: referrals (unit_since, claimed_by,
claimed_by_name, claimed_at, closed_at, outcome, reminded_at, escalated_at), outbox (payload,
last_error), conversation_references (user_pseudonym; filled by the bot on the next activity of
each conversation, since the pseudonym key is not available to migrations).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_REFERRAL_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("unit_since", sa.DateTime(timezone=True)),
    ("claimed_by", sa.String(length=64)),
    ("claimed_by_name", sa.String(length=256)),
    ("claimed_at", sa.DateTime(timezone=True)),
    ("closed_at", sa.DateTime(timezone=True)),
    ("outcome", sa.String(length=32)),
    ("reminded_at", sa.DateTime(timezone=True)),
    ("escalated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_referral", "audit_log", ["referral_id", "at"], unique=False)
    op.create_table(
        "resource_persons",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("topics", sa.String(length=512), nullable=False),
        sa.Column("competences", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=256), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "unit_channels",
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=512), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("service_url", sa.String(length=512), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit"),
    )
    op.create_table(
        "unit_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit", "identifier", "role", name="uq_unit_members"),
    )
    op.create_table(
        "referral_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("in_reply_to", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_referral_messages_referral", "referral_messages", ["referral_id", "at"], unique=False
    )
    op.create_table(
        "referral_posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.Column("conversation_id", sa.String(length=512), nullable=False),
        sa.Column("activity_id", sa.String(length=256), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index(
        "ix_referral_posts_referral", "referral_posts", ["referral_id", "posted_at"], unique=False
    )
    op.create_table(
        "resource_suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("resource_person_id", sa.Integer(), nullable=False),
        sa.Column("suggested_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["resource_person_id"], ["resource_persons.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_resource_suggestions_referral", "resource_suggestions", ["referral_id"], unique=False
    )
    # Nullable columns only: plain ADD COLUMN works on SQLite and PostgreSQL alike.
    op.add_column(
        "conversation_references",
        sa.Column("user_pseudonym", sa.String(length=64), nullable=True),
    )
    op.create_index(
        "ix_conversation_references_pseudonym",
        "conversation_references",
        ["user_pseudonym", "conversation_type"],
        unique=False,
    )
    op.add_column("outbox", sa.Column("payload", sa.Text(), nullable=True))
    op.add_column("outbox", sa.Column("last_error", sa.String(length=64), nullable=True))
    for name, type_ in _REFERRAL_COLUMNS:
        op.add_column("referrals", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite cannot drop columns in place.
    with op.batch_alter_table("referrals") as batch:
        for name, _ in reversed(_REFERRAL_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("last_error")
        batch.drop_column("payload")
    op.drop_index("ix_conversation_references_pseudonym", table_name="conversation_references")
    with op.batch_alter_table("conversation_references") as batch:
        batch.drop_column("user_pseudonym")
    op.drop_index("ix_resource_suggestions_referral", table_name="resource_suggestions")
    op.drop_table("resource_suggestions")
    op.drop_index("ix_referral_posts_referral", table_name="referral_posts")
    op.drop_table("referral_posts")
    op.drop_index("ix_referral_messages_referral", table_name="referral_messages")
    op.drop_table("referral_messages")
    op.drop_table("unit_members")
    op.drop_table("unit_channels")
    op.drop_table("resource_persons")
    op.drop_index("ix_audit_log_referral", table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
