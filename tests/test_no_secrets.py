"""No secrets in the repository: private keys, cloud connection strings, tokens, env files or
development key files are never committed. (The test keys in tests/support/db.py are marked
test-only and are the one allowed exception.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "storage account key": re.compile(r"AccountKey=[A-Za-z0-9+/=]{20,}"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "Slack token": re.compile(r"xox[abprs]-[0-9A-Za-z-]{10,}"),
    "app password in a file": re.compile(
        r"MicrosoftAppPassword\s*[=:]\s*['\"]?[A-Za-z0-9~._-]{16,}"
    ),
}
FORBIDDEN_FILES = re.compile(r"(^|/)(\.env(\..*)?|dev-keys\.json|.*\.pem|.*\.pfx)$")


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [line for line in listed.splitlines() if line]


def test_no_secret_looking_content_is_committed() -> None:
    found = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".zip"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found.extend(
            f"{name}: {what}" for what, pattern in PATTERNS.items() if pattern.search(text)
        )
    assert found == []


def test_no_secret_files_are_committed() -> None:
    assert [name for name in tracked_files() if FORBIDDEN_FILES.search(name)] == []


def test_the_scanner_recognises_a_key() -> None:
    sample = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIE..."  # split: this file is scanned too
    assert PATTERNS["private key"].search(sample)
