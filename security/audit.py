"""Dependency audit: the real pip-audit against the shipped advisory snapshot, loopback only.

    .venv/bin/python -m security.audit                 # the installed runtime dependencies
    .venv/bin/python -m security.audit -r reqs.txt     # a pinned requirements file instead

What is audited: every distribution `pip install .` (without the dev extra) installs, i.e. the
runtime requirement closure of the installed project walked through `importlib.metadata`
(markers evaluated for this interpreter, extras followed), at the installed versions, minus the
project itself. They are written as `name==version` lines and given to
`pip-audit -r FILE --no-deps --disable-pip`, so pip-audit resolves nothing and asks no index;
its only vulnerability service is `--vulnerability-service osv --osv-url` pointing at
security/osv_server.py on 127.0.0.1 (a free port), serving security/advisories/.

Before that, every audited package must be one the snapshot looked up (security/advisories/
index.json lists them, also those with no advisory): a new dependency the snapshot never
covered fails the audit with a request to refresh the snapshot (security/snapshot.py).

Exit status: pip-audit's (1 on any finding; `--strict` makes an unauditable dependency fatal),
2 on a coverage gap.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from security.osv_server import serving
from security.snapshot import ADVISORIES, load_index, normalise

PROJECT = "vink-ssp-bot"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def runtime_requirements(project: str = PROJECT) -> list[tuple[str, str]]:
    """(normalised name, installed version) of the project's runtime closure, sorted."""
    found: dict[str, str] = {}
    visited: set[tuple[str, frozenset[str]]] = set()
    pending: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    base = default_environment()
    while pending:
        name, extras = pending.pop()
        key = (normalise(name), extras)
        if key in visited:
            continue
        visited.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as missing:
            raise SystemExit(f"{name} is required but not installed") from missing
        found[normalise(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            environments = [{**base, "extra": extra} for extra in sorted(extras) or [""]]
            if requirement.marker and not any(
                requirement.marker.evaluate(environment)  # type: ignore[arg-type]
                for environment in environments
            ):
                continue
            pending.append((requirement.name, frozenset(requirement.extras)))
    found.pop(normalise(project), None)
    return sorted(found.items())


def coverage_gaps(names: Sequence[str], advisories: Path = ADVISORIES) -> list[str]:
    covered = set(load_index(advisories)["packages"])
    return sorted({normalise(name) for name in names} - covered)


def pip_audit_command(requirements: Path, osv_url: str, cache: Path) -> list[str]:
    executable = Path(sys.executable).with_name("pip-audit")
    return [
        str(executable) if executable.exists() else shutil.which("pip-audit") or "pip-audit",
        "--requirement",
        str(requirements),
        "--no-deps",
        "--disable-pip",
        "--vulnerability-service",
        "osv",
        "--osv-url",
        osv_url,
        "--strict",
        "--progress-spinner",
        "off",
        "--cache-dir",
        str(cache),
        "--timeout",
        "15",
        "--desc",
        "off",
        "--aliases",
        "on",
    ]


def loopback_environment() -> dict[str, str]:
    """The child's environment: no proxy may carry a loopback request elsewhere."""
    environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1,localhost"
    return environment


def run_pip_audit(requirements: Path, advisories: Path = ADVISORIES) -> int:
    with tempfile.TemporaryDirectory(prefix="pip-audit-") as scratch, serving(advisories) as url:
        command = pip_audit_command(requirements, url, Path(scratch) / "cache")
        print(f"pip-audit against the snapshot served at {url}", flush=True)
        return subprocess.run(command, env=loopback_environment(), check=False).returncode  # noqa: S603


def audit_installed(advisories: Path = ADVISORIES) -> int:
    pinned = runtime_requirements()
    index = load_index(advisories)
    gaps = coverage_gaps([name for name, _ in pinned], advisories)
    print(
        f"auditing {len(pinned)} runtime distributions against the advisory snapshot of "
        f"{index['snapshot_date']} (newest record modified {index['newest_modified'][:10]}; "
        f"{index['source']}, {index['licence']})",
        flush=True,
    )
    if gaps:
        print(
            "not in the advisory snapshot (refresh it, security/advisories/README.md): "
            + ", ".join(gaps),
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="audit-") as scratch:
        requirements = Path(scratch) / "runtime-requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pinned), encoding="utf-8")
        return run_pip_audit(requirements, advisories)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--requirements", type=Path, help="audit this pinned file instead")
    parser.add_argument("--advisories", type=Path, default=ADVISORIES)
    args = parser.parse_args(argv)
    if args.requirements:
        return run_pip_audit(args.requirements, args.advisories)
    return audit_installed(args.advisories)


if __name__ == "__main__":
    sys.exit(main())
