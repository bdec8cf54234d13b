"""The employee's rights: "mine data" shows what the bot holds; "slet mine data" erases what no
retention duty keeps (subscription, sign-ups, the name on past sign-ups, a draft) after a
confirmation, and the referrals stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.fake_connector import FakeConnector
from bot.app import REFERRALS
from bot.http import ENGINE
from bot.training_setup import TRAINING
from dialogs.i18n import default_catalogue
from domain.training.events import EventData, EventKind
from storage.referrals import NewReferral
from storage.training import Participant
from tests.bot.conftest import StartBot
from tests.support import activities as a
from tests.support.transcript import Clock

T = default_catalogue().text
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
ME = a.user(5, "Mette Hansen")


def fallback(activity: dict) -> str:
    return str(activity["attachments"][0]["content"]["fallbackText"])


def event(title: str, starts: datetime) -> EventData:
    return EventData(
        kind=EventKind.THEME_DAY,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=20,
        signup_deadline=starts - timedelta(days=1),
    )


async def test_my_data_shows_and_erases_what_may_be_erased(
    start_bot: StartBot, connector: FakeConnector, database_url: str
) -> None:
    clock = Clock(NOW)
    bot = await start_bot(clock=clock, workers_enabled=False, database_url=database_url)
    me = ME["aadObjectId"]
    await bot.app[REFERRALS].file(
        NewReferral(
            mode="named",
            unit="vink",
            rule_id="polarisation",
            tags=(),
            age_band="15_17",
            residence="yes",
            crime_status="none_known",
            signs=("isolation",),
            has_serious_sign=False,
            employee_role="teacher",
            employee_administration="buf",
            employee_id=me,
            description="Eleven isolerer sig.",
            context={},
            respond_by=None,
            employee_name="Mette Hansen",
        ),
        now=NOW,
    )
    training = bot.app[TRAINING]
    past = await training.create_event(
        event("Forrige temadag", NOW - timedelta(days=30)), now=NOW - timedelta(days=60)
    )
    upcoming = await training.create_event(
        event("Næste temadag", NOW + timedelta(days=10)), now=NOW
    )
    who = Participant(id=me, name="Mette Hansen", language="da")
    await training.sign_up(past.id, who, now=NOW - timedelta(days=40))
    await training.sign_up(upcoming.id, who, now=NOW)
    await training.subscribe(me, language="da", now=NOW)

    await bot.post(a.message("mine data", service_url=connector.url, sender=ME))
    shown = fallback((await connector.wait_for_sent(1))[-1])
    for expected in (
        T("da", "my_data.referrals", count=1),
        T("da", "my_data.signups_upcoming", count=1),
        T("da", "my_data.signups_past", count=1),
        T("da", "my_data.subscribed"),
        T("da", "my_data.retention"),
    ):
        assert expected in shown

    await bot.post(a.message("slet mine data", service_url=connector.url, sender=ME))
    assert T("da", "my_data.erase_confirm") in fallback((await connector.wait_for_sent(2))[-1])
    await bot.post(a.message("ja", service_url=connector.url, sender=ME))
    erased = (await connector.wait_for_sent(3))[-1]["text"]
    assert erased == T("da", "my_data.erased", unsubscribed=1, cancelled=1, forgotten=2)

    await bot.post(a.message("mine data", service_url=connector.url, sender=ME))
    after = fallback((await connector.wait_for_sent(4))[-1])
    assert T("da", "my_data.referrals", count=1) in after  # under a retention duty
    assert T("da", "my_data.signups_upcoming", count=0) in after
    assert T("da", "my_data.signups_past", count=0) in after
    assert T("da", "my_data.not_subscribed") in after
    async with bot.app[ENGINE].connect() as connection:
        names = await connection.scalar(
            text(
                "SELECT count(*) FROM training_signups WHERE participant_name_enc IS NOT NULL "
                "AND status != 'cancelled'"
            )
        )
    assert names == 0


async def test_saying_no_erases_nothing(
    start_bot: StartBot, connector: FakeConnector, database_url: str
) -> None:
    bot = await start_bot(workers_enabled=False, database_url=database_url)
    await bot.post(a.message("slet mine data", service_url=connector.url, sender=ME))
    await bot.post(a.message("nej", service_url=connector.url, sender=ME))
    assert (await connector.wait_for_sent(2))[-1]["text"] == T("da", "my_data.kept")
