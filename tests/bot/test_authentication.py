"""Production mode validates Bot Framework tokens with botbuilder's own validation, here against
keys generated locally and served on loopback: a valid token runs the turn; a missing, expired,
wrongly signed or wrong-audience token gets 401 and runs nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import text

from bench.fake_connector import FakeConnector
from bot.http import ENGINE
from tests.bot.conftest import RunningBot, StartBot
from tests.support import activities as a
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def openid_url() -> Iterator[str]:
    """OpenID metadata and JWKS on loopback, in a thread: the SDK fetches them with blocking
    `requests`, which must not wait for the event loop the bot runs on."""
    jwk = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
    jwk.update({"kid": "local-key", "use": "sig", "endorsements": ["msteams"]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            if self.path.endswith("openidconfiguration"):
                body: Any = {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{port}/keys"}
            else:
                body = {"keys": [jwk]}
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/openidconfiguration"
    server.shutdown()
    server.server_close()


def token(
    *, key: Any = SIGNING_KEY, audience: str = APP_ID, expires_in: int = 600, service_url: str = ""
) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "iat": now - 10,
        "nbf": now - 10,
        "exp": now + expires_in,
        "serviceurl": service_url,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "local-key"})


@pytest.fixture
async def production_bot(start_bot: StartBot, openid_url: str, database_url: str) -> RunningBot:
    return await start_bot(
        database_url=database_url,
        app_id=APP_ID,
        app_password="a-real-looking-secret-value",
        app_tenant_id="tenant-kk",
        data_encryption_keys=TEST_KEYS,
        pseudonym_key=TEST_PSEUDONYM_KEY,
        bot_openid_metadata_url=openid_url,
        workers_enabled=False,
    )


def silent_activity(connector: FakeConnector) -> dict[str, Any]:
    """A conversationUpdate that adds nobody: the turn stores the conversation reference and
    sends nothing (an outbound reply would need a real Entra token)."""
    activity = a.bot_added(service_url=connector.url)
    activity["membersAdded"] = []
    return activity


async def references_stored(bot: RunningBot) -> int:
    async with bot.app[ENGINE].connect() as connection:
        return int(await connection.scalar(text("SELECT count(*) FROM conversation_references")))


async def test_a_valid_token_runs_the_turn(
    production_bot: RunningBot, connector: FakeConnector
) -> None:
    activity = silent_activity(connector)
    response = await production_bot.post(
        activity, Authorization=f"Bearer {token(service_url=connector.url)}"
    )
    assert response.status == 201
    assert await references_stored(production_bot) == 1


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda url: None, id="missing"),
        pytest.param(
            lambda url: f"Bearer {token(expires_in=-3600, service_url=url)}", id="expired"
        ),
        pytest.param(
            lambda url: f"Bearer {token(key=OTHER_KEY, service_url=url)}", id="wrongly-signed"
        ),
        pytest.param(
            lambda url: f"Bearer {token(audience='someone-else', service_url=url)}",
            id="wrong-audience",
        ),
        pytest.param(lambda url: "Bearer not-a-jwt", id="garbage"),
    ],
)
async def test_a_bad_token_gets_401_and_runs_no_turn(
    production_bot: RunningBot, connector: FakeConnector, header: Any
) -> None:
    value = header(connector.url)
    headers = {"Authorization": value} if value else {}
    response = await production_bot.post(silent_activity(connector), **headers)
    assert response.status == 401
    assert await references_stored(production_bot) == 0
    assert connector.calls == []
