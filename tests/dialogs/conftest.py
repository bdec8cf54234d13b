"""A MainDialog wired to a real referral store on a migrated database and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.i18n import default_catalogue
from dialogs.main_dialog import MainDialog
from dialogs.my_referrals_dialog import MyReferralsDialog
from dialogs.referral.referral_dialog import ReferralDialog
from domain.routing import default_rules
from storage.crypto import cipher_from
from storage.referrals import Referrals
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY
from tests.support.transcript import Clock, Transcript


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def referrals(sqlite_engine: AsyncEngine) -> Referrals:
    return Referrals(sqlite_engine, cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY))


def build_dialog(referrals: Referrals, clock: Clock) -> MainDialog:
    catalogue = default_catalogue()
    return MainDialog(
        catalogue,
        referral=ReferralDialog(catalogue, default_rules(), referrals, clock=clock),
        my_referrals=MyReferralsDialog(catalogue, referrals, clock=clock),
    )


@pytest.fixture
def dialog(referrals: Referrals, clock: Clock) -> MainDialog:
    return build_dialog(referrals, clock)


@pytest.fixture
def transcript(dialog: MainDialog) -> Callable[..., Transcript]:
    return lambda **kwargs: Transcript(dialog, **kwargs)
