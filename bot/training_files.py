"""Downloads the training side offers: an event's calendar file (.ics) and an event's
participant list (.csv), served by the bot's own web app at `GET /files/{token}`.

A Teams bot cannot simply attach a file in a 1:1 chat (that needs a consent flow), so cards
link here with `Action.OpenUrl`. The token is a claim `(kind, event id, user, expiry)` signed
with HMAC-SHA256 under a key derived from the pseudonym key; it cannot be forged or changed.

- Calendar links stay valid until a day after the event ends: a reminder or a change notice is
  often read days later, and the file holds nothing personal (the event, and whether *this*
  user still has a seat: if not, or if the event was cancelled, the file removes the entry).
- Participant lists are personal data: the link works for `CSV_MINUTES` minutes only, and the
  user in the claim must still be an organiser when the file is fetched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from dialogs.i18n import Catalogue
from domain.training.events import local
from domain.training.exports import csv_bytes
from domain.training.ical import CalendarEntry, calendar_file
from domain.training.signups import ACTIVE
from storage.training import Training

log = logging.getLogger(__name__)

CSV_MINUTES = 15
UID_DOMAIN = "vink-ssp-bot"
_KEY_LABEL = b"vink-ssp-bot/file-links/v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str  # "ics" | "csv"
    event_id: int
    user: str
    expires: int  # Unix seconds


class FileLinks:
    """Issues and checks signed links; implements `dialogs.training.ports.Links`."""

    def __init__(self, secret: bytes, base_url: str, clock: Callable[[], datetime]) -> None:
        self._key = hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    @property
    def csv_minutes(self) -> int:
        return CSV_MINUTES

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def token(self, claim: Claim) -> str:
        payload = json.dumps(
            {"k": claim.kind, "e": claim.event_id, "u": claim.user, "x": claim.expires},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{self._sign(payload)}"

    def url(self, claim: Claim) -> str:
        return f"{self._base_url}/files/{self.token(claim)}"

    def calendar(self, event_id: int, person_id: str, *, valid_until: datetime) -> str:
        return self.url(Claim("ics", event_id, person_id, int(valid_until.timestamp())))

    def participants_csv(self, event_id: int, person_id: str) -> str:
        expires = self._clock() + timedelta(minutes=CSV_MINUTES)
        return self.url(Claim("csv", event_id, person_id, int(expires.timestamp())))

    def verify(self, token: str) -> Claim | None:
        """The claim of a genuine, unexpired token; None for anything else."""
        payload_text, _, signature = token.partition(".")
        try:
            payload = _unb64(payload_text)
        except ValueError:
            return None
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(payload)
            claim = Claim(str(data["k"]), int(data["e"]), str(data["u"]), int(data["x"]))
        except (ValueError, KeyError, TypeError):
            return None
        if claim.expires < self._clock().timestamp():
            return None
        return claim


@dataclass
class FileService:
    links: FileLinks
    training: Training
    catalogue: Catalogue
    is_organiser: Callable[[str | None], bool]
    clock: Callable[[], datetime]
    language: str = "da"
    organiser_email: str = ""


FILES = web.AppKey("training_files", FileService)


def _not_found() -> web.Response:
    return web.json_response({"status": 404, "title": "not found"}, status=404)


async def serve_file(request: web.Request) -> web.Response:
    service = request.app[FILES]
    claim = service.links.verify(request.match_info.get("token", ""))
    if claim is None:
        log.info("files.refused")
        return _not_found()
    event = await service.training.get(claim.event_id)
    if event is None:
        return _not_found()
    if claim.kind == "ics":
        status, _ = await service.training.signup_status(event.id, claim.user)
        entry = CalendarEntry(
            event_id=event.id,
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            place=event.place,
            online_url=event.online_url,
            version=event.version,
            organiser=event.organiser,
        )
        body = calendar_file(
            entry,
            cancelled=event.cancelled or status not in ACTIVE,
            uid_domain=UID_DOMAIN,
            now=service.clock(),
            organiser_email=service.organiser_email,
        )
        log.info("files.calendar", extra={"event_id": event.id})
        return _download(body, "text/calendar; charset=utf-8", f"event-{event.id}.ics")
    if claim.kind == "csv" and service.is_organiser(claim.user):
        body = await participants_csv(service, event.id)
        log.info("files.participants", extra={"event_id": event.id})
        return _download(body, "text/csv; charset=utf-8", f"participants-{event.id}.csv")
    return _not_found()


async def participants_csv(service: FileService, event_id: int) -> bytes:
    language = service.language
    t = service.catalogue.text
    lines = await service.training.participants(event_id)
    header = [
        t(language, "training.csv.number"),
        t(language, "training.csv.name"),
        t(language, "training.csv.status"),
        t(language, "training.csv.signed_up"),
        t(language, "training.csv.attended"),
    ]
    rows: list[list[Any]] = []
    for line in lines:
        if line.status == "confirmed":
            status = t(language, "training.status.confirmed")
        else:
            status = t(language, "training.status.waitlisted", position=line.position)
        attended = ""
        if line.attended is not None:
            attended = t(language, "training.csv.yes" if line.attended else "training.csv.no")
        signed_up = local(line.signed_up_at).strftime("%Y-%m-%d %H:%M")
        rows.append([line.position, line.name, status, signed_up, attended])
    return csv_bytes(header, rows)


def _download(body: bytes, content_type: str, filename: str) -> web.Response:
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
