"""Table definitions. Migrations in `storage/migrations/versions` create them; keep both in step
(a test compares the migrated schema with these models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class BotStateRow(Base):
    """Documents of the botbuilder `Storage` contract (conversation and user state)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    codec: Mapped[str] = mapped_column(String(16))
    etag: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ConversationReferenceRow(Base):
    """Where the bot can reach a conversation later (proactive messages)."""

    __tablename__ = "conversation_references"

    conversation_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    conversation_type: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(256))
    user_aad_object_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(512))
    channel_id: Mapped[str | None] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(512))
    reference: Mapped[str] = mapped_column(Text)
    installed: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_conversation_references_user", "user_aad_object_id", "conversation_type"),
        Index("ix_conversation_references_team", "team_id"),
    )


class ProcessedActivityRow(Base):
    """Activity ids already handled: Teams redelivers slow turns, we act once."""

    __tablename__ = "processed_activities"

    activity_key: Mapped[str] = mapped_column(String(600), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
