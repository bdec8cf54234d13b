"""A small typed client for the Agents Playground's undocumented HTTP + WebSocket API.

Pinned to @microsoft/m365agentsplayground 0.2.28; every shape here was checked against the
bundled code (`dist/index.js`) and a running instance (docs/local-teams-client.md lists them).

The playground plays Teams: it turns these calls into activities for the bot (message,
Action.Submit message, `adaptiveCard/action` invoke, installationUpdate + conversationUpdate)
and serves the mock connector (`http://localhost:<port>/_connector`) the bot answers through.
Every message the bot posts is pushed on the WebSocket `/_ws_conversation/v1/conversations/stream`
(`createMessage` / `updateMessage`) to every connected client; with no client connected the
playground buffers and flushes them to the next one. Connect (`stream()`) before acting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CONVERSATION_STREAM = "/_ws_conversation/v1/conversations/stream"
LOG_STREAM = "/_ws/log/stream"


class PlaygroundError(AssertionError):
    """The playground answered an API call with an error status."""


def _card_texts(node: Any) -> list[str]:
    """Every TextBlock text and FactSet title/value of a card, in document order."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            found.append(node["text"])
        if node.get("type") == "FactSet":
            for fact in node.get("facts", []):
                found.extend(str(fact.get(key, "")) for key in ("title", "value"))
        for key, child in node.items():
            if key not in ("actions", "facts"):
                found.extend(_card_texts(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(_card_texts(child))
    return found


def card_title(card: dict[str, Any]) -> str | None:
    """The text of a card's first TextBlock (all our cards open with their title)."""
    texts = _card_texts(card.get("body", []))
    return texts[0] if texts else None


@dataclass(frozen=True, slots=True)
class BotMessage:
    """One bot message as the playground pushes it on the conversation stream."""

    action: str  # "createMessage" | "updateMessage"
    conversation_id: str  # actionConversationId: the chat, or the channel for a new thread
    message_id: str
    text: str | None
    attachments: tuple[dict[str, Any], ...]
    post_conversation_id: str | None  # set when the message starts a new channel thread
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> BotMessage:
        message = event.get("message", {})
        return cls(
            action=event.get("action", ""),
            conversation_id=event.get("actionConversationId", ""),
            message_id=str(message.get("messageId", "")),
            text=message.get("text"),
            attachments=tuple(message.get("attachments") or ()),
            post_conversation_id=message.get("postConversationId"),
            raw=event,
        )

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.attachments if a.get("contentType") == ADAPTIVE_CARD]

    @property
    def card(self) -> dict[str, Any]:
        cards = self.cards
        assert len(cards) == 1, f"expected exactly one Adaptive Card, got {len(cards)}: {self}"
        return cards[0]

    @property
    def card_title(self) -> str | None:
        cards = self.cards
        return card_title(cards[0]) if cards else None

    def card_texts(self) -> list[str]:
        return [text for card in self.cards for text in _card_texts(card.get("body", []))]

    def summary(self) -> str:
        what = f"card {self.card_title!r}" if self.cards else f"text {self.text!r}"
        return f"{self.action} in {self.conversation_id} #{self.message_id}: {what}"


Predicate = Callable[[BotMessage], bool]


def has_card_title(title: str) -> Predicate:
    return lambda message: message.card_title == title


def has_text(text: str) -> Predicate:
    return lambda message: message.text == text


def in_conversation(conversation_id: str) -> Predicate:
    return lambda message: message.conversation_id == conversation_id


class ConversationStream:
    """Collects the bot messages pushed while connected; `next()` awaits the next match.

    Matching messages are consumed in arrival order; messages that do not match stay available
    for a later `next()`. Every message seen is kept in `seen` for failure reports.
    """

    def __init__(self, websocket: ClientConnection) -> None:
        self._websocket = websocket
        self._pending: list[BotMessage] = []
        self._arrived = asyncio.Event()
        self.seen: list[BotMessage] = []
        self._reader = asyncio.create_task(self._read(), name="playground-stream")

    async def _read(self) -> None:
        with contextlib.suppress(Exception):  # the connection closing ends the stream
            async for raw in self._websocket:
                event = json.loads(raw)
                if event.get("action") not in ("createMessage", "updateMessage"):
                    continue  # e.g. typing indicators
                message = BotMessage.from_event(event)
                self.seen.append(message)
                self._pending.append(message)
                self._arrived.set()

    async def next(self, predicate: Predicate | None = None, *, within: float = 10.0) -> BotMessage:
        """The next unconsumed message matching `predicate` (any, if None), waiting up to
        `within` seconds; fails the test with what did arrive."""
        deadline = time.monotonic() + within
        while True:
            for index, message in enumerate(self._pending):
                if predicate is None or predicate(message):
                    del self._pending[index]
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._reader.done():
                seen = "\n  ".join(m.summary() for m in self.seen) or "(nothing)"
                raise AssertionError(
                    f"no matching bot message within {within} s; received so far:\n  {seen}"
                )
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def silence(self, seconds: float) -> list[BotMessage]:
        """Wait `seconds` and return whatever arrived unconsumed (a test asserts it is empty)."""
        await asyncio.sleep(seconds)
        unconsumed, self._pending = self._pending, []
        return unconsumed

    async def close(self) -> None:
        await self._websocket.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class PlaygroundClient:
    """The HTTP API the playground's own web UI uses, plus the conversation stream."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session

    @property
    def connector_url(self) -> str:
        """The service URL the playground puts into every activity (its mock connector)."""
        port = self.base_url.rsplit(":", 1)[1]
        return f"http://localhost:{port}/_connector"

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._session.request(method, self.base_url + path, **kwargs) as response:
            body = await response.text()
            if response.status >= 400:
                raise PlaygroundError(f"{method} {path} -> {response.status}: {body[:500]}")
            if "json" in response.headers.get("Content-Type", ""):
                return json.loads(body)
            return body

    # --- health and configuration ---------------------------------------------------------

    async def ping(self) -> str:
        """`GET /_debug/ping` answers "pong"."""
        return str(await self._request("GET", "/_debug/ping"))

    async def config(self) -> dict[str, Any]:
        """`GET /_internal/v1/config`: the mock tenant (`config`) and `internalConfig`.
        Waits (up to 15 s) until the bot's endpoint accepts connections."""
        result: dict[str, Any] = await self._request("GET", "/_internal/v1/config")
        return result

    # --- what a user does ------------------------------------------------------------------

    async def install(self, conversation_id: str) -> None:
        """Install the app into a chat or channel, as the UI does when a conversation opens:
        the bot gets an `installationUpdate` (action add) and a `conversationUpdate` with the
        bot in `membersAdded` (personal chat: the user and the bot)."""
        await self._request(
            "POST", f"/_debug/conversation/{quote(conversation_id, safe='')}/installation", json={}
        )

    async def send_text(
        self,
        conversation_id: str,
        text: str,
        *,
        from_id: str,
        mentions: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A user types a message. Answers `{"messageId", "timestamp"}` and, in a channel
        (where the message starts a thread), `"postConversationId"`. The bot receives it in a
        personal chat always, elsewhere only when `mentions` names the bot
        (`[{"mentioned": {"id": bot_id}, "text": "<at>Bot name</at>"}]`)."""
        body: dict[str, Any] = {"from": {"id": from_id}, "text": text, "textFormat": "plain"}
        if mentions:
            body["mentions"] = mentions
        result: dict[str, Any] = await self._request(
            "POST",
            f"/_conversation/v1/conversations/{quote(conversation_id, safe='')}/messages",
            json=body,
        )
        return result

    async def submit(
        self, conversation_id: str, reply_to_id: str, value: dict[str, Any], *, from_id: str
    ) -> None:
        """A user clicks an `Action.Submit` button of message `reply_to_id`: the bot receives a
        message activity with `value` (the button's data) and no text."""
        await self._request(
            "POST",
            "/_conversation/v1/submit",
            json={
                "conversation": {"id": conversation_id},
                "from": {"id": from_id},
                "replyToId": reply_to_id,
                "value": value,
            },
        )

    async def execute(
        self,
        conversation_id: str,
        reply_to_id: str,
        verb: str,
        data: dict[str, Any] | None = None,
        *,
        from_id: str,
        title: str = "",
    ) -> dict[str, Any]:
        """A user clicks an `Action.Execute` button: an `adaptiveCard/action` invoke. Answers
        the bot's invoke response as `{"type", "value"}`; with type
        `application/vnd.microsoft.card.adaptive` the UI replaces the clicked card with
        `value` (nothing is pushed on the conversation stream)."""
        result: dict[str, Any] = await self._request(
            "POST",
            "/_conversation/v1/invoke",
            json={
                "name": "adaptiveCard/action",
                "value": {
                    "action": {
                        "type": "Action.Execute",
                        "title": title,
                        "verb": verb,
                        "data": data or {},
                    }
                },
                "from": {"id": from_id},
                "conversation": {"id": conversation_id},
                "replyToId": reply_to_id,
            },
        )
        return result

    # --- custom activities -------------------------------------------------------------------

    async def activity_template(
        self, conversation_id: str, activity_type: str | None = None
    ) -> dict[str, Any]:
        """`GET /_internal/v1/customActivities/template`: a ready activity for the conversation.
        Types: install, uninstall, botAdded, userAdded, botRemoved, userRemoved,
        channelCreated/Renamed/Deleted, teamRenamed/Deleted, sendEmail, mentionInWord; none
        gives a base activity (id, serviceUrl, from, recipient, conversation) to fill in."""
        params = {"conversationId": conversation_id}
        if activity_type:
            params["type"] = activity_type
        result: dict[str, Any] = await self._request(
            "GET", "/_internal/v1/customActivities/template", params=params
        )
        return result

    async def send_activity(self, activity: dict[str, Any]) -> None:
        """`POST /_internal/v1/customActivities`: posts any activity to the bot unchanged."""
        await self._request("POST", "/_internal/v1/customActivities", json=activity)

    # --- the conversation stream ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def stream(self) -> AsyncIterator[ConversationStream]:
        ws_url = "ws" + self.base_url.removeprefix("http") + CONVERSATION_STREAM
        websocket = await connect(ws_url, max_size=None)
        stream = ConversationStream(websocket)
        try:
            yield stream
        finally:
            await stream.close()
