"""Fixes for botbuilder 4.17.1 defects a Teams bot hits. The SDK is archived; these stay here,
small and each with a test that fails when the fix is removed (`tests/bot/test_compat.py`).

1. Invoke responses: `CloudAdapter.process` serialises an invoke body that is already a dict a
   second time and answers HTTP 500, which breaks Action.Execute. `invoke_response_body`
   serialises once; `bot.http` uses it instead of `CloudAdapter.process`.
2. `on_adaptive_card_invoke` hands over `value.action` as a plain dict: `card_action` reads the
   verb and data from a dict or an object alike.
3. `TeamsInfo.send_message_to_teams_channel` needs `bot_app_id` with CloudAdapter:
   `send_to_channel` always passes it.
4. Throttled (429) and failing (412/502/503/504) sends are never retried (msrest's retry setting
   is ignored by urllib3 2.x): `RetryPolicy` retries them in the outbound pipeline with
   exponential backoff and full jitter, honouring `Retry-After` plus jitter (so sends throttled
   together do not retry together), bounded by a time budget and a ceiling of attempts. A 429
   also switches on `SendPacer`, an app-wide pace for every outbound call of the process, so
   throttled sends queue in turn instead of losing the race to fresh ones.
5. CPU: msrest's `ClientRetryPolicy.__init__` scans a 999 × 501 list (4-7 ms) and CloudAdapter
   builds two clients a turn. `patch_msrest_retry_policy` computes that list once, and
   `CachingBotFrameworkAuthentication` reuses one connector client per service URL and one user
   token client, each sending through one shared aiohttp session (no thread pool, kept-alive
   connections) instead of `requests`. `TeamsCloudAdapter` sends messages with the same client
   pipeline (auth, retries) but serialises them with `bot.activity_json` instead of msrest's
   generic walk of every card. `patch_turn_context_copy` makes `TurnContext.send_activities`
   copy each outgoing activity shallowly instead of deep-copying it, card and all.
"""

from __future__ import annotations

import asyncio
import copy
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import quote

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ConnectorFactory,
)
from botframework.connector.models import ErrorResponseException
from msrest.pipeline import AsyncPipeline, Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.serialization import Model
from msrest.universal_http.aiohttp import AioHttpClientResponse

from bot.activity_json import to_json
from bot.pacing import TokenBucket

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})


# --- 1. invoke responses ------------------------------------------------------------------


def invoke_response_body(body: Any) -> Any:
    """The JSON body of an invoke response, serialised exactly once."""
    if isinstance(body, Model):
        return body.serialize()
    if isinstance(body, list):
        return [invoke_response_body(item) for item in body]
    return body


# --- 2. Action.Execute value ----------------------------------------------------------------


def card_action(invoke_value: Any) -> tuple[str | None, dict[str, Any]]:
    """(verb, data) of an `adaptiveCard/action` invoke, whatever shape the SDK delivered."""
    if invoke_value is None:
        return None, {}
    action = (
        invoke_value.get("action")
        if isinstance(invoke_value, dict)
        else getattr(invoke_value, "action", None)
    )
    if action is None:
        return None, {}
    if isinstance(action, dict):
        verb, data = action.get("verb"), action.get("data")
    else:
        verb, data = getattr(action, "verb", None), getattr(action, "data", None)
    return (verb if isinstance(verb, str) else None), (data if isinstance(data, dict) else {})


# --- 3. channel posts ------------------------------------------------------------------------


async def send_to_channel(
    turn_context: TurnContext, activity: Activity, channel_id: str, app_id: str
) -> tuple[Any, str]:
    """Start a new thread in a Teams channel; returns (conversation reference, activity id)."""
    return await TeamsInfo.send_message_to_teams_channel(
        turn_context, activity, channel_id, bot_app_id=app_id or "development-bot"
    )


# --- 4. retries ------------------------------------------------------------------------------


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Parse `Retry-After`: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


