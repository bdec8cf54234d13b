"""Table definitions. Migrations in `storage/migrations/versions` create them; keep both in step
(a test compares the migrated schema with these models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    # HMAC of the user's Entra object id (storage.crypto): finds a referral's 1:1 chat from
    # its `employee_pseudonym` without storing who filed it (migration 0003).
    user_pseudonym: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(512))
    channel_id: Mapped[str | None] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(512))
    reference: Mapped[str] = mapped_column(Text)
    installed: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_conversation_references_user", "user_aad_object_id", "conversation_type"),
        Index("ix_conversation_references_team", "team_id"),
        Index("ix_conversation_references_pseudonym", "user_pseudonym", "conversation_type"),
    )


class ProcessedActivityRow(Base):
    """Activity ids already handled: Teams redelivers slow turns, we act once."""

    __tablename__ = "processed_activities"

    activity_key: Mapped[str] = mapped_column(String(600), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ReferenceCounterRow(Base):
    """The last case-reference sequence issued per year (gapless numbering)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(Integer)


class ReferralRow(Base):
    """A filed concern referral. Columns ending in `_enc` are AES-GCM tokens (storage.crypto);
    anonymous referrals leave every identifying column empty."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[str] = mapped_column(String(64))
    tags: Mapped[str] = mapped_column(String(64))
    age_band: Mapped[str] = mapped_column(String(16))
    residence: Mapped[str] = mapped_column(String(16))
    crime_status: Mapped[str] = mapped_column(String(32))
    signs: Mapped[str] = mapped_column(String(512))
    has_serious_sign: Mapped[bool] = mapped_column(Boolean)
    employee_role: Mapped[str] = mapped_column(String(32))
    employee_administration: Mapped[str] = mapped_column(String(32))
    employee_pseudonym: Mapped[str] = mapped_column(String(64))
    employee_name_enc: Mapped[str | None] = mapped_column(Text)
    employee_contact_enc: Mapped[str | None] = mapped_column(Text)
    description_enc: Mapped[str] = mapped_column(Text)
    context_enc: Mapped[str] = mapped_column(Text)
    youth_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    respond_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The consultant side (migration 0003). `unit_since`: when it arrived in its current unit
    # (NULL = created_at); reminders count from there and are sent once each.
    unit_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_by_name: Mapped[str | None] = mapped_column(String(256))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(32))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Retention (migration 0005): when the closed referral was reduced to statistics.
    reduced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_referrals_year_sequence"),
        Index("ix_referrals_employee", "employee_pseudonym", "created_at"),
        Index("ix_referrals_queue", "unit", "status", "created_at"),
        # Migration 0006: the reminder job's unclaimed referrals (`status = 'new'` over every
        # unit); without it PostgreSQL walks all of ix_referrals_queue (22 ms at 1,000,000).
        Index("ix_referrals_status", "status", "unit"),
    )


class ReferralEventRow(Base):
    """The status history and every hand-off of a referral; never case content."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_referral_events_referral", "referral_id", "at"),)


class ReferralAdditionRow(Base):
    """Information the employee added after filing."""

    __tablename__ = "referral_additions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text_enc: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_referral_additions_referral", "referral_id"),)


class OutboxRow(Base):
    """Work to deliver, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    unit: Mapped[str | None] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Migration 0003: ids the delivery needs (JSON, never content) and the last error's code.
    payload: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "available_at"),)


class GateAnswerRow(Base):
    """Counts of answers that end the dialog without a referral (acute, not Copenhagen,
    question): the annual figures need them; nothing else is kept."""

    __tablename__ = "gate_answers"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


from storage import consultant_models, training_models  # noqa: E402,F401
