"""Dialog state per conversation and user, kept in the SQL `Storage` with eTag concurrency."""

from __future__ import annotations

from typing import Any

from botbuilder.core import Storage


class DialogStateStore:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def load(self, key: str) -> tuple[dict[str, Any], str | None]:
        found = (await self._storage.read([key])).get(key)
        if not found:
            return {}, None
        state = dict(found)
        etag = state.pop("e_tag", None)
        return state.get("dialog", {}), etag

    async def save(self, key: str, state: dict[str, Any], etag: str | None) -> None:
        """Raises `ETagConflict` if another turn saved this conversation in between."""
        if not state:
            await self._storage.delete([key])
            return
        await self._storage.write({key: {"dialog": state, "e_tag": etag or "*"}})
