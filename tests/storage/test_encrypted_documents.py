"""Dialog drafts hold case content: with a cipher, SqlStorage keeps none of it readable."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.bot_state import SqlStorage
from storage.crypto import cipher_from
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

MARKER = "Zebrafinke-7731 truede med kniv"


async def test_encrypted_documents_do_not_show_their_content(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine, cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY))
    await storage.write({"dialog/x": {"answers": {"description": MARKER}}})
    async with engine.connect() as connection:
        raw = (await connection.execute(text("SELECT codec, document FROM bot_state"))).one()
    assert raw.codec == "json+aes"
    assert "Zebrafinke" not in raw.document
    assert (await storage.read(["dialog/x"]))["dialog/x"]["answers"]["description"] == MARKER


async def test_without_the_key_an_encrypted_document_cannot_be_read(engine: AsyncEngine) -> None:
    sealed = SqlStorage(engine, cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY))
    await sealed.write({"dialog/x": {"a": 1}})
    try:
        await SqlStorage(engine).read(["dialog/x"])
    except ValueError as problem:
        assert "cipher" in str(problem)
    else:
        raise AssertionError("read an encrypted document without the cipher")
