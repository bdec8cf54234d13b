"""The dialog state store writes a conversation's state back only when the turn changed it,
encoding it once (bot/state.py), and never trusts a read document's stored text for a write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.state import DialogStateStore
from storage.bot_state import SqlStorage

KEY = "dialog/msteams/conversation/user"


class CountingStorage(SqlStorage):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.writes: list[dict[str, Any]] = []
        self.deletes = 0

    async def write(self, changes: Any) -> None:
        self.writes.append({key: dict(value) for key, value in changes.items()})
        await super().write(changes)

    async def delete(self, keys: Any) -> None:
        self.deletes += 1
        await super().delete(keys)


async def test_an_unchanged_state_is_not_written_and_a_changed_one_is_written_once(
    engine: AsyncEngine,
) -> None:
    storage = CountingStorage(engine)
    store = DialogStateStore(storage)

    nothing = await store.load(KEY)
    assert nothing.state == {} and nothing.etag is None
    assert await store.save_if_changed(KEY, nothing) is False  # an empty turn stores nothing

    first = await store.load(KEY)
    first.state["referral"] = {"step": "worry", "answers": {"ø": "æble"}}
    assert await store.save_if_changed(KEY, first) is True
    assert len(storage.writes) == 1

    same = await store.load(KEY)
    assert same.state == {"referral": {"step": "worry", "answers": {"ø": "æble"}}}
    assert await store.save_if_changed(KEY, same) is False  # read, looked at, not changed
    assert len(storage.writes) == 1

    changed = await store.load(KEY)
    changed.state["referral"]["answers"]["ø"] = "pære"  # a change deep inside
    assert await store.save_if_changed(KEY, changed) is True
    assert (await store.load(KEY)).state["referral"]["answers"] == {"ø": "pære"}

    finished = await store.load(KEY)
    finished.state.clear()  # the dialog ended: the document goes
    assert await store.save_if_changed(KEY, finished) is True
    assert storage.deletes == 1
    assert (await storage.read([KEY])) == {}


async def test_a_read_document_changed_and_written_back_keeps_the_change(
    engine: AsyncEngine,
) -> None:
    """Reads carry the stored JSON text (for change detection); a write must encode what the
    document holds now, not what it held when read."""
    storage = SqlStorage(engine)
    await storage.write({"doc": {"count": 1}})
    document = (await storage.read(["doc"]))["doc"]
    document["count"] = 2
    await storage.write({"doc": document})
    assert (await storage.read(["doc"]))["doc"]["count"] == 2
