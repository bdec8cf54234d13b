"""Settings: development mode without an app id, refusal of unsafe production configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigurationError, Settings, load_settings
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

PRODUCTION = {
    "MicrosoftAppId": "11111111-2222-3333-4444-555555555555",
    "MicrosoftAppPassword": "a-real-looking-secret-value",
    "MicrosoftAppTenantId": "tenant-kk",
    "DATA_ENCRYPTION_KEYS": TEST_KEYS,
    "PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
}


def test_without_an_app_id_the_bot_is_in_development_mode_on_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    settings = load_settings()
    assert settings.development
    assert settings.bind_host == "127.0.0.1"
    assert settings.port == 3978
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///data/")


def test_environment_names_follow_the_bot_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot@db/bot")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert not settings.development
    assert (PRODUCTION["MicrosoftAppId"], "tenant-kk") == (settings.APP_ID, settings.APP_TENANTID)
    assert (settings.port, settings.log_level) == (8080, "DEBUG")
    assert settings.bind_host == "0.0.0.0"


@pytest.mark.parametrize("password", ["", "changeme", "  SECRET ", "<password>"])
def test_placeholder_secrets_are_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MicrosoftAppPassword", password)
    with pytest.raises(ConfigurationError, match="MicrosoftAppPassword"):
        load_settings()


def test_single_tenant_needs_a_tenant_id() -> None:
    with pytest.raises(ValueError, match="MicrosoftAppTenantId"):
        Settings(
            app_id="x",
            app_password="a-real-looking-secret-value",
            data_encryption_keys=TEST_KEYS,
            pseudonym_key=TEST_PSEUDONYM_KEY,
        )


def test_production_without_encryption_keys_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATA_ENCRYPTION_KEYS")
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_KEYS"):
        load_settings()


def test_the_service_refuses_to_start_with_a_clear_message() -> None:
    env = {"MicrosoftAppId": "x", "MicrosoftAppPassword": "changeme", "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "MicrosoftAppPassword is empty or a placeholder" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_routing_table_stops_the_start_naming_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text(
        "rules:\n  - id: acute\n    when: {acute: true}\n    outcome: acute\n"
        "    reason: routing.reason.acute\n  - id: oops\n    when: {colour: blue}\n"
        "    outcome: route\n",
        encoding="utf-8",
    )
    env = {
        "ROUTING_RULES_PATH": str(broken),
        "DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Routing rules error" in result.stderr and "line 6" in result.stderr
    assert "Traceback" not in result.stderr
