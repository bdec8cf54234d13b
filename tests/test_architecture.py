"""The dependency direction holds: bot → dialogs → storage, domain depends on nothing of ours,
and botbuilder stays in the transport layer (plus the one `Storage` contract in storage)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "dialogs": {"bot", "botbuilder", "botframework", "aiohttp", "msrest"},
    "storage": {"bot", "dialogs", "botframework", "aiohttp", "msrest"},
    "domain": {"bot", "dialogs", "storage", "botbuilder", "botframework", "aiohttp", "sqlalchemy"},
}
# The botbuilder `Storage` interface is implemented in storage on purpose.
ALLOWED = {("storage/bot_state.py", "botbuilder")}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer: str) -> None:
    violations = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        for name in imports_of(path) & FORBIDDEN[layer]:
            if (relative, name) not in ALLOWED:
                violations.append(f"{relative} imports {name}")
    assert violations == []


def test_storage_uses_botbuilder_only_for_the_storage_contract() -> None:
    users = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "storage").rglob("*.py")
        if "botbuilder" in imports_of(path)
    ]
    assert users == ["storage/bot_state.py"]


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from bot.app import create_app\nimport botbuilder.core\n")
    assert {"bot", "botbuilder"} <= imports_of(bad)


def test_every_setting_is_documented_in_the_readme() -> None:
    from bot.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias.choices[0] if field.validation_alias else name  # type: ignore[union-attr]
        if f"`{alias}`" not in readme:
            missing.append(str(alias))
    assert missing == []
