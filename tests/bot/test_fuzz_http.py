"""Property-based fuzzing of the real HTTP app: any JSON body, any activity-shaped payload and
any card value gets a clean answer (never a 500, never a stack trace), and the bot still
works afterwards. Replies go to a sink on loopback; the service URL is always the sink's."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.settings import Settings
from tests.e2e.harness import BotServer

ALLOWED = {200, 201, 400, 401, 413, 415}


@pytest.fixture(scope="module")
def sink() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            payload = b'{"id": "sink-1"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_PUT = do_GET = _answer

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServer]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    server = BotServer(
        Settings(
            database_url=f"sqlite+aiosqlite:///{directory / 'bot.sqlite3'}",
            data_dir=str(directory),
            workers_enabled=False,
            send_max_attempts=1,
            log_level="WARNING",
        )
    )
    server.start()
    yield server
    server.stop()


def post(bot: BotServer, body: bytes, content_type: str = "application/json") -> tuple[int, str]:
    request = urllib.request.Request(
        f"{bot.url}/api/messages",
        data=body,
        method="POST",
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
accounts = st.fixed_dictionaries(
    {"id": st.text(max_size=12)},
    optional={"name": st.text(max_size=10), "aadObjectId": st.text(max_size=10)},
)
activities = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["message", "invoke", "conversationUpdate", "installationUpdate", "event", "typing", ""]
        )
        | st.text(max_size=10)
    },
    optional={
        "id": st.text(max_size=12),
        "text": st.text(max_size=60)
        | st.sampled_from(["ny bekymring", "hjælp", "annuller", "1", "ja"]),
        "value": json_values
        | st.fixed_dictionaries(
            {"step": st.text(max_size=8)},
            optional={
                "answer": json_values,
                "cmd": st.text(max_size=8),
                "training": st.text(max_size=8),
                "event": json_values,
            },
        ),
        "name": st.sampled_from(["adaptiveCard/action", "task/fetch"]) | st.text(max_size=10),
        "locale": st.sampled_from(["da-DK", "en-US"]) | st.text(max_size=6),
        "from": accounts | json_values,
        "recipient": accounts,
        "conversation": st.fixed_dictionaries(
            {"id": st.text(max_size=12)},
            optional={
                "conversationType": st.sampled_from(["personal", "channel", "groupChat"])
                | st.text(max_size=5),
                "tenantId": st.text(max_size=5),
            },
        )
        | json_values,
        "channelData": json_values,
        "membersAdded": st.lists(accounts, max_size=2) | json_values,
        "entities": st.lists(json_values, max_size=2) | json_values,
        "timestamp": st.text(max_size=30),
        "channelId": st.just("msteams") | st.text(max_size=6),
    },
)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(activity=activities)
def test_any_activity_gets_a_clean_answer(
    bot: BotServer, sink: str, activity: dict[str, Any]
) -> None:
    activity["serviceUrl"] = sink  # replies stay on loopback, whatever else is random
    status, text = post(bot, json.dumps(activity).encode())
    assert status in ALLOWED, (status, text)
    assert "Traceback" not in text and 'File "' not in text


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_gets_a_clean_answer(bot: BotServer, body: bytes) -> None:
    status, text = post(bot, body)
    assert status in ALLOWED, (status, text)
    assert "Traceback" not in text


def test_the_bot_still_works_after_the_fuzzing(bot: BotServer, sink: str) -> None:
    activity = {
        "type": "message",
        "id": "after-fuzz",
        "text": "hjælp",
        "serviceUrl": sink,
        "channelId": "msteams",
        "from": {"id": "29:someone", "aadObjectId": "aad-someone"},
        "recipient": {"id": "28:bot"},
        "conversation": {"id": "a:after-fuzz", "conversationType": "personal"},
    }
    status, _ = post(bot, json.dumps(activity).encode())
    assert status == 201
    health = urllib.request.urlopen(f"{bot.url}/healthz", timeout=10)
    assert health.status == 200
