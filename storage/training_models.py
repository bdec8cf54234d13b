"""Training tables: events, sign-ups, subscriptions, announcements and participant notices.

Sign-ups are ordinary personal data and are never linked to referrals: no foreign key, no
shared id, no join. A participant is their Entra object id (needed to reach their 1:1 chat)
and their display name, encrypted (`storage.crypto.Cipher`, field `training.participant_name`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class TrainingEventRow(Base):
    """A talk, theme day, course, dialogue or network meeting. Times are UTC."""

    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    topics: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(300))
    online_url: Mapped[str] = mapped_column(String(1000))
    capacity: Mapped[int] = mapped_column(Integer)
    signup_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    audience: Mapped[str] = mapped_column(String(300))
    organiser: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    # Raised on every change participants are told about (the iCalendar SEQUENCE).
    version: Mapped[int] = mapped_column(Integer)
    # The last arrival number handed out for this event (the waitlist order).
    last_sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_training_events_upcoming", "status", "starts_at"),)


class TrainingSignupRow(Base):
    """One participant's place on one event: confirmed, waitlisted or cancelled."""

    __tablename__ = "training_signups"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(256))
    participant_name_enc: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("event_id", "participant_id", name="uq_training_signups_participant"),
        Index("ix_training_signups_queue", "event_id", "status", "sequence"),
        Index("ix_training_signups_participant", "participant_id"),
    )


class TrainingSubscriptionRow(Base):
    """An employee who wants news about training ("abonnér på kurser")."""

    __tablename__ = "training_subscriptions"

    subscriber_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    subscribed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnnouncementRow(Base):
    """An organiser's announcement of an event to every subscriber."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"))
    requested_by: Mapped[str] = mapped_column(String(256))
    # Where progress and the final count are reported, in the organiser's language.
    report_conversation_id: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(8))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_announcements_open", "finished_at"),)


class AnnouncementDeliveryRow(Base):
    """One subscriber's copy of one announcement: pending, sending, sent, blocked or failed."""

    __tablename__ = "announcement_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    subscriber_id: Mapped[str] = mapped_column(String(256))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("announcement_id", "subscriber_id", name="uq_announcement_subscriber"),
        Index("ix_announcement_deliveries_pending", "status", "available_at"),
    )


class TrainingNoticeRow(Base):
    """A message to a participant, written in the transaction of the change that causes it:
    moved up from the waitlist, event changed or cancelled, the day-before reminder."""

    __tablename__ = "training_notices"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(256))
    language: Mapped[str] = mapped_column(String(8))
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_training_notices_pending", "status", "available_at"),)