class SendPacer:
    """The app-wide pace of every outbound call of this process, once Teams has throttled it.

    Teams throttles a bot per tenant (30 requests a second to design for) as well as per
    conversation. While Teams is content nothing waits here. From a 429 on, and until `hold`
    seconds after the last one, every attempt (first sends and retries alike) takes a token
    from one bucket of `rate` a second (burst 1), first come first served: a throttled reply
    then queues behind the sends that were already waiting instead of losing the race to fresh
    ones again and again, and the next 429 is the exception. One per process, shared by every
    connector client; proactive training sends are paced before this as well (`bot.pacing`).
    """

    def __init__(
        self,
        rate: float,
        *,
        hold: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bucket = TokenBucket(rate, 1.0, clock)
        self._hold = hold
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._paced_until = float("-inf")

    @property
    def pacing(self) -> bool:
        return self._clock() < self._paced_until

    async def acquire(self) -> None:
        if not self.pacing:
            return
        async with self._lock:  # asyncio.Lock wakes its waiters in arrival order
            while (wait := self.bucket.wait_time()) > 0:
                await self._sleep(max(wait, 0.001))
            self.bucket.take()

    def throttled(self) -> None:
        if not self.pacing:
            log.warning("send.pacing_on", extra={"rate": self.bucket.rate})
        self._paced_until = self._clock() + self._hold


# Set by a sender that paces its sends itself (the announcement fan-out, bot/pacing.py, at
# the tenant limit): the first attempt has its slot already, and each retry waits for a slot
# of that same pacer, instead of `SendPacer`. Unpaced retries pushed the fan-out over the
# tenant limit into more 429s, and `SendPacer` on top of its own pacer cost a tenth of its
# rate (docs/performance.md, "Sign-up burst and announcement fan-out").
PACED_BY: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("paced_by", default=None)


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """How hard an outbound call is retried (docs/performance.md, fix 11).

    A retryable answer (412/429/502/503/504) or a refused connection is tried again while the
    retry would start within `budget` seconds of the first attempt, and never more than
    `max_attempts` times in all (a hard ceiling). The budget, not a small count, is what bounds
    a throttled send: it keeps a turn's reply inside Teams' 15 s turn timeout however many
    times Teams says "later". `Retry-After` is honoured (up to `max_delay`) and stretched by a
    random share of up to `retry_after_spread` of itself, so sends throttled together do not
    all come back at the same instant and collide again; without it: exponential backoff from
    `base_delay` with full jitter. With a `pacer`, every attempt waits for its turn there, and
    a 429 switches the pacing on.
    """

    max_attempts: int = 10
    base_delay: float = 0.5
    max_delay: float = 30.0
    budget: float = 10.0
    retry_after_spread: float = 0.5
    pacer: SendPacer | None = None


class RetryPolicy(AsyncHTTPPolicy):
    """Retries 412/429/502/503/504 and refused connections; every other answer passes through.
    The clock, the sleep and the jitter (a number in [0, 1)) are injected for tests."""

    def __init__(
        self,
        settings: RetrySettings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The wait before attempt `attempt + 1`."""
        settings = self._settings
        if retry_after is not None:
            spread = 1.0 + settings.retry_after_spread * self._jitter()
            return min(retry_after * spread, settings.max_delay)
        ceiling = min(settings.max_delay, settings.base_delay * 2 ** (attempt - 1))
        return ceiling * self._jitter()

    def _may_retry(self, attempt: int, started: float, wait: float) -> bool:
        """Within the ceiling of attempts, and the retry starts inside the time budget."""
        settings = self._settings
        return attempt < settings.max_attempts and (
            self._clock() - started + wait <= settings.budget
        )

    async def send(self, request: Request, **kwargs: Any) -> Response:
        pacer = self._settings.pacer
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            own_pace = PACED_BY.get()
            if own_pace is not None:
                if attempt > 1:
                    await own_pace()
            elif pacer is not None:
                await pacer.acquire()
            try:
                response = await self.next.send(request, **kwargs)
            except aiohttp.ClientConnectorError:
                # Nothing reached the server, so sending again cannot duplicate a message.
                wait = self.delay(attempt, None)
                if not self._may_retry(attempt, started, wait):
                    raise
                log.warning("send.connect_failed", extra={"attempt": attempt})
                await self._sleep(wait)
                continue
            status = response.http_response.status_code
            if status not in RETRY_STATUSES:
                return response
            if status == 429 and pacer is not None:
                pacer.throttled()
            wait = self.delay(
                attempt, retry_after_seconds(response.http_response.headers.get("Retry-After"))
            )
            if not self._may_retry(attempt, started, wait):
                log.warning(
                    "send.gave_up",
                    extra={
                        "status": status,
                        "attempt": attempt,
                        "elapsed_s": round(self._clock() - started, 3),
                    },
                )
                return response
            log.warning(
                "send.retry", extra={"status": status, "attempt": attempt, "wait_s": round(wait, 3)}
            )
            await self._sleep(wait)


# --- 5. CPU: msrest retry policy, per-turn clients, requests thread pool, serialisation ------


_REPLY_URL = "/v3/conversations/{conversationId}/activities/{activityId}"
_SEND_URL = "/v3/conversations/{conversationId}/activities"


async def post_activity(client: ConnectorClient, activity: Activity) -> ResourceResponse:
    """`conversations.reply_to_activity` / `send_to_conversation`, serialised by to_json."""
    conversation_id = activity.conversation.id
    arguments = {"conversationId": quote(str(conversation_id), safe="")}
    template = _SEND_URL
    if activity.reply_to_id:
        template = _REPLY_URL
        arguments["activityId"] = quote(str(activity.reply_to_id), safe="")
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json; charset=utf-8",
        "x-ms-conversation-id": conversation_id,
    }
    pipeline_client = client._client
    request = pipeline_client.post(
        pipeline_client.format_url(template, **arguments), {}, headers, to_json(activity)
    )
    response = await pipeline_client.async_send(request, stream=False)
    if response.status_code not in (200, 201, 202):
        raise ErrorResponseException(client.conversations._deserialize, response)
    text = response.text()
    answer = json.loads(text) if text else {}
    return ResourceResponse(id=answer.get("id") if isinstance(answer, dict) else None)


class TeamsCloudAdapter(CloudAdapter):
    """CloudAdapter whose message sends skip msrest's serialiser (see post_activity)."""

    async def send_activities(
        self, context: TurnContext, activities: list[Activity]
    ) -> list[ResourceResponse]:
        if not context:
            raise TypeError("Expected TurnContext but got None instead")
        if not activities:
            raise TypeError("Expecting one or more activities, but the list was empty.")
        responses: list[ResourceResponse] = []
        for activity in activities:
            if activity.type != ActivityTypes.message:
                responses.extend(await super().send_activities(context, [activity]))
                continue
            activity.id = None
            client = context.turn_state.get(self.BOT_CONNECTOR_CLIENT_KEY)
            response = await post_activity(client, activity)
            responses.append(response or ResourceResponse(id=""))
        return responses


def patch_turn_context_copy() -> None:
    """`TurnContext.send_activities` deep-copies every outgoing activity, Adaptive Card
    included (~0.06 ms a turn), only to keep the caller's object unchanged by what it then
    does: assign top-level fields (conversation, from, recipient, ids, locale, input hint;
    `TurnContext.apply_conversation_reference`). A shallow copy keeps it unchanged just as
    well, so the module's `deepcopy` becomes `copy.copy`. It is the module's only use."""
    from botbuilder.core import turn_context

    turn_context.deepcopy = copy.copy


_PATCHED_FLAG = "_vink_precomputed"


def patch_msrest_retry_policy() -> None:
    """Compute msrest's urllib3 status list once instead of on every client construction."""
    from msrest.universal_http import requests as msrest_requests

    policy_class = msrest_requests.ClientRetryPolicy
    if getattr(policy_class, _PATCHED_FLAG, False):
        return
    safe = frozenset(policy_class.safe_codes)
    retry_codes = tuple(code for code in range(999) if code not in safe)
    methods = ("HEAD", "TRACE", "GET", "PUT", "OPTIONS", "DELETE", "POST", "PATCH")

    def __init__(self: Any) -> None:
        self.policy = msrest_requests.Retry()
        self.policy.total = 3
        self.policy.connect = 3
        self.policy.read = 3
        self.policy.backoff_factor = 0.8
        self.policy.BACKOFF_MAX = 90
        self.policy.status_forcelist = list(retry_codes)
        self.policy.method_whitelist = list(methods)

    policy_class.__init__ = __init__
    setattr(policy_class, _PATCHED_FLAG, True)


class AiohttpSender(AsyncHTTPSender):
    """msrest sender on a shared aiohttp session: no thread pool, connections kept alive.
    (msrest's own aiohttp sender drops headers and body, so it cannot be used.)"""

    def __init__(self, session: aiohttp.ClientSession, timeout: float = 30.0) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def __aenter__(self) -> AiohttpSender:
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        return None

    def build_context(self) -> Any:
        return None

    async def send(self, request: Request, **config: Any) -> Response:
        http_request = request.http_request
        raw = await self._session.request(
            http_request.method,
            http_request.url,
            headers=http_request.headers,
            data=http_request.data,
            timeout=self._timeout,
        )
        response = AioHttpClientResponse(http_request, raw)
        await response.load_body()
        raw.release()
        return Response(request, response)


class BearerTokenPolicy(AsyncHTTPPolicy):
    """Adds the bot's access token; nothing in development mode (no app id)."""

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    async def send(self, request: Request, **kwargs: Any) -> Response:
        app_id = getattr(self._credentials, "microsoft_app_id", None)
        if app_id and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID:
            # MSAL caches the token; a refresh does network I/O, so keep it off the loop.
            token = await asyncio.to_thread(self._credentials.get_access_token)
            request.http_request.headers["Authorization"] = f"Bearer {token}"
        return await self.next.send(request, **kwargs)


def _pipeline(config: Any, session: aiohttp.ClientSession, retry: RetrySettings) -> AsyncPipeline:
    return AsyncPipeline(
        [
            config.user_agent_policy,
            RetryPolicy(retry),
            BearerTokenPolicy(config.credentials),
            RawDeserializer(),
            config.http_logger_policy,
        ],
        AiohttpSender(session),
    )


class _CachingConnectorFactory(ConnectorFactory):
    def __init__(self, owner: CachingBotFrameworkAuthentication, inner: ConnectorFactory) -> None:
        self._owner = owner
        self._inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self._owner.connector_client(self._inner, service_url, audience)


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):
    """Delegates authentication to the SDK, reuses outbound clients across turns."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        session: aiohttp.ClientSession,
        retry: RetrySettings,
    ) -> None:
        self._inner = inner
        self._session = session
        self._retry = retry
        self._clients: dict[tuple[str, str | None], ConnectorClient] = {}
        self._user_token_clients: dict[str | None, Any] = {}

    async def connector_client(
        self, inner_factory: ConnectorFactory, service_url: str, audience: str | None
    ) -> ConnectorClient:
        key = (service_url, audience)
        client = self._clients.get(key)
        if client is None:
            stock = await inner_factory.create(service_url, audience)
            credentials = stock.config.credentials
            client = ConnectorClient(
                credentials,
                base_url=service_url,
                pipeline_type=lambda config: _pipeline(config, self._session, self._retry),
            )
            self._clients[key] = client
        return client

    def _wrap(self, result: Any) -> Any:
        if result is not None and result.connector_factory is not None:
            result.connector_factory = _CachingConnectorFactory(self, result.connector_factory)
        return result

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        return self._wrap(await self._inner.authenticate_request(activity, auth_header))

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        return self._wrap(
            await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        )

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return _CachingConnectorFactory(self, self._inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        # The user-token client is only used by OAuth prompts, which this bot does not have;
        # one per app id is plenty.
        app_id = None
        if claims_identity is not None:
            app_id = claims_identity.claims.get(AuthenticationConstants.APP_ID_CLAIM)
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)

    def close(self) -> None:
        self._clients.clear()
        self._user_token_clients.clear()
