"""Persistence: engine set-up, models, repositories returning plain data, migrations.

Depends on nothing of `bot` or `dialogs`."""
