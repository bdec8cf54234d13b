"""Build the Teams app package: `python -m manifest.build --out build/vink-ssp-bot.zip`.

The manifest (schema v1.30) is `manifest.template.json` filled from the environment:

- `MicrosoftAppId` -> `bots[0].botId`. Without it the development placeholder
  `00000000-0000-0000-0000-000000000000` (`DEV_BOT_ID`) is used and a warning says the package
  is only for the local Agents Playground: Teams cannot reach a bot with that id.
- `TEAMS_APP_ID` -> `id`, the app's own identity in Teams (not the bot's). Default
  `DEFAULT_TEAMS_APP_ID` = `f61453ac-98ff-4001-945f-82e9ece5c523`, fixed so that every upload
  of a new version replaces the same app; set another id for a second, parallel installation
  (e.g. a test tenant).
- `BOT_DOMAIN` -> `validDomains` (host names, comma-separated, e.g. `vink-bot.kk.dk`; default
  none). When `MicrosoftAppId` and `BOT_DOMAIN` are both set, `webApplicationInfo` is added with
  `resource` `api://<first domain>/botid-<MicrosoftAppId>` (must match the Application ID URI
  of the Entra app registration).
- `version` is `[project].version` of pyproject.toml.

`bots[0].commandLists` comes from `commands.json`: `{"<scope>": [{"title", "description"}]}`,
one command list per scope, within Teams' limits (3 lists, 12 commands each).

The filled manifest is validated against the official JSON schema shipped by the npm package
`@microsoft/app-manifest` (offline, in node_modules) and the icons against Teams' icon rules,
before the zip (`manifest.json`, `color.png`, `outline.png` at the root) is written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import (  # type: ignore[import-untyped]
    Draft4Validator,
    Draft7Validator,
    ValidationError,
    validators,
)

from manifest import MANIFEST_DIR, REPO_ROOT
from manifest.icons import COLOR_FILE, OUTLINE_FILE, icon_problems

TEMPLATE = MANIFEST_DIR / "manifest.template.json"
COMMANDS = MANIFEST_DIR / "commands.json"
PYPROJECT = REPO_ROOT / "pyproject.toml"
SCHEMA = (
    REPO_ROOT
    / "node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.30"
    / "MicrosoftTeams.schema.json"
)
DEFAULT_OUT = Path("build/vink-ssp-bot.zip")

DEV_BOT_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TEAMS_APP_ID = "f61453ac-98ff-4001-945f-82e9ece5c523"

BOT_SCOPES = ("personal", "team", "groupChat")
MAX_COMMAND_LISTS = 3
MAX_COMMANDS_PER_LIST = 12
MAX_COMMAND_TITLE = 128
MAX_COMMAND_DESCRIPTION = 4000

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A fixed timestamp makes the zip byte-for-byte reproducible.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ManifestError(Exception):
    """The package cannot be built; the message says why and where."""


# --- filling ---------------------------------------------------------------------------------


def build_manifest(env: Mapping[str, str]) -> dict[str, Any]:
    """The filled manifest for the environment `env` (normally `os.environ`).

    Raises `ManifestError` for a broken template, commands file or `BOT_DOMAIN`. The result is
    not validated here: see `validate_manifest`.
    """
    app_id = env.get("MicrosoftAppId", "").strip()
    if not app_id:
        print(
            "warning: MicrosoftAppId is not set: using the development bot id "
            f"{DEV_BOT_ID}. This package only works with the local Agents Playground, "
            "not in Teams.",
            file=sys.stderr,
        )
    domains = parse_domains(env.get("BOT_DOMAIN", ""))
    values = {
        "VERSION": project_version(),
        "TEAMS_APP_ID": env.get("TEAMS_APP_ID", "").strip() or DEFAULT_TEAMS_APP_ID,
        "MicrosoftAppId": app_id or DEV_BOT_ID,
    }
    manifest = _fill(_load_json(TEMPLATE), values)
    if not isinstance(manifest, dict):
        raise ManifestError(f"{TEMPLATE.name}: must hold a JSON object")
    bots = manifest.get("bots")
    if not isinstance(bots, list) or len(bots) != 1 or not isinstance(bots[0], dict):
        raise ManifestError(f"{TEMPLATE.name}: must hold exactly one bot in `bots`")
    bots[0]["commandLists"] = load_command_lists()
    manifest["validDomains"] = domains
    if app_id and domains:
        manifest["webApplicationInfo"] = {
            "id": app_id,
            "resource": f"api://{domains[0]}/botid-{app_id}",
        }
    return manifest


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    """Replace every `${NAME}` in the template's strings by `values[NAME]`."""
    if isinstance(node, str):

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise ManifestError(f"{TEMPLATE.name}: unknown placeholder ${{{name}}}")
            return values[name]

        return _PLACEHOLDER.sub(value, node)
    if isinstance(node, dict):
        return {key: _fill(child, values) for key, child in node.items()}
    if isinstance(node, list):
        return [_fill(child, values) for child in node]
    return node


