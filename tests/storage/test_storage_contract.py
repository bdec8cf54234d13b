"""One contract for the botbuilder `Storage` interface, run against botbuilder's `MemoryStorage`
and our `SqlStorage` on SQLite and on PostgreSQL (the `storage` fixture, tests/storage/conftest.py).

The first group ports botbuilder-testing 4.17.1 `StorageBaseTests` case by case (same names,
same data, same assertions; rewritten as plain tests instead of helpers that return True). The
second group pins the optimistic concurrency our bot relies on, which the Python original leaves
out (its items carry `e_tag: "*"`, so a stale write can never be detected there).

`MemoryStorage.read` hands out the very objects it stores. The extra cases therefore deep-copy
what they read, so a test's edits reach the store only through `write`, as with a real database.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botbuilder.core import ConversationState, MemoryStorage, MessageFactory, Storage, TurnContext
from botbuilder.core import StoreItem as BotStoreItem
from botbuilder.core.adapters import TestAdapter as BotTestAdapter
from botbuilder.dialogs import (
    Dialog,
    DialogSet,
    DialogTurnResult,
    PromptOptions,
    PromptValidatorContext,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
)

# --- helpers -------------------------------------------------------------------------------


async def read_one(storage: Storage, key: str) -> Any:
    """The stored item, detached from the store (see the module docstring)."""
    found = await storage.read([key])
    assert key in found, f"{key!r} was not stored"
    return copy.deepcopy(found[key])


async def write_twice_with_wildcard(storage: Storage, key: str, item: Any) -> None:
    """Store `item` so that reading it back yields a real eTag on every backend.

    MemoryStorage keeps the `"*"` of a first write as the item's eTag and only assigns its own
    from the second write on (botbuilder's "C# behaviour")."""
    await storage.write({key: copy.deepcopy(item)})
    await storage.write({key: copy.deepcopy(item)})


def without_etag(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name != "e_tag"}


# --- botbuilder-testing 4.17.1 StorageBaseTests, ported -------------------------------------


async def test_return_empty_object_when_reading_unknown_key(storage: Storage) -> None:
    result = await storage.read(["unknown"])

    assert result == {}


async def test_handle_null_keys_when_reading(storage: Storage) -> None:
    # The original accepts either behaviour: MemoryStorage (and Cosmos) answer nothing, every
    # other storage refuses with this exact message.
    if isinstance(storage, MemoryStorage):
        assert await storage.read(None) == {}
    else:
        with pytest.raises(Exception, match=r"^Keys are required when reading$"):
            await storage.read(None)


async def test_handle_null_keys_when_writing(storage: Storage) -> None:
    with pytest.raises(Exception, match=r"^Changes are required when writing$"):
        await storage.write(None)


async def test_does_not_raise_when_writing_no_items(storage: Storage) -> None:
    await storage.write([])
    await storage.write({})

    assert await storage.read(["unknown"]) == {}


async def test_create_object(storage: Storage) -> None:
    store_items = {
        "createPoco": {"id": 1},
        "createPocoStoreItem": {"id": 2, "e_tag": "*"},
    }

    await storage.write(store_items)
    read_back = await storage.read(list(store_items))

    assert read_back["createPoco"]["id"] == 1
    assert read_back["createPocoStoreItem"]["id"] == 2
    assert read_back["createPocoStoreItem"]["e_tag"] is not None


async def test_handle_crazy_keys(storage: Storage) -> None:
    key = '!@#$%^&*()_+??><":QASD~`'

    await storage.write({key: {"id": 1}})
    read_back = await storage.read([key])

    assert read_back[key] is not None
    assert read_back[key]["id"] == 1


async def test_update_object(storage: Storage) -> None:
    # Like the original, this mutates what `read` returned and writes it back.
    await storage.write(
        {
            "pocoItem": {"id": 1, "count": 1},
            "pocoStoreItem": {"id": 1, "count": 1, "e_tag": "*"},
        }
    )
    loaded = await storage.read(["pocoItem", "pocoStoreItem"])
    poco_item = loaded["pocoItem"]
    poco_item["e_tag"] = None  # a plain object: written without concurrency control
    poco_store_item = loaded["pocoStoreItem"]
    assert poco_store_item["e_tag"] is not None

    # The 2nd write works for both.
    poco_item["count"] += 1
    poco_store_item["count"] += 1
    await storage.write(loaded)

    reloaded = await storage.read(["pocoItem", "pocoStoreItem"])
    assert reloaded["pocoItem"]["count"] == 2
    assert reloaded["pocoStoreItem"]["count"] == 2

    # Writing the plain object again (no eTag) still works. The store item is changed locally
    # but not written: the other SDKs expect that write to fail, the Python original cannot
    # (its eTag is "*"); test_writing_a_stale_copy_raises_and_keeps_the_stored_value covers it.
    poco_item["count"] = 123
    await storage.write({"pocoItem": poco_item})
    poco_store_item["count"] = 123

    reloaded = await storage.read(["pocoItem", "pocoStoreItem"])
    poco_item_2 = reloaded["pocoItem"]
    poco_item_2["e_tag"] = None
    poco_store_item_2 = reloaded["pocoStoreItem"]
    assert poco_item_2["count"] == 123
    assert poco_store_item_2["count"] == 2

    # A wildcard eTag overwrites unconditionally.
    poco_item_2["count"] = 100
    poco_store_item_2["count"] = 100
    poco_store_item_2["e_tag"] = "*"
    await storage.write({"pocoItem": poco_item_2, "pocoStoreItem": poco_store_item_2})

    reloaded = await storage.read(["pocoItem", "pocoStoreItem"])
    assert reloaded["pocoItem"]["count"] == 100
    assert reloaded["pocoStoreItem"]["count"] == 100

    # An empty eTag is refused.
    item_with_empty_etag = (await storage.read(["pocoStoreItem"]))["pocoStoreItem"]
    assert item_with_empty_etag is not None
    item_with_empty_etag["e_tag"] = ""
    with pytest.raises(Exception):  # noqa: B017 - MemoryStorage raises a bare Exception
        await storage.write({"pocoStoreItem": item_with_empty_etag})

    final = await storage.read(["pocoItem", "pocoStoreItem"])
    assert final["pocoItem"]["count"] == 100
    assert final["pocoStoreItem"]["count"] == 100


async def test_delete_object(storage: Storage) -> None:
    await storage.write({"delete1": {"id": 1, "count": 1, "e_tag": "*"}})

    read_back = await storage.read(["delete1"])
    assert read_back["delete1"]["e_tag"]
    assert read_back["delete1"]["count"] == 1

    await storage.delete(["delete1"])

    assert await storage.read(["delete1"]) == {}


async def test_delete_unknown_object(storage: Storage) -> None:
    await storage.write({"kept": {"id": 1}})

    await storage.delete(["unknown_key"])

    assert (await storage.read(["kept"]))["kept"]["id"] == 1


async def test_perform_batch_operations(storage: Storage) -> None:
    await storage.write(
        {
            "batch1": {"count": 10},
            "batch2": {"count": 20},
            "batch3": {"count": 30},
        }
    )

    result = await storage.read(["batch1", "batch2", "batch3"])
    assert result["batch1"]["count"] == 10
    assert result["batch2"]["count"] == 20
    assert result["batch3"]["count"] == 30

    await storage.delete(["batch1", "batch2", "batch3"])

    assert await storage.read(["batch1", "batch2", "batch3"]) == {}


async def test_proceeds_through_waterfall(storage: Storage) -> None:
    """Dialog state (jsonpickled `DialogState` objects on SQL) survives every turn."""
    conversation_state = ConversationState(storage)
    dialogs = DialogSet(conversation_state.create_property("dialogState"))

    async def bot_turn(turn_context: TurnContext) -> None:
        dialog_context = await dialogs.create_context(turn_context)
        await dialog_context.continue_dialog()
        if not turn_context.responded:
            await dialog_context.begin_dialog(WaterfallDialog.__name__)
        await conversation_state.save_changes(turn_context)

    async def prompt_validator(prompt_context: PromptValidatorContext) -> bool:
        attempts = prompt_context.options.number_of_attempts
        if len(prompt_context.recognized.value) > 3:
            await prompt_context.context.send_activity(
                MessageFactory.text(f"You got it at the {attempts}rd try!")
            )
            return True
        await prompt_context.context.send_activity(
            MessageFactory.text(f"Please send a name that is longer than 3 characters. {attempts}")
        )
        return False

    async def step_1(step_context: WaterfallStepContext) -> DialogTurnResult:
        assert isinstance(step_context.active_dialog.state["stepIndex"], int)
        await step_context.context.send_activity("step1")
        return Dialog.end_of_turn

    async def step_2(step_context: WaterfallStepContext) -> DialogTurnResult:
        assert isinstance(step_context.active_dialog.state["stepIndex"], int)
        return await step_context.prompt(
            TextPrompt.__name__,
            PromptOptions(prompt=MessageFactory.text("Please type your name")),
        )

    async def step_3(step_context: WaterfallStepContext) -> DialogTurnResult:
        assert isinstance(step_context.active_dialog.state["stepIndex"], int)
        await step_context.context.send_activity("step3")
        return Dialog.end_of_turn

    dialogs.add(WaterfallDialog(WaterfallDialog.__name__, [step_1, step_2, step_3]))
    dialogs.add(TextPrompt(TextPrompt.__name__, prompt_validator))
    adapter = BotTestAdapter(bot_turn)

    flow = await adapter.send("hello")
    flow = await flow.assert_reply("step1")
    flow = await flow.send("hello")
    flow = await flow.assert_reply("Please type your name")
    flow = await flow.send("hi")
    flow = await flow.assert_reply("Please send a name that is longer than 3 characters. 0")
    flow = await flow.send("hi")
    flow = await flow.assert_reply("Please send a name that is longer than 3 characters. 1")
    flow = await flow.send("hi")
    flow = await flow.assert_reply("Please send a name that is longer than 3 characters. 2")
    flow = await flow.send("Kyle")
    flow = await flow.assert_reply("You got it at the 3rd try!")
    await flow.assert_reply("step3")


# --- optimistic concurrency and round trips: every backend ---------------------------------


async def test_a_stored_item_is_read_back_with_an_etag(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})

    document = await read_one(storage, "doc")

    assert document["value"] == 1
    assert isinstance(document["e_tag"], str)
    assert document["e_tag"] not in ("", "*")


