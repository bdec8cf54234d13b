from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_migrations_create_the_foundation_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"bot_state", "conversation_references", "processed_activities"} <= tables