def parse_domains(raw: str) -> list[str]:
    """`BOT_DOMAIN` as a list of host names; a scheme or a trailing slash is tolerated."""
    domains: list[str] = []
    for part in raw.split(","):
        domain = part.strip()
        domain = re.sub(r"^[A-Za-z]+://", "", domain).rstrip("/")
        if not domain:
            continue
        if not re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:[0-9]+)?", domain):
            raise ManifestError(
                f"BOT_DOMAIN: {part.strip()!r} is not a host name (like vink-bot.kk.dk)"
            )
        if domain not in domains:
            domains.append(domain)
    return domains


def project_version(pyproject: Path | None = None) -> str:
    pyproject = PYPROJECT if pyproject is None else pyproject
    with open(pyproject, "rb") as handle:
        data = tomllib.load(handle)
    version = data.get("project", {}).get("version")
    if not isinstance(version, str):
        raise ManifestError(f"{pyproject}: [project].version is missing")
    return version


def load_command_lists(path: Path | None = None) -> list[dict[str, Any]]:
    """`commands.json` (or `path`) as the manifest's `commandLists`, within Teams' limits."""
    path = COMMANDS if path is None else path
    data = _load_json(path)
    name = path.name
    if not isinstance(data, dict):
        raise ManifestError(f'{name}: must be an object {{"<scope>": [commands]}}')
    lists: list[dict[str, Any]] = []
    for scope, commands in data.items():
        where = f"{name}: scope {scope!r}"
        if scope not in BOT_SCOPES:
            raise ManifestError(f"{where}: unknown scope; the bot's scopes are {BOT_SCOPES}")
        if not isinstance(commands, list):
            raise ManifestError(f"{where}: must be a list of commands")
        if len(commands) > MAX_COMMANDS_PER_LIST:
            raise ManifestError(
                f"{where}: has {len(commands)} commands; Teams allows at most "
                f"{MAX_COMMANDS_PER_LIST} per list"
            )
        checked: list[dict[str, str]] = []
        for index, command in enumerate(commands):
            checked.append(_command(command, f"{where}, command {index + 1}"))
        titles = [command["title"].casefold() for command in checked]
        duplicates = sorted({title for title in titles if titles.count(title) > 1})
        if duplicates:
            raise ManifestError(f"{where}: duplicate command titles {duplicates}")
        if checked:
            lists.append({"scopes": [scope], "commands": checked})
    if len(lists) > MAX_COMMAND_LISTS:
        raise ManifestError(
            f"{name}: has {len(lists)} command lists; Teams allows at most {MAX_COMMAND_LISTS}"
        )
    return lists


def _command(command: Any, where: str) -> dict[str, str]:
    if not isinstance(command, dict) or set(command) != {"title", "description"}:
        raise ManifestError(f'{where}: must be {{"title": ..., "description": ...}}')
    title, description = command["title"], command["description"]
    if not isinstance(title, str) or not title.strip():
        raise ManifestError(f"{where}: title must be a non-empty string")
    if not isinstance(description, str) or not description.strip():
        raise ManifestError(f"{where} ({title}): description must be a non-empty string")
    if len(title) > MAX_COMMAND_TITLE:
        raise ManifestError(f"{where} ({title}): title longer than {MAX_COMMAND_TITLE}")
    if len(description) > MAX_COMMAND_DESCRIPTION:
        raise ManifestError(f"{where} ({title}): description longer than {MAX_COMMAND_DESCRIPTION}")
    return {"title": title, "description": description}


def _load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as error:
        raise ManifestError(f"{path}: missing") from error
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path.name}: not valid JSON: {error}") from error


# --- validation ------------------------------------------------------------------------------

# Unicode property classes in the schema's patterns (ECMAScript `\p{...}`) that Python's `re`
# lacks, as `re` equivalents. `[^\W\d_]` is "a word character that is no digit or underscore":
# the letters (plus a few non-decimal numerals such as "½", close enough for a name check).
_UNICODE_CLASSES = {r"\p{L}": r"[^\W\d_]", r"\p{Nd}": r"\d", r"\p{N}": r"\d"}
_CHARACTER_CLASS = re.compile(r"\[(?!\^)((?:\\.|[^\]\\])*)\]")


def _translate_pattern(pattern: str) -> str:
    """Rewrite `\\p{L}` and friends so that Python's `re` can compile the pattern."""

    def in_class(match: re.Match[str]) -> str:
        body = match.group(1)
        found = [name for name in _UNICODE_CLASSES if name in body]
        if not found:
            return match.group(0)
        for name in found:
            body = body.replace(name, "")
        options = [_UNICODE_CLASSES[name] for name in found]
        if body:
            options.append(f"[{body}]")
        return "(?:" + "|".join(options) + ")"

    translated = _CHARACTER_CLASS.sub(in_class, pattern)
    for name, equivalent in _UNICODE_CLASSES.items():
        translated = translated.replace(name, equivalent)
    return translated


@cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The schema pattern compiled for `re`, translated if needed; None if impossible."""
    for candidate in (pattern, _translate_pattern(pattern)):
        try:
            return re.compile(candidate)
        except re.error:
            continue
    return None


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`pattern` that never crashes on an ECMAScript-only regex (the schema's `\\p{L}`)."""
    if not validator.is_type(instance, "string"):
        return
    compiled = compile_pattern(pattern)
    if compiled is None:
        yield ValidationError(
            f"{instance!r} cannot be checked: Python cannot compile the schema pattern {pattern!r}"
        )
    elif not compiled.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# The schema says draft-04 but uses `const` (manifestVersion) and `if`/`then` (newer drafts),
# which draft-04 validators silently ignore; the Teams tooling (ajv) checks them, so do we.
# The schema itself is not checked (`check_schema`): that fails on the `\p{L}` pattern.
TeamsManifestValidator = validators.extend(
    Draft4Validator,
    {
        "pattern": _pattern,
        "const": Draft7Validator.VALIDATORS["const"],
        "if": Draft7Validator.VALIDATORS["if"],
    },
)


@cache
def _schema_validator(schema_path: Path = SCHEMA) -> Any:
    if not schema_path.is_file():
        raise ManifestError(
            f"the Teams manifest schema is missing: {schema_path}. Run `npm ci` (package "
            "@microsoft/app-manifest) in the repository root."
        )
    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    return TeamsManifestValidator(schema)


def validate_manifest(manifest: Mapping[str, Any]) -> list[str]:
    """Readable problems of the manifest against the official v1.30 schema; [] when valid.

    Besides the schema, checks that every command list's scopes are scopes of the bot.
    """
    errors = sorted(
        _schema_validator().iter_errors(manifest),
        key=lambda error: (list(map(str, error.absolute_path)), error.message),
    )
    problems = [f"{_json_path(error.absolute_path)}: {_describe(error)}" for error in errors]
    problems.extend(_command_scope_problems(manifest))
    return problems


def _command_scope_problems(manifest: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    bots = manifest.get("bots")
    if not isinstance(bots, list):
        return problems
    for bot_index, bot in enumerate(bots):
        if not isinstance(bot, dict):
            continue
        scopes = set(bot.get("scopes") or ())
        for list_index, command_list in enumerate(bot.get("commandLists") or ()):
            if not isinstance(command_list, dict):
                continue
            extra = sorted(set(command_list.get("scopes") or ()) - scopes)
            if extra:
                problems.append(
                    f"$.bots[{bot_index}].commandLists[{list_index}].scopes: {extra} "
                    f"not among the bot's scopes {sorted(scopes)}"
                )
    return problems


def _json_path(path: Sequence[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(error: ValidationError) -> str:
    """jsonschema's message, without dumping whole lists or objects."""
    instance = error.instance
    if error.validator in ("maxItems", "minItems") and isinstance(instance, list):
        limit = "at most" if error.validator == "maxItems" else "at least"
        return f"has {len(instance)} items, {limit} {error.validator_value} allowed"
    if error.validator in ("maxLength", "minLength") and isinstance(instance, str):
        limit = "at most" if error.validator == "maxLength" else "at least"
        return f"is {len(instance)} characters long, {limit} {error.validator_value} allowed"
    message = str(error.message)
    return message if len(message) <= 300 else message[:297] + "..."


# --- packaging -------------------------------------------------------------------------------


def write_package(manifest: Mapping[str, Any], out: Path, icons_dir: Path = MANIFEST_DIR) -> Path:
    """Write the app package zip: `manifest.json` and the two icons, at the root, nothing else.

    The icon file names come from the manifest's `icons` and are read from `icons_dir`.
    """
    icons = manifest.get("icons") or {}
    entries: dict[str, bytes] = {
        "manifest.json": (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode(),
    }
    for key, default in (("color", COLOR_FILE), ("outline", OUTLINE_FILE)):
        name = str(icons.get(key, default))
        if "/" in name or "\\" in name:
            raise ManifestError(f"icons.{key}: {name!r} must be a file at the package root")
        entries[name] = (icons_dir / name).read_bytes()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(out)
    return out


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m manifest.build",
        description="Build the Teams app package (manifest.json + icons) as a zip.",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"the zip to write (default {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    try:
        manifest = build_manifest(os.environ if env is None else env)
        problems = validate_manifest(manifest)
        problems += icon_problems(MANIFEST_DIR / COLOR_FILE, MANIFEST_DIR / OUTLINE_FILE)
    except ManifestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if problems:
        print("error: the Teams app package is invalid:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    out = write_package(manifest, args.out)
    bot_id = manifest["bots"][0]["botId"]
    print(f"wrote {out} (app {manifest['id']}, bot {bot_id}, version {manifest['version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
