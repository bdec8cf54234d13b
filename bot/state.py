"""Dialog state per conversation and user, kept in the SQL `Storage` with eTag concurrency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botbuilder.core import Storage

from storage.bot_state import EncodedDocument, JsonDocument, encode_json


@dataclass
class Loaded:
    """A conversation's dialog state as loaded, and how to tell whether a turn changed it."""

    state: dict[str, Any]
    etag: str | None
    # The stored JSON text of {"dialog": state} (SqlStorage), else our own encoding of it.
    text: str


class DialogStateStore:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def load(self, key: str) -> Loaded:
        return self.loaded((await self._storage.read([key])).get(key))

    @staticmethod
    def loaded(found: Any | None) -> Loaded:
        """The stored document of a conversation (None: nothing stored) as a turn loads it."""
        if not found:
            return Loaded({}, None, encode_json({"dialog": {}}))
        state = found.get("dialog", {})
        text = found.text if isinstance(found, JsonDocument) else None
        return Loaded(state, found.get("e_tag"), text or encode_json({"dialog": state}))

    async def save_if_changed(self, key: str, loaded: Loaded) -> bool:
        """Writes the state back unless the turn left it as it was (one JSON encoding: the
        text compared is the text written). Raises `ETagConflict` if another turn saved this
        conversation in between."""
        text = encode_json({"dialog": loaded.state})
        if text == loaded.text:
            return False
        if not loaded.state:
            await self._storage.delete([key])
            return True
        document = EncodedDocument({"dialog": loaded.state}, text)
        document["e_tag"] = loaded.etag or "*"
        await self._storage.write({key: document})
        return True
