"""The referral dialog through the real app: state in SQL survives a restart, abandoned drafts
are deleted by the housekeeping job."""

from __future__ import annotations

from bench.fake_connector import FakeConnector
from bot.app import WORKERS
from dialogs.i18n import default_catalogue
from tests.bot.conftest import StartBot
from tests.support import activities as a
from tests.support.transcript import Clock

TEXT = default_catalogue().text


def fallback(activity: dict) -> str:
    return str(activity["attachments"][0]["content"]["fallbackText"])


async def test_a_half_finished_referral_survives_a_restart(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    first = await start_bot()
    await first.post(a.message("ny bekymring", service_url=connector.url))
    await first.post(a.message("nej", service_url=connector.url))
    await connector.wait_for_sent(2)
    await first.stop()

    second = await start_bot()
    await second.post(a.message("2", service_url=connector.url))
    sent = await connector.wait_for_sent(3)
    assert TEXT("da", "referral.step.role.role.prompt") in fallback(sent[-1])


async def test_drafts_untouched_for_30_days_are_deleted(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    clock = Clock()
    bot = await start_bot(clock=clock, workers_enabled=False)
    await bot.post(a.message("ny bekymring", service_url=connector.url))
    await connector.wait_for_sent(1)
    workers = bot.app[WORKERS]
    clock.advance(days=29)
    assert await workers.run_once("delete_abandoned_drafts") == 0
    clock.advance(days=2)
    assert await workers.run_once("delete_abandoned_drafts") == 1
    await bot.post(a.message("nej", service_url=connector.url))
    sent = await connector.wait_for_sent(3)
    assert sent[1]["text"] == TEXT("da", "unknown.text")  # the draft is gone


async def test_the_retention_jobs_run_on_the_bots_clock(start_bot: StartBot) -> None:
    clock = Clock()
    bot = await start_bot(clock=clock, workers_enabled=False)
    workers = bot.app[WORKERS]
    names = {job.name for job in workers.jobs}
    assert {"delete_abandoned_drafts", "reduce_closed_referrals", "delete_old_audit"} <= names
    assert await workers.run_once("reduce_closed_referrals") == 0
    assert await workers.run_once("delete_old_audit") == 0


async def test_a_turn_reads_its_state_with_the_activity_claim_and_not_again(
    start_bot: StartBot, connector: FakeConnector, monkeypatch
) -> None:
    """storage/turn_start.py: one round trip on PostgreSQL for the claim and the state read;
    the dialog must use that read instead of reading again."""
    from bot.state import DialogStateStore

    reads = 0
    real_load = DialogStateStore.load

    async def counting_load(self, key):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return await real_load(self, key)

    monkeypatch.setattr(DialogStateStore, "load", counting_load)
    bot = await start_bot()
    await bot.post(a.message("ny bekymring", service_url=connector.url))
    await bot.post(a.message("nej", service_url=connector.url))
    await connector.wait_for_sent(2)
    await bot.post(a.message("2", service_url=connector.url))
    sent = await connector.wait_for_sent(3)
    assert TEXT("da", "referral.step.role.role.prompt") in fallback(sent[-1])  # state carried
    assert reads == 0
