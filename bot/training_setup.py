"""Composition of the training side, called from `bot.app` (the composition root): the
repositories, the dialog, the signed download links, and the background senders."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.pacing import Pacer
from bot.proactive import Proactive
from bot.settings import Settings
from bot.training_delivery import TrainingSender
from bot.training_files import FileLinks, FileService
from dialogs.i18n import Catalogue
from dialogs.training.ports import TrainingPorts
from dialogs.training.training_dialog import TrainingDialog
from storage.conversations import ConversationReferences
from storage.crypto import Cipher
from storage.training import Training
from storage.training_delivery import TrainingDelivery

log = logging.getLogger(__name__)

TRAINING = web.AppKey("training", Training)
TRAINING_DELIVERY = web.AppKey("training_delivery", TrainingDelivery)
TRAINING_SENDER = web.AppKey("training_sender", TrainingSender)


def organiser_check(settings: Settings) -> Callable[[str | None], bool]:
    """Organisers are the admins (`ADMIN_AAD_OBJECT_IDS`). In development mode with no admins
    listed, everyone is one, so `make run` can show the organiser cards."""
    admins = settings.admin_ids
    everyone = settings.development and not admins
    if everyone:
        log.warning("training.everyone_is_organiser", extra={"reason": "development"})

    def is_organiser(aad_object_id: str | None) -> bool:
        return everyone or (aad_object_id or "").lower() in admins

    return is_organiser


def public_base_url(settings: Settings) -> str:
    return settings.public_base_url or f"http://127.0.0.1:{settings.port}"


@dataclass
class TrainingParts:
    training: Training
    delivery: TrainingDelivery
    links: FileLinks
    dialog: TrainingDialog
    files: FileService
    is_organiser: Callable[[str | None], bool]
    clock: Callable[[], datetime]

    def sender(
        self,
        settings: Settings,
        *,
        references: ConversationReferences,
        proactive: Proactive,
        catalogue: Catalogue,
    ) -> TrainingSender:
        return TrainingSender(
            training=self.training,
            delivery=self.delivery,
            references=references,
            proactive=proactive,
            pacer=Pacer(rate=settings.announce_rate_per_second),
            catalogue=catalogue,
            links=self.links,
            clock=self.clock,
        )


def build_training(
    settings: Settings,
    *,
    engine: AsyncEngine,
    cipher: Cipher,
    catalogue: Catalogue,
    clock: Callable[[], datetime],
    wake: Callable[[], None],
) -> TrainingParts:
    training = Training(engine, cipher)
    delivery = TrainingDelivery(engine)
    # The link key is derived from the pseudonym key: no new secret to configure.
    secret = hashlib.sha256(b"file-links:" + cipher.pseudonym_key).digest()
    links = FileLinks(secret, public_base_url(settings), clock)
    is_organiser = organiser_check(settings)
    ports = TrainingPorts(links=links, is_organiser=is_organiser, wake=wake)
    dialog = TrainingDialog(catalogue, training, delivery, ports, clock=clock)
    files = FileService(
        links=links,
        training=training,
        catalogue=catalogue,
        is_organiser=is_organiser,
        clock=clock,
        language=settings.default_locale,
        organiser_email=settings.calendar_organiser_email,
    )
    return TrainingParts(training, delivery, links, dialog, files, is_organiser, clock)
