"""Composition of the consultant side (issue #4), called from `bot.app`'s composition root.

Builds the repositories, the roles service with the Teams roster, the cards, the dialogs and
the two background jobs (outbox delivery, reminders), and hands them to the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import Delivery, DeliverySettings, TeamsRoster, reminder_job
from bot.settings import Settings
from bot.workers import Job
from dialogs.consultant.admin_dialog import AdminDialog
from dialogs.consultant.cards import CaseCards
from dialogs.consultant.consultant_dialog import ConsultantDialog
from dialogs.consultant.roles import Roles
from dialogs.i18n import Catalogue
from domain.casework import Deadlines, default_topic_map
from domain.routing import RuleTable
from storage.audit import AuditLog
from storage.casework import Casework
from storage.conversations import ConversationReferences
from storage.crypto import Cipher
from storage.outbox import Outbox
from storage.resource_persons import ResourcePersons
from storage.units import UnitChannels, UnitMembers

DELIVERY_JOB = "deliver_outbox"
REMINDER_JOB = "consultant_reminders"


@dataclass
class ConsultantSide:
    dialog: ConsultantDialog
    delivery: Delivery
    roster: TeamsRoster
    roles: Roles
    casework: Casework
    outbox: Outbox
    channels: UnitChannels
    members: UnitMembers
    audit: AuditLog
    resources: ResourcePersons
    cards: CaseCards
    deadlines: Deadlines
    _wake: Callable[[], None] = field(default=lambda: None)

    def wake(self) -> None:
        """New outbox rows: run the delivery job now instead of at its next interval."""
        self._wake()

    def wake_with(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def jobs(self) -> list[Job]:
        return [
            Job(DELIVERY_JOB, self.delivery.run, self.delivery.poll_seconds, batch_size=20),
            Job(REMINDER_JOB, reminder_job(self.casework, self.deadlines), interval_seconds=300),
        ]

    @classmethod
    def build(
        cls,
        *,
        settings: Settings,
        engine: AsyncEngine,
        adapter: CloudAdapter,
        cipher: Cipher,
        catalogue: Catalogue,
        references: ConversationReferences,
        rules: RuleTable,
        clock: Callable[[], datetime],
    ) -> ConsultantSide:
        deadlines = Deadlines(
            remind_after=settings.reminder_working_days,
            escalate_after=settings.escalation_working_days,
        )
        topics = default_topic_map()
        channels, members = UnitChannels(engine), UnitMembers(engine)
        outbox, audit, resources = Outbox(engine), AuditLog(engine), ResourcePersons(engine)
        roster = TeamsRoster(adapter, settings.app_id, ttl=settings.roster_cache_seconds)
        roles = Roles(admins=settings.admin_ids, channels=channels, members=members, roster=roster)
        cards = CaseCards(
            catalogue,
            deadlines=deadlines,
            topics=topics,
            reason_keys={rule.id: rule.reason for rule in rules.rules},
        )
        side: ConsultantSide
        casework = Casework(engine, cipher, on_outbox=lambda: side.wake())
        admin = AdminDialog(
            catalogue,
            roles=roles,
            channels=channels,
            members=members,
            references=references,
            casework=casework,
            outbox=outbox,
            audit=audit,
            resources=resources,
            cards=cards,
            topics=topics,
            clock=clock,
            wake=lambda: side.wake(),
        )
        dialog = ConsultantDialog(
            catalogue,
            roles=roles,
            casework=casework,
            audit=audit,
            resources=resources,
            cards=cards,
            topics=topics,
            admin=admin,
            clock=clock,
        )
        delivery = Delivery(
            adapter=adapter,
            outbox=outbox,
            casework=casework,
            channels=channels,
            references=references,
            resources=resources,
            roles=roles,
            cards=cards,
            catalogue=catalogue,
            settings=DeliverySettings(
                app_id=settings.app_id,
                default_language=settings.default_locale,
                names_visible=settings.units_naming_consultants,
                retry_base=settings.outbox_retry_base_seconds,
                retry_max=settings.outbox_retry_max_seconds,
                remind_after=settings.reminder_working_days,
                escalate_after=settings.escalation_working_days,
            ),
        )
        side = cls(
            dialog=dialog,
            delivery=delivery,
            roster=roster,
            roles=roles,
            casework=casework,
            outbox=outbox,
            channels=channels,
            members=members,
            audit=audit,
            resources=resources,
            cards=cards,
            deadlines=deadlines,
        )
        return side


CONSULTANT_SIDE = web.AppKey("consultant_side", ConsultantSide)
