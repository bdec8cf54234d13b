"""The dependency audit (issue 6): the shipped OSV snapshot, the loopback OSV server that serves
it, and the real pip-audit run against them (scripts/audit.sh, security/).

Everything here talks to 127.0.0.1 only: the server binds loopback, pip-audit is pointed at it
with `--osv-url` and runs with `--no-deps --disable-pip` (no index, no resolver)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from security.audit import coverage_gaps, runtime_requirements
from security.osv_server import Snapshot, affects, answer, in_range, serving
from security.snapshot import (
    ADVISORIES,
    drop_superseded_placeholders,
    import_from_clone,
    load_index,
    normalise,
    osv_from_yaml,
)

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / "scripts" / "audit.sh"


def post(url: str, body: Any) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ids(url: str, name: str, version: str) -> set[str]:
    status, payload = post(
        url, {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
    )
    assert status == 200
    return {vuln["id"] for vuln in payload.get("vulns", [])}


@pytest.fixture(scope="module")
def osv_url() -> Any:
    with serving() as url:
        assert url.startswith("http://127.0.0.1:")
        yield url


# --- version matching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.5", True),
        ("1.6.2", False),  # fixed
        ("1.6.9", False),
        ("1.7", True),  # re-introduced
        ("1.7.4", False),
        ("1.8.1", True),
        ("1.8.2", False),
        ("2.0", False),
    ],
)
def test_ranges_with_several_introduced_fixed_pairs_in_any_order(
    version: str, expected: bool
) -> None:
    # PYSEC-2021-47 (pydantic) lists its events unsorted, as OSV allows.
    events = [
        {"introduced": "1.8"},
        {"fixed": "1.8.2"},
        {"introduced": "1.7"},
        {"fixed": "1.7.4"},
        {"introduced": "0"},
        {"fixed": "1.6.2"},
    ]
    assert in_range(Version(version), events) is expected


def test_last_affected_is_inclusive_and_limit_exclusive() -> None:
    last = [{"introduced": "0"}, {"last_affected": "3.8.4"}]
    assert in_range(Version("3.8.4"), last)
    assert not in_range(Version("3.8.5"), last)
    limited = [{"introduced": "2.0"}, {"limit": "2.5"}]
    assert in_range(Version("2.4.9"), limited)
    assert not in_range(Version("2.5"), limited)
    assert not in_range(Version("1.9"), limited)


def test_explicit_versions_match_even_outside_any_range_and_names_are_normalised() -> None:
    entry = {
        "package": {"name": "Foo_Bar.baz", "ecosystem": "PyPI"},
        "versions": ["1.0.0", "2015.04.28"],
    }
    assert affects(entry, "foo-bar-baz", "1.0.0")
    assert affects(entry, "foo-bar-baz", "2015.4.28")  # same release, PEP 440-normalised
    assert not affects(entry, "foo-bar-baz", "1.0.1")
    assert not affects(entry, "other", "1.0.0")
    assert not affects(
        {**entry, "package": {"name": "foo-bar-baz", "ecosystem": "npm"}}, "foo-bar-baz", "1.0.0"
    )


# --- the server ---------------------------------------------------------------------------------


def test_a_known_vulnerable_aiohttp_is_reported_with_its_pysec_ids(osv_url: str) -> None:
    found = ids(osv_url, "aiohttp", "3.8.4")
    # last_affected 3.8.4 (request smuggling in the bundled llhttp), fixed in 3.8.6 and 3.9.0
    assert {"PYSEC-2023-120", "PYSEC-2023-246", "PYSEC-2023-250", "PYSEC-2023-251"} <= found
    assert "PYSEC-2021-76" not in found  # fixed in 3.7.4


def test_a_fixed_version_is_not_reported(osv_url: str) -> None:
    assert ids(osv_url, "aiohttp", "3.9.2") == set()
    assert ids(osv_url, "aiohttp", "3.9.1") == {"PYSEC-2024-24", "PYSEC-2024-26"}


def test_the_query_name_is_pep503_normalised(osv_url: str) -> None:
    assert "PYSEC-2022-202" in ids(osv_url, "PyJWT", "2.3.0")
    assert "PYSEC-2022-202" in ids(osv_url, "PYJWT", "2.3.0")
    assert ids(osv_url, "AIOHTTP", "3.8.4") == ids(osv_url, "aiohttp", "3.8.4")


def test_withdrawn_advisories_are_not_answered(osv_url: str) -> None:
    # PYSEC-2022-43059 (aiohttp, CVE-2022-33124) was withdrawn; its range has no fix at all.
    assert "PYSEC-2022-43059" not in ids(osv_url, "aiohttp", "3.8.1")


def test_an_unknown_package_or_version_answers_an_empty_object(osv_url: str) -> None:
    status, payload = post(
        osv_url, {"package": {"name": "no-such-package", "ecosystem": "PyPI"}, "version": "1"}
    )
    assert (status, payload) == (200, {})


def test_malformed_queries_and_other_endpoints_are_refused(osv_url: str) -> None:
    assert post(osv_url, {"package": {"name": "aiohttp"}})[0] == 400
    assert post(osv_url, ["not", "an", "object"])[0] == 400
    assert post(osv_url.replace("/v1/query", "/v1/querybatch"), {"queries": []})[0] == 404
    assert answer(Snapshot(), {"package": {"name": "x", "ecosystem": "npm"}, "version": "1"}) == (
        200,
        {},
    )


# --- the snapshot --------------------------------------------------------------------------------


def test_the_snapshot_is_well_formed_and_its_index_matches_the_files() -> None:
    index = load_index()
    assert index["source"] == "https://github.com/pypa/advisory-database"
    assert index["licence"] == "CC-BY-4.0"
    assert (ADVISORIES / "README.md").is_file()
    files = sorted(ADVISORIES.glob("*/*.json"))
    assert sum(p["advisories"] for p in index["packages"].values()) == len(files)
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["id"] == path.stem
        assert path.parent.name in index["packages"]
        entries = [e for e in record["affected"] if e["package"]["ecosystem"] == "PyPI"]
        assert {normalise(e["package"]["name"]) for e in entries} == {path.parent.name}
        for entry in entries:
            ranges = [r for r in entry.get("ranges", []) if r["type"] == "ECOSYSTEM"]
            assert ranges or entry.get("versions"), path.name
            for listed in entry.get("versions", []):  # the list agrees with the ranges
                assert any(in_range(Version(listed), r["events"]) for r in ranges), (
                    path.name,
                    listed,
                )


def test_every_runtime_dependency_is_covered_by_the_snapshot() -> None:
    names = [name for name, _ in runtime_requirements()]
    assert "vink-ssp-bot" not in names
    assert {"aiohttp", "botbuilder-core", "sqlalchemy", "cryptography", "pyjwt"} <= set(names)
    assert coverage_gaps(names) == []
    assert coverage_gaps(["surely-not-a-dependency"]) == ["surely-not-a-dependency"]


def test_yaml_conversion_keeps_strings_and_migrates_the_pre_1_0_layout() -> None:
    record = osv_from_yaml(
        "id: PYSEC-2000-1\npackage:\n  name: Demo\n  ecosystem: PyPI\n"
        "affects:\n  ranges:\n  - type: ECOSYSTEM\n    fixed: '1.10'\n  versions:\n  - 1.0\n"
        "modified: 2021-07-05T00:01:22.516270Z\n"
    )
    assert record == {
        "id": "PYSEC-2000-1",
        "affected": [
            {
                "package": {"name": "Demo", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.10"}]}
                ],
                "versions": ["1.0"],
            }
        ],
        "modified": "2021-07-05T00:01:22.516270Z",
    }


def test_a_placeholder_draft_is_dropped_when_its_allocated_record_is_present() -> None:
    draft = {"id": "PYSEC-0000-CVE-2023-1", "aliases": ["CVE-2023-1"]}
    allocated = {"id": "PYSEC-2023-9", "aliases": ["CVE-2023-1", "GHSA-x"]}
    lonely = {"id": "PYSEC-0000-CVE-2023-2", "aliases": ["CVE-2023-2"]}
    assert drop_superseded_placeholders([draft, allocated, lonely]) == [lonely, allocated]


def test_a_refresh_converts_a_local_checkout_of_the_database(tmp_path: Path) -> None:
    folder = tmp_path / "clone" / "vulns" / "Foo_Bar"
    folder.mkdir(parents=True)
    (folder / "PYSEC-2024-1.yaml").write_text(
        "id: PYSEC-2024-1\naliases:\n- CVE-2024-1\nmodified: 2024-01-02T00:00:00Z\n"
        "affected:\n- package:\n    name: foo-bar\n    ecosystem: PyPI\n  ranges:\n"
        "  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 1.2.0\n"
    )
    (folder / "PYSEC-0000-CVE-2024-1.yaml").write_text(
        "id: PYSEC-0000-CVE-2024-1\naliases:\n- CVE-2024-1\naffected: []\n"
    )
    index = import_from_clone(tmp_path / "clone", ["foo-bar", "Other_Package"], tmp_path / "out")
    assert index["packages"]["foo-bar"]["advisories"] == 1
    assert index["packages"]["other-package"] == {"advisories": 0, "files": []}
    assert index["newest_modified"] == "2024-01-02T00:00:00Z"
    assert [p.name for p in (tmp_path / "out").glob("*/*.json")] == ["PYSEC-2024-1.json"]
    snapshot = Snapshot(tmp_path / "out")
    assert [v["id"] for v in snapshot.query("Foo.Bar", "1.1")] == ["PYSEC-2024-1"]
    assert snapshot.query("foo-bar", "1.2.0") == []


# --- the real pip-audit -------------------------------------------------------------------------


def run_audit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AUDIT), *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_pip_audit_fails_for_a_requirements_file_pinning_a_vulnerable_version(
    tmp_path: Path,
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("aiohttp==3.8.4\nidna==3.20\n", encoding="utf-8")
    result = run_audit("-r", str(requirements))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PYSEC-2023-120" in result.stdout
    assert "CVE-2023-49081" in result.stdout  # aliases are shown
    assert "idna" not in result.stdout  # a fixed version is not reported


def test_pip_audit_passes_for_the_installed_runtime_dependencies() -> None:
    result = run_audit()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found" in result.stderr + result.stdout
    assert f"auditing {len(runtime_requirements())} runtime distributions" in result.stdout


def test_the_audit_command_asks_no_index_and_only_the_loopback_server() -> None:
    from security.audit import loopback_environment, pip_audit_command

    command = pip_audit_command(Path("r.txt"), "http://127.0.0.1:1/v1/query", Path("c"))
    assert {"--no-deps", "--disable-pip", "--strict"} <= set(command)
    assert command[command.index("--osv-url") + 1].startswith("http://127.0.0.1:")
    assert command[command.index("--vulnerability-service") + 1] == "osv"
    environment = loopback_environment()
    assert "HTTPS_PROXY" not in environment and "https_proxy" not in environment
    assert environment["NO_PROXY"] == "127.0.0.1,localhost"
