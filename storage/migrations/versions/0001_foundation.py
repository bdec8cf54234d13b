"""Foundation: bot state documents, conversation references, processed activity ids.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_bot_state_updated_at", "bot_state", ["updated_at"])

    op.create_table(
        "conversation_references",
        sa.Column("conversation_id", sa.String(512), primary_key=True),
        sa.Column("conversation_type", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(256), nullable=True),
        sa.Column("user_aad_object_id", sa.String(64), nullable=True),
        sa.Column("team_id", sa.String(512), nullable=True),
        sa.Column("channel_id", sa.String(512), nullable=True),
        sa.Column("service_url", sa.String(512), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("installed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_conversation_references_user",
        "conversation_references",
        ["user_aad_object_id", "conversation_type"],
    )
    op.create_index("ix_conversation_references_team", "conversation_references", ["team_id"])

    op.create_table(
        "processed_activities",
        sa.Column("activity_key", sa.String(600), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_processed_activities_received_at", "processed_activities", ["received_at"])


def downgrade() -> None:
    op.drop_table("processed_activities")
    op.drop_table("conversation_references")
    op.drop_table("bot_state")
