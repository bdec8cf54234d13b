"""`domain/` stays free of transport, conversation and SQL, so it survives an SDK migration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import domain

DOMAIN_DIR = Path(domain.__file__).parent
FORBIDDEN = {"botbuilder", "botframework", "aiohttp", "sqlalchemy", "bot", "dialogs", "storage"}
MODULES = sorted(DOMAIN_DIR.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_there_are_modules_to_check() -> None:
    assert {path.name for path in MODULES} >= {"routing.py", "working_days.py", "references.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_domain_module_imports_nothing_forbidden(path: Path) -> None:
    roots = {name.split(".")[0] for name in imported_modules(path)}
    assert roots.isdisjoint(FORBIDDEN), f"{path.name} imports {sorted(roots & FORBIDDEN)}"


def test_the_check_notices_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom sqlalchemy.orm import Session\n"
        "def f() -> None:\n    import botbuilder.core\n",
        encoding="utf-8",
    )
    assert imported_modules(sample) == {"os", "sqlalchemy.orm", "botbuilder.core"}
