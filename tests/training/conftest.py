"""Training fixtures: the repositories on a migrated database (both backends where the
`engine` fixture is used), a controllable clock starting at the fixed "today", and the main
dialog wired with the training dialog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.i18n import default_catalogue
from dialogs.main_dialog import MainDialog
from dialogs.my_referrals_dialog import MyReferralsDialog
from dialogs.referral.referral_dialog import ReferralDialog
from dialogs.training.ports import TrainingPorts
from dialogs.training.training_dialog import TrainingDialog
from domain.routing import default_rules
from storage.crypto import cipher_from
from storage.referrals import Referrals
from storage.training import Training
from storage.training_delivery import TrainingDelivery
from tests.bot.conftest import connector, start_bot  # noqa: F401  (the app over HTTP)
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY
from tests.support.transcript import Clock, Transcript
from tests.training.catalogue import NOW

CIPHER = cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY)
ORGANISER = "aad-organiser"


class FakeLinks:
    csv_minutes = 15

    def calendar(self, event_id: int, person_id: str, *, valid_until: datetime) -> str:
        return f"https://files.test/ics/{event_id}/{person_id}"

    def participants_csv(self, event_id: int, person_id: str) -> str:
        return f"https://files.test/csv/{event_id}/{person_id}"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def training(engine: AsyncEngine) -> Training:
    """On SQLite and on PostgreSQL."""
    return Training(engine, CIPHER)


@pytest.fixture
def delivery(engine: AsyncEngine) -> TrainingDelivery:
    return TrainingDelivery(engine)


@pytest.fixture
def sqlite_training(sqlite_engine: AsyncEngine) -> Training:
    return Training(sqlite_engine, CIPHER)


@pytest.fixture
def woken() -> list[int]:
    return []


@pytest.fixture
def dialog(sqlite_engine: AsyncEngine, clock: Clock, woken: list[int]) -> MainDialog:
    catalogue = default_catalogue()
    referrals = Referrals(sqlite_engine, CIPHER)
    ports = TrainingPorts(
        links=FakeLinks(),
        is_organiser=lambda aad: aad == ORGANISER,
        wake=lambda: woken.append(1),
    )
    training_dialog = TrainingDialog(
        catalogue,
        Training(sqlite_engine, CIPHER),
        TrainingDelivery(sqlite_engine),
        ports,
        clock=clock,
    )
    return MainDialog(
        catalogue,
        referral=ReferralDialog(catalogue, default_rules(), referrals, clock=clock),
        my_referrals=MyReferralsDialog(catalogue, referrals, clock=clock),
        training=training_dialog,
    )


@pytest.fixture
def transcript(dialog: MainDialog) -> Callable[..., Transcript]:
    return lambda **kwargs: Transcript(dialog, **kwargs)
