"""Only the configured tenant is served; stored conversation references carry no names."""

from __future__ import annotations

from sqlalchemy import func, select, text

from bench.fake_connector import FakeConnector
from bot.http import ENGINE
from dialogs.i18n import default_catalogue
from tests.bot.conftest import StartBot
from tests.support import activities as a

TEXT = default_catalogue().text


async def test_an_activity_from_another_tenant_is_refused_and_nothing_is_stored(
    start_bot: StartBot, connector: FakeConnector, database_url: str
) -> None:
    bot = await start_bot(allowed_tenant_ids="tenant-kk", database_url=database_url)
    foreign = a.message("ny bekymring", service_url=connector.url)
    foreign["channelData"]["tenant"]["id"] = "tenant-elsewhere"
    foreign["conversation"]["tenantId"] = "tenant-elsewhere"
    await bot.post(foreign)
    [reply] = await connector.wait_for_sent(1)
    assert reply["text"] == TEXT("da", "errors.foreign_tenant")
    async with bot.app[ENGINE].connect() as connection:
        for table in ("conversation_references", "bot_state", "processed_activities"):
            count = await connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            assert count == 0, table


async def test_the_own_tenant_is_served(start_bot: StartBot, connector: FakeConnector) -> None:
    bot = await start_bot(allowed_tenant_ids="tenant-kk")
    await bot.post(a.message("hjælp", service_url=connector.url))
    [reply] = await connector.wait_for_sent(1)
    assert reply["attachments"]


async def test_stored_references_hold_no_name(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    await bot.post(a.message("hjælp", service_url=connector.url, sender=a.user(7, "Mette Hansen")))
    await connector.wait_for_sent(1)
    async with bot.app[ENGINE].connect() as connection:
        stored = (
            await connection.execute(text("SELECT reference, user_id FROM conversation_references"))
        ).one()
        count = await connection.scalar(
            select(func.count()).select_from(text("conversation_references"))
        )
    assert count == 1
    assert "Mette" not in stored.reference and stored.user_id == "29:user-7"
