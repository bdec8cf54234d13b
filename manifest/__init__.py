"""The Microsoft Teams app package of the bot (manifest schema v1.30).

- `manifest.template.json`: the manifest with `${...}` placeholders that the builder fills.
- `commands.json`: the command menu Teams shows, one list of commands per scope.
- `color.png` (192x192) and `outline.png` (32x32, white on transparent), drawn by `icons.py`.
- `build.py`: `python -m manifest.build --out build/vink-ssp-bot.zip` fills, validates and zips.

See docs/manifest.md.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST_DIR = Path(__file__).resolve().parent
REPO_ROOT = MANIFEST_DIR.parent