async def test_writing_the_copy_just_read_succeeds_and_changes_the_etag(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})
    current = await read_one(storage, "doc")

    current["value"] = 2
    await storage.write({"doc": current})

    stored = await read_one(storage, "doc")
    assert stored["value"] == 2
    assert stored["e_tag"] not in ("", "*", current["e_tag"])


async def test_writing_a_stale_copy_raises_and_keeps_the_stored_value(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})
    first_reader = await read_one(storage, "doc")
    second_reader = copy.deepcopy(first_reader)

    first_reader["value"] = 2
    await storage.write({"doc": first_reader})
    second_reader["value"] = 3

    with pytest.raises(KeyError):
        await storage.write({"doc": second_reader})

    assert without_etag(await read_one(storage, "doc")) == {"value": 2}


async def test_writing_the_same_copy_twice_raises_the_second_time(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})
    copy_read = await read_one(storage, "doc")
    copy_read["value"] = 2
    await storage.write({"doc": copy.deepcopy(copy_read)})

    copy_read["value"] = 3
    with pytest.raises(KeyError):
        await storage.write({"doc": copy_read})

    assert without_etag(await read_one(storage, "doc")) == {"value": 2}


async def test_an_empty_etag_is_refused_and_nothing_is_written(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})
    document = await read_one(storage, "doc")
    document["value"] = 2
    document["e_tag"] = ""

    with pytest.raises(Exception):  # noqa: B017 - MemoryStorage raises a bare Exception
        await storage.write({"doc": document})

    assert without_etag(await read_one(storage, "doc")) == {"value": 1}


