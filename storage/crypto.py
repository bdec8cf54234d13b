"""Encryption at rest for sensitive fields, and keyed pseudonyms for lookups.

- `encrypt`/`decrypt`: AES-256-GCM (authenticated) from `cryptography`. A token is
  `v1.<key id>.<base64url(nonce | ciphertext+tag)>`; the field's name is bound as associated
  data, so a ciphertext copied into another column does not decrypt.
- Several keys may be configured; the first encrypts, all decrypt. `python -m bot rotate-keys`
  re-encrypts every field with the first key, after which old keys can be removed.
- `pseudonym`: HMAC-SHA256 of an identifier (e.g. the employee's Entra object id) with a
  separate key, so rows can be found by who filed them without storing who that is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

_VERSION = "v1"


class DecryptionError(ValueError):
    """The token is malformed, tampered with, or was made with a key we do not have."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_key() -> str:
    return _b64encode(secrets.token_bytes(32))


def parse_keys(spec: str) -> dict[str, bytes]:
    """`id1:base64key,id2:base64key` → ordered {id: key}; the first is the current key."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        try:
            key = _b64decode(encoded.strip())
        except ValueError as exc:
            raise ValueError(f"encryption key {key_id!r} is not base64") from exc
        if not key_id.isalnum() or len(key) != 32:
            raise ValueError(f"encryption key {key_id!r} must be id:base64 of 32 bytes")
        keys[key_id] = key
    if not keys:
        raise ValueError("no encryption key configured")
    return keys


@dataclass(frozen=True)
class Cipher:
    keys: dict[str, bytes]
    pseudonym_key: bytes

    @property
    def current_key_id(self) -> str:
        return next(iter(self.keys))

    def encrypt(self, plaintext: str | None, *, field: str) -> str | None:
        if plaintext is None:
            return None
        key_id = self.current_key_id
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.keys[key_id]).encrypt(nonce, plaintext.encode("utf-8"), field.encode())
        return f"{_VERSION}.{key_id}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str | None, *, field: str) -> str | None:
        if token is None:
            return None
        try:
            version, key_id, payload = token.split(".", 2)
            raw = _b64decode(payload)
            key = self.keys[key_id]
        except (ValueError, KeyError) as exc:
            raise DecryptionError(f"unreadable token for {field}") from exc
        if version != _VERSION:
            raise DecryptionError(f"unknown token version for {field}")
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], field.encode()).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError(f"token for {field} failed authentication") from exc

    def needs_rotation(self, token: str | None) -> bool:
        return token is not None and token.split(".", 2)[1] != self.current_key_id

    def pseudonym(self, identifier: str) -> str:
        return hmac.new(self.pseudonym_key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def development_cipher(directory: Path) -> Cipher:
    """A local key pair for development, created on first use and kept beside the database."""
    path = directory / "dev-keys.json"
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    else:
        directory.mkdir(parents=True, exist_ok=True)
        stored = {"keys": f"dev1:{generate_key()}", "pseudonym": generate_key()}
        path.write_text(json.dumps(stored), encoding="utf-8")
        os.chmod(path, 0o600)
        log.warning("crypto.development_key_generated", extra={"path": str(path)})
    return Cipher(parse_keys(stored["keys"]), _b64decode(stored["pseudonym"]))


def cipher_from(keys: str, pseudonym_key: str) -> Cipher:
    key = _b64decode(pseudonym_key)
    if len(key) < 32:
        raise ValueError("PSEUDONYM_KEY must be base64 of at least 32 bytes")
    return Cipher(parse_keys(keys), key)
