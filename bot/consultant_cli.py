"""Command-line work on the consultant side:

    python -m bot.consultant_cli import-resource-persons FILE [--dry-run] [--keep-others]

imports VINK's resource panel from a YAML file (docs/consultants.md, "The resource panel"):

    resource_persons:
      - name: Aisha Khan
        topics: [online_radicalisation, polarisation]   # ids from domain/resource_topics.yaml
        competences: Sociale medier, dialog med unge
        contact: aisha.khan@kk.example                  # optional

A file with any problem imports nothing and names every problem. Without `--keep-others`,
people not in the file are taken off the panel (kept in the database, inactive, so past
suggestions still name them).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml

from domain.casework import TopicMap, default_topic_map
from storage.resource_persons import ResourcePersonInput


def read_resource_persons(
    text: str, topics: TopicMap
) -> tuple[list[ResourcePersonInput], list[str]]:
    """The people in a panel file, and the problems found (empty when it can be imported)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [], [f"not YAML: {exc}"]
    entries = data.get("resource_persons") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], ["expected a list under `resource_persons:`"]
    people: list[ResourcePersonInput] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"resource_persons[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected name, topics, competences")
            continue
        name = str(entry.get("name") or "").strip()
        listed = entry.get("topics") or []
        chosen = tuple(str(topic).strip() for topic in listed) if isinstance(listed, list) else ()
        competences = str(entry.get("competences") or "").strip()
        contact = str(entry["contact"]).strip() if entry.get("contact") else None
        unknown_keys = set(entry) - {"name", "topics", "competences", "contact"}
        if unknown_keys:
            problems.append(f"{where}: unknown field(s) {sorted(unknown_keys)}")
        if not name:
            problems.append(f"{where}: name is missing")
        elif name.casefold() in seen:
            problems.append(f"{where}: {name!r} is listed twice")
        seen.add(name.casefold())
        if not chosen:
            problems.append(f"{where}: topics must be a non-empty list")
        elif wrong := topics.unknown(chosen):
            problems.append(f"{where}: unknown topic(s) {wrong}; known: {list(topics.topics)}")
        if not competences:
            problems.append(f"{where}: competences are missing")
        people.append(ResourcePersonInput(name, chosen, competences, contact))
    return people, problems


async def _import(settings: Any, people: list[ResourcePersonInput], replace: bool) -> int:
    from storage.engine import create_engine
    from storage.resource_persons import ResourcePersons

    engine = create_engine(settings.effective_database_url)
    try:
        return await ResourcePersons(engine).import_all(
            people, now=datetime.now(UTC), replace=replace
        )
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.consultant_cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    importer = sub.add_parser("import-resource-persons", help="import the resource panel")
    importer.add_argument("file", type=Path)
    importer.add_argument("--dry-run", action="store_true", help="check the file only")
    importer.add_argument("--keep-others", action="store_true", help="keep people not listed")
    args = parser.parse_args(argv)

    people, problems = read_resource_persons(
        args.file.read_text(encoding="utf-8"), default_topic_map()
    )
    if problems:
        print(f"{args.file}: {len(problems)} problem(s), nothing imported:", file=out)
        for problem in problems:
            print(f"  {problem}", file=out)
        return 2
    if args.dry_run:
        print(f"{args.file}: {len(people)} resource person(s), no problems (dry run)", file=out)
        return 0
    from bot.settings import load_settings

    count = asyncio.run(_import(load_settings(), people, replace=not args.keep_others))
    print(f"{args.file}: {count} resource person(s) imported", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
