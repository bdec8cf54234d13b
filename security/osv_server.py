"""A small OSV query server on loopback, answering from the shipped advisory snapshot.

    POST /v1/query  {"package": {"name": "aiohttp", "ecosystem": "PyPI"}, "version": "3.8.4"}
                 →  {"vulns": [<OSV record>, ...]}   or {} when nothing matches (as osv.dev)

That is the one endpoint pip-audit 2.10.1 calls (`pip_audit/_service/osv.py`: one POST per
dependency to `--osv-url`, body as above; it reads `vulns[*].id/aliases/summary/details/
affected[*].ranges/published/withdrawn`). A record matches when one of its `affected` entries
names the package (PyPI, PEP 503-normalised names) and the version is in its explicit
`versions` list or inside one of its ECOSYSTEM ranges (`introduced`/`fixed`/`last_affected`/
`limit` events, compared with `packaging.version`). Withdrawn records are not returned.

    python -m security.osv_server [--port 0] [--advisories DIR]

binds 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT/v1/query`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from security.snapshot import ADVISORIES, INDEX, normalise

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
MAX_BODY = 64 * 1024


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def in_range(version: Version, events: Iterable[Mapping[str, str]]) -> bool:
    """OSV ECOSYSTEM range evaluation: walk the events in version order; `introduced` opens
    the range, `fixed` and `limit` close it at that version, `last_affected` right after it."""
    ordered: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, text in event.items():
            if kind == "introduced" and text == "0":
                ordered.append((Version("0"), 0, kind))
                continue
            parsed = _version(text)
            if parsed is None:
                log.warning("unparsable %s version %r in an advisory", kind, text)
                continue
            ordered.append((parsed, 0 if kind == "introduced" else 1, kind))
    affected = False
    for at, _order, kind in sorted(ordered):
        if kind == "introduced":
            if version >= at:
                affected = True
        elif kind in {"fixed", "limit"}:
            if version >= at:
                affected = False
        elif kind == "last_affected" and version > at:
            affected = False
    return affected


def affects(entry: Mapping[str, Any], name: str, version: str) -> bool:
    """Does one `affected` entry of a record cover `name` (normalised) at `version`?"""
    package = entry.get("package", {})
    if package.get("ecosystem") != "PyPI" or normalise(package.get("name", "")) != name:
        return False
    parsed = _version(version)
    for listed in entry.get("versions", []):
        if listed == version or (parsed is not None and _version(listed) == parsed):
            return True
    if parsed is None:
        return False
    return any(
        in_range(parsed, r.get("events", []))
        for r in entry.get("ranges", [])
        if r.get("type") == "ECOSYSTEM"
    )


class Snapshot:
    """The advisories of a snapshot folder, by normalised package name."""

    def __init__(self, directory: Path = ADVISORIES) -> None:
        self.by_package: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(directory.glob("*/*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            names = {
                normalise(entry["package"]["name"])
                for entry in record.get("affected", [])
                if entry.get("package", {}).get("ecosystem") == "PyPI"
            }
            for name in names:
                self.by_package.setdefault(name, []).append(record)
        self.count = len(list(directory.glob("*/*.json")))
        self.has_index = (directory / INDEX).is_file()

    def query(self, name: str, version: str) -> list[dict[str, Any]]:
        wanted = normalise(name)
        return [
            record
            for record in self.by_package.get(wanted, [])
            if "withdrawn" not in record
            and any(affects(entry, wanted, version) for entry in record.get("affected", []))
        ]


def answer(snapshot: Snapshot, body: Any) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON answer of one /v1/query body."""
    if not isinstance(body, dict):
        return 400, {"code": 3, "message": "body must be a JSON object"}
    package = body.get("package")
    version = body.get("version")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return 400, {"code": 3, "message": "package.name is required"}
    if not isinstance(version, str) or not version:
        return 400, {"code": 3, "message": "version is required (commit queries unsupported)"}
    if package.get("ecosystem", "PyPI") != "PyPI":
        return 200, {}
    vulns = snapshot.query(package["name"], version)
    return 200, ({"vulns": vulns} if vulns else {})


def make_server(snapshot: Snapshot, port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "snapshot-osv/1"

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path.split("?")[0] != "/v1/query":
                self._send(404, {"code": 5, "message": f"no endpoint {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"code": 3, "message": "body too large"})
                return
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._send(400, {"code": 3, "message": "body is not JSON"})
                return
            self._send(*answer(snapshot, body))

        def do_GET(self) -> None:
            self._send(404, {"code": 5, "message": "POST /v1/query"})

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    return ThreadingHTTPServer((LOOPBACK, port), Handler)


@contextmanager
def serving(directory: Path = ADVISORIES) -> Iterator[str]:
    """Run the server in a thread on a free loopback port; yields the /v1/query URL."""
    server = make_server(Snapshot(directory))
    thread = threading.Thread(target=server.serve_forever, name="osv-snapshot", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="OSV /v1/query on 127.0.0.1 from a snapshot")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--advisories", type=Path, default=ADVISORIES)
    args = parser.parse_args(argv)
    snapshot = Snapshot(args.advisories)
    server = make_server(snapshot, args.port)
    print(
        f"listening on http://{LOOPBACK}:{server.server_address[1]}/v1/query "
        f"({snapshot.count} advisories)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
