"""The shipped advisory snapshot: PyPA advisory-database YAML → OSV JSON, and its index.

Layout (security/advisories/):

    index.json                       source, licence, snapshot date, every package looked up
                                     (also those with no advisory) and where each file came from
    <package>/<ADVISORY-ID>.json     one OSV record per file, converted field for field

Refreshing (on a machine that may reach the internet; nothing here touches the network):

    git clone --depth 1 https://github.com/pypa/advisory-database /tmp/advisory-database
    .venv/bin/python -m security.snapshot --from /tmp/advisory-database

The second command recomputes the runtime dependency closure of the installed project
(security/audit.py), converts every `vulns/<package>/*.yaml` of those packages and rewrites
the snapshot and its index with today's date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

ADVISORIES = Path(__file__).resolve().parent / "advisories"
INDEX = "index.json"
SOURCE = "https://github.com/pypa/advisory-database"
LICENCE = "CC-BY-4.0"
PLACEHOLDER_PREFIX = "PYSEC-0000-"


def normalise(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


class _StringLoader(yaml.SafeLoader):
    """Safe YAML loading that keeps timestamps and numbers as the text they were written as.

    OSV fields are strings: `modified: 2023-07-24T14:58:05Z` must stay that exact string and a
    version written `1.10` must not become the float 1.1.
    """


_StringLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag
        not in {
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
        }
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def is_pre_1_0(record: Mapping[str, Any]) -> bool:
    return "affects" in record and "affected" not in record


def migrate_pre_1_0(record: Mapping[str, Any]) -> dict[str, Any]:
    """The pre-1.0 OSV layout (top-level `package`, `affects: {ranges, versions}` with
    `introduced`/`fixed` on each range) in the 1.x layout the database itself moved to:
    `affected: [{package, ranges: [{type, repo, events}], versions}]`, a range without
    `introduced` starting at "0". Nothing else changes."""
    affects = record["affects"]
    ranges = []
    for old in affects.get("ranges", []):
        new: dict[str, Any] = {"type": old["type"]}
        if "repo" in old:
            new["repo"] = old["repo"]
        events: list[dict[str, str]] = [{"introduced": old.get("introduced", "0")}]
        events += [{kind: old[kind]} for kind in ("fixed", "last_affected", "limit") if kind in old]
        new["events"] = events
        ranges.append(new)
    entry: dict[str, Any] = {"package": record["package"], "ranges": ranges}
    if "versions" in affects:
        entry["versions"] = affects["versions"]
    migrated: dict[str, Any] = {}
    for key, value in record.items():
        if key == "package":
            continue
        if key == "affects":
            migrated["affected"] = [entry]
        else:
            migrated[key] = value
    return migrated


def osv_from_yaml(text: str) -> dict[str, Any]:
    """One advisory-database YAML file as its OSV JSON object (same fields, same order; a
    file still in the pre-1.0 layout is migrated, `migrate_pre_1_0`)."""
    record = yaml.load(text, Loader=_StringLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(record, dict) or "id" not in record:
        raise ValueError("not an OSV record: no id")
    return migrate_pre_1_0(record) if is_pre_1_0(record) else record


def dump(record: Mapping[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _cves(record: Mapping[str, Any]) -> set[str]:
    return {record["id"], *record.get("aliases", [])}


def drop_superseded_placeholders(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`PYSEC-0000-…` files are the importer's drafts before a PYSEC id is allocated; when the
    allocated record (sharing an alias) is present, the draft is the same advisory twice."""
    allocated = [r for r in records if not r["id"].startswith(PLACEHOLDER_PREFIX)]
    seen: set[str] = set()
    for record in allocated:
        seen |= _cves(record)
    kept = list(allocated)
    for record in records:
        if record["id"].startswith(PLACEHOLDER_PREFIX) and not (
            set(record.get("aliases", [])) & seen
        ):
            kept.append(record)
    return sorted(kept, key=lambda r: r["id"])


def write_snapshot(
    out: Path,
    packages: Iterable[str],
    found: Mapping[str, list[tuple[dict[str, Any], dict[str, str]]]],
    *,
    snapshot_date: str,
    how: str,
) -> dict[str, Any]:
    """Write `<package>/<id>.json` for every record and `index.json` for all `packages`.

    `found` maps a normalised package name to (record, provenance) pairs; provenance holds the
    source `path` and `commit`.
    """
    out.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {
        "source": SOURCE,
        "licence": LICENCE,
        "snapshot_date": snapshot_date,
        "how": how,
        "newest_modified": "",
        "packages": {},
    }
    for name in sorted({normalise(p) for p in packages}):
        pairs = found.get(name, [])
        records = drop_superseded_placeholders([record for record, _ in pairs])
        kept_ids = {r["id"] for r in records}
        folder = out / name
        if folder.exists():
            shutil.rmtree(folder)
        files = []
        for record, provenance in sorted(pairs, key=lambda pair: pair[0]["id"]):
            if record["id"] not in kept_ids:
                continue
            folder.mkdir(exist_ok=True)
            (folder / f"{record['id']}.json").write_text(dump(record), encoding="utf-8")
            files.append({"id": record["id"], **provenance})
        index["packages"][name] = {"advisories": len(files), "files": files}
    modified = [r.get("modified", "") for pairs in found.values() for r, _ in pairs]
    index["newest_modified"] = max(modified, default="")
    (out / INDEX).write_text(dump(index), encoding="utf-8")
    return index


def load_index(directory: Path = ADVISORIES) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / INDEX).read_text(encoding="utf-8"))
    return loaded


def _clone_commit(clone: Path) -> str:
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, a local repository
            ["git", "-C", str(clone), "rev-parse", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def import_from_clone(clone: Path, packages: Iterable[str], out: Path = ADVISORIES) -> dict:
    """Convert the advisories of `packages` from a local advisory-database checkout."""
    vulns = clone / "vulns"
    if not vulns.is_dir():
        raise SystemExit(f"{clone} has no vulns/ folder: not an advisory-database checkout")
    folders = {normalise(p.name): p for p in vulns.iterdir() if p.is_dir()}
    commit = _clone_commit(clone)
    found: dict[str, list[tuple[dict[str, Any], dict[str, str]]]] = {}
    wanted = sorted({normalise(p) for p in packages})
    for name in wanted:
        folder = folders.get(name)
        for path in sorted(folder.glob("*.yaml")) if folder else []:
            record = osv_from_yaml(path.read_text(encoding="utf-8"))
            provenance = {"path": str(path.relative_to(clone)), "commit": commit}
            found.setdefault(name, []).append((record, provenance))
    return write_snapshot(
        out,
        wanted,
        found,
        snapshot_date=dt.date.today().isoformat(),
        how=f"python -m security.snapshot --from <clone of {SOURCE} at {commit}>",
    )


def main(argv: list[str] | None = None) -> int:
    from security.audit import runtime_requirements

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="clone", type=Path, required=True)
    args = parser.parse_args(argv)
    packages = [name for name, _version in runtime_requirements()]
    index = import_from_clone(args.clone, packages)
    total = sum(p["advisories"] for p in index["packages"].values())
    print(f"{len(index['packages'])} packages, {total} advisories → {ADVISORIES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
