#!/usr/bin/env bash
# Everything `make test` runs: lint, types, the dependency audit (pip-audit against the shipped
# advisory snapshot, security/), the unit/dialog/HTTP/storage suite (SQLite and the real
# PostgreSQL on 127.0.0.1:5432), then the end-to-end suite through the Agents Playground
# inside a network namespace that has nothing but loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== dependency audit (pip-audit against the shipped advisory snapshot)"
# Inside a network namespace with nothing but loopback: the audit asks no index and no
# advisory service but the snapshot server it starts on 127.0.0.1 (security/audit.py).
unshare -n sh -c 'ip link set lo up && exec scripts/audit.sh'
echo "== pytest (unit, dialogs, HTTP, storage on SQLite and PostgreSQL)"
.venv/bin/pytest -m "not e2e" "$@"

echo "== pytest (the app over HTTP again, every conversation's state in PostgreSQL)"
# The HTTP-level suites start the bot on SQLite by default; here on PostgreSQL. Tests that
# already run on both databases (ids [sqlite]/[postgres]) are not repeated.
TEST_APP_DATABASE=postgres .venv/bin/pytest tests/bot tests/consultant tests/training \
  -m "not e2e and not postgres" -k "not sqlite" "$@"

echo "== pytest (end-to-end through the Agents Playground, loopback only)"
# The namespace has its own empty loopback: PostgreSQL is reached through its Unix socket.
unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
  env TEST_POSTGRES_URL="postgresql+asyncpg://postgres@/test?host=/var/run/postgresql" \
  .venv/bin/pytest -m e2e "$@"
