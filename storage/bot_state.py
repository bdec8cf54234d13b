"""The botbuilder `Storage` contract on SQL, with eTag optimistic concurrency.

Documents are stored as JSON when they are plain data (the common case: our own dialog state)
and with jsonpickle otherwise (botbuilder objects such as `DialogState`), as botbuilder's own
blob storage does. Semantics follow `MemoryStorage`, proven by one shared contract suite:
- a document without an eTag, or with `*`, is written unconditionally;
- a document with an eTag is written only if the stored one still has that eTag, else
  `ETagConflict` (a `KeyError`, as MemoryStorage raises) and nothing of the batch is written;
- an empty eTag is refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import jsonpickle
from botbuilder.core import Storage
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import Cipher, DecryptionError
from storage.driver_sql import DriverStatement, driver_connection, uses_driver_sql
from storage.models import Base, BotStateRow

_TABLE = Base.metadata.tables[BotStateRow.__tablename__]


class ETagConflict(KeyError):
    """Another writer changed the document since it was read."""


class JsonDocument(dict[str, Any]):
    """A plain-JSON document as read, with the JSON text it was stored as (`text`).

    A caller can tell whether a document changed by encoding it once and comparing texts
    (bot/state.py). `write` never trusts `text`: the document may have been changed since.
    """

    __slots__ = ("text",)

    def __init__(self, value: Mapping[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text


class EncodedDocument(dict[str, Any]):
    """A document to write whose JSON text (without the eTag) the caller has already
    encoded with `encode_json`: `write` stores `text` instead of encoding it again."""

    __slots__ = ("text",)

    def __init__(self, value: Mapping[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text


def encode_json(plain: Mapping[str, Any]) -> str:
    """The JSON text a plain document (without its eTag) is stored as."""
    return json.dumps(plain, separators=(",", ":"), ensure_ascii=False)


def _etag_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("e_tag")
    return getattr(value, "e_tag", None)


def _encode(value: Any) -> tuple[str, str]:
    if isinstance(value, EncodedDocument):
        return "json", value.text
    if isinstance(value, Mapping):
        plain = {k: v for k, v in value.items() if k != "e_tag"}
        try:
            return "json", encode_json(plain)
        except (TypeError, ValueError):
            pass
    return "jsonpickle", jsonpickle.encode(value, unpicklable=True, make_refs=False)


def _decode(codec: str, document: str, etag: str) -> Any:
    if codec == "json":
        value: Any = json.loads(document)
        if isinstance(value, dict):
            value = JsonDocument(value, document)
    else:
        value = jsonpickle.decode(document)  # noqa: S301 - only documents we wrote ourselves
    if isinstance(value, dict):
        value["e_tag"] = etag
    else:
        value.e_tag = etag
    return value


_SEALED = "+aes"
_FIELD = "bot_state.document"


class SqlStorage(Storage):
    """With a `cipher`, documents are sealed with AES-GCM: dialog drafts hold case content."""

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: Cipher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._cipher = cipher
        self._clock = clock
        # Statements built once, values bound per call: building a Core statement (and its
        # cache key) each call costs more than executing it.
        columns = (_TABLE.c.key, _TABLE.c.codec, _TABLE.c.document, _TABLE.c.etag)
        self._read_one = select(*columns).where(_TABLE.c.key == bindparam("k"))
        self._read_many = select(*columns).where(
            _TABLE.c.key.in_(bindparam("keys", expanding=True))
        )
        values: dict[str, Any] = {
            "codec": bindparam("codec"),
            "document": bindparam("document"),
            "etag": bindparam("etag"),
            "updated_at": bindparam("updated_at"),
        }
        self._update_if = (
            update(_TABLE)
            .where(_TABLE.c.key == bindparam("k"), _TABLE.c.etag == bindparam("expected"))
            .values(**values)
        )
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        self._upsert_one = (
            dialect_insert(_TABLE)
            .values(key=bindparam("k"), **values)
            .on_conflict_do_update(
                index_elements=[_TABLE.c.key],
                set_={name: getattr(dialect_insert(_TABLE).excluded, name) for name in values},
            )
        )
        self._insert_one = (
            dialect_insert(_TABLE)
            .values(key=bindparam("k"), **values)
            .on_conflict_do_nothing(index_elements=[_TABLE.c.key])
        )
        # A one-document read or write runs on the driver's own connection
        # (storage/driver_sql.py); batches keep SQLAlchemy's transaction.
        self._statements = {
            "upsert": self._upsert_one,
            "update_if": self._update_if,
            "insert": self._insert_one,
        }
        self._driver = uses_driver_sql(engine)
        if self._driver:
            self._driver_read = DriverStatement.of(engine, self._read_one)
            self._driver_statements = {
                name: DriverStatement.of(engine, statement)
                for name, statement in self._statements.items()
            }

    def _seal(self, codec: str, document: str) -> tuple[str, str]:
        if self._cipher is None:
            return codec, document
        return codec + _SEALED, str(self._cipher.encrypt(document, field=_FIELD))

    def open_row(self, codec: str, document: str, etag: str) -> Any:
        """A stored row as the document `read` returns (decrypted and decoded)."""
        if codec.endswith(_SEALED):
            if self._cipher is None:
                raise DecryptionError("an encrypted document needs the cipher")
            document = str(self._cipher.decrypt(document, field=_FIELD))
            codec = codec.removesuffix(_SEALED)
        return _decode(codec, document, etag)

    async def read(self, keys: Iterable[str]) -> dict[str, Any]:
        if keys is None:
            raise TypeError("Keys are required when reading")
        wanted = list(keys)
        if not wanted:
            return {}
        if self._driver and len(wanted) == 1:
            async with driver_connection(self._engine) as driver:
                row = await driver.fetchrow(self._driver_read, {"k": wanted[0]})
            if row is None:
                return {}
            key, codec, document, etag = row
            return {key: self.open_row(codec, document, etag)}
        async with self._engine.connect() as connection:
            if self._dialect == "postgresql":  # one statement: no BEGIN/ROLLBACK round trips
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            if len(wanted) == 1:
                result = await connection.execute(self._read_one, {"k": wanted[0]})
            else:
                result = await connection.execute(self._read_many, {"keys": wanted})
            rows = result.all()
        return {row.key: self.open_row(row.codec, row.document, row.etag) for row in rows}

    async def write(self, changes: Mapping[str, Any]) -> None:
        if changes is None:
            raise TypeError("Changes are required when writing")
        if not changes:
            return
        now = self._clock()
        if self._driver and len(changes) == 1:
            # One document needs no transaction: each statement is atomic on its own, and the
            # outcome is that of some serial order (the eTag check is inside the UPDATE).
            [(key, value)] = changes.items()
            async with driver_connection(self._engine) as driver:

                async def on_driver(name: str, values: dict[str, Any]) -> int:
                    return int(await driver.execute(self._driver_statements[name], values))

                await self._store(on_driver, key, value, now)
            return
        async with self._engine.begin() as connection:

            async def in_transaction(name: str, values: dict[str, Any]) -> int:
                return int((await connection.execute(self._statements[name], values)).rowcount)

            for key, value in changes.items():
                await self._store(in_transaction, key, value, now)

    async def _store(
        self,
        execute: Callable[[str, dict[str, Any]], Awaitable[int]],
        key: str,
        value: Any,
        now: datetime,
    ) -> None:
        """Write one document with `execute(statement name, values) -> rows affected`."""
        expected = _etag_of(value)
        if expected == "":
            raise ValueError(f"write refused for {key!r}: empty eTag")
        codec, document = self._seal(*_encode(value))
        fields = {
            "k": key,
            "codec": codec,
            "document": document,
            "etag": uuid.uuid4().hex,
            "updated_at": now,
        }
        if expected is None or expected == "*":
            await execute("upsert", fields)
            return
        if await execute("update_if", {**fields, "expected": expected}) == 1:
            return
        # Not stored (e.g. deleted since it was read): create it, unless another writer has it
        # by now. A plain INSERT would raise IntegrityError in that race.
        if await execute("insert", fields) != 1:
            raise ETagConflict(f"eTag conflict on {key!r}")

    async def delete(self, keys: Iterable[str]) -> None:
        if keys is None:
            raise TypeError("keys are required when deleting")
        doomed = list(keys)
        if not doomed:
            return
        async with self._engine.begin() as connection:
            await connection.execute(delete(_TABLE).where(_TABLE.c.key.in_(doomed)))


async def delete_stale(engine: AsyncEngine, *, prefix: str, older_than: datetime) -> int:
    """Delete documents under `prefix` untouched since `older_than` (abandoned drafts)."""
    async with engine.begin() as connection:
        result = await connection.execute(
            delete(_TABLE).where(
                _TABLE.c.key.startswith(prefix, autoescape=True),
                _TABLE.c.updated_at < older_than.astimezone(UTC),
            )
        )
    return int(result.rowcount or 0)
