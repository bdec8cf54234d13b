"""Tables of the consultant side (migration 0003): unit channels, the admin-maintained lists of
consultants and leads, channel posts of referrals, the messages relayed between consultants
and employees, the resource panel, and the audit log.

Columns ending in `_enc` are AES-GCM tokens (storage.crypto). Consultants' Entra object ids
are stored in plain text: they are staff acting in their role, and the audit must name them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class UnitChannelRow(Base):
    """The Teams channel a unit receives its referrals in (registered by an admin)."""

    __tablename__ = "unit_channels"

    unit: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(512))
    channel_id: Mapped[str] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(512))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    # The conversation reference of the registering message: where proactive posts start.
    reference: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # Incremented on every move to another channel; part of the re-post idempotency keys.
    generation: Mapped[int] = mapped_column(Integer)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UnitMemberRow(Base):
    """Consultants and leads of a unit as admins list them (the team roster adds more)."""

    __tablename__ = "unit_members"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(16))
    # An Entra object id, or an e-mail address / UPN in lower case (resolved via the roster).
    identifier: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # consultant | lead
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("unit", "identifier", "role", name="uq_unit_members"),)


class ReferralPostRow(Base):
    """A referral's card in a unit channel. The idempotency key is the outbox row's: a post is
    recorded in the same transaction that marks its delivery done."""

    __tablename__ = "referral_posts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    channel_id: Mapped[str] = mapped_column(String(512))
    conversation_id: Mapped[str] = mapped_column(String(512))  # the thread
    activity_id: Mapped[str] = mapped_column(String(256))
    reference: Mapped[str] = mapped_column(Text)  # conversation reference of the thread
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when the referral left this channel (transferred, or the unit moved channel).
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(16))  # transfer | move

    __table_args__ = (Index("ix_referral_posts_referral", "referral_id", "posted_at"),)


class ReferralMessageRow(Base):
    """Texts written about a referral after filing: a consultant's question to the employee,
    the employee's answer, a transfer reason, a closing note. Encrypted; never logged."""

    __tablename__ = "referral_messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # question | answer | transfer | close_note
    in_reply_to: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str | None] = mapped_column(String(64))  # consultant; NULL = the employee
    unit: Mapped[str] = mapped_column(String(16))
    text_enc: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_referral_messages_referral", "referral_id", "at"),)


class ResourcePersonRow(Base):
    """A member of VINK's resource panel (ressourceperson), maintained by admins."""

    __tablename__ = "resource_persons"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    topics: Mapped[str] = mapped_column(String(512))  # comma list of domain topic ids
    competences: Mapped[str] = mapped_column(Text)  # free text shown to consultants
    contact: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ResourceSuggestionRow(Base):
    __tablename__ = "resource_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    resource_person_id: Mapped[int] = mapped_column(
        ForeignKey("resource_persons.id", ondelete="CASCADE")
    )
    suggested_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_resource_suggestions_referral", "referral_id"),)


class AuditRow(Base):
    """Append-only: who did or tried what, when, with which result. Never content.

    `referral_id` has no foreign key on purpose: the audit outlives a deleted referral."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(128))  # Entra object id (or Teams id)
    actor_role: Mapped[str] = mapped_column(String(16))  # admin|consultant|employee|system|other
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # allowed | refused | stale
    referral_id: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(64))  # a reason code, never free text
    correlation_id: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_audit_log_referral", "referral_id", "at"),)