async def test_a_wildcard_etag_overwrites_a_newer_document(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})
    stale = await read_one(storage, "doc")
    current = copy.deepcopy(stale)
    current["value"] = 2
    await storage.write({"doc": current})

    stale["value"] = 3
    stale["e_tag"] = "*"
    await storage.write({"doc": stale})

    assert without_etag(await read_one(storage, "doc")) == {"value": 3}


async def test_an_etag_write_to_a_deleted_key_stores_the_item(storage: Storage) -> None:
    await write_twice_with_wildcard(storage, "doc", {"value": 1, "e_tag": "*"})
    document = await read_one(storage, "doc")
    await storage.delete(["doc"])

    document["value"] = 2
    await storage.write({"doc": document})

    assert without_etag(await read_one(storage, "doc")) == {"value": 2}


async def test_unicode_and_nested_json_round_trips(storage: Storage) -> None:
    key = "samtale/Ærø-Øst 🙂/bruger"
    document = {
        "navn": "Søren Ærø Åkjær",
        "emoji": "🙂👍🏽",
        "quote": 'han sagde "hej"\n\tog gik\\',
        "nested": {
            "list": [1, -2, 2.5, True, False, None, "ü", {"deep": {"deeper": ["x"]}}],
            "empty_dict": {},
            "empty_list": [],
            "big": 2**53 + 1,
        },
    }

    await storage.write({key: {**copy.deepcopy(document), "e_tag": "*"}})
    stored = await read_one(storage, key)

    assert without_etag(stored) == document
    assert type(stored["nested"]["list"][3]) is bool
    assert type(stored["nested"]["list"][2]) is float


async def test_a_store_item_round_trips_with_its_attributes_and_an_etag(
    storage: Storage,
) -> None:
    item = BotStoreItem(name="Søren", count=2, tags=["vink", "ssp"], e_tag="*")
    await write_twice_with_wildcard(storage, "item", item)

    stored = await read_one(storage, "item")

    assert isinstance(stored, BotStoreItem)
    assert (stored.name, stored.count, stored.tags) == ("Søren", 2, ["vink", "ssp"])
    assert isinstance(stored.e_tag, str)
    assert stored.e_tag not in ("", "*")

    # Its eTag guards it like a dict's.
    stale = copy.deepcopy(stored)
    stored.count = 3
    await storage.write({"item": stored})
    stale.count = 4
    with pytest.raises(KeyError):
        await storage.write({"item": stale})
    assert (await read_one(storage, "item")).count == 3
