"""The Teams app package: manifest (official v1.30 schema, offline), commands, icons, zip, CLI."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from PIL import Image

from manifest import MANIFEST_DIR, REPO_ROOT
from manifest import build as builder
from manifest.build import (
    DEFAULT_TEAMS_APP_ID,
    DEV_BOT_ID,
    SCHEMA,
    ManifestError,
    TeamsManifestValidator,
    build_manifest,
    compile_pattern,
    load_command_lists,
    parse_domains,
    validate_manifest,
    write_package,
)
from manifest.icons import (
    COLOR_SIZE,
    OUTLINE_SIZE,
    draw_color,
    draw_outline,
    icon_problems,
)

BOT_ID = "3f2a6f1e-1111-4222-8333-944455556666"
APP_ID = "0d9c7a52-5b7e-4c1f-9a64-1f2e3d4c5b6a"
FULL_ENV = {"MicrosoftAppId": BOT_ID, "TEAMS_APP_ID": APP_ID, "BOT_DOMAIN": "vink-bot.kk.dk"}
COLOR = MANIFEST_DIR / "color.png"
OUTLINE = MANIFEST_DIR / "outline.png"
PACKAGE_ENTRIES = {"manifest.json", "color.png", "outline.png"}


@pytest.fixture
def manifest() -> dict[str, Any]:
    return build_manifest(FULL_ENV)


def commands(count: int) -> list[dict[str, str]]:
    return [{"title": f"kommando{n}", "description": f"Kommando nummer {n}"} for n in range(count)]


# --- the schema ----------------------------------------------------------------------------


def test_the_official_v1_30_schema_is_there() -> None:
    assert SCHEMA.is_file(), SCHEMA
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["properties"]["manifestVersion"]["const"] == "1.30"


def test_filled_manifest_is_valid(manifest: dict[str, Any]) -> None:
    assert validate_manifest(manifest) == []


def test_manifest_without_environment_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate_manifest(build_manifest({})) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda m: m["bots"][0].pop("botId"), "$.bots[0]: 'botId' is a required property"),
        (lambda m: m["bots"][0].update(botId="not-a-guid"), "$.bots[0].botId: 'not-a-guid'"),
        (lambda m: m.update(manifestVersion="1.29"), "$.manifestVersion: '1.30' was expected"),
        (lambda m: m.update(accentColor="blue"), "$.accentColor"),
        (lambda m: m["name"].update(short="x" * 31), "$.name.short: is 31 characters long"),
        (lambda m: m["description"].update(short="x" * 81), "$.description.short"),
        (lambda m: m.update(staticTabs="x"), "$.staticTabs: 'x' is not of type 'array'"),
        (lambda m: m.update(colour="#000000"), "'colour' was unexpected"),
        (
            lambda m: m["bots"][0]["commandLists"][0].update(commands=commands(13)),
            "$.bots[0].commandLists[0].commands: has 13 items, at most 12 allowed",
        ),
        (
            lambda m: m["bots"][0]["commandLists"].extend(
                [{"scopes": ["groupChat"], "commands": commands(1)}] * 2
            ),
            "$.bots[0].commandLists: has 4 items, at most 3 allowed",
        ),
        (
            lambda m: m["bots"][0].update(scopes=["personal"]),
            "$.bots[0].commandLists[1].scopes: ['team'] not among the bot's scopes",
        ),
    ],
)
def test_broken_manifest_is_reported(
    manifest: dict[str, Any], breakage: Any, expected: str
) -> None:
    broken = copy.deepcopy(manifest)
    breakage(broken)
    problems = validate_manifest(broken)
    assert any(expected in problem for problem in problems), problems


def test_ecmascript_only_patterns_do_not_crash_validation() -> None:
    # From v1.23 the schema has `^[\p{L}][\p{L}0-9._]*$`, which Python's `re` cannot compile.
    letters = r"^[\p{L}][\p{L}0-9._]*$"
    schema = {"type": "string", "pattern": letters}
    with pytest.raises(re.error):
        list(Draft4Validator(schema).iter_errors("x"))
    compiled = compile_pattern(letters)
    assert compiled is not None
    assert compiled.search("Æblegrød.v2")
    assert not compiled.search("2æbler")
    assert not compiled.search("_x")
    validator = TeamsManifestValidator(schema)
    assert list(validator.iter_errors("Kursus_tilmelding")) == []
    assert [e.message for e in validator.iter_errors("1kursus")] == [
        f"'1kursus' does not match {letters!r}"
    ]
    impossible = TeamsManifestValidator({"pattern": "(?<"})
    assert "cannot be checked" in next(iter(impossible.iter_errors("x"))).message


# --- filling from the environment -----------------------------------------------------------


def test_environment_fills_ids_and_domains(manifest: dict[str, Any]) -> None:
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["id"] == APP_ID
    assert manifest["validDomains"] == ["vink-bot.kk.dk"]
    assert manifest["webApplicationInfo"] == {
        "id": BOT_ID,
        "resource": f"api://vink-bot.kk.dk/botid-{BOT_ID}",
    }


def test_defaults_without_environment(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = build_manifest({})
    assert manifest["bots"][0]["botId"] == DEV_BOT_ID == "00000000-0000-0000-0000-000000000000"
    assert manifest["id"] == DEFAULT_TEAMS_APP_ID
    assert manifest["validDomains"] == []
    assert "webApplicationInfo" not in manifest
    warning = capsys.readouterr().err
    assert "MicrosoftAppId" in warning
    assert "Playground" in warning


def test_no_warning_with_a_bot_id(capsys: pytest.CaptureFixture[str]) -> None:
    build_manifest({"MicrosoftAppId": BOT_ID})
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "env", [{"MicrosoftAppId": BOT_ID}, {"BOT_DOMAIN": "vink-bot.kk.dk"}], ids=["id", "domain"]
)
def test_web_application_info_needs_bot_id_and_domain(env: dict[str, str]) -> None:
    assert "webApplicationInfo" not in build_manifest(env)


def test_bot_domain_forms() -> None:
    assert parse_domains("") == []
    assert parse_domains("https://vink-bot.kk.dk/, test.kk.dk ,vink-bot.kk.dk") == [
        "vink-bot.kk.dk",
        "test.kk.dk",
    ]
    assert parse_domains("*.ngrok.app") == ["*.ngrok.app"]
    with pytest.raises(ManifestError, match="BOT_DOMAIN"):
        parse_domains("vink-bot.kk.dk/api/messages")


def test_version_comes_from_pyproject(manifest: dict[str, Any]) -> None:
    with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
        assert manifest["version"] == tomllib.load(handle)["project"]["version"]


def test_app_identity_and_bot(manifest: dict[str, Any]) -> None:
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
    )
    assert manifest["manifestVersion"] == "1.30"
    assert manifest["name"] == {
        "short": "VINK og SSP",
        "full": "VINK og SSP København – bekymringer og kurser",
    }
    assert manifest["developer"]["name"] == "Københavns Kommune"
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith("https://")
    assert len(manifest["description"]["short"]) <= 80
    assert "bekymringshenvendelse" in manifest["description"]["full"]
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert "${" not in json.dumps(manifest)
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False


def test_command_lists_come_from_commands_json(manifest: dict[str, Any]) -> None:
    command_lists = manifest["bots"][0]["commandLists"]
    lists = {tuple(entry["scopes"]): entry["commands"] for entry in command_lists}
    personal = {command["title"]: command["description"] for command in lists[("personal",)]}
    team = {command["title"]: command["description"] for command in lists[("team",)]}
    assert personal["hjælp"] == "Vis hvad botten kan"
    assert personal["annuller"] == "Stop det du er i gang med"
    assert team["hjælp"] == "Vis hvad botten kan"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"personal": commands(13)}, "has 13 commands; Teams allows at most 12"),
        ({"channel": commands(1)}, "scope 'channel': unknown scope"),
        ({"personal": [{"title": "hjælp"}]}, '"title": ..., "description": ...'),
        ({"personal": [{"title": "", "description": "x"}]}, "title must be a non-empty"),
        (
            {"personal": [{"title": "hjælp", "description": "a"}] * 2},
            "duplicate command titles ['hjælp']",
        ),
        (["hjælp"], "must be an object"),
    ],
)
def test_commands_file_that_breaks_the_limits_fails_clearly(
    tmp_path: Path, content: Any, message: str
) -> None:
    path = tmp_path / "commands.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load_command_lists(path)
    assert message in str(caught.value)
    assert "commands.json" in str(caught.value)


def test_at_most_twelve_commands_per_list_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "commands.json"
    path.write_text(
        json.dumps({scope: commands(12) for scope in ("personal", "team", "groupChat")}),
        encoding="utf-8",
    )
    assert [len(entry["commands"]) for entry in load_command_lists(path)] == [12, 12, 12]


def test_cli_refuses_a_broken_commands_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "commands.json"
    path.write_text(json.dumps({"personal": commands(13)}), encoding="utf-8")
    monkeypatch.setattr(builder, "COMMANDS", path)
    out = tmp_path / "package.zip"
    assert builder.main(["--out", str(out)], env=FULL_ENV) == 1
    assert "at most 12" in capsys.readouterr().err
    assert not out.exists()


# --- icons ----------------------------------------------------------------------------------


def test_icons_follow_the_teams_rules() -> None:
    assert icon_problems(COLOR, OUTLINE) == []


def test_color_icon() -> None:
    with Image.open(COLOR) as image:
        assert image.format == "PNG"
        assert image.size == (COLOR_SIZE, COLOR_SIZE) == (192, 192)
        rgba = image.convert("RGBA")
    assert rgba.getchannel("A").getextrema()[1] == 255, "the colour icon is all transparent"
    colours = rgba.getcolors(maxcolors=COLOR_SIZE * COLOR_SIZE) or []
    assert len(colours) > 2, "the colour icon should have some colour"


def test_outline_icon_is_white_on_transparent() -> None:
    with Image.open(OUTLINE) as image:
        assert image.format == "PNG"
        assert image.size == (OUTLINE_SIZE, OUTLINE_SIZE) == (32, 32)
        rgba = image.convert("RGBA")
    data = rgba.tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]
    assert any(alpha == 0 for *_, alpha in pixels), "needs a transparent background"
    assert any(alpha == 255 for *_, alpha in pixels), "needs visible white pixels"
    coloured = [pixel for pixel in pixels if pixel[3] > 0 and pixel[:3] != (255, 255, 255)]
    assert coloured == []


def test_committed_icons_are_what_the_script_draws() -> None:
    for path, drawn in ((COLOR, draw_color()), (OUTLINE, draw_outline())):
        with Image.open(path) as image:
            committed = image.convert("RGBA")
        assert committed.size == drawn.size
        assert committed.tobytes() == drawn.tobytes(), f"run `python -m manifest.icons` ({path})"


def test_icon_check_can_fail(tmp_path: Path) -> None:
    color, outline = tmp_path / "color.png", tmp_path / "outline.png"
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(color)
    Image.new("RGBA", (32, 32), (11, 92, 171, 255)).save(outline)
    problems = icon_problems(color, outline)
    assert "color.png: must be 192x192 pixels, is 100x100" in problems
    assert "color.png: is fully transparent" in problems
    assert "outline.png: needs a transparent background" in problems
    assert any("outline.png: may only contain white pixels" in p for p in problems)
    Image.new("RGB", (32, 32), (255, 255, 255)).save(outline, format="JPEG")
    assert any("outline.png: must be a PNG" in p for p in icon_problems(color, outline))


# --- the zip ----------------------------------------------------------------------------------


def test_package_has_exactly_the_three_root_entries(
    manifest: dict[str, Any], tmp_path: Path
) -> None:
    out = write_package(manifest, tmp_path / "sub" / "vink-ssp-bot.zip")
    assert out == tmp_path / "sub" / "vink-ssp-bot.zip"
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == PACKAGE_ENTRIES
        assert len(archive.namelist()) == 3
        assert json.loads(archive.read("manifest.json").decode("utf-8")) == manifest
        assert archive.read("color.png") == COLOR.read_bytes()
        assert archive.read("outline.png") == OUTLINE.read_bytes()


def test_package_is_reproducible(manifest: dict[str, Any], tmp_path: Path) -> None:
    first = write_package(manifest, tmp_path / "a.zip").read_bytes()
    second = write_package(manifest, tmp_path / "b.zip").read_bytes()
    assert first == second


# --- the command line -------------------------------------------------------------------------


def run_cli(out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MicrosoftAppId", "TEAMS_APP_ID", "BOT_DOMAIN"}
    }
    return subprocess.run(
        [sys.executable, "-m", "manifest.build", "--out", str(out)],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_writes_the_package(tmp_path: Path) -> None:
    out = tmp_path / "build" / "vink-ssp-bot.zip"
    result = run_cli(out, **FULL_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert str(out) in result.stdout
    with zipfile.ZipFile(out) as archive:
        assert set(archive.namelist()) == PACKAGE_ENTRIES
        written = json.loads(archive.read("manifest.json"))
    assert written == build_manifest(FULL_ENV)
    assert validate_manifest(written) == []


def test_cli_without_bot_id_warns_but_builds(tmp_path: Path) -> None:
    out = tmp_path / "playground.zip"
    result = run_cli(out)
    assert result.returncode == 0, result.stderr
    assert "warning: MicrosoftAppId is not set" in result.stderr
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["bots"][0]["botId"] == DEV_BOT_ID


def test_cli_refuses_an_invalid_manifest(tmp_path: Path) -> None:
    out = tmp_path / "broken.zip"
    result = run_cli(out, MicrosoftAppId="not-a-guid")
    assert result.returncode == 1
    assert "$.bots[0].botId: 'not-a-guid' does not match" in result.stderr
    assert not out.exists()
